// The hostcall floor of filters/request-id: the SDK no-op filter plus exactly the hostcalls request-id
// makes per request with its default configuration, with constant values and no other work:
//   request:  get x-request-id, increment a counter, replace x-request-id, get traceparent, increment a
//             counter, remove tracestate (only when traceparent was absent), replace traceparent,
//             set_envoy_filter_state; response: replace x-request-id.
// (request-id's one random_get per ~23 requests is left out.) bench/request-id/run.ts runs it beside
// request-id: request-id / floor is what request-id's own guest work costs on top of the hostcalls any
// filter with its behaviour must make.
import { RootContext, HttpContext, registerRootContext, FilterHeadersStatus, Counter, MetricType,
  callForeignFunction } from "../../../../sdk";
export * from "../../../../sdk/abi/exports";

const ID = String.UTF8.encode("x-request-id");
const TP = String.UTF8.encode("traceparent");
const TS = String.UTF8.encode("tracestate");
const VALUE = String.UTF8.encode("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
const UUID = String.UTF8.encode("f81d4fae-7dec-41d0-a765-00a0c91e6bf6");
// SetEnvoyFilterStateArguments {path: "envoy.string", value: <uuid>}
const FS = String.UTF8.encode("\n\x0cenvoy.string\x12\x24f81d4fae-7dec-41d0-a765-00a0c91e6bf6");
@inline function p(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline function n(b: ArrayBuffer): usize { return <usize>b.byteLength; }
const c1 = new Counter("floor.a", MetricType.Counter);
const c2 = new Counter("floor.b", MetricType.Counter);

class Floor extends HttpContext {
  onRequestHeaders(k: u32, eos: bool): FilterHeadersStatus {
    const req = this.requestHeaders;
    req.getRaw(p(ID), n(ID));
    c1.increment();
    req.setRaw(p(ID), n(ID), p(UUID), n(UUID));
    const had = req.getRaw(p(TP), n(TP)) >= 0;
    c2.increment();
    if (!had) req.removeRaw(p(TS), n(TS));
    req.setRaw(p(TP), n(TP), p(VALUE), n(VALUE));
    callForeignFunction("set_envoy_filter_state", FS);
    return FilterHeadersStatus.Continue;
  }
  onResponseHeaders(k: u32, eos: bool): FilterHeadersStatus {
    this.responseHeaders.setRaw(p(ID), n(ID), p(UUID), n(UUID));
    return FilterHeadersStatus.Continue;
  }
}
class FloorRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return new Floor(id, this); }
}
registerRootContext((id: u32): RootContext => new FloorRoot(id), "floor");

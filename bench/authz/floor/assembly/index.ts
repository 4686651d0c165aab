// The hostcall floor of filters/authz: the SDK no-op filter plus exactly the hostcalls authz makes per
// allowed request (client connection type HTTP), with constant values and no other work:
//   request:  read every request header (get_header_map_pairs), remove the client header, set the
//             verified client header, increment the decision counter;
//   response: set the policy revision header.
// bench/authz/run.ts runs it beside authz: authz / floor is authz's own guest work (parsing the path and
// client id, the decision) on top of the hostcalls any filter with its behaviour must make; floor / no-op
// is what those hostcalls cost.
import { RootContext, HttpContext, registerRootContext, FilterHeadersStatus, Counter, MetricType } from "../../../../sdk";
export * from "../../../../sdk/abi/exports";

const CLIENT = String.UTF8.encode("x-road-client");
const VERIFIED = String.UTF8.encode("x-road-client-verified");
const WIRE = String.UTF8.encode("DEV/GOV/c1/app");
const REV = String.UTF8.encode("x-road-policy-rev");
const REV_V = String.UTF8.encode("1");
@inline function p(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline function n(b: ArrayBuffer): usize { return <usize>b.byteLength; }
const allowed = new Counter("floor.allowed", MetricType.Counter);

class Floor extends HttpContext {
  onRequestHeaders(k: u32, eos: bool): FilterHeadersStatus {
    const req = this.requestHeaders;
    req.pairsRaw();
    req.removeRaw(p(CLIENT), n(CLIENT));
    req.setRaw(p(VERIFIED), n(VERIFIED), p(WIRE), n(WIRE));
    allowed.increment();
    return FilterHeadersStatus.Continue;
  }
  onResponseHeaders(k: u32, eos: bool): FilterHeadersStatus {
    this.responseHeaders.setRaw(p(REV), n(REV), p(REV_V), n(REV_V));
    return FilterHeadersStatus.Continue;
  }
}
class FloorRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return new Floor(id, this); }
}
registerRootContext((id: u32): RootContext => new FloorRoot(id), "floor");

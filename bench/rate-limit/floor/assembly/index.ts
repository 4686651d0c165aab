// The hostcall floor of filters/rate-limit in local mode: the SDK no-op filter (with recycled stream
// contexts, as rate-limit has) plus exactly the hostcalls rate-limit makes per allowed request with one
// bucket found at its home slot and x-ratelimit headers on, with constant values and no other work:
//   request:  get the client header, read the clock, get the bucket's slot, write it back with its CAS,
//             increment the allowed counter;
//   response: replace x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset.
// bench/rate-limit/run.ts runs it beside rate-limit: rate-limit / floor is rate-limit's own guest work on
// top of the hostcalls any filter with its behaviour must make; floor / no-op is what those hostcalls cost.
import { RootContext, HttpContext, registerRootContext, FilterHeadersStatus, Counter, MetricType,
  getCurrentTimeMilliseconds, WasmResult } from "../../../../sdk";
import * as hc from "../../../../sdk/hostcalls";
import { OUT_PTR, freeResult } from "../../../../sdk/runtime/memory";
export * from "../../../../sdk/abi/exports";

const CLIENT = String.UTF8.encode("x-road-client-verified");
const SLOT = String.UTF8.encode("rate-limit.slot.4242");
// a bucket record as rate-limit writes it: 32-byte header + a key of the usual length
const RECORD = new ArrayBuffer(32 + 40);
const LIMIT = String.UTF8.encode("x-ratelimit-limit");
const LIMIT_V = String.UTF8.encode("1000000000, 1000000000;w=1");
const REMAINING = String.UTF8.encode("x-ratelimit-remaining");
const REMAINING_V = String.UTF8.encode("999999999");
const RESET = String.UTF8.encode("x-ratelimit-reset");
const RESET_V = String.UTF8.encode("1");
@inline function p(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline function n(b: ArrayBuffer): usize { return <usize>b.byteLength; }
const allowed = new Counter("floor.allowed", MetricType.Counter);

class Floor extends HttpContext {
  recycle(): bool { return true; }
  onRequestHeaders(k: u32, eos: bool): FilterHeadersStatus {
    this.requestHeaders.getRaw(p(CLIENT), n(CLIENT));
    store<u64>(p(RECORD), getCurrentTimeMilliseconds(), 8);
    if (hc.getSharedDataRaw(p(SLOT), n(SLOT)) == WasmResult.Ok) freeResult(load<usize>(OUT_PTR));
    hc.setSharedDataRaw(p(SLOT), n(SLOT), p(RECORD), n(RECORD), hc.lastCas);
    allowed.increment();
    return FilterHeadersStatus.Continue;
  }
  onResponseHeaders(k: u32, eos: bool): FilterHeadersStatus {
    const h = this.responseHeaders;
    h.setRaw(p(LIMIT), n(LIMIT), p(LIMIT_V), n(LIMIT_V));
    h.setRaw(p(REMAINING), n(REMAINING), p(REMAINING_V), n(REMAINING_V));
    h.setRaw(p(RESET), n(RESET), p(RESET_V), n(RESET_V));
    return FilterHeadersStatus.Continue;
  }
}
class FloorRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new Floor(id, this); }
}
registerRootContext((id: u32): RootContext => new FloorRoot(id), "floor");

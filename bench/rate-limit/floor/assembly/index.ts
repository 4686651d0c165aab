// The hostcall floor of filters/rate-limit in local mode: the SDK no-op filter (with recycled stream
// contexts, as rate-limit has) plus exactly the hostcalls rate-limit makes per request, with constant
// values and no other work. One shape per plugin configuration (bench/rate-limit/run.ts runs each beside
// the rate-limit shape it stands for):
//   ""             one key, allowed: get the client header, read the clock, get the bucket's slot, write it
//                  back with its CAS, increment the allowed counter; response: replace x-ratelimit-limit,
//                  x-ratelimit-remaining, x-ratelimit-reset;
//   "headers_off"  the same without the three response headers;
//   "limited"      get the client header, read the clock, get the slot, increment the limited counter, a
//                  local reply 429 with the five headers rate-limit sends (no shared-data write);
//   "keys:<n>"     as "" on n slots created at configure, a different slot each request (cycling through
//                  them in a scattered order), like rate-limit's table of 2 × 10,000 keys (one probe each:
//                  rate-limit's extra probes on collisions are its own work).
// rate-limit / floor is rate-limit's own guest work on top of the hostcalls any filter with its behaviour
// must make; floor / no-op is what those hostcalls cost in that driver.
import { RootContext, HttpContext, registerRootContext, FilterHeadersStatus, Counter, MetricType,
  getCurrentTimeMilliseconds, WasmResult, pair } from "../../../../sdk";
import * as hc from "../../../../sdk/hostcalls";
import { encodePairs } from "../../../../sdk/pairs";
import { OUT_PTR, freeResult } from "../../../../sdk/runtime/memory";
export * from "../../../../sdk/abi/exports";

const CLIENT = String.UTF8.encode("x-road-client-verified");
// slot keys "rate-limit.slot.<n>" written into a static buffer, as rate-limit does
const SLOT = memory.data(32);
const SLOT_PREFIX = "rate-limit.slot.";
// a bucket record as rate-limit writes it for the benchmark's key: 32-byte header + a 44-byte key
const RECORD = new ArrayBuffer(32 + 44);
const LIMIT = String.UTF8.encode("x-ratelimit-limit");
const LIMIT_V = String.UTF8.encode("1000000000, 1000000000;w=1");
const REMAINING = String.UTF8.encode("x-ratelimit-remaining");
const REMAINING_V = String.UTF8.encode("999999999");
const RESET = String.UTF8.encode("x-ratelimit-reset");
const RESET_V = String.UTF8.encode("1");
// the 429 rate-limit sends for 1/day (its headers in reply order)
const REPLY_HEADERS = encodePairs([
  pair("x-ratelimit-limit", "1, 1;w=86400"), pair("x-ratelimit-remaining", "0"), pair("x-ratelimit-reset", "86400"),
  pair("retry-after", "86400"), pair("x-envoy-ratelimited", "true"),
]);
@inline function p(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline function n(b: ArrayBuffer): usize { return <usize>b.byteLength; }
const allowed = new Counter("floor.allowed", MetricType.Counter);
const limited = new Counter("floor.limited", MetricType.Counter);

const SHAPE_ONE = 0, SHAPE_HEADERS_OFF = 1, SHAPE_LIMITED = 2, SHAPE_KEYS = 3;
let shape = SHAPE_ONE;
let keys: u32 = 1;
let nextKey: u32 = 0;

/** "rate-limit.slot.<i>" at SLOT; its length. */
function slotKey(i: u32): usize {
  let n: usize = 1;
  for (let v = i; v >= 10; v /= 10) n++;
  let q = SLOT + 16 + n;
  let v = i;
  do {
    store<u8>(--q, <u8>(48 + v % 10));
    v /= 10;
  } while (v != 0);
  return 16 + n;
}

class Floor extends HttpContext {
  slotLen: usize = 0;
  recycle(): bool { return true; }
  onRequestHeaders(k: u32, eos: bool): FilterHeadersStatus {
    this.requestHeaders.getRaw(p(CLIENT), n(CLIENT));
    store<u64>(p(RECORD), getCurrentTimeMilliseconds(), 8);
    // keys: one slot of n per request, stepping by a prime so successive requests are far apart
    const kn = shape == SHAPE_KEYS ? slotKey(nextKey = (nextKey + 7919) % keys) : slotKey(4242);
    if (hc.getSharedDataRaw(SLOT, kn) == WasmResult.Ok) freeResult(load<usize>(OUT_PTR));
    if (shape == SHAPE_LIMITED) {
      limited.increment();
      hc.sendLocalResponseText(429, "local_rate_limited", "local_rate_limited", REPLY_HEADERS, -1);
      return FilterHeadersStatus.StopIteration;
    }
    hc.setSharedDataRaw(SLOT, kn, p(RECORD), n(RECORD), hc.lastCas);
    allowed.increment();
    return FilterHeadersStatus.Continue;
  }
  onResponseHeaders(k: u32, eos: bool): FilterHeadersStatus {
    if (shape == SHAPE_HEADERS_OFF || shape == SHAPE_LIMITED) return FilterHeadersStatus.Continue;
    const h = this.responseHeaders;
    h.setRaw(p(LIMIT), n(LIMIT), p(LIMIT_V), n(LIMIT_V));
    h.setRaw(p(REMAINING), n(REMAINING), p(REMAINING_V), n(REMAINING_V));
    h.setRaw(p(RESET), n(RESET), p(RESET_V), n(RESET_V));
    return FilterHeadersStatus.Continue;
  }
}
class FloorRoot extends RootContext {
  onConfigure(size: u32): bool {
    String.UTF8.encodeUnsafe(changetype<usize>(SLOT_PREFIX), SLOT_PREFIX.length, SLOT);
    const c = this.getPluginConfigurationString();
    const s = c === null ? "" : c;
    if (s == "") shape = SHAPE_ONE;
    else if (s == "headers_off") shape = SHAPE_HEADERS_OFF;
    else if (s == "limited") shape = SHAPE_LIMITED;
    else if (s.startsWith("keys:")) {
      shape = SHAPE_KEYS;
      keys = <u32>I32.parseInt(s.substring(5));
      if (keys == 0) return false;
      for (let i: u32 = 0; i < keys; i++) hc.setSharedDataRaw(SLOT, slotKey(i), p(RECORD), n(RECORD), 0);
    } else return false;
    return true;
  }
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new Floor(id, this); }
}
registerRootContext((id: u32): RootContext => new FloorRoot(id), "floor");

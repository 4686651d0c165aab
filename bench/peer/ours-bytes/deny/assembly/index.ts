// Filter (b) on our SDK's hot-path API (sdk/headers.ts "raw bytes"): the same behaviour as
// bench/peer/ours/deny, with the header read as bytes (getRaw, compared in place, no string) and the
// name, expected value and reply body encoded once at start-up instead of on every request. Shown next to
// the plain version to measure what the byte API saves over strings.
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext, rawValuePtr } from "../../../../../sdk";
export * from "../../../../../sdk/abi/exports";

const KEY = String.UTF8.encode("x-api-key");
const WANT = String.UTF8.encode("let-me-in");
const DENIED = String.UTF8.encode("denied");

class DenyRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new Deny(id, this); }
}
class Deny extends HttpContext {
  // no per-stream state: the object can serve the next stream as it is (see RootContext.recycledHttpContext)
  recycle(): bool { return true; }
  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const len = this.requestHeaders.getRaw(changetype<usize>(KEY), KEY.byteLength);
    if (len == WANT.byteLength && memory.compare(rawValuePtr(), changetype<usize>(WANT), len) == 0) return FilterHeadersStatus.Continue;
    this.sendLocalResponseBytes(403, DENIED, null, -1, "bench_denied");
    return FilterHeadersStatus.StopIteration;
  }
}
registerRootContext((id: u32): RootContext => new DenyRoot(id), "deny");

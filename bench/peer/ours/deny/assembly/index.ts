// Peer benchmark filter (b) on our SDK: read request header `x-api-key`; unless it is "let-me-in",
// deny with a local reply 403 "denied" (details "bench_denied", no gRPC status) and stop.
// The same filter as bench/peer/solo/assembly/deny.ts (incumbent) and bench/peer/raw/deny (floor).
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext } from "../../../../../sdk";
export * from "../../../../../sdk/abi/exports";

class DenyRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new Deny(id, this); }
}
class Deny extends HttpContext {
  // no per-stream state: the object can serve the next stream as it is (see RootContext.recycledHttpContext)
  recycle(): bool { return true; }
  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const key = this.requestHeaders.get("x-api-key");
    if (key !== null && key == "let-me-in") return FilterHeadersStatus.Continue;
    this.sendLocalResponse(403, "denied", null, -1, "bench_denied");
    return FilterHeadersStatus.StopIteration;
  }
}
registerRootContext((id: u32): RootContext => new DenyRoot(id), "deny");

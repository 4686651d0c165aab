// Peer benchmark filter (c) on our SDK: count requests in the counter `bench_requests`.
// The same filter as bench/peer/solo/assembly/count.ts (incumbent) and bench/peer/raw/count (floor).
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext, Counter } from "../../../../../sdk";
export * from "../../../../../sdk/abi/exports";

const requests = Counter.define("bench_requests");

class CountRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new Count(id, this); }
}
class Count extends HttpContext {
  // no per-stream state: the object can serve the next stream as it is (see RootContext.recycledHttpContext)
  recycle(): bool { return true; }
  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    requests.increment();
    return FilterHeadersStatus.Continue;
  }
}
registerRootContext((id: u32): RootContext => new CountRoot(id), "count");

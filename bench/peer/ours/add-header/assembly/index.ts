// Peer benchmark filter (a) on our SDK: add `x-bench: add-header` to every response.
// The same filter as bench/peer/solo/assembly/add-header.ts (incumbent) and bench/peer/raw/add-header (floor).
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext } from "../../../../../sdk";
export * from "../../../../../sdk/abi/exports";

class AddHeaderRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new AddHeader(id, this); }
}
class AddHeader extends HttpContext {
  // no per-stream state: the object can serve the next stream as it is (see RootContext.recycledHttpContext)
  recycle(): bool { return true; }
  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    this.responseHeaders.add("x-bench", "add-header");
    return FilterHeadersStatus.Continue;
  }
}
registerRootContext((id: u32): RootContext => new AddHeaderRoot(id), "add-header");

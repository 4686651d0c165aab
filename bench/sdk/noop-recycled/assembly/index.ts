// The SDK no-op filter (bench/sdk/noop) with recycled stream contexts (RootContext.recycledHttpContext):
// the same callbacks, but no allocation or collection of a context object per stream. Next to the plain
// no-op it shows what that allocation costs; next to bench/sdk/raw-noop, what the SDK's dispatch costs.
import { RootContext, HttpContext, registerRootContext } from "../../../../sdk";
export * from "../../../../sdk/abi/exports";

class Noop extends HttpContext {
  recycle(): bool { return true; } // no per-stream state to reset
}
class NoopRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new Noop(id, this); }
}
registerRootContext((id: u32): RootContext => new NoopRoot(id), "noop");

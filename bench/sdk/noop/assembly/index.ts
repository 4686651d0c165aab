// A no-op filter written with the SDK: an HTTP context per stream that overrides nothing. Compared with
// bench/sdk/raw-noop (the same behaviour with no SDK) it shows what the SDK's dispatch costs.
import { RootContext, HttpContext, registerRootContext } from "../../../../sdk";
export * from "../../../../sdk/abi/exports";

class NoopRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return new HttpContext(id, this); }
}
registerRootContext((id: u32): RootContext => new NoopRoot(id), "noop");

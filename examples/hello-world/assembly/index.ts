// examples/hello-world/assembly/index.ts
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext,
         isLogEnabled, LogLevel, logInfo, decimal } from "../../../sdk";
export * from "../../../sdk/abi/exports";

class HelloRoot extends RootContext {
  createHttpContext(id: u32): HttpContext | null { return new Hello(id, this); }
}
class Hello extends HttpContext {
  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    this.responseHeaders.add("x-hello", "world");
    if (isLogEnabled(LogLevel.Info)) logInfo("said hello on " + decimal(this.contextId));
    return FilterHeadersStatus.Continue;
  }
}
registerRootContext((id: u32): RootContext => new HelloRoot(id), "hello");

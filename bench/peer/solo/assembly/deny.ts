// Peer filter (b) on the incumbent SDK @solo-io/proxy-runtime 0.1.8: read request header `x-api-key`;
// unless it is "let-me-in", deny with a local reply 403 "denied" (details "bench_denied") and stop.
export * from "@solo-io/proxy-runtime/proxy";
import { RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context,
         send_local_response, GrpcStatusValues, Headers } from "@solo-io/proxy-runtime";

class DenyRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Deny(context_id, this);
  }
}

class Deny extends Context {
  constructor(context_id: u32, root_context: DenyRoot) {
    super(context_id, root_context);
  }
  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    if (stream_context.headers.request.get("x-api-key") == "let-me-in") return FilterHeadersStatusValues.Continue;
    // -1: no gRPC status (the SDK's enum has no name for it), as the other two builds send
    send_local_response(403, "bench_denied", String.UTF8.encode("denied"), [], <GrpcStatusValues>(-1));
    return FilterHeadersStatusValues.StopIteration;
  }
}

registerRootContext((context_id: u32): RootContext => new DenyRoot(context_id), "deny");

// Peer filter (c) on the incumbent SDK @solo-io/proxy-runtime 0.1.8: count requests in the counter
// `bench_requests` (defined once per root context, incremented on every request's headers).
export * from "@solo-io/proxy-runtime/proxy";
import { RootContext, Context, registerRootContext, FilterHeadersStatusValues, Counter } from "@solo-io/proxy-runtime";

class CountRoot extends RootContext {
  requests: Counter | null = null;
  createContext(context_id: u32): Context {
    return new Count(context_id, this);
  }
  onConfigure(configuration_size: u32): bool {
    if (this.requests === null) this.requests = new Counter("bench_requests");
    return super.onConfigure(configuration_size);
  }
}

class Count extends Context {
  constructor(context_id: u32, root_context: CountRoot) {
    super(context_id, root_context);
  }
  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    (this.root_context as CountRoot).requests!.increment(1);
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32): RootContext => new CountRoot(context_id), "count");

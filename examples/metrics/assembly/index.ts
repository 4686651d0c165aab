// Request metrics with tags:
//   <prefix>_requests.method=<M>.class=<C>   counter   one per (method, response class)
//   <prefix>_requests_active                 gauge     requests in flight on this Envoy
//   <prefix>_request_body_bytes              histogram request body size (bytes; 0 for none)
//   <prefix>_request_duration_ms             histogram first request byte → end of stream (host time)
//
// Tags go into the metric name the way the SDK encodes them (metricName: ".key=value" segments); add
// stats_tags regexes in Envoy (see envoy.yaml) to turn them into real tags.
//
// Cardinality is bounded on purpose: the method comes from the client, so only the 9 standard
// methods get their own series and everything else is counted as OTHER; the class is 1xx..5xx, or
// "none" when the stream ended without a response (reset, client gone). 10 × 6 = 60 counters at most,
// each defined on the host the first time it is used and then kept in a table (never looked up by
// name on the request path).
//
// Configuration (JSON, optional): { "prefix": "http" }
import {
  RootContext, HttpContext, FilterHeadersStatus, FilterDataStatus, ConfigReader,
  Counter, Gauge, Histogram, getCurrentTimeMilliseconds, registerRootContext, logError,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";

const METHODS: string[] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"];
const CLASSES: string[] = ["1xx", "2xx", "3xx", "4xx", "5xx", "none"];
const CLASS_NONE: i32 = 5;

function methodIndex(m: string): i32 {
  for (let i = 0; i < METHODS.length - 1; i++) if (unchecked(METHODS[i]) == m) return i;
  return METHODS.length - 1;
}

/** 1xx..5xx → 0..4; anything else (missing, garbage, 600) → none. */
function classIndex(status: string | null): i32 {
  if (status === null || status.length != 3) return CLASS_NONE;
  const c0 = status.charCodeAt(0) - 0x30;
  const c1 = status.charCodeAt(1) - 0x30;
  const c2 = status.charCodeAt(2) - 0x30;
  if (c0 < 1 || c0 > 5 || c1 < 0 || c1 > 9 || c2 < 0 || c2 > 9) return CLASS_NONE;
  return c0 - 1;
}

function validPrefix(p: string): bool {
  if (p.length == 0 || p.length > 64) return false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x5f)) return false;
  }
  return true;
}

class MetricsRoot extends RootContext {
  requests: StaticArray<Counter | null> = new StaticArray<Counter | null>(METHODS.length * CLASSES.length);
  active: Gauge | null = null;
  bodyBytes: Histogram | null = null;
  duration: Histogram | null = null;

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const prefix = r.string("prefix", "http");
    if (r.ok && !validPrefix(prefix)) r.fail("prefix", "must be 1-64 characters of a-z, 0-9 and _");
    r.finish();
    if (!r.ok) {
      logError("metrics: " + r.error!);
      return false;
    }
    // Every metric object is made here, once per root; the host learns of each on first use.
    for (let m = 0; m < METHODS.length; m++) {
      for (let c = 0; c < CLASSES.length; c++) {
        this.requests[m * CLASSES.length + c] =
          Counter.define(prefix + "_requests", ["method", unchecked(METHODS[m]), "class", unchecked(CLASSES[c])]);
      }
    }
    this.active = Gauge.define(prefix + "_requests_active");
    this.bodyBytes = Histogram.define(prefix + "_request_body_bytes");
    this.duration = Histogram.define(prefix + "_request_duration_ms");
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new MetricsStream(id, this); }
}

class MetricsStream extends HttpContext {
  constructor(id: u32, public root: MetricsRoot) { super(id, root); }
  method: i32 = -1;        // -1: request headers never seen (nothing was counted as active)
  cls: i32 = CLASS_NONE;
  bodyBytes: u64 = 0;
  startMs: u64 = 0;
  ended: bool = false;

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const m = this.requestHeaders.get(":method");
    this.method = methodIndex(m === null ? "" : m);
    this.startMs = getCurrentTimeMilliseconds();
    this.root.active!.add(1);
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(size: u32, endOfStream: bool): FilterDataStatus {
    this.bodyBytes += size; // not buffering: each call reports only its own chunk
    return FilterDataStatus.Continue;
  }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    this.cls = classIndex(this.responseHeaders.get(":status"));
    return FilterHeadersStatus.Continue;
  }

  // onLog runs at stream end (before onDone) for completed, reset and locally answered streams alike.
  onLog(): void { this.end(); }
  onDone(): void { this.end(); }

  end(): void {
    if (this.ended || this.method < 0) return;
    this.ended = true;
    const root = this.root;
    root.active!.add(-1);
    unchecked(root.requests[this.method * CLASSES.length + this.cls])!.increment();
    root.bodyBytes!.record(this.bodyBytes);
    const now = getCurrentTimeMilliseconds();
    root.duration!.record(now > this.startMs ? now - this.startMs : 0); // wall time may step back
  }
}

registerRootContext((id: u32): RootContext => new MetricsRoot(id), "metrics");

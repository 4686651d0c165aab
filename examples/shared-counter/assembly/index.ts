// A request counter shared by every worker VM of the plugin (shared data, namespaced by vm_id),
// updated with compare-and-swap and a bounded number of retries. Each request gets its number in a
// response header.
//
// Configuration (JSON, all optional):
//   { "key": "shared_counter.requests", "header": "x-request-count", "max_retries": 16 }
//
// The ABI 0.2.1 shared-data rules this relies on (reference §10.18):
//   - set(key, value, cas) fails with CasMismatch when someone wrote the key since our get;
//   - cas is IGNORED when the key does not exist, so two VMs that both find the key missing would both
//     "create" it and one increment would be lost. The key is therefore created once, in onConfigure,
//     which Envoy runs first in the canary on the main thread, before any worker VM starts;
//   - there is no delete, so once created the key stays.
import {
  RootContext, HttpContext, FilterHeadersStatus, SharedData, WasmResult, ConfigReader, Counter,
  registerRootContext, lastStatus, isLogEnabled, LogLevel, logInfo, logWarn, logError,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";

/** Decimal ASCII → u64; -1 when the bytes are not a plain decimal number (or overflow). */
function parseCount(b: ArrayBuffer): i64 {
  const n = b.byteLength;
  if (n == 0 || n > 18) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const d = <i32>load<u8>(changetype<usize>(b) + <usize>i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function encodeCount(v: i64): ArrayBuffer {
  return String.UTF8.encode(v.toString());
}

const casRetries = Counter.define("shared_counter.cas_retries");
const dropped = Counter.define("shared_counter.dropped");

class CounterRoot extends RootContext {
  key: string = "shared_counter.requests";
  header: string = "x-request-count";
  maxRetries: u32 = 16;

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const key = r.string("key", this.key);
    const header = r.string("header", this.header);
    const maxRetries = r.u32("max_retries", this.maxRetries, 0, 1000);
    if (r.ok && key.length == 0) r.fail("key", "must not be empty");
    if (r.ok && (header.length == 0 || header.charCodeAt(0) == 0x3a || header.toLowerCase() != header)) {
      r.fail("header", "must be a lower-case header name");
    }
    r.finish();
    if (!r.ok) {
      logError("shared-counter: " + r.error!);
      return false;
    }
    this.key = key;
    this.header = header;
    this.maxRetries = maxRetries;
    // Create the key once (in the canary: see the top comment). Workers find it and leave it alone.
    if (SharedData.get(key) === null) {
      if (lastStatus != WasmResult.NotFound) {
        logError("shared-counter: cannot read shared data key " + key);
        return false;
      }
      SharedData.set(key, encodeCount(0));
      if (isLogEnabled(LogLevel.Info)) logInfo("shared-counter: created " + key);
    }
    return true;
  }

  /** Adds one; returns the new value, or -1 when every attempt met a concurrent writer. */
  increment(): i64 {
    const key = this.key;
    for (let attempt: u32 = 0; attempt <= this.maxRetries; attempt++) {
      if (attempt > 0) casRetries.increment();
      const cur = SharedData.get(key);
      let next: i64 = 1;
      let cas: u32 = 0;
      if (cur !== null) {
        const v = parseCount(cur.value);
        if (v < 0) {
          if (isLogEnabled(LogLevel.Warn)) logWarn("shared-counter: " + key + " does not hold a number; restarting at 1");
        } else {
          next = v + 1;
        }
        cas = cur.cas;
      } else if (lastStatus != WasmResult.NotFound) {
        break;
      }
      const st = SharedData.set(key, encodeCount(next), cas);
      if (st == WasmResult.Ok) return next;
      if (st != WasmResult.CasMismatch) break;
    }
    dropped.increment();
    if (isLogEnabled(LogLevel.Warn)) logWarn("shared-counter: increment of " + key + " gave up after " + (this.maxRetries + 1).toString() + " attempts");
    return -1;
  }

  createHttpContext(id: u32): HttpContext | null { return new CounterStream(id, this); }
}

class CounterStream extends HttpContext {
  constructor(id: u32, public root: CounterRoot) { super(id, root); }
  count: i64 = -1;

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    this.count = this.root.increment();
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    if (this.count >= 0) this.responseHeaders.set(this.root.header, this.count.toString());
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32): RootContext => new CounterRoot(id), "shared-counter");

// Metrics (counters, gauges, histograms). Objects are cached by name (define() is memoised) and
// the host metric is defined lazily on first use, so define() may be called anywhere — even at
// top level, where hostcalls other than proxy_log are forbidden.
//
// Tags are encoded in the name as   <name>.<tag1>=<value1>.<tag2>=<value2>   (see metricName;
// '.' in tag values is replaced by '_' so every tag stays one name segment). Envoy does not parse
// this by itself; add stats_config.stats_tags regexes, for example
//   { tag_name: "tag1", regex: "(\\.tag1=([^.]*))" }
// The first group is removed from the name and the second becomes the tag value, so /stats and
// Prometheus show metric <name> with tag tag1.
// Envoy names are stored as `wasmcustom.<name…>` (prefix hidden on /stats).

import { MetricType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";

/** Build `name.k1=v1.k2=v2` from a flat [k1, v1, k2, v2, …] tag list. */
export function metricName(name: string, tags: string[] | null = null): string {
  if (tags === null || tags.length == 0) return name;
  let s = name;
  for (let i = 0; i + 1 < tags.length; i += 2) {
    s += "." + unchecked(tags[i]) + "=" + unchecked(tags[i + 1]).replaceAll(".", "_");
  }
  return s;
}

class Metric {
  id: u32 = 0;
  constructor(public readonly name: string, public readonly type: MetricType) {}

  /** Host id, defining the metric on first use. 0 when the host refused. */
  // inlined: every use but the first finds the id without a call (and its shadow-stack frame)
  @inline protected resolve(): u32 {
    const id = this.id;
    return id != 0 ? id : this.define();
  }
  private define(): u32 {
    return (this.id = hc.defineMetric(this.type, this.name));
  }
}

// created on first define() so that unused metrics cost nothing at start-up
let counters: Map<string, Counter> | null = null;
let gauges: Map<string, Gauge> | null = null;
let histograms: Map<string, Histogram> | null = null;

export class Counter extends Metric {
  /** The counter named `name` (+ tags, flat [k, v, …]); same object for the same name. */
  static define(name: string, tags: string[] | null = null): Counter {
    const full = metricName(name, tags);
    let m = counters;
    if (m === null) counters = m = new Map<string, Counter>();
    if (m.has(full)) return m.get(full);
    const c = new Counter(full, MetricType.Counter);
    m.set(full, c);
    return c;
  }
  /** Add `delta` (0 is a no-op: Envoy rejects it). */
  increment(delta: u64 = 1): bool {
    if (delta == 0) return true;
    const id = this.resolve();
    return id != 0 && hc.incrementMetric(id, <i64>delta) == WasmResult.Ok;
  }
  get(): u64 {
    const id = this.resolve();
    return id == 0 ? 0 : hc.getMetric(id);
  }
}

export class Gauge extends Metric {
  static define(name: string, tags: string[] | null = null): Gauge {
    const full = metricName(name, tags);
    let m = gauges;
    if (m === null) gauges = m = new Map<string, Gauge>();
    if (m.has(full)) return m.get(full);
    const g = new Gauge(full, MetricType.Gauge);
    m.set(full, g);
    return g;
  }
  /** Set the value. */
  set(value: u64): bool {
    const id = this.resolve();
    return id != 0 && hc.recordMetric(id, value) == WasmResult.Ok;
  }
  /** Add (positive) or subtract (negative). */
  add(delta: i64): bool {
    if (delta == 0) return true;
    const id = this.resolve();
    return id != 0 && hc.incrementMetric(id, delta) == WasmResult.Ok;
  }
  get(): u64 {
    const id = this.resolve();
    return id == 0 ? 0 : hc.getMetric(id);
  }
}

export class Histogram extends Metric {
  static define(name: string, tags: string[] | null = null): Histogram {
    const full = metricName(name, tags);
    let m = histograms;
    if (m === null) histograms = m = new Map<string, Histogram>();
    if (m.has(full)) return m.get(full);
    const h = new Histogram(full, MetricType.Histogram);
    m.set(full, h);
    return h;
  }
  /** Record one sample. */
  record(value: u64): bool {
    const id = this.resolve();
    return id != 0 && hc.recordMetric(id, value) == WasmResult.Ok;
  }
}

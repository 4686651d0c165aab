// The gateway's own stats (Envoy's names: http.<stat_prefix>.downstream_rq_*, cluster.<name>.upstream_rq_*,
// extension_config_discovery.http_filter.<name>.config_*) beside the filters' metrics, all in the one
// ProcessState, and the admin's two renderings: `/stats` (Envoy's "name: value" text) and
// `/stats/prometheus` (Envoy's Prometheus text: envoy_ prefix and default tag extraction for Envoy's
// stats; custom Wasm metrics without the `wasmcustom.` namespace and without the prefix).
import type { ProcessState, Stat, StatType } from '../runtime/process.ts';

// Envoy's default histogram buckets (ms for time histograms).
const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

interface Hist { counts: number[]; sum: number; count: number }

export class GatewayStats {
  private hists = new Map<string, Hist>();
  constructor(readonly process: ProcessState) {}

  inc(name: string, by = 1): void { this.process.stat(name, 'counter').value += BigInt(by); }
  gauge(name: string, delta: number): void { this.process.stat(name, 'gauge').value += BigInt(delta); }
  record(name: string, v: number): void { this.process.stat(name, 'histogram').samples.push(BigInt(Math.round(v))); }
  value(name: string): number | undefined { const s = this.process.stats.get(name); return s && Number(s.value); }

  /** Fold recorded samples (ours and the filters') into buckets, so memory stays flat. */
  fold(): void {
    for (const s of this.process.stats.values()) {
      if (s.type !== 'histogram' || s.samples.length === 0) continue;
      let h = this.hists.get(s.name);
      if (!h) this.hists.set(s.name, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      for (const x of s.samples) {
        const v = Number(x);
        h.sum += v;
        h.count++;
        for (let i = 0; i < BUCKETS.length; i++) if (v <= BUCKETS[i]) h.counts[i]++;
      }
      s.samples.length = 0;
    }
  }

  private sorted(): Stat[] {
    this.fold();
    return [...this.process.stats.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Envoy's plain `/stats`: counters and gauges `name: value`, histograms `name: P0(..) …` summarised as count/sum. */
  text(): string {
    return this.sorted().map((s) => {
      if (s.type !== 'histogram') return `${s.name}: ${s.value}`;
      const h = this.hists.get(s.name);
      return `${s.name}: count=${h?.count ?? 0} sum=${h?.sum ?? 0}`;
    }).join('\n') + '\n';
  }

  prometheus(): string {
    const groups = new Map<string, { type: StatType; lines: string[] }>();
    for (const s of this.sorted()) {
      const { name, labels } = prometheusName(s.name);
      let g = groups.get(name);
      if (!g) groups.set(name, (g = { type: s.type, lines: [] }));
      const l = (extra: Array<[string, string]> = []) => {
        const all = [...labels, ...extra];
        return all.length ? `{${all.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}` : '';
      };
      if (s.type !== 'histogram') { g.lines.push(`${name}${l()} ${s.value}`); continue; }
      const h = this.hists.get(s.name) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      BUCKETS.forEach((b, i) => g!.lines.push(`${name}_bucket${l([['le', String(b)]])} ${h.counts[i]}`));
      g.lines.push(`${name}_bucket${l([['le', '+Inf']])} ${h.count}`);
      g.lines.push(`${name}_sum${l()} ${h.sum}`);
      g.lines.push(`${name}_count${l()} ${h.count}`);
    }
    let out = '';
    for (const [name, g] of groups) out += `# TYPE ${name} ${g.type}\n${g.lines.join('\n')}\n`;
    return out;
  }
}

const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * Stat name → Prometheus name + labels. Envoy's default tag extractors for the stats the gateway
 * keeps (http conn manager prefix, cluster name, response code / class); Wasm custom metrics use
 * `.key=value` segments for tags (the names the project's filters define), extracted as labels —
 * what Envoy prints when `stats_config.stats_tags` has a regex per tag (see the filters' READMEs).
 */
export function prometheusName(stat: string): { name: string; labels: Array<[string, string]> } {
  const labels: Array<[string, string]> = [];
  if (stat.startsWith('wasmcustom.')) {
    const parts = stat.slice('wasmcustom.'.length).split('.');
    const base: string[] = [];
    for (const p of parts) {
      const i = p.indexOf('=');
      if (i > 0) labels.push([sanitize(p.slice(0, i)), p.slice(i + 1)]);
      else base.push(p);
    }
    return { name: sanitize(base.join('_')), labels };
  }
  let rest = stat;
  let m = /^http\.([^.]+)\.(.*)$/.exec(rest);
  if (m) { labels.push(['envoy_http_conn_manager_prefix', m[1]]); rest = `http.${m[2]}`; }
  m = /^cluster\.([^.]+)\.(.*)$/.exec(rest);
  if (m) { labels.push(['envoy_cluster_name', m[1]]); rest = `cluster.${m[2]}`; }
  m = /^(.*_rq_)(\d)xx$/.exec(rest);
  if (m) { labels.push(['envoy_response_code_class', m[2]]); rest = `${m[1]}xx`; }
  m = /^(.*_rq_)(\d{3})$/.exec(rest);
  if (m) { labels.push(['envoy_response_code', m[2]]); rest = m[1].slice(0, -1); }
  return { name: 'envoy_' + sanitize(rest), labels };
}

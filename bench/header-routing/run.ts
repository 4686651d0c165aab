// bench/header-routing: per-request cost of filters/header-routing with 1, 50 and 500 rules, side by
// side with the SDK no-op filter, in one run; plus module sizes.
//   Rules: rule i = [header x-tenant exact "tenant-<i>", path prefix "/svc-<i>/"] → route to cluster c<i>.
//   The request matches the LAST rule (x-tenant: tenant-<N-1>, path /svc-<N-1>/items), so every rule is
//   evaluated (the worst case for first-match), then the route header is written and the route cache
//   cleared once (clear_route_cache) — the full work of a routed request.
// Two drivers: the host emulator (every hostcall with Envoy's semantics, what a filter test costs) and a
// lean driver (bench/lib/lean-driver.ts: direct export calls and minimal header hostcalls — the
// guest's own cost).
// Usage: node --import tsx bench/header-routing/run.ts [--quick]
import { statSync } from 'node:fs';
import { Emulator } from '../../host/index.ts';
import { moduleBytes, modulePath } from '../../test/lib/modules.ts';
import { sideBySide, fmtUs, type Figures } from '../lib/measure.ts';
import type { Row } from '../sdk/run.ts';
import { leanModule } from '../lib/lean-driver.ts';

const FILTER = 'filters/header-routing';
const NOOP = 'bench/sdk/noop';
export const RULE_COUNTS = [1, 50, 500];

export function benchConfig(n: number): string {
  const rules = Array.from({ length: n }, (_, i) => ({
    name: `r${i}`,
    match: [{ source: 'header', name: 'x-tenant', exact: `tenant-${i}` }, { source: 'path', prefix: `/svc-${i}/` }],
    actions: [{ type: 'route', cluster: `c${i}` }],
  }));
  return JSON.stringify({ route_header: 'x-route-cluster', default_cluster: 'default', rules });
}
export const benchRequest = (n: number): Array<[string, string]> => [
  [':method', 'GET'], [':path', `/svc-${n - 1}/items?id=7`], [':authority', 'bench'], [':scheme', 'http'],
  ['x-tenant', `tenant-${n - 1}`], ['x-request-id', '4bf92f35-77b3-4a5c-9d1e-0c2c8a7f6d11'], ['user-agent', 'bench'],
];

export async function runHeaderRoutingBench(quick = false): Promise<Row[]> {
  const rows: Row[] = [];
  const filter = moduleBytes(FILTER), noop = moduleBytes(NOOP);
  rows.push({ what: 'module size: sdk noop', figures: `${statSync(modulePath(NOOP)).size} B` });
  rows.push({ what: 'module size: header-routing', figures: `${statSync(modulePath(FILTER)).size} B` });

  // Host emulator.
  const emu = [{ name: 'sdk noop', p: await Emulator.load({ wasm: noop, rootId: 'noop', vmId: 'bench', logLevel: 'info', canary: false, recordLimit: 0 }), n: 1 }];
  for (const n of RULE_COUNTS) {
    emu.push({ name: `header-routing, ${n} rule${n > 1 ? 's' : ''}`, p: await Emulator.load({ wasm: filter, rootId: 'header-routing', vmId: 'bench', pluginConfig: benchConfig(n), logLevel: 'info', canary: false, recordLimit: 0 }), n });
  }
  const resH: [string, string][] = [[':status', '200']];
  for (const c of emu.slice(1)) { // check the work is really done (on a VM that keeps hostcall records)
    const check = await Emulator.load({ wasm: filter, rootId: 'header-routing', vmId: 'bench-check', pluginConfig: benchConfig(c.n), logLevel: 'info', canary: false });
    const s = check.http();
    s.sendRequestHeaders(benchRequest(c.n), { endOfStream: true });
    if (s.requestHeader('x-route-cluster') !== `c${c.n - 1}`) throw new Error(`${c.name}: routed to ${s.requestHeader('x-route-cluster')}`);
    if (check.routeCacheClears(s).filter((r) => r.kind === 'foreign').length !== 1) throw new Error(`${c.name}: no route cache clear`);
    s.complete();
  }
  const emuFig = sideBySide(emu.map((c) => ({
    name: c.name,
    run: () => { const s = c.p.http(); s.sendRequestHeaders(benchRequest(c.n), { endOfStream: true }); s.sendResponseHeaders(resH, { endOfStream: true }); s.complete(); },
  })), quick ? { batches: 10, batchSize: 100, warmupBatches: 3 } : { batches: 60, batchSize: 400 });
  rows.push(...figureRows('host emulator', emuFig), ...ratioRows('host emulator', emuFig));

  // Lean driver.
  const lean = [await leanModule('sdk noop', noop, { rootId: 'noop', requestHeaders: benchRequest(1) })];
  for (const n of RULE_COUNTS) {
    lean.push(await leanModule(`header-routing, ${n} rule${n > 1 ? 's' : ''}`, filter, { rootId: 'header-routing', pluginConfig: benchConfig(n), requestHeaders: benchRequest(n) }));
  }
  for (const [i, l] of lean.slice(1).entries()) {
    l.request();
    const want = `c${RULE_COUNTS[i] - 1}`;
    const route = l.header('request', 'x-route-cluster') ?? '';
    if (route !== want || l.counts.routeCacheClears !== 1) throw new Error(`${l.name} (lean): route ${route}, clears ${l.counts.routeCacheClears}`);
  }
  const leanFig = sideBySide(lean.map((l) => ({ name: l.name, run: l.request })), quick ? { batches: 20, batchSize: 500, warmupBatches: 5 } : { batches: 200, batchSize: 2000 });
  rows.push(...figureRows('lean driver', leanFig), ...ratioRows('lean driver', leanFig));
  const grown = lean.filter((l) => l.pages() > 64);
  if (grown.length) rows.push({ what: 'lean driver memory', figures: grown.map((l) => `${l.name}: ${l.pages()} pages`).join(', ') });
  return rows;
}

function figureRows(driver: string, figs: Figures[]): Row[] {
  return figs.map((f) => ({ what: `per request, ${driver}: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${f.batches} batches × ${f.batchSize}` }));
}
function ratioRows(driver: string, figs: Figures[]): Row[] {
  const base = figs[0];
  return figs.slice(1).map((f) => ({
    what: `${f.name} − sdk noop (${driver}, medians)`,
    figures: `+${fmtUs(f.medianNs - base.medianNs)} (${(f.medianNs / base.medianNs).toFixed(2)}×)`,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runHeaderRoutingBench(process.argv.includes('--quick'));
  for (const r of rows) console.log(`${r.what.padEnd(62)} ${r.figures}${r.note ? `   (${r.note})` : ''}`);
}

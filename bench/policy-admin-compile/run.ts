// Compile time and config size of policy-admin's compiler for 100, 10,000 and 100,000 access rights on one
// security server, plus what the what-if evaluator pays on top (loading the authz VM with that config, then
// one query). Prints a table.
//   node --import tsx bench/policy-admin-compile/run.ts [--quick]
// The revision: bench/policy-admin-compile/synthetic.ts.
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { compileServer, Index, FILTERS } from '../../policy-admin/src/compiler/index.ts';
import { CompileCache } from '../../policy-admin/src/compiler/cache.ts';
import { Evaluator } from '../../policy-admin/src/evaluate/evaluator.ts';
import { moduleBytes } from '../../test/lib/modules.ts';
import { SS, syntheticRevision } from './synthetic.ts';

const quick = process.argv.includes('--quick');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

const rows: string[][] = [];
const wasm = moduleBytes('filters/authz');
for (const n of quick ? [100, 10_000] : [100, 10_000, 100_000]) {
  const rc = syntheticRevision(n);
  const runs = n >= 100_000 ? 3 : n >= 10_000 ? 7 : 25;
  const times: number[] = [];
  let compiled = compileServer(rc, SS);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    compiled = compileServer(new Index(rc), SS);
    times.push(performance.now() - t0);
  }
  const expanded = compileServer(rc, SS, { authz: { expandGroups: true } });
  const authz = compiled.configs.authz;
  // what-if: first query loads a VM with this config (the filter's on_configure), later ones reuse it
  const source = { snapshot: async () => rc, head: async () => ({ rev: rc.rev, sha256: rc.sha256 }) };
  const ev = new Evaluator(new CompileCache(source), { authzWasm: wasm, now: () => Date.parse('2026-06-01T00:00:00Z') });
  // a service-level ENFORCE right of a plain-HTTP client registered on this server: an allowed request
  const local = new Set(rc.content.subsystems.filter((x) => x.securityServerIds[0] === SS && x.connectionType === 'HTTP').map((x) => x.id));
  const first = rc.content.accessRights.find((r) => r.subject.type === 'SUBSYSTEM' && local.has(r.subject.id) && r.mode === 'ENFORCE' && !r.validFrom && r.endpointId.endsWith('0'))!;
  const q = { client: (first.subject as { id: string }).id, service: `${first.providerSubsystemId}:${first.serviceCode}`, method: 'GET', path: '/v1/items/1', securityServerId: SS };
  let t0 = performance.now();
  const a = await ev.evaluate(q);
  const load = performance.now() - t0;
  const qs = 2000;
  for (let i = 0; i < qs; i++) await ev.evaluate(q); // warm-up (JIT)
  t0 = performance.now();
  for (let i = 0; i < qs; i++) await ev.evaluate(q);
  const per = (performance.now() - t0) / qs;
  ev.close();
  rows.push([
    n.toLocaleString('en'), `${median(times).toFixed(1)} ms`, kb(authz.sizeBytes), kb(gzipSync(authz.json).length), kb(expanded.configs.authz.sizeBytes),
    kb(compiled.configs['header-routing'].sizeBytes), kb(FILTERS.reduce((t, f) => t + compiled.configs[f].sizeBytes, 0)),
    `${load.toFixed(0)} ms`, `${(per * 1000).toFixed(0)} µs (${a.decision})`,
  ]);
}

const head = ['rights', 'compile (median)', 'authz config', 'authz gzip', 'authz, groups expanded', 'header-routing', 'all configs', 'what-if: first query (VM load)', 'what-if: per query'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log('policy-admin compiler: one security server, synthetic revision (see bench/policy-admin-compile/run.ts)');
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));

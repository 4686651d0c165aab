// Runs every benchmark and writes bench/RESULTS.md (the same table is printed).
//   node --import tsx bench/run.ts [--quick]      (npm run bench builds first)
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { runSdkBench, type Row } from './sdk/run.ts';
import { runRequestIdBench } from './request-id/run.ts';
import { runAuthzBench } from './authz/run.ts';
import { runHeaderRoutingBench } from './header-routing/run.ts';

const quick = process.argv.includes('--quick');
const sections: Array<{ title: string; how: string; rows: Row[] }> = [];
sections.push({
  title: 'SDK overhead (bench/sdk)',
  how: 'One request lifecycle = on_context_create, on_request_headers (end of stream), on_response_headers (end of stream), on_log, on_done, on_delete. ' +
    'Lean driver: direct export calls with the cheapest imports that give Envoy\'s answers — the guest\'s own cost. ' +
    'Host emulator: the full host with Envoy\'s semantics for every hostcall — what a filter test costs. ' +
    'Candidates run in interleaved batches in one process; median and p99 are over batch means.',
  rows: await runSdkBench(quick),
});

sections.push({
  title: 'request-id filter (bench/request-id)',
  how: 'Per-request cost of filters/request-id (ids generated; valid incoming ids kept) against the SDK no-op filter, side by side, in a lean driver that implements the header, random and foreign-function hostcalls it needs, and in the host emulator; module size.',
  rows: await runRequestIdBench(quick),
});
sections.push({
  title: 'authz filter (bench/authz)',
  how: 'Per-request cost of filters/authz with policies of 10, 1,000 and 100,000 rights against the SDK no-op filter, side by side in the host emulator; on_configure time and memory pages per policy size; module size.',
  rows: await runAuthzBench(quick),
});
sections.push({
  title: 'header-routing filter (bench/header-routing)',
  how: 'Per-request cost of filters/header-routing with 1, 50 and 500 rules (the request matches the last rule, so every rule is evaluated, then routed with one route-cache clear) against the SDK no-op filter, side by side in the host emulator and in a lean driver of its own; module size.',
  rows: await runHeaderRoutingBench(quick),
});

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick run)' : ''}`;
let md = `# Benchmark results\n\nMachine: ${machine}\n\nRegenerate with \`npm run bench\`.\n`;
for (const s of sections) {
  md += `\n## ${s.title}\n\n${s.how}\n\n| what | figure | how |\n|---|---|---|\n`;
  for (const r of s.rows) md += `| ${r.what} | ${r.figures} | ${r.note ?? ''} |\n`;
}
writeFileSync(join(import.meta.dirname, 'RESULTS.md'), md);
console.log(md);

// Runs every benchmark and writes bench/RESULTS.md (the same table is printed).
//   node --import tsx bench/run.ts [--quick]      (npm run bench builds first)
// Every section runs in a process of its own (bench/lib/section-child.ts), so none is timed on a heap
// another one grew.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Row } from './sdk/run.ts';

const quick = process.argv.includes('--quick');
// A section has table rows, or the text a script-style benchmark printed (kept as it printed it).
const sections: Array<{ title: string; how: string; rows?: Row[]; text?: string }> = [];
const ROOT = join(import.meta.dirname, '..');
/** Runs a benchmark script that prints its own table; its stdout becomes the section's text. */
function script(path: string, args: string[] = []): string {
  return execFileSync(process.execPath, ['--import', 'tsx', path, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd();
}
const scratch = mkdtempSync(join(tmpdir(), 'bench-'));
/** Runs `exportName` of a row-returning benchmark module (its argument: quick) in a child process; its output passes through. */
function isolatedRows(path: string, exportName: string): Row[] {
  const out = join(scratch, `${exportName}.json`);
  execFileSync(process.execPath, ['--import', 'tsx', 'bench/lib/section-child.ts', path, exportName, out, ...(quick ? ['--quick'] : [])], { cwd: ROOT, stdio: 'inherit' });
  return JSON.parse(readFileSync(out, 'utf8')) as Row[];
}
sections.push({
  title: 'SDK overhead (bench/sdk)',
  how: 'One request lifecycle = on_context_create, on_request_headers (end of stream), on_response_headers (end of stream), on_log, on_done, on_delete. ' +
    'Lean driver: direct export calls with the cheapest imports that give Envoy\'s answers — the guest\'s own cost. ' +
    'Host emulator: the full host with Envoy\'s semantics for every hostcall — what a filter test costs. ' +
    'Candidates run in interleaved batches in one process; median and p99 are over batch means.',
  rows: isolatedRows('bench/sdk/run.ts', 'runSdkBench'),
});

sections.push({
  title: 'request-id filter (bench/request-id)',
  how: 'Per-request cost of filters/request-id (ids generated; valid incoming ids kept) against the SDK no-op filter, side by side, in a lean driver that implements the header, random and foreign-function hostcalls it needs, and in the host emulator; module size.',
  rows: isolatedRows('bench/request-id/run.ts', 'runRequestIdBench'),
});
sections.push({
  title: 'authz filter (bench/authz)',
  how: 'Per-request cost of filters/authz with policies of 10, 1,000 and 100,000 rights against the SDK no-op filter and a hostcall floor (bench/authz/floor: the no-op plus exactly authz\'s hostcalls for an allowed request), side by side in the lean driver and the host emulator; on_configure time and memory pages per policy size; module size.',
  rows: isolatedRows('bench/authz/run.ts', 'runAuthzBench'),
});
sections.push({
  title: 'header-routing filter (bench/header-routing)',
  how: 'Per-request cost of filters/header-routing with 1, 50 and 500 rules (the request matches the last rule, so every rule is evaluated, then routed with one route-cache clear) against the SDK no-op filter, side by side in the host emulator and in a lean driver of its own; module size.',
  rows: isolatedRows('bench/header-routing/run.ts', 'runHeaderRoutingBench'),
});

sections.push({
  title: 'rate-limit filter (bench/rate-limit)',
  how: 'Per-request cost of filters/rate-limit in local mode (one key; 10,000 distinct keys; headers off; a limited request) against the SDK no-op filter and, per shape, a hostcall floor (bench/rate-limit/floor: the no-op plus exactly that shape\'s hostcalls), side by side in the lean driver and the host emulator; hostcalls per request; configure time; module size.',
  rows: isolatedRows('bench/rate-limit/run.ts', 'runRateLimitBench'),
});
sections.push({
  title: 'JSON config: tape reader vs value tree (bench/config)',
  how: 'on_configure of an authz-shaped policy read with ConfigReader (tape, count/item) and with Json.parse (tree), 1,000 and 100,000 rights: wall and CPU time, memory pages.',
  rows: isolatedRows('bench/config/run.ts', 'runConfigBench'),
});
sections.push({
  title: 'Our SDK vs @solo-io/proxy-runtime 0.1.8 vs a raw ABI guest (bench/peer)',
  how: 'The same three filters (add a response header; deny with a local reply on a request header; count requests) built with each, run side by side in one process with the same inputs; median and p99 of batch means in the lean driver and the host emulator; module size; pages after 1,000,000 requests. Ours use recycled stream contexts (they keep no per-stream state). See bench/peer/README.md.',
  rows: isolatedRows('bench/peer/run.ts', 'runPeerBench'),
});
sections.push({
  title: 'Memory stability (bench/peer/memory.ts)',
  how: 'Every filter and example with its envoy.yaml configuration and a request that reaches its work, through 1,000,000 requests (100,000 with --quick): memory pages after warm-up and at the end.',
  rows: isolatedRows('bench/peer/run.ts', 'runMemoryBench'),
});
sections.push({
  title: 'policy-admin compiler and what-if (bench/policy-admin-compile)',
  how: 'Compile time and config sizes for 100, 10,000 and 100,000 rights on one security server; what-if VM load and per-query cost.',
  text: script('bench/policy-admin-compile/run.ts', quick ? ['--quick'] : []),
});
sections.push({
  title: 'policy-admin grant latency (policy-admin/bench/grants.ts)',
  how: '10 concurrent admins POST X-Road access-right grants over HTTP on 127.0.0.1 with 100,000 rights already in place (SQLite, WAL, synchronous=FULL); p50/p99 per grant.',
  text: script('policy-admin/bench/grants.ts', quick ? ['--rights', '10000', '--grants', '10'] : []),
});
sections.push({
  title: 'xDS distribution (bench/xds)',
  how: 'publishRevision → ECDS client applied / ACK recorded (p50/p99), fan-out to many clients, publish cost by authz config size; one process on loopback.',
  text: script('bench/xds/run.ts', quick ? ['--quick'] : []),
});
sections.push({
  title: 'Security server end to end (bench/e2e)',
  how: 'The demo security server in one process: admin API answer → first request enforced at the gateway (p50/p99 over 100 changes); dev gateway throughput and latency with the four filters vs the router only, one run.',
  rows: isolatedRows('bench/e2e/run.ts', 'runE2eBench'),
});

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick run)' : ''}`;
let md = `# Benchmark results\n\nMachine: ${machine}\n\nRegenerate with \`npm run bench\`.\n`;
for (const s of sections) {
  md += `\n## ${s.title}\n\n${s.how}\n\n`;
  if (s.text !== undefined) md += '```\n' + s.text + '\n```\n';
  if (s.rows) {
    md += `| what | figure | how |\n|---|---|---|\n`;
    for (const r of s.rows) md += `| ${r.what} | ${r.figures} | ${r.note ?? ''} |\n`;
  }
}
writeFileSync(join(import.meta.dirname, 'RESULTS.md'), md);
rmSync(scratch, { recursive: true, force: true });
console.log(md);

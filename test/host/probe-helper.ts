// Shared helpers for host conformance tests: builds the probe fixture if needed, loads it, and
// parses the probe's result log lines.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator, type EmulatedPlugin, type EmulatorOptions } from '../../host/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'probe');
export const PROBE_WASM = join(DIR, 'build', 'probe.wasm');

let cached: Uint8Array | null = null;
/** The probe's bytes, compiling it (as scripts/build.mjs does) when missing or older than its source/config. */
export function probeBytes(): Uint8Array {
  if (cached) return cached;
  const src = [join(DIR, 'assembly', 'index.ts'), join(DIR, 'asconfig.json')];
  const stale = !existsSync(PROBE_WASM) || src.some((f) => statSync(f).mtimeMs > statSync(PROBE_WASM).mtimeMs);
  if (stale) {
    mkdirSync(join(DIR, 'build'), { recursive: true });
    // test files run in parallel processes: compile to a private file, then rename atomically
    const tmp = `test/fixtures/probe/build/probe.${process.pid}.tmp.wasm`;
    execFileSync(join(ROOT, 'node_modules', '.bin', 'asc'), ['test/fixtures/probe/assembly/index.ts', '--config', 'test/fixtures/probe/asconfig.json', '--target', 'release', '-o', tmp], { cwd: ROOT, stdio: 'pipe' });
    renameSync(join(ROOT, tmp), PROBE_WASM);
  }
  cached = new Uint8Array(readFileSync(PROBE_WASM));
  return cached;
}

export function loadProbe(opts: Partial<EmulatorOptions> = {}): EmulatedPlugin {
  return Emulator.loadSync({ wasm: probeBytes(), name: 'probe', rootId: 'probe_root', vmId: 'vm1', clusters: ['auth'], ...opts });
}

/** Parsed probe result lines: {phase, ctx, results: {cmd: "status[:value]"}[]} in order. */
export interface ProbeLine { phase: string; ctx: number; results: Array<{ cmd: string; status: number; value: string }>; worker: number }
export function probeLines(p: EmulatedPlugin, phase?: string): ProbeLine[] {
  const out: ProbeLine[] = [];
  for (const e of p.logs({ includeSuppressed: true })) {
    const m = /^probe:([a-z]+):(\d+):(.*)$/s.exec(e.message);
    if (!m || (phase && m[1] !== phase)) continue;
    if (['callresp', 'grpcmsg', 'grpcclose'].includes(m[1])) continue;
    const results = m[3].split(';').map((r) => {
      const eq = r.indexOf('=');
      const cmd = r.slice(0, eq);
      const rest = r.slice(eq + 1);
      const c = rest.indexOf(':');
      return { cmd, status: Number(c < 0 ? rest : rest.slice(0, c)), value: c < 0 ? '' : rest.slice(c + 1) };
    });
    out.push({ phase: m[1], ctx: Number(m[2]), results, worker: e.worker });
  }
  return out;
}
/** All results of `cmd` (optionally in `phase`), in order. */
export function results(p: EmulatedPlugin, cmd: string, phase?: string) {
  return probeLines(p, phase).flatMap((l) => l.results.filter((r) => r.cmd === cmd).map((r) => ({ ...r, phase: l.phase, ctx: l.ctx, worker: l.worker })));
}
/** The single (last) result of `cmd`. */
export function result(p: EmulatedPlugin, cmd: string, phase?: string) {
  const r = results(p, cmd, phase);
  if (!r.length) throw new Error(`no probe result for ${cmd}${phase ? ` in ${phase}` : ''}; lines: ${JSON.stringify(probeLines(p))}`);
  return r[r.length - 1];
}
export const hexToString = (h: string) => Buffer.from(h, 'hex').toString('utf8');
export const hexToI64 = (h: string) => Buffer.from(h, 'hex').readBigInt64LE(0);
export const hexToU64 = (h: string) => Buffer.from(h, 'hex').readBigUInt64LE(0);

export const GET = (path = '/', probe?: string): Array<[string, string]> => [
  [':method', 'GET'], [':path', path], [':authority', 'example.com'], [':scheme', 'http'],
  ...(probe !== undefined ? [['x-probe', probe] as [string, string]] : []),
];

// Shared helpers for host conformance tests: builds the probe fixture if needed, loads it, and
// parses the probe's result log lines.
import { moduleBytes, modulePath } from '../lib/modules.ts';
import { Emulator, type EmulatedPlugin, type EmulatorOptions } from '../../host/index.ts';

export const PROBE_WASM = modulePath('test/fixtures/probe');

/** The probe's bytes (built through scripts/build.mjs when stale). */
export function probeBytes(): Uint8Array {
  return moduleBytes('test/fixtures/probe');
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

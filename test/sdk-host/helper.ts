// Shared helpers for the SDK-through-the-host tests: builds test/fixtures/sdk-coverage (as
// scripts/build.mjs does, with the project asconfig.json) when missing or stale, loads it in the
// emulator and parses the fixture's `cov:<what>=<value>` result lines.
import { moduleBytes, modulePath } from '../lib/modules.ts';
import { Emulator, type EmulatedPlugin, type EmulatorOptions } from '../../host/index.ts';

export const COVERAGE_WASM = modulePath('test/fixtures/sdk-coverage');

/** The fixture's bytes (built through scripts/build.mjs when it, the SDK or asconfig.json changed). */
export function coverageBytes(): Uint8Array {
  return moduleBytes('test/fixtures/sdk-coverage');
}

export const CLUSTERS = ['auth', 'grpc_cluster'];

/** Load the coverage filter (root id "cov" unless given). */
export function load(opts: Partial<EmulatorOptions> = {}): EmulatedPlugin {
  let strict = opts.strict;
  // the fixture probes optional request headers (x-callout-body, x-item, …): NotFound is expected
  if (strict) strict = { allow: [...(strict === true ? [] : strict.allow ?? []), 'proxy_get_header_map_value:NotFound'] };
  return Emulator.loadSync({ wasm: coverageBytes(), name: 'cov_plugin', rootId: 'cov', vmId: 'cov_vm', clusters: CLUSTERS, ...opts, strict });
}

/** Every `cov:<what>=<value>` line (all VMs unless worker given), values in order. */
export function outs(p: EmulatedPlugin, what: string, worker?: number): string[] {
  const prefix = `cov:${what}=`;
  return p.logs({ includeSuppressed: true, source: 'proxy_log', worker })
    .filter((e) => e.message.startsWith(prefix))
    .map((e) => e.message.slice(prefix.length));
}
/** The last `cov:<what>` value; throws when there is none. */
export function out(p: EmulatedPlugin, what: string, worker?: number): string {
  const all = outs(p, what, worker);
  if (!all.length) {
    const seen = p.logs({ includeSuppressed: true }).map((e) => e.message).join('\n  ');
    throw new Error(`no cov:${what} line; logs:\n  ${seen}`);
  }
  return all[all.length - 1];
}

export function req(path: string, ...actions: string[]): Array<[string, string]> {
  return [
    [':method', 'GET'], [':path', path], [':authority', 'example.com'], [':scheme', 'http'],
    ...actions.map((a) => ['x-do', a] as [string, string]),
  ];
}

/** Hostcalls of `name` (optionally only those whose note equals `note`). */
export function calls(p: EmulatedPlugin, name: string, note?: string) {
  return p.hostcalls({ name }).filter((h) => note === undefined || h.note === note);
}

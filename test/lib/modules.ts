// The one way tests get a module's bytes: build it through scripts/build.mjs (incremental, atomic, with
// the Envoy load check) — a no-op when `npm test` already built it — then read it once per process.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const cache = new Map<string, Uint8Array>();

/** Bytes of `<dir>/build/<basename(dir)>.wasm`, `dir` relative to the repo root (e.g. "test/fixtures/probe"). */
export function moduleBytes(dir: string): Uint8Array {
  let b = cache.get(dir);
  if (!b) {
    try {
      execFileSync(process.execPath, ['scripts/build.mjs', dir], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      const err = e as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`building ${dir} failed:\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
    }
    b = new Uint8Array(readFileSync(join(ROOT, dir, 'build', basename(dir) + '.wasm')));
    cache.set(dir, b);
  }
  return b;
}

export const modulePath = (dir: string) => join(ROOT, dir, 'build', basename(dir) + '.wasm');

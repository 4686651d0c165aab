#!/usr/bin/env node
// Builds the incumbent's side of the peer benchmark: bench/peer/solo/assembly/<filter>.ts written against
// @solo-io/proxy-runtime 0.1.8, compiled with AssemblyScript 0.17 (the newest compiler it builds with;
// installed beside ours as node_modules/assemblyscript-0.17) to bench/peer/solo/build/<filter>.wasm,
// then the host's Envoy load check on each output (a module Envoy would refuse fails the build).
//
//   node bench/peer/build.mjs [--force]
//
// scripts/build.mjs cannot build these: it compiles with our compiler (0.28), which the incumbent
// does not compile with, so the sources are not laid out as <dir>/assembly/index.ts (which it would
// pick up); under assembly/ they are AssemblyScript to tsc too (tsconfig excludes **/assembly/**). Our SDK's and the raw builds (bench/peer/ours/*, bench/peer/raw/*) are ordinary modules
// that scripts/build.mjs builds. Incremental like scripts/build.mjs: an output newer than its source,
// the asconfig and the incumbent's package is kept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(ROOT, 'bench', 'peer', 'solo');
const SRC = join(DIR, 'assembly');
const OUT = join(DIR, 'build');
const ASC = join(ROOT, 'node_modules', 'assemblyscript-0.17', 'bin', 'asc');
const RUNTIME = join(ROOT, 'node_modules', '@solo-io', 'proxy-runtime');
const CONFIG = join(DIR, 'asconfig.json');

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : Infinity);
const newestUnder = (dir) => {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n = Math.max(n, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return n;
};

/** Filter names (bench/peer/solo/assembly/<name>.ts). */
export const SOLO_FILTERS = readdirSync(SRC).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

/** Path of the incumbent's build of `name`. */
export const soloWasm = (name) => join(OUT, `${name}.wasm`);

/** Compile what is stale (or everything with force), then load-check every output. Throws on failure. */
export function buildPeer({ force = false, quiet = false } = {}) {
  for (const need of [ASC, join(RUNTIME, 'package.json')]) {
    if (!existsSync(need)) throw new Error(`${relative(ROOT, need)} not found — run npm install (devDependencies: assemblyscript-0.17, @solo-io/proxy-runtime)`);
  }
  mkdirSync(OUT, { recursive: true });
  const shared = Math.max(statSync(CONFIG).mtimeMs, statSync(join(RUNTIME, 'package.json')).mtimeMs, newestUnder(join(RUNTIME, 'assembly')), statSync(fileURLToPath(import.meta.url)).mtimeMs);
  for (const name of SOLO_FILTERS) {
    const src = join(SRC, `${name}.ts`), out = soloWasm(name);
    if (!force && existsSync(out) && mtime(out) > Math.max(shared, statSync(src).mtimeMs)) {
      if (!quiet) console.log(`up to date  ${relative(ROOT, out)}`);
      continue;
    }
    // a private file renamed into place: two processes may build at once
    const tmp = `${out}.${process.pid}.tmp`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [ASC, relative(ROOT, src), '--config', relative(ROOT, CONFIG), '-b', relative(ROOT, tmp)], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      throw new Error(`asc 0.17 failed on ${relative(ROOT, src)} (exit ${r.status}):\n${(r.stdout + r.stderr).trimEnd()}`);
    }
    renameSync(tmp, out);
    if (!quiet) console.log(`built       ${relative(ROOT, out)}  (${((Date.now() - t0) / 1000).toFixed(1)} s, asc 0.17)`);
  }
  const files = SOLO_FILTERS.map((n) => relative(ROOT, soloWasm(n)));
  const check = spawnSync(process.execPath, ['--import', 'tsx', join('host', 'cli', 'check.ts'), ...files], { cwd: ROOT, encoding: 'utf8' });
  if (!quiet || check.status !== 0) process.stdout.write(check.stdout + check.stderr);
  if (check.status !== 0) throw new Error('the Envoy load check refused an incumbent build');
  return SOLO_FILTERS.map((n) => soloWasm(n));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    buildPeer({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(`bench/peer/build: ${e.message}`);
    process.exitCode = 1;
  }
}

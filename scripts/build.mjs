#!/usr/bin/env node
// Build every proxy-wasm module of the repo, then run the Envoy load check on the outputs.
//
//   node scripts/build.mjs [options] [DIR...]
//
// Modules: examples/*/assembly/index.ts, filters/*/assembly/index.ts,
// test/fixtures/*/assembly/index.ts and bench/**/assembly/index.ts. Each is compiled from the repo
// root with
//   node node_modules/assemblyscript/bin/asc.js <entry> --config asconfig.json --target release -o <dir>/build/<dirname>.wasm
// (<dir>/asconfig.json instead of the project's when the module has one)
// plus the flags of an optional <dir>/build.json:
//   { "ascFlags": ["--runtime", "stub"],   extra asc flags (appended, so they override asconfig)
//     "check": false,                        skip the Envoy load check (e.g. a deliberately bad fixture)
//     "budget": 65536 }                      fail the check when the .wasm is larger (bytes)
// DIR limits the build to modules at or under DIR (e.g. `examples/hello` or `filters`).
// Incremental: a module is skipped when its output is newer than every .ts under sdk/, every .ts
// of its own dir (build/ excluded), its build.json, asconfig.json and package.json.
//
// Options: --force (rebuild all), --no-check, -j N / --jobs N (parallel compiles, default 2).
// Exit status: 0 ok, 1 a compile or the load check failed, 2 usage error.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Our compiler by its package path, not node_modules/.bin/asc: the peer benchmark installs
// AssemblyScript 0.17 under an alias whose `asc` bin may win that link.
const ASC = join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const SKIP_DIRS = new Set(['node_modules', 'build', '.git']);

function usage(msg) {
  if (msg) console.error(`build: ${msg}`);
  console.error('usage: node scripts/build.mjs [--force] [--no-check] [-j N] [DIR...]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { force: false, check: true, jobs: Number(process.env.BUILD_JOBS) || 2, dirs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force' || a === '-f') opts.force = true;
    else if (a === '--no-check') opts.check = false;
    else if (a === '-j' || a === '--jobs') {
      opts.jobs = Number(argv[++i]);
      if (!Number.isInteger(opts.jobs) || opts.jobs < 1) usage(`${a} needs a positive integer`);
    } else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else opts.dirs.push(a);
  }
  return opts;
}

const isDir = (p) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Module dirs (absolute) containing assembly/index.ts, found by the project's layout rules. */
function findModules() {
  const found = [];
  const oneLevel = (base) => {
    const abs = join(ROOT, base);
    if (!isDir(abs)) return;
    for (const name of readdirSync(abs).sort()) {
      const dir = join(abs, name);
      if (existsSync(join(dir, 'assembly', 'index.ts'))) found.push(dir);
    }
  };
  oneLevel('examples');
  oneLevel('filters');
  oneLevel(join('test', 'fixtures'));
  const walk = (dir) => {
    if (existsSync(join(dir, 'assembly', 'index.ts'))) found.push(dir);
    for (const name of readdirSync(dir).sort()) {
      if (SKIP_DIRS.has(name) || name === 'assembly') continue;
      const sub = join(dir, name);
      if (isDir(sub)) walk(sub);
    }
  };
  if (isDir(join(ROOT, 'bench'))) walk(join(ROOT, 'bench'));
  return [...new Set(found)];
}

/** Newest mtime (ms) of files under `dir` (optionally only *.ts), skipping build/ and node_modules/. */
function newestMtime(dir, onlyTs) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  const st = statSync(dir);
  if (!st.isDirectory()) return st.mtimeMs;
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    if (ent.isDirectory()) {
      if (!SKIP_DIRS.has(ent.name)) newest = Math.max(newest, newestMtime(join(dir, ent.name), onlyTs));
    } else if (!onlyTs || ent.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(dir, ent.name)).mtimeMs);
    }
  }
  return newest;
}

function readBuildJson(dir) {
  const file = join(dir, 'build.json');
  if (!existsSync(file)) return { ascFlags: [], check: true, budget: undefined };
  let cfg;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${relative(ROOT, file)}: invalid JSON: ${e.message}`);
  }
  const flags = cfg.ascFlags ?? cfg.asc ?? [];
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string')) {
    throw new Error(`${relative(ROOT, file)}: "ascFlags" must be an array of strings`);
  }
  if (cfg.budget !== undefined && !(Number.isInteger(cfg.budget) && cfg.budget > 0)) {
    throw new Error(`${relative(ROOT, file)}: "budget" must be a positive integer (bytes)`);
  }
  return { ascFlags: flags, check: cfg.check !== false, budget: cfg.budget };
}

function run(cmd, args) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => res({ code: 127, out: `${out}${e.message}\n` }));
    child.on('close', (code, signal) => res({ code: code ?? 128, out: signal ? `${out}killed by ${signal}\n` : out }));
  });
}

async function pool(items, n, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let modules = findModules();
  if (opts.dirs.length) {
    const wanted = opts.dirs.map((d) => resolve(d));
    for (const w of wanted) {
      if (!existsSync(w)) usage(`no such directory: ${relative(ROOT, w) || w}`);
    }
    modules = modules.filter((m) => wanted.some((w) => m === w || m.startsWith(w + sep) || w.startsWith(m + sep)));
    if (!modules.length) usage(`no module (assembly/index.ts) at or under ${opts.dirs.join(', ')}`);
  }
  if (!modules.length) {
    console.log('build: nothing to build (no examples/*, filters/*, test/fixtures/*, bench/** with assembly/index.ts)');
    return 0;
  }
  if (!existsSync(ASC)) {
    console.error(`build: ${relative(ROOT, ASC)} not found — run npm install`);
    return 1;
  }

  const sharedNewest = Math.max(
    newestMtime(join(ROOT, 'sdk'), true),
    newestMtime(join(ROOT, 'asconfig.json'), false),
    newestMtime(join(ROOT, 'package.json'), false),
  );

  const targets = [];
  let configFailed = false;
  for (const dir of modules) {
    const name = dir.split(sep).pop();
    try {
      targets.push({ dir, name, out: join(dir, 'build', `${name}.wasm`), cfg: readBuildJson(dir) });
    } catch (e) {
      console.error(`FAIL ${relative(ROOT, dir)}: ${e.message}`);
      configFailed = true;
    }
  }

  const failed = [];
  const started = Date.now();
  await pool(targets, opts.jobs, async (t) => {
    const rel = relative(ROOT, t.out);
    if (!opts.force && existsSync(t.out)) {
      const outTime = statSync(t.out).mtimeMs;
      if (outTime > Math.max(sharedNewest, newestMtime(t.dir, true), newestMtime(join(t.dir, 'build.json'), false), newestMtime(join(t.dir, 'asconfig.json'), false))) {
        console.log(`up to date  ${rel}`);
        return;
      }
    }
    mkdirSync(dirname(t.out), { recursive: true });
    const entry = relative(ROOT, join(t.dir, 'assembly', 'index.ts'));
    // A module dir with its own asconfig.json (e.g. a raw ABI guest that does not use the SDK's abort
    // handler) is built with that instead of the project's.
    const own = join(t.dir, 'asconfig.json');
    const config = existsSync(own) ? relative(ROOT, own) : 'asconfig.json';
    // Compile to a private file and rename: test processes may build the same module at once.
    const tmp = `${rel}.${process.pid}.tmp`;
    const args = [entry, '--config', config, '--target', 'release', '-o', tmp, ...t.cfg.ascFlags];
    const t0 = Date.now();
    const r = await run(process.execPath, [ASC, ...args]);
    if (r.code === 0) renameSync(join(ROOT, tmp), t.out);
    else rmSync(join(ROOT, tmp), { force: true });
    if (r.code !== 0) {
      failed.push(t);
      console.error(`FAIL compile ${entry} (asc exit ${r.code}):\n${r.out.trimEnd()}\n`);
      return;
    }
    console.log(`built       ${rel}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (r.out.trim()) console.log(r.out.trimEnd().replace(/^/gm, '    '));
  });

  let checkFailed = false;
  if (opts.check) {
    const ok = targets.filter((t) => !failed.includes(t) && t.cfg.check);
    // one check run per budget (the CLI's --budget applies to all its files)
    const groups = new Map();
    for (const t of ok) {
      const k = t.cfg.budget ?? 0;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(relative(ROOT, t.out));
    }
    for (const [budget, files] of groups) {
      const args = ['--import', 'tsx', join('host', 'cli', 'check.ts'), ...(budget ? ['--budget', String(budget)] : []), ...files];
      const r = await run(process.execPath, args);
      process.stdout.write(r.out);
      if (r.code !== 0) checkFailed = true;
    }
    for (const t of targets.filter((t) => !t.cfg.check && !failed.includes(t))) {
      console.log(`SKIP check  ${relative(ROOT, t.out)}  ${statSync(t.out).size} B  (build.json "check": false)`);
    }
  }

  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (failed.length || checkFailed || configFailed) {
    const what = [
      failed.length && `${failed.length} compile failure(s): ${failed.map((t) => relative(ROOT, t.dir)).join(', ')}`,
      checkFailed && 'Envoy load check failed',
      configFailed && 'invalid build.json',
    ].filter(Boolean);
    console.error(`build: FAILED (${what.join('; ')}) in ${secs} s`);
    return 1;
  }
  console.log(`build: ${targets.length} module(s) ok in ${secs} s`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(`build: ${e.stack || e}`);
    process.exitCode = 1;
  },
);

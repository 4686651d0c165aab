#!/usr/bin/env node
// `npm test`: build, as-pect SDK specs, node:test suites; ends with exactly one line `N passed, N failed`.
//
//   node scripts/test.mjs [--no-build] [--only=build,types,aspect,node]
//
// Stages (all output is streamed live):
//   1. build   `node scripts/build.mjs` (skipped with a message while the script does not exist)
//   1b. types  `tsc --noEmit` over host/, test/, scripts/, bench/ (counts as one test)
//   2. aspect  `node --import tsx asp --config as-pect.config.js` (the real host answers the specs' hostcalls) (compile settings: as-pect.asconfig.json) (skipped if no spec exists);
//              counts come from asp's final `[Tests]: P / T` summary line (failed = T - P)
//   3. node    `node --import tsx --test` over test/**/*.test.ts, policy-admin/**/*.test.ts,
//              examples/*/*.test.ts, filters/*/*.test.ts
//              (globbed here: node 20 does not expand globs); the spec reporter writes to the terminal
//              and a TAP reporter writes to a temp file whose `# pass` / `# fail` / `# cancelled` summary
//              gives the counts (cancelled counts as failed)
// Honesty rules: a stage that exits non-zero without any failed test to show for it, dies on a signal,
// cannot be started, or prints no parsable summary counts as one failure ("crashed"). Exit status is 1
// when anything failed, else 0. Env: TEST_CONCURRENCY (node:test files in parallel, default 2).

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(ROOT);

const args = process.argv.slice(2);
let only = null;
for (const a of args) {
  if (a === "--no-build") only = ["types", "aspect", "node"];
  else if (a.startsWith("--only=")) only = a.slice(7).split(",");
  else {
    console.error(`test: unknown argument ${a}\nusage: node scripts/test.mjs [--no-build] [--only=build,types,aspect,node]`);
    process.exit(2);
  }
}
const wanted = (stage) => only == null || only.includes(stage);

const results = []; // { stage, passed, failed, note }
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

function banner(text) {
  process.stdout.write(`\n=== ${text} ===\n`);
}

/** Runs a command with live output; resolves { code, signal, out, error }. */
function run(cmd, cmdArgs, env = {}) {
  return new Promise((resolvePromise) => {
    let out = "";
    let child;
    try {
      child = spawn(cmd, cmdArgs, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    } catch (error) {
      resolvePromise({ code: null, signal: null, out, error });
      return;
    }
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      out += d;
    });
    child.stderr.on("data", (d) => {
      process.stderr.write(d);
      out += d;
    });
    child.on("error", (error) => resolvePromise({ code: null, signal: null, out, error }));
    child.on("close", (code, signal) => resolvePromise({ code, signal, out, error: null }));
  });
}

function exitNote(r) {
  if (r.error) return `could not start: ${r.error.message}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit code ${r.code}`;
}

const colorEnv = process.stdout.isTTY ? { FORCE_COLOR: "1" } : {};

// --- 1. build -------------------------------------------------------------------------------------
async function stageBuild() {
  banner("build");
  if (!existsSync(join(ROOT, "scripts/build.mjs"))) {
    console.log("build: scripts/build.mjs does not exist yet, skipping the build");
    return;
  }
  const r = await run(process.execPath, ["scripts/build.mjs"], colorEnv);
  if (r.code === 0) results.push({ stage: "build", passed: 0, failed: 0, note: "ok" });
  else results.push({ stage: "build", passed: 0, failed: 1, note: `build failed (${exitNote(r)})` });
}

// --- 1b. types: the host, tests and benchmarks type-check (tsx strips types without checking them) ----
async function stageTypes() {
  banner("typecheck (tsc --noEmit)");
  const r = await run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--noEmit"]);
  if (r.code === 0) results.push({ stage: "types", passed: 1, failed: 0, note: "tsc ok" });
  else results.push({ stage: "types", passed: 0, failed: 1, note: `tsc reported errors (${exitNote(r)})` });
}

// --- 2. as-pect -----------------------------------------------------------------------------------
function walk(dir, out, filter) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === "node_modules" || e.name === "build" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out, filter);
    else if (e.isFile() && filter(e.name)) out.push(relative(ROOT, p));
  }
  return out;
}

async function stageAspect() {
  banner("as-pect (test/sdk/**/*.spec.ts)");
  const specs = walk(join(ROOT, "test/sdk"), [], (n) => n.endsWith(".spec.ts"));
  if (specs.length === 0) {
    console.log("as-pect: no specs under test/sdk, skipping");
    return;
  }
  const asp = join(ROOT, "node_modules/@as-pect/cli/lib/test.js");
  const r = await run(
    process.execPath,
    ["--import", "tsx", asp, "--config", "as-pect.config.js", "--no-logo"],
    colorEnv,
  );
  // asp 8.1.0 prints `[Tests]: <passed> / <total>` in its final summary (after every file ran).
  const m = [...stripAnsi(r.out).matchAll(/\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/g)].pop();
  if (!m) {
    results.push({ stage: "as-pect", passed: 0, failed: 1, note: `crashed, no summary (${exitNote(r)})` });
    return;
  }
  const passed = Number(m[1]);
  let failed = Number(m[2]) - passed;
  let note = `${exitNote(r)}`;
  if (r.code !== 0 && failed === 0) {
    failed = 1;
    note = `crashed after a passing summary (${exitNote(r)})`;
  } else if (r.code === 0 && failed > 0) {
    note = `exit code 0 but ${failed} failed (counted as failed)`;
  }
  results.push({ stage: "as-pect", passed, failed, note });
}

// --- 3. node:test ---------------------------------------------------------------------------------
function nodeTestFiles() {
  const files = walk(join(ROOT, "test"), [], (n) => n.endsWith(".test.ts"));
  // policy-admin is a service with its own tree of tests (policy-admin/**/*.test.ts)
  walk(join(ROOT, "policy-admin"), files, (n) => n.endsWith(".test.ts"));
  for (const top of ["examples", "filters"]) {
    let dirs = [];
    try {
      dirs = readdirSync(join(ROOT, top), { withFileTypes: true }).filter((d) => d.isDirectory());
    } catch {
      continue;
    }
    for (const d of dirs) {
      const dir = join(ROOT, top, d.name);
      for (const f of readdirSync(dir)) {
        if (f.endsWith(".test.ts") && statSync(join(dir, f)).isFile()) files.push(relative(ROOT, join(dir, f)));
      }
    }
  }
  return files.sort();
}

async function stageNode() {
  banner("node:test (test/**/*.test.ts, policy-admin/**/*.test.ts, examples/*/*.test.ts, filters/*/*.test.ts)");
  const files = nodeTestFiles();
  if (files.length === 0) {
    console.log("node:test: no test files, skipping");
    return;
  }
  const concurrency = Number(process.env.TEST_CONCURRENCY) || 2;
  const tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-test-"));
  const tap = join(tmp, "node-test.tap");
  try {
    const r = await run(
      process.execPath,
      [
        "--import", "tsx",
        "--test",
        `--test-concurrency=${concurrency}`,
        "--test-reporter=spec", "--test-reporter-destination=stdout",
        "--test-reporter=tap", `--test-reporter-destination=${tap}`,
        ...files,
      ],
      colorEnv,
    );
    let text = "";
    try {
      text = readFileSync(tap, "utf8");
    } catch {
      // no TAP file: handled below as a crash
    }
    // The runner's final summary: `# tests N`, `# pass N`, `# fail N`, `# cancelled N`, … (last occurrence wins)
    const count = (key) => {
      const all = [...text.matchAll(new RegExp(`^# ${key} (\\d+)$`, "gm"))];
      return all.length ? Number(all[all.length - 1][1]) : null;
    };
    const pass = count("pass");
    const fail = count("fail");
    const cancelled = count("cancelled") ?? 0;
    if (pass == null || fail == null) {
      results.push({ stage: "node:test", passed: 0, failed: 1, note: `crashed, no TAP summary (${exitNote(r)})` });
      return;
    }
    let failed = fail + cancelled;
    let note = exitNote(r) + (cancelled ? `, ${cancelled} cancelled counted as failed` : "");
    if (r.code !== 0 && failed === 0) {
      failed = 1;
      note = `crashed after a passing summary (${exitNote(r)})`;
    }
    results.push({ stage: "node:test", passed: pass, failed, note });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// --- main -----------------------------------------------------------------------------------------
const started = Date.now();
for (const [name, fn] of [["build", stageBuild], ["types", stageTypes], ["aspect", stageAspect], ["node", stageNode]]) {
  if (!wanted(name)) continue;
  try {
    await fn();
  } catch (e) {
    console.error(e);
    results.push({ stage: name, passed: 0, failed: 1, note: `stage threw: ${e?.message ?? e}` });
  }
}

let passed = 0;
let failed = 0;
banner(`summary (${((Date.now() - started) / 1000).toFixed(1)} s)`);
for (const r of results) {
  passed += r.passed;
  failed += r.failed;
  console.log(`${r.stage.padEnd(10)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed  (${r.note})`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;

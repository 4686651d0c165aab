// Envoy load check + size report for built modules.
//
//   node --import tsx host/cli/check.ts [--budget <bytes>] [--newest-cpp-host] [--json] FILE...
//
// Per file prints `OK  <path>  <bytes> B  abi <version>` (plus indented warnings) or
// `FAIL <path>: <reason>; <reason>`. Exit status: 0 all loadable, 1 any failure, 2 usage error.
// --budget N        fail a module larger than N bytes (suffix k = KiB, m = MiB: 64k, 1.5m)
// --newest-cpp-host accept the WASI stubs / __main_void of the newest cpp-host (Envoy main 2026)
// --json            one JSON object per file instead of text

import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { validateModule, type ModuleCheck } from '../wasm/validate.ts';

const USAGE = 'usage: check.ts [--budget <bytes>] [--newest-cpp-host] [--json] FILE...';

export function parseBudget(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmM]i?[bB]?|[bB])?$/.exec(text.trim());
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1;
  return Math.floor(Number(m[1]) * mult);
}

export interface FileResult {
  path: string;
  bytes: number;
  ok: boolean;
  abiVersion: string | null;
  errors: string[];
  warnings: string[];
}

export function checkFile(path: string, opts: { budget?: number; newestCppHost?: boolean } = {}): FileResult {
  let data: Uint8Array;
  try {
    data = readFileSync(path);
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String((e as Error).message);
    return { path, bytes: 0, ok: false, abiVersion: null, errors: [msg], warnings: [] };
  }
  const check: ModuleCheck = validateModule(data, { newestCppHost: opts.newestCppHost });
  const errors = [...check.errors];
  if (opts.budget !== undefined && data.length > opts.budget) {
    errors.push(`size ${data.length} B exceeds the budget of ${opts.budget} B`);
  }
  return { path, bytes: data.length, ok: errors.length === 0, abiVersion: check.abiVersion, errors, warnings: check.warnings };
}

export function formatResult(r: FileResult): string {
  if (!r.ok) return `FAIL ${r.path}: ${r.errors.join('; ')}`;
  const lines = [`OK  ${r.path}  ${r.bytes} B  abi ${r.abiVersion}`];
  for (const w of r.warnings) lines.push(`    warning: ${w}`);
  return lines.join('\n');
}

export function main(argv: string[]): number {
  const files: string[] = [];
  let budget: number | undefined;
  let newestCppHost = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--budget' || a.startsWith('--budget=')) {
      const v = a === '--budget' ? argv[++i] : a.slice('--budget='.length);
      const b = v === undefined ? null : parseBudget(v);
      if (b === null) {
        console.error(`check: --budget needs a size in bytes (e.g. 65536 or 64k), got ${v ?? 'nothing'}\n${USAGE}`);
        return 2;
      }
      budget = b;
    } else if (a === '--newest-cpp-host') newestCppHost = true;
    else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a === '--') files.push(...argv.slice(i + 1)), (i = argv.length);
    else if (a.startsWith('-')) {
      console.error(`check: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let failed = 0;
  for (const f of files) {
    const r = checkFile(f, { budget, newestCppHost });
    if (!r.ok) failed++;
    console.log(json ? JSON.stringify(r) : formatResult(r));
  }
  return failed ? 1 : 0;
}

function isMain(): boolean {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}
const invokedDirectly = isMain();
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));

// Runs one row-returning benchmark section in a process of its own and writes its rows as JSON to a file:
//   node --import tsx bench/lib/section-child.ts <module> <export> <out.json> [--quick]
// bench/run.ts starts one per section (isolatedRows) so that no section's timings depend on the heap,
// JIT state or garbage another section left behind (the peer figures moved by up to ~2× when they ran
// after the authz and rate-limit sections in one process).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulePath, exportName, outFile, ...rest] = process.argv.slice(2);
if (!modulePath || !exportName || !outFile) throw new Error('usage: section-child.ts <module> <export> <out.json> [--quick]');
const mod = await import(pathToFileURL(resolve(modulePath)).href) as Record<string, unknown>;
const run = mod[exportName];
if (typeof run !== 'function') throw new Error(`${modulePath} exports no function ${exportName}`);
const rows = await run(rest.includes('--quick'));
writeFileSync(outFile, JSON.stringify(rows));

#!/usr/bin/env -S node --import tsx
// node --import tsx host/envoy-config/cli.ts [--root=full.type.Name] [--warnings] FILE...
// Validates each Envoy config file (.json files are parsed as JSON, anything else as YAML) against Envoy's API protos (see validate.ts); prints
// `OK file` or `FAIL file` followed by one indented line per error. Exit status 1 if any file failed,
// 2 on bad usage.
import { readFileSync } from 'node:fs';
import { protoLoadStats, validateEnvoyConfig } from './validate.ts';

const args = process.argv.slice(2);
let root: string | undefined;
let showWarnings = false;
const files: string[] = [];
for (const a of args) {
  if (a.startsWith('--root=')) root = a.slice('--root='.length);
  else if (a === '--warnings') showWarnings = true;
  else if (a === '-h' || a === '--help') {
    console.log('usage: node --import tsx host/envoy-config/cli.ts [--root=full.type.Name] [--warnings] FILE...');
    process.exit(0);
  } else if (a.startsWith('--')) {
    console.error(`unknown option ${a}`);
    process.exit(2);
  } else files.push(a);
}
if (!files.length) {
  console.error('usage: node --import tsx host/envoy-config/cli.ts [--root=full.type.Name] [--warnings] FILE...');
  process.exit(2);
}
let failed = 0;
const t0 = performance.now();
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    console.log(`FAIL ${file}\n  cannot read: ${(e as Error).message}`);
    failed++;
    continue;
  }
  let input: string | object = text;
  if (file.endsWith('.json')) {
    // Envoy parses a .json bootstrap as JSON (no YAML scalar conversion)
    try {
      input = JSON.parse(text);
    } catch (e) {
      console.log(`FAIL ${file}\n  JSON: ${(e as Error).message}`);
      failed++;
      continue;
    }
  }
  const r = validateEnvoyConfig(input, { root });
  console.log(`${r.ok ? 'OK  ' : 'FAIL'} ${file}`);
  for (const e of r.errors) console.log(`  ${e}`);
  if (showWarnings) for (const w of r.warnings) console.log(`  warning: ${w}`);
  if (!r.ok) failed++;
}
const s = protoLoadStats();
if (process.env.ENVOY_CONFIG_TIMING) {
  console.error(`${files.length} file(s) in ${(performance.now() - t0).toFixed(0)} ms (proto loading ${s.loadMs.toFixed(0)} ms, ${s.files} .proto files)`);
}
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// Where the bytes of a .wasm go: section sizes, the biggest function bodies (by name) and data segments.
//
//   node scripts/wasm-sizes.mjs FILE.wasm [--top N] [--data]     an already built module
//   node scripts/wasm-sizes.mjs DIR [--top N] [--data]           build DIR's module (its build.json flags)
//                                                                with a names section first, to /tmp
//
// Function names come from the `name` custom section; a release build has none, so the DIR form compiles
// the module as scripts/build.mjs does plus `--debug` (names kept; binaryen's optimisation is the same,
// only the names section is added: compare the `total - name` line with the release .wasm size).
// --data prints every data segment (offset, size, a printable preview; UTF-16 strings shown as text).
// Sizes are the body bytes inside the code section (locals + instructions), without the size prefix.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { target: null, top: 40, data: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') o.top = Number(argv[++i]);
    else if (argv[i] === '--data') o.data = true;
    else if (!o.target) o.target = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (!o.target || !Number.isInteger(o.top)) {
    console.error('usage: node scripts/wasm-sizes.mjs FILE.wasm|MODULE_DIR [--top N] [--data]');
    process.exit(2);
  }
  return o;
}

/** Compiles a module dir with names kept (the build's flags + --debug) and returns the bytes. */
function buildNamed(dir) {
  const abs = resolve(dir);
  const name = basename(abs);
  const cfgFile = join(abs, 'build.json');
  const flags = existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')).ascFlags ?? []) : [];
  const own = join(abs, 'asconfig.json');
  const out = join('/tmp', `wasm-sizes-${name}-${process.pid}.wasm`);
  execFileSync(process.execPath, [join(ROOT, 'node_modules/assemblyscript/bin/asc.js'), join(abs, 'assembly/index.ts'),
    '--config', existsSync(own) ? own : join(ROOT, 'asconfig.json'), '--target', 'release', '-o', out, ...flags, '--debug'],
  { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const release = join(abs, 'build', `${name}.wasm`);
  if (existsSync(release)) console.log(`release build ${release}: ${statSync(release).size} B`);
  return readFileSync(out);
}

class Reader {
  constructor(buf, pos = 0, end = buf.length) { this.b = buf; this.p = pos; this.end = end; }
  u8() { return this.b[this.p++]; }
  u32() {
    let r = 0, s = 0, x;
    do { x = this.b[this.p++]; r |= (x & 0x7f) << s; s += 7; } while (x & 0x80);
    return r >>> 0;
  }
  name() { const n = this.u32(); const s = this.b.toString('utf8', this.p, this.p + n); this.p += n; return s; }
}

const SECTIONS = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

function analyse(buf) {
  const r = new Reader(buf, 8);
  const sections = [];
  let importedFuncs = 0;
  const bodies = [];
  const names = new Map();
  const segments = [];
  while (r.p < buf.length) {
    const at = r.p;
    const id = r.u8();
    const size = r.u32();
    const start = r.p, end = r.p + size;
    let label = SECTIONS[id] ?? `#${id}`;
    if (id === 0) label = `custom:${new Reader(buf, start, end).name()}`;
    sections.push({ label, size: end - at }); // with the id and size bytes
    const s = new Reader(buf, start, end);
    if (id === 2) {
      for (let n = s.u32(); n--;) {
        s.name(); s.name();
        const kind = s.u8();
        if (kind === 0) { s.u32(); importedFuncs++; } else if (kind === 1) { s.u8(); const f = s.u8(); s.u32(); if (f & 1) s.u32(); } else if (kind === 2) { const f = s.u8(); s.u32(); if (f & 1) s.u32(); } else if (kind === 3) { s.u8(); s.u8(); }
      }
    } else if (id === 10) {
      for (let n = s.u32(), i = 0; i < n; i++) {
        const sz = s.u32();
        bodies.push({ index: importedFuncs + i, size: sz });
        s.p += sz;
      }
    } else if (id === 11) {
      for (let n = s.u32(); n--;) {
        const flag = s.u32();
        if (flag === 2) s.u32();
        let offset = null;
        if (flag !== 1) { // active: i32.const N end
          if (s.u8() === 0x41) { let v = 0, sh = 0, x; do { x = s.u8(); v |= (x & 0x7f) << sh; sh += 7; } while (x & 0x80); offset = v; }
          while (s.u8() !== 0x0b);
        }
        const len = s.u32();
        segments.push({ offset, bytes: buf.subarray(s.p, s.p + len) });
        s.p += len;
      }
    } else if (id === 0 && label === 'custom:name') {
      s.name();
      while (s.p < end) {
        const sub = s.u8(), subSize = s.u32(), subEnd = s.p + subSize;
        if (sub === 1) for (let n = s.u32(); n--;) { const idx = s.u32(); names.set(idx, s.name()); }
        s.p = subEnd;
      }
    }
    r.p = end;
  }
  return { sections, bodies, names, segments };
}

/** A readable preview of a data segment: UTF-16LE text when it looks like it, else ASCII with dots. */
function preview(b) {
  // an AssemblyScript string literal: 8 bytes of object header (rtId, rtSize) then UTF-16LE
  if (b.length > 8 && b.length % 2 === 0 && b.readUInt32LE(4) === b.length - 8) return preview(b.subarray(8));
  const utf16 = b.length >= 4 && b.length % 2 === 0 && [...Array(b.length / 2).keys()].every((i) => b[2 * i + 1] === 0 && b[2 * i] >= 0x20 && b[2 * i] < 0x7f);
  if (utf16) return `u16 "${Buffer.from(b).toString('utf16le')}"`;
  const s = [...b].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

const opts = parseArgs(process.argv.slice(2));
const isFile = existsSync(opts.target) && statSync(opts.target).isFile();
const buf = isFile ? readFileSync(opts.target) : buildNamed(opts.target);
const { sections, bodies, names, segments } = analyse(buf);

const total = buf.length;
const nameSec = sections.find((s) => s.label === 'custom:name')?.size ?? 0;
console.log(`total ${total} B${nameSec ? `, total - name section ${total - nameSec} B` : ''}`);
console.log('sections:');
for (const s of sections) console.log(`  ${String(s.size).padStart(7)}  ${s.label}`);
const codeSum = bodies.reduce((a, b) => a + b.size, 0);
console.log(`functions: ${bodies.length} bodies, ${codeSum} B; biggest ${Math.min(opts.top, bodies.length)}:`);
for (const b of [...bodies].sort((x, y) => y.size - x.size).slice(0, opts.top)) {
  console.log(`  ${String(b.size).padStart(6)}  ${names.get(b.index) ?? `func[${b.index}]`}`);
}
const dataSum = segments.reduce((a, s) => a + s.bytes.length, 0);
console.log(`data: ${segments.length} segments, ${dataSum} B payload`);
if (opts.data) for (const s of segments) console.log(`  @${s.offset ?? '-'} ${String(s.bytes.length).padStart(5)}  ${preview(s.bytes)}`);

// A small, defensive parser for the WebAssembly binary format (MVP + the few post-MVP encodings a
// proxy-wasm module may contain: memory64/shared limits, reference types, tags).
//
// It reads only what the Envoy load check needs — types, imports, functions, tables, memories,
// exports, start, custom sections (incl. the function names of the "name" section) — and skips
// everything else by its declared size. Every read is bounds-checked; malformed input throws a
// `WasmFormatError` naming the section and byte offset, never a RangeError/TypeError.

export class WasmFormatError extends Error {
  /** Byte offset in the module where the problem was found (if known). */
  readonly offset?: number;
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte offset ${offset})`);
    this.name = 'WasmFormatError';
    this.offset = offset;
  }
}

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max?: number;
  shared?: boolean;
  memory64?: boolean;
}

export interface TableType {
  element: ValType;
  limits: Limits;
}

export interface GlobalType {
  valType: ValType;
  mutable: boolean;
}

export interface ImportEntry {
  module: string;
  name: string;
  kind: ExternKind;
  /** func / tag: type index and the resolved signature. */
  typeIndex?: number;
  type?: FuncType;
  memory?: Limits;
  table?: TableType;
  global?: GlobalType;
}

export interface ExportEntry {
  name: string;
  kind: ExternKind;
  /** Index in the kind's index space (imports first, then definitions). */
  index: number;
  /** For function exports: the function's signature. */
  type?: FuncType;
}

export interface SectionInfo {
  id: number;
  /** "type", "import", …; custom sections are "custom:<name>". */
  name: string;
  /** Offset of the section's payload (after id and size). */
  offset: number;
  size: number;
}

export interface MemoryInfo {
  /** Number of memories (imported + defined). Envoy uses at most one. */
  count: number;
  imported: boolean;
  /** Names under which a memory is exported. */
  exportedAs: string[];
  /** Limits of the first memory, in 64 KiB pages. */
  minPages?: number;
  maxPages?: number;
  shared?: boolean;
  memory64?: boolean;
}

export interface ModuleInfo {
  version: number;
  byteLength: number;
  sections: SectionInfo[];
  types: FuncType[];
  imports: ImportEntry[];
  exports: ExportEntry[];
  /** Type index of every function *defined* in the module (function section). */
  functionTypeIndices: number[];
  /** Number of imported functions (the defined ones start at this index). */
  importedFunctionCount: number;
  tables: TableType[];
  /** Memories defined in the module (not imported ones). */
  memories: Limits[];
  memory: MemoryInfo;
  hasStartSection: boolean;
  startFunction?: number;
  customSections: { name: string; size: number }[];
  /** Function index → debug name, from the "name" custom section (if present and well-formed). */
  functionNames: Map<number, string>;
}

const SECTION_NAMES = [
  'custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element',
  'code', 'data', 'datacount', 'tag',
];
// Required order of the non-custom sections (wasm 2.0 + exception handling): tag sits between
// memory and global, datacount between element and code.
const SECTION_ORDER: Record<number, number> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13,
};

const KIND_NAMES: ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start: number, readonly end: number, readonly what: string) {
    this.pos = start;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new WasmFormatError(`unexpected end of ${this.what} while reading ${what}`, this.pos);
    }
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128, at most 32 bits (5 bytes). */
  u32(what = 'an integer'): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      if (i === 4 && (b & 0xf0) !== 0) {
        throw new WasmFormatError(`LEB128 ${what} does not fit in 32 bits`, start);
      }
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new WasmFormatError(`LEB128 ${what} is longer than 5 bytes`, start);
  }

  /** Unsigned LEB128, at most 64 bits; returned as a number (exact up to 2^53). */
  u64(what = 'an integer'): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.u8(what);
      if (i === 9 && (b & 0xfe) !== 0) {
        throw new WasmFormatError(`LEB128 ${what} does not fit in 64 bits`, start);
      }
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new WasmFormatError(`LEB128 ${what} is longer than 10 bytes`, start);
  }

  bytesOf(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(what = 'a name'): string {
    const start = this.pos;
    const len = this.u32(`${what} length`);
    const raw = this.bytesOf(len, what);
    try {
      return utf8.decode(raw);
    } catch {
      throw new WasmFormatError(`${what} is not valid UTF-8`, start);
    }
  }

  /** A vector count, sanity-checked against the bytes left (each element takes ≥ minSize bytes). */
  count(what: string, minSize = 1): number {
    const start = this.pos;
    const n = this.u32(`${what} count`);
    if (n * minSize > this.end - this.pos) {
      throw new WasmFormatError(`${what} count ${n} exceeds the ${this.what} size`, start);
    }
    return n;
  }
}

function valType(r: Reader, what: string): ValType {
  const at = r.pos;
  const b = r.u8(what);
  switch (b) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
    case 0x7b: return 'v128';
    case 0x70: return 'funcref';
    case 0x6f: return 'externref';
    default:
      throw new WasmFormatError(`unsupported value type 0x${b.toString(16)} in ${what}`, at);
  }
}

function limits(r: Reader, what: string, allow64: boolean): Limits {
  const at = r.pos;
  const flags = r.u8(`${what} limits flags`);
  if (flags > 7 || (!allow64 && flags > 3)) {
    throw new WasmFormatError(`invalid ${what} limits flags 0x${flags.toString(16)}`, at);
  }
  const memory64 = (flags & 4) !== 0;
  const read = (w: string) => (memory64 ? r.u64(w) : r.u32(w));
  const out: Limits = { min: read(`${what} minimum`) };
  if (flags & 1) {
    out.max = read(`${what} maximum`);
    if (out.max < out.min) {
      throw new WasmFormatError(`${what} maximum ${out.max} is below its minimum ${out.min}`, at);
    }
  }
  if (flags & 2) out.shared = true;
  if (memory64) out.memory64 = true;
  return out;
}

function tableType(r: Reader): TableType {
  const element = valType(r, 'table element type');
  if (element !== 'funcref' && element !== 'externref') {
    throw new WasmFormatError(`table element type must be a reference type, got ${element}`, r.pos - 1);
  }
  return { element, limits: limits(r, 'table', false) };
}

/** Parse a module. Throws `WasmFormatError` on anything malformed. */
export function parseModule(input: Uint8Array | ArrayBuffer): ModuleInfo {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < 8) {
    throw new WasmFormatError(`not a wasm module: ${bytes.length} bytes, a module has at least 8`);
  }
  if (bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError('not a wasm module: bad magic number (expected \\0asm)', 0);
  }
  const version = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  if (version !== 1) {
    throw new WasmFormatError(`unsupported wasm binary version ${version >>> 0} (expected 1)`, 4);
  }

  const info: ModuleInfo = {
    version: 1,
    byteLength: bytes.length,
    sections: [],
    types: [],
    imports: [],
    exports: [],
    functionTypeIndices: [],
    importedFunctionCount: 0,
    tables: [],
    memories: [],
    memory: { count: 0, imported: false, exportedAs: [] },
    hasStartSection: false,
    customSections: [],
    functionNames: new Map(),
  };

  const top = new Reader(bytes, 8, bytes.length, 'module');
  let lastOrder = 0;
  const seen = new Set<number>();
  let nameSection: { start: number; end: number } | undefined;
  let importedGlobals = 0;
  let importedTags = 0;
  let importedTables = 0;

  const typeAt = (index: number, at: number, what: string): FuncType => {
    const t = info.types[index];
    if (t === undefined) {
      throw new WasmFormatError(`${what} uses type index ${index}, but the module has ${info.types.length} types`, at);
    }
    return t;
  };

  while (!top.done) {
    const idAt = top.pos;
    const id = top.u8('a section id');
    const size = top.u32('a section size');
    const start = top.pos;
    if (size > top.end - start) {
      throw new WasmFormatError(
        `${SECTION_NAMES[id] ?? `unknown (${id})`} section declares ${size} bytes but only ${top.end - start} remain`,
        idAt,
      );
    }
    const end = start + size;
    top.pos = end;

    if (id !== 0) {
      const order = SECTION_ORDER[id];
      if (order === undefined) throw new WasmFormatError(`unknown section id ${id}`, idAt);
      if (seen.has(id)) throw new WasmFormatError(`duplicate ${SECTION_NAMES[id]} section`, idAt);
      if (order < lastOrder) throw new WasmFormatError(`${SECTION_NAMES[id]} section out of order`, idAt);
      seen.add(id);
      lastOrder = order;
    }

    const r = new Reader(bytes, start, end, `${SECTION_NAMES[id]} section`);
    let name = SECTION_NAMES[id];

    switch (id) {
      case 0: {
        const cname = r.name('custom section name');
        name = `custom:${cname}`;
        info.customSections.push({ name: cname, size });
        if (cname === 'name') nameSection = { start: r.pos, end };
        r.pos = end;
        break;
      }
      case 1: {
        const n = r.count('type', 3);
        for (let i = 0; i < n; i++) {
          const at = r.pos;
          const form = r.u8('a type form');
          if (form !== 0x60) {
            throw new WasmFormatError(`unsupported type form 0x${form.toString(16)} (only function types are supported)`, at);
          }
          const params: ValType[] = [];
          for (let k = r.count('parameter'); k > 0; k--) params.push(valType(r, `type ${i} parameters`));
          const results: ValType[] = [];
          for (let k = r.count('result'); k > 0; k--) results.push(valType(r, `type ${i} results`));
          info.types.push({ params, results });
        }
        break;
      }
      case 2: {
        const n = r.count('import', 4);
        for (let i = 0; i < n; i++) {
          const module = r.name('import module name');
          const iname = r.name('import field name');
          const kindAt = r.pos;
          const kindByte = r.u8('import kind');
          const kind = KIND_NAMES[kindByte];
          if (kind === undefined) {
            throw new WasmFormatError(`import ${module}.${iname} has invalid kind 0x${kindByte.toString(16)}`, kindAt);
          }
          const entry: ImportEntry = { module, name: iname, kind };
          if (kind === 'func') {
            const at = r.pos;
            entry.typeIndex = r.u32('import type index');
            entry.type = typeAt(entry.typeIndex, at, `import ${module}.${iname}`);
            info.importedFunctionCount++;
          } else if (kind === 'table') {
            entry.table = tableType(r);
            importedTables++;
          } else if (kind === 'memory') {
            entry.memory = limits(r, 'memory', true);
            info.memory.count++;
            info.memory.imported = true;
            if (info.memory.count === 1) setMemoryLimits(info.memory, entry.memory);
          } else if (kind === 'global') {
            const valT = valType(r, 'global type');
            const mutAt = r.pos;
            const mut = r.u8('global mutability');
            if (mut > 1) throw new WasmFormatError(`invalid global mutability ${mut}`, mutAt);
            entry.global = { valType: valT, mutable: mut === 1 };
            importedGlobals++;
          } else {
            const attrAt = r.pos;
            if (r.u8('tag attribute') !== 0) throw new WasmFormatError('invalid tag attribute', attrAt);
            const at = r.pos;
            entry.typeIndex = r.u32('tag type index');
            entry.type = typeAt(entry.typeIndex, at, `import ${module}.${iname}`);
            importedTags++;
          }
          info.imports.push(entry);
        }
        break;
      }
      case 3: {
        const n = r.count('function');
        for (let i = 0; i < n; i++) {
          const at = r.pos;
          const t = r.u32('function type index');
          typeAt(t, at, `function ${info.importedFunctionCount + i}`);
          info.functionTypeIndices.push(t);
        }
        break;
      }
      case 4: {
        const n = r.count('table', 3);
        for (let i = 0; i < n; i++) info.tables.push(tableType(r));
        break;
      }
      case 5: {
        const n = r.count('memory', 2);
        for (let i = 0; i < n; i++) {
          const l = limits(r, 'memory', true);
          info.memories.push(l);
          info.memory.count++;
          if (info.memory.count === 1) setMemoryLimits(info.memory, l);
        }
        break;
      }
      case 7: {
        const n = r.count('export', 3);
        const names = new Set<string>();
        for (let i = 0; i < n; i++) {
          const at = r.pos;
          const ename = r.name('export name');
          if (names.has(ename)) throw new WasmFormatError(`duplicate export name "${ename}"`, at);
          names.add(ename);
          const kindAt = r.pos;
          const kindByte = r.u8('export kind');
          const kind = KIND_NAMES[kindByte];
          if (kind === undefined) {
            throw new WasmFormatError(`export "${ename}" has invalid kind 0x${kindByte.toString(16)}`, kindAt);
          }
          const index = r.u32('export index');
          info.exports.push({ name: ename, kind, index });
        }
        break;
      }
      case 8: {
        info.hasStartSection = true;
        info.startFunction = r.u32('start function index');
        break;
      }
      default:
        // global, element, code, data, datacount, tag: not needed; skipped by size.
        r.pos = end;
    }
    if (r.pos !== end) {
      throw new WasmFormatError(
        `${name} section size mismatch: declared ${size} bytes, contents end ${r.pos - end > 0 ? 'after' : 'before'} that`,
        start,
      );
    }
    info.sections.push({ id, name, offset: start, size });
  }

  // Resolve and range-check export indices.
  const funcCount = info.importedFunctionCount + info.functionTypeIndices.length;
  const counts: Record<ExternKind, number> = {
    func: funcCount,
    table: importedTables + info.tables.length,
    memory: info.memory.count,
    global: importedGlobals + countGlobals(bytes, info),
    tag: importedTags + countTags(bytes, info),
  };
  for (const e of info.exports) {
    if (e.index >= counts[e.kind]) {
      throw new WasmFormatError(
        `export "${e.name}" refers to ${e.kind} index ${e.index}, but the module has ${counts[e.kind]} ${e.kind}s`,
      );
    }
    if (e.kind === 'func') e.type = functionType(info, e.index);
    if (e.kind === 'memory') info.memory.exportedAs.push(e.name);
  }
  if (info.startFunction !== undefined && info.startFunction >= funcCount) {
    throw new WasmFormatError(`start function index ${info.startFunction} is out of range (${funcCount} functions)`);
  }

  if (nameSection) info.functionNames = readFunctionNames(bytes, nameSection.start, nameSection.end);
  return info;
}

function setMemoryLimits(m: MemoryInfo, l: Limits): void {
  m.minPages = l.min;
  if (l.max !== undefined) m.maxPages = l.max;
  if (l.shared) m.shared = true;
  if (l.memory64) m.memory64 = true;
}

function sectionCount(bytes: Uint8Array, info: ModuleInfo, id: number, what: string): number {
  const s = info.sections.find((x) => x.id === id);
  if (!s) return 0;
  return new Reader(bytes, s.offset, s.offset + s.size, `${what} section`).u32(`${what} count`);
}

function countGlobals(bytes: Uint8Array, info: ModuleInfo): number {
  return sectionCount(bytes, info, 6, 'global');
}

function countTags(bytes: Uint8Array, info: ModuleInfo): number {
  return sectionCount(bytes, info, 13, 'tag');
}

/** Signature of function `index` (imports first). Throws `WasmFormatError` if out of range. */
export function functionType(info: ModuleInfo, index: number): FuncType {
  if (index < info.importedFunctionCount) {
    let k = 0;
    for (const im of info.imports) {
      if (im.kind !== 'func') continue;
      if (k++ === index) return im.type!;
    }
  }
  const t = info.functionTypeIndices[index - info.importedFunctionCount];
  if (t === undefined || info.types[t] === undefined) {
    throw new WasmFormatError(`function index ${index} is out of range`);
  }
  return info.types[t];
}

// The "name" section is advisory: engines ignore it when malformed, so do we.
function readFunctionNames(bytes: Uint8Array, start: number, end: number): Map<number, string> {
  const names = new Map<number, string>();
  try {
    const r = new Reader(bytes, start, end, 'name section');
    while (!r.done) {
      const sub = r.u8('name subsection id');
      const size = r.u32('name subsection size');
      const subEnd = r.pos + size;
      if (subEnd > end) break;
      if (sub === 1) {
        const s = new Reader(bytes, r.pos, subEnd, 'function names');
        for (let n = s.count('function name', 2); n > 0; n--) {
          const idx = s.u32('function index');
          names.set(idx, s.name('function name'));
        }
      }
      r.pos = subEnd;
    }
  } catch {
    // keep what was read
  }
  return names;
}

/** "(i32,i32)->i32" — the notation used in every message of the load check. */
export function formatSignature(t: FuncType): string {
  return `(${t.params.join(',')})->${t.results.length === 1 ? t.results[0] : `(${t.results.join(',')})`}`;
}

export function sameSignature(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) &&
    a.results.every((p, i) => p === b.results[i])
  );
}

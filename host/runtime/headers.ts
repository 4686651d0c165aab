// A header map as Envoy keeps it: ordered entries, keys lower-cased on write and lookup.
// Keys and values are "binary" strings (latin1: one char per byte) so arbitrary bytes survive.
// Hostcalls hit these on every request, so the common cases (keys already lower case, one entry per
// key) run without a regex, a callback or a new array.
import { fromLatin1, latin1 } from '../abi/pairs.ts';

/** An entry is never changed in place (replace makes a new one), so maps may share entries. */
export type Entry = readonly [string, string];

/** ASCII A–Z → a–z (Envoy lower-cases header keys bytewise); the string itself when nothing changes. */
export function lowerKey(k: string): string {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c >= 65 && c <= 90) return k.replace(/[A-Z]/g, (x) => x.toLowerCase());
  }
  return k;
}

/** Little-endian u32 at m[p..p+4). */
function putU32(m: Uint8Array, p: number, v: number): void {
  m[p] = v; m[p + 1] = v >>> 8; m[p + 2] = v >>> 16; m[p + 3] = v >>> 24;
}

export class HeaderMap {
  entries: Entry[];
  constructor(entries?: Iterable<readonly [string, string]>) {
    const out: Entry[] = [];
    if (entries) for (const [k, v] of entries) out.push([lowerKey(k), v]);
    this.entries = out;
  }
  static fromBytes(pairs: Array<[Uint8Array, Uint8Array]>): HeaderMap {
    return new HeaderMap(pairs.map(([k, v]) => [latin1(k), latin1(v)]));
  }
  get size(): number { return this.entries.length; }
  private indexOf(k: string, from = 0): number {
    const e = this.entries;
    for (let i = from; i < e.length; i++) if (e[i][0] === k) return i;
    return -1;
  }
  /**
   * Index of the first entry whose key is the guest's key bytes m[p, p+n) lower-cased, compared in
   * place (a hostcall then makes no key string); -1 if none.
   */
  indexOfBytes(m: Uint8Array, p: number, n: number): number {
    const e = this.entries;
    outer: for (let i = 0; i < e.length; i++) {
      const k = e[i][0];
      if (k.length !== n) continue;
      for (let j = 0; j < n; j++) {
        let b = m[p + j];
        if (b >= 65 && b <= 90) b += 32;
        if (k.charCodeAt(j) !== b) continue outer;
      }
      return i;
    }
    return -1;
  }
  /** replace() when the key is already at index i (from indexOfBytes): that entry keeps its place. */
  replaceAt(i: number, value: string): void {
    const k = this.entries[i][0];
    this.entries[i] = [k, value];
    if (this.indexOf(k, i + 1) >= 0) this.removeFrom(k, i + 1);
  }
  /** remove() when the key's first entry is at index i (from indexOfBytes). */
  removeAt(i: number): void { this.removeFrom(this.entries[i][0], i); }
  /** First value only (get_header_map_value). */
  get(key: string): string | undefined {
    const i = this.indexOf(lowerKey(key));
    return i < 0 ? undefined : this.entries[i][1];
  }
  /** get() for a key already in lower case (a constant): no lower-casing pass. */
  getLower(key: string): string | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.entries[i][1];
  }
  getAll(key: string): string[] {
    const k = lowerKey(key);
    const out: string[] = [];
    for (const e of this.entries) if (e[0] === k) out.push(e[1]);
    return out;
  }
  add(key: string, value: string): void { this.entries.push([lowerKey(key), value]); }
  /** setCopy: remove all entries for key, then one entry (in place of the first if present). */
  replace(key: string, value: string): void {
    const k = lowerKey(key);
    const i = this.indexOf(k);
    if (i < 0) { this.entries.push([k, value]); return; }
    this.entries[i] = [k, value];
    if (this.indexOf(k, i + 1) >= 0) this.removeFrom(k, i + 1);
  }
  remove(key: string): void {
    const k = lowerKey(key);
    const i = this.indexOf(k);
    if (i >= 0) this.removeFrom(k, i);
  }
  /** Drop every entry for k at index ≥ from, keeping the order of the rest (in place). */
  private removeFrom(k: string, from: number): void {
    const e = this.entries;
    let w = from;
    for (let r = from; r < e.length; r++) if (e[r][0] !== k) e[w++] = e[r];
    e.length = w;
  }
  clear(): void { this.entries = []; }
  /** Envoy HeaderMap::byteSize(): sum of key and value lengths. */
  byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += k.length + v.length;
    return n;
  }
  bytePairs(): Array<[Uint8Array, Uint8Array]> {
    return this.entries.map(([k, v]) => [fromLatin1(k), fromLatin1(v)]);
  }
  /** Bytes of the pairs wire format (§7.1) of the entries. */
  serializedSize(): number {
    const e = this.entries;
    let size = 4 + e.length * 8;
    for (let i = 0; i < e.length; i++) size += e[i][0].length + e[i][1].length + 2;
    return size;
  }
  /**
   * The pairs wire format of the entries (what serializePairs(bytePairs()) gives) written at m[at..],
   * serializedSize() bytes: straight from the latin1 strings, no intermediate buffers.
   */
  serializeTo(m: Uint8Array, at: number): void {
    const e = this.entries;
    putU32(m, at, e.length);
    let p = at + 4;
    for (let i = 0; i < e.length; i++) {
      putU32(m, p, e[i][0].length);
      putU32(m, p + 4, e[i][1].length);
      p += 8;
    }
    for (let i = 0; i < e.length; i++) {
      const k = e[i][0], v = e[i][1];
      for (let j = 0; j < k.length; j++) m[p++] = k.charCodeAt(j);
      m[p++] = 0;
      for (let j = 0; j < v.length; j++) m[p++] = v.charCodeAt(j);
      m[p++] = 0;
    }
  }
  serialize(): Uint8Array {
    const out = new Uint8Array(this.serializedSize());
    this.serializeTo(out, 0);
    return out;
  }
  /** A map with the same entries (shared: entries are never changed in place). */
  clone(): HeaderMap {
    const m = new HeaderMap();
    m.entries = this.entries.slice();
    return m;
  }
  /** As UTF-8 decoded string pairs (for test output). */
  toPairs(): Array<[string, string]> {
    return this.entries.map(([k, v]) => [latin1AsUtf8(k), latin1AsUtf8(v)]);
  }
}

/** A test-supplied (UTF-16) string as its UTF-8 bytes, one char per byte; ASCII is already that. */
const NON_ASCII = /[^\x00-\x7f]/;
/** The other way: bytes (one char per byte) decoded as UTF-8; ASCII bytes decode to themselves. */
export const latin1AsUtf8 = (s: string): string => (NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s);
const utf8AsLatin1 = (s: string): string => (NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s);

/**
 * Conversions of the last lists seen, by list: the source strings [k, v, …] and the entries made of
 * them. A driver sends the same header list for many requests; when every source string is the very
 * same string (identity), the entries are reused (a pure function of the strings; entries are never
 * changed in place) and only the array holding them is new.
 */
const converted = new WeakMap<object, { source: string[]; entries: Entry[] }>();

/** Accept test-supplied headers: [[k,v],…] or {k: v} or a HeaderMap. Values are UTF-8 → bytes. */
export type HeadersInit = Array<[string, string]> | Record<string, string> | HeaderMap;
export function toHeaderMap(h: HeadersInit | undefined): HeaderMap {
  if (!h) return new HeaderMap();
  if (h instanceof HeaderMap) return h.clone();
  const m = new HeaderMap();
  if (!Array.isArray(h)) {
    for (const [k, v] of Object.entries(h)) m.entries.push([lowerKey(utf8AsLatin1(k)), utf8AsLatin1(v)]);
    return m;
  }
  const memo = converted.get(h);
  if (memo && memo.entries.length === h.length) {
    const src = memo.source;
    let same = true;
    for (let i = 0; i < h.length && same; i++) same = src[2 * i] === h[i][0] && src[2 * i + 1] === h[i][1];
    if (same) {
      m.entries = memo.entries.slice();
      return m;
    }
  }
  const source: string[] = [];
  for (let i = 0; i < h.length; i++) {
    const [k, v] = h[i];
    m.entries.push([lowerKey(utf8AsLatin1(k)), utf8AsLatin1(v)]);
    source.push(k, v);
  }
  converted.set(h, { source, entries: m.entries.slice() });
  return m;
}

// A header map as Envoy keeps it: ordered entries, keys lower-cased on write and lookup.
// Keys and values are "binary" strings (latin1: one char per byte) so arbitrary bytes survive.
import { fromLatin1, latin1 } from '../abi/pairs.ts';

export type Entry = [string, string];

const lower = (k: string) => k.replace(/[A-Z]/g, (c) => c.toLowerCase());

export class HeaderMap {
  entries: Entry[];
  constructor(entries: Iterable<readonly [string, string]> = []) {
    this.entries = [...entries].map(([k, v]) => [lower(k), v]);
  }
  static fromBytes(pairs: Array<[Uint8Array, Uint8Array]>): HeaderMap {
    return new HeaderMap(pairs.map(([k, v]) => [latin1(k), latin1(v)]));
  }
  get size(): number { return this.entries.length; }
  /** First value only (get_header_map_value). */
  get(key: string): string | undefined {
    const k = lower(key);
    return this.entries.find((e) => e[0] === k)?.[1];
  }
  getAll(key: string): string[] {
    const k = lower(key);
    return this.entries.filter((e) => e[0] === k).map((e) => e[1]);
  }
  add(key: string, value: string): void { this.entries.push([lower(key), value]); }
  /** setCopy: remove all entries for key, then one entry (in place of the first if present). */
  replace(key: string, value: string): void {
    const k = lower(key);
    const i = this.entries.findIndex((e) => e[0] === k);
    if (i < 0) { this.entries.push([k, value]); return; }
    this.entries[i] = [k, value];
    this.entries = this.entries.filter((e, j) => j === i || e[0] !== k);
  }
  remove(key: string): void {
    const k = lower(key);
    this.entries = this.entries.filter((e) => e[0] !== k);
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
  clone(): HeaderMap { return new HeaderMap(this.entries); }
  /** As UTF-8 decoded string pairs (for test output). */
  toPairs(): Array<[string, string]> {
    return this.entries.map(([k, v]) => [Buffer.from(k, 'latin1').toString('utf8'), Buffer.from(v, 'latin1').toString('utf8')]);
  }
}

/** Accept test-supplied headers: [[k,v],…] or {k: v} or a HeaderMap. Values are UTF-8 → bytes. */
export type HeadersInit = Array<[string, string]> | Record<string, string> | HeaderMap;
export function toHeaderMap(h: HeadersInit | undefined): HeaderMap {
  if (!h) return new HeaderMap();
  if (h instanceof HeaderMap) return h.clone();
  const list = Array.isArray(h) ? h : Object.entries(h);
  return new HeaderMap(list.map(([k, v]) => [Buffer.from(k, 'utf8').toString('latin1'), Buffer.from(v, 'utf8').toString('latin1')]));
}

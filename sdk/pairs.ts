// The "pairs" serialization of header/metadata maps (reference §7.1), byte-exact:
//   u32 N | N × (u32 keyLen, u32 valueLen) | N × (key, 0x00, value, 0x00)      (u32 little-endian)
// Decoding never traps: anything malformed decodes to an empty list.

import { decodeUtf8, utf8Length } from "./runtime/memory";

/** One header / metadata entry. */
export class HeaderPair {
  constructor(public key: string, public value: string) {}
}

/** A list of header entries (order and duplicates preserved). */
export type Headers = Array<HeaderPair>;

/** Shorthand to build a HeaderPair. */
export function pair(key: string, value: string): HeaderPair {
  return new HeaderPair(key, value);
}

/**
 * What cpp-host accepts from a guest (PairsUtil::toPairs): at most 1024 entries and 1 MiB in all; a
 * larger buffer is read by the host as an empty map. Maps the host serializes (request headers, …) are
 * not bounded by this — Envoy's own header limits apply — so decoding does not enforce it.
 */
export const HOST_MAX_PAIRS: u32 = 1024;
export const HOST_MAX_PAIRS_BYTES: usize = 1 << 20;

/** Number of bytes encodePairs would produce. */
export function pairsByteLength(pairs: Headers): usize {
  let total: usize = 4;
  for (let i = 0, n = pairs.length; i < n; i++) {
    const p = unchecked(pairs[i]);
    total += 8 + utf8Length(p.key) + utf8Length(p.value) + 2;
  }
  return total;
}

/** Serialize pairs. An empty list encodes as the 4-byte N=0 form. */
export function encodePairs(pairs: Headers): ArrayBuffer {
  const n = pairs.length;
  const buf = new ArrayBuffer(<i32>pairsByteLength(pairs));
  const base = changetype<usize>(buf);
  store<u32>(base, <u32>n);
  let lens = base + 4;
  let data = base + 4 + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const p = unchecked(pairs[i]);
    const k = String.UTF8.encodeUnsafe(changetype<usize>(p.key), p.key.length, data, false, String.UTF8.ErrorMode.REPLACE);
    data += k;
    store<u8>(data++, 0);
    const v = String.UTF8.encodeUnsafe(changetype<usize>(p.value), p.value.length, data, false, String.UTF8.ErrorMode.REPLACE);
    data += v;
    store<u8>(data++, 0);
    store<u32>(lens, <u32>k);
    store<u32>(lens, <u32>v, 4);
    lens += 8;
  }
  return buf;
}

/** Validate a raw pairs buffer; returns N, or -1 when malformed. (0,0) / len<4 → 0. */
export function checkPairs(ptr: usize, len: usize): i32 {
  if (ptr == 0 || len < 4) return 0;
  const n = load<u32>(ptr);
  // in 64 bits: 8 × N must not wrap around (N comes from the buffer)
  if (<u64>4 + (<u64>n << 3) > <u64>len) return -1;
  const header: usize = 4 + (<usize>n << 3);
  let data = header;
  for (let i: usize = 0; i < <usize>n; i++) {
    const kl = <usize>load<u32>(ptr + 4 + (i << 3));
    const vl = <usize>load<u32>(ptr + 8 + (i << 3));
    if (kl > len || vl > len) return -1;
    data += kl;
    if (data >= len || load<u8>(ptr + data) != 0) return -1;
    data += 1 + vl;
    if (data >= len || load<u8>(ptr + data) != 0) return -1;
    data += 1;
  }
  if (data != len) return -1;
  return <i32>n;
}

/**
 * Walks a raw pairs buffer entry by entry without making strings or a list: each next() exposes the
 * entry's key and value as (ptr, len) UTF-8 bytes inside the buffer (not NUL-included). reset() checks the
 * buffer first (checkPairs): a malformed buffer walks as empty. One cursor can be reused for every request.
 */
export class PairsCursor {
  keyPtr: usize = 0;
  keyLen: usize = 0;
  valuePtr: usize = 0;
  valueLen: usize = 0;
  /** Number of entries; -1 when the buffer was malformed (then the walk is empty). */
  count: i32 = 0;
  private base: usize = 0;
  private i: i32 = 0;
  private data: usize = 0;

  /** Start a walk over [ptr, ptr+len); returns the number of entries (-1 malformed, walks as empty). */
  reset(ptr: usize, len: usize): i32 {
    const n = checkPairs(ptr, len);
    this.count = n;
    this.base = ptr;
    this.i = 0;
    this.data = n > 0 ? ptr + 4 + (<usize>n << 3) : 0;
    return n;
  }

  /** Advance to the next entry; false at the end. */
  next(): bool {
    const i = this.i;
    if (i >= this.count) return false;
    const lens = this.base + 4 + (<usize>i << 3);
    const kl = <usize>load<u32>(lens);
    const vl = <usize>load<u32>(lens, 4);
    this.keyPtr = this.data;
    this.keyLen = kl;
    this.valuePtr = this.data + kl + 1;
    this.valueLen = vl;
    this.data += kl + vl + 2;
    this.i = i + 1;
    return true;
  }

  /** True when the current key is exactly the bytes [p, p+n) (keys from the host are lower-case). */
  keyIs(p: usize, n: usize): bool {
    return this.keyLen == n && memory.compare(this.keyPtr, p, n) == 0;
  }
}

/** Decode a raw pairs buffer (not freed). Malformed → empty list. */
export function decodePairs(ptr: usize, len: usize): Headers {
  const n = checkPairs(ptr, len);
  if (n <= 0) return new Array<HeaderPair>(0);
  const out = new Array<HeaderPair>(n);
  let data = ptr + 4 + (<usize>n << 3);
  for (let i = 0; i < n; i++) {
    const kl = <usize>load<u32>(ptr + 4 + (<usize>i << 3));
    const vl = <usize>load<u32>(ptr + 8 + (<usize>i << 3));
    const k = decodeUtf8(data, kl);
    data += kl + 1;
    const v = decodeUtf8(data, vl);
    data += vl + 1;
    unchecked(out[i] = new HeaderPair(k, v));
  }
  return out;
}

/** Decode pairs held in an ArrayBuffer (e.g. a map-typed property value). */
export function decodePairsBuffer(buf: ArrayBuffer | null): Headers {
  if (buf === null) return new Array<HeaderPair>(0);
  return decodePairs(changetype<usize>(buf), <usize>buf.byteLength);
}

/** All values of `key` (compared case-insensitively for ASCII) in a decoded list. */
export function pairsGetAll(pairs: Headers, key: string): string[] {
  const out = new Array<string>();
  const k = key.toLowerCase();
  for (let i = 0, n = pairs.length; i < n; i++) {
    const p = unchecked(pairs[i]);
    if (p.key == k || p.key.toLowerCase() == k) out.push(p.value);
  }
  return out;
}

/** First value of `key` in a decoded list, or null. */
export function pairsGet(pairs: Headers, key: string): string | null {
  const k = key.toLowerCase();
  for (let i = 0, n = pairs.length; i < n; i++) {
    const p = unchecked(pairs[i]);
    if (p.key == k || p.key.toLowerCase() == k) return p.value;
  }
  return null;
}

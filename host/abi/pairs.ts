// Header/metadata map serialization ("pairs", reference §7.1) with cpp-host PairsUtil rules.

export type HeaderPair = [string, string];
/** Raw pair: key and value as bytes (values may hold anything, incl. NUL and invalid UTF-8). */
export type BytePair = [Uint8Array, Uint8Array];

export const PAIRS_MAX_COUNT = 1024;
export const PAIRS_MAX_BYTES = 1024 * 1024;

const enc = new TextEncoder();
export const utf8 = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? enc.encode(s) : s);
const dec = new TextDecoder('utf-8', { fatal: false });
export const text = (b: Uint8Array): string => dec.decode(b);
/** Bytes → "binary" string (one char per byte, lossless). Header values are kept this way internally. */
export const latin1 = (b: Uint8Array): string => (b.length === 0 ? '' : latin1Slice.call(b, 0, b.length));
/** Buffer#toString('latin1')'s own codec, on any Uint8Array (no Buffer copy per call). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, s: number, e: number): string }).latin1Slice;
export const fromLatin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Serialize pairs: u32 N, N×(u32 klen, u32 vlen), then key\0value\0 … */
export function serializePairs(pairs: ReadonlyArray<readonly [string | Uint8Array, string | Uint8Array]>): Uint8Array {
  const items = pairs.map(([k, v]) => [utf8(k), utf8(v)] as const);
  let size = 4 + items.length * 8;
  for (const [k, v] of items) size += k.length + v.length + 2;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, items.length, true);
  let p = 4;
  for (const [k, v] of items) {
    dv.setUint32(p, k.length, true);
    dv.setUint32(p + 4, v.length, true);
    p += 8;
  }
  for (const [k, v] of items) {
    out.set(k, p); p += k.length; out[p++] = 0;
    out.set(v, p); p += v.length; out[p++] = 0;
  }
  return out;
}

/**
 * Parse pairs exactly like cpp-host `PairsUtil::toPairs`: ≥ 4 bytes, N ≤ 1024, total ≤ 1 MiB,
 * every key and value followed by NUL, buffer ends exactly after the last NUL.
 * Any violation (or an input shorter than 4 bytes) → empty list, never an error.
 */
export function parsePairs(buf: Uint8Array): BytePair[] {
  if (buf.length < 4 || buf.length > PAIRS_MAX_BYTES) return [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getUint32(0, true);
  if (n > PAIRS_MAX_COUNT) return [];
  if (4 + n * 8 > buf.length) return [];
  let p = 4 + n * 8;
  // the size table is read in place (entry i at 4 + 8i) while the data is walked
  const out: BytePair[] = [];
  for (let i = 0; i < n; i++) {
    const kl = dv.getUint32(4 + 8 * i, true), vl = dv.getUint32(8 + 8 * i, true);
    if (p + kl + 1 > buf.length || buf[p + kl] !== 0) return [];
    const k = buf.slice(p, p + kl);
    p += kl + 1;
    if (p + vl + 1 > buf.length || buf[p + vl] !== 0) return [];
    const v = buf.slice(p, p + vl);
    p += vl + 1;
    out.push([k, v]);
  }
  if (p !== buf.length) return [];
  return out;
}

/** Parse to strings (keys/values decoded as latin1 so every byte survives). */
export function parsePairsLatin1(buf: Uint8Array): HeaderPair[] {
  return parsePairs(buf).map(([k, v]) => [latin1(k), latin1(v)]);
}

// Minimal protobuf wire-format reader (for foreign-function args and GrpcService).

export interface ProtoFields {
  fields: Map<number, Array<bigint | Uint8Array>>;
  str(n: number): string | undefined;
  bytes(n: number): Uint8Array | undefined;
  varint(n: number): bigint | undefined;
}

/** Buffer#toString('utf8')'s own decoder, on any Uint8Array (no Buffer object per call). */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, s: number, e: number): string }).utf8Slice;

/** One decoded message level; the getters read the last occurrence of a field (proto3 merge rule). */
class Fields implements ProtoFields {
  constructor(readonly fields: Map<number, Array<bigint | Uint8Array>>) {}
  private last(n: number): bigint | Uint8Array | undefined { return this.fields.get(n)?.at(-1); }
  str(n: number): string | undefined { const v = this.last(n); return v instanceof Uint8Array ? utf8Slice.call(v, 0, v.length) : undefined; }
  bytes(n: number): Uint8Array | undefined { const v = this.last(n); return v instanceof Uint8Array ? v : undefined; }
  varint(n: number): bigint | undefined { const v = this.last(n); return typeof v === 'bigint' ? v : undefined; }
}

/**
 * A varint at b[at..]: its value and end, or null when truncated or longer than 10 bytes. Values of
 * up to 7 bytes (49 bits) are summed as numbers; longer ones in BigInt (as before: the low 64+ bits, no overflow check).
 */
let vEnd = 0;
function varintAt(b: Uint8Array, at: number): bigint | null {
  let r = 0;
  for (let i = 0; i < 7; i++) {
    if (at >= b.length) return null;
    const x = b[at++];
    r += (x & 0x7f) * 2 ** (7 * i);
    if (!(x & 0x80)) { vEnd = at; return BigInt(r); }
  }
  let big = BigInt(r), s = 49n;
  for (let i = 7; i < 10; i++) {
    if (at >= b.length) return null;
    const x = b[at++];
    big |= BigInt(x & 0x7f) << s;
    if (!(x & 0x80)) { vEnd = at; return big; }
    s += 7n;
  }
  return null;
}

/** Decode one message level; null if the bytes are not valid wire format. */
export function decodeProto(b: Uint8Array): ProtoFields | null {
  const fields = new Map<number, Array<bigint | Uint8Array>>();
  let p = 0;
  while (p < b.length) {
    // keys and lengths below 128 (one byte, the common case) without BigInt arithmetic
    let num: number, wt: number;
    if (b[p] < 0x80) { num = b[p] >> 3; wt = b[p] & 7; p++; }
    else {
      const key = varintAt(b, p);
      if (key === null) return null;
      p = vEnd;
      num = Number(key >> 3n); wt = Number(key & 7n);
    }
    if (num === 0) return null;
    let v: bigint | Uint8Array;
    if (wt === 0) { const x = varintAt(b, p); if (x === null) return null; p = vEnd; v = x; }
    else if (wt === 2) {
      let l: number;
      if (p < b.length && b[p] < 0x80) l = b[p++];
      else {
        const big = varintAt(b, p);
        if (big === null) return null;
        p = vEnd;
        l = Number(big);
      }
      if (p + l > b.length) return null;
      v = b.slice(p, p + l); p += l;
    } else if (wt === 1) { if (p + 8 > b.length) return null; v = b.slice(p, p + 8); p += 8; }
    else if (wt === 5) { if (p + 4 > b.length) return null; v = b.slice(p, p + 4); p += 4; }
    else return null;
    const list = fields.get(num);
    if (list) list.push(v); else fields.set(num, [v]);
  }
  return new Fields(fields);
}

/** Encode helpers for tests: length-delimited / varint fields. */
export function protoField(num: number, value: Uint8Array | string | number | bigint | boolean): Uint8Array {
  const vi = (x: bigint): number[] => { const o: number[] = []; do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; o.push(b); } while (x); return o; };
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const v = typeof value === 'string' ? Buffer.from(value) : value;
    return Uint8Array.from([...vi(BigInt((num << 3) | 2)), ...vi(BigInt(v.length)), ...v]);
  }
  const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  return Uint8Array.from([...vi(BigInt(num << 3)), ...vi(n)]);
}
export const protoConcat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

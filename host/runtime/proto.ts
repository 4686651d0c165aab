// Minimal protobuf wire-format reader (for foreign-function args and GrpcService).

export interface ProtoFields {
  fields: Map<number, Array<bigint | Uint8Array>>;
  str(n: number): string | undefined;
  bytes(n: number): Uint8Array | undefined;
  varint(n: number): bigint | undefined;
}

/** Decode one message level; null if the bytes are not valid wire format. */
export function decodeProto(b: Uint8Array): ProtoFields | null {
  const fields = new Map<number, Array<bigint | Uint8Array>>();
  let p = 0;
  const varint = (): bigint | null => {
    let r = 0n, s = 0n;
    for (let i = 0; i < 10; i++) {
      if (p >= b.length) return null;
      const x = b[p++];
      r |= BigInt(x & 0x7f) << s;
      if (!(x & 0x80)) return r;
      s += 7n;
    }
    return null;
  };
  while (p < b.length) {
    const key = varint();
    if (key === null) return null;
    const num = Number(key >> 3n), wt = Number(key & 7n);
    if (num === 0) return null;
    let v: bigint | Uint8Array;
    if (wt === 0) { const x = varint(); if (x === null) return null; v = x; }
    else if (wt === 2) {
      const l = varint();
      if (l === null || p + Number(l) > b.length) return null;
      v = b.slice(p, p + Number(l)); p += Number(l);
    } else if (wt === 1) { if (p + 8 > b.length) return null; v = b.slice(p, p + 8); p += 8; }
    else if (wt === 5) { if (p + 4 > b.length) return null; v = b.slice(p, p + 4); p += 4; }
    else return null;
    (fields.get(num) ?? fields.set(num, []).get(num)!).push(v);
  }
  const last = (n: number) => fields.get(n)?.at(-1);
  return {
    fields,
    str: (n) => { const v = last(n); return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined; },
    bytes: (n) => { const v = last(n); return v instanceof Uint8Array ? v : undefined; },
    varint: (n) => { const v = last(n); return typeof v === 'bigint' ? v : undefined; },
  };
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

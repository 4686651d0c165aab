// Property paths (§7.2) and property value encodings (§7.3).
import { serializePairs } from './pairs.ts';

/** Split a property path: segments separated by NUL; a trailing NUL is tolerated. */
export function splitPath(path: Uint8Array): Uint8Array[] {
  let end = path.length;
  if (end > 0 && path[end - 1] === 0) end--;
  const segs: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || path[i] === 0) {
      segs.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return segs;
}
/** Build a NUL-separated path from segments (what SDKs send). */
export function joinPath(segments: string[]): Uint8Array {
  return new TextEncoder().encode(segments.join('\0'));
}

/** A typed property value, as CEL would hold it. */
export type PropertyValue =
  | { type: 'string'; value: string }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'int'; value: bigint }
  | { type: 'uint'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'timestamp'; value: bigint /* ns since epoch */ }
  | { type: 'duration'; value: bigint /* ns */ }
  | { type: 'map'; value: Array<[string, PropertyValue]> }
  | { type: 'list'; value: PropertyValue[] }
  | { type: 'proto'; value: Uint8Array }
  | { type: 'object' /* not serializable: SerializationFailure */ };

export const str = (value: string): PropertyValue => ({ type: 'string', value });
export const int = (v: number | bigint): PropertyValue => ({ type: 'int', value: BigInt(v) });
export const uint = (v: number | bigint): PropertyValue => ({ type: 'uint', value: BigInt(v) });

const u64 = (v: bigint, signed: boolean) => {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  if (signed) dv.setBigInt64(0, BigInt.asIntN(64, v), true);
  else dv.setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
};

/** Envoy `serializeValue`; returns null for non-serializable values (→ SerializationFailure). */
export function encodeProperty(v: PropertyValue): Uint8Array | null {
  switch (v.type) {
    case 'string': return new TextEncoder().encode(v.value);
    case 'bytes': case 'proto': return v.value;
    case 'int': case 'timestamp': case 'duration': return u64(v.value, true);
    case 'uint': return u64(v.value, false);
    case 'double': { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v.value, true); return b; }
    case 'bool': return Uint8Array.of(v.value ? 1 : 0);
    case 'map': {
      const pairs: [Uint8Array, Uint8Array][] = [];
      for (const [k, val] of v.value) {
        const e = encodeProperty(val);
        if (!e) return null;
        pairs.push([new TextEncoder().encode(k), e]);
      }
      return serializePairs(pairs);
    }
    case 'list': {
      const pairs: [Uint8Array, Uint8Array][] = [];
      for (const val of v.value) {
        const e = encodeProperty(val);
        if (!e) return null;
        pairs.push([e, new Uint8Array(0)]);
      }
      return serializePairs(pairs);
    }
    case 'object': return null;
  }
}

/** Decoders for tests and SDK authors. */
export const decodeProperty = {
  string: (b: Uint8Array) => new TextDecoder().decode(b),
  int: (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true),
  uint: (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true),
  double: (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true),
  bool: (b: Uint8Array) => b.length === 1 && b[0] !== 0,
};

/**
 * Convert a loosely typed value supplied by a test/gateway into a PropertyValue:
 * string → string, integer number/bigint → int, non-integer number → double, boolean → bool,
 * Uint8Array → bytes, Date → timestamp, plain object → map of converted values, array → list;
 * a PropertyValue (object with `type`) is taken as is.
 */
export function toPropertyValue(v: unknown): PropertyValue {
  if (typeof v === 'string') return str(v);
  if (typeof v === 'bigint') return int(v);
  if (typeof v === 'number') return Number.isInteger(v) ? int(v) : { type: 'double', value: v };
  if (typeof v === 'boolean') return { type: 'bool', value: v };
  if (v instanceof Uint8Array) return { type: 'bytes', value: v };
  if (v instanceof Date) return { type: 'timestamp', value: BigInt(v.getTime()) * 1_000_000n };
  if (Array.isArray(v)) return { type: 'list', value: v.map(toPropertyValue) };
  if (v && typeof v === 'object') {
    if ('type' in v && typeof (v as { type: unknown }).type === 'string') return v as PropertyValue;
    return { type: 'map', value: Object.entries(v).map(([k, x]) => [k, toPropertyValue(x)]) };
  }
  return { type: 'object' };
}

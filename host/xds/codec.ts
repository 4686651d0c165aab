// Envoy resources between their proto3-JSON form (what envoy.yaml and the policy compiler write) and
// protobuf bytes (what travels in an xDS `google.protobuf.Any`).
//
// Why not `Type.fromObject` alone: protobufjs' object form is not proto3 JSON. Durations are "0.25s" in
// JSON but {seconds, nanos} in protobufjs, wrappers are bare values in JSON, Struct is plain JSON, field
// names may be lowerCamel, and a nested Any must be packed with its own type. `toProtoObject` converts
// those, walking the message type; the result is then encoded by protobufjs. Resources are checked
// against Envoy's protos (PGV rules included) by host/envoy-config before they are encoded, so this
// walker can assume well-formed input and stays small.
import protobuf from 'protobufjs';
import { resolveType } from '../envoy-config/protos.ts';
import { validateEnvoyConfig } from '../envoy-config/validate.ts';
import type { AnyMessage } from './protos.ts';

export type JsonObject = { [k: string]: unknown };

function typeOf(typeUrl: string): protobuf.Type {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const t = resolveType(name);
  if (!(t instanceof protobuf.Type)) throw new Error(`unknown message type ${JSON.stringify(typeUrl)}`);
  return t;
}

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `.google.protobuf.${n}`));

const SPECIAL_JSON = new Set([...WRAPPERS, ...['Duration', 'Timestamp', 'Struct', 'Value', 'ListValue', 'FieldMask', 'Any'].map((n) => `.google.protobuf.${n}`)]);

function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** "1.5s" → {seconds, nanos}. */
function duration(s: unknown): { seconds: string; nanos: number } {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(String(s));
  if (!m) throw new Error(`bad duration ${JSON.stringify(s)}`);
  const sign = m[1] ? -1 : 1;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return { seconds: `${m[1] ?? ''}${m[2]}`, nanos: sign * nanos };
}

function timestamp(s: unknown): { seconds: string; nanos: number } {
  const ms = Date.parse(String(s));
  if (Number.isNaN(ms)) throw new Error(`bad timestamp ${JSON.stringify(s)}`);
  const frac = /\.(\d{1,9})/.exec(String(s));
  return { seconds: String(Math.floor(ms / 1000)), nanos: frac ? Number(frac[1].padEnd(9, '0')) : 0 };
}

function value(v: unknown): object {
  if (v === null) return { null_value: 'NULL_VALUE' };
  if (typeof v === 'number') return { number_value: v };
  if (typeof v === 'string') return { string_value: v };
  if (typeof v === 'boolean') return { bool_value: v };
  if (Array.isArray(v)) return { list_value: { values: v.map(value) } };
  return { struct_value: struct(v) };
}
function struct(o: unknown): object {
  const fields: Record<string, object> = {};
  for (const [k, v] of Object.entries(o as JsonObject)) fields[k] = value(v);
  return { fields };
}

/** A proto3-JSON value of message type `t` in protobufjs object form. */
function messageValue(json: unknown, t: protobuf.Type): unknown {
  switch (t.fullName) {
    case '.google.protobuf.Duration':
      return duration(json);
    case '.google.protobuf.Timestamp':
      return timestamp(json);
    case '.google.protobuf.Struct':
      return struct(json);
    case '.google.protobuf.Value':
      return value(json);
    case '.google.protobuf.ListValue':
      return { values: (json as unknown[]).map(value) };
    case '.google.protobuf.Any':
      return packAny(json as JsonObject);
    case '.google.protobuf.FieldMask':
      return { paths: String(json).split(',').filter(Boolean) };
  }
  if (WRAPPERS.has(t.fullName)) return { value: json };
  return toProtoObject(json as JsonObject, t);
}

function fieldValue(json: unknown, f: protobuf.Field): unknown {
  f.resolve();
  if (f.resolvedType instanceof protobuf.Type) return messageValue(json, f.resolvedType);
  return json; // scalars, enums (names or numbers), bytes (base64): protobufjs' fromObject takes them
}

/** Converts proto3 JSON of message type `t` to protobufjs object form (keepCase field names). */
export function toProtoObject(json: JsonObject, t: protobuf.Type): JsonObject {
  const out: JsonObject = {};
  const byJsonName = new Map<string, protobuf.Field>();
  for (const f of t.fieldsArray) {
    byJsonName.set(f.name, f);
    byJsonName.set(camel(f.name), f);
  }
  for (const [k, v] of Object.entries(json)) {
    if (v === null) continue;
    const f = byJsonName.get(k);
    if (!f) throw new Error(`unknown field ${JSON.stringify(k)} in ${t.fullName.slice(1)}`);
    if (f instanceof protobuf.MapField) {
      const m: JsonObject = {};
      for (const [mk, mv] of Object.entries(v as JsonObject)) m[mk] = fieldValue(mv, f);
      out[f.name] = m;
    } else if (f.repeated) {
      out[f.name] = (v as unknown[]).map((x) => fieldValue(x, f));
    } else {
      out[f.name] = fieldValue(v, f);
    }
  }
  return out;
}

/** Packs a proto3-JSON Any (`{"@type": …, …fields}`, or `{"@type": WKT, "value": …}`) as {type_url, value}. */
export function packAny(json: JsonObject): AnyMessage {
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string') throw new Error('Any without "@type"');
  const t = typeOf(typeUrl);
  const { '@type': _drop, ...rest } = json;
  // well-known types with a special JSON form sit under "value" (proto3 JSON mapping of Any)
  const obj = SPECIAL_JSON.has(t.fullName) ? messageValue(rest.value, t) : toProtoObject(rest, t);
  return { type_url: typeUrl, value: t.encode(t.fromObject(obj as JsonObject)).finish() };
}

/**
 * Validates `json` as a resource of `typeUrl` against Envoy's protos and encodes it. Throws an Error whose
 * message lists every problem as `path: message` (paths start at the resource).
 */
export function encodeResource(typeUrl: string, json: JsonObject): AnyMessage {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const r = validateEnvoyConfig(json, { root: name });
  if (!r.ok) throw new Error(`invalid ${name}: ${r.errors.join('; ')}`);
  const t = typeOf(typeUrl);
  return { type_url: typeUrl, value: t.encode(t.fromObject(toProtoObject(json, t))).finish() };
}

/** Decodes an Any to a protobufjs object (keepCase names, enums as names, longs as strings). */
export function decodeAny(any: AnyMessage): JsonObject {
  const t = typeOf(any.type_url);
  return t.toObject(t.decode(any.value), { enums: String, longs: String, bytes: String, defaults: false, oneofs: true }) as JsonObject;
}

/** Decodes an embedded Any held in a decoded message (protobufjs gives `{type_url, value}` with base64 value). */
export function nestedAny(o: unknown): AnyMessage | null {
  if (!o || typeof o !== 'object') return null;
  const { type_url, value } = o as { type_url?: string; value?: string | Uint8Array };
  if (typeof type_url !== 'string' || value === undefined) return null;
  return { type_url, value: typeof value === 'string' ? Buffer.from(value, 'base64') : value };
}

// ------------------------------------------------------------------------------ back to proto3 JSON

function jsonValue(v: JsonObject): unknown {
  if ('null_value' in v) return null;
  if ('number_value' in v) return v.number_value;
  if ('string_value' in v) return v.string_value;
  if ('bool_value' in v) return v.bool_value;
  if ('list_value' in v) return (((v.list_value as JsonObject).values as JsonObject[]) ?? []).map(jsonValue);
  if ('struct_value' in v) return jsonStruct(v.struct_value as JsonObject);
  return null;
}
function jsonStruct(s: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries((s.fields as Record<string, JsonObject>) ?? {})) out[k] = jsonValue(v);
  return out;
}

/** A protobufjs object (toObject with longs/enums/bytes as String) of type `t` as proto3 JSON. */
function fromProtoObject(o: JsonObject, t: protobuf.Type): unknown {
  switch (t.fullName) {
    case '.google.protobuf.Duration': {
      const nanos = Number(o.nanos ?? 0);
      const s = String(o.seconds ?? '0');
      return nanos ? `${s}.${String(Math.abs(nanos)).padStart(9, '0').replace(/0+$/, '')}s` : `${s}s`;
    }
    case '.google.protobuf.Timestamp':
      return new Date(Number(o.seconds ?? 0) * 1000 + Math.floor(Number(o.nanos ?? 0) / 1e6)).toISOString();
    case '.google.protobuf.Struct':
      return jsonStruct(o);
    case '.google.protobuf.Value':
      return jsonValue(o);
    case '.google.protobuf.ListValue':
      return ((o.values as JsonObject[]) ?? []).map(jsonValue);
    case '.google.protobuf.Any':
      return anyToJson({ type_url: String(o.type_url), value: Buffer.from(String(o.value ?? ''), 'base64') });
    case '.google.protobuf.FieldMask':
      return ((o.paths as string[]) ?? []).join(',');
  }
  if (WRAPPERS.has(t.fullName)) return o.value ?? (t.fullName.endsWith('StringValue') || t.fullName.endsWith('BytesValue') ? '' : t.fullName.endsWith('BoolValue') ? false : 0);
  const out: JsonObject = {};
  for (const f of t.fieldsArray) {
    const v = o[f.name];
    if (v === undefined || v === null) continue;
    f.resolve();
    const conv = (x: unknown) => (f.resolvedType instanceof protobuf.Type ? fromProtoObject(x as JsonObject, f.resolvedType) : x);
    if (f instanceof protobuf.MapField) out[f.name] = Object.fromEntries(Object.entries(v as JsonObject).map(([k, x]) => [k, conv(x)]));
    else if (f.repeated) out[f.name] = (v as unknown[]).map(conv);
    else out[f.name] = conv(v);
  }
  return out;
}

/**
 * An Any as proto3 JSON, the form an Envoy YAML file uses: `{"@type": …, …fields}` (snake_case names),
 * or `{"@type": …, "value": …}` for well-known types with a special JSON form.
 */
export function anyToJson(any: AnyMessage): JsonObject {
  const t = typeOf(any.type_url);
  const o = t.toObject(t.decode(any.value), { enums: String, longs: String, bytes: String, defaults: false }) as JsonObject;
  const v = fromProtoObject(o, t);
  return SPECIAL_JSON.has(t.fullName) ? { '@type': any.type_url, value: v } : { '@type': any.type_url, ...(v as JsonObject) };
}

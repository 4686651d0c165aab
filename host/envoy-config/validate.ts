// validateEnvoyConfig: checks an Envoy config (YAML text, or an already-parsed proto3-JSON object)
// against Envoy's own API protos, the way Envoy parses a bootstrap:
//
//   * YAML → JSON as Envoy does it (see yaml.ts: plain `on` is a bool, `0.25` a string, …).
//   * proto3 JSON mapping, strict: an unknown field is an error (Envoy uses a strict validation visitor
//     for the static bootstrap and for typed configs); both `snake_case` and the lowerCamel JSON name
//     are accepted, but not both for the same field; `null` leaves a field unset.
//   * scalars: strings must be strings (`name: 123` is an error, as in Envoy), bools must be bools,
//     integers numbers or integer strings within the type's range, doubles numbers or numeric strings,
//     bytes base64, enums a value name (or an integer).
//   * well-known types in their JSON forms: Duration ("5s", "0.25s"), Timestamp (RFC 3339), wrappers
//     (StringValue, BoolValue, UInt32Value, …: the bare value), Struct / Value / ListValue (any JSON),
//     FieldMask, Empty.
//   * Any: `@type` required, resolved by the name after the last `/` in the loaded protos (loading the
//     package's protos on demand), then its other keys checked as that message, recursively (a
//     well-known type inside an Any is `{"@type": …, "value": …}`). xds.type.v3.TypedStruct and
//     udpa.type.v1.TypedStruct: `value` is also checked as the message named by `type_url`.
//   * oneofs: at most one member set; with `(validate.required)` exactly one.
//   * protoc-gen-validate rules (the ones Envoy's API actually uses):
//       message.required; any.required/in/not_in; duration.required/const/lt/lte/gt/gte;
//       string const/len/min_len/max_len/min_bytes/max_bytes/len_bytes/prefix/suffix/contains/
//       not_contains/in/not_in/pattern (as a JS RegExp; skipped if JS can't compile it)/
//       well_known_regex (HTTP_HEADER_NAME, HTTP_HEADER_VALUE, strict or not)/ip/ipv4/ipv6;
//       bytes min_len/max_len/len; bool const; enum const/defined_only/in/not_in;
//       every numeric type const/lt/lte/gt/gte/in/not_in (also on wrapper fields);
//       repeated min_items/max_items/unique/items; map min_pairs/max_pairs/keys/values; ignore_empty.
//     As in PGV-generated code, scalar rules apply to an absent proto3 scalar's default value (so a
//     missing `string address = 2 [min_len: 1]` fails), rules on a oneof member only when it is set,
//     and message rules other than `required` only when the message is present.
//     Not checked: string email/hostname/uri/uri_ref/address/uuid, timestamp rules, bytes patterns,
//     message.skip and (validate.disabled) (neither occurs in the vendored protos).
//   * `deprecated = true` fields and enum values → warnings; `(envoy.annotations.disallowed_by_default)`
//     fields / `(envoy.annotations.disallowed_by_default_enum)` values → errors (Envoy rejects them
//     unless a runtime override is set).
//
// Not checked (Envoy checks these later, with its extension registry and factories): whether a
// `@type` is a *registered* extension of the right kind for its position (an HTTP filter's config
// under `http_filters`, …), the extension `name`, cross references (a route's cluster exists),
// filesystem paths, and factory-specific checks done in C++.
import { isIP } from 'node:net';
import protobuf from 'protobufjs';
import { getRoot, resolveType, stats } from './protos.ts';
import { envoyYamlToJson, type Json } from './yaml.ts';

export const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

export interface ValidateOptions {
  /** Fully qualified message type of the document (default envoy.config.bootstrap.v3.Bootstrap). */
  root?: string;
}

export interface ValidationResult {
  ok: boolean;
  /** `path: message`, path like `static_resources.listeners[0].filter_chains[0]…` */
  errors: string[];
  /** deprecated fields / enum values in use */
  warnings: string[];
  /** every envoy.config.core.v3.DataSource `filename` met, with its path */
  files: { path: string; filename: string }[];
  /** the JSON value that was checked (after Envoy's YAML conversion) */
  json: Json;
}

type Obj = { [k: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const fullName = (t: protobuf.ReflectionObject) => t.fullName.replace(/^\./, '');

// ---------------------------------------------------------------- reflection helpers (cached)

const fieldMaps = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
function fieldsOf(t: protobuf.Type): Map<string, protobuf.Field> {
  let m = fieldMaps.get(t);
  if (!m) {
    m = new Map();
    for (const f of t.fieldsArray) {
      m.set(f.name, f);
      m.set(jsonName(f), f);
    }
    fieldMaps.set(t, m);
  }
  return m;
}

function jsonName(f: protobuf.Field): string {
  const explicit = f.options?.json_name;
  if (typeof explicit === 'string') return explicit;
  return f.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_/g, '');
}

type Rules = { [k: string]: any };
const ruleCache = new WeakMap<object, Rules | null>();

function setDeep(target: Rules, path: string[], value: unknown): void {
  let o = target;
  for (let i = 0; i < path.length - 1; i++) o = o[path[i]] = isObj(o[path[i]]) ? o[path[i]] : {};
  const last = path[path.length - 1];
  if (isObj(o[last]) && isObj(value)) mergeDeep(o[last], value as Rules);
  else if (Array.isArray(o[last]) && !Array.isArray(value)) o[last].push(value);
  else o[last] = value;
}
function mergeDeep(a: Rules, b: Rules): void {
  for (const [k, v] of Object.entries(b)) setDeep(a, [k], v);
}

/** The `(validate.rules)` of a field, merged from protobufjs's parsedOptions. */
function rulesOf(f: protobuf.Field): Rules | null {
  if (ruleCache.has(f)) return ruleCache.get(f)!;
  let rules: Rules | null = null;
  for (const po of (f.parsedOptions as Record<string, unknown>[] | undefined) ?? []) {
    for (const [k, v] of Object.entries(po)) {
      if (!k.startsWith('(validate.rules)')) continue;
      rules ??= {};
      const rest = k.slice('(validate.rules)'.length).split('.').filter(Boolean);
      if (rest.length) setDeep(rules, rest, v);
      else if (isObj(v)) mergeDeep(rules, v as Rules);
    }
  }
  ruleCache.set(f, rules);
  return rules;
}

function realOneofs(t: protobuf.Type): protobuf.OneOf[] {
  return t.oneofsArray.filter((o) => !o.fieldsArray.every((f) => f.options?.proto3_optional));
}

const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};
/** Well-known types whose JSON form is not an object of fields (inside an Any: `{"@type", "value"}`). */
const SPECIAL_JSON = new Set([
  ...Object.keys(WRAPPERS),
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Any',
]);
const TYPED_STRUCTS = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

const INVALID = Symbol('invalid');
type Parsed = string | number | bigint | boolean | Uint8Array | Json | typeof INVALID | Parsed[] | { [k: string]: Parsed };
const list = (x: unknown): unknown[] | null => (x == null ? null : Array.isArray(x) ? x : [x]);
const isRules = (x: unknown): boolean => typeof x === 'object' && x !== null && !Array.isArray(x);

// ---------------------------------------------------------------- the walker

class Walker {
  errors: string[] = [];
  warnings: string[] = [];
  files: { path: string; filename: string }[] = [];

  err(path: string, msg: string): void {
    this.errors.push(`${path || '<root>'}: ${msg}`);
  }

  /** A message value (object) of type `t`; returns a value for PGV rules (wrappers unwrap) or INVALID. */
  message(v: Json, t: protobuf.Type, path: string, depth: number): Parsed {
    if (depth > 100) {
      this.err(path, 'nested too deeply');
      return INVALID;
    }
    const name = fullName(t);
    if (name === 'google.protobuf.Any') return this.any(v, path, depth);
    if (name in WRAPPERS) return this.scalar(v, WRAPPERS[name], path);
    switch (name) {
      case 'google.protobuf.Duration':
        return this.duration(v, path);
      case 'google.protobuf.Timestamp':
        if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
          this.err(path, `expected an RFC 3339 timestamp string (google.protobuf.Timestamp), got ${describe(v)}`);
          return INVALID;
        }
        return v;
      case 'google.protobuf.FieldMask':
        if (typeof v !== 'string') {
          this.err(path, `expected a comma-separated string (google.protobuf.FieldMask), got ${describe(v)}`);
          return INVALID;
        }
        return v;
      case 'google.protobuf.Struct':
        if (!isObj(v)) {
          this.err(path, `expected an object (google.protobuf.Struct), got ${describe(v)}`);
          return INVALID;
        }
        return v;
      case 'google.protobuf.ListValue':
        if (!Array.isArray(v)) {
          this.err(path, `expected a list (google.protobuf.ListValue), got ${describe(v)}`);
          return INVALID;
        }
        return v;
      case 'google.protobuf.Value':
        return v;
    }
    if (!isObj(v)) {
      this.err(path, `expected an object (${name}), got ${describe(v)}`);
      return INVALID;
    }
    this.fields(v, t, path, depth, new Set());
    return v;
  }

  /** The fields of object `v` as message `t` (keys in `skip` are not fields, e.g. `@type`). */
  fields(v: Obj, t: protobuf.Type, path: string, depth: number, skip: Set<string>): void {
    const byName = fieldsOf(t);
    const seen = new Map<protobuf.Field, string>();
    for (const [key, val] of Object.entries(v)) {
      if (skip.has(key)) continue;
      const f = byName.get(key);
      const p = join(path, key);
      if (!f) {
        const hint = suggest(key, [...new Set(t.fieldsArray.map((x) => x.name))]);
        this.err(p, `unknown field '${key}' in ${fullName(t)}${hint ? ` (did you mean '${hint}'?)` : ''}`);
        continue;
      }
      if (seen.has(f)) {
        this.err(p, `field '${f.name}' given twice (as '${seen.get(f)}' and '${key}')`);
        continue;
      }
      seen.set(f, key);
      f.resolve();
      if (val === null && !isNullable(f)) continue; // proto3 JSON: null = unset
      if (f.options?.deprecated) this.warnings.push(`${p}: field '${f.name}' of ${fullName(t)} is deprecated`);
      if (f.options?.['(envoy.annotations.disallowed_by_default)']) {
        this.err(p, `field '${f.name}' of ${fullName(t)} is disallowed by default (deprecated)`);
      }
      this.field(f, val, p, depth);
    }
    // oneofs
    for (const o of realOneofs(t)) {
      const set = o.fieldsArray.filter((f) => seen.has(f) && (v[seen.get(f)!] !== null || isNullable(f)));
      if (set.length > 1) {
        this.err(path, `oneof '${o.name}' of ${fullName(t)}: at most one of ${o.fieldsArray.map((f) => f.name).join(', ')} may be set, got ${set.map((f) => seen.get(f)).join(' and ')}`);
      } else if (set.length === 0 && o.options?.['(validate.required)']) {
        this.err(path, `oneof '${o.name}' of ${fullName(t)}: one of ${o.fieldsArray.map((f) => f.name).join(', ')} is required`);
      }
    }
    // PGV rules on absent fields (present ones were checked in field())
    for (const f of t.fieldsArray) {
      if (seen.has(f) && (v[seen.get(f)!] !== null || isNullable(f))) continue;
      const rules = rulesOf(f);
      if (!rules) continue;
      if (f.partOf && !f.options?.proto3_optional) continue; // oneof member: rules apply only when it is set
      f.resolve();
      const p = join(path, f.name);
      if (f.map || f.repeated) {
        this.applyRules(rules, f.map ? 'map' : 'repeated', f.map ? {} : [], p, f);
        continue;
      }
      if (f.resolvedType instanceof protobuf.Type) {
        if (rules.message?.required || rules.duration?.required || rules.any?.required || rules.timestamp?.required) {
          this.err(p, `required field '${f.name}' of ${fullName(t)} is missing`);
        }
        continue;
      }
      if (f.options?.proto3_optional) continue; // explicit presence: unset means unset
      const def: Parsed =
        f.resolvedType instanceof protobuf.Enum ? 0 : f.type === 'string' ? '' : f.type === 'bool' ? false : f.type === 'bytes' ? new Uint8Array() : 0;
      this.applyRules(rules, ruleKind(f), def, p, f, true);
    }
  }

  field(f: protobuf.Field, val: Json, path: string, depth: number): void {
    const rules = rulesOf(f);
    if (f.map) {
      if (!isObj(val)) {
        this.err(path, `expected an object (map<${(f as unknown as protobuf.MapField).keyType}, ${f.type}>), got ${describe(val)}`);
        return;
      }
      const keyType = (f as unknown as protobuf.MapField).keyType;
      const parsed: Record<string, Parsed> = {};
      for (const [k, item] of Object.entries(val)) {
        const p = /^[A-Za-z_][\w-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
        if (keyType !== 'string') {
          const kv = keyType === 'bool' ? (k === 'true' || k === 'false' ? k : INVALID) : this.scalar(k, keyType, p, true);
          if (kv === INVALID) this.err(p, `map key ${JSON.stringify(k)} is not a valid ${keyType}`);
        }
        if (item === null && !isNullable(f)) {
          this.err(p, 'null map value');
          continue;
        }
        parsed[k] = this.single(f, item, p, depth, null);
      }
      if (rules) this.applyRules(rules, 'map', parsed, path, f);
      return;
    }
    if (f.repeated) {
      if (!Array.isArray(val)) {
        this.err(path, `expected a list (repeated ${f.type}), got ${describe(val)}`);
        return;
      }
      const items = val.map((item, i) => {
        if (item === null && !isNullable(f)) {
          this.err(`${path}[${i}]`, 'null list element');
          return INVALID;
        }
        return this.single(f, item, `${path}[${i}]`, depth, null);
      });
      if (rules) this.applyRules(rules, 'repeated', items, path, f);
      return;
    }
    this.single(f, val, path, depth, rules);
  }

  /** One (non-repeated) value of field f's type; applies `rules` (if given) to it. */
  single(f: protobuf.Field, val: Json, path: string, depth: number, rules: Rules | null): Parsed {
    const rt = f.resolvedType;
    let parsed: Parsed;
    if (rt instanceof protobuf.Type) {
      parsed = this.message(val, rt, path, depth + 1);
      if (fullName(rt) === 'envoy.config.core.v3.DataSource' && isObj(val) && typeof val.filename === 'string') {
        this.files.push({ path: join(path, 'filename'), filename: val.filename });
      }
    } else if (rt instanceof protobuf.Enum) {
      parsed = this.enumValue(val, rt, path);
    } else {
      parsed = this.scalar(val, f.type, path);
    }
    if (rules && parsed !== INVALID) this.applyRules(rules, ruleKind(f), parsed, path, f);
    return parsed;
  }

  any(v: Json, path: string, depth: number): Parsed {
    if (!isObj(v)) {
      this.err(path, `expected an object with "@type" (google.protobuf.Any), got ${describe(v)}`);
      return INVALID;
    }
    const url = v['@type'];
    if (typeof url !== 'string') {
      this.err(path, url === undefined ? 'google.protobuf.Any without "@type"' : `"@type" must be a string, got ${describe(url)}`);
      return INVALID;
    }
    const slash = url.lastIndexOf('/');
    const name = url.slice(slash + 1);
    if (slash < 0 || !name) {
      this.err(join(path, '@type'), `invalid type URL ${JSON.stringify(url)} (expected type.googleapis.com/<full.type.Name>)`);
      return INVALID;
    }
    let t: protobuf.Type | protobuf.Enum | null;
    try {
      t = resolveType(name);
    } catch (e) {
      this.err(join(path, '@type'), `cannot load the proto of ${name}: ${(e as Error).message}`);
      return INVALID;
    }
    if (!(t instanceof protobuf.Type)) {
      this.err(join(path, '@type'), `unknown type ${JSON.stringify(url)}: no message ${name} in Envoy's API protos`);
      return INVALID;
    }
    if (SPECIAL_JSON.has(name)) {
      for (const k of Object.keys(v)) {
        if (k !== '@type' && k !== 'value') this.err(join(path, k), `unknown field '${k}' (an Any holding ${name} has only "@type" and "value")`);
      }
      if (!('value' in v)) {
        // an empty wrapper / duration is its default value; fine for proto3
        return url;
      }
      this.message(v.value, t, join(path, 'value'), depth + 1);
      return url;
    }
    this.fields(v, t, path, depth + 1, new Set(['@type']));
    if (TYPED_STRUCTS.has(name) && typeof v.type_url === 'string' && isObj(v.value)) {
      const inner = v.type_url.slice(v.type_url.lastIndexOf('/') + 1);
      const it = safeResolve(inner);
      if (it instanceof protobuf.Type) this.message(v.value, it, join(path, 'value'), depth + 1);
      else this.err(join(path, 'type_url'), `unknown type ${JSON.stringify(v.type_url)}`);
    }
    return url;
  }

  duration(v: Json, path: string): Parsed {
    const m = typeof v === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
    if (!m) {
      this.err(path, `expected a duration string like "5s" or "0.25s" (google.protobuf.Duration), got ${describe(v)}`);
      return INVALID;
    }
    const secs = BigInt(m[2]);
    if (secs > 315576000000n) {
      this.err(path, `duration ${v} out of range (max 315576000000s)`);
      return INVALID;
    }
    const nanos = secs * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
    return m[1] ? -nanos : nanos;
  }

  enumValue(v: Json, e: protobuf.Enum, path: string): Parsed {
    if (typeof v === 'string') {
      if (!(v in e.values)) {
        const hint = suggest(v, Object.keys(e.values));
        this.err(path, `unknown value ${JSON.stringify(v)} for enum ${fullName(e)} (one of ${Object.keys(e.values).join(', ')})${hint ? `; did you mean '${hint}'?` : ''}`);
        return INVALID;
      }
      const opts = (e as unknown as { valuesOptions?: Record<string, Record<string, unknown>> }).valuesOptions?.[v];
      if (opts?.deprecated) this.warnings.push(`${path}: enum value ${v} of ${fullName(e)} is deprecated`);
      if (opts?.['(envoy.annotations.disallowed_by_default_enum)']) this.err(path, `enum value ${v} of ${fullName(e)} is disallowed by default (deprecated)`);
      return e.values[v];
    }
    if (fullName(e) === 'google.protobuf.NullValue' && v === null) return 0;
    if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
    this.err(path, `expected an enum value name of ${fullName(e)}, got ${describe(v)}`);
    return INVALID;
  }

  /** A scalar of proto type `type` in proto3 JSON form. `quiet`: no error, just INVALID. */
  scalar(v: Json, type: string, path: string, quiet = false): Parsed {
    const fail = (what: string): Parsed => {
      if (!quiet) this.err(path, `expected ${what}, got ${describe(v)}`);
      return INVALID;
    };
    switch (type) {
      case 'string':
        return typeof v === 'string' ? v : fail('a string (quote it)');
      case 'bool':
        return typeof v === 'boolean' ? v : fail('true or false');
      case 'bytes':
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(v)) return fail('a base64 string (bytes)');
        return new Uint8Array(Buffer.from(v, 'base64'));
      case 'double':
      case 'float': {
        let n: number;
        if (typeof v === 'number') n = v;
        else if (typeof v === 'string' && /^(NaN|-?Infinity|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/.test(v)) n = Number(v);
        else return fail(`a number (${type})`);
        if (type === 'float' && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) return fail('a number within float range');
        return n;
      }
      default: {
        const range = INT_RANGES[type];
        if (!range) return fail(`a ${type}`);
        let n: bigint;
        if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
        else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
        else return fail(`an integer (${type})`);
        if (n < range[0] || n > range[1]) return fail(`an integer in ${type} range [${range[0]}, ${range[1]}]`);
        return type.endsWith('64') ? n : Number(n);
      }
    }
  }

  // ------------------------------------------------------------ protoc-gen-validate rules

  applyRules(rules: Rules, kind: string, value: Parsed, path: string, f: protobuf.Field, isDefault = false): void {
    if (value === INVALID) return;
    const bad = (msg: string) => this.err(path, `${msg}${isDefault ? ` (field '${f.name}' is not set)` : ''} [validate.rules]`);
    if (kind === 'repeated') {
      const r = rules.repeated;
      if (!r) return;
      const items = value as Parsed[];
      if (r.ignore_empty && items.length === 0) return;
      if (r.min_items != null && items.length < Number(r.min_items)) bad(`needs at least ${r.min_items} item(s), got ${items.length}`);
      if (r.max_items != null && items.length > Number(r.max_items)) bad(`allows at most ${r.max_items} item(s), got ${items.length}`);
      if (r.unique) {
        const s = new Set(items.map((x) => JSON.stringify(x, (_k, y) => (typeof y === 'bigint' ? y.toString() : y))));
        if (s.size !== items.length) bad('items must be unique');
      }
      if (isRules(r.items)) {
        const k = ruleKind(f);
        items.forEach((it, i) => this.applyRules(r.items, k, it, `${path}[${i}]`, f));
      }
      return;
    }
    if (kind === 'map') {
      const r = rules.map;
      if (!r) return;
      const entries = Object.entries(value as Record<string, Parsed>);
      if (r.ignore_empty && entries.length === 0) return;
      if (r.min_pairs != null && entries.length < Number(r.min_pairs)) bad(`needs at least ${r.min_pairs} entries, got ${entries.length}`);
      if (r.max_pairs != null && entries.length > Number(r.max_pairs)) bad(`allows at most ${r.max_pairs} entries, got ${entries.length}`);
      const mk = (f as unknown as protobuf.MapField).keyType;
      if (isRules(r.keys)) for (const [k] of entries) this.applyRules(r.keys, mk, mk === 'string' ? k : this.scalar(k, mk, path, true), `${path}[${JSON.stringify(k)}]`, f);
      if (isRules(r.values)) for (const [k, v] of entries) this.applyRules(r.values, ruleKind(f), v, `${path}[${JSON.stringify(k)}]`, f);
      return;
    }
    const r: Rules = rules[kind];
    if (!isRules(r)) return;
    if (kind === 'message' || kind === 'any') {
      if (kind === 'any' && typeof value === 'string') {
        if (Array.isArray(r.in) && !r.in.includes(value)) bad(`@type must be one of ${r.in.join(', ')}`);
        if (Array.isArray(r.not_in) && r.not_in.includes(value)) bad(`@type must not be ${value}`);
      }
      return;
    }
    if (kind === 'string') {
      const s = value as string;
      if (r.ignore_empty && s === '') return;
      const chars = [...s].length;
      const bytes = Buffer.byteLength(s);
      if (r.const != null && s !== r.const) bad(`must be ${JSON.stringify(r.const)}`);
      if (r.len != null && chars !== Number(r.len)) bad(`must be exactly ${r.len} characters`);
      if (r.min_len != null && chars < Number(r.min_len)) bad(`must be at least ${r.min_len} character(s) long`);
      if (r.max_len != null && chars > Number(r.max_len)) bad(`must be at most ${r.max_len} characters long`);
      if (r.len_bytes != null && bytes !== Number(r.len_bytes)) bad(`must be exactly ${r.len_bytes} bytes`);
      if (r.min_bytes != null && bytes < Number(r.min_bytes)) bad(`must be at least ${r.min_bytes} byte(s) long`);
      if (r.max_bytes != null && bytes > Number(r.max_bytes)) bad(`must be at most ${r.max_bytes} bytes long`);
      if (r.prefix != null && !s.startsWith(r.prefix)) bad(`must start with ${JSON.stringify(r.prefix)}`);
      if (r.suffix != null && !s.endsWith(r.suffix)) bad(`must end with ${JSON.stringify(r.suffix)}`);
      if (r.contains != null && !s.includes(r.contains)) bad(`must contain ${JSON.stringify(r.contains)}`);
      if (r.not_contains != null && s.includes(r.not_contains)) bad(`must not contain ${JSON.stringify(r.not_contains)}`);
      const inList = r.in == null ? null : list(r.in)!;
      const notIn = r.not_in == null ? null : list(r.not_in)!;
      if (inList && !inList.includes(s as never)) bad(`must be one of ${inList.map((x) => JSON.stringify(x)).join(', ')}`);
      if (notIn && notIn.includes(s as never)) bad(`must not be ${JSON.stringify(s)}`);
      if (typeof r.pattern === 'string') {
        let re: RegExp | null = null;
        try {
          re = new RegExp(r.pattern, 'u');
        } catch {
          re = null; // RE2 syntax JS doesn't take: not checked
        }
        if (re && !re.test(s)) bad(`must match ${r.pattern}`);
      }
      const strict = r.strict !== false;
      if (r.well_known_regex === 'HTTP_HEADER_NAME') {
        const re = strict ? /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/ : /^[^\u0000\n\r]+$/;
        if (s !== '' && !re.test(s)) bad('must be a valid HTTP header name');
      } else if (r.well_known_regex === 'HTTP_HEADER_VALUE') {
        const re = strict ? /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/ : /^[^\u0000\n\r]*$/;
        if (!re.test(s)) bad('must be a valid HTTP header value');
      }
      if (r.ip && isIP(s) === 0) bad('must be an IP address');
      if (r.ipv4 && isIP(s) !== 4) bad('must be an IPv4 address');
      if (r.ipv6 && isIP(s) !== 6) bad('must be an IPv6 address');
      return;
    }
    if (kind === 'bytes') {
      const b = value as Uint8Array;
      if (r.ignore_empty && b.length === 0) return;
      if (r.len != null && b.length !== Number(r.len)) bad(`must be exactly ${r.len} bytes`);
      if (r.min_len != null && b.length < Number(r.min_len)) bad(`must be at least ${r.min_len} byte(s)`);
      if (r.max_len != null && b.length > Number(r.max_len)) bad(`must be at most ${r.max_len} bytes`);
      return;
    }
    if (kind === 'bool') {
      if (r.const != null && value !== r.const) bad(`must be ${r.const}`);
      return;
    }
    if (kind === 'enum') {
      const n = value as number;
      const e = f.resolvedType as protobuf.Enum;
      if (r.const != null && n !== Number(r.const)) bad(`must be ${e.valuesById[Number(r.const)] ?? r.const}`);
      if (r.defined_only && !(n in e.valuesById)) bad(`${n} is not a defined value of ${fullName(e)}`);
      const inList = r.in == null ? null : list(r.in)!.map(Number);
      const notIn = r.not_in == null ? null : list(r.not_in)!.map(Number);
      if (inList && !inList.includes(n)) bad(`must be one of ${inList.map((x) => e.valuesById[x] ?? x).join(', ')}`);
      if (notIn && notIn.includes(n)) bad(`must not be ${e.valuesById[n] ?? n}`);
      return;
    }
    if (kind === 'duration') {
      const d = value as bigint;
      const ns = (x: unknown): bigint | null => {
        if (!isObj(x)) return null;
        return BigInt(Number(x.seconds ?? 0)) * 1_000_000_000n + BigInt(Number(x.nanos ?? 0));
      };
      const show = (x: bigint) => `${Number(x) / 1e9}s`;
      this.range(d, ns(r.gt), ns(r.gte), ns(r.lt), ns(r.lte), show, bad);
      const c = ns(r.const);
      if (c != null && d !== c) bad(`must be ${show(c)}`);
      return;
    }
    if (kind === 'timestamp') return;
    // numbers
    const num = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) && !['double', 'float'].includes(kind) ? BigInt(value) : value;
    const conv = (x: unknown): bigint | number | null => (x == null ? null : typeof num === 'bigint' ? BigInt(Math.trunc(Number(x))) : Number(x));
    if (r.ignore_empty && (num === 0 || num === 0n)) return;
    this.range(num as number | bigint, conv(r.gt), conv(r.gte), conv(r.lt), conv(r.lte), String, bad);
    if (r.const != null && num != conv(r.const)) bad(`must be ${r.const}`);
    const inList = r.in == null ? null : list(r.in)!.map(conv);
    const notIn = r.not_in == null ? null : list(r.not_in)!.map(conv);
    if (inList && !inList.some((x) => x == num)) bad(`must be one of ${inList.join(', ')}`);
    if (notIn && notIn.some((x) => x == num)) bad(`must not be ${String(num)}`);
  }

  /** PGV range semantics: with both bounds and lower > upper, the valid set is *outside* the range. */
  range<T extends number | bigint>(v: T, gt: T | null, gte: T | null, lt: T | null, lte: T | null, show: (x: T) => string, bad: (m: string) => void): void {
    const lo = gt ?? gte;
    const hi = lt ?? lte;
    const loOk = gt != null ? v > gt : gte != null ? v >= gte : true;
    const hiOk = lt != null ? v < lt : lte != null ? v <= lte : true;
    const loText = gt != null ? `> ${show(gt)}` : gte != null ? `>= ${show(gte)}` : '';
    const hiText = lt != null ? `< ${show(lt)}` : lte != null ? `<= ${show(lte)}` : '';
    if (lo != null && hi != null && hi < lo) {
      if (!loOk && !hiOk) bad(`must be ${hiText} or ${loText}, got ${show(v)}`);
    } else if (!loOk || !hiOk) {
      bad(`must be ${[loText, hiText].filter(Boolean).join(' and ')}, got ${show(v)}`);
    }
  }
}

function isNullable(f: protobuf.Field): boolean {
  const rt = f.resolvedType;
  return !!rt && (fullName(rt) === 'google.protobuf.Value' || fullName(rt) === 'google.protobuf.NullValue');
}

/** The PGV rule key for field f's element type. */
function ruleKind(f: protobuf.Field): string {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Enum) return 'enum';
  if (rt instanceof protobuf.Type) {
    const n = fullName(rt);
    if (n in WRAPPERS) return WRAPPERS[n];
    if (n === 'google.protobuf.Duration') return 'duration';
    if (n === 'google.protobuf.Timestamp') return 'timestamp';
    if (n === 'google.protobuf.Any') return 'any';
    return 'message';
  }
  return f.type;
}

function safeResolve(name: string): protobuf.Type | protobuf.Enum | null {
  try {
    return resolveType(name);
  } catch {
    return null;
  }
}

function suggest(word: string, options: string[]): string | null {
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best;
}
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/**
 * Validates an Envoy config — YAML text (converted as Envoy converts it) or a proto3-JSON object —
 * as message `options.root` (default envoy.config.bootstrap.v3.Bootstrap).
 */
export function validateEnvoyConfig(input: string | object, options: ValidateOptions = {}): ValidationResult {
  const rootName = options.root ?? BOOTSTRAP;
  let json: Json;
  if (typeof input === 'string') {
    const parsed = envoyYamlToJson(input);
    if (parsed.errors.length) return { ok: false, errors: parsed.errors, warnings: [], files: [], json: null };
    json = parsed.value;
  } else {
    json = input as Json;
  }
  getRoot();
  const t = resolveType(rootName);
  if (!(t instanceof protobuf.Type)) {
    return { ok: false, errors: [`<root>: unknown root type ${rootName}`], warnings: [], files: [], json };
  }
  const w = new Walker();
  if (json === null) w.err('', `empty document (expected ${rootName})`);
  else w.message(json, t, '', 0);
  return { ok: w.errors.length === 0, errors: w.errors, warnings: w.warnings, files: w.files, json };
}

/** Proto loading statistics (cumulative ms spent in protobufjs loadSync, files in the Root). */
export function protoLoadStats(): { loadMs: number; files: number } {
  return { ...stats };
}

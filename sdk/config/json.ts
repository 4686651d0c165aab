/**
 * JSON for filter configuration: a strict RFC 8259 parser, a small value tree, a typed `ConfigReader`
 * whose errors name the field path, and a `JsonWriter` for building small JSON bodies.
 *
 * Pure AssemblyScript: no hostcalls, no exceptions, never traps on bad input (every malformed input is
 * reported as an error with a byte offset).
 *
 * ## Parsing
 * ```ts
 * const res = Json.parse(bytes);            // bytes: ArrayBuffer (UTF-8); also Json.parseString(s),
 *                                           // Json.parseMemory(ptr, len) (no copy), optional JsonOptions
 * if (!res.ok) log(res.error!);             // "invalid JSON at byte 17: expected ',' or '}'"
 * const v = res.value!;                     // JsonValue; res.offset = error byte offset (-1 when ok)
 * v.kind                                    // JsonKind.Null | Bool | Int | Float | String | Array | Object
 * v.isNull / isBool / isNumber / isInt / isString / isArray / isObject, v.typeName ("string", "number"…)
 * v.asBool() v.asI64() v.asF64() v.asString()   // never trap; wrong kind → false / 0 / 0.0 / ""
 * v.length  v.at(i)  v.get("key")  v.has("key")  v.keyAt(i)  v.valueAt(i)  v.keys()
 * v.toString()                              // compact JSON
 * ```
 * Numbers: an integer literal (no '.', no exponent) that fits in i64 is kept exact as `Int`; anything else
 * is `Float` (f64). Non-finite results ("1e999") are an error. Objects keep key order; duplicate keys are an
 * error. A leading UTF-8 BOM is skipped. Limits (JsonOptions): maxBytes (default 1 MiB), maxDepth (default
 * 64, at most 1000), maxStringLength in UTF-16 units (default unlimited, bounded by maxBytes); at most
 * 16,777,215 members in one array or object. Out of range ("1e999") is decided on the digits, without
 * parsing the float (everything from 2^1024 - 2^970 up overflows f64; within 1e-40 relative of that
 * boundary the check errs towards "out of range").
 * Strings: every escape incl. \uXXXX surrogate pairs (unpaired surrogates are an error); raw control
 * characters and invalid UTF-8 (overlong, surrogate code points, > U+10FFFF, truncated) are errors.
 *
 * ## ConfigReader (typed decoding; first error wins; errors name the path) — reader.ts, tape.ts
 * No value tree: parse() makes one validating pass over the UTF-8 bytes into a compact tape (tape.ts: one
 * 12-byte token per value/key, byte offsets into the kept input, containers linked to their end). Getters
 * find a member by comparing key bytes and decode only the value they return; numbers are parsed from
 * their bytes (integers exactly; float parsing and formatting are linked only by f64/requireF64). The
 * validation rules, limits and syntax error texts are exactly Json.parse's (Json.parse builds its tree
 * from the same tape).
 * ```ts
 * const r = ConfigReader.parse(bytes);          // null / empty (or all-whitespace) config reads as {}
 * const name = r.string("header_name", "x-request-id");
 * const max = r.u32("max_length", 128, 1, 65536);          // default, min, max (range is checked)
 * const port = r.requireU32("port");                        // required: missing → "required field missing"
 * const mode = r.oneOf("mode", ["ENFORCE", "DRY_RUN"], "ENFORCE");
 * const rules = r.array("rules");                           // ConfigReader[]; paths "rules[0]", …
 * const hdr = rules[0].object("match").string("header", "");   // path "rules[0].match.header"
 * const trace = r.object("trace");                          // absent → reader with present == false
 * const hosts = r.stringArray("hosts");  const m = r.stringMap("labels");   // Map<string,string>
 * const routes = r.map("routes");                           // ConfigReader[] with .key, path "routes.<key>"
 * r.finish();                               // unknown fields anywhere in the read tree → error
 * if (r.error != null) { logError(r.error!); return false; }
 * ```
 * Big arrays and maps without allocating a reader per element (count + item):
 * ```ts
 * const n = r.count("rights");              // elements of an array field / members of an object field (0 = absent)
 * for (let i = 0; i < n; i++) {
 *   const e = r.item("rights", i);          // ONE reader per parent, re-pointed at element i (O(1) for i, i+1, …)
 *   const client = e.requireString("client");     // paths "rights[7].client"; over a map: e.key, "svc.<key>.…"
 * }                                         // don't keep `e` across calls; finish() still checks every element
 * const p = r.item("providers", 0);         // a map of maps: iterate p's own members (free-form keys)
 * for (let j = 0; j < p.memberCount(); j++) { const s = p.member(j); s.key; s.count("rights"); … }
 * ```
 * Every reader has one reused element reader: item()/member() on the same parent return the same object,
 * re-pointed (its own item()/member() state is reset, so nested loops work at every level).
 * Costs: parse = the tape (12 bytes per token) + a copy of the input it keeps; a field lookup is linear in
 * its object's member count (fine for config objects; iterate big maps with count/item, not by name);
 * `path`/`key` and error texts are computed from the tape only when asked (no strings per element).
 * Differences from the tree-based reader this replaced: no public `value` (use Json.parse for a tree), no
 * fromValue/fromResult; `path` and `key` are getters; a number in "got …" is quoted as written ("1e3",
 * not "1000.0"); integer getters accept any integral number inside the getter's range, computed exactly
 * (not through f64); `key` is the member name for any reader of an object member.
 * Getters: string, bool, u32, i32, i64, f64, oneOf, oneOfIndex (each with a require* variant), stringArray,
 * stringMap, object/requireObject, array/requireArray, map, count/item, memberCount/member, keys(), has(name) (does not mark the
 * field used), fail(name, msg), failHere(msg); state: error, ok, present, path, key.
 * An optional field that is present with value `null` counts as absent (its default is used).
 * Integer getters accept an integral number written as a float ("1e3", "2.0") when it is in range.
 * Error texts:
 *   "config: invalid JSON at byte 17: expected ',' or '}'"
 *   "config: expected a JSON object, got array"
 *   "config field 'max_length': expected an unsigned integer, got string"
 *   "config field 'max_length': must be between 1 and 65536, got 70000"
 *   "config field 'mode': expected one of ENFORCE, DRY_RUN, got \"foo\""
 *   "config field 'rules[2].match.header': required field missing"
 *   "config field 'trace.foo': unknown field"
 *   "config field 'rights': expected an array or object, got 5"        (count/item on a scalar)
 *   "config field 'rights[1]': expected an object, got string"         (array/map/item element)
 *
 * ## Writing JSON
 * ```ts
 * const body = new JsonWriter().beginObject()
 *   .field("error", "forbidden").fieldInt("code", 403).key("tags").beginArray().string("a").endArray()
 *   .endObject().toString();                // {"error":"forbidden","code":403,"tags":["a"]}
 * Json.quote("a\"b")                        // "\"a\\\"b\"" (escapes ", \, control chars, lone surrogates)
 *                                           // (a lone surrogate is written as \uD800 like JS's JSON.stringify;
 *                                           //  this parser itself rejects unpaired surrogate escapes)
 * Json.stringify(value)                     // JsonValue → compact JSON
 * ```
 * The writer inserts commas itself; it does not validate structure (a value without a key inside an
 * object yields invalid JSON). Non-finite floats are written as null.
 */


import { JsonOptions, JsonTape, I64Out, DEFAULT_OPTIONS, tokenize, K_NULL, K_FALSE, K_TRUE, K_NUMBER, K_STRING,
  K_ARRAY, F_COMPLEX } from "./tape";
import { jsonQuote, quotedLength, writeQuoted } from "./quote";
import { decimal } from "../logging";
export { JsonOptions } from "./tape";
export { ConfigReader } from "./reader";

// ---------------------------------------------------------------------------------------------------
// Value tree
// ---------------------------------------------------------------------------------------------------

export enum JsonKind {
  Null = 0,
  Bool = 1,
  Int = 2,
  Float = 3,
  String = 4,
  Array = 5,
  Object = 6,
}

/** Objects with more keys than this get a lazily built hash index for lookups. */
const INDEX_THRESHOLD = 12;

export class JsonValue {
  /** The kind; read-only by convention. */
  kind: JsonKind;
  /** Int: the i64 bits; Float: the f64 bits; Bool: 0/1. */
  private bits: u64 = 0;
  private str: string | null = null;
  /** Array elements, or object values (parallel to `names`). */
  private items: Array<JsonValue> | null = null;
  private names: Array<string> | null = null;
  private index: Map<string, i32> | null = null;

  constructor(kind: JsonKind) {
    this.kind = kind;
  }

  static null(): JsonValue { return JSON_NULL; }
  static bool(b: bool): JsonValue { return b ? JSON_TRUE : JSON_FALSE; }
  static int(v: i64): JsonValue {
    const j = new JsonValue(JsonKind.Int);
    j.bits = <u64>v;
    return j;
  }
  static float(v: f64): JsonValue {
    const j = new JsonValue(JsonKind.Float);
    j.bits = reinterpret<u64>(v);
    return j;
  }
  static string(s: string): JsonValue {
    const j = new JsonValue(JsonKind.String);
    j.str = s;
    return j;
  }
  static array(items: Array<JsonValue> = []): JsonValue {
    const j = new JsonValue(JsonKind.Array);
    j.items = items;
    return j;
  }
  /** `names` and `values` must have the same length; keys are not checked for duplicates. */
  static object(names: Array<string> = [], values: Array<JsonValue> = []): JsonValue {
    const j = new JsonValue(JsonKind.Object);
    j.names = names;
    j.items = values;
    return j;
  }

  get isNull(): bool { return this.kind == JsonKind.Null; }
  get isBool(): bool { return this.kind == JsonKind.Bool; }
  get isInt(): bool { return this.kind == JsonKind.Int; }
  get isNumber(): bool { return this.kind == JsonKind.Int || this.kind == JsonKind.Float; }
  get isString(): bool { return this.kind == JsonKind.String; }
  get isArray(): bool { return this.kind == JsonKind.Array; }
  get isObject(): bool { return this.kind == JsonKind.Object; }

  /** "null", "boolean", "number", "string", "array" or "object". */
  get typeName(): string {
    switch (this.kind) {
      case JsonKind.Null: return "null";
      case JsonKind.Bool: return "boolean";
      case JsonKind.Int:
      case JsonKind.Float: return "number";
      case JsonKind.String: return "string";
      case JsonKind.Array: return "array";
      default: return "object";
    }
  }

  asBool(): bool { return this.kind == JsonKind.Bool && this.bits != 0; }
  /** Int → exact; Float → truncated toward zero (0 when out of i64 range or NaN); else 0. */
  asI64(): i64 {
    if (this.kind == JsonKind.Int) return <i64>this.bits;
    if (this.kind == JsonKind.Float) {
      const f = reinterpret<f64>(this.bits);
      if (f >= -9223372036854775808.0 && f < 9223372036854775808.0) return <i64>f;
    }
    return 0;
  }
  /** Int or Float as f64 (Int may round above 2^53); else 0. */
  asF64(): f64 {
    if (this.kind == JsonKind.Float) return reinterpret<f64>(this.bits);
    if (this.kind == JsonKind.Int) return <f64><i64>this.bits;
    return 0;
  }
  asString(): string {
    const s = this.str;
    return s != null && this.kind == JsonKind.String ? s : "";
  }

  /** Number of array elements or object members; 0 otherwise. */
  get length(): i32 {
    const items = this.items;
    return items == null ? 0 : items.length;
  }
  /** Array element or object value at `i`; null if out of range or not a container. */
  at(i: i32): JsonValue | null {
    const items = this.items;
    if (items == null || i < 0 || i >= items.length) return null;
    return unchecked(items[i]);
  }
  valueAt(i: i32): JsonValue | null { return this.at(i); }
  /** Object key at `i`; "" if out of range or not an object. */
  keyAt(i: i32): string {
    const names = this.names;
    if (names == null || i < 0 || i >= names.length) return "";
    return unchecked(names[i]);
  }
  keys(): Array<string> {
    const names = this.names;
    return names == null ? new Array<string>(0) : names.slice(0);
  }
  /** Index of `key` in an object, or -1. */
  indexOf(key: string): i32 {
    const names = this.names;
    if (names == null) return -1;
    const n = names.length;
    if (n > INDEX_THRESHOLD) {
      let index = this.index;
      if (index == null) {
        index = new Map<string, i32>();
        for (let i = 0; i < n; i++) index.set(unchecked(names[i]), i);
        this.index = index;
      }
      return index.has(key) ? index.get(key) : -1;
    }
    for (let i = 0; i < n; i++) if (unchecked(names[i]) == key) return i;
    return -1;
  }
  has(key: string): bool { return this.indexOf(key) >= 0; }
  get(key: string): JsonValue | null {
    const i = this.indexOf(key);
    return i < 0 ? null : unchecked(this.items![i]);
  }

  toString(): string { return Json.stringify(this); }
}

// Shared constants, created on first use (@lazy: a module that never parses JSON carries none of it).
@lazy const JSON_NULL = new JsonValue(JsonKind.Null);
@lazy const JSON_TRUE = boolValue(1);
@lazy const JSON_FALSE = boolValue(0);
function boolValue(v: i64): JsonValue {
  const j = JsonValue.int(v);
  j.kind = JsonKind.Bool;
  return j;
}

// ---------------------------------------------------------------------------------------------------
// Parser: the tape (tape.ts) validates; the tree is built from it
// ---------------------------------------------------------------------------------------------------

export class JsonResult {
  value: JsonValue | null = null;
  /** "invalid JSON at byte N: <message>", or null. */
  error: string | null = null;
  /** The bare message (e.g. "expected ':'"), or null. */
  message: string | null = null;
  /** Byte offset of the error, -1 when ok. */
  offset: i32 = -1;
  get ok(): bool { return this.error == null; }
}

function build(t: JsonTape, i: i32, out: I64Out): JsonValue {
  switch (t.kind(i)) {
    case K_NULL: return JSON_NULL;
    case K_FALSE: return JSON_FALSE;
    case K_TRUE: return JSON_TRUE;
    case K_NUMBER: {
      if (!t.has(i, F_COMPLEX) && t.toI64(i, out)) return JsonValue.int(out.v);
      return JsonValue.float(parseFloat(t.numberText(i)));
    }
    case K_STRING: return JsonValue.string(t.string(i));
    case K_ARRAY: {
      const items = new Array<JsonValue>(t.members(i));
      const end = t.next(i);
      let n = 0;
      for (let e = i + 1; e < end; e = t.next(e)) unchecked((items[n++] = build(t, e, out)));
      return JsonValue.array(items);
    }
    default: {
      const m = t.members(i);
      const names = new Array<string>(m);
      const values = new Array<JsonValue>(m);
      const end = t.next(i);
      let n = 0;
      for (let k = i + 1; k < end; k = t.next(k + 1)) {
        unchecked((names[n] = t.string(k)));
        unchecked((values[n++] = build(t, k + 1, out)));
      }
      return JsonValue.object(names, values);
    }
  }
}

function parseImpl(ptr: usize, len: usize, opts: JsonOptions): JsonResult {
  const res = new JsonResult();
  const t = tokenize(ptr, len, opts, null, false);
  const msg = t.message;
  if (msg != null) {
    res.message = msg;
    res.offset = t.offset;
    res.error = "invalid JSON at byte " + decimal(t.offset) + ": " + msg;
    return res;
  }
  res.value = build(t, t.root, new I64Out());
  return res;
}

// ---------------------------------------------------------------------------------------------------
// Json: parse / stringify / quote
// ---------------------------------------------------------------------------------------------------

export class Json {
  /** Parses UTF-8 JSON bytes. */
  static parse(bytes: ArrayBuffer, opts: JsonOptions = DEFAULT_OPTIONS): JsonResult {
    return parseImpl(changetype<usize>(bytes), <usize>bytes.byteLength, opts);
  }
  /** Parses JSON text (encoded to UTF-8 first; error offsets are UTF-8 byte offsets). */
  static parseString(text: string, opts: JsonOptions = DEFAULT_OPTIONS): JsonResult {
    const bytes = String.UTF8.encode(text);
    return parseImpl(changetype<usize>(bytes), <usize>bytes.byteLength, opts);
  }
  /** Parses `len` bytes at `ptr` without copying (the memory must stay valid during the call). */
  static parseMemory(ptr: usize, len: usize, opts: JsonOptions = DEFAULT_OPTIONS): JsonResult {
    return parseImpl(ptr, len, opts);
  }
  /** `s` as a JSON string literal, quotes included. */
  static quote(s: string): string { return jsonQuote(s); }
  static stringify(v: JsonValue): string {
    const w = new JsonWriter();
    w.value(v);
    return w.toString();
  }
}

// ---------------------------------------------------------------------------------------------------
// JsonWriter
// ---------------------------------------------------------------------------------------------------

export class JsonWriter {
  private buf: ArrayBuffer;
  private len: usize = 0; // in UTF-16 units
  private needComma: bool = false;

  constructor(capacity: i32 = 64) {
    this.buf = new ArrayBuffer(capacity < 8 ? 16 : capacity << 1);
  }

  private ensure(units: usize): usize {
    const need = (this.len + units) << 1;
    const cap = <usize>this.buf.byteLength;
    if (need > cap) {
      let nc = cap << 1;
      while (nc < need) nc <<= 1;
      const nb = new ArrayBuffer(<i32>nc);
      memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), this.len << 1);
      this.buf = nb;
    }
    return changetype<usize>(this.buf) + (this.len << 1);
  }

  private ch(c: u32): void {
    store<u16>(this.ensure(1), <u16>c);
    this.len++;
  }

  private ascii(s: string): void {
    const n = <usize>s.length;
    const dst = this.ensure(n);
    memory.copy(dst, changetype<usize>(s), n << 1);
    this.len += n;
  }

  private sep(): void {
    if (this.needComma) this.ch(0x2c);
  }

  private quoted(s: string): void {
    this.len = (writeQuoted(s, this.ensure(quotedLength(s))) - changetype<usize>(this.buf)) >> 1;
  }

  beginObject(): JsonWriter { this.sep(); this.ch(0x7b); this.needComma = false; return this; }
  endObject(): JsonWriter { this.ch(0x7d); this.needComma = true; return this; }
  beginArray(): JsonWriter { this.sep(); this.ch(0x5b); this.needComma = false; return this; }
  endArray(): JsonWriter { this.ch(0x5d); this.needComma = true; return this; }
  /** An object key; the next call writes its value. */
  key(k: string): JsonWriter { this.sep(); this.quoted(k); this.ch(0x3a); this.needComma = false; return this; }
  string(s: string): JsonWriter { this.sep(); this.quoted(s); this.needComma = true; return this; }
  int(v: i64): JsonWriter { this.sep(); this.ascii(v.toString()); this.needComma = true; return this; }
  uint(v: u64): JsonWriter { this.sep(); this.ascii(v.toString()); this.needComma = true; return this; }
  /** NaN and ±Infinity are written as null. */
  float(v: f64): JsonWriter {
    this.sep();
    this.ascii(isFinite(v) ? v.toString() : "null");
    this.needComma = true;
    return this;
  }
  bool(b: bool): JsonWriter { this.sep(); this.ascii(b ? "true" : "false"); this.needComma = true; return this; }
  null(): JsonWriter { this.sep(); this.ascii("null"); this.needComma = true; return this; }
  /** Inserts already-serialised JSON as one value (not checked). */
  raw(json: string): JsonWriter { this.sep(); this.ascii(json); this.needComma = true; return this; }
  value(v: JsonValue): JsonWriter {
    switch (v.kind) {
      case JsonKind.Null: return this.null();
      case JsonKind.Bool: return this.bool(v.asBool());
      case JsonKind.Int: return this.int(v.asI64());
      case JsonKind.Float: return this.float(v.asF64());
      case JsonKind.String: return this.string(v.asString());
      case JsonKind.Array: {
        this.beginArray();
        const n = v.length;
        for (let i = 0; i < n; i++) this.value(v.at(i)!);
        return this.endArray();
      }
      default: {
        this.beginObject();
        const n = v.length;
        for (let i = 0; i < n; i++) {
          this.key(v.keyAt(i));
          this.value(v.at(i)!);
        }
        return this.endObject();
      }
    }
  }
  field(k: string, v: string): JsonWriter { return this.key(k).string(v); }
  fieldInt(k: string, v: i64): JsonWriter { return this.key(k).int(v); }
  fieldFloat(k: string, v: f64): JsonWriter { return this.key(k).float(v); }
  fieldBool(k: string, v: bool): JsonWriter { return this.key(k).bool(v); }

  toString(): string { return String.UTF16.decodeUnsafe(changetype<usize>(this.buf), this.len << 1); }
  /** UTF-8 bytes of the output. */
  toBytes(): ArrayBuffer { return String.UTF8.encode(this.toString()); }
  /** Clears the output for reuse (keeps the buffer). */
  reset(): JsonWriter { this.len = 0; this.needComma = false; return this; }
}

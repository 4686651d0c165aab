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
 * 64, at most 1000), maxStringLength in UTF-16 units (default unlimited, bounded by maxBytes).
 * Strings: every escape incl. \uXXXX surrogate pairs (unpaired surrogates are an error); raw control
 * characters and invalid UTF-8 (overlong, surrogate code points, > U+10FFFF, truncated) are errors.
 *
 * ## ConfigReader (typed decoding; first error wins; errors name the path)
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
 * Getters: string, bool, u32, i32, i64, f64, oneOf, oneOfIndex (each with a require* variant), stringArray,
 * stringMap, object/requireObject, array/requireArray, map, has(name), fail(name, msg), failHere(msg).
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
// Parser
// ---------------------------------------------------------------------------------------------------

export class JsonOptions {
  maxBytes: i32 = 1 << 20;
  maxDepth: i32 = 64;
  maxStringLength: i32 = i32.MAX_VALUE;
}

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

@lazy const DEFAULT_OPTIONS = new JsonOptions();

/** Reused UTF-16 scratch buffer for decoding strings with escapes or non-ASCII text. */
@lazy let scratch = new ArrayBuffer(256);

const C_QUOTE: u32 = 0x22;
const C_BACKSLASH: u32 = 0x5c;

function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

function hexByte(c: u32): string {
  const digits = "0123456789ABCDEF";
  return "0x" + digits.charAt(<i32>(c >> 4)) + digits.charAt(<i32>(c & 15));
}

class Parser {
  base: usize;
  end: usize;
  pos: usize;
  depth: i32 = 0;
  maxDepth: i32;
  maxString: i32;
  message: string | null = null;
  errAt: usize = 0;

  constructor(base: usize, len: usize, opts: JsonOptions) {
    this.base = base;
    this.end = base + len;
    this.pos = base;
    this.maxDepth = opts.maxDepth < 1 ? 1 : opts.maxDepth > 1000 ? 1000 : opts.maxDepth;
    this.maxString = opts.maxStringLength;
  }

  fail(msg: string, at: usize): void {
    if (this.message == null) {
      this.message = msg;
      this.errAt = at;
    }
  }

  unexpected(): void {
    const p = this.pos;
    if (p >= this.end) {
      this.fail("unexpected end of input", p);
      return;
    }
    const c = <u32>load<u8>(p);
    if (c >= 0x20 && c < 0x7f) this.fail("unexpected character '" + String.fromCharCode(c) + "'", p);
    else this.fail("unexpected byte " + hexByte(c), p);
  }

  @inline skipWs(): void {
    let p = this.pos;
    const end = this.end;
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      p++;
    }
    this.pos = p;
  }

  /** Expects `word` (ASCII) at pos. */
  literal(word: string, v: JsonValue): JsonValue | null {
    const n = <usize>word.length;
    const p = this.pos;
    for (let i: usize = 0; i < n; i++) {
      if (p + i >= this.end || <u32>load<u8>(p + i) != <u32>word.charCodeAt(<i32>i)) {
        this.pos = p + i;
        if (p + i >= this.end) this.fail("unexpected end of input", p + i);
        else this.fail("invalid literal, expected '" + word + "'", p);
        return null;
      }
    }
    this.pos = p + n;
    return v;
  }

  value(): JsonValue | null {
    this.skipWs();
    if (this.pos >= this.end) {
      this.fail("unexpected end of input", this.pos);
      return null;
    }
    const c = <u32>load<u8>(this.pos);
    switch (c) {
      case 0x7b: return this.object();
      case 0x5b: return this.array();
      case C_QUOTE: {
        const s = this.string();
        return s == null ? null : JsonValue.string(s);
      }
      case 0x74: return this.literal("true", JSON_TRUE);
      case 0x66: return this.literal("false", JSON_FALSE);
      case 0x6e: return this.literal("null", JSON_NULL);
      default: {
        if (c == 0x2d || c - 0x30 < 10) return this.number();
        this.unexpected();
        return null;
      }
    }
  }

  enter(): bool {
    if (++this.depth > this.maxDepth) {
      this.fail("nesting deeper than " + this.maxDepth.toString() + " levels", this.pos);
      return false;
    }
    return true;
  }

  array(): JsonValue | null {
    if (!this.enter()) return null;
    this.pos++; // '['
    const items = new Array<JsonValue>();
    this.skipWs();
    if (this.pos < this.end && <u32>load<u8>(this.pos) == 0x5d) {
      this.pos++;
      this.depth--;
      return JsonValue.array(items);
    }
    while (true) {
      const v = this.value();
      if (v == null) return null;
      items.push(v);
      this.skipWs();
      if (this.pos >= this.end) {
        this.fail("unexpected end of input, expected ',' or ']'", this.pos);
        return null;
      }
      const c = <u32>load<u8>(this.pos);
      if (c == 0x2c) {
        this.pos++;
        continue;
      }
      if (c == 0x5d) {
        this.pos++;
        break;
      }
      this.fail("expected ',' or ']'", this.pos);
      return null;
    }
    this.depth--;
    return JsonValue.array(items);
  }

  object(): JsonValue | null {
    if (!this.enter()) return null;
    this.pos++; // '{'
    const names = new Array<string>();
    const values = new Array<JsonValue>();
    let seen: Set<string> | null = null;
    this.skipWs();
    if (this.pos < this.end && <u32>load<u8>(this.pos) == 0x7d) {
      this.pos++;
      this.depth--;
      return JsonValue.object(names, values);
    }
    while (true) {
      this.skipWs();
      if (this.pos >= this.end) {
        this.fail("unexpected end of input, expected a string key", this.pos);
        return null;
      }
      if (<u32>load<u8>(this.pos) != C_QUOTE) {
        this.fail("expected a string key", this.pos);
        return null;
      }
      const keyAt = this.pos;
      const key = this.string();
      if (key == null) return null;
      // duplicate keys are almost always a config mistake: reject them
      const n = names.length;
      let dup = false;
      if (seen != null) {
        dup = seen.has(key);
        seen.add(key);
      } else {
        for (let i = 0; i < n; i++) {
          if (unchecked(names[i]) == key) {
            dup = true;
            break;
          }
        }
        if (n >= INDEX_THRESHOLD) {
          const s = new Set<string>();
          for (let i = 0; i < n; i++) s.add(unchecked(names[i]));
          s.add(key);
          seen = s;
        }
      }
      if (dup) {
        this.fail("duplicate key \"" + key + "\"", keyAt);
        return null;
      }
      this.skipWs();
      if (this.pos >= this.end || <u32>load<u8>(this.pos) != 0x3a) {
        this.fail(this.pos >= this.end ? "unexpected end of input, expected ':'" : "expected ':'", this.pos);
        return null;
      }
      this.pos++;
      const v = this.value();
      if (v == null) return null;
      names.push(key);
      values.push(v);
      this.skipWs();
      if (this.pos >= this.end) {
        this.fail("unexpected end of input, expected ',' or '}'", this.pos);
        return null;
      }
      const c = <u32>load<u8>(this.pos);
      if (c == 0x2c) {
        this.pos++;
        continue;
      }
      if (c == 0x7d) {
        this.pos++;
        break;
      }
      this.fail("expected ',' or '}'", this.pos);
      return null;
    }
    this.depth--;
    return JsonValue.object(names, values);
  }

  number(): JsonValue | null {
    const start = this.pos;
    const end = this.end;
    let p = start;
    let neg = false;
    if (<u32>load<u8>(p) == 0x2d) {
      neg = true;
      p++;
    }
    if (p >= end || <u32>load<u8>(p) - 0x30 >= 10) {
      this.pos = p;
      this.fail("expected a digit", p);
      return null;
    }
    let mag: u64 = 0;
    let overflow = false;
    let isFloat = false;
    if (<u32>load<u8>(p) == 0x30) {
      p++;
      if (p < end && <u32>load<u8>(p) - 0x30 < 10) {
        this.fail("leading zeros are not allowed", p - 1);
        return null;
      }
    } else {
      while (p < end) {
        const d = <u32>load<u8>(p) - 0x30;
        if (d >= 10) break;
        // mag * 10 + d > u64.MAX ?
        if (mag > (u64.MAX_VALUE - <u64>d) / 10) overflow = true;
        else mag = mag * 10 + <u64>d;
        p++;
      }
    }
    if (p < end && <u32>load<u8>(p) == 0x2e) {
      isFloat = true;
      p++;
      if (p >= end || <u32>load<u8>(p) - 0x30 >= 10) {
        this.fail("expected a digit after '.'", p);
        return null;
      }
      while (p < end && <u32>load<u8>(p) - 0x30 < 10) p++;
    }
    if (p < end && (<u32>load<u8>(p) | 0x20) == 0x65) {
      isFloat = true;
      p++;
      if (p < end && (<u32>load<u8>(p) == 0x2b || <u32>load<u8>(p) == 0x2d)) p++;
      if (p >= end || <u32>load<u8>(p) - 0x30 >= 10) {
        this.fail("expected a digit in exponent", p);
        return null;
      }
      while (p < end && <u32>load<u8>(p) - 0x30 < 10) p++;
    }
    this.pos = p;
    if (!isFloat && !overflow) {
      if (!neg && mag <= <u64>i64.MAX_VALUE) return JsonValue.int(<i64>mag);
      if (neg && mag <= <u64>i64.MAX_VALUE + 1) return JsonValue.int(<i64>(0 - mag));
    }
    const f = parseFloat(String.UTF8.decodeUnsafe(start, p - start));
    if (!isFinite(f)) {
      this.fail("number out of range", start);
      return null;
    }
    return JsonValue.float(f);
  }

  /** Parses a string at pos (which holds '"'); returns null on error. */
  string(): string | null {
    const open = this.pos;
    const end = this.end;
    let p = open + 1;
    // fast path: plain ASCII without escapes
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (c == C_QUOTE || c == C_BACKSLASH || c < 0x20 || c >= 0x80) break;
      p++;
    }
    if (p < end && <u32>load<u8>(p) == C_QUOTE) {
      const n = p - open - 1;
      if (n > <usize>this.maxString) {
        this.fail("string longer than " + this.maxString.toString() + " characters", open);
        return null;
      }
      this.pos = p + 1;
      return String.UTF8.decodeUnsafe(open + 1, n);
    }
    // slow path: widen into the scratch buffer
    let w: usize = 0; // in UTF-16 units
    let buf = scratch;
    for (let q = open + 1; q < p; q++) {
      if ((w + 2) << 1 > <usize>buf.byteLength) buf = growScratch(w + 2);
      store<u16>(changetype<usize>(buf) + (w << 1), load<u8>(q));
      w++;
    }
    while (true) {
      if (p >= end) {
        this.fail("unterminated string", open);
        return null;
      }
      if (w > <usize>this.maxString) {
        this.fail("string longer than " + this.maxString.toString() + " characters", open);
        return null;
      }
      if ((w + 2) << 1 > <usize>buf.byteLength) buf = growScratch(w + 2);
      const bp = changetype<usize>(buf);
      const c = <u32>load<u8>(p);
      if (c == C_QUOTE) {
        p++;
        break;
      }
      if (c < 0x80) {
        if (c == C_BACKSLASH) {
          if (p + 1 >= end) {
            this.fail("unterminated string", open);
            return null;
          }
          const e = <u32>load<u8>(p + 1);
          let out: u32 = 0;
          switch (e) {
            case 0x22: out = 0x22; break;
            case 0x5c: out = 0x5c; break;
            case 0x2f: out = 0x2f; break;
            case 0x62: out = 0x08; break;
            case 0x66: out = 0x0c; break;
            case 0x6e: out = 0x0a; break;
            case 0x72: out = 0x0d; break;
            case 0x74: out = 0x09; break;
            case 0x75: {
              const u = this.hex4(p + 2);
              if (u < 0) {
                this.fail("invalid \\u escape", p);
                return null;
              }
              if (u >= 0xd800 && u < 0xdc00) {
                // high surrogate: must be followed by \u + low surrogate
                let lo: i32 = -1;
                if (p + 7 < end && <u32>load<u8>(p + 6) == C_BACKSLASH && <u32>load<u8>(p + 7) == 0x75) {
                  lo = this.hex4(p + 8);
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                  this.fail("unpaired surrogate in \\u escape", p);
                  return null;
                }
                store<u16>(bp + (w << 1), <u16>u);
                store<u16>(bp + (w << 1) + 2, <u16>lo);
                w += 2;
                p += 12;
                continue;
              }
              if (u >= 0xdc00 && u <= 0xdfff) {
                this.fail("unpaired surrogate in \\u escape", p);
                return null;
              }
              store<u16>(bp + (w << 1), <u16>u);
              w++;
              p += 6;
              continue;
            }
            default: {
              if (e >= 0x20 && e < 0x7f) this.fail("invalid escape '\\" + String.fromCharCode(e) + "'", p);
              else this.fail("invalid escape", p);
              return null;
            }
          }
          store<u16>(bp + (w << 1), <u16>out);
          w++;
          p += 2;
          continue;
        }
        if (c < 0x20) {
          this.fail(c == 0 ? "NUL byte in string" : "control character " + hexByte(c) + " in string (must be escaped)", p);
          return null;
        }
        store<u16>(bp + (w << 1), <u16>c);
        w++;
        p++;
        continue;
      }
      // multi-byte UTF-8, strictly validated (RFC 3629)
      let cp: u32 = 0;
      let need: usize = 0;
      let lo: u32 = 0x80;
      let hi: u32 = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        cp = c & 0x1f;
      } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        cp = c & 0x0f;
        if (c == 0xe0) lo = 0xa0;
        else if (c == 0xed) hi = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xf0) lo = 0x90;
        else if (c == 0xf4) hi = 0x8f;
      } else {
        this.fail("invalid UTF-8 byte " + hexByte(c), p);
        return null;
      }
      if (p + need >= end) {
        this.fail("truncated UTF-8 sequence", p);
        return null;
      }
      for (let k: usize = 1; k <= need; k++) {
        const b = <u32>load<u8>(p + k);
        if (b < lo || b > hi) {
          this.fail("invalid UTF-8 sequence", p);
          return null;
        }
        lo = 0x80;
        hi = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        store<u16>(bp + (w << 1), <u16>(0xd800 | (cp >> 10)));
        store<u16>(bp + (w << 1) + 2, <u16>(0xdc00 | (cp & 0x3ff)));
        w += 2;
      } else {
        store<u16>(bp + (w << 1), <u16>cp);
        w++;
      }
      p += need + 1;
    }
    if (w > <usize>this.maxString) {
      this.fail("string longer than " + this.maxString.toString() + " characters", open);
      return null;
    }
    this.pos = p;
    return String.UTF16.decodeUnsafe(changetype<usize>(buf), w << 1);
  }

  /** Four hex digits at q, or -1. */
  hex4(q: usize): i32 {
    if (q + 4 > this.end) return -1;
    let v: i32 = 0;
    for (let i: usize = 0; i < 4; i++) {
      const h = hexVal(<u32>load<u8>(q + i));
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    return v;
  }
}

function growScratch(units: usize): ArrayBuffer {
  let cap = <usize>scratch.byteLength;
  const need = units << 1;
  while (cap < need) cap <<= 1;
  const nb = new ArrayBuffer(<i32>cap);
  memory.copy(changetype<usize>(nb), changetype<usize>(scratch), <usize>scratch.byteLength);
  scratch = nb;
  return nb;
}

function parseImpl(ptr: usize, len: usize, opts: JsonOptions): JsonResult {
  const res = new JsonResult();
  if (len > <usize>opts.maxBytes) {
    res.message = "input larger than " + opts.maxBytes.toString() + " bytes";
    res.offset = opts.maxBytes;
    res.error = "invalid JSON at byte " + res.offset.toString() + ": " + res.message!;
    return res;
  }
  const p = new Parser(ptr, len, opts);
  // optional UTF-8 byte order mark
  if (len >= 3 && load<u8>(ptr) == 0xef && load<u8>(ptr + 1) == 0xbb && load<u8>(ptr + 2) == 0xbf) p.pos += 3;
  const v = p.value();
  if (v != null) {
    p.skipWs();
    if (p.pos < p.end) p.fail("unexpected trailing data after the JSON value", p.pos);
  }
  const msg = p.message;
  if (msg != null) {
    res.message = msg;
    res.offset = <i32>(p.errAt - ptr);
    res.error = "invalid JSON at byte " + res.offset.toString() + ": " + msg;
    return res;
  }
  res.value = v;
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
  static quote(s: string): string {
    const w = new JsonWriter();
    w.string(s);
    return w.toString();
  }
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
    const n = s.length;
    this.ensure(<usize>n + 2);
    this.ch(C_QUOTE);
    const hex = "0123456789abcdef";
    for (let i = 0; i < n; i++) {
      const c = <u32>s.charCodeAt(i);
      if (c == C_QUOTE || c == C_BACKSLASH) {
        this.ch(C_BACKSLASH);
        this.ch(c);
      } else if (c < 0x20) {
        if (c == 0x0a) { this.ch(C_BACKSLASH); this.ch(0x6e); }
        else if (c == 0x0d) { this.ch(C_BACKSLASH); this.ch(0x72); }
        else if (c == 0x09) { this.ch(C_BACKSLASH); this.ch(0x74); }
        else if (c == 0x08) { this.ch(C_BACKSLASH); this.ch(0x62); }
        else if (c == 0x0c) { this.ch(C_BACKSLASH); this.ch(0x66); }
        else this.unicodeEscape(c, hex);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        // keep valid pairs; escape lone surrogates so the output stays valid UTF-8 once encoded
        if (c < 0xdc00 && i + 1 < n) {
          const d = <u32>s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            this.ch(c);
            this.ch(d);
            i++;
            continue;
          }
        }
        this.unicodeEscape(c, hex);
      } else {
        this.ch(c);
      }
    }
    this.ch(C_QUOTE);
  }

  private unicodeEscape(c: u32, hex: string): void {
    this.ch(C_BACKSLASH);
    this.ch(0x75);
    this.ch(<u32>hex.charCodeAt(<i32>((c >> 12) & 15)));
    this.ch(<u32>hex.charCodeAt(<i32>((c >> 8) & 15)));
    this.ch(<u32>hex.charCodeAt(<i32>((c >> 4) & 15)));
    this.ch(<u32>hex.charCodeAt(<i32>(c & 15)));
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

// ---------------------------------------------------------------------------------------------------
// ConfigReader
// ---------------------------------------------------------------------------------------------------

/** State shared by a reader tree: the first error, and every reader created (for finish()). */
class ConfigState {
  error: string | null = null;
}

function isPlainKey(k: string): bool {
  const n = k.length;
  if (n == 0) return false;
  for (let i = 0; i < n; i++) {
    const c = <u32>k.charCodeAt(i);
    const ok = (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 26) || c == 0x5f || c == 0x2d;
    if (!ok) return false;
  }
  return true;
}

function describe(v: JsonValue): string {
  if (v.kind == JsonKind.Int) return v.asI64().toString();
  if (v.kind == JsonKind.Float) return v.asF64().toString();
  return v.typeName;
}

/** The i64 value of an Int, or of an integral Float inside ±2^53; `ok` tells whether it was one. */
class IntProbe {
  ok: bool = false;
  v: i64 = 0;
}

function probeInt(v: JsonValue, out: IntProbe): void {
  out.ok = false;
  if (v.kind == JsonKind.Int) {
    out.ok = true;
    out.v = v.asI64();
  } else if (v.kind == JsonKind.Float) {
    const f = v.asF64();
    if (f == Math.floor(f) && Math.abs(f) <= 9007199254740992.0) {
      out.ok = true;
      out.v = <i64>f;
    }
  }
}

export class ConfigReader {
  /** The value this reader wraps (an object for field access), or null when absent. */
  value: JsonValue | null;
  /** Field path of this reader: "" at the root, "trace", "rules[2].match", … */
  path: string;
  /** For readers returned by map(): the member's key. */
  key: string = "";
  private state: ConfigState;
  private used: StaticArray<bool> | null = null;
  private children: Array<ConfigReader> | null = null;
  private open: bool = false; // map(): members are arbitrary, never "unknown"
  private probe: IntProbe = new IntProbe();

  constructor(value: JsonValue | null, path: string, state: ConfigState) {
    this.value = value;
    this.path = path;
    this.state = state;
    if (value != null && value.kind == JsonKind.Object) this.used = new StaticArray<bool>(value.length);
  }

  /** Parses configuration bytes; null or empty (whitespace-only) input reads as `{}`. */
  static parse(bytes: ArrayBuffer | null, opts: JsonOptions = DEFAULT_OPTIONS): ConfigReader {
    if (bytes == null) return ConfigReader.fromValue(JsonValue.object());
    return ConfigReader.fromResult(parseOrEmpty(changetype<usize>(bytes), <usize>bytes.byteLength, opts));
  }
  static parseString(text: string, opts: JsonOptions = DEFAULT_OPTIONS): ConfigReader {
    const bytes = String.UTF8.encode(text);
    return ConfigReader.fromResult(parseOrEmpty(changetype<usize>(bytes), <usize>bytes.byteLength, opts));
  }
  static fromResult(res: JsonResult): ConfigReader {
    const state = new ConfigState();
    const v = res.value;
    if (v == null) {
      state.error = "config: " + res.error!;
      return new ConfigReader(null, "", state);
    }
    if (v.kind != JsonKind.Object) state.error = "config: expected a JSON object, got " + v.typeName;
    return new ConfigReader(v.kind == JsonKind.Object ? v : null, "", state);
  }
  /** Wraps an already parsed object. */
  static fromValue(v: JsonValue): ConfigReader {
    return ConfigReader.fromResult(resultOf(v));
  }

  /** The first error of the whole reader tree, or null. */
  get error(): string | null { return this.state.error; }
  get ok(): bool { return this.state.error == null; }
  /** False for a reader of an absent optional object. */
  get present(): bool { return this.value != null; }

  private fieldPath(name: string): string {
    const p = this.path;
    if (!isPlainKey(name)) return p + "[" + Json.quote(name) + "]";
    return p.length == 0 ? name : p + "." + name;
  }

  /** Records `message` for field `name` of this reader (first error wins). */
  fail(name: string, message: string): void {
    if (this.state.error == null) this.state.error = "config field '" + this.fieldPath(name) + "': " + message;
  }
  /** Records `message` for this reader's own path. */
  failHere(message: string): void {
    if (this.state.error != null) return;
    this.state.error = this.path.length == 0 ? "config: " + message : "config field '" + this.path + "': " + message;
  }

  /** True when the field is present and not null. */
  has(name: string): bool {
    const v = this.value;
    if (v == null) return false;
    const f = v.get(name);
    return f != null && f.kind != JsonKind.Null;
  }

  /** Marks the field used and returns it; null when absent or null. Reports a missing required field. */
  private field(name: string, required: bool): JsonValue | null {
    const v = this.value;
    let f: JsonValue | null = null;
    if (v != null) {
      const i = v.indexOf(name);
      if (i >= 0) {
        const used = this.used;
        if (used != null) unchecked((used[i] = true));
        f = v.at(i);
      }
    }
    if (f == null || f.kind == JsonKind.Null) {
      if (required) this.fail(name, "required field missing");
      return null;
    }
    return f;
  }

  private typeError(name: string, expected: string, got: JsonValue): void {
    this.fail(name, "expected " + expected + ", got " + describe(got));
  }

  // --- strings ---

  string(name: string, def: string): string { return this.stringImpl(name, def, false); }
  requireString(name: string): string { return this.stringImpl(name, "", true); }
  private stringImpl(name: string, def: string, required: bool): string {
    const f = this.field(name, required);
    if (f == null) return def;
    if (f.kind != JsonKind.String) {
      this.typeError(name, "a string", f);
      return def;
    }
    return f.asString();
  }

  // --- bool ---

  bool(name: string, def: bool): bool { return this.boolImpl(name, def, false); }
  requireBool(name: string): bool { return this.boolImpl(name, false, true); }
  private boolImpl(name: string, def: bool, required: bool): bool {
    const f = this.field(name, required);
    if (f == null) return def;
    if (f.kind != JsonKind.Bool) {
      this.typeError(name, "a boolean", f);
      return def;
    }
    return f.asBool();
  }

  // --- integers ---

  private intImpl(name: string, def: i64, min: i64, max: i64, required: bool, what: string): i64 {
    const f = this.field(name, required);
    if (f == null) return def;
    const pr = this.probe;
    probeInt(f, pr);
    if (!pr.ok) {
      this.typeError(name, what, f);
      return def;
    }
    if (pr.v < min || pr.v > max) {
      if (min == 0 && pr.v < 0) this.typeError(name, what, f);
      else this.fail(name, "must be between " + min.toString() + " and " + max.toString() + ", got " + pr.v.toString());
      return def;
    }
    return pr.v;
  }

  u32(name: string, def: u32, min: u32 = 0, max: u32 = u32.MAX_VALUE): u32 {
    return <u32>this.intImpl(name, <i64>def, <i64>min, <i64>max, false, "an unsigned integer");
  }
  requireU32(name: string, min: u32 = 0, max: u32 = u32.MAX_VALUE): u32 {
    return <u32>this.intImpl(name, 0, <i64>min, <i64>max, true, "an unsigned integer");
  }
  i32(name: string, def: i32, min: i32 = i32.MIN_VALUE, max: i32 = i32.MAX_VALUE): i32 {
    return <i32>this.intImpl(name, <i64>def, <i64>min, <i64>max, false, "an integer");
  }
  requireI32(name: string, min: i32 = i32.MIN_VALUE, max: i32 = i32.MAX_VALUE): i32 {
    return <i32>this.intImpl(name, 0, <i64>min, <i64>max, true, "an integer");
  }
  i64(name: string, def: i64, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.intImpl(name, def, min, max, false, "an integer");
  }
  requireI64(name: string, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.intImpl(name, 0, min, max, true, "an integer");
  }

  // --- f64 ---

  f64(name: string, def: f64, min: f64 = -Infinity, max: f64 = Infinity): f64 {
    return this.f64Impl(name, def, min, max, false);
  }
  requireF64(name: string, min: f64 = -Infinity, max: f64 = Infinity): f64 {
    return this.f64Impl(name, 0, min, max, true);
  }
  private f64Impl(name: string, def: f64, min: f64, max: f64, required: bool): f64 {
    const f = this.field(name, required);
    if (f == null) return def;
    if (!f.isNumber) {
      this.typeError(name, "a number", f);
      return def;
    }
    const x = f.asF64();
    if (x < min || x > max) {
      this.fail(name, "must be between " + min.toString() + " and " + max.toString() + ", got " + x.toString());
      return def;
    }
    return x;
  }

  // --- enums ---

  /** Index into `choices` of the field's string value; `def` when absent, or on error. */
  oneOfIndex(name: string, choices: Array<string>, def: i32): i32 { return this.enumImpl(name, choices, def, false); }
  requireOneOfIndex(name: string, choices: Array<string>): i32 { return this.enumImpl(name, choices, -1, true); }
  oneOf(name: string, choices: Array<string>, def: string): string {
    const i = this.enumImpl(name, choices, -1, false);
    return i < 0 ? def : unchecked(choices[i]);
  }
  requireOneOf(name: string, choices: Array<string>): string {
    const i = this.enumImpl(name, choices, -1, true);
    return i < 0 ? "" : unchecked(choices[i]);
  }
  private enumImpl(name: string, choices: Array<string>, def: i32, required: bool): i32 {
    const f = this.field(name, required);
    if (f == null) return def;
    if (f.kind == JsonKind.String) {
      const s = f.asString();
      for (let i = 0; i < choices.length; i++) if (unchecked(choices[i]) == s) return i;
      this.fail(name, "expected one of " + choices.join(", ") + ", got " + Json.quote(s));
    } else {
      this.fail(name, "expected one of " + choices.join(", ") + ", got " + describe(f));
    }
    return def;
  }

  // --- collections ---

  /** An array of strings; absent → []. */
  stringArray(name: string, required: bool = false): Array<string> {
    const out = new Array<string>();
    const f = this.field(name, required);
    if (f == null) return out;
    if (f.kind != JsonKind.Array) {
      this.typeError(name, "an array of strings", f);
      return out;
    }
    const n = f.length;
    for (let i = 0; i < n; i++) {
      const e = f.at(i)!;
      if (e.kind != JsonKind.String) {
        if (this.state.error == null) {
          this.state.error = "config field '" + this.fieldPath(name) + "[" + i.toString() + "]': expected a string, got " + describe(e);
        }
        return new Array<string>();
      }
      out.push(e.asString());
    }
    return out;
  }

  /** An object whose members are all strings; absent → empty map. */
  stringMap(name: string, required: bool = false): Map<string, string> {
    const out = new Map<string, string>();
    const f = this.field(name, required);
    if (f == null) return out;
    if (f.kind != JsonKind.Object) {
      this.typeError(name, "an object", f);
      return out;
    }
    const n = f.length;
    for (let i = 0; i < n; i++) {
      const e = f.at(i)!;
      const k = f.keyAt(i);
      if (e.kind != JsonKind.String) {
        const p = this.fieldPath(name);
        if (this.state.error == null) {
          const kp = isPlainKey(k) ? p + "." + k : p + "[" + Json.quote(k) + "]";
          this.state.error = "config field '" + kp + "': expected a string, got " + describe(e);
        }
        return new Map<string, string>();
      }
      out.set(k, e.asString());
    }
    return out;
  }

  private child(v: JsonValue | null, path: string): ConfigReader {
    const r = new ConfigReader(v, path, this.state);
    let ch = this.children;
    if (ch == null) {
      ch = new Array<ConfigReader>();
      this.children = ch;
    }
    ch.push(r);
    return r;
  }

  /** A nested object; absent → a reader with `present == false` whose getters return defaults. */
  object(name: string): ConfigReader { return this.objectImpl(name, false); }
  requireObject(name: string): ConfigReader { return this.objectImpl(name, true); }
  private objectImpl(name: string, required: bool): ConfigReader {
    const f = this.field(name, required);
    const path = this.fieldPath(name);
    if (f == null) return this.child(null, path);
    if (f.kind != JsonKind.Object) {
      this.typeError(name, "an object", f);
      return this.child(null, path);
    }
    return this.child(f, path);
  }

  /** An array of objects: one reader per element, paths "name[i]"; absent → []. */
  array(name: string): Array<ConfigReader> { return this.arrayImpl(name, false); }
  requireArray(name: string): Array<ConfigReader> { return this.arrayImpl(name, true); }
  private arrayImpl(name: string, required: bool): Array<ConfigReader> {
    const out = new Array<ConfigReader>();
    const f = this.field(name, required);
    if (f == null) return out;
    if (f.kind != JsonKind.Array) {
      this.typeError(name, "an array", f);
      return out;
    }
    const path = this.fieldPath(name);
    const n = f.length;
    for (let i = 0; i < n; i++) {
      const e = f.at(i)!;
      const ep = path + "[" + i.toString() + "]";
      if (e.kind != JsonKind.Object) {
        if (this.state.error == null) this.state.error = "config field '" + ep + "': expected an object, got " + describe(e);
        out.push(this.child(null, ep));
      } else {
        out.push(this.child(e, ep));
      }
    }
    return out;
  }

  /** An object with arbitrary keys whose values are objects: one reader per member (`.key` set). */
  map(name: string, required: bool = false): Array<ConfigReader> {
    const out = new Array<ConfigReader>();
    const f = this.field(name, required);
    if (f == null) return out;
    if (f.kind != JsonKind.Object) {
      this.typeError(name, "an object", f);
      return out;
    }
    const path = this.fieldPath(name);
    const n = f.length;
    for (let i = 0; i < n; i++) {
      const e = f.at(i)!;
      const k = f.keyAt(i);
      const ep = isPlainKey(k) ? path + "." + k : path + "[" + Json.quote(k) + "]";
      let r: ConfigReader;
      if (e.kind != JsonKind.Object) {
        if (this.state.error == null) this.state.error = "config field '" + ep + "': expected an object, got " + describe(e);
        r = this.child(null, ep);
      } else {
        r = this.child(e, ep);
      }
      r.key = k;
      out.push(r);
    }
    return out;
  }

  /** Member names of this reader's object (all of them count as known for finish()). */
  keys(): Array<string> {
    const v = this.value;
    this.open = true;
    return v == null ? new Array<string>(0) : v.keys();
  }

  /**
   * Reports the first field that no getter asked for, in this reader and every reader it handed out
   * (depth first, in the order they were created). Call it after reading everything.
   */
  finish(): bool {
    if (this.state.error != null) return false;
    const v = this.value;
    const used = this.used;
    if (v != null && used != null && !this.open) {
      const n = used.length;
      for (let i = 0; i < n; i++) {
        if (!unchecked(used[i])) {
          this.fail(v.keyAt(i), "unknown field");
          return false;
        }
      }
    }
    const ch = this.children;
    if (ch != null) {
      for (let i = 0; i < ch.length; i++) if (!unchecked(ch[i]).finish()) return false;
    }
    return this.state.error == null;
  }
}

function resultOf(v: JsonValue): JsonResult {
  const r = new JsonResult();
  r.value = v;
  return r;
}

function parseOrEmpty(ptr: usize, len: usize, opts: JsonOptions): JsonResult {
  let allWs = true;
  for (let i: usize = 0; i < len; i++) {
    const c = <u32>load<u8>(ptr + i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) {
      allWs = false;
      break;
    }
  }
  if (allWs) return resultOf(JsonValue.object());
  return parseImpl(ptr, len, opts);
}

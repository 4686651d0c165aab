// ConfigReader: typed, path-naming access to a JSON filter configuration, straight over the tape of
// tape.ts — no value tree. A reader is (document, token of its object); getters find the member by
// comparing key bytes, mark it used, and decode only the value they return. Field paths for error texts
// are computed from the tape when an error happens, so reading a config builds no path strings.
// The API and its error texts are documented at the top of json.ts.
import { JsonOptions, JsonTape, I64Out, DEFAULT_OPTIONS, tokenize, parseF64, scaleDecimal, K_ARRAY, K_OBJECT, K_STRING,
  K_KEY, K_NUMBER, K_TRUE, K_FALSE, K_NULL, F_USED, F_OPEN } from "./tape";
import {
  configText,
  E_INVALID_JSON_AT, E_ROOT_NOT_OBJECT, E_FIELD_PREFIX, E_REQUIRED_MISSING, E_EXPECTED, E_GOT,
  E_MUST_BE_BETWEEN, E_AN_UNSIGNED_INTEGER, E_AN_INTEGER, E_A_STRING, E_A_BOOLEAN, E_A_NUMBER, E_AN_OBJECT,
  E_AN_ARRAY, E_AN_ARRAY_OF_STRINGS, E_AN_ARRAY_OR_OBJECT, E_EXPECTED_ONE_OF, E_EXPECTED_STRING_GOT,
  E_EXPECTED_OBJECT_GOT, E_UNKNOWN_FIELD,
} from "./texts";
import { jsonQuote } from "./quote";
import { decimal } from "../logging";

/** What a reader tree shares: the tape and the first error. */
class ConfigDoc {
  t: JsonTape;
  error: string | null = null;
  num: I64Out = new I64Out();
  constructor(t: JsonTape) { this.t = t; }
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

/** `path` + member `name`: "a.b", or "a[\"b c\"]" when the name is not a plain identifier. */
function joinPath(path: string, name: string): string {
  if (!isPlainKey(name)) return path + "[" + jsonQuote(name) + "]";
  return path.length == 0 ? name : path + "." + name;
}

function indexPath(path: string, i: i32): string {
  return path + "[" + decimal(i) + "]";
}

/** The field path of token `target` (a value somewhere under the root), found by walking down the tape. */
function pathOf(t: JsonTape, target: i32): string {
  let path = "";
  let cur = t.root;
  while (cur != target && cur >= 0) {
    const kind = t.kind(cur);
    const end = t.next(cur);
    let found = -1;
    if (kind == K_OBJECT) {
      for (let k = cur + 1; k < end; ) {
        const v = k + 1;
        const nv = t.next(v);
        if (target >= v && target < nv) {
          path = joinPath(path, t.string(k));
          found = v;
          break;
        }
        k = nv;
      }
    } else if (kind == K_ARRAY) {
      let i = 0;
      for (let e = cur + 1; e < end; i++) {
        const ne = t.next(e);
        if (target >= e && target < ne) {
          path = indexPath(path, i);
          found = e;
          break;
        }
        e = ne;
      }
    }
    cur = found;
  }
  return path;
}

function describe(t: JsonTape, v: i32): string {
  return t.kind(v) == K_NUMBER ? t.numberText(v) : t.typeName(v);
}

/** Whether string token `i` equals `s` (compared on the bytes when the token is plain ASCII). */
@inline function tokenIs(t: JsonTape, i: i32, s: string): bool { return t.keyIs(i, s); }

/**
 * `x` for error texts in the form JavaScript / AssemblyScript print it ("0.0" for integral values, "0.25",
 * "1e-7", "1.5e+21"), without the standard library's dtoa (~3 KB of code and tables): the shortest digit
 * count that scaleDecimal maps back to `x`.
 */
function formatF64(x: f64): string {
  if (x != x) return "NaN";
  const sign = x < 0 ? "-" : "";
  const a = Math.abs(x);
  if (a == Infinity) return sign + "Infinity";
  if (a == Math.floor(a) && a < 1e15) return sign + decimal(<i64>a) + ".0";
  // decimal exponent of the first digit
  let e: i32 = 0;
  for (let b = a; b >= 10; b /= 10) e++;
  for (let b = a; b < 1; b *= 10) e--;
  let m: u64 = 0;
  let p = 1;
  for (; p <= 17; p++) {
    const k = p - 1 - e;
    m = <u64>Math.round(k >= 0 ? a * scaleDecimal(1, k) : a / scaleDecimal(1, -k));
    if (scaleDecimal(m, e - p + 1) == a) break;
  }
  if (p > 17) p = 17;
  let d = decimal(<i64>m);
  if (d.length > p) {
    // rounding carried into a new digit (9.99… → 10.0…)
    e++;
    d = d.substring(0, p);
  }
  if (e >= 21 || e <= -7) {
    const mant = d.length > 1 ? d.charAt(0) + "." + d.substring(1) : d;
    return sign + mant + "e" + (e > 0 ? "+" : "-") + decimal(<i64>(e > 0 ? e : -e));
  }
  if (e < 0) return sign + "0." + "0".repeat(-e - 1) + d;
  if (d.length <= e + 1) return sign + d + "0".repeat(e + 1 - d.length) + ".0";
  return sign + d.substring(0, e + 1) + "." + d.substring(e + 1);
}

/** The `{}` configuration null / empty input reads as. */
@lazy const EMPTY_OBJECT = memory.data<u8>([0x7b, 0x7d]);

export class ConfigReader {
  private doc: ConfigDoc;
  /** Token of this reader's object, or -1 for an absent (or wrong-typed) object. */
  private tok: i32;
  /** Path and key of an absent reader (a present one computes them from the tape). */
  private absentPath: string = "";
  private absentKey: string = "";
  // item(): one reused element reader and where the last call left it
  private iter: ConfigReader | null = null;
  private iterName: string | null = null;
  private iterField: i32 = -1;
  private iterIndex: i32 = -1;
  private iterTok: i32 = -1;

  private constructor(doc: ConfigDoc, tok: i32) {
    this.doc = doc;
    this.tok = tok;
    if (tok >= 0) doc.t.mark(tok, F_USED); // reached: finish() checks its members
  }

  /** Parses configuration bytes; null or empty (whitespace-only) input reads as `{}`. */
  static parse(bytes: ArrayBuffer | null, opts: JsonOptions = DEFAULT_OPTIONS): ConfigReader {
    if (bytes == null) return ConfigReader.fromTape(tokenize(EMPTY_OBJECT, 2, opts, null, false));
    let t = tokenize(changetype<usize>(bytes), <usize>bytes.byteLength, opts, bytes, true);
    if (t.message == null && t.root < 0) t = tokenize(EMPTY_OBJECT, 2, opts, null, false);
    return ConfigReader.fromTape(t);
  }
  /** Parses JSON text (encoded to UTF-8 first; error offsets are UTF-8 byte offsets). */
  static parseString(text: string, opts: JsonOptions = DEFAULT_OPTIONS): ConfigReader {
    return ConfigReader.parse(String.UTF8.encode(text), opts);
  }

  private static fromTape(t: JsonTape): ConfigReader {
    const doc = new ConfigDoc(t);
    const msg = t.message;
    if (msg != null) {
      doc.error = configText(E_INVALID_JSON_AT) + decimal(t.offset) + ": " + msg;
      return new ConfigReader(doc, -1);
    }
    if (t.kind(t.root) != K_OBJECT) {
      doc.error = configText(E_ROOT_NOT_OBJECT) + t.typeName(t.root);
      return new ConfigReader(doc, -1);
    }
    return new ConfigReader(doc, t.root);
  }

  private absent(path: string, key: string): ConfigReader {
    const r = new ConfigReader(this.doc, -1);
    r.absentPath = path;
    r.absentKey = key;
    return r;
  }

  /** The first error of the whole reader tree, or null. */
  get error(): string | null { return this.doc.error; }
  get ok(): bool { return this.doc.error == null; }
  /** False for a reader of an absent optional object (or of a value that was not an object). */
  get present(): bool { return this.tok >= 0; }
  /** Field path of this reader: "" at the root, "trace", "rules[2].match", … */
  get path(): string { return this.tok >= 0 ? pathOf(this.doc.t, this.tok) : this.absentPath; }
  /** The member's key for readers of object members (map(), item() over an object); "" otherwise. */
  get key(): string {
    const i = this.tok;
    const t = this.doc.t;
    if (i > 0 && t.kind(i - 1) == K_KEY) return t.string(i - 1);
    return i >= 0 ? "" : this.absentKey;
  }

  private fieldPath(name: string): string { return joinPath(this.path, name); }

  /** Records `message` for field `name` of this reader (first error wins). */
  fail(name: string, message: string): void {
    if (this.doc.error == null) this.doc.error = configText(E_FIELD_PREFIX) + this.fieldPath(name) + "': " + message;
  }
  /** Records `message` for this reader's own path. */
  failHere(message: string): void {
    if (this.doc.error != null) return;
    const p = this.path;
    this.doc.error = p.length == 0 ? "config: " + message : configText(E_FIELD_PREFIX) + p + "': " + message;
  }
  private failAt(path: string, message: string): void {
    if (this.doc.error == null) this.doc.error = configText(E_FIELD_PREFIX) + path + "': " + message;
  }

  /** The value token of member `name`, or -1 (linear in the object's size). */
  private find(name: string): i32 {
    const o = this.tok;
    if (o < 0) return -1;
    const t = this.doc.t;
    const end = t.next(o);
    for (let k = o + 1; k < end; k = t.next(k + 1)) {
      if (t.keyIs(k, name)) return k + 1;
    }
    return -1;
  }

  /** True when the field is present and not null. */
  has(name: string): bool {
    const v = this.find(name);
    return v >= 0 && this.doc.t.kind(v) != K_NULL;
  }

  /** Marks the field used and returns its value token; -1 when absent or null. Reports a missing required field. */
  private field(name: string, required: bool): i32 {
    let v = this.find(name);
    if (v >= 0) {
      const t = this.doc.t;
      t.mark(v - 1, F_USED);
      if (t.kind(v) == K_NULL) v = -1;
    }
    if (v < 0 && required) this.fail(name, configText(E_REQUIRED_MISSING));
    return v;
  }

  private typeError(name: string, expected: i32, got: i32): void {
    if (this.doc.error == null) this.fail(name, configText(E_EXPECTED) + configText(expected) + configText(E_GOT) + describe(this.doc.t, got));
  }

  // --- strings ---

  string(name: string, def: string): string { return this.stringImpl(name, def, false); }
  requireString(name: string): string { return this.stringImpl(name, "", true); }
  private stringImpl(name: string, def: string, required: bool): string {
    const f = this.field(name, required);
    if (f < 0) return def;
    const t = this.doc.t;
    if (t.kind(f) != K_STRING) {
      this.typeError(name, E_A_STRING, f);
      return def;
    }
    return t.string(f);
  }

  // --- bool ---

  bool(name: string, def: bool): bool { return this.boolImpl(name, def, false); }
  requireBool(name: string): bool { return this.boolImpl(name, false, true); }
  private boolImpl(name: string, def: bool, required: bool): bool {
    const f = this.field(name, required);
    if (f < 0) return def;
    const k = this.doc.t.kind(f);
    if (k != K_TRUE && k != K_FALSE) {
      this.typeError(name, E_A_BOOLEAN, f);
      return def;
    }
    return k == K_TRUE;
  }

  // --- integers ---

  private intImpl(name: string, def: i64, min: i64, max: i64, required: bool, what: i32): i64 {
    const f = this.field(name, required);
    if (f < 0) return def;
    const t = this.doc.t;
    const out = this.doc.num;
    if (t.kind(f) != K_NUMBER || !t.toI64(f, out)) {
      this.typeError(name, what, f);
      return def;
    }
    const v = out.v;
    if (v < min || v > max) {
      if (min == 0 && v < 0) this.typeError(name, what, f);
      else this.fail(name, configText(E_MUST_BE_BETWEEN) + decimal(min) + " and " + decimal(max) + configText(E_GOT) + decimal(v));
      return def;
    }
    return v;
  }

  u32(name: string, def: u32, min: u32 = 0, max: u32 = u32.MAX_VALUE): u32 {
    return <u32>this.intImpl(name, <i64>def, <i64>min, <i64>max, false, E_AN_UNSIGNED_INTEGER);
  }
  requireU32(name: string, min: u32 = 0, max: u32 = u32.MAX_VALUE): u32 {
    return <u32>this.intImpl(name, 0, <i64>min, <i64>max, true, E_AN_UNSIGNED_INTEGER);
  }
  i32(name: string, def: i32, min: i32 = i32.MIN_VALUE, max: i32 = i32.MAX_VALUE): i32 {
    return <i32>this.intImpl(name, <i64>def, <i64>min, <i64>max, false, E_AN_INTEGER);
  }
  requireI32(name: string, min: i32 = i32.MIN_VALUE, max: i32 = i32.MAX_VALUE): i32 {
    return <i32>this.intImpl(name, 0, <i64>min, <i64>max, true, E_AN_INTEGER);
  }
  i64(name: string, def: i64, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.intImpl(name, def, min, max, false, E_AN_INTEGER);
  }
  requireI64(name: string, min: i64 = i64.MIN_VALUE, max: i64 = i64.MAX_VALUE): i64 {
    return this.intImpl(name, 0, min, max, true, E_AN_INTEGER);
  }

  // --- f64 (the only getter that links float parsing and formatting) ---

  f64(name: string, def: f64, min: f64 = -Infinity, max: f64 = Infinity): f64 {
    return this.f64Impl(name, def, min, max, false);
  }
  requireF64(name: string, min: f64 = -Infinity, max: f64 = Infinity): f64 {
    return this.f64Impl(name, 0, min, max, true);
  }
  private f64Impl(name: string, def: f64, min: f64, max: f64, required: bool): f64 {
    const f = this.field(name, required);
    if (f < 0) return def;
    const t = this.doc.t;
    if (t.kind(f) != K_NUMBER) {
      this.typeError(name, E_A_NUMBER, f);
      return def;
    }
    const x = parseF64(t.start(f), t.end(f));
    if (x < min || x > max) {
      this.fail(name, configText(E_MUST_BE_BETWEEN) + formatF64(min) + " and " + formatF64(max) + configText(E_GOT) + formatF64(x));
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
    if (f < 0) return def;
    const t = this.doc.t;
    const isStr = t.kind(f) == K_STRING;
    if (isStr) {
      for (let i = 0; i < choices.length; i++) if (tokenIs(t, f, unchecked(choices[i]))) return i;
    }
    if (this.doc.error == null) {
      let list = "";
      for (let i = 0; i < choices.length; i++) list += (i > 0 ? ", " : "") + unchecked(choices[i]);
      this.fail(name, configText(E_EXPECTED_ONE_OF) + list + configText(E_GOT) + (isStr ? jsonQuote(t.string(f)) : describe(t, f)));
    }
    return def;
  }

  // --- collections ---

  /** An array of strings; absent → []. */
  stringArray(name: string, required: bool = false): Array<string> {
    const f = this.field(name, required);
    if (f < 0) return new Array<string>();
    const t = this.doc.t;
    if (t.kind(f) != K_ARRAY) {
      this.typeError(name, E_AN_ARRAY_OF_STRINGS, f);
      return new Array<string>();
    }
    const out = new Array<string>(t.members(f));
    const end = t.next(f);
    let i = 0;
    for (let e = f + 1; e < end; e = t.next(e)) {
      if (t.kind(e) != K_STRING) {
        this.failAt(indexPath(this.fieldPath(name), i), configText(E_EXPECTED_STRING_GOT) + describe(t, e));
        return new Array<string>();
      }
      unchecked((out[i++] = t.string(e)));
    }
    return out;
  }

  /** An object whose members are all strings; absent → empty map. */
  stringMap(name: string, required: bool = false): Map<string, string> {
    const out = new Map<string, string>();
    const f = this.field(name, required);
    if (f < 0) return out;
    const t = this.doc.t;
    if (t.kind(f) != K_OBJECT) {
      this.typeError(name, E_AN_OBJECT, f);
      return out;
    }
    const end = t.next(f);
    for (let k = f + 1; k < end; k = t.next(k + 1)) {
      const v = k + 1;
      if (t.kind(v) != K_STRING) {
        this.failAt(joinPath(this.fieldPath(name), t.string(k)), configText(E_EXPECTED_STRING_GOT) + describe(t, v));
        return new Map<string, string>();
      }
      out.set(t.string(k), t.string(v));
    }
    return out;
  }

  /** A nested object; absent → a reader with `present == false` whose getters return defaults. */
  object(name: string): ConfigReader { return this.objectImpl(name, false); }
  requireObject(name: string): ConfigReader { return this.objectImpl(name, true); }
  private objectImpl(name: string, required: bool): ConfigReader {
    const f = this.field(name, required);
    if (f >= 0 && this.doc.t.kind(f) == K_OBJECT) return new ConfigReader(this.doc, f);
    if (f >= 0) this.typeError(name, E_AN_OBJECT, f);
    return this.absent(this.fieldPath(name), "");
  }

  /** A reader for element `i` / member (`key`) value `v` of container field `name`; reports a non-object. */
  private element(v: i32, name: string, i: i32, key: i32): ConfigReader {
    const t = this.doc.t;
    if (t.kind(v) == K_OBJECT) return new ConfigReader(this.doc, v);
    const path = this.fieldPath(name);
    const ep = key >= 0 ? joinPath(path, t.string(key)) : indexPath(path, i);
    this.failAt(ep, configText(E_EXPECTED_OBJECT_GOT) + describe(t, v));
    return this.absent(ep, key >= 0 ? t.string(key) : "");
  }

  /** An array of objects: one reader per element, paths "name[i]"; absent → []. */
  array(name: string): Array<ConfigReader> { return this.arrayImpl(name, false); }
  requireArray(name: string): Array<ConfigReader> { return this.arrayImpl(name, true); }
  private arrayImpl(name: string, required: bool): Array<ConfigReader> {
    const f = this.field(name, required);
    if (f < 0) return new Array<ConfigReader>();
    const t = this.doc.t;
    if (t.kind(f) != K_ARRAY) {
      this.typeError(name, E_AN_ARRAY, f);
      return new Array<ConfigReader>();
    }
    const out = new Array<ConfigReader>(t.members(f));
    const end = t.next(f);
    let i = 0;
    for (let e = f + 1; e < end; e = t.next(e)) {
      unchecked((out[i] = this.element(e, name, i, -1)));
      i++;
    }
    return out;
  }

  /** An object with arbitrary keys whose values are objects: one reader per member (`.key` set). */
  map(name: string, required: bool = false): Array<ConfigReader> {
    const f = this.field(name, required);
    if (f < 0) return new Array<ConfigReader>();
    const t = this.doc.t;
    if (t.kind(f) != K_OBJECT) {
      this.typeError(name, E_AN_OBJECT, f);
      return new Array<ConfigReader>();
    }
    const out = new Array<ConfigReader>(t.members(f));
    const end = t.next(f);
    let i = 0;
    for (let k = f + 1; k < end; k = t.next(k + 1)) {
      const v = k + 1;
      unchecked((out[i++] = this.element(v, name, 0, k)));
    }
    return out;
  }

  // --- iteration without allocation (big arrays and maps) ---

  /**
   * Number of elements of array field `name`, or of members of object field `name` (a map); 0 when absent.
   * Marks the field used; another type is reported like any type error.
   */
  count(name: string): i32 {
    const f = this.container(name);
    return f < 0 ? 0 : this.doc.t.members(f);
  }

  /**
   * Element `i` of array field `name` (or member `i` of object field `name`, with `.key`) as an object
   * reader. Always the SAME reader object for a given parent (nothing is allocated per element): read what
   * you need from it before the next item() call. Increasing `i` (0, 1, 2, …) costs O(1) per call;
   * unknown fields of every element are still reported by finish(). Out of range or absent → a reader
   * with `present == false`; an element that is not an object is reported ("expected an object").
   */
  item(name: string, i: i32): ConfigReader {
    if (this.iterField < 0 || this.iterName != name) {
      this.iterName = name;
      this.iterField = this.container(name);
      this.iterIndex = -1;
    }
    return this.at(this.iterField, i, name);
  }

  /**
   * Members of this reader's own object taken as a map (free-form keys: finish() does not report them),
   * e.g. a provider whose keys are service names: `for (i < p.memberCount()) { const s = p.member(i); s.key … }`.
   */
  memberCount(): i32 {
    const o = this.tok;
    if (o < 0) return 0;
    this.doc.t.mark(o, F_OPEN);
    return this.doc.t.members(o);
  }
  /** Member `i` of this reader's object as an object reader (`.key` set); the same reuse rules as item(). */
  member(i: i32): ConfigReader {
    if (this.iterName != null || this.iterField != this.tok) {
      this.iterName = null;
      this.iterField = this.tok;
      this.iterIndex = -1;
      if (this.tok >= 0) this.doc.t.mark(this.tok, F_OPEN);
    }
    return this.at(this.tok, i, null);
  }

  /** Points this reader at object token `tok` (-1 = absent) and forgets its own iteration state. */
  private point(tok: i32, path: string, key: string): void {
    this.tok = tok;
    this.absentPath = path;
    this.absentKey = key;
    this.iterField = -1;
    this.iterName = null;
    if (tok >= 0) this.doc.t.mark(tok, F_USED);
  }

  /** Element/member `i` of container token `f` (of field `name`, or this reader's object when null). */
  private at(f: i32, i: i32, name: string | null): ConfigReader {
    let it = this.iter;
    if (it == null) this.iter = it = new ConfigReader(this.doc, -1);
    const t = this.doc.t;
    if (f < 0 || i < 0 || i >= t.members(f)) {
      it.point(-1, f >= 0 || this.doc.error == null ? indexPath(name != null ? this.fieldPath(name) : this.path, i) : "", "");
      return it;
    }
    const isMap = t.kind(f) == K_OBJECT;
    let j = this.iterIndex;
    let v = this.iterTok;
    if (j < 0 || i < j) {
      j = 0;
      v = isMap ? f + 2 : f + 1;
    }
    while (j < i) {
      v = isMap ? t.next(v) + 1 : t.next(v);
      j++;
    }
    this.iterIndex = i;
    this.iterTok = v;
    if (t.kind(v) == K_OBJECT) {
      it.point(v, "", "");
      return it;
    }
    const base = name != null ? this.fieldPath(name) : this.path;
    const ep = isMap ? joinPath(base, t.string(v - 1)) : indexPath(base, i);
    this.failAt(ep, configText(E_EXPECTED_OBJECT_GOT) + describe(t, v));
    it.point(-1, ep, isMap ? t.string(v - 1) : "");
    return it;
  }

  /** Value token of array/object field `name` (marked used), or -1 (absent, null, or reported wrong type). */
  private container(name: string): i32 {
    const f = this.field(name, false);
    if (f < 0) return -1;
    const k = this.doc.t.kind(f);
    if (k != K_ARRAY && k != K_OBJECT) {
      this.typeError(name, E_AN_ARRAY_OR_OBJECT, f);
      return -1;
    }
    return f;
  }

  /** Member names of this reader's object (all of them count as known for finish()). */
  keys(): Array<string> {
    const o = this.tok;
    if (o < 0) return new Array<string>(0);
    const t = this.doc.t;
    t.mark(o, F_OPEN);
    const out = new Array<string>(t.members(o));
    const end = t.next(o);
    let i = 0;
    for (let k = o + 1; k < end; k = t.next(k + 1)) unchecked((out[i++] = t.string(k)));
    return out;
  }

  /**
   * Reports the first field that no getter asked for, in this reader's object and in every object below
   * it that a reader was handed out for (its own members first, then nested objects in document order).
   * Call it after reading everything.
   */
  finish(): bool {
    if (this.doc.error != null) return false;
    if (this.tok >= 0) this.check(this.tok);
    return this.doc.error == null;
  }

  private check(c: i32): bool {
    const t = this.doc.t;
    const end = t.next(c);
    if (t.kind(c) == K_OBJECT) {
      if (t.has(c, F_USED) && !t.has(c, F_OPEN)) {
        for (let k = c + 1; k < end; k = t.next(k + 1)) {
          if (!t.has(k, F_USED)) {
            this.failAt(joinPath(pathOf(t, c), t.string(k)), configText(E_UNKNOWN_FIELD));
            return false;
          }
        }
      }
      for (let k = c + 1; k < end; k = t.next(k + 1)) {
        if (t.kind(k + 1) >= K_ARRAY && !this.check(k + 1)) return false;
      }
    } else {
      for (let e = c + 1; e < end; e = t.next(e)) {
        if (t.kind(e) >= K_ARRAY && !this.check(e)) return false;
      }
    }
    return true;
  }
}

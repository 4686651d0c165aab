// One validating pass over UTF-8 JSON bytes that produces a "tape": one fixed-size token per value (and per
// object key) in a single buffer, containers linked to their end. Nothing is decoded: strings and numbers
// stay byte ranges of the input until somebody asks for them (ConfigReader's getters, or Json.parse when it
// builds a JsonValue tree from the tape). This is what makes ConfigReader cheap: parsing a config allocates
// the tape and nothing per value, and a filter that reads no float never links float parsing.
//
// Token i = 3 × u32 at tape + i * 12:
//   w0  kind (bits 0-2) | COMPLEX (bit 3) | USED (bit 4) | OPEN (bit 5) | members << 8 (containers)
//   w1  byte offset of the token's first byte (a string's opening quote)
//   w2  scalars: byte offset just past the token; containers: index of the token after the container
// COMPLEX: a string/key with an escape or a non-ASCII byte (must be decoded, not just widened); a number
// written with '.' or an exponent. USED / OPEN are ConfigReader's marks (field read / object reached,
// members are free-form keys). An object's tokens are KEY, value, KEY, value, …; a value's key is the
// token just before it.
//
// The validation is strict RFC 8259 (the rules and error texts are listed in json.ts) and never traps.

import { decimal } from "../logging";

export const K_NULL: u32 = 0;
export const K_FALSE: u32 = 1;
export const K_TRUE: u32 = 2;
export const K_NUMBER: u32 = 3;
export const K_STRING: u32 = 4;
export const K_KEY: u32 = 5;
export const K_ARRAY: u32 = 6;
export const K_OBJECT: u32 = 7;
export const F_COMPLEX: u32 = 8;
export const F_USED: u32 = 16;
export const F_OPEN: u32 = 32;
/** Members of one array/object the tape can count (24 bits). */
export const MAX_MEMBERS: u32 = 0xffffff;
const TOKEN_BYTES: usize = 12;

export class JsonOptions {
  maxBytes: i32 = 1 << 20;
  maxDepth: i32 = 64;
  maxStringLength: i32 = i32.MAX_VALUE;
}

@lazy export const DEFAULT_OPTIONS = new JsonOptions();

/** A validated document: the input bytes (kept alive) and its tape; or the first error. */
export class JsonTape {
  /** Keeps the input alive when it is a managed buffer (ConfigReader.parse); 0-based offsets refer to `base`. */
  input: ArrayBuffer | null = null;
  base: usize = 0;
  tape: ArrayBuffer = changetype<ArrayBuffer>(0);
  tokens: i32 = 0;
  /** Index of the root value's token (0), or -1 when the input had no value (empty/whitespace). */
  root: i32 = -1;
  /** The bare message ("expected ':'"), or null. */
  message: string | null = null;
  /** Byte offset of the error, -1 when ok. */
  offset: i32 = -1;

  @inline ptr(i: i32): usize { return changetype<usize>(this.tape) + <usize>i * TOKEN_BYTES; }
  @inline meta(i: i32): u32 { return load<u32>(this.ptr(i)); }
  @inline kind(i: i32): u32 { return load<u32>(this.ptr(i)) & 7; }
  @inline members(i: i32): i32 { return <i32>(load<u32>(this.ptr(i)) >> 8); }
  @inline start(i: i32): usize { return this.base + <usize>load<u32>(this.ptr(i), 4); }
  @inline end(i: i32): usize { return this.base + <usize>load<u32>(this.ptr(i), 8); }
  /** Index of the token after value `i` (skips a container's contents). */
  @inline next(i: i32): i32 {
    const p = this.ptr(i);
    return (load<u32>(p) & 7) >= K_ARRAY ? <i32>load<u32>(p, 8) : i + 1;
  }
  @inline mark(i: i32, flag: u32): void {
    const p = this.ptr(i);
    store<u32>(p, load<u32>(p) | flag);
  }
  @inline has(i: i32, flag: u32): bool { return (load<u32>(this.ptr(i)) & flag) != 0; }

  /** "null", "boolean", "number", "string", "array" or "object". */
  typeName(i: i32): string {
    switch (this.kind(i)) {
      case K_NULL: return "null";
      case K_FALSE:
      case K_TRUE: return "boolean";
      case K_NUMBER: return "number";
      case K_ARRAY: return "array";
      case K_OBJECT: return "object";
      default: return "string";
    }
  }

  /** A number's source text (ASCII), e.g. "1.5e3". */
  numberText(i: i32): string {
    const s = this.start(i);
    return asciiString(s, this.end(i) - s);
  }

  /** The decoded value of a string or key token. */
  string(i: i32): string {
    const s = this.start(i) + 1;
    const e = this.end(i) - 1;
    if (!this.has(i, F_COMPLEX)) return asciiString(s, e - s);
    const n = decodeInto(s, e, 0);
    const out = __new(n << 1, idof<String>());
    decodeInto(s, e, out);
    return changetype<string>(out);
  }

  /** Whether key token `i` equals `name` (compared without decoding when the key is plain ASCII). */
  keyIs(i: i32, name: string): bool {
    if (this.has(i, F_COMPLEX)) return this.string(i) == name;
    const s = this.start(i) + 1;
    const n = <usize>name.length;
    if (this.end(i) - 1 - s != n) return false;
    const q = changetype<usize>(name);
    for (let k: usize = 0; k < n; k++) if (<u32>load<u8>(s + k) != <u32>load<u16>(q + (k << 1))) return false;
    return true;
  }

  /** Exact integer value of number token `i` into `out` (integral floats like 1e3 or 2.0 included). */
  toI64(i: i32, out: I64Out): bool {
    return parseI64(this.start(i), this.end(i), out);
  }
}

/** A result slot for parseI64 (avoids a tuple allocation per call). */
export class I64Out {
  v: i64 = 0;
}

/** `len` ASCII bytes at `p` as a string. */
export function asciiString(p: usize, len: usize): string {
  const out = __new(len << 1, idof<String>());
  for (let k: usize = 0; k < len; k++) store<u16>(out + (k << 1), load<u8>(p + k));
  return changetype<string>(out);
}

function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

@inline function hex4At(q: usize): u32 {
  return (<u32>hexVal(load<u8>(q)) << 12) | (<u32>hexVal(load<u8>(q + 1)) << 8) |
    (<u32>hexVal(load<u8>(q + 2)) << 4) | <u32>hexVal(load<u8>(q + 3));
}

/**
 * Decodes the already validated string content [p, end) to UTF-16 at `dst` (0 = only count); returns the
 * number of UTF-16 units.
 */
function decodeInto(p: usize, end: usize, dst: usize): usize {
  let w: usize = 0;
  while (p < end) {
    let c = <u32>load<u8>(p);
    if (c == 0x5c) {
      const e = <u32>load<u8>(p + 1);
      p += 2;
      switch (e) {
        case 0x62: c = 0x08; break;
        case 0x66: c = 0x0c; break;
        case 0x6e: c = 0x0a; break;
        case 0x72: c = 0x0d; break;
        case 0x74: c = 0x09; break;
        case 0x75: c = hex4At(p); p += 4; break;
        default: c = e; // " \ /
      }
    } else if (c < 0x80) {
      p++;
    } else if (c < 0xe0) {
      c = ((c & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
      p += 2;
    } else if (c < 0xf0) {
      c = ((c & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
      p += 3;
    } else {
      const cp = ((c & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) |
        ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
      p += 4;
      if (dst) {
        store<u16>(dst + (w << 1), <u16>(0xd800 | ((cp - 0x10000) >> 10)));
        store<u16>(dst + (w << 1) + 2, <u16>(0xdc00 | (cp & 0x3ff)));
      }
      w += 2;
      continue;
    }
    if (dst) store<u16>(dst + (w << 1), <u16>c);
    w++;
  }
  return w;
}

/**
 * The exact i64 value of a validated JSON number in [p, end): integers, and numbers written with a fraction
 * or exponent when they are integral ("1e3", "2.0", "-0.0"). False when not integral or outside i64.
 */
export function parseI64(p: usize, end: usize, out: I64Out): bool {
  let neg = false;
  if (load<u8>(p) == 0x2d) {
    neg = true;
    p++;
  }
  // digits (integer part, then fraction) and the decimal exponent that applies to them
  let mant: u64 = 0;
  let digits = 0; // significant digits in mant
  let scale: i64 = 0; // value = mant * 10^scale
  let pendingZeros: i64 = 0; // zeros seen after the last nonzero digit (not yet in mant)
  let inFrac = false;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == 0x2e) {
      inFrac = true;
      p++;
      continue;
    }
    const d = c - 0x30;
    if (d >= 10) break;
    p++;
    if (inFrac) scale--;
    if (d == 0) {
      if (digits > 0) pendingZeros++;
      continue;
    }
    // fold the pending zeros and this digit into mant
    while (pendingZeros > 0) {
      if (++digits > 19) return false;
      mant *= 10;
      pendingZeros--;
    }
    if (++digits > 19) return false;
    mant = mant * 10 + <u64>d;
  }
  scale += pendingZeros; // trailing zeros count as a power of ten
  if (p < end) {
    // exponent
    p++;
    let eneg = false;
    const s = <u32>load<u8>(p);
    if (s == 0x2b || s == 0x2d) {
      eneg = s == 0x2d;
      p++;
    }
    let e: i64 = 0;
    while (p < end) {
      e = e * 10 + <i64>(<u32>load<u8>(p) - 0x30);
      if (e > 100000) e = 100000;
      p++;
    }
    scale += eneg ? -e : e;
  }
  if (mant == 0) {
    out.v = 0;
    return true;
  }
  if (scale < 0 || <i64>digits + scale > 19) return false;
  for (let k: i64 = 0; k < scale; k++) {
    if (mant > u64.MAX_VALUE / 10) return false;
    mant *= 10;
  }
  if (!neg && mant > <u64>i64.MAX_VALUE) return false;
  if (neg && mant > <u64>i64.MAX_VALUE + 1) return false;
  out.v = neg ? <i64>(0 - mant) : <i64>mant;
  return true;
}

/** Leading significant digits of the largest finite f64 boundary (2^1024 - 2^970 rounds to infinity). */
const F64_LIMIT_DIGITS = "1797693134862315807937289714053034150799";

function hexByte(c: u32): string {
  const digits = "0123456789ABCDEF";
  return "0x" + digits.charAt(<i32>(c >> 4)) + digits.charAt(<i32>(c & 15));
}

/** The validating tokenizer (one per parse). */
class Tokenizer {
  t: JsonTape;
  base: usize;
  end: usize;
  pos: usize;
  depth: i32 = 0;
  maxDepth: i32;
  maxString: i32;
  cap: i32;
  errAt: usize = 0;
  /** Duplicate-key index for objects with many members: pairs (key token, object token), 0 = empty. */
  dupTable: StaticArray<i32> | null = null;
  dupUsed: i32 = 0;

  constructor(t: JsonTape, base: usize, len: usize, opts: JsonOptions) {
    this.t = t;
    this.base = base;
    this.end = base + len;
    this.pos = base;
    this.maxDepth = opts.maxDepth < 1 ? 1 : opts.maxDepth > 1000 ? 1000 : opts.maxDepth;
    this.maxString = opts.maxStringLength;
    // a guess that fits most configs (one token per ~6 bytes); grows by doubling
    this.cap = <i32>(len / 6) + 16;
    t.tape = new ArrayBuffer(this.cap * <i32>TOKEN_BYTES);
  }

  fail(msg: string, at: usize): void {
    if (this.t.message == null) {
      this.t.message = msg;
      this.errAt = at;
    }
  }

  /** Appends a token; returns its index. */
  push(meta: u32, start: usize, w2: u32): i32 {
    const t = this.t;
    const i = t.tokens;
    if (i == this.cap) {
      const nc = this.cap << 1;
      const nb = new ArrayBuffer(nc * <i32>TOKEN_BYTES);
      memory.copy(changetype<usize>(nb), changetype<usize>(t.tape), <usize>i * TOKEN_BYTES);
      t.tape = nb;
      this.cap = nc;
    }
    const p = t.ptr(i);
    store<u32>(p, meta);
    store<u32>(p, <u32>(start - this.base), 4);
    store<u32>(p, w2, 8);
    t.tokens = i + 1;
    return i;
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
  literal(word: string, kind: u32): bool {
    const n = <usize>word.length;
    const p = this.pos;
    for (let i: usize = 0; i < n; i++) {
      if (p + i >= this.end || <u32>load<u8>(p + i) != <u32>word.charCodeAt(<i32>i)) {
        this.pos = p + i;
        if (p + i >= this.end) this.fail("unexpected end of input", p + i);
        else this.fail("invalid literal, expected '" + word + "'", p);
        return false;
      }
    }
    this.pos = p + n;
    this.push(kind, p, <u32>(p + n - this.base));
    return true;
  }

  value(): bool {
    this.skipWs();
    if (this.pos >= this.end) {
      this.fail("unexpected end of input", this.pos);
      return false;
    }
    const c = <u32>load<u8>(this.pos);
    switch (c) {
      case 0x7b: return this.object();
      case 0x5b: return this.array();
      case 0x22: return this.string(K_STRING);
      case 0x74: return this.literal("true", K_TRUE);
      case 0x66: return this.literal("false", K_FALSE);
      case 0x6e: return this.literal("null", K_NULL);
      default: {
        if (c == 0x2d || c - 0x30 < 10) return this.number();
        this.unexpected();
        return false;
      }
    }
  }

  enter(): bool {
    if (++this.depth > this.maxDepth) {
      this.fail("nesting deeper than " + decimal(this.maxDepth) + " levels", this.pos);
      return false;
    }
    return true;
  }

  /** Closes container token `i` with `n` members: link to the next token. */
  close(i: i32, n: u32): bool {
    if (n > MAX_MEMBERS) {
      this.fail("more than " + decimal(MAX_MEMBERS) + " members in one array or object", this.t.start(i));
      return false;
    }
    const p = this.t.ptr(i);
    store<u32>(p, load<u32>(p) | (n << 8));
    store<u32>(p, <u32>this.t.tokens, 8);
    this.depth--;
    return true;
  }

  array(): bool {
    if (!this.enter()) return false;
    const me = this.push(K_ARRAY, this.pos, 0);
    this.pos++; // '['
    let n: u32 = 0;
    this.skipWs();
    if (this.pos < this.end && <u32>load<u8>(this.pos) == 0x5d) {
      this.pos++;
      return this.close(me, 0);
    }
    while (true) {
      if (!this.value()) return false;
      n++;
      this.skipWs();
      if (this.pos >= this.end) {
        this.fail("unexpected end of input, expected ',' or ']'", this.pos);
        return false;
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
      return false;
    }
    return this.close(me, n);
  }

  object(): bool {
    if (!this.enter()) return false;
    const me = this.push(K_OBJECT, this.pos, 0);
    this.pos++; // '{'
    let n: u32 = 0;
    this.skipWs();
    if (this.pos < this.end && <u32>load<u8>(this.pos) == 0x7d) {
      this.pos++;
      return this.close(me, 0);
    }
    while (true) {
      this.skipWs();
      if (this.pos >= this.end) {
        this.fail("unexpected end of input, expected a string key", this.pos);
        return false;
      }
      if (<u32>load<u8>(this.pos) != 0x22) {
        this.fail("expected a string key", this.pos);
        return false;
      }
      const keyAt = this.pos;
      if (!this.string(K_KEY)) return false;
      const key = this.t.tokens - 1;
      // duplicate keys are almost always a config mistake: reject them
      if (this.isDuplicate(me, key, n)) {
        this.fail("duplicate key \"" + this.t.string(key) + "\"", keyAt);
        return false;
      }
      this.skipWs();
      if (this.pos >= this.end || <u32>load<u8>(this.pos) != 0x3a) {
        this.fail(this.pos >= this.end ? "unexpected end of input, expected ':'" : "expected ':'", this.pos);
        return false;
      }
      this.pos++;
      if (!this.value()) return false;
      n++;
      this.skipWs();
      if (this.pos >= this.end) {
        this.fail("unexpected end of input, expected ',' or '}'", this.pos);
        return false;
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
      return false;
    }
    return this.close(me, n);
  }

  /** Whether key token `key` (the `n`-th member of object `obj`) repeats an earlier key of that object. */
  isDuplicate(obj: i32, key: i32, n: u32): bool {
    const t = this.t;
    if (n < 16) {
      let k = obj + 1;
      for (let j: u32 = 0; j < n; j++) {
        if (keysEqual(t, k, key)) return true;
        k = t.next(k + 1);
      }
      return false;
    }
    if (n == 16) {
      // from now on this object's keys go through the hash index
      let k = obj + 1;
      for (let j: u32 = 0; j < n; j++) {
        this.dupInsert(obj, k);
        k = t.next(k + 1);
      }
    }
    return this.dupInsert(obj, key);
  }

  /** Inserts (obj, key) into the index; true when the object already had an equal key. */
  dupInsert(obj: i32, key: i32): bool {
    let table = this.dupTable;
    if (table == null || (this.dupUsed + 1) * 2 > (table.length >> 1)) table = this.dupGrow();
    const mask = (table.length >> 1) - 1;
    let h = (keyHash(this.t, key) ^ (<u32>obj * 0x9e3779b1)) & <u32>mask;
    while (true) {
      const k = unchecked(table[<i32>h << 1]);
      if (k == 0) {
        unchecked((table[<i32>h << 1] = key));
        unchecked((table[(<i32>h << 1) + 1] = obj));
        this.dupUsed++;
        return false;
      }
      if (unchecked(table[(<i32>h << 1) + 1]) == obj && keysEqual(this.t, k, key)) return true;
      h = (h + 1) & <u32>mask;
    }
  }

  dupGrow(): StaticArray<i32> {
    const old = this.dupTable;
    const slots = old == null ? 64 : old.length; // doubles: length = 2 * slots
    const table = new StaticArray<i32>(slots << 1);
    this.dupTable = table;
    if (old != null) {
      const mask = slots - 1;
      for (let s = 0; s < old.length; s += 2) {
        const k = unchecked(old[s]);
        if (k == 0) continue;
        const obj = unchecked(old[s + 1]);
        let h = (keyHash(this.t, k) ^ (<u32>obj * 0x9e3779b1)) & <u32>mask;
        while (unchecked(table[<i32>h << 1]) != 0) h = (h + 1) & <u32>mask;
        unchecked((table[<i32>h << 1] = k));
        unchecked((table[(<i32>h << 1) + 1] = obj));
      }
    }
    return table;
  }

  number(): bool {
    const start = this.pos;
    const end = this.end;
    let p = start;
    if (<u32>load<u8>(p) == 0x2d) p++;
    if (p >= end || <u32>load<u8>(p) - 0x30 >= 10) {
      this.pos = p;
      this.fail("expected a digit", p);
      return false;
    }
    let isFloat = false;
    // decimal magnitude: the value lies in [10^(mag-1), 10^mag) (0 when every digit is 0)
    let mag: i64 = 0;
    let firstSig: usize = 0; // address of the first nonzero digit, 0 = none
    if (<u32>load<u8>(p) == 0x30) {
      p++;
      if (p < end && <u32>load<u8>(p) - 0x30 < 10) {
        this.fail("leading zeros are not allowed", p - 1);
        return false;
      }
    } else {
      firstSig = p;
      while (p < end && <u32>load<u8>(p) - 0x30 < 10) p++;
      mag = <i64>(p - firstSig);
    }
    if (p < end && <u32>load<u8>(p) == 0x2e) {
      isFloat = true;
      p++;
      if (p >= end || <u32>load<u8>(p) - 0x30 >= 10) {
        this.fail("expected a digit after '.'", p);
        return false;
      }
      while (p < end && <u32>load<u8>(p) - 0x30 < 10) {
        if (firstSig == 0) {
          if (<u32>load<u8>(p) != 0x30) firstSig = p;
          else mag--;
        }
        p++;
      }
    }
    let exp: i64 = 0;
    if (p < end && (<u32>load<u8>(p) | 0x20) == 0x65) {
      isFloat = true;
      p++;
      let eneg = false;
      if (p < end && (<u32>load<u8>(p) == 0x2b || <u32>load<u8>(p) == 0x2d)) {
        eneg = <u32>load<u8>(p) == 0x2d;
        p++;
      }
      if (p >= end || <u32>load<u8>(p) - 0x30 >= 10) {
        this.fail("expected a digit in exponent", p);
        return false;
      }
      while (p < end && <u32>load<u8>(p) - 0x30 < 10) {
        exp = exp * 10 + <i64>(<u32>load<u8>(p) - 0x30);
        if (exp > 100000) exp = 100000;
        p++;
      }
      if (eneg) exp = -exp;
    }
    this.pos = p;
    // f64 overflows to infinity from 1.7976931348623158079…e308 on: reject like a non-finite result
    if (firstSig != 0 && mag + exp >= 309) {
      let over = mag + exp > 309;
      if (!over) {
        // same magnitude as the limit: compare the significant digits with it
        let q = firstSig;
        let cmp = 0;
        const lim = F64_LIMIT_DIGITS;
        for (let k = 0; k < lim.length; k++) {
          while (q < p && <u32>load<u8>(q) == 0x2e) q++;
          const d = q < p && <u32>load<u8>(q) - 0x30 < 10 ? <i32>load<u8>(q) : 0x30;
          if (q < p && <u32>load<u8>(q) - 0x30 < 10) q++;
          const l = <i32>lim.charCodeAt(k);
          if (d != l) {
            cmp = d < l ? -1 : 1;
            break;
          }
        }
        if (cmp == 0) {
          // equal to the limit's leading digits: over it unless the rest is all zeros
          while (q < p && (<u32>load<u8>(q) - 0x30 < 10 || <u32>load<u8>(q) == 0x2e)) {
            if (<u32>load<u8>(q) - 0x31 < 9) cmp = 1;
            q++;
          }
        }
        over = cmp > 0;
      }
      if (over) {
        this.fail("number out of range", start);
        return false;
      }
    }
    this.push(K_NUMBER | (isFloat ? F_COMPLEX : 0), start, <u32>(p - this.base));
    return true;
  }

  /** Validates a string at pos (which holds '"') and pushes it as `kind`. */
  string(kind: u32): bool {
    const open = this.pos;
    const end = this.end;
    let p = open + 1;
    // fast path: plain ASCII without escapes
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (c == 0x22 || c == 0x5c || c < 0x20 || c >= 0x80) break;
      p++;
    }
    let w: usize = p - open - 1; // length in UTF-16 units
    let complex = false;
    while (true) {
      if (p >= end) {
        this.fail("unterminated string", open);
        return false;
      }
      if (w > <usize>this.maxString) {
        this.fail("string longer than " + decimal(this.maxString) + " characters", open);
        return false;
      }
      const c = <u32>load<u8>(p);
      if (c == 0x22) break;
      complex = true;
      if (c < 0x80) {
        if (c == 0x5c) {
          if (p + 1 >= end) {
            this.fail("unterminated string", open);
            return false;
          }
          const e = <u32>load<u8>(p + 1);
          if (e == 0x75) {
            const u = this.hex4(p + 2);
            if (u < 0) {
              this.fail("invalid \\u escape", p);
              return false;
            }
            if (u >= 0xd800 && u < 0xdc00) {
              // high surrogate: must be followed by \u + low surrogate
              let lo: i32 = -1;
              if (p + 7 < end && <u32>load<u8>(p + 6) == 0x5c && <u32>load<u8>(p + 7) == 0x75) lo = this.hex4(p + 8);
              if (lo < 0xdc00 || lo > 0xdfff) {
                this.fail("unpaired surrogate in \\u escape", p);
                return false;
              }
              w += 2;
              p += 12;
              continue;
            }
            if (u >= 0xdc00 && u <= 0xdfff) {
              this.fail("unpaired surrogate in \\u escape", p);
              return false;
            }
            w++;
            p += 6;
            continue;
          }
          if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
            w++;
            p += 2;
            continue;
          }
          if (e >= 0x20 && e < 0x7f) this.fail("invalid escape '\\" + String.fromCharCode(e) + "'", p);
          else this.fail("invalid escape", p);
          return false;
        }
        if (c < 0x20) {
          this.fail(c == 0 ? "NUL byte in string" : "control character " + hexByte(c) + " in string (must be escaped)", p);
          return false;
        }
        w++;
        p++;
        continue;
      }
      // multi-byte UTF-8, strictly validated (RFC 3629)
      let need: usize = 0;
      let lo: u32 = 0x80;
      let hi: u32 = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
      } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0;
        else if (c == 0xed) hi = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90;
        else if (c == 0xf4) hi = 0x8f;
      } else {
        this.fail("invalid UTF-8 byte " + hexByte(c), p);
        return false;
      }
      if (p + need >= end) {
        this.fail("truncated UTF-8 sequence", p);
        return false;
      }
      for (let k: usize = 1; k <= need; k++) {
        const b = <u32>load<u8>(p + k);
        if (b < lo || b > hi) {
          this.fail("invalid UTF-8 sequence", p);
          return false;
        }
        lo = 0x80;
        hi = 0xbf;
      }
      w += need == 3 ? 2 : 1;
      p += need + 1;
    }
    if (w > <usize>this.maxString) {
      this.fail("string longer than " + decimal(this.maxString) + " characters", open);
      return false;
    }
    this.pos = p + 1;
    this.push(kind | (complex ? F_COMPLEX : 0), open, <u32>(p + 1 - this.base));
    return true;
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

/** Whether key tokens `a` and `b` are the same string. */
function keysEqual(t: JsonTape, a: i32, b: i32): bool {
  if (t.has(a, F_COMPLEX) || t.has(b, F_COMPLEX)) return t.string(a) == t.string(b);
  const sa = t.start(a);
  const sb = t.start(b);
  const n = t.end(a) - sa;
  return n == t.end(b) - sb && memory.compare(sa, sb, n) == 0;
}

/** FNV-1a over the key's UTF-16 units (for plain ASCII keys: its bytes). */
function keyHash(t: JsonTape, k: i32): u32 {
  let h: u32 = 0x811c9dc5;
  if (t.has(k, F_COMPLEX)) {
    const s = t.string(k);
    for (let i = 0; i < s.length; i++) h = (h ^ <u32>s.charCodeAt(i)) * 0x01000193;
  } else {
    const e = t.end(k) - 1;
    for (let p = t.start(k) + 1; p < e; p++) h = (h ^ <u32>load<u8>(p)) * 0x01000193;
  }
  return h;
}

/**
 * Validates `len` bytes at `ptr` into a tape. `input` (optional) is kept alive with the tape. An empty or
 * whitespace-only input is an error ("unexpected end of input") unless `emptyIsNothing`, in which case the
 * tape has `root == -1`.
 */
export function tokenize(ptr: usize, len: usize, opts: JsonOptions, input: ArrayBuffer | null, emptyIsNothing: bool): JsonTape {
  const t = new JsonTape();
  t.input = input;
  t.base = ptr;
  if (len > <usize>opts.maxBytes) {
    t.message = "input larger than " + decimal(opts.maxBytes) + " bytes";
    t.offset = opts.maxBytes;
    return t;
  }
  const z = new Tokenizer(t, ptr, len, opts);
  // optional UTF-8 byte order mark
  if (len >= 3 && load<u8>(ptr) == 0xef && load<u8>(ptr + 1) == 0xbb && load<u8>(ptr + 2) == 0xbf) z.pos += 3;
  if (emptyIsNothing) {
    z.skipWs();
    if (z.pos >= z.end) return t;
  }
  if (z.value()) {
    z.skipWs();
    if (z.pos < z.end) z.fail("unexpected trailing data after the JSON value", z.pos);
  }
  if (t.message != null) {
    t.offset = <i32>(z.errAt - ptr);
    return t;
  }
  t.root = 0;
  return t;
}

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
import { hexDigitValue } from "../runtime/ascii";
import {
  configText, E_UNTERMINATED_STRING, E_BAD_U_ESCAPE, E_UNPAIRED_SURROGATE, E_BAD_ESCAPE, E_NUL_IN_STRING, E_TRUNCATED_UTF8,
  E_BAD_UTF8, E_EXPECTED_DIGIT, E_LEADING_ZERO, E_DIGIT_AFTER_DOT, E_DIGIT_IN_EXPONENT, E_NUMBER_RANGE, E_END_OF_INPUT,
  E_TRAILING_DATA, E_END_IN_OBJECT, E_END_IN_ARRAY, E_EXPECTED_OBJECT_SEP, E_EXPECTED_ARRAY_SEP, E_END_BEFORE_KEY,
  E_EXPECTED_KEY, E_END_BEFORE_COLON, E_EXPECTED_COLON,
} from "./texts";

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
  cap: i32 = 0;
  /** Index of the root value's token (0), or -1 when the input had no value (empty/whitespace). */
  root: i32 = -1;
  /** The bare message ("expected ':'"), or null. */
  message: string | null = null;
  /** Byte offset of the error, -1 when ok. */
  offset: i32 = -1;

  @inline ptr(i: i32): usize { return changetype<usize>(this.tape) + <usize>i * TOKEN_BYTES; }
  kind(i: i32): u32 { return load<u32>(this.ptr(i)) & 7; }
  members(i: i32): i32 { return <i32>(load<u32>(this.ptr(i)) >> 8); }
  start(i: i32): usize { return this.base + <usize>load<u32>(this.ptr(i), 4); }
  end(i: i32): usize { return this.base + <usize>load<u32>(this.ptr(i), 8); }
  /** Index of the token after value `i` (skips a container's contents). */
  next(i: i32): i32 {
    const p = this.ptr(i);
    return (load<u32>(p) & 7) >= K_ARRAY ? <i32>load<u32>(p, 8) : i + 1;
  }
  mark(i: i32, flag: u32): void {
    const p = this.ptr(i);
    store<u32>(p, load<u32>(p) | flag);
  }
  has(i: i32, flag: u32): bool { return (load<u32>(this.ptr(i)) & flag) != 0; }

  /** Appends a token (start = byte offset); returns its index. */
  push(meta: u32, start: usize, w2: u32): i32 {
    const i = this.tokens;
    if (i == this.cap) {
      const nb = new ArrayBuffer((this.cap <<= 1) * <i32>TOKEN_BYTES);
      memory.copy(changetype<usize>(nb), changetype<usize>(this.tape), <usize>i * TOKEN_BYTES);
      this.tape = nb;
    }
    const p = this.ptr(i);
    store<u32>(p, meta);
    store<u32>(p, <u32>start, 4);
    store<u32>(p, w2, 8);
    this.tokens = i + 1;
    return i;
  }
  /** Counts one more member of container `i`; false when it already has MAX_MEMBERS. */
  count(i: i32): bool {
    const p = this.ptr(i);
    const m = load<u32>(p);
    if ((m >> 8) == MAX_MEMBERS) return false;
    store<u32>(p, m + 256);
    return true;
  }
  /** Links container `i` to the token after it. */
  close(i: i32): void { store<u32>(this.ptr(i), <u32>this.tokens, 8); }

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

@inline function hex4At(q: usize): u32 {
  return (<u32>hexDigitValue(load<u8>(q)) << 12) | (<u32>hexDigitValue(load<u8>(q + 1)) << 8) |
    (<u32>hexDigitValue(load<u8>(q + 2)) << 4) | <u32>hexDigitValue(load<u8>(q + 3));
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

/** 10^k as f64 for 0 ≤ k ≤ 22 (exact: every product is representable), by multiplication, no table. */
function pow10(k: i32): f64 {
  let r: f64 = 1;
  while (k-- > 0) r *= 10;
  return r;
}

/**
 * m × 10^e10 as f64. Correctly rounded when m < 2^53 and |e10| ≤ 22 (Clinger's fast path: one exact
 * operand, one rounding), which covers every number of up to 15 significant digits a config holds;
 * otherwise within a few ulps (scaled in steps of 10^22).
 */
export function scaleDecimal(m: u64, e10: i32): f64 {
  let x = <f64>m;
  while (e10 > 22) {
    x *= 1e22;
    e10 -= 22;
  }
  while (e10 < -22) {
    x /= 1e22;
    e10 += 22;
  }
  return e10 >= 0 ? x * pow10(e10) : x / pow10(-e10);
}

/**
 * The f64 value of a validated JSON number in [p, end), without the standard library's strtod (whose
 * code and tables would weigh ~3 KB in every module that reads a float): the first 19 significant digits
 * and the exponent go through scaleDecimal (see there for the precision).
 */
export function parseF64(p: usize, end: usize): f64 {
  let neg = false;
  if (load<u8>(p) == 0x2d) {
    neg = true;
    p++;
  }
  let m: u64 = 0;
  let digits = 0;
  let e10: i32 = 0;
  let frac = false;
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (c == 0x2e) {
      frac = true;
      continue;
    }
    if (c - 0x30 >= 10) break;
    if (digits < 19) {
      if (m != 0 || c != 0x30) digits++;
      m = m * 10 + <u64>(c - 0x30);
      if (frac) e10--;
    } else if (!frac) {
      e10++; // a dropped integer digit
    }
  }
  if (p < end) {
    // exponent (validated: [eE][+-]?digits)
    p++;
    let eneg = false;
    if (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d) eneg = load<u8>(p++) == 0x2d;
    let x: i32 = 0;
    for (; p < end; p++) if (x < 100000) x = x * 10 + <i32>(load<u8>(p) - 0x30);
    e10 += eneg ? -x : x;
  }
  const v = m == 0 ? 0.0 : scaleDecimal(m, e10);
  return neg ? -v : v;
}

/** Leading significant digits of the largest finite f64 boundary (2^1024 - 2^970 rounds to infinity). */
@lazy const F64_LIMIT_DIGITS = "1797693134862315807937289714053034150799";

function hexByte(c: u32): string {
  const digits = "0123456789ABCDEF";
  return "0x" + digits.charAt(<i32>(c >> 4)) + digits.charAt(<i32>(c & 15));
}

// The scanner's error (first one wins) and per-token results; module state, since one parse runs at a time.
let errMsg: string | null = null;
let errAt: usize = 0;
let scanComplex = false;

function fail(msg: string, at: usize): usize {
  if (errMsg == null) {
    errMsg = msg;
    errAt = at;
  }
  return 0;
}

@inline function isWs(c: u32): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }
function ws(p: usize, end: usize): usize {
  while (p < end && isWs(load<u8>(p))) p++;
  return p;
}
@inline function isDigit(p: usize, end: usize): bool { return p < end && <u32>load<u8>(p) - 0x30 < 10; }

function hex4(q: usize, end: usize): i32 {
  if (q + 4 > end) return -1;
  let v: i32 = 0;
  for (let i: usize = 0; i < 4; i++) {
    const h = hexDigitValue(<u32>load<u8>(q + i));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

/** Validates the string whose '"' is at `open`; returns the end (past the closing quote) or 0. */
function scanString(open: usize, end: usize, maxString: usize): usize {
  let p = open + 1;
  let w: usize = 0; // length in UTF-16 units
  scanComplex = false;
  while (true) {
    if (p >= end) return fail(configText(E_UNTERMINATED_STRING), open);
    if (w > maxString) break;
    const c = <u32>load<u8>(p);
    if (c == 0x22) break;
    if (c >= 0x20 && c < 0x80 && c != 0x5c) {
      w++;
      p++;
      continue;
    }
    scanComplex = true;
    if (c == 0x5c) {
      if (p + 1 >= end) return fail(configText(E_UNTERMINATED_STRING), open);
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) {
        const u = hex4(p + 2, end);
        if (u < 0) return fail(configText(E_BAD_U_ESCAPE), p);
        if (u >= 0xd800 && u < 0xdc00) {
          // high surrogate: must be followed by \u + low surrogate
          let lo: i32 = -1;
          if (p + 7 < end && load<u8>(p + 6) == 0x5c && load<u8>(p + 7) == 0x75) lo = hex4(p + 8, end);
          if (lo < 0xdc00 || lo > 0xdfff) return fail(configText(E_UNPAIRED_SURROGATE), p);
          w += 2;
          p += 12;
          continue;
        }
        if (u >= 0xdc00 && u <= 0xdfff) return fail(configText(E_UNPAIRED_SURROGATE), p);
        w++;
        p += 6;
        continue;
      }
      if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
        w++;
        p += 2;
        continue;
      }
      return fail(e >= 0x20 && e < 0x7f ? "invalid escape '\\" + String.fromCharCode(e) + "'" : configText(E_BAD_ESCAPE), p);
    }
    if (c < 0x20) return fail(c == 0 ? configText(E_NUL_IN_STRING) : "control character " + hexByte(c) + " in string (must be escaped)", p);
    // multi-byte UTF-8, strictly validated (RFC 3629)
    let need: usize = 3;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      else if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (c == 0xf0) lo = 0x90;
      else if (c == 0xf4) hi = 0x8f;
    } else return fail("invalid UTF-8 byte " + hexByte(c), p);
    if (p + need >= end) return fail(configText(E_TRUNCATED_UTF8), p);
    for (let k: usize = 1; k <= need; k++) {
      const b = <u32>load<u8>(p + k);
      if (b < lo || b > hi) return fail(configText(E_BAD_UTF8), p);
      lo = 0x80;
      hi = 0xbf;
    }
    w += need == 3 ? 2 : 1;
    p += need + 1;
  }
  if (w > maxString) return fail("string longer than " + decimal(<i64>maxString) + " characters", open);
  return p + 1;
}

/** Validates the number at `start`; returns its end or 0. scanComplex = written with '.' or an exponent. */
function scanNumber(start: usize, end: usize): usize {
  let p = start;
  if (load<u8>(p) == 0x2d) p++;
  if (!isDigit(p, end)) return fail(configText(E_EXPECTED_DIGIT), p);
  // decimal magnitude: the value lies in [10^(mag-1), 10^mag) (all digits 0: firstSig stays 0)
  let mag: i64 = 0;
  let firstSig: usize = 0;
  if (load<u8>(p) == 0x30) {
    p++;
    if (isDigit(p, end)) return fail(configText(E_LEADING_ZERO), p - 1);
  } else {
    firstSig = p;
    while (isDigit(p, end)) p++;
    mag = <i64>(p - firstSig);
  }
  scanComplex = false;
  if (p < end && load<u8>(p) == 0x2e) {
    scanComplex = true;
    p++;
    if (!isDigit(p, end)) return fail(configText(E_DIGIT_AFTER_DOT), p);
    for (; isDigit(p, end); p++) {
      if (firstSig == 0) {
        if (load<u8>(p) != 0x30) firstSig = p;
        else mag--;
      }
    }
  }
  let exp: i64 = 0;
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    scanComplex = true;
    p++;
    let eneg = false;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) eneg = load<u8>(p++) == 0x2d;
    if (!isDigit(p, end)) return fail(configText(E_DIGIT_IN_EXPONENT), p);
    for (; isDigit(p, end); p++) {
      exp = exp * 10 + <i64>(<u32>load<u8>(p) - 0x30);
      if (exp > 100000) exp = 100000;
    }
    if (eneg) exp = -exp;
  }
  // f64 overflows to infinity from 1.7976931348623158079…e308 on: rejected like a non-finite result
  if (firstSig != 0 && mag + exp >= 309) {
    let cmp = mag + exp > 309 ? 1 : 0;
    let q = firstSig;
    // same magnitude as the limit: compare the significant digits with its leading ones, then the rest with 0
    for (let k = 0; cmp == 0 && q < p; q++) {
      const d = <i32>load<u8>(q);
      if (d == 0x2e) continue;
      if (d - 0x30 >= 10) break;
      const l = k < F64_LIMIT_DIGITS.length ? F64_LIMIT_DIGITS.charCodeAt(k++) : 0x30;
      cmp = d > l ? 1 : d < l ? -1 : 0;
    }
    if (cmp > 0) return fail(configText(E_NUMBER_RANGE), start);
  }
  return p;
}

/** Duplicate-key index for objects with many members: (key token, object token) pairs, 0 = empty slot. */
class DupIndex {
  table: StaticArray<i32> = new StaticArray<i32>(128);
  used: i32 = 0;

  /** Inserts; true when the object already had an equal key. */
  insert(t: JsonTape, obj: i32, key: i32): bool {
    let table = this.table;
    if ((this.used + 1) * 4 > table.length) {
      // grow ×2 and re-insert
      const old = table;
      this.table = table = new StaticArray<i32>(old.length << 1);
      this.used = 0;
      for (let s = 0; s < old.length; s += 2) {
        const k = unchecked(old[s]);
        if (k != 0) this.insert(t, unchecked(old[s + 1]), k);
      }
    }
    const mask = (table.length >> 1) - 1;
    let h = (keyHash(t, key) ^ (<u32>obj * 0x9e3779b1)) & <u32>mask;
    while (true) {
      const s = <i32>h << 1;
      const k = unchecked(table[s]);
      if (k == 0) {
        unchecked((table[s] = key));
        unchecked((table[s + 1] = obj));
        this.used++;
        return false;
      }
      if (unchecked(table[s + 1]) == obj && keysEqual(t, k, key)) return true;
      h = (h + 1) & <u32>mask;
    }
  }
}

/** Whether key token `key`, the `n`-th member of object `obj`, repeats an earlier key of that object. */
function isDuplicate(t: JsonTape, dup: DupIndex, obj: i32, key: i32, n: i32): bool {
  if (n < 16) {
    for (let k = obj + 1, j = 0; j < n; j++, k = t.next(k + 1)) if (keysEqual(t, k, key)) return true;
    return false;
  }
  if (n == 16) {
    // from now on this object's keys go through the hash index
    for (let k = obj + 1, j = 0; j < n; j++, k = t.next(k + 1)) dup.insert(t, obj, k);
  }
  return dup.insert(t, obj, key);
}

const S_VALUE = 0, S_AFTER = 1, S_KEY = 2;

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
 * Validates `len` bytes at `ptr` into a tape: one loop with an explicit container stack (no recursion).
 * `input` (optional) is kept alive with the tape. An empty or whitespace-only input is an error
 * ("unexpected end of input") unless `emptyIsNothing`, in which case the tape has `root == -1`.
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
  // a first guess (one token per ~6 bytes) that fits most configs; push() doubles it
  t.cap = <i32>(len / 6) + 16;
  t.tape = new ArrayBuffer(t.cap * <i32>TOKEN_BYTES);
  errMsg = null;
  const end = ptr + len;
  const maxDepth = opts.maxDepth < 1 ? 1 : opts.maxDepth > 1000 ? 1000 : opts.maxDepth;
  const maxString = <usize>opts.maxStringLength;
  let stack = new StaticArray<i32>(maxDepth < 16 ? maxDepth : 16);
  let depth = 0;
  let dup: DupIndex | null = null;
  let p = ptr;
  // optional UTF-8 byte order mark
  if (len >= 3 && load<u8>(ptr) == 0xef && load<u8>(ptr + 1) == 0xbb && load<u8>(ptr + 2) == 0xbf) p += 3;
  if (emptyIsNothing && ws(p, end) >= end) return t;
  let state = S_VALUE;
  while (errMsg == null) {
    p = ws(p, end);
    if (state == S_VALUE) {
      if (p >= end) {
        fail(configText(E_END_OF_INPUT), p);
        break;
      }
      const c = <u32>load<u8>(p);
      if (c == 0x7b || c == 0x5b) {
        if (depth >= maxDepth) {
          fail("nesting deeper than " + decimal(maxDepth) + " levels", p);
          break;
        }
        if (depth == stack.length) {
          const bigger = new StaticArray<i32>(depth << 1);
          memory.copy(changetype<usize>(bigger), changetype<usize>(stack), <usize>depth << 2);
          stack = bigger;
        }
        unchecked((stack[depth++] = t.push(c == 0x7b ? K_OBJECT : K_ARRAY, p - ptr, 0)));
        p = ws(p + 1, end);
        if (p < end && load<u8>(p) == c + 2) {
          // "{}" / "[]" ('}' and ']' are '{' + 2 and '[' + 2)
          t.close(unchecked(stack[--depth]));
          p++;
          state = S_AFTER;
        } else {
          state = c == 0x7b ? S_KEY : S_VALUE;
        }
        continue;
      }
      let q: usize = 0;
      let kind = K_NUMBER;
      if (c == 0x22) {
        q = scanString(p, end, maxString);
        kind = K_STRING;
      } else if (c == 0x2d || c - 0x30 < 10) {
        q = scanNumber(p, end);
      } else if (c == 0x74 || c == 0x66 || c == 0x6e) {
        const word = c == 0x74 ? "true" : c == 0x66 ? "false" : "null";
        kind = c == 0x74 ? K_TRUE : c == 0x66 ? K_FALSE : K_NULL;
        scanComplex = false;
        q = p + <usize>word.length;
        for (let i = 0; i < word.length; i++) {
          const at = p + <usize>i;
          if (at >= end) q = fail(configText(E_END_OF_INPUT), at);
          else if (<u32>load<u8>(at) != <u32>word.charCodeAt(i)) q = fail("invalid literal, expected '" + word + "'", p);
          if (q == 0) break;
        }
      } else {
        fail(c >= 0x20 && c < 0x7f ? "unexpected character '" + String.fromCharCode(c) + "'" : "unexpected byte " + hexByte(c), p);
      }
      if (q == 0) break;
      t.push(kind | (scanComplex ? F_COMPLEX : 0), p - ptr, <u32>(q - ptr));
      p = q;
      state = S_AFTER;
      continue;
    }
    if (state == S_AFTER) {
      if (depth == 0) {
        if (p < end) fail(configText(E_TRAILING_DATA), p);
        break;
      }
      const cont = unchecked(stack[depth - 1]);
      const isObj = t.kind(cont) == K_OBJECT;
      if (!t.count(cont)) {
        fail("more than " + decimal(MAX_MEMBERS) + " members in one array or object", t.start(cont));
        break;
      }
      if (p >= end) {
        fail(isObj ? configText(E_END_IN_OBJECT) : configText(E_END_IN_ARRAY), p);
        break;
      }
      const c = <u32>load<u8>(p++);
      if (c == 0x2c) {
        state = isObj ? S_KEY : S_VALUE;
      } else if (c == (isObj ? 0x7d : 0x5d)) {
        t.close(cont);
        depth--;
      } else {
        fail(isObj ? configText(E_EXPECTED_OBJECT_SEP) : configText(E_EXPECTED_ARRAY_SEP), p - 1);
      }
      continue;
    }
    // S_KEY
    if (p >= end) {
      fail(configText(E_END_BEFORE_KEY), p);
      break;
    }
    if (load<u8>(p) != 0x22) {
      fail(configText(E_EXPECTED_KEY), p);
      break;
    }
    const q = scanString(p, end, maxString);
    if (q == 0) break;
    const key = t.push(K_KEY | (scanComplex ? F_COMPLEX : 0), p - ptr, <u32>(q - ptr));
    // duplicate keys are almost always a config mistake: reject them
    const obj = unchecked(stack[depth - 1]);
    const n = t.members(obj);
    if (n >= 16 && dup == null) dup = new DupIndex();
    if (isDuplicate(t, changetype<DupIndex>(dup), obj, key, n)) {
      fail("duplicate key \"" + t.string(key) + "\"", p);
      break;
    }
    p = ws(q, end);
    if (p >= end || load<u8>(p) != 0x3a) {
      fail(p >= end ? configText(E_END_BEFORE_COLON) : configText(E_EXPECTED_COLON), p);
      break;
    }
    p++;
    state = S_VALUE;
  }
  const msg = errMsg;
  if (msg != null) {
    t.message = msg;
    t.offset = <i32>(errAt - ptr);
    errMsg = null;
  } else {
    t.root = 0;
  }
  return t;
}

// FlatConfig: a small reader for a configuration that is ONE JSON object of scalar fields (strings,
// booleans, numbers): what filters/request-id has. It exists for module size (issue 3: < 20 KB): the
// general ConfigReader (reader.ts over tape.ts) is ~14 KB of code and texts, this one ~3 KB, because it
// - reads the members in document order in one pass, the caller dispatching on the field index:
//     const r = new FlatConfig(this.getPluginConfiguration(), NAMES, PREFIX);
//     for (let f = r.next(); f >= 0; f = r.next()) {
//       if (f == F_NAME) name = r.string(); else if (f == F_MAX) max = r.u32(1, 4096); else on = r.bool();
//     }
//     if (!r.ok) { logError(r.error!); return false; }
// - takes the field names and the log prefix as NUL-terminated ASCII blobs (names: one blob, the list
//   ended by an empty name; index = position, at most 64 fields), and builds its texts from an ASCII blob
//   (line.ts), not from UTF-16 literals;
// - returns strings as UTF-8 bytes (ArrayBuffer: header names, keys for the host), never UTF-16;
// - parses numbers without the standard library (integers exactly; floats as digits × 10^exponent in f64,
//   within an ulp or so of the correctly rounded value, plenty for a rate or a ratio);
// - validates, without building anything, whatever is not a field's value (nested values of a wrong-typed
//   field, the rest of the document after an error).
// What it keeps from ConfigReader: strict RFC 8259 syntax (escapes incl. \u surrogate pairs, no raw
// control characters, UTF-8 checked in the strings it decodes, a leading BOM skipped, nesting ≤ 64);
// null / empty input = `{}`; a member whose value is null counts as absent (default kept); the first error
// wins, a syntax error anywhere wins over a field error; errors name the field:
//   "<prefix>config: invalid JSON at byte 12: unexpected end of input"
//   "<prefix>config: expected a JSON object, got array"
//   "<prefix>config field 'max_length': expected an unsigned integer, got \"128\""  → got string
//   "<prefix>config field 'max_length': must be between 1 and 4096, got 0"
//   "<prefix>config field 'x': unknown field (known: header_name, max_length, …)"
// Differences: "got" shows a number as written ("1e3"); float bounds print with up to 6 decimals; a key
// is quoted as written (escapes not decoded) in "unknown field"; a duplicate known field is a syntax error
// ("duplicate key"), a duplicate unknown one an unknown field. Use ConfigReader for nested configs.
import { hexDigitValue } from "../runtime/ascii";
import { lineStart, lineText, lineBytes, lineU64, lineString, textAt, textLength } from "./line";

@lazy const FLAT_TEXTS = memory.data<u8>([
  // 0: "config: invalid JSON at byte "
  0x63, 0x6f, 0x6e, 0x66, 0x69, 0x67, 0x3a, 0x20, 0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x20, 0x4a, 0x53, 0x4f, 0x4e,
  0x20, 0x61, 0x74, 0x20, 0x62, 0x79, 0x74, 0x65, 0x20, 0,
  // 1: ": "
  0x3a, 0x20, 0,
  // 2: "config: expected a JSON object, got "
  0x63, 0x6f, 0x6e, 0x66, 0x69, 0x67, 0x3a, 0x20, 0x65, 0x78, 0x70, 0x65, 0x63, 0x74, 0x65, 0x64, 0x20, 0x61, 0x20, 0x4a,
  0x53, 0x4f, 0x4e, 0x20, 0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x2c, 0x20, 0x67, 0x6f, 0x74, 0x20, 0,
  // 3: "config field '"
  0x63, 0x6f, 0x6e, 0x66, 0x69, 0x67, 0x20, 0x66, 0x69, 0x65, 0x6c, 0x64, 0x20, 0x27, 0,
  // 4: "': "
  0x27, 0x3a, 0x20, 0,
  // 5: "unknown field (known: "
  0x75, 0x6e, 0x6b, 0x6e, 0x6f, 0x77, 0x6e, 0x20, 0x66, 0x69, 0x65, 0x6c, 0x64, 0x20, 0x28, 0x6b, 0x6e, 0x6f, 0x77, 0x6e,
  0x3a, 0x20, 0,
  // 6: ", "
  0x2c, 0x20, 0,
  // 7: ")"
  0x29, 0,
  // 8: "expected "
  0x65, 0x78, 0x70, 0x65, 0x63, 0x74, 0x65, 0x64, 0x20, 0,
  // 9: ", got "
  0x2c, 0x20, 0x67, 0x6f, 0x74, 0x20, 0,
  // 10: "must be between "
  0x6d, 0x75, 0x73, 0x74, 0x20, 0x62, 0x65, 0x20, 0x62, 0x65, 0x74, 0x77, 0x65, 0x65, 0x6e, 0x20, 0,
  // 11: " and "
  0x20, 0x61, 0x6e, 0x64, 0x20, 0,
  // 12: "a boolean"
  0x61, 0x20, 0x62, 0x6f, 0x6f, 0x6c, 0x65, 0x61, 0x6e, 0,
  // 13: "a string"
  0x61, 0x20, 0x73, 0x74, 0x72, 0x69, 0x6e, 0x67, 0,
  // 14: "a number"
  0x61, 0x20, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0,
  // 15: "an unsigned integer"
  0x61, 0x6e, 0x20, 0x75, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x64, 0x20, 0x69, 0x6e, 0x74, 0x65, 0x67, 0x65, 0x72, 0,
  // 16: "unexpected end of input"
  0x75, 0x6e, 0x65, 0x78, 0x70, 0x65, 0x63, 0x74, 0x65, 0x64, 0x20, 0x65, 0x6e, 0x64, 0x20, 0x6f, 0x66, 0x20, 0x69, 0x6e,
  0x70, 0x75, 0x74, 0,
  // 17: "unexpected character"
  0x75, 0x6e, 0x65, 0x78, 0x70, 0x65, 0x63, 0x74, 0x65, 0x64, 0x20, 0x63, 0x68, 0x61, 0x72, 0x61, 0x63, 0x74, 0x65, 0x72,
  0,
  // 18: "invalid string"
  0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x20, 0x73, 0x74, 0x72, 0x69, 0x6e, 0x67, 0,
  // 19: "invalid number"
  0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x20, 0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0,
  // 20: "nesting too deep"
  0x6e, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67, 0x20, 0x74, 0x6f, 0x6f, 0x20, 0x64, 0x65, 0x65, 0x70, 0,
  // 21: "duplicate key"
  0x64, 0x75, 0x70, 0x6c, 0x69, 0x63, 0x61, 0x74, 0x65, 0x20, 0x6b, 0x65, 0x79, 0,
  // 22: "null"
  0x6e, 0x75, 0x6c, 0x6c, 0,
  // 23: "boolean"
  0x62, 0x6f, 0x6f, 0x6c, 0x65, 0x61, 0x6e, 0,
  // 24: "number"
  0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0,
  // 25: "string"
  0x73, 0x74, 0x72, 0x69, 0x6e, 0x67, 0,
  // 26: "array"
  0x61, 0x72, 0x72, 0x61, 0x79, 0,
  // 27: "object"
  0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0,
]);

// FLAT_TEXTS indices
const T_INVALID_JSON = 0, T_COLON = 1, T_ROOT = 2, T_FIELD = 3, T_FIELD_END = 4, T_UNKNOWN = 5, T_COMMA = 6,
  T_CLOSE = 7, T_EXPECTED = 8, T_GOT = 9, T_BETWEEN = 10, T_AND = 11, T_A_BOOLEAN = 12, T_A_STRING = 13,
  T_A_NUMBER = 14, T_AN_UNSIGNED = 15, T_END = 16, T_CHAR = 17, T_BAD_STRING = 18, T_BAD_NUMBER = 19,
  T_DEEP = 20, T_DUPLICATE = 21, T_NULL = 22;
@inline function text(k: i32): usize { return textAt(FLAT_TEXTS, k); }

/** Value kinds (FlatConfig.kind). */
export const FLAT_NULL = 0, FLAT_FALSE = 1, FLAT_TRUE = 2, FLAT_NUMBER = 3, FLAT_STRING = 4, FLAT_ARRAY = 5,
  FLAT_OBJECT = 6;
const MAX_DEPTH = 64;
/** Longest piece of input quoted in an error (a key, a value). */
const QUOTE_MAX: usize = 160;

/** The byte of a one-character escape (\" \\ \/ \b \f \n \r \t), or -1. */
function simpleEscape(e: u32): i32 {
  if (e == 0x22 || e == 0x5c || e == 0x2f) return <i32>e;
  if (e == 0x62) return 8;
  if (e == 0x66) return 12;
  if (e == 0x6e) return 10;
  if (e == 0x72) return 13;
  if (e == 0x74) return 9;
  return -1;
}

/** Four hex digits at p (either case), or -1. */
function hex4(p: usize): i32 {
  let v = 0;
  for (let i: usize = 0; i < 4; i++) {
    const d = hexDigitValue(<u32>load<u8>(p + i));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Writes code point `cp` as UTF-8 at `o`; returns the end. */
function putUtf8(o: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(o, <u8>cp);
    return o + 1;
  }
  let n: usize = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  const end = o + n;
  let p = end;
  while (--n) {
    store<u8>(--p, <u8>(0x80 | (cp & 0x3f)));
    cp >>= 6;
  }
  store<u8>(o, <u8>((0xf0f0e0c0 >> (<u32>(end - o - 2) << 3)) | cp)); // lead byte: C0 / E0 / F0
  return end;
}

/**
 * The bytes of the JSON string token [s, e) (quotes included, escapes already checked by the scanner)
 * decoded to UTF-8, or null when it has an unpaired surrogate escape or invalid UTF-8.
 */
function decodeString(s: usize, e: usize): ArrayBuffer | null {
  const out = __new(e - s, idof<ArrayBuffer>()); // the decoded form is never longer than the token
  let o = out;
  let p = s + 1;
  const end = e - 1;
  while (p < end) {
    let cp = <u32>load<u8>(p++);
    if (cp == 0x5c) {
      const x = <u32>load<u8>(p++);
      if (x != 0x75) {
        store<u8>(o++, <u8>simpleEscape(x));
        continue;
      }
      cp = <u32>hex4(p);
      p += 4;
      if (cp - 0xd800 < 0x800) {
        // a high surrogate followed by \u + a low one
        if (cp >= 0xdc00 || p + 6 > end || load<u16>(p) != 0x755c) return null;
        const lo = <u32>hex4(p + 2) - 0xdc00;
        if (lo >= 0x400) return null;
        cp = 0x10000 + ((cp - 0xd800) << 10) + lo;
        p += 6;
      }
    } else if (cp >= 0x80) {
      // a UTF-8 sequence: decode it (lead byte, continuation bytes) and reject overlong forms,
      // surrogates and code points above U+10FFFF
      let need: usize = 0, min: u32 = 0x80;
      if ((cp & 0xe0) == 0xc0) { need = 1; cp &= 0x1f; }
      else if ((cp & 0xf0) == 0xe0) { need = 2; cp &= 0x0f; min = 0x800; }
      else if ((cp & 0xf8) == 0xf0) { need = 3; cp &= 0x07; min = 0x10000; }
      else return null;
      if (p + need > end) return null;
      for (let i: usize = 0; i < need; i++) {
        const c = <u32>load<u8>(p++);
        if ((c & 0xc0) != 0x80) return null;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || cp - 0xd800 < 0x800) return null;
    }
    o = putUtf8(o, cp);
  }
  return changetype<ArrayBuffer>(__renew(out, o - out));
}

export class FlatConfig {
  /** Keeps the input alive (byte offsets below are addresses in it). */
  private input: ArrayBuffer | null;
  private base: usize;
  private p: usize;
  private end: usize;
  private names: usize;
  private prefix: usize;
  /** The first error (prefix included), or null. */
  error: string | null = null;
  /** Whether `error` is a syntax error (those win over field errors). */
  private syntax: bool = false;
  /** No more members (end of the object, or a syntax error). */
  private done: bool = false;
  /** Before the first member of the object. */
  private first: bool = true;
  /** Known fields seen (bit = field index). */
  private seen: u64 = 0;
  /** The member next() returned: field index, value kind and the value's bytes [valueStart, valueEnd). */
  field: i32 = -1;
  kind: i32 = FLAT_NULL;
  valueStart: usize = 0;
  valueEnd: usize = 0;

  /**
   * `input`: the configuration bytes (null or empty = `{}`); `names`: NUL-terminated field names, the list
   * ended by an empty one; `prefix`: NUL-terminated text every error starts with (e.g. "my-filter: ").
   */
  constructor(input: ArrayBuffer | null, names: usize, prefix: usize) {
    this.input = input;
    this.names = names;
    this.prefix = prefix;
    let p: usize = 0, n: usize = 0;
    if (input !== null) {
      p = changetype<usize>(input);
      n = <usize>input.byteLength;
    }
    this.base = p;
    this.end = p + n;
    if (n >= 3 && (load<u32>(p) & 0xffffff) == 0xbfbbef) p += 3; // UTF-8 BOM
    this.p = p;
    const c = this.peek();
    if (c == 0x7b) {
      this.p++;
    } else {
      this.done = true;
      if (this.p < this.end) {
        // not an object: a syntax error first, else its type
        if (this.scanValue(0) && this.trailing()) this.failRoot();
      }
    }
  }

  get ok(): bool { return this.error === null; }

  /**
   * Scans to the next member and returns its field index, or -1 at the end (or after a syntax error).
   * Members with value null are skipped (absent); an unknown name is an error (and skipped).
   */
  next(): i32 {
    while (!this.done) {
      let c = this.peek();
      if (this.first) {
        this.first = false;
        if (c == 0x7d) { // {}
          this.closeObject();
          break;
        }
      } else if (c == 0x2c) {
        this.p++;
        c = this.peek();
      } else {
        if (c == 0x7d) this.closeObject();
        else this.unexpected();
        break;
      }
      if (c != 0x22) { this.unexpected(); break; }
      const ks = this.p;
      if (!this.scanString()) break;
      const ke = this.p;
      if (this.peek() != 0x3a) { this.unexpected(); break; }
      this.p++;
      if (!this.scanValue(0)) break;
      const f = this.lookup(ks, ke);
      if (f == -2) break;
      if (f < 0) {
        if (this.error === null) {
          this.begin();
          lineText(text(T_FIELD));
          lineBytes(ks + 1, min(ke - ks - 2, QUOTE_MAX));
          lineText(text(T_FIELD_END));
          lineText(text(T_UNKNOWN));
          for (let z = this.names, i = 0; load<u8>(z); z += textLength(z) + 1, i++) {
            if (i) lineText(text(T_COMMA));
            lineText(z);
          }
          lineText(text(T_CLOSE));
          this.error = lineString();
        }
        continue;
      }
      const bit = <u64>1 << <u64>f;
      if (this.seen & bit) {
        this.syntaxError(ks, T_DUPLICATE);
        break;
      }
      this.seen |= bit;
      if (this.kind == FLAT_NULL) continue;
      this.field = f;
      return f;
    }
    return -1;
  }

  // --- getters for the member next() returned (a wrong type records an error and returns false / 0 / empty)

  bool(): bool {
    const k = this.kind;
    if (k != FLAT_TRUE && k != FLAT_FALSE) this.typeError(T_A_BOOLEAN);
    return k == FLAT_TRUE;
  }

  /** The string's bytes (UTF-8, escapes decoded). */
  string(): ArrayBuffer {
    if (this.kind == FLAT_STRING) {
      const b = decodeString(this.valueStart, this.valueEnd);
      if (b !== null) return b;
      this.syntaxError(this.valueStart, T_BAD_STRING);
    } else this.typeError(T_A_STRING);
    return changetype<ArrayBuffer>(__new(0, idof<ArrayBuffer>()));
  }

  /** An integral number in [min, max] (written as an integer, or as "1e3" / "2.0"). */
  u32(min: u32, max: u32): u32 {
    if (this.kind != FLAT_NUMBER) {
      this.typeError(T_AN_UNSIGNED);
      return 0;
    }
    this.digits();
    let m = numMantissa;
    let e = numExponent;
    let integral = true;
    if (e < 0) {
      // integral only when the digits after the point are zeros (lost digits are after it here)
      if (numLost || e < -19) integral = !numLost && m == 0;
      else {
        let d: u64 = 1;
        while (e++ < 0) d *= 10;
        integral = m % d == 0;
        m /= d;
      }
    } else {
      while (e-- > 0 && m <= 0xffffffff) m *= 10; // stops once beyond any u32
    }
    if (!integral || (numNegative && m != 0 && min == 0)) {
      this.typeError(T_AN_UNSIGNED);
      return 0;
    }
    if ((numNegative && m != 0) || m < <u64>min || m > <u64>max) {
      if (this.fieldError()) {
        lineText(text(T_BETWEEN));
        lineU64(min);
        lineText(text(T_AND));
        lineU64(max);
        this.got();
      }
      return 0;
    }
    return <u32>m;
  }

  /** A number in [min, max] (finite bounds; printed in errors with up to 6 decimals). */
  number(min: f64, max: f64): f64 {
    if (this.kind != FLAT_NUMBER) {
      this.typeError(T_A_NUMBER);
      return 0;
    }
    this.digits();
    let x = <f64>numMantissa;
    let e = numExponent;
    for (; e > 0; e -= 22) x *= e >= 22 ? 1e22 : pow10(e);
    for (; e < 0; e += 22) x /= e <= -22 ? 1e22 : pow10(-e);
    if (numNegative) x = -x;
    if (!(x >= min && x <= max)) {
      if (this.fieldError()) {
        lineText(text(T_BETWEEN));
        lineF64(min);
        lineText(text(T_AND));
        lineF64(max);
        this.got();
      }
      return 0;
    }
    return x;
  }

  /**
   * Records "config field '<field name>': <text at `z`>" (+ ", got <the value as written>" when `withValue`,
   * for the member next() returned) unless there is an error already: for checks of the caller's own.
   */
  fail(field: i32, z: usize, withValue: bool): void {
    const f = this.field;
    this.field = field;
    if (this.fieldError()) {
      lineText(z);
      if (withValue) this.got();
      else this.error = lineString();
    }
    this.field = f;
  }

  // --- errors

  private begin(): void {
    lineStart();
    lineText(this.prefix);
  }

  /** Starts "config field '<name>': " and returns true, or false when there is an error already. */
  private fieldError(): bool {
    if (this.error !== null) return false;
    this.begin();
    lineText(text(T_FIELD));
    lineText(textAt(this.names, this.field));
    lineText(text(T_FIELD_END));
    return true;
  }

  /** Ends the line with ", got <value as written>" and records it. */
  private got(): void {
    lineText(text(T_GOT));
    lineBytes(this.valueStart, min(this.valueEnd - this.valueStart, QUOTE_MAX));
    this.error = lineString();
  }

  private typeError(expected: i32): void {
    if (!this.fieldError()) return;
    lineText(text(T_EXPECTED));
    lineText(text(expected));
    lineText(text(T_GOT));
    const k = this.kind;
    if (k == FLAT_NUMBER) lineBytes(this.valueStart, min(this.valueEnd - this.valueStart, QUOTE_MAX));
    else lineText(text(T_NULL + k - (k >= FLAT_TRUE ? 1 : 0)));
    this.error = lineString();
  }

  private failRoot(): void {
    this.begin();
    lineText(text(T_ROOT));
    const k = this.kind;
    lineText(text(T_NULL + k - (k >= FLAT_TRUE ? 1 : 0)));
    this.error = lineString();
  }

  /** A syntax error at address `at`: replaces a field error; stops the scan. Returns false. */
  private syntaxError(at: usize, reason: i32): bool {
    if (!this.syntax) {
      this.syntax = true;
      this.begin();
      lineText(text(T_INVALID_JSON));
      lineU64(at - this.base);
      lineText(text(T_COLON));
      lineText(text(reason));
      this.error = lineString();
    }
    this.done = true;
    return false;
  }

  /** "unexpected end of input" or "unexpected character" at the cursor. Returns false. */
  private unexpected(): bool {
    return this.syntaxError(this.p, this.p >= this.end ? T_END : T_CHAR);
  }

  // --- scanning

  /** The byte at the cursor after skipping whitespace, or 0 at the end. */
  private peek(): u32 {
    let p = this.p;
    const end = this.end;
    while (p < end) {
      const c = <u32>load<u8>(p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      p++;
    }
    this.p = p;
    return p < end ? <u32>load<u8>(p) : 0;
  }

  /** After the root value: only whitespace may follow. */
  private trailing(): bool {
    this.peek();
    return this.p < this.end ? this.syntaxError(this.p, T_CHAR) : true;
  }

  /** Past the root object's '}'. */
  private closeObject(): void {
    this.p++;
    this.done = true;
    this.trailing();
  }

  /** Scans a string token at the cursor (which is on its '"'): control characters and escapes checked. */
  private scanString(): bool {
    let p = this.p + 1;
    const end = this.end;
    while (p < end) {
      const c = <u32>load<u8>(p++);
      if (c == 0x22) {
        this.p = p;
        return true;
      }
      if (c < 0x20) return this.syntaxError(p - 1, T_BAD_STRING);
      if (c == 0x5c) {
        if (p >= end) break;
        const x = <u32>load<u8>(p++);
        if (x == 0x75) {
          if (p + 4 > end || hex4(p) < 0) return this.syntaxError(p - 2, T_BAD_STRING);
          p += 4;
        } else if (simpleEscape(x) < 0) return this.syntaxError(p - 2, T_BAD_STRING);
      }
    }
    this.p = end;
    return this.unexpected();
  }

  /** Scans one value at the cursor; sets kind, valueStart, valueEnd. False after a syntax error. */
  private scanValue(depth: i32): bool {
    let c = this.peek();
    const s = this.p;
    let k: i32;
    if (c == 0x22) {
      if (!this.scanString()) return false;
      k = FLAT_STRING;
    } else if ((c | 0x20) == 0x7b) { // '{' or '['
      if (depth >= MAX_DEPTH) return this.syntaxError(s, T_DEEP);
      const isObject = c == 0x7b;
      const close = c + 2;
      this.p++;
      if (this.peek() == close) this.p++;
      else {
        while (true) {
          if (isObject) {
            if (this.peek() != 0x22) return this.unexpected();
            if (!this.scanString()) return false;
            if (this.peek() != 0x3a) return this.unexpected();
            this.p++;
          }
          if (!this.scanValue(depth + 1)) return false;
          c = this.peek();
          if (c == close) break;
          if (c != 0x2c) return this.unexpected();
          this.p++;
        }
        this.p++;
      }
      k = isObject ? FLAT_OBJECT : FLAT_ARRAY;
    } else if (c == 0x2d || c - 0x30 < 10) {
      if (!this.scanNumber()) return this.syntaxError(s, T_BAD_NUMBER);
      k = FLAT_NUMBER;
    } else {
      // null / true / false
      const room = this.end - s;
      const w = room >= 4 ? load<u32>(s) : 0;
      if (w == 0x6c6c756e) k = FLAT_NULL;
      else if (w == 0x65757274) k = FLAT_TRUE;
      else if (w == 0x736c6166 && room >= 5 && load<u8>(s, 4) == 0x65) {
        k = FLAT_FALSE;
        this.p++;
      } else return this.unexpected();
      this.p += 4;
    }
    this.kind = k;
    this.valueStart = s;
    this.valueEnd = this.p;
    return true;
  }

  /** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? at the cursor. */
  private scanNumber(): bool {
    if (this.at(0x2d)) this.p++;
    if (this.at(0x30)) this.p++;
    else if (!this.scanDigits()) return false;
    if (this.at(0x2e)) {
      this.p++;
      if (!this.scanDigits()) return false;
    }
    if (this.at(0x65) || this.at(0x45)) {
      this.p++;
      if (this.at(0x2b) || this.at(0x2d)) this.p++;
      if (!this.scanDigits()) return false;
    }
    return true;
  }

  @inline private at(c: u32): bool { return this.p < this.end && <u32>load<u8>(this.p) == c; }

  private scanDigits(): bool {
    const s = this.p;
    while (this.p < this.end && <u32>load<u8>(this.p) - 0x30 < 10) this.p++;
    return this.p > s;
  }

  /** Index of the (decoded) key token [ks, ke) among the names; -1 unknown; -2 after a syntax error. */
  private lookup(ks: usize, ke: usize): i32 {
    const key = decodeString(ks, ke);
    if (key === null) {
      this.syntaxError(ks, T_BAD_STRING);
      return -2;
    }
    const kp = changetype<usize>(key);
    const kn = <usize>key.byteLength;
    let z = this.names;
    for (let i = 0; load<u8>(z); i++) {
      const n = textLength(z);
      if (n == kn) {
        let j: usize = 0;
        while (j < n && load<u8>(z + j) == load<u8>(kp + j)) j++;
        if (j == n) return i;
      }
      z += n + 1;
    }
    return -1;
  }

  /** Parses the current number token into numMantissa / numExponent / numNegative / numLost. */
  private digits(): void {
    let p = this.valueStart;
    const end = this.valueEnd;
    let m: u64 = 0, e: i32 = 0, lost = false, dot = false;
    numNegative = load<u8>(p) == 0x2d;
    if (numNegative) p++;
    for (; p < end; p++) {
      const c = <u32>load<u8>(p);
      if (c == 0x2e) { dot = true; continue; }
      if (c - 0x30 >= 10) break; // 'e' / 'E'
      if (m < 1000000000000000000) { // 19 significant digits kept
        m = m * 10 + <u64>(c - 0x30);
        if (dot) e--;
      } else {
        if (!dot) e++;
        lost = lost || c != 0x30;
      }
    }
    if (p < end) {
      p++;
      const neg = load<u8>(p) == 0x2d;
      if (neg || load<u8>(p) == 0x2b) p++;
      let x = 0;
      for (; p < end; p++) if (x < 100000) x = x * 10 + <i32>(load<u8>(p) - 0x30);
      e += neg ? -x : x;
    }
    numMantissa = m;
    numExponent = e;
    numLost = lost;
  }
}

// the last number parsed (FlatConfig.digits)
let numMantissa: u64 = 0;
let numExponent: i32 = 0;
let numNegative = false;
/** Significant digits beyond the 19 kept were not all zero. */
let numLost = false;

/** 10^k for 0 ≤ k ≤ 22 (exact in f64). */
function pow10(k: i32): f64 {
  let x = 1.0;
  while (k-- > 0) x *= 10;
  return x;
}

/** Appends a (finite) bound: "1.0", "0.5", "0.000001" (six decimals at most). */
function lineF64(x: f64): void {
  if (x < 0) {
    lineBytes(memory.data<u8>([0x2d]), 1);
    x = -x;
  }
  let i = Math.floor(x);
  let f = <u64>Math.round((x - i) * 1e6);
  if (f >= 1000000) {
    i += 1;
    f = 0;
  }
  lineU64(<u64>i);
  const tmp = memory.data(8);
  store<u8>(tmp, 0x2e);
  for (let k: usize = 6; k > 0; k--) {
    store<u8>(tmp + k, <u8>(0x30 + f % 10));
    f /= 10;
  }
  let n: usize = 7;
  while (n > 2 && load<u8>(tmp + n - 1) == 0x30) n--;
  lineBytes(tmp, n);
}

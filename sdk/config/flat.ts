// FlatConfig: a small reader for a configuration that is ONE JSON object of scalar fields (strings,
// booleans, numbers), like filters/request-id's. It exists for module size (issue 3: < 20 KB): the general
// ConfigReader (reader.ts over tape.ts, for nested configs) is ~14 KB of code and texts in a module, this
// one ~3.6 KB (+ 0.25 KB of line.ts, which the filter shares for its own log lines), because it
// - reads the members in document order in one pass, the caller dispatching on the field index:
//     FlatConfig.begin(this.getPluginConfiguration(), NAMES, PREFIX);
//     for (let f = FlatConfig.next(); f >= 0; f = FlatConfig.next()) {
//       if (f == F_NAME) name = FlatConfig.string();
//       else if (f == F_MAX) max = FlatConfig.u32(1, 4096);
//       else on = FlatConfig.bool();
//     }
//     if (!FlatConfig.ok()) { logError(FlatConfig.error!); return false; }
// - takes the field names and the error prefix as NUL-terminated ASCII blobs (names: one blob, the list
//   ended by an empty name; index = position, at most 64 fields), and builds its texts from an ASCII blob
//   (line.ts), not from UTF-16 literals;
// - returns strings as UTF-8 bytes (ArrayBuffer: header names, keys for the host), never UTF-16;
// - parses numbers without the standard library (integers exactly; floats as digits × 10^exponent in f64,
//   within an ulp or so of the correctly rounded value: plenty for a rate or a ratio);
// - only validates what is not a field's value (nested values of a wrong-typed field, the rest of the
//   document after an error): it builds nothing;
// - keeps its state in static members and module globals (one configuration is read at a time), which
//   compile to globals: no object, no `this`, nothing for the GC.
// What it keeps from ConfigReader: strict RFC 8259 syntax (escapes incl. \u surrogate pairs, no raw
// control characters, a leading BOM skipped, nesting ≤ 64); UTF-8 checked in every string it decodes (keys
// and string fields: all the strings of a configuration it accepts); null / empty input = `{}`; a member
// whose value is null counts as absent (the caller's default stays); the first error wins, a syntax error
// anywhere wins over a field error; errors name the field:
//   "<prefix>config: invalid JSON at byte 12: unexpected end of input"
//   "<prefix>config: expected a JSON object, got array"
//   "<prefix>config field 'max_length': expected an unsigned integer, got string"
//   "<prefix>config field 'max_length': must be between 1 and 4096, got 0"
//   "<prefix>config field 'x': unknown field (known: header_name, max_length, …)"
// Differences: "got" shows a number as written ("1e3"); float bounds print with up to 6 decimals; a key
// is quoted as written (escapes not decoded) in "unknown field"; syntax error reasons are coarser
// ("invalid string", "invalid number", "unexpected character"…); a duplicate known field is a syntax error
// ("duplicate key"), a duplicate unknown one an unknown field.
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
 * decoded to UTF-8 (a new ArrayBuffer, as an address), or 0 when it has an unpaired surrogate escape or
 * invalid UTF-8.
 */
function decodeString(s: usize, e: usize): usize {
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
        if (cp >= 0xdc00 || p + 6 > end || load<u16>(p) != 0x755c) return 0;
        const lo = <u32>hex4(p + 2) - 0xdc00;
        if (lo >= 0x400) return 0;
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
      else return 0;
      if (p + need > end) return 0;
      for (let i: usize = 0; i < need; i++) {
        const c = <u32>load<u8>(p++);
        if ((c & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || cp - 0xd800 < 0x800) return 0;
    }
    o = putUtf8(o, cp);
  }
  return __renew(out, o - out);
}

// reader state (FlatConfig's internals)
/** Keeps the input alive (the addresses below point into it). */
let input: ArrayBuffer | null = null;
let inputBase: usize = 0;
let inputEnd: usize = 0;
let cursor: usize = 0;
let fieldNames: usize = 0;
let errorPrefix: usize = 0;
/** Whether FlatConfig.error is a syntax error (those win over field errors). */
let syntaxFailed = false;
/** No more members (end of the object, or a syntax error). */
let done = false;
/** Before the first member of the object. */
let beforeFirst = false;
/** Known fields seen (bit = field index). */
let seen: u64 = 0;

/**
 * The reader. Module state, not an object: one configuration is read at a time (onConfigure), and static
 * members compile to globals (no `this`, no object, no GC tracing) — part of what makes it small.
 */
export class FlatConfig {
  /** The first error (prefix included), or null. */
  static error: string | null = null;
  /** The member next() returned: field index, value kind, the value's bytes [valueStart, valueEnd). */
  static field: i32 = -1;
  static kind: i32 = FLAT_NULL;
  static valueStart: usize = 0;
  static valueEnd: usize = 0;

  /**
   * Starts reading `input` (null or empty = `{}`). `names`: NUL-terminated field names, the list ended by an
   * empty one; `prefix`: NUL-terminated text every error starts with (e.g. "my-filter: ").
   */
  static begin(input: ArrayBuffer | null, names: usize, prefix: usize): void {
    input = input;
    fieldNames = names;
    errorPrefix = prefix;
    FlatConfig.error = null;
    syntaxFailed = false;
    done = false;
    beforeFirst = true;
    seen = 0;
    FlatConfig.field = -1;
    let p: usize = 0, n: usize = 0;
    if (input !== null) {
      p = changetype<usize>(input);
      n = <usize>input.byteLength;
    }
    inputBase = p;
    inputEnd = p + n;
    if (n >= 3 && (load<u32>(p) & 0xffffff) == 0xbfbbef) p += 3; // UTF-8 BOM
    cursor = p;
    if (peek() == 0x7b) {
      cursor++;
    } else {
      done = true;
      // anything but whitespace: a syntax error first, else "expected a JSON object"
      if (cursor < inputEnd && scanValue(0) && trailing()) {
        startError();
        lineText(text(T_ROOT));
        lineText(typeText());
        FlatConfig.error = lineString();
      }
    }
  }

  /** True while there is no error. */
  static ok(): bool { return FlatConfig.error === null; }

  /**
   * Scans to the next member and returns its field index, or -1 at the end (or after a syntax error).
   * Members with value null are skipped (absent); an unknown name is an error (and skipped).
   */
  static next(): i32 {
    while (!done) {
      let c = peek();
      if (beforeFirst) {
        beforeFirst = false;
        if (c == 0x7d) { // {}
          closeObject();
          break;
        }
      } else if (c == 0x2c) {
        cursor++;
        c = peek();
      } else {
        if (c == 0x7d) closeObject();
        else unexpected();
        break;
      }
      if (c != 0x22) {
        unexpected();
        break;
      }
      const ks = cursor;
      if (!scanString()) break;
      const ke = cursor;
      if (peek() != 0x3a) {
        unexpected();
        break;
      }
      cursor++;
      if (!scanValue(0)) break;
      const f = lookup(ks, ke);
      if (f == -2) break;
      if (f < 0) {
        if (FlatConfig.error === null) {
          startError();
          lineText(text(T_FIELD));
          quote(ks + 1, ke - 1);
          lineText(text(T_FIELD_END));
          lineText(text(T_UNKNOWN));
          for (let z = fieldNames; load<u8>(z); z += textLength(z) + 1) {
            if (z != fieldNames) lineText(text(T_COMMA));
            lineText(z);
          }
          lineText(text(T_CLOSE));
          FlatConfig.error = lineString();
        }
        continue;
      }
      const bit = <u64>1 << <u64>f;
      if (seen & bit) {
        syntaxError(ks, T_DUPLICATE);
        break;
      }
      seen |= bit;
      if (FlatConfig.kind == FLAT_NULL) continue;
      FlatConfig.field = f;
      return f;
    }
    return -1;
  }

  // --- getters for the member next() returned (a wrong type records an error and returns false / 0 / empty)

  static bool(): bool {
    const k = FlatConfig.kind;
    if (k != FLAT_TRUE && k != FLAT_FALSE) typeError(T_A_BOOLEAN);
    return k == FLAT_TRUE;
  }

  /** The string's bytes (UTF-8, escapes decoded). */
  static string(): ArrayBuffer {
    if (FlatConfig.kind == FLAT_STRING) {
      const b = decodeString(FlatConfig.valueStart, FlatConfig.valueEnd);
      if (b) return changetype<ArrayBuffer>(b);
      syntaxError(FlatConfig.valueStart, T_BAD_STRING);
    } else typeError(T_A_STRING);
    return changetype<ArrayBuffer>(__new(0, idof<ArrayBuffer>()));
  }

  /** An integral number in [min, max] (written as an integer, or as "1e3" / "2.0"). */
  static u32(min: u32, max: u32): u32 {
    if (FlatConfig.kind != FLAT_NUMBER) {
      typeError(T_AN_UNSIGNED);
      return 0;
    }
    scanNumberAt(FlatConfig.valueStart);
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
    const negative = numNegative && m != 0;
    if (!integral || (negative && min == 0)) {
      typeError(T_AN_UNSIGNED);
      return 0;
    }
    if (negative || m < <u64>min || m > <u64>max) {
      if (fieldError()) {
        lineText(text(T_BETWEEN));
        lineU64(min);
        lineText(text(T_AND));
        lineU64(max);
        got();
      }
      return 0;
    }
    return <u32>m;
  }

  /** A number in [min, max] (finite bounds; printed in errors with up to 6 decimals). */
  static number(min: f64, max: f64): f64 {
    if (FlatConfig.kind != FLAT_NUMBER) {
      typeError(T_A_NUMBER);
      return 0;
    }
    scanNumberAt(FlatConfig.valueStart);
    // digits × 10^exponent: one rounding for the scale (exact up to 10^22), one for the product
    let x = <f64>numMantissa;
    let e = numExponent;
    let scale = 1.0;
    for (let k = e < 0 ? -e : e; k > 0; k--) scale *= 10;
    if (x != 0) x = e < 0 ? x / scale : x * scale;
    if (numNegative) x = -x;
    if (!(x >= min && x <= max)) {
      if (fieldError()) {
        lineText(text(T_BETWEEN));
        lineF64(min);
        lineText(text(T_AND));
        lineF64(max);
        got();
      }
      return 0;
    }
    return x;
  }

  /**
   * Records "config field '<name of field>': <text at z>" (+ ", got <the value as written>" when
   * `withValue`: the member next() returned) unless there is an error already: the caller's own checks.
   */
  static fail(field: i32, z: usize, withValue: bool): void {
    const f = FlatConfig.field;
    FlatConfig.field = field;
    if (fieldError()) {
      lineText(z);
      if (withValue) got();
      else FlatConfig.error = lineString();
    }
    FlatConfig.field = f;
  }
}

// --- errors

function startError(): void {
  lineStart();
  lineText(errorPrefix);
}

/** Appends input bytes [s, e), at most QUOTE_MAX of them. */
function quote(s: usize, e: usize): void { lineBytes(s, min(e - s, QUOTE_MAX)); }

/** Starts "config field '<name>': " and returns true, or false when there is an error already. */
function fieldError(): bool {
  if (FlatConfig.error !== null) return false;
  startError();
  lineText(text(T_FIELD));
  lineText(textAt(fieldNames, FlatConfig.field));
  lineText(text(T_FIELD_END));
  return true;
}

/** Ends the line with ", got <value as written>" and records it. */
function got(): void {
  lineText(text(T_GOT));
  quote(FlatConfig.valueStart, FlatConfig.valueEnd);
  FlatConfig.error = lineString();
}

/** The type name of the current value ("null", "boolean", "number", "string", "array", "object"). */
function typeText(): usize {
  const k = FlatConfig.kind;
  return text(T_NULL + k - (k >= FLAT_TRUE ? 1 : 0));
}

function typeError(expected: i32): void {
  if (!fieldError()) return;
  lineText(text(T_EXPECTED));
  lineText(text(expected));
  if (FlatConfig.kind == FLAT_NUMBER) got();
  else {
    lineText(text(T_GOT));
    lineText(typeText());
    FlatConfig.error = lineString();
  }
}

/** A syntax error at address `at`: replaces a field error; stops the scan. Returns false. */
function syntaxError(at: usize, reason: i32): bool {
  if (!syntaxFailed) {
    syntaxFailed = true;
    startError();
    lineText(text(T_INVALID_JSON));
    lineU64(at - inputBase);
    lineText(text(T_COLON));
    lineText(text(reason));
    FlatConfig.error = lineString();
  }
  done = true;
  return false;
}

/** "unexpected end of input" or "unexpected character" at the cursor. Returns false. */
function unexpected(): bool {
  return syntaxError(cursor, cursor >= inputEnd ? T_END : T_CHAR);
}

// --- scanning

/** The byte at the cursor after skipping whitespace, or 0 at the end. */
function peek(): u32 {
  let p = cursor;
  const end = inputEnd;
  let c: u32 = 0;
  for (; p < end; p++) {
    c = <u32>load<u8>(p);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    c = 0;
  }
  cursor = p;
  return c;
}

/** After the root value: only whitespace may follow. */
function trailing(): bool {
  return peek() ? syntaxError(cursor, T_CHAR) : true;
}

/** Past the root object's '}'. */
function closeObject(): void {
  cursor++;
  done = true;
  trailing();
}

/** Scans a string token at the cursor (which is on its '"'): control characters and escapes checked. */
function scanString(): bool {
  let p = cursor + 1;
  const end = inputEnd;
  while (p < end) {
    const c = <u32>load<u8>(p++);
    if (c == 0x22) {
      cursor = p;
      return true;
    }
    if (c < 0x20) return syntaxError(p - 1, T_BAD_STRING);
    if (c == 0x5c && p < end) {
      const x = <u32>load<u8>(p++);
      if (x == 0x75 ? p + 4 > end || hex4(p) < 0 : simpleEscape(x) < 0) return syntaxError(p - 2, T_BAD_STRING);
      if (x == 0x75) p += 4;
    }
  }
  cursor = end;
  return unexpected();
}

/** Scans one value at the cursor; sets kind, valueStart, valueEnd. False after a syntax error. */
function scanValue(depth: i32): bool {
  let c = peek();
  const s = cursor;
  let k: i32;
  if (c == 0x22) {
    if (!scanString()) return false;
    k = FLAT_STRING;
  } else if ((c | 0x20) == 0x7b) { // '{' or '['
    if (depth >= MAX_DEPTH) return syntaxError(s, T_DEEP);
    const isObject = c == 0x7b;
    const close = c + 2;
    cursor++;
    if (peek() != close) {
      while (true) {
        if (isObject) {
          if (peek() != 0x22) return unexpected();
          if (!scanString()) return false;
          if (peek() != 0x3a) return unexpected();
          cursor++;
        }
        if (!scanValue(depth + 1)) return false;
        c = peek();
        if (c == close) break;
        if (c != 0x2c) return unexpected();
        cursor++;
      }
    }
    cursor++;
    k = isObject ? FLAT_OBJECT : FLAT_ARRAY;
  } else if (c == 0x2d || c - 0x30 < 10) {
    if (!scanNumberAt(s)) return syntaxError(s, T_BAD_NUMBER);
    k = FLAT_NUMBER;
  } else {
    // null / true / false
    const room = inputEnd - s;
    const w = room >= 4 ? load<u32>(s) : 0;
    let n: usize = 4;
    if (w == 0x6c6c756e) k = FLAT_NULL;
    else if (w == 0x65757274) k = FLAT_TRUE;
    else if (w == 0x736c6166 && room >= 5 && load<u8>(s, 4) == 0x65) {
      k = FLAT_FALSE;
      n = 5;
    } else return unexpected();
    cursor = s + n;
  }
  FlatConfig.kind = k;
  FlatConfig.valueStart = s;
  FlatConfig.valueEnd = cursor;
  return true;
}

// the number scanNumberAt read last
let numMantissa: u64 = 0;
let numExponent: i32 = 0;
let numNegative = false;
/** Significant digits beyond the 19 kept were not all zero. */
let numLost = false;

/**
 * Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `p` (moving the cursor past it) and
 * keeps its value as numMantissa (the first 19 significant digits) × 10^numExponent. False if malformed.
 */
function scanNumberAt(p: usize): bool {
  const end = inputEnd;
  let m: u64 = 0, e: i32 = 0, lost = false, frac = false;
  let intDigits = 0, fracDigits = 0;
  const negative = p < end && load<u8>(p) == 0x2d;
  if (negative) p++;
  const s = p;
  for (; p < end; p++) {
    const c = <u32>load<u8>(p);
    if (c == 0x2e && !frac) {
      frac = true;
      continue;
    }
    const d = c - 0x30;
    if (d >= 10) break;
    if (frac) fracDigits++;
    else intDigits++;
    if (m < 1000000000000000000) {
      m = m * 10 + <u64>d;
      if (frac) e--;
    } else {
      if (!frac) e++;
      lost = lost || d != 0;
    }
  }
  if (intDigits == 0 || (frac && fracDigits == 0) || (intDigits > 1 && load<u8>(s) == 0x30)) return false;
  if (p < end && (<u32>load<u8>(p) | 0x20) == 0x65) {
    p++;
    const c = p < end ? <u32>load<u8>(p) : 0;
    if (c == 0x2b || c == 0x2d) p++;
    const x = p;
    let v = 0;
    for (; p < end && <u32>load<u8>(p) - 0x30 < 10; p++) if (v < 1000) v = v * 10 + <i32>(load<u8>(p) - 0x30);
    if (p == x) return false;
    e += c == 0x2d ? -v : v;
  }
  cursor = p;
  numMantissa = m;
  numExponent = e;
  numNegative = negative;
  numLost = lost;
  return true;
}

/** Index of the (decoded) key token [ks, ke) among the names; -1 unknown; -2 after a syntax error. */
function lookup(ks: usize, ke: usize): i32 {
  const key = decodeString(ks, ke);
  if (!key) {
    syntaxError(ks, T_BAD_STRING);
    return -2;
  }
  const kn = <usize>changetype<ArrayBuffer>(key).byteLength;
  let z = fieldNames;
  for (let i = 0; load<u8>(z); i++) {
    const n = textLength(z);
    if (n == kn && memory.compare(z, key, n) == 0) return i;
    z += n + 1;
  }
  return -1;
}

/** Appends a (finite) bound: "1.0", "0.5", "0.25" (at most six decimals, the last one truncated). */
function lineF64(x: f64): void {
  const tmp = memory.data(8);
  if (x < 0) {
    store<u8>(tmp, 0x2d);
    lineBytes(tmp, 1);
    x = -x;
  }
  const i = Math.floor(x);
  lineU64(<u64>i);
  store<u8>(tmp, 0x2e);
  let n: usize = 1;
  x -= i;
  do {
    x *= 10;
    const d = Math.floor(x + 1e-9);
    store<u8>(tmp + n++, <u8>(0x30 + <u32>d));
    x -= d;
  } while (x > 1e-6 && n < 7);
  lineBytes(tmp, n);
}

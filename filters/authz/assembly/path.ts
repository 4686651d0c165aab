// The called service from `/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICECODE}/{rest}[?query]`.
// Identifier parts are percent-decoded and checked like client ids. The rest of the path is
// percent-decoded into a reusable byte buffer and normalised: empty and "." segments are dropped.
// Rejected (400): raw characters outside printable ASCII, a malformed escape, a decoded NUL/control
// character or backslash, decoded bytes that are not UTF-8, any ".." segment (after decoding, so
// "%2e%2E", ".%2e" etc. included), and a path longer than the configured limit.
import { decodeIdPartBytes, hexDigit, wireOfBytes } from "./ids";
import { decodeUtf8 } from "../../../sdk";

export enum PathError {
  None = 0,
  Missing,
  TooLong,
  IllegalChar,
  NotR1,
  BadId,
  BadEscape,
  ControlChar,
  Backslash,
  BadUtf8,
  DotDot,
}

export function pathErrorText(e: PathError): string {
  switch (e) {
    case PathError.Missing: return "request has no path";
    case PathError.TooLong: return "request path is too long";
    case PathError.IllegalChar: return "request path contains an illegal character";
    case PathError.NotR1: return "not an X-Road REST request (expected /r1/{instance}/{class}/{member}/{subsystem}/{service code}/…)";
    case PathError.BadId: return "invalid service identifier in the request path";
    case PathError.BadEscape: return "malformed percent-encoding in the request path";
    case PathError.ControlChar: return "request path contains a control character";
    case PathError.Backslash: return "request path contains a backslash";
    case PathError.BadUtf8: return "request path is not valid UTF-8";
    case PathError.DotDot: return "request path contains a '..' segment";
    default: return "ok";
  }
}

/** Parse result; one per root, reused across requests (parsing allocates nothing). */
export class ServicePath {
  /** The service in colon form, "INST:CLASS:MEMBER:SUBSYSTEM:CODE", as bytes in `key[0, keyLen)`;
   *  the provider subsystem is `key[0, provLen)`. */
  key: StaticArray<u8>;
  keyLen: i32 = 0;
  provLen: i32 = 0;
  /** Normalised, decoded rest of the path in `buf[0, len)`; "/" when there is none. */
  buf: StaticArray<u8>;
  len: i32 = 0;
  error: PathError = PathError.None;

  constructor(maxBytes: i32) {
    this.buf = new StaticArray<u8>(maxBytes + 1);
    this.key = new StaticArray<u8>(maxBytes + 1);
  }

  @inline get keyPtr(): usize { return changetype<usize>(this.key); }

  /** The decoded rest as a string (for logs only). */
  restString(): string {
    return decodeUtf8(changetype<usize>(this.buf), <usize>this.len);
  }
  /** "INST/CLASS/MEMBER/SUBSYSTEM/CODE" (messages and logs only). */
  serviceWire(): string { return wireOfBytes(this.keyPtr, this.keyLen); }

  /** Parses the :path value's bytes [raw, raw+n0) as the host gave them (n0 < 0: no :path). */
  parse(raw: usize, n0: i32, maxBytes: i32): bool {
    this.error = PathError.None;
    this.len = 0;
    this.keyLen = 0;
    this.provLen = 0;
    if (n0 <= 0) return this.fail(PathError.Missing);
    if (n0 > maxBytes) return this.fail(PathError.TooLong);
    // path ends at '?' (query is not part of the match)
    let n = n0;
    for (let i = 0; i < n0; i++) {
      const c = <i32>load<u8>(raw + <usize>(i));
      if (c <= 0x20 || c >= 0x7f) return this.fail(PathError.IllegalChar);
      if (c == 0x3f && n == n0) n = i;
    }
    if (n < 4 || <i32>load<u8>(raw + <usize>(0)) != 0x2f || <i32>load<u8>(raw + <usize>(1)) != 0x72 || <i32>load<u8>(raw + <usize>(2)) != 0x31 || <i32>load<u8>(raw + <usize>(3)) != 0x2f) {
      return this.fail(PathError.NotR1);
    }
    // five identifier segments, decoded into key as "INST:CLASS:MEMBER:SUBSYSTEM:CODE"
    const key = this.keyPtr;
    let o = 0;
    let pos = 4;
    for (let part = 0; part < 5; part++) {
      let end = pos;
      while (end < n && <i32>load<u8>(raw + <usize>(end)) != 0x2f) end++;
      if (end == pos) return this.fail(PathError.NotR1);
      if (part > 0) { store<u8>(key + <usize>o, 0x3a); o++; }
      if (part == 4) this.provLen = o - 1;
      o = decodeIdPartBytes(raw, pos, end, key, o);
      if (o < 0) return this.fail(PathError.BadId);
      pos = end + 1;
      if (part < 4 && end >= n) return this.fail(PathError.NotR1);
    }
    this.keyLen = o;
    return this.decodeRest(raw, pos - 1, n);
  }

  private fail(e: PathError): bool {
    this.error = e;
    return false;
  }

  /** Decodes raw[start, end) (starting at '/' or empty) into buf, normalising segments. Unchecked writes:
   *  the output is at most 1 + (end - start - 1) ≤ maxBytes bytes and buf holds maxBytes + 1. */
  private decodeRest(raw: usize, start: i32, end: i32): bool {
    const buf = this.buf;
    let o = 0;
    let segStart = 0; // index in buf of the current segment's first byte
    unchecked(buf[o++] = 0x2f);
    segStart = o;
    let i = start + 1;
    if (start >= end) i = end;
    let utf8Need = 0; // continuation bytes still expected
    let utf8Min: u32 = 0, cp: u32 = 0;
    while (i <= end) {
      let b: i32;
      let atEnd = i == end;
      if (atEnd) b = 0x2f; // closes the last segment
      else {
        b = <i32>load<u8>(raw + <usize>(i));
        if (b == 0x25) {
          if (i + 2 >= end) return this.fail(PathError.BadEscape);
          const h = hexDigit(<i32>load<u8>(raw + <usize>(i + 1))), l = hexDigit(<i32>load<u8>(raw + <usize>(i + 2)));
          if (h < 0 || l < 0) return this.fail(PathError.BadEscape);
          b = (h << 4) | l;
          i += 2;
        }
        if (b < 0x20 || b == 0x7f) return this.fail(PathError.ControlChar);
        if (b == 0x5c) return this.fail(PathError.Backslash);
      }
      i++;
      // UTF-8 validation of decoded bytes
      if (utf8Need > 0) {
        if ((b & 0xc0) != 0x80) return this.fail(PathError.BadUtf8);
        cp = (cp << 6) | <u32>(b & 0x3f);
        utf8Need--;
        if (utf8Need == 0 && (cp < utf8Min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) return this.fail(PathError.BadUtf8);
      } else if (b >= 0x80) {
        if ((b & 0xe0) == 0xc0) { utf8Need = 1; cp = <u32>(b & 0x1f); utf8Min = 0x80; }
        else if ((b & 0xf0) == 0xe0) { utf8Need = 2; cp = <u32>(b & 0x0f); utf8Min = 0x800; }
        else if ((b & 0xf8) == 0xf0) { utf8Need = 3; cp = <u32>(b & 0x07); utf8Min = 0x10000; }
        else return this.fail(PathError.BadUtf8);
      }
      if (b == 0x2f) {
        if (utf8Need > 0) return this.fail(PathError.BadUtf8);
        const segLen = o - segStart;
        if (segLen == 0) { if (atEnd) break; continue; } // empty segment: "//" collapses
        if (segLen == 1 && unchecked(buf[segStart]) == 0x2e) { o = segStart; if (atEnd) break; continue; } // "."
        if (segLen == 2 && unchecked(buf[segStart]) == 0x2e && unchecked(buf[segStart + 1]) == 0x2e) return this.fail(PathError.DotDot);
        if (atEnd) break;
        unchecked(buf[o++] = 0x2f);
        segStart = o;
        continue;
      }
      unchecked(buf[o++] = <u8>b);
    }
    // drop a trailing '/' left by the last separator, unless the path is just "/"
    // (a request for "/v1/items/" keeps its slash: segments closed by a real '/' are written with it)
    this.len = o;
    return true;
  }
}

// X-Road identifiers: INSTANCE/CLASS/MEMBER[/SUBSYSTEM] on the wire (each part percent-encoded on its
// own), INSTANCE:CLASS:MEMBER[:SUBSYSTEM] in the policy (the admin API's colon form). Every part is
// checked against X-Road's identifier character set (PR-REST §4.8): A-Z a-z 0-9 ' ( ) + , - . = ?
// Neither '/' nor ':' is in the set, so the colon-joined form is an unambiguous map key.
import { decimal } from "../../../sdk";

/** True when `c` (a char code) is in X-Road's identifier character set. */
export function idChar(c: i32): bool {
  if (c >= 0x61 && c <= 0x7a) return true; // a-z
  if (c >= 0x41 && c <= 0x5a) return true; // A-Z
  if (c >= 0x30 && c <= 0x39) return true; // 0-9
  // ' ( ) + , - . = ?
  return c == 0x27 || c == 0x28 || c == 0x29 || c == 0x2b || c == 0x2c || c == 0x2d || c == 0x2e || c == 0x3d || c == 0x3f;
}

export function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes p[start, end) (bytes as the host gave them: the request's :path, the client header)
 * as one identifier part into bytes at `dst + at`. Returns the end offset, or -1 when the part is
 * empty, an escape is malformed or a (decoded) character is outside the identifier set. The caller
 * provides room for end - start bytes (decoding never lengthens).
 */
export function decodeIdPartBytes(p: usize, start: i32, end: i32, dst: usize, at: i32): i32 {
  if (end <= start) return -1;
  let o = at;
  for (let i = start; i < end; i++) {
    let c = <i32>load<u8>(p + <usize>i);
    if (c == 0x25) {
      if (i + 2 >= end) return -1;
      const h = hexDigit(<i32>load<u8>(p + <usize>(i + 1))), l = hexDigit(<i32>load<u8>(p + <usize>(i + 2)));
      if (h < 0 || l < 0) return -1;
      c = (h << 4) | l;
      i += 2;
    }
    if (!idChar(c)) return -1;
    store<u8>(dst + <usize>o, <u8>c);
    o++;
  }
  return o;
}

/** Longest client header value parsed (longer ones are malformed). */
export const MAX_CLIENT_ID: i32 = 1024;

/**
 * The claimed client id of the current request in colon form ("INST:CLASS:MEMBER[:SUB]") as bytes
 * in a buffer reused across requests: one per root, so parsing allocates nothing.
 */
export class ClientKey {
  buf: StaticArray<u8> = new StaticArray<u8>(MAX_CLIENT_ID);
  len: i32 = 0;
  /** 3 = member, 4 = subsystem. */
  parts: i32 = 0;

  @inline get ptr(): usize { return changetype<usize>(this.buf); }

  /**
   * Parses a client header value `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]` (parts percent-decoded) from its
   * bytes [p, p+n) as the host gave them (no string made).
   */
  parseBytes(p: usize, n: i32): bool {
    this.len = 0;
    this.parts = 0;
    if (n <= 0 || n > MAX_CLIENT_ID) return false;
    const dst = this.ptr;
    let o = 0;
    let parts = 0;
    let start = 0;
    for (let i = 0; i <= n; i++) {
      if (i == n || load<u8>(p + <usize>i) == 0x2f) {
        if (parts > 0) { store<u8>(dst + <usize>o, 0x3a); o++; }
        o = decodeIdPartBytes(p, start, i, dst, o);
        if (o < 0) return false;
        parts++;
        if (parts > 4) return false;
        start = i + 1;
      }
    }
    if (parts < 3) return false;
    this.len = o;
    this.parts = parts;
    return true;
  }

  /** The wire form ("INST/CLASS/MEMBER[/SUB]") as a string, for messages and logs. */
  wire(): string { return wireOfBytes(this.ptr, this.len); }
}

/** The wire form of colon-form id bytes: ':' → '/' (no part needs encoding: the set has no '/', '%'). */
export function wireOfBytes(p: usize, n: i32): string {
  const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  for (let i = 0; i < n; i++) {
    const c = <u16>load<u8>(p + <usize>i);
    store<u16>(changetype<usize>(s) + (<usize>i << 1), c == 0x3a ? 0x2f : c);
  }
  return s;
}

/** The wire form of a colon key: parts joined by '/'. */
export function wireForm(key: string): string {
  return key.replaceAll(":", "/");
}

/**
 * Validates a colon-form id from the policy: between `minParts` and `maxParts` non-empty parts, each
 * in the identifier set. Returns null when fine, else the reason.
 */
export function checkColonId(id: string, minParts: i32, maxParts: i32): string | null {
  let parts = 1;
  let len = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c == 0x3a) {
      if (len == 0) return "empty identifier part in \"" + id + "\"";
      parts++;
      len = 0;
      continue;
    }
    if (!idChar(c)) return "character '" + String.fromCharCode(c) + "' is not allowed in identifier \"" + id + "\"";
    len++;
  }
  if (len == 0) return "empty identifier part in \"" + id + "\"";
  if (parts < minParts || parts > maxParts) {
    return "\"" + id + "\" must have " + (minParts == maxParts ? decimal(minParts) : decimal(minParts) + " to " + decimal(maxParts)) + " ':'-separated parts";
  }
  return null;
}

/** ASCII-only case mapping (header names, hex digests, methods): no Unicode case tables in the module. */
export function asciiCase(s: string, upper: bool): string {
  const n = s.length;
  let i = 0;
  const lo = upper ? 0x61 : 0x41;
  while (i < n) { const c = s.charCodeAt(i); if (c >= lo && c <= lo + 25) break; i++; }
  if (i == n) return s;
  const out = changetype<string>(__new(<usize>n << 1, idof<string>()));
  memory.copy(changetype<usize>(out), changetype<usize>(s), <usize>n << 1);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= lo && c <= lo + 25) store<u16>(changetype<usize>(out) + (<usize>i << 1), <u16>(c ^ 0x20));
  }
  return out;
}

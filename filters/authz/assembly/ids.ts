// X-Road identifiers: INSTANCE/CLASS/MEMBER[/SUBSYSTEM] on the wire (each part percent-encoded on its
// own), INSTANCE:CLASS:MEMBER[:SUBSYSTEM] in the policy (the admin API's colon form). Every part is
// checked against X-Road's identifier character set (PR-REST §4.8): A-Z a-z 0-9 ' ( ) + , - . = ?
// Neither '/' nor ':' is in the set, so the colon-joined form is an unambiguous map key.

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
 * Percent-decodes s[start, end) as one identifier part. Null when empty, when an escape is malformed
 * or when a (decoded) character is outside the identifier set.
 */
export function decodeIdPart(s: string, start: i32, end: i32): string | null {
  if (end <= start) return null;
  let escaped = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x25) { escaped = true; continue; }
    if (!idChar(c)) {
      // a hex digit after '%' is checked below; anything else here is illegal
      if (!(escaped && hexDigit(c) >= 0)) return null;
    }
  }
  if (!escaped) return s.substring(start, end);
  let out = "";
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x25) {
      if (i + 2 >= end) return null;
      const h = hexDigit(s.charCodeAt(i + 1)), l = hexDigit(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) return null;
      const d = (h << 4) | l;
      if (!idChar(d)) return null;
      out += String.fromCharCode(d);
      i += 2;
    } else {
      if (!idChar(c)) return null;
      out += String.fromCharCode(c);
    }
  }
  return out.length == 0 ? null : out;
}

/** A parsed client id: the colon key and the number of parts (3 = member, 4 = subsystem). */
export class ClientId {
  constructor(public key: string, public parts: i32) {}
}

/**
 * Parses a client header value `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]` (parts percent-decoded).
 * Null when malformed.
 */
export function parseClientHeader(v: string): ClientId | null {
  const n = v.length;
  if (n == 0 || n > 1024) return null;
  let key = "";
  let parts = 0;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i == n || v.charCodeAt(i) == 0x2f) {
      const p = decodeIdPart(v, start, i);
      if (p === null) return null;
      parts++;
      if (parts > 4) return null;
      key = parts == 1 ? p : key + ":" + p;
      start = i + 1;
    }
  }
  if (parts < 3) return null;
  return new ClientId(key, parts);
}

/** The wire form of a colon key: parts joined by '/' (no part needs encoding: the set has no '/', '%'). */
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
    return "\"" + id + "\" must have " + (minParts == maxParts ? minParts.toString() : minParts.toString() + " to " + maxParts.toString()) + " ':'-separated parts";
  }
  return null;
}

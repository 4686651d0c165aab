// JSON string quoting, shared by JsonWriter and the error texts of ConfigReader (a filter that only reads
// config must not link the writer just to quote a key in an error message).

@lazy const HEX = "0123456789abcdef";

/** Output length in UTF-16 units of `s` quoted (see writeQuoted). */
export function quotedLength(s: string): usize {
  const n = s.length;
  let len: usize = 2;
  for (let i = 0; i < n; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) len += 2;
    else if (c < 0x20) len += c == 0x0a || c == 0x0d || c == 0x09 || c == 0x08 || c == 0x0c ? 2 : 6;
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c < 0xdc00 && i + 1 < n) {
        const d = <u32>s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          len += 2;
          i++;
          continue;
        }
      }
      len += 6;
    } else len++;
  }
  return len;
}

@inline function put(dst: usize, c: u32): usize {
  store<u16>(dst, <u16>c);
  return dst + 2;
}

function unicodeEscape(dst: usize, c: u32): usize {
  dst = put(dst, 0x5c);
  dst = put(dst, 0x75);
  dst = put(dst, <u32>HEX.charCodeAt(<i32>((c >> 12) & 15)));
  dst = put(dst, <u32>HEX.charCodeAt(<i32>((c >> 8) & 15)));
  dst = put(dst, <u32>HEX.charCodeAt(<i32>((c >> 4) & 15)));
  return put(dst, <u32>HEX.charCodeAt(<i32>(c & 15)));
}

/**
 * Writes `s` as a JSON string literal (quotes included) as UTF-16 at `dst`, which must have room for
 * quotedLength(s) units; returns the end. Escapes `"`, `\`, control characters (short forms where JSON has
 * them) and lone surrogates (as \uD800, like JS's JSON.stringify), so the output stays valid once encoded.
 */
export function writeQuoted(s: string, dst: usize): usize {
  const n = s.length;
  dst = put(dst, 0x22);
  for (let i = 0; i < n; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) {
      dst = put(put(dst, 0x5c), c);
    } else if (c < 0x20) {
      if (c == 0x0a) dst = put(put(dst, 0x5c), 0x6e);
      else if (c == 0x0d) dst = put(put(dst, 0x5c), 0x72);
      else if (c == 0x09) dst = put(put(dst, 0x5c), 0x74);
      else if (c == 0x08) dst = put(put(dst, 0x5c), 0x62);
      else if (c == 0x0c) dst = put(put(dst, 0x5c), 0x66);
      else dst = unicodeEscape(dst, c);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c < 0xdc00 && i + 1 < n) {
        const d = <u32>s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          dst = put(put(dst, c), d);
          i++;
          continue;
        }
      }
      dst = unicodeEscape(dst, c);
    } else {
      dst = put(dst, c);
    }
  }
  return put(dst, 0x22);
}

/** `s` as a JSON string literal, quotes included. */
export function jsonQuote(s: string): string {
  const len = quotedLength(s);
  const out = __new(len << 1, idof<String>());
  writeQuoted(s, out);
  return changetype<string>(out);
}

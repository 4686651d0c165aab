// URL helpers for filters that look at `:path`: percent-decoding that never traps.
//
// Filters that key anything on a path part (a rate-limit descriptor, a routing condition, an X-Road
// service id) must compare decoded forms: `civil%2Dregistry` and `civil-registry` name the same
// subsystem, and a key built from the bytes as sent could be dodged by re-encoding them.
import { decodeUtf8 } from "./runtime/memory";
import { hexDigitValue } from "./runtime/ascii";

// Made on first use: a module that never decodes a path carries no buffer (and no start-up code).
let scratch: ArrayBuffer | null = null;

/**
 * Percent-decodes `s[from, to)` (`to < 0`: to the end); with `plus`, `+` is a space (query strings).
 * An invalid escape (`%zz`, a `%` near the end) is kept literally; the decoded bytes are read as UTF-8
 * with U+FFFD for invalid sequences. Never traps; returns a substring (no copy of the bytes) when
 * nothing needs decoding.
 */
export function percentDecode(s: string, from: i32 = 0, to: i32 = -1, plus: bool = false): string {
  if (to < 0 || to > s.length) to = s.length;
  if (from < 0) from = 0;
  if (from >= to) return "";
  let simple = true;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x25 || c >= 0x80 || (plus && c == 0x2b)) { simple = false; break; }
  }
  if (simple) return s.substring(from, to);
  const need = (to - from) * 3; // a UTF-16 unit is at most 3 UTF-8 bytes
  let buf = scratch;
  if (buf === null || buf.byteLength < need) scratch = buf = new ArrayBuffer(max(need, 256));
  const base = changetype<usize>(buf);
  let o: usize = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x25) {
      const hi = i + 1 < to ? hexDigitValue(<u32>s.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < to ? hexDigitValue(<u32>s.charCodeAt(i + 2)) : -1;
      if (hi >= 0 && lo >= 0) {
        store<u8>(base + o++, <u8>((hi << 4) | lo));
        i += 2;
      } else {
        store<u8>(base + o++, 0x25);
      }
    } else if (plus && c == 0x2b) {
      store<u8>(base + o++, 0x20);
    } else if (c < 0x80) {
      store<u8>(base + o++, <u8>c);
    } else {
      // a surrogate pair is encoded whole; a lone surrogate becomes U+FFFD
      const units = c >= 0xd800 && c < 0xdc00 && i + 1 < to && (s.charCodeAt(i + 1) & 0xfc00) == 0xdc00 ? 2 : 1;
      o += <usize>String.UTF8.encodeUnsafe(changetype<usize>(s) + (<usize>i << 1), units, base + o, false, String.UTF8.ErrorMode.REPLACE);
      i += units - 1;
    }
  }
  return decodeUtf8(base, o);
}

/**
 * The X-Road service id `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE` of a `/r1/...` path (the X-Road
 * message protocol for REST), each part percent-decoded; null when the path (query and fragment
 * removed) has fewer than five non-empty parts after `/r1/`. Parts are not validated here: the authz
 * filter answers malformed ids; other filters only need a stable key.
 */
export function xroadServiceId(path: string): string | null {
  if (!path.startsWith("/r1/")) return null;
  let end = path.indexOf("?");
  const hash = path.indexOf("#");
  if (end < 0 || (hash >= 0 && hash < end)) end = hash;
  if (end < 0) end = path.length;
  let out = "";
  let start = 4;
  for (let part = 0; part < 5; part++) {
    let stop = path.indexOf("/", start);
    if (stop < 0 || stop > end) stop = end;
    if (stop == start) return null;
    if (part > 0) out += "/";
    out += percentDecode(path, start, stop, false);
    if (stop == end && part < 4) return null;
    start = stop + 1;
  }
  return out;
}

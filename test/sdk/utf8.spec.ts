// scratchPut, the encoder of every string the SDK hands to the host (header names and values, details,
// bodies, paths), and decodeUtf8, the decoder of what comes back: byte-exact against String.UTF8 with a
// non-ASCII, invalid or control unit at every position of a string (so a block-wise fast path, should
// one be added, is covered at every offset), and CR, LF and NUL always flagged by the encoder.
import { scratchBegin, scratchPut, reserveFor, putLen, putIllegal, utf8Encode, decodeUtf8 } from "../../sdk/runtime/memory";
import { asciiBytes, hexOf } from "./host";

/** scratchPut's bytes as hex (and its CR/LF/NUL flag in `lastIllegal`). */
let lastIllegal = false;
function put(s: string): string {
  scratchBegin(reserveFor(s));
  const p = scratchPut(s);
  lastIllegal = putIllegal;
  const b = new ArrayBuffer(<i32>putLen);
  memory.copy(changetype<usize>(b), p, putLen);
  return hexOf(b);
}
const expected = (s: string): string => hexOf(utf8Encode(s));
const BASE = "abcdefghijklmnopq"; // 17 units

describe("scratchPut", () => {
  it("encodes printable ASCII of every length 0–17 as String.UTF8 does", () => {
    for (let n = 0; n <= BASE.length; n++) {
      const s = BASE.substring(0, n);
      expect(put(s)).toBe(expected(s));
      expect(<i32>putLen).toBe(n);
      expect(lastIllegal).toBe(false);
    }
  });
  it("flags CR, LF and NUL at every position", () => {
    const bad: i32[] = [0x0d, 0x0a, 0x00];
    for (let b = 0; b < bad.length; b++) {
      for (let i = 0; i < BASE.length; i++) {
        const s = BASE.substring(0, i) + String.fromCharCode(bad[b]) + BASE.substring(i + 1);
        expect(put(s)).toBe(expected(s));
        expect(lastIllegal).toBe(true);
      }
    }
  });
  it("keeps other control characters, space and DEL without a flag", () => {
    const ok: i32[] = [0x09, 0x01, 0x0b, 0x1f, 0x20, 0x7f];
    for (let c = 0; c < ok.length; c++) {
      for (let i = 0; i < BASE.length; i++) {
        const s = BASE.substring(0, i) + String.fromCharCode(ok[c]) + BASE.substring(i + 1);
        expect(put(s)).toBe(expected(s));
        expect(lastIllegal).toBe(false);
      }
    }
    // alternating control and printable units
    const edge = "\x1f \x1f \x1f \x1f ";
    expect(put(edge)).toBe(expected(edge));
    expect(lastIllegal).toBe(false);
  });
  it("encodes non-ASCII at every position (2-, 3-byte, surrogate pairs, lone surrogates as U+FFFD)", () => {
    const odd = ["é", "€", "\u0080", "\u07ff", "\ud83d\ude00", "\ud800", "\udc00"];
    for (let k = 0; k < odd.length; k++) {
      for (let i = 0; i < BASE.length; i++) {
        const s = BASE.substring(0, i) + odd[k] + BASE.substring(i + 1);
        expect(put(s)).toBe(expected(s));
        expect(lastIllegal).toBe(false);
      }
    }
  });
});

/** decodeUtf8 of `bytes`, copied out of a plain buffer. */
function decode(bytes: u8[]): string {
  const p = heap.alloc(<usize>bytes.length);
  for (let i = 0; i < bytes.length; i++) store<u8>(p + <usize>i, bytes[i]);
  const s = decodeUtf8(p, <usize>bytes.length);
  heap.free(p);
  return s;
}

describe("decodeUtf8", () => {
  it("decodes ASCII of every length 0–17", () => {
    for (let n = 0; n <= BASE.length; n++) expect(decode(asciiBytes(BASE.substring(0, n)))).toBe(BASE.substring(0, n));
  });
  it("decodes a multi-byte sequence at every position", () => {
    const seqs: u8[][] = [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80]];
    const chars = ["é", "€", "\ud83d\ude00"];
    for (let k = 0; k < seqs.length; k++) {
      for (let i = 0; i <= BASE.length; i++) {
        const bytes = asciiBytes(BASE.substring(0, i)).concat(seqs[k]).concat(asciiBytes(BASE.substring(i)));
        expect(decode(bytes)).toBe(BASE.substring(0, i) + chars[k] + BASE.substring(i));
      }
    }
  });
  it("turns an invalid byte at every position into U+FFFD, and keeps control bytes", () => {
    const odd: u8[] = [0x80, 0xBF, 0xC0, 0xFF, 0x00, 0x0D, 0x7F];
    for (let k = 0; k < odd.length; k++) {
      const want = odd[k] < 0x80 ? String.fromCharCode(odd[k]) : "\uFFFD";
      for (let i = 0; i < BASE.length; i++) {
        const bytes = asciiBytes(BASE);
        bytes[i] = odd[k];
        expect(decode(bytes)).toBe(BASE.substring(0, i) + want + BASE.substring(i + 1));
      }
    }
  });
});

// One text line (an error, a log line, a metric name) built from bytes rather than from UTF-16 string
// literals and concatenation: fixed texts are NUL-terminated ASCII kept in a blob (`memory.data<u8>`,
// one byte per character, no object header), pieces of input are copied as UTF-8, integers written in
// decimal. lineString() turns the result into the one string the logging/metrics API takes (decoded
// tolerantly: a piece cut in the middle of a UTF-8 sequence becomes U+FFFD).
//
// Why: every string literal is a UTF-16 object (2 bytes a character + a 20-byte header, in two data
// segments) and `a + b` links String#concat; a filter that only needs a few log lines and names pays
// more for those than for its logic (filters/request-id/README.md, 'Size'). The line is one static
// 1 KiB buffer, truncated when full: build one line at a time, and take it (lineString) before the next.
import { decodeUtf8 } from "../runtime/memory";

const LINE_CAP: usize = 1024;
const LINE: usize = memory.data(<i32>LINE_CAP);
let lineLen: usize = 0;

/** Starts a new line. */
export function lineStart(): void { lineLen = 0; }

/** Appends `n` bytes at `p` (what does not fit is dropped). */
export function lineBytes(p: usize, n: usize): void {
  const room = LINE_CAP - lineLen;
  if (n > room) n = room;
  memory.copy(LINE + lineLen, p, n);
  lineLen += n;
}

/** Appends the NUL-terminated text at `z`. */
export function lineText(z: usize): void { lineBytes(z, textLength(z)); }

/** Appends the decimal digits of `v`. */
export function lineU64(v: u64): void {
  const tmp = memory.data(20);
  let i: usize = 20;
  do {
    store<u8>(tmp + --i, <u8>(0x30 + v % 10));
    v /= 10;
  } while (v);
  lineBytes(tmp + i, 20 - i);
}

/** The line as a string. */
export function lineString(): string { return decodeUtf8(LINE, lineLen); }

/** Length of the NUL-terminated text at `z`. */
export function textLength(z: usize): usize {
  let e = z;
  while (load<u8>(e)) e++;
  return e - z;
}

/** Address of the `k`-th text (from 0) of a blob of NUL-terminated texts. */
export function textAt(blob: usize, k: i32): usize {
  for (; k > 0; blob++) if (!load<u8>(blob)) k--;
  return blob;
}

/** The NUL-terminated text at `z` as a new ArrayBuffer (its bytes, without the NUL). */
export function textBuffer(z: usize): ArrayBuffer {
  const n = textLength(z);
  const b = changetype<ArrayBuffer>(__new(n, idof<ArrayBuffer>()));
  memory.copy(changetype<usize>(b), z, n);
  return b;
}

// Replacements for AssemblyScript's env.abort / env.seed / env.trace imports (which Envoy would
// reject). Wired in by asconfig.json: `use abort=sdk/runtime/abort/proxyAbort`, etc.

import { proxy_log, wasi_random_get } from "../abi/imports";

// Fixed buffer so that abort never allocates (it may be called because allocation failed).
const ABORT_BUF_SIZE: usize = 1024;
const ABORT_BUF: usize = memory.data(1024);
// write position lives in memory (abort may run before globals are initialised)
const POS: usize = memory.data(4, 4);

/** Append `s` to ABORT_BUF (truncating). Non-ASCII characters become '?': abort must stay tiny
 *  and never allocate (it may run because allocation failed). */
function abortPutAscii(s: string): void {
  let pos = <usize>load<u32>(POS);
  const p = changetype<usize>(s);
  const n = <usize>s.length;
  for (let i: usize = 0; i < n && pos < ABORT_BUF_SIZE; i++) {
    const c = load<u16>(p + (i << 1));
    store<u8>(ABORT_BUF + pos++, c < 0x80 ? <u8>c : 0x3F);
  }
  store<u32>(POS, <u32>pos);
}

function abortPutU32(v: u32): void {
  let abortPos = <usize>load<u32>(POS);
  const tmp = memory.data(12);
  let n: usize = 0;
  do {
    store<u8>(tmp + n++, <u8>(48 + v % 10));
    v /= 10;
  } while (v);
  while (n > 0) {
    if (abortPos >= ABORT_BUF_SIZE) break;
    store<u8>(ABORT_BUF + abortPos++, load<u8>(tmp + --n));
  }
  store<u32>(POS, <u32>abortPos);
}

/** abort(): log "abort: <message> at <file>:<line>:<col>" at CRITICAL, then trap. */
export function proxyAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  store<u32>(POS, 0);
  abortPutAscii("abort: ");
  abortPutAscii(changetype<usize>(message) != 0 ? changetype<string>(message) : "(no message)");
  if (changetype<usize>(fileName) != 0) {
    abortPutAscii(" at ");
    abortPutAscii(changetype<string>(fileName));
    abortPutAscii(":");
    abortPutU32(lineNumber);
    abortPutAscii(":");
    abortPutU32(columnNumber);
  }
  proxy_log(5, ABORT_BUF, <usize>load<u32>(POS));
  unreachable();
}

/** seed(): 8 random bytes from WASI random_get (allowed during _initialize). */
export function proxySeed(): f64 {
  const slot = memory.data(8, 8);
  if (wasi_random_get(slot, 8) != 0) store<u64>(slot, 0x9E3779B97F4A7C15);
  const v = load<u64>(slot) >> 11; // 53 bits, exactly representable
  return <f64>(v | 1);
}

/** trace(): log the message and numeric arguments at INFO. Debug aid only (allocates). */
export function proxyTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let s = "trace: " + message;
  if (n > 0) s += " " + a0.toString();
  if (n > 1) s += ", " + a1.toString();
  if (n > 2) s += ", " + a2.toString();
  if (n > 3) s += ", " + a3.toString();
  if (n > 4) s += ", " + a4.toString();
  const buf = String.UTF8.encode(s);
  proxy_log(2, changetype<usize>(buf), <usize>buf.byteLength);
}

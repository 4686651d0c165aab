// AssemblyScript side of test/sdk/host-imports.js, for specs: inspect and steer the stub host.
// (Not a spec: import it from a *.spec.ts.)

@external("test_host", "log_count")
export declare function logCount(): i32;
@external("test_host", "log_level_at")
export declare function logLevelAt(i: i32): i32;
@external("test_host", "log_message_at")
declare function log_message_at(i: i32, ptr: usize, max: i32): i32;
@external("test_host", "set_log_level")
export declare function setLogLevel(level: i32): void;
@external("test_host", "unimplemented_count")
export declare function unimplementedCount(): i32;
@external("test_host", "reset")
export declare function resetHost(): void;

/** The i-th message recorded by the stub proxy_log, or null if there is none. */
export function logMessageAt(i: i32): string | null {
  const n = log_message_at(i, 0, 0);
  if (n < 0) return null;
  const buf = new ArrayBuffer(n);
  log_message_at(i, changetype<usize>(buf), n);
  return String.UTF8.decode(buf);
}

// ---- properties (see host-imports.js): queued answers for proxy_get_property, recorded paths ----

@external("test_host", "queue_property_result")
declare function queue_property_result(ptr: usize, len: usize): void;
@external("test_host", "queue_property_status")
export declare function queuePropertyStatus(status: u32): void;
@external("test_host", "last_path_copy")
declare function last_path_copy(ptr: usize, max: i32): i32;
@external("test_host", "last_set_value_copy")
declare function last_set_value_copy(ptr: usize, max: i32): i32;
@external("test_host", "log_level_reads")
export declare function logLevelReads(): i32;

/** The next proxy_get_property answers Ok with a copy of `bytes` in a fresh heap block (the SDK frees it). */
export function queuePropertyBytes(bytes: ArrayBuffer): void {
  const n = <usize>bytes.byteLength;
  if (n == 0) { queue_property_result(0, 0); return; } // empty result: (0,0), nothing allocated
  const p = heap.alloc(n);
  memory.copy(p, changetype<usize>(bytes), n);
  queue_property_result(p, n);
}

/** Path bytes of the last proxy_get_property / proxy_set_property, or null. */
export function lastPath(): ArrayBuffer | null {
  const n = last_path_copy(0, 0);
  if (n < 0) return null;
  const buf = new ArrayBuffer(n);
  last_path_copy(changetype<usize>(buf), n);
  return buf;
}
/** Value bytes of the last proxy_set_property, or null. */
export function lastSetValue(): ArrayBuffer | null {
  const n = last_set_value_copy(0, 0);
  if (n < 0) return null;
  const buf = new ArrayBuffer(n);
  last_set_value_copy(changetype<usize>(buf), n);
  return buf;
}

/** Lower-case hex of a buffer's bytes ("null" for null): byte-exact expectations in specs. */
export function hexOf(b: ArrayBuffer | null): string {
  if (b === null) return "null";
  let s = "";
  const p = changetype<usize>(b);
  for (let i = 0; i < b.byteLength; i++) {
    const v = load<u8>(p + <usize>i);
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

/** The bytes of an ASCII (or Latin-1) string, one per unit: host-result contents in specs. */
export function asciiBytes(s: string): u8[] {
  const out = new Array<u8>(s.length);
  for (let i = 0; i < s.length; i++) out[i] = <u8>s.charCodeAt(i);
  return out;
}

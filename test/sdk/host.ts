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

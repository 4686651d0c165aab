// Logging through proxy_log, with a cached level check so disabled messages cost nothing:
//
//   if (isLogEnabled(LogLevel.Debug)) logDebug("user " + name + " allowed");
//
// The level comes from proxy_get_log_level, read once and refreshed by the SDK on every
// onVmStart / onConfigure / onTick (it can change at runtime; Envoy never tells the module).
// Before the first refresh (e.g. in top-level code, where only proxy_log is allowed) every
// level counts as enabled. logX() also skip the hostcall when the level is disabled, but the
// message string has already been built by then — hence the isLogEnabled pattern.

import { LogLevel } from "./abi/enums";
import * as hc from "./hostcalls";

let cachedLevel: i32 = -1;

/** Re-read Envoy's wasm log level (not allowed during _initialize; the SDK calls it for you). */
export function refreshLogLevel(): void {
  const l = hc.getLogLevel();
  if (l >= 0) cachedLevel = l;
}

/** True when a message at `level` would be emitted (cheap: no hostcall). */
@inline export function isLogEnabled(level: LogLevel): bool {
  return <i32>level >= cachedLevel;
}

/** The cached level (-1 = not read yet). */
export function getLogLevel(): i32 {
  return cachedLevel;
}

export function log(level: LogLevel, message: string): void {
  if (<i32>level >= cachedLevel) hc.log(<i32>level, message);
}
export function logTrace(message: string): void { log(LogLevel.Trace, message); }
export function logDebug(message: string): void { log(LogLevel.Debug, message); }
export function logInfo(message: string): void { log(LogLevel.Info, message); }
export function logWarn(message: string): void { log(LogLevel.Warn, message); }
export function logError(message: string): void { log(LogLevel.Error, message); }
export function logCritical(message: string): void { log(LogLevel.Critical, message); }

/**
 * Decimal text of an integer, for log lines. Same result as `v.toString()` but without the
 * ~1.6 KB of lookup tables (decimal pairs, hex, radix digits) that AssemblyScript's number
 * formatting puts in the module's data section: `logInfo("stream " + decimal(this.contextId))`.
 */
export function decimal(v: i64): string {
  const neg = v < 0;
  let u: u64 = neg ? <u64>(-v) : <u64>v; // i64.MIN_VALUE: -v wraps to itself, read as u64 = 2^63
  const buf = memory.data(20);
  let n: usize = 20;
  do {
    store<u8>(buf + --n, <u8>(48 + u % 10));
    u /= 10;
  } while (u);
  if (neg) store<u8>(buf + --n, 45);
  const len: usize = 20 - n;
  const out = __new(len << 1, idof<String>());
  for (let i: usize = 0; i < len; i++) store<u16>(out + (i << 1), <u16>load<u8>(buf + n + i));
  return changetype<string>(out);
}

/** Decimal text of an unsigned 64-bit integer (see decimal). */
export function decimalUnsigned(v: u64): string {
  if (v <= <u64>i64.MAX_VALUE) return decimal(<i64>v);
  const hi = v / 10; // ≥ 2^63/10: fits in i64
  return decimal(<i64>hi) + String.fromCharCode(48 + <i32>(v % 10));
}

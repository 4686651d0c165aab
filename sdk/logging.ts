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

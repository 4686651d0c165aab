// Logging (sdk/logging.ts): the level comes from proxy_get_log_level, read when the SDK refreshes
// it (root callbacks) and cached; disabled levels never reach proxy_log.
import { LogLevel, isLogEnabled, getLogLevel, refreshLogLevel, log, logTrace, logDebug, logInfo, logWarn, logError, logCritical, decimal, decimalUnsigned } from "../../sdk";
import { resetHost, setLogLevel, logCount, logLevelAt, logMessageAt, logLevelReads } from "./host";

let built: i32 = 0;
function costly(): string {
  built++;
  return "costly";
}

describe("logging", () => {
  it("before the first refresh (top-level code) the level is unknown (-1) and every level is enabled", () => {
    resetHost();
    expect(getLogLevel()).toBe(-1);
    expect(isLogEnabled(LogLevel.Trace)).toBe(true);
    logTrace("early");
    expect(logCount()).toBe(1);
    expect(logLevelReads()).toBe(0);
  });

  it("refreshLogLevel reads proxy_get_log_level once; the value is cached for every later check", () => {
    resetHost();
    setLogLevel(2); // info
    refreshLogLevel();
    expect(logLevelReads()).toBe(1);
    expect(getLogLevel()).toBe(2);
    for (let i = 0; i < 50; i++) {
      logInfo("i");
      logDebug("d");
      isLogEnabled(LogLevel.Warn);
    }
    expect(logLevelReads()).toBe(1);
    expect(logCount()).toBe(50);
  });

  it("disabled levels do not call proxy_log; enabled ones pass level and message through", () => {
    resetHost();
    setLogLevel(3); // warn
    refreshLogLevel();
    logTrace("t");
    logDebug("d");
    logInfo("i");
    log(LogLevel.Info, "i2");
    expect(logCount()).toBe(0);
    logWarn("w");
    logError("e");
    logCritical("c ✓");
    log(LogLevel.Warn, "w2");
    expect(logCount()).toBe(4);
    expect(logLevelAt(0)).toBe(3);
    expect(logLevelAt(1)).toBe(4);
    expect(logLevelAt(2)).toBe(5);
    expect(logMessageAt(2)!).toBe("c ✓");
    expect(logMessageAt(3)!).toBe("w2");
  });

  it("the isLogEnabled guard skips building the message", () => {
    resetHost();
    setLogLevel(3);
    refreshLogLevel();
    built = 0;
    if (isLogEnabled(LogLevel.Debug)) logDebug("x " + costly());
    expect(built).toBe(0);
    expect(logCount()).toBe(0);
    if (isLogEnabled(LogLevel.Error)) logError("x " + costly());
    expect(built).toBe(1);
    expect(logCount()).toBe(1);
  });

  it("a host level change is not seen until the next refresh (cached, as documented)", () => {
    resetHost();
    setLogLevel(4); // error
    refreshLogLevel();
    setLogLevel(0); // trace on the host side
    logDebug("stale");
    expect(logCount()).toBe(0);
    refreshLogLevel();
    logDebug("fresh");
    expect(logCount()).toBe(1);
    expect(logLevelReads()).toBe(2);
  });

  it("level 6 (off) disables everything, critical included", () => {
    resetHost();
    setLogLevel(6);
    refreshLogLevel();
    logCritical("nothing");
    expect(isLogEnabled(LogLevel.Critical)).toBe(false);
    expect(logCount()).toBe(0);
  });
});

describe("decimal (compact integer formatting)", () => {
  it("matches toString for signed and unsigned values", () => {
    expect(decimal(0)).toBe("0");
    expect(decimal(7)).toBe("7");
    expect(decimal(-42)).toBe("-42");
    expect(decimal(<i64>u32.MAX_VALUE)).toBe(u32.MAX_VALUE.toString());
    expect(decimal(i64.MAX_VALUE)).toBe(i64.MAX_VALUE.toString());
    expect(decimal(i64.MIN_VALUE)).toBe(i64.MIN_VALUE.toString());
    expect(decimalUnsigned(u64.MAX_VALUE)).toBe(u64.MAX_VALUE.toString());
    expect(decimalUnsigned(<u64>i64.MAX_VALUE + 1)).toBe("9223372036854775808");
    expect(decimalUnsigned(10)).toBe("10");
  });
});

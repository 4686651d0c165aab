// Checks the stub host of test/sdk/host-imports.js that every SDK spec is instantiated with.
import { logCount, logLevelAt, logMessageAt, setLogLevel, unimplementedCount, resetHost } from "./host";

@external("env", "proxy_log")
declare function proxy_log(level: u32, ptr: usize, len: usize): u32;
@external("env", "proxy_get_log_level")
declare function proxy_get_log_level(ret: usize): u32;
@external("env", "proxy_get_buffer_status")
declare function proxy_get_buffer_status(t: u32, retLen: usize, retFlags: usize): u32;
@external("env", "proxy_some_future_call")
declare function proxy_some_future_call(): u32;

function log(level: u32, msg: string): u32 {
  const b = String.UTF8.encode(msg);
  return proxy_log(level, changetype<usize>(b), <usize>b.byteLength);
}

describe("stub host imports", () => {
  beforeEach(() => { resetHost(); });

  it("records proxy_log calls", () => {
    expect(log(3, "hello é")).toBe(0);
    expect(log(4, "second")).toBe(0);
    expect(logCount()).toBe(2);
    expect(logLevelAt(0)).toBe(3);
    expect(logMessageAt(0)!).toBe("hello é");
    expect(logMessageAt(1)!).toBe("second");
    expect(logMessageAt(2)).toBeNull();
  });
  it("answers proxy_get_log_level with the configured level", () => {
    const ret = memory.data(4);
    expect(proxy_get_log_level(ret)).toBe(0);
    expect(load<u32>(ret)).toBe(2);
    setLogLevel(0);
    proxy_get_log_level(ret);
    expect(load<u32>(ret)).toBe(0);
  });
  it("returns Unimplemented (12) from other hostcalls, including undeclared ones", () => {
    const r = memory.data(8);
    expect(proxy_get_buffer_status(0, r, r + 4)).toBe(12);
    expect(proxy_some_future_call()).toBe(12);
    expect(unimplementedCount()).toBe(2);
  });
  it("resets between tests", () => {
    expect(logCount()).toBe(0);
  });
});

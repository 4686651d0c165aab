// The specs run against the project's real host (test/sdk/host-imports.js → host/runtime/spec-host.ts):
// these check that it answers as Envoy does from an HTTP stream context, and that the steering works.
import { SharedData, getPropertyString, WasmResult } from "../../sdk";
import { logCount, logLevelAt, logMessageAt, setLogLevel, unimplementedCount, resetHost } from "./host";
// The host returns variable-length results through the guest allocator, as Envoy does.
export { proxy_on_memory_allocate } from "../../sdk/abi/exports";

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

describe("the real host behind the specs", () => {
  beforeEach(() => { resetHost(); });

  it("records proxy_log calls and refuses a level above critical", () => {
    expect(log(3, "hello é")).toBe(0);
    expect(log(4, "second")).toBe(0);
    expect(log(6, "no such level")).toBe(WasmResult.BadArgument);
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
  it("answers Unimplemented (12) only for names Envoy does not register", () => {
    const r = memory.data(8);
    expect(proxy_get_buffer_status(0, r, r + 4)).toBe(WasmResult.Ok); // request body of a stream: empty, never NotFound
    expect(load<u32>(r)).toBe(0);
    expect(proxy_some_future_call()).toBe(12);
    expect(unimplementedCount()).toBe(1);
  });
  it("serves properties and shared data with Envoy's semantics", () => {
    expect(getPropertyString("plugin_root_id")).toBe("spec");
    expect(getPropertyString("plugin_name")).toBe("spec");
    expect(getPropertyString("no.such.attribute")).toBeNull();
    expect(SharedData.get("k")).toBeNull();
    expect(SharedData.setString("k", "v1")).toBe(WasmResult.Ok);
    const v = SharedData.get("k")!;
    expect(v.toString()).toBe("v1");
    expect(SharedData.setString("k", "v2", v.cas + 1)).toBe(WasmResult.CasMismatch);
    expect(SharedData.setString("k", "v2", v.cas)).toBe(WasmResult.Ok);
  });
  it("resets between tests", () => {
    expect(logCount()).toBe(0);
    expect(SharedData.get("k")).toBeNull();
  });
});

// The floor: a hand-written proxy-wasm ABI 0.2.1 guest with no SDK, doing exactly what
// examples/hello-world does per request (add `x-hello: world` to the response headers; log one
// line at info when the host's log level allows it). bench/sdk compares the SDK against this.

@external("env", "proxy_add_header_map_value")
declare function proxy_add_header_map_value(map: u32, kp: usize, kl: usize, vp: usize, vl: usize): u32;
@external("env", "proxy_log")
declare function proxy_log(level: u32, p: usize, l: usize): u32;
@external("env", "proxy_get_log_level")
declare function proxy_get_log_level(out: usize): u32;

const KEY = memory.data<u8>([0x78, 0x2d, 0x68, 0x65, 0x6c, 0x6c, 0x6f]); // "x-hello"
const VAL = memory.data<u8>([0x77, 0x6f, 0x72, 0x6c, 0x64]); // "world"
const MSG = memory.data<u8>([0x73, 0x61, 0x69, 0x64, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f]); // "said hello"
const OUT = memory.data(8);
let level: u32 = 0xffffffff;

export function proxy_abi_version_0_2_1(): void {}
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function proxy_on_context_create(id: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 {
  level = proxy_get_log_level(OUT) == 0 ? load<u32>(OUT) : 2;
  return 1;
}
export function proxy_on_request_headers(id: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_response_headers(id: u32, n: u32, eos: u32): u32 {
  proxy_add_header_map_value(2, KEY, 7, VAL, 5);
  if (level <= 2) proxy_log(2, MSG, 10);
  return 0;
}
export function proxy_on_log(id: u32): void {}
export function proxy_on_done(id: u32): u32 { return 1; }
export function proxy_on_delete(id: u32): void {}

// The floor for filter (a): a hand-written proxy-wasm ABI 0.2.1 guest with no SDK that adds
// `x-bench: add-header` to every response — exactly what bench/peer/ours/add-header and
// bench/peer/solo/assembly/add-header.ts do.

@external("env", "proxy_add_header_map_value")
declare function proxy_add_header_map_value(map: u32, kp: usize, kl: usize, vp: usize, vl: usize): u32;

const KEY = memory.data<u8>([0x78, 0x2d, 0x62, 0x65, 0x6e, 0x63, 0x68]); // "x-bench"
const VAL = memory.data<u8>([0x61, 0x64, 0x64, 0x2d, 0x68, 0x65, 0x61, 0x64, 0x65, 0x72]); // "add-header"

export function proxy_abi_version_0_2_1(): void {}
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function proxy_on_context_create(id: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 { return 1; }
export function proxy_on_request_headers(id: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_response_headers(id: u32, n: u32, eos: u32): u32 {
  proxy_add_header_map_value(2, KEY, 7, VAL, 10);
  return 0;
}
export function proxy_on_log(id: u32): void {}
export function proxy_on_done(id: u32): u32 { return 1; }
export function proxy_on_delete(id: u32): void {}

// The floor for filter (c): a hand-written proxy-wasm ABI 0.2.1 guest with no SDK. Defines the
// counter `bench_requests` at configure time and increments it on every request's headers —
// exactly what bench/peer/ours/count and bench/peer/solo/assembly/count.ts do.

@external("env", "proxy_define_metric")
declare function proxy_define_metric(type: u32, np: usize, nl: usize, out: usize): u32;
@external("env", "proxy_increment_metric")
declare function proxy_increment_metric(id: u32, delta: i64): u32;

const NAME = memory.data<u8>([0x62, 0x65, 0x6e, 0x63, 0x68, 0x5f, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x73]); // "bench_requests"
const OUT = memory.data(4);
let counter: u32 = 0;

export function proxy_abi_version_0_2_1(): void {}
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function proxy_on_context_create(id: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 {
  if (counter == 0 && proxy_define_metric(0, NAME, 14, OUT) == 0) counter = load<u32>(OUT);
  return 1;
}
export function proxy_on_request_headers(id: u32, n: u32, eos: u32): u32 {
  proxy_increment_metric(counter, 1);
  return 0;
}
export function proxy_on_response_headers(id: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_log(id: u32): void {}
export function proxy_on_done(id: u32): u32 { return 1; }
export function proxy_on_delete(id: u32): void {}

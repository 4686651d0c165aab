// The floor for filter (b): a hand-written proxy-wasm ABI 0.2.1 guest with no SDK. Reads request
// header `x-api-key` (the host copies the value into memory from proxy_on_memory_allocate; freed
// here); unless it is "let-me-in", sends a local reply 403 "denied" (details "bench_denied", no gRPC
// status) and stops — exactly what bench/peer/ours/deny and bench/peer/solo/assembly/deny.ts do.

@external("env", "proxy_get_header_map_value")
declare function proxy_get_header_map_value(map: u32, kp: usize, kl: usize, outP: usize, outL: usize): u32;
@external("env", "proxy_send_local_response")
declare function proxy_send_local_response(status: u32, dp: usize, dl: usize, bp: usize, bl: usize, hp: usize, hl: usize, grpc: i32): u32;

const KEY = memory.data<u8>([0x78, 0x2d, 0x61, 0x70, 0x69, 0x2d, 0x6b, 0x65, 0x79]); // "x-api-key"
const WANT = memory.data<u8>([0x6c, 0x65, 0x74, 0x2d, 0x6d, 0x65, 0x2d, 0x69, 0x6e]); // "let-me-in"
const DETAILS = memory.data<u8>([0x62, 0x65, 0x6e, 0x63, 0x68, 0x5f, 0x64, 0x65, 0x6e, 0x69, 0x65, 0x64]); // "bench_denied"
const BODY = memory.data<u8>([0x64, 0x65, 0x6e, 0x69, 0x65, 0x64]); // "denied"
const OUT = memory.data(8);

export function proxy_abi_version_0_2_1(): void {}
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function proxy_on_context_create(id: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 { return 1; }
export function proxy_on_request_headers(id: u32, n: u32, eos: u32): u32 {
  store<u32>(OUT, 0);
  store<u32>(OUT, 0, 4);
  let allowed = false;
  if (proxy_get_header_map_value(0, KEY, 9, OUT, OUT + 4) == 0) {
    const p = load<u32>(OUT), l = load<u32>(OUT, 4);
    allowed = l == 9 && memory.compare(p, WANT, 9) == 0;
    if (p != 0) heap.free(p);
  }
  if (allowed) return 0;
  proxy_send_local_response(403, DETAILS, 12, BODY, 6, 0, 0, -1);
  return 1; // StopIteration
}
export function proxy_on_response_headers(id: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_log(id: u32): void {}
export function proxy_on_done(id: u32): u32 { return 1; }
export function proxy_on_delete(id: u32): void {}

// The floor for a no-op filter: a hand-written ABI 0.2.1 guest with no SDK that answers every
// HTTP callback with Continue. bench/sdk compares the SDK's no-op filter against it.

export function proxy_abi_version_0_2_1(): void {}
export function proxy_on_memory_allocate(size: usize): usize { return heap.alloc(size); }
export function proxy_on_context_create(id: u32, parent: u32): void {}
export function proxy_on_vm_start(root: u32, size: u32): u32 { return 1; }
export function proxy_on_configure(root: u32, size: u32): u32 { return 1; }
export function proxy_on_request_headers(id: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_response_headers(id: u32, n: u32, eos: u32): u32 { return 0; }
export function proxy_on_log(id: u32): void {}
export function proxy_on_done(id: u32): u32 { return 1; }
export function proxy_on_delete(id: u32): void {}

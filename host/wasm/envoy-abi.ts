// What Envoy (proxy-wasm-cpp-host + Envoy's own additions) registers and looks up, as data.
// Source of truth: /work/shared/reference/proxy-wasm-abi.md §1, §4, §5, §13, checked against
// cpp-host `exports.h` / `wasm.cc` (registerCallbacks, getFunctions, startVm, allocMemory).
//
// Signatures use the wasm value types the host declares: every `Word` is i32, `int64_t`/`uint64_t`
// parameters are i64, `void` results are `[]`. Import and export signatures must match *exactly*.

import type { FuncType, ValType } from './binary.ts';

export type AbiVersion = '0.1.0' | '0.2.0' | '0.2.1';
export const ABI_VERSIONS: readonly AbiVersion[] = ['0.1.0', '0.2.0', '0.2.1'];

/** Export names that mark the ABI version. The first exported *function* among them wins. */
export const ABI_MARKERS: Readonly<Record<string, AbiVersion>> = {
  proxy_abi_version_0_1_0: '0.1.0',
  proxy_abi_version_0_2_0: '0.2.0',
  proxy_abi_version_0_2_1: '0.2.1',
};
/** Markers Envoy does NOT recognise (vNEXT); a module exporting only these fails to load. */
export const UNRECOGNISED_ABI_MARKERS: readonly string[] = ['proxy_abi_version_0_x_x'];

export type Signature = FuncType;

const I: ValType = 'i32';
const L: ValType = 'i64';
const sig = (params: ValType[] | number, results: ValType[] = [I]): Signature => ({
  params: typeof params === 'number' ? Array<ValType>(params).fill(I) : params,
  results,
});
const VOID: ValType[] = [];

// ---------------------------------------------------------------------------------------------
// Imports (host functions)

/** `env.*` host functions registered for every ABI version (cpp-host FOR_ALL_HOST_FUNCTIONS + emscripten helpers). */
export const ENV_IMPORTS_COMMON: Readonly<Record<string, Signature>> = {
  proxy_log: sig(3),
  proxy_get_status: sig(3),
  proxy_set_property: sig(4),
  proxy_get_property: sig(4),
  proxy_send_local_response: sig(8),
  proxy_get_shared_data: sig(5),
  proxy_set_shared_data: sig(5),
  proxy_register_shared_queue: sig(3),
  proxy_resolve_shared_queue: sig(5),
  proxy_dequeue_shared_queue: sig(3),
  proxy_enqueue_shared_queue: sig(3),
  proxy_get_header_map_value: sig(5),
  proxy_add_header_map_value: sig(5),
  proxy_replace_header_map_value: sig(5),
  proxy_remove_header_map_value: sig(3),
  proxy_get_header_map_pairs: sig(3),
  proxy_set_header_map_pairs: sig(3),
  proxy_get_header_map_size: sig(2),
  proxy_get_buffer_status: sig(3),
  proxy_get_buffer_bytes: sig(5),
  proxy_set_buffer_bytes: sig(5),
  proxy_http_call: sig(10),
  proxy_grpc_call: sig(12),
  proxy_grpc_stream: sig(9),
  proxy_grpc_close: sig(1),
  proxy_grpc_cancel: sig(1),
  proxy_grpc_send: sig(4),
  proxy_set_tick_period_milliseconds: sig(1),
  proxy_get_current_time_nanoseconds: sig(1),
  proxy_define_metric: sig(4),
  proxy_increment_metric: sig([I, L]),
  proxy_record_metric: sig([I, L]),
  proxy_get_metric: sig(2),
  proxy_set_effective_context: sig(1),
  proxy_done: sig(0),
  proxy_call_foreign_function: sig(6),
  pthread_equal: sig(2),
  emscripten_notify_memory_growth: sig(1, VOID),
};

/** `env.*` host functions registered only for some ABI versions (§4.2). */
export const ENV_IMPORTS_BY_ABI: Readonly<Record<AbiVersion, Readonly<Record<string, Signature>>>> = {
  '0.1.0': {
    proxy_get_configuration: sig(2),
    proxy_continue_request: sig(0), // () -> i32 (the 0.1.0 spec's "no result" would fail the type check)
    proxy_continue_response: sig(0),
    proxy_clear_route_cache: sig(0),
  },
  '0.2.0': {
    proxy_continue_stream: sig(1),
    proxy_close_stream: sig(1),
  },
  '0.2.1': {
    proxy_continue_stream: sig(1),
    proxy_close_stream: sig(1),
    proxy_get_log_level: sig(1),
  },
};

/** Every ABI-specific name with the versions that register it. */
export const ABI_SPECIFIC_IMPORT_VERSIONS: Readonly<Record<string, readonly AbiVersion[]>> = (() => {
  const out: Record<string, AbiVersion[]> = {};
  for (const v of ABI_VERSIONS) for (const n of Object.keys(ENV_IMPORTS_BY_ABI[v])) (out[n] ??= []).push(v);
  return out;
})();

/** `env.*` functions Envoy itself registers on top of cpp-host (§4.4). */
export const ENVOY_IMPORTS: Readonly<Record<string, Signature>> = {
  envoy_resolve_dns: sig(3),
};

/** Both WASI module names are registered with identical tables. */
export const WASI_MODULES: readonly string[] = ['wasi_snapshot_preview1', 'wasi_unstable'];

/** WASI functions every Envoy in use registers (§4.3). */
export const WASI_IMPORTS: Readonly<Record<string, Signature>> = {
  fd_write: sig(4),
  fd_read: sig(4),
  fd_seek: sig([I, L, I, I]),
  fd_close: sig(1),
  fd_fdstat_get: sig(2),
  fd_fdstat_set_flags: sig(2),
  environ_get: sig(2),
  environ_sizes_get: sig(2),
  args_get: sig(2),
  args_sizes_get: sig(2),
  clock_time_get: sig([I, L, I]),
  clock_res_get: sig(2),
  random_get: sig(2),
  sched_yield: sig(0),
  poll_oneoff: sig(4),
  proc_exit: sig(1, VOID),
  path_open: sig([I, I, I, I, I, L, L, I, I]),
  fd_prestat_get: sig(2),
  fd_prestat_dir_name: sig(3),
  path_filestat_get: sig(5),
  fd_filestat_get: sig(2),
};

/**
 * Extra WASI stubs of the newest cpp-host (Apr 2026, Envoy main) [version]. Older Envoy releases
 * lack them, so by default a module importing one is refused ("missing import"). Note that
 * `path_link` (6 params) and `path_symlink` (4 params) differ from real WASI preview1.
 */
export const WASI_IMPORTS_NEWEST_ONLY: Readonly<Record<string, Signature>> = {
  fd_advise: sig([I, L, L, I]),
  fd_allocate: sig([I, L, L]),
  fd_datasync: sig(1),
  fd_fdstat_set_rights: sig([I, L, L]),
  fd_filestat_set_size: sig([I, L]),
  fd_filestat_set_times: sig([I, L, L, I]),
  fd_pread: sig([I, I, I, L, I]),
  fd_pwrite: sig([I, I, I, L, I]),
  fd_readdir: sig([I, I, I, L, I]),
  fd_renumber: sig(2),
  fd_sync: sig(1),
  fd_tell: sig(2),
  path_create_directory: sig(3),
  path_filestat_set_times: sig([I, I, I, I, L, L, I]),
  path_link: sig(6),
  path_readlink: sig(6),
  path_remove_directory: sig(3),
  path_rename: sig(6),
  path_symlink: sig(4),
  path_unlink_file: sig(3),
  sock_accept: sig(3),
  sock_recv: sig(6),
  sock_send: sig(5),
  sock_shutdown: sig(2),
};

export interface HostOptions {
  /** Model the newest cpp-host (extra WASI stubs, `__main_void`). Default false. */
  newestCppHost?: boolean;
}

/** The full import table Envoy links for `abi`, keyed `"module.name"`. */
export function hostImports(abi: AbiVersion, opts: HostOptions = {}): Map<string, Signature> {
  const m = new Map<string, Signature>();
  const add = (mod: string, table: Readonly<Record<string, Signature>>) => {
    for (const [n, s] of Object.entries(table)) m.set(`${mod}.${n}`, s);
  };
  add('env', ENV_IMPORTS_COMMON);
  add('env', ENV_IMPORTS_BY_ABI[abi]);
  add('env', ENVOY_IMPORTS);
  for (const w of WASI_MODULES) {
    add(w, WASI_IMPORTS);
    if (opts.newestCppHost) add(w, WASI_IMPORTS_NEWEST_ONLY);
  }
  return m;
}

/** Hostcalls allowed while `_initialize`/`main`/`_start` run (cpp-host `startVm`); anything else traps "restricted_callback". */
export const START_ALLOWED_HOSTCALLS: ReadonlySet<string> = new Set([
  'env.emscripten_notify_memory_growth',
  'env.proxy_log',
  ...WASI_MODULES.flatMap((w) =>
    [
      'fd_write', 'args_sizes_get', 'args_get', 'environ_sizes_get', 'environ_get', 'clock_time_get',
      'clock_res_get', 'random_get', 'poll_oneoff', 'fd_fdstat_get', 'fd_fdstat_set_flags',
      'fd_advise', 'fd_allocate', 'fd_datasync', 'fd_fdstat_set_rights', 'fd_filestat_get',
      'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_prestat_dir_name',
      'fd_prestat_get', 'fd_pwrite', 'fd_readdir', 'fd_renumber', 'fd_sync', 'fd_tell',
      'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link',
      'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file',
      'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
    ].map((n) => `${w}.${n}`),
  ),
]);

/** Hostcalls allowed inside the guest allocator (cpp-host `allocMemory`). */
export const ALLOCATOR_ALLOWED_HOSTCALLS: ReadonlySet<string> = new Set([
  'env.proxy_log',
  ...WASI_MODULES.flatMap((w) => ['fd_write', 'clock_time_get', 'poll_oneoff'].map((n) => `${w}.${n}`)),
]);

// ---------------------------------------------------------------------------------------------
// Exports (callbacks)

/** Allocator exports in the order the host looks them up (`malloc` first). Both `(i32)->i32`. */
export const ALLOCATOR_EXPORTS: readonly string[] = ['malloc', 'proxy_on_memory_allocate'];
export const ALLOCATOR_SIGNATURE: Signature = sig(1);

/** Start functions. `main`/`__main_void` are only looked up when `_initialize` is exported; `_start` only when it is not. */
export const START_EXPORTS: Readonly<Record<string, Signature>> = {
  _initialize: sig(0, VOID),
  main: sig(2),
  __main_void: sig(0), // newest cpp-host only
  _start: sig(0, VOID),
};

/** Callbacks looked up for every ABI version (cpp-host FOR_ALL_MODULE_FUNCTIONS), without the header callbacks. */
export const CALLBACKS_COMMON: Readonly<Record<string, Signature>> = {
  proxy_validate_configuration: sig(2),
  proxy_on_vm_start: sig(2),
  proxy_on_configure: sig(2),
  proxy_on_tick: sig(1, VOID),
  proxy_on_context_create: sig(2, VOID),
  proxy_on_new_connection: sig(1),
  proxy_on_downstream_data: sig(3),
  proxy_on_upstream_data: sig(3),
  proxy_on_downstream_connection_close: sig(2, VOID),
  proxy_on_upstream_connection_close: sig(2, VOID),
  proxy_on_request_body: sig(3),
  proxy_on_request_trailers: sig(2),
  proxy_on_request_metadata: sig(2),
  proxy_on_response_body: sig(3),
  proxy_on_response_trailers: sig(2),
  proxy_on_response_metadata: sig(2),
  proxy_on_http_call_response: sig(5, VOID),
  proxy_on_grpc_receive: sig(3, VOID),
  proxy_on_grpc_close: sig(3, VOID),
  proxy_on_grpc_receive_initial_metadata: sig(3, VOID),
  proxy_on_grpc_receive_trailing_metadata: sig(3, VOID),
  proxy_on_queue_ready: sig(2, VOID),
  proxy_on_done: sig(1),
  proxy_on_log: sig(1, VOID),
  proxy_on_delete: sig(1, VOID),
};

/** Callbacks whose presence or signature depends on the ABI version (§13). */
export const CALLBACKS_BY_ABI: Readonly<Record<AbiVersion, Readonly<Record<string, Signature>>>> = {
  '0.1.0': {
    proxy_on_request_headers: sig(2), // (ctx, num_headers) -> i32
    proxy_on_response_headers: sig(2),
  },
  '0.2.0': {
    proxy_on_request_headers: sig(3), // (ctx, num_headers, end_of_stream) -> i32
    proxy_on_response_headers: sig(3),
    proxy_on_foreign_function: sig(3, VOID),
  },
  '0.2.1': {
    proxy_on_request_headers: sig(3),
    proxy_on_response_headers: sig(3),
    proxy_on_foreign_function: sig(3, VOID),
  },
};

/** Callbacks Envoy adds on top of cpp-host (§4.4). */
export const ENVOY_CALLBACKS: Readonly<Record<string, Signature>> = {
  envoy_on_resolve_dns: sig(3, VOID),
  envoy_on_stats_update: sig(2, VOID),
};

/** Exported by some SDKs but never called by Envoy (so never signature-checked). */
export const IGNORED_EXPORTS: readonly string[] = [
  'proxy_on_grpc_create_initial_metadata',
  'proxy_on_grpc_trailing_metadata',
  'free',
];

/** Every callback the host looks up for `abi` (not the allocator/start functions), name → exact signature. */
export function callbackSignatures(abi: AbiVersion): Map<string, Signature> {
  return new Map([
    ...Object.entries(CALLBACKS_COMMON),
    ...Object.entries(CALLBACKS_BY_ABI[abi]),
    ...Object.entries(ENVOY_CALLBACKS),
  ]);
}

/** Maximum linear memory Envoy allows (`--wasm_max_mem_pages=16384`, 1 GiB). */
export const MAX_MEMORY_PAGES = 16384;

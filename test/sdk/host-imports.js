// Host imports for the as-pect SDK specs (test/sdk/*.spec.ts).
//
// This is the ONE place to swap when the real host's import builder (host/runtime) is ready: replace
// buildHostImports() with a call into it. Until then: a minimal stub set.
//   env.proxy_log              → recorded into hostState.logs ({ level, message })
//   env.proxy_get_log_level    → writes hostState.logLevel to *ret, returns Ok
//   every other env.proxy_*    → returns 12 (WasmResult.Unimplemented) and is counted in hostState.unimplemented
//   wasi_snapshot_preview1.*   → returns 52 (ENOSYS), except proc_exit which throws
// Any function import the compiled spec needs and nobody declared is filled in by fillMissingImports(), so
// a spec that (transitively) imports SDK hostcalls always instantiates.
//
// Specs can observe and steer this state through the "test_host" namespace (declare them in a spec with
// @external("test_host", "...")): log_count(), log_level_at(i), log_message_at(i, ptr, max) → byte length,
// set_log_level(level), unimplemented_count(), reset().
// Properties (for properties.spec.ts):
//   env.proxy_get_property  → records the path bytes; answers with the next queued result: a guest block
//                             (ptr, len) the spec allocated with heap.alloc (the SDK frees it), or a status
//   env.proxy_set_property  → records path and value bytes, returns Ok
//   test_host: queue_property_result(ptr, len), queue_property_status(status), last_path_len(),
//   last_path_copy(ptr, max), last_set_value_len(), last_set_value_copy(ptr, max), log_level_reads()

export const WasmResult = { Ok: 0, NotFound: 1, BadArgument: 2, Unimplemented: 12 };

export const hostState = {
  /** @type {{level: number, message: string}[]} */
  logs: [],
  logLevel: 2, // info
  /** @type {string[]} names of stubbed hostcalls that were called */
  unimplemented: [],
  /** @type {Array<{ptr: number, len: number} | {status: number}>} answers for the next proxy_get_property calls */
  propertyResults: [],
  /** @type {Uint8Array | null} path bytes of the last proxy_get_property / proxy_set_property */
  lastPath: null,
  /** @type {Uint8Array | null} value bytes of the last proxy_set_property */
  lastSetValue: null,
  logLevelReads: 0,
};

export function resetHostState() {
  hostState.logs.length = 0;
  hostState.logLevel = 2;
  hostState.unimplemented.length = 0;
  hostState.propertyResults.length = 0;
  hostState.lastPath = null;
  hostState.lastSetValue = null;
  hostState.logLevelReads = 0;
}

// proxy-wasm ABI 0.2.1 imports (plus the 0.1.0/Envoy-specific ones an SDK may declare).
export const PROXY_IMPORTS = [
  "proxy_log", "proxy_get_log_level", "proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds",
  "proxy_get_status", "proxy_get_property", "proxy_set_property", "proxy_continue_stream", "proxy_close_stream",
  "proxy_send_local_response", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs",
  "proxy_get_header_map_value", "proxy_replace_header_map_value", "proxy_add_header_map_value",
  "proxy_remove_header_map_value", "proxy_get_header_map_size", "proxy_get_buffer_bytes", "proxy_get_buffer_status",
  "proxy_set_buffer_bytes", "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send",
  "proxy_grpc_cancel", "proxy_grpc_close", "proxy_get_shared_data", "proxy_set_shared_data",
  "proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_dequeue_shared_queue",
  "proxy_enqueue_shared_queue", "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric",
  "proxy_get_metric", "proxy_set_effective_context", "proxy_done", "proxy_call_foreign_function",
  "proxy_continue_request", "proxy_continue_response", "proxy_clear_route_cache", "proxy_get_configuration",
];

function unimplemented(name) {
  return () => {
    hostState.unimplemented.push(name);
    return WasmResult.Unimplemented;
  };
}

/**
 * @param {() => WebAssembly.Memory} getMemory late-bound guest memory (the module exports its memory)
 */
export function buildHostImports(getMemory) {
  const bytes = () => new Uint8Array(getMemory().buffer);
  const view = () => new DataView(getMemory().buffer);
  const env = {};
  for (const name of PROXY_IMPORTS) env[name] = unimplemented(name);
  env.proxy_log = (level, ptr, len) => {
    hostState.logs.push({ level, message: new TextDecoder().decode(bytes().slice(ptr, ptr + len)) });
    return WasmResult.Ok;
  };
  env.proxy_get_log_level = (retPtr) => {
    hostState.logLevelReads++;
    view().setUint32(retPtr, hostState.logLevel, true);
    return WasmResult.Ok;
  };
  env.proxy_get_property = (pathPtr, pathLen, valuePtrOut, valueLenOut) => {
    hostState.lastPath = bytes().slice(pathPtr, pathPtr + pathLen);
    const r = hostState.propertyResults.shift() ?? { status: WasmResult.NotFound };
    if ("status" in r) return r.status;
    view().setUint32(valuePtrOut, r.ptr, true);
    view().setUint32(valueLenOut, r.len, true);
    return WasmResult.Ok;
  };
  env.proxy_set_property = (pathPtr, pathLen, valuePtr, valueLen) => {
    hostState.lastPath = bytes().slice(pathPtr, pathPtr + pathLen);
    hostState.lastSetValue = bytes().slice(valuePtr, valuePtr + valueLen);
    return WasmResult.Ok;
  };
  const copyOut = (b, ptr, max) => {
    if (b === null) return -1;
    bytes().set(b.subarray(0, Math.min(max, b.length)), ptr);
    return b.length;
  };
  const test_host = {
    log_count: () => hostState.logs.length,
    log_level_at: (i) => (i >= 0 && i < hostState.logs.length ? hostState.logs[i].level : -1),
    log_message_at: (i, ptr, max) => {
      if (i < 0 || i >= hostState.logs.length) return -1;
      const b = new TextEncoder().encode(hostState.logs[i].message);
      bytes().set(b.subarray(0, Math.min(max, b.length)), ptr);
      return b.length;
    },
    set_log_level: (level) => { hostState.logLevel = level; },
    unimplemented_count: () => hostState.unimplemented.length,
    reset: () => resetHostState(),
    queue_property_result: (ptr, len) => { hostState.propertyResults.push({ ptr, len }); },
    queue_property_status: (status) => { hostState.propertyResults.push({ status }); },
    last_path_len: () => (hostState.lastPath === null ? -1 : hostState.lastPath.length),
    last_path_copy: (ptr, max) => copyOut(hostState.lastPath, ptr, max),
    last_set_value_len: () => (hostState.lastSetValue === null ? -1 : hostState.lastSetValue.length),
    last_set_value_copy: (ptr, max) => copyOut(hostState.lastSetValue, ptr, max),
    log_level_reads: () => hostState.logLevelReads,
  };
  const wasi_snapshot_preview1 = {
    proc_exit: (code) => { throw new Error(`proc_exit(${code}) called from a spec`); },
  };
  return { env, test_host, wasi_snapshot_preview1 };
}

/** Adds a stub for every function import of `binary` that `imports` does not provide. */
export function fillMissingImports(binary, imports) {
  const mod = new WebAssembly.Module(binary);
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind !== "function") continue;
    const ns = (imports[imp.module] ??= {});
    if (ns[imp.name] !== undefined) continue;
    if (imp.module === "wasi_snapshot_preview1") ns[imp.name] = () => 52; // ENOSYS
    else if (imp.module === "env" && imp.name.startsWith("proxy_")) ns[imp.name] = unimplemented(imp.name);
    // anything else is left missing on purpose: instantiation fails and names it
  }
  return imports;
}

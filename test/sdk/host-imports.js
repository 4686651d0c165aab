// Host imports for the as-pect SDK specs (test/sdk/*.spec.ts): the project's real host.
//
// Every env.proxy_* and WASI import a spec module declares is answered by host/runtime's SpecHost — the
// same hostcall implementations the emulator and the dev gateway use — on one VM whose current context
// is an HTTP stream of a root context (root id "spec", vm id "spec", log level info). Specs steer and
// observe it through the "test_host" namespace (AssemblyScript side: test/sdk/host.ts):
//   log_count(), log_level_at(i), log_message_at(i, ptr, max) → byte length   (what proxy_log received)
//   set_log_level(level), log_level_reads()                                   (Envoy's wasm logger level)
//   unimplemented_count()   hostcalls answered Unimplemented (12): names Envoy does not register
//   reset()                 fresh host state (process-wide data, records, root and stream) for the next test
//   queue_property_result(ptr, len) / queue_property_status(status)
//                           the next proxy_get_property answers with raw bytes the spec allocated (or a
//                           status) instead of the host's attributes — for specs of the typed decoders
//   last_path_copy(ptr, max), last_set_value_copy(ptr, max)   bytes of the last get/set_property call
// asp runs under tsx (npm test: node --import tsx …/asp) so this file can load the TypeScript host.
import { SpecHost } from "../../host/runtime/spec-host.ts";

export function createSpecHost(binary) {
  const host = new SpecHost({ rootId: "spec", vmId: "spec", logLevel: "info", properties: { plugin_name: "spec" } });
  const module = new WebAssembly.Module(binary);
  const real = host.imports(module);
  const steer = { propertyResults: [], lastPath: null, lastSetValue: null, logLevelReads: 0 };
  let instance = null;
  const mem = () => new Uint8Array(instance.exports.memory.buffer);
  const view = () => new DataView(instance.exports.memory.buffer);

  const env = { ...real.env };
  const realEnv = real.env ?? {};
  env.proxy_get_log_level = (out) => { steer.logLevelReads++; return realEnv.proxy_get_log_level(out); };
  env.proxy_get_property = (pathPtr, pathLen, valuePtrOut, valueLenOut) => {
    steer.lastPath = mem().slice(pathPtr, pathPtr + pathLen);
    const r = steer.propertyResults.shift();
    if (!r) return realEnv.proxy_get_property(pathPtr, pathLen, valuePtrOut, valueLenOut);
    if ("status" in r) return r.status;
    view().setUint32(valuePtrOut, r.ptr, true);
    view().setUint32(valueLenOut, r.len, true);
    return 0;
  };
  env.proxy_set_property = (pathPtr, pathLen, valuePtr, valueLen) => {
    steer.lastPath = mem().slice(pathPtr, pathPtr + pathLen);
    steer.lastSetValue = mem().slice(valuePtr, valuePtr + valueLen);
    return realEnv.proxy_set_property(pathPtr, pathLen, valuePtr, valueLen);
  };

  const logs = () => host.logs.filter((e) => e.source === "proxy_log");
  const copyOut = (b, ptr, max) => {
    if (b === null) return -1;
    mem().set(b.subarray(0, Math.min(max, b.length)), ptr);
    return b.length;
  };
  const test_host = {
    log_count: () => logs().length,
    log_level_at: (i) => (i >= 0 && i < logs().length ? logs()[i].level : -1),
    log_message_at: (i, ptr, max) => (i < 0 || i >= logs().length ? -1 : copyOut(new TextEncoder().encode(logs()[i].message), ptr, max)),
    set_log_level: (level) => { host.logLevel = level; },
    unimplemented_count: () => host.hostcalls.filter((r) => r.status === 12).length,
    reset: () => {
      host.reset();
      steer.propertyResults.length = 0;
      steer.lastPath = steer.lastSetValue = null;
      steer.logLevelReads = 0;
    },
    queue_property_result: (ptr, len) => { steer.propertyResults.push({ ptr, len }); },
    queue_property_status: (status) => { steer.propertyResults.push({ status }); },
    last_path_copy: (ptr, max) => copyOut(steer.lastPath, ptr, max),
    last_set_value_copy: (ptr, max) => copyOut(steer.lastSetValue, ptr, max),
    log_level_reads: () => steer.logLevelReads,
  };
  return {
    imports: { ...real, env, test_host },
    attach(inst) { instance = inst; host.adopt(inst); },
    host,
  };
}

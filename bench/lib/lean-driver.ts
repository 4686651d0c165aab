// A lean driver that calls a proxy-wasm module's exports directly, with the cheapest imports that
// still give Envoy's answers for the calls a simple filter makes. It measures what the *guest* costs
// per request (what an SDK adds), without the full host's bookkeeping, which would otherwise dominate
// and hide the difference between guests. The same driver runs every module in a comparison.

const OK = 0, NOT_FOUND = 1;

export interface LeanModule {
  name: string;
  /** Runs one full HTTP lifecycle: context create, request headers, response headers, log, done, delete. */
  request(): void;
  /** Linear memory size in 64 KiB pages. */
  pages(): number;
  /** How many log lines and header additions the guest made (to check the work really happened). */
  counts: { logs: number; headerAdds: number };
}

export async function leanModule(name: string, bytes: Uint8Array, opts: { rootId?: string; logLevel?: number } = {}): Promise<LeanModule> {
  const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  let inst: WebAssembly.Instance;
  const mem = () => (inst.exports.memory as WebAssembly.Memory).buffer;
  const counts = { logs: 0, headerAdds: 0 };
  const rootId = new TextEncoder().encode(opts.rootId ?? "");
  const logLevel = opts.logLevel ?? 2; // Envoy's default: info
  const alloc = (size: number): number => {
    const e = inst.exports as Record<string, Function>;
    return ((e.malloc ?? e.proxy_on_memory_allocate)(size) as number) >>> 0;
  };
  const known: Record<string, Function> = {
    proxy_log: (_l: number, _p: number, _n: number) => { counts.logs++; return OK; },
    proxy_get_log_level: (out: number) => { new DataView(mem()).setUint32(out, logLevel, true); return OK; },
    proxy_add_header_map_value: (_m: number, _kp: number, _kl: number, _vp: number, _vl: number) => { counts.headerAdds++; return OK; },
    proxy_get_property: (pp: number, pl: number, outP: number, outL: number) => {
      const path = new TextDecoder().decode(new Uint8Array(mem(), pp, pl));
      if (path !== "plugin_root_id") return NOT_FOUND;
      if (rootId.length === 0) { const dv = new DataView(mem()); dv.setUint32(outP, 0, true); dv.setUint32(outL, 0, true); return OK; }
      const p = alloc(rootId.length);
      new Uint8Array(mem(), p, rootId.length).set(rootId);
      const dv = new DataView(mem()); dv.setUint32(outP, p, true); dv.setUint32(outL, rootId.length, true);
      return OK;
    },
  };
  const env: Record<string, Function> = {};
  const wasi: Record<string, Function> = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind !== "function") continue;
    const target = imp.module === "env" ? env : wasi;
    target[imp.name] = known[imp.name] ?? (() => (imp.module === "env" ? NOT_FOUND : 52 /* ENOSYS */));
  }
  inst = await WebAssembly.instantiate(mod, { env, wasi_snapshot_preview1: wasi });
  const e = inst.exports as Record<string, Function>;
  const call = (n: string, ...a: number[]) => (e[n] ? e[n](...a) : 0);
  call("_initialize");
  const ROOT = 1;
  call("proxy_on_context_create", ROOT, 0);
  if (!call("proxy_on_vm_start", ROOT, 0)) throw new Error(`${name}: on_vm_start failed`);
  if (!call("proxy_on_configure", ROOT, 0)) throw new Error(`${name}: on_configure failed`);
  let next = 2;
  const create = e.proxy_on_context_create, reqH = e.proxy_on_request_headers, resH = e.proxy_on_response_headers;
  const log = e.proxy_on_log, done = e.proxy_on_done, del = e.proxy_on_delete;
  return {
    name,
    counts,
    pages: () => mem().byteLength / 65536,
    request() {
      const id = next++;
      create(id, ROOT);
      reqH(id, 3, 1);
      resH(id, 2, 1);
      log(id);
      done(id);
      del(id);
    },
  };
}

// A lean driver for header-routing (and the SDK no-op): direct export calls plus the few imports
// these guests make, with Envoy's answers but none of the full host's bookkeeping. It provides
// the request/response header maps (get/add/replace/remove/pairs), plugin configuration (buffer 7,
// only during on_configure), plugin_root_id and xds.route_name, metrics (define/increment),
// clear_route_cache, log level, and WASI random_get. Anything else answers NotFound / ENOSYS.
// One request = context create, request headers (eos), response headers (eos), log, done, delete.

const OK = 0, NOT_FOUND = 1, BAD_ARGUMENT = 2;
const enc = new TextEncoder();

export interface LeanRouting {
  name: string;
  request(): void;
  pages(): number;
  /** Route header value the guest left on the last request ('' = none) and clear_route_cache calls so far. */
  lastRoute(header: string): string;
  counts: { clears: number; headerWrites: number; headerReads: number };
}

export async function leanRouting(name: string, bytes: Uint8Array, opts: {
  rootId: string; config: string; request: Array<[string, string]>; routeName?: string;
}): Promise<LeanRouting> {
  const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  let inst: WebAssembly.Instance;
  // views are re-made only when memory grew (the export getter and view construction are costly in V8)
  let memory: WebAssembly.Memory, malloc: Function;
  let buf: ArrayBuffer | null = null, u8 = new Uint8Array(0), view = new DataView(new ArrayBuffer(0));
  const refresh = () => { if (memory.buffer !== buf) { buf = memory.buffer; u8 = new Uint8Array(buf); view = new DataView(buf); } };
  const mem = () => { refresh(); return u8; };
  const dv = () => { refresh(); return view; };
  const counts = { clears: 0, headerWrites: 0, headerReads: 0 };
  const alloc = (n: number): number => (malloc(n) as number) >>> 0;
  const give = (b: Uint8Array, outP: number, outL: number) => {
    if (b.length === 0) { dv().setUint32(outP, 0, true); dv().setUint32(outL, 0, true); return OK; }
    const p = alloc(b.length);
    mem().set(b, p);
    const d = dv();
    d.setUint32(outP, p, true);
    d.setUint32(outL, b.length, true);
    return OK;
  };
  const str = (p: number, n: number) => { const m = mem(); let s = ''; for (let i = p; i < p + n; i++) s += String.fromCharCode(m[i]); return s; };
  const config = enc.encode(opts.config);
  const rootId = enc.encode(opts.rootId);
  const routeName = opts.routeName === undefined ? null : enc.encode(opts.routeName);
  const template = opts.request.map(([k, v]) => [k, v] as [string, string]);
  let inConfigure = false;
  let req: Array<[string, string]> = [];
  let res: Array<[string, string]> = [];
  const map = (t: number) => (t === 0 ? req : t === 2 ? res : null);
  const metrics: number[] = [];

  const known: Record<string, Function> = {
    proxy_log: () => OK,
    proxy_get_log_level: (out: number) => { dv().setUint32(out, 2, true); return OK; },
    proxy_get_property: (pp: number, pl: number, outP: number, outL: number) => {
      const path = str(pp, pl);
      if (path === 'plugin_root_id') return give(rootId, outP, outL);
      if (path === 'xds\0route_name' && routeName) return give(routeName, outP, outL);
      return NOT_FOUND;
    },
    proxy_get_buffer_bytes: (t: number, _s: number, _m: number, outP: number, outL: number) => {
      if (t !== 7 || !inConfigure) return NOT_FOUND;
      return give(config, outP, outL);
    },
    proxy_define_metric: (_t: number, _p: number, _n: number, out: number) => { metrics.push(0); dv().setUint32(out, metrics.length, true); return OK; },
    proxy_increment_metric: (id: number, d: bigint) => { metrics[id - 1] += Number(d); return OK; },
    proxy_get_header_map_value: (t: number, kp: number, kl: number, outP: number, outL: number) => {
      counts.headerReads++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const k = str(kp, kl);
      const e = m.find((x) => x[0] === k);
      return e ? give(Buffer.from(e[1], 'latin1'), outP, outL) : NOT_FOUND;
    },
    proxy_get_header_map_pairs: (t: number, outP: number, outL: number) => {
      const m = map(t) ?? [];
      const parts = m.map(([k, v]) => [Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1')]);
      const size = 4 + parts.length * 8 + parts.reduce((a, [k, v]) => a + k.length + v.length + 2, 0);
      const b = Buffer.alloc(size);
      b.writeUInt32LE(parts.length, 0);
      let o = 4;
      for (const [k, v] of parts) { b.writeUInt32LE(k.length, o); b.writeUInt32LE(v.length, o + 4); o += 8; }
      for (const [k, v] of parts) { k.copy(b, o); o += k.length + 1; v.copy(b, o); o += v.length + 1; }
      return give(b, outP, outL);
    },
    proxy_add_header_map_value: (t: number, kp: number, kl: number, vp: number, vl: number) => {
      counts.headerWrites++;
      map(t)?.push([str(kp, kl), str(vp, vl)]);
      return OK;
    },
    proxy_replace_header_map_value: (t: number, kp: number, kl: number, vp: number, vl: number) => {
      counts.headerWrites++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const k = str(kp, kl), v = str(vp, vl);
      const i = m.findIndex((x) => x[0] === k);
      if (i < 0) m.push([k, v]);
      else { m[i] = [k, v]; for (let j = m.length - 1; j > i; j--) if (m[j][0] === k) m.splice(j, 1); }
      return OK;
    },
    proxy_remove_header_map_value: (t: number, kp: number, kl: number) => {
      counts.headerWrites++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const k = str(kp, kl);
      for (let j = m.length - 1; j >= 0; j--) if (m[j][0] === k) m.splice(j, 1);
      return OK;
    },
    proxy_call_foreign_function: (np: number, nl: number, _ap: number, _al: number, outP: number, outL: number) => {
      if (str(np, nl) !== 'clear_route_cache') return NOT_FOUND;
      counts.clears++;
      dv().setUint32(outP, 0, true);
      dv().setUint32(outL, 0, true);
      return OK;
    },
    random_get: (p: number, n: number) => { crypto.getRandomValues(mem().subarray(p, p + n)); return 0; },
  };
  const env: Record<string, Function> = {};
  const wasi: Record<string, Function> = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind !== 'function') continue;
    const target = imp.module === 'env' ? env : wasi;
    target[imp.name] = known[imp.name] ?? (() => (imp.module === 'env' ? NOT_FOUND : 52 /* ENOSYS */));
  }
  inst = await WebAssembly.instantiate(mod, { env, wasi_snapshot_preview1: wasi });
  const e = inst.exports as Record<string, Function>;
  memory = inst.exports.memory as WebAssembly.Memory;
  malloc = e.malloc ?? e.proxy_on_memory_allocate;
  e._initialize?.();
  const ROOT = 1;
  e.proxy_on_context_create(ROOT, 0);
  if (!e.proxy_on_vm_start(ROOT, 0)) throw new Error(`${name}: on_vm_start failed`);
  inConfigure = true;
  const configured = e.proxy_on_configure(ROOT, config.length);
  inConfigure = false;
  if (!configured) throw new Error(`${name}: on_configure rejected the configuration`);
  let next = 2;
  const create = e.proxy_on_context_create, reqH = e.proxy_on_request_headers, resH = e.proxy_on_response_headers;
  const log = e.proxy_on_log, done = e.proxy_on_done, del = e.proxy_on_delete;
  return {
    name,
    counts,
    pages: () => mem().byteLength / 65536,
    lastRoute: (h: string) => req.find((x) => x[0] === h)?.[1] ?? '',
    request() {
      const id = next++;
      req = template.slice();
      res = [[':status', '200']];
      create(id, ROOT);
      reqH(id, req.length, 1);
      resH(id, 1, 1);
      log(id);
      done(id);
      del(id);
    },
  };
}

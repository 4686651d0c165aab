// A lean driver for header-rewriting filters (used by bench/request-id and the request-id property
// test): calls the module's exports directly with cheap imports that still answer like Envoy for the
// calls such a filter makes — header map get/replace/add/remove on a real per-stream map, WASI
// random_get (crypto randomness, from a pool), plugin configuration, metrics, foreign functions, logs.
// It does what bench/lib/lean-driver.ts does (create, request headers, response headers, log, done,
// delete) plus those hostcalls; lean-driver.ts itself answers NotFound to them.
import { randomFillSync } from "node:crypto";

const OK = 0, NOT_FOUND = 1, BAD_ARGUMENT = 2;
const enc = new TextEncoder();
const dec = new TextDecoder();

export interface HeaderDriverOptions {
  rootId?: string;
  pluginConfig?: string;
  logLevel?: number;
  /** Request headers of every request (lower-case names). */
  requestHeaders?: Array<[string, string]>;
  responseHeaders?: Array<[string, string]>;
}

export interface HeaderDriver {
  name: string;
  /** One full lifecycle: create, request headers (eos), response headers (eos), log, done, delete. */
  request(): void;
  /** The maps as the filter left them after the last request. */
  lastRequest: Map<string, string[]>;
  lastResponse: Map<string, string[]>;
  counts: { logs: number; writes: number; randomBytes: number; foreign: number };
  pages(): number;
}

export async function headerDriver(name: string, bytes: Uint8Array, o: HeaderDriverOptions = {}): Promise<HeaderDriver> {
  const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  let inst!: WebAssembly.Instance;
  let memory!: WebAssembly.Memory;
  let u8 = new Uint8Array(0), dv = new DataView(new ArrayBuffer(0));
  /** Views over linear memory, re-created only when a grow detached the old buffer. */
  const fresh = () => { if (u8.byteLength === 0 || u8.buffer !== memory.buffer) { u8 = new Uint8Array(memory.buffer); dv = new DataView(memory.buffer); } };
  const mem = () => memory.buffer;
  const counts = { logs: 0, writes: 0, randomBytes: 0, foreign: 0 };
  const rootId = enc.encode(o.rootId ?? "");
  const config = enc.encode(o.pluginConfig ?? "");
  const logLevel = o.logLevel ?? 2;
  const reqInit = o.requestHeaders ?? [[":method", "GET"], [":path", "/"], [":authority", "bench"]];
  const resInit = o.responseHeaders ?? [[":status", "200"]];
  let maps: Array<Map<string, string[]> | null> = [null, null, null, null];
  let inConfigure = false;
  const pool = new Uint8Array(65536);
  let poolAt = pool.length;
  const metrics: bigint[] = [0n];

  const alloc = (size: number): number => {
    const e = inst.exports as Record<string, Function>;
    return ((e.malloc ?? e.proxy_on_memory_allocate)(size) as number) >>> 0;
  };
  // ASCII fast paths (header names and ids are ASCII); TextDecoder/TextEncoder otherwise.
  const str = (p: number, n: number) => {
    fresh();
    if (n > 128) return dec.decode(u8.subarray(p, p + n));
    let s = "";
    for (let i = p; i < p + n; i++) { const c = u8[i]; if (c > 0x7f) return dec.decode(u8.subarray(p, p + n)); s += String.fromCharCode(c); }
    return s;
  };
  const outStr = (v: string, outP: number, outL: number) => {
    for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 0x7f) return out(enc.encode(v), outP, outL);
    if (v.length === 0) return out(new Uint8Array(0), outP, outL);
    const p = alloc(v.length);
    fresh();
    for (let i = 0; i < v.length; i++) u8[p + i] = v.charCodeAt(i);
    dv.setUint32(outP, p, true); dv.setUint32(outL, v.length, true);
    return OK;
  };
  const out = (b: Uint8Array, outP: number, outL: number) => {
    const dv = () => new DataView(mem());
    if (b.length === 0) { dv().setUint32(outP, 0, true); dv().setUint32(outL, 0, true); return OK; }
    const p = alloc(b.length);
    new Uint8Array(mem(), p, b.length).set(b);
    dv().setUint32(outP, p, true); dv().setUint32(outL, b.length, true);
    return OK;
  };
  const map = (t: number) => (t >= 0 && t < 4 ? maps[t] : null);

  const known: Record<string, Function> = {
    proxy_log: () => { counts.logs++; return OK; },
    proxy_get_log_level: (p: number) => { new DataView(mem()).setUint32(p, logLevel, true); return OK; },
    proxy_get_property: (pp: number, pl: number, outP: number, outL: number) =>
      str(pp, pl) === "plugin_root_id" ? out(rootId, outP, outL) : NOT_FOUND,
    proxy_get_buffer_bytes: (t: number, _s: number, _n: number, outP: number, outL: number) =>
      t === 7 && inConfigure ? out(config, outP, outL) : t === 7 ? NOT_FOUND : out(new Uint8Array(0), outP, outL),
    proxy_get_header_map_value: (t: number, kp: number, kl: number, outP: number, outL: number) => {
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const v = m.get(str(kp, kl));
      return v ? outStr(v[0], outP, outL) : NOT_FOUND;
    },
    proxy_replace_header_map_value: (t: number, kp: number, kl: number, vp: number, vl: number) => {
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      m.set(str(kp, kl), [str(vp, vl)]); counts.writes++;
      return OK;
    },
    proxy_add_header_map_value: (t: number, kp: number, kl: number, vp: number, vl: number) => {
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const k = str(kp, kl);
      m.set(k, [...(m.get(k) ?? []), str(vp, vl)]); counts.writes++;
      return OK;
    },
    proxy_remove_header_map_value: (t: number, kp: number, kl: number) => {
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      m.delete(str(kp, kl));
      return OK;
    },
    proxy_define_metric: (_t: number, _p: number, _n: number, outId: number) => {
      metrics.push(0n);
      new DataView(mem()).setUint32(outId, metrics.length - 1, true);
      return OK;
    },
    proxy_increment_metric: (id: number, d: bigint) => { metrics[id] += d; return OK; },
    proxy_get_metric: (id: number, outP: number) => { fresh(); dv.setBigUint64(outP, metrics[id] ?? 0n, true); return id < metrics.length ? OK : NOT_FOUND; },
    proxy_call_foreign_function: (_np: number, _nl: number, _ap: number, _al: number, outP: number, outL: number) => {
      counts.foreign++;
      return out(new Uint8Array(0), outP, outL);
    },
    random_get: (p: number, n: number) => {
      counts.randomBytes += n;
      if (n > pool.length) { randomFillSync(new Uint8Array(mem(), p, n)); return 0; }
      if (poolAt + n > pool.length) { randomFillSync(pool); poolAt = 0; }
      fresh();
      u8.set(pool.subarray(poolAt, poolAt + n), p);
      poolAt += n;
      return 0;
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
  memory = inst.exports.memory as WebAssembly.Memory;
  const e = inst.exports as Record<string, Function>;
  const call = (n: string, ...a: number[]) => (e[n] ? e[n](...a) : 0);
  call("_initialize");
  const ROOT = 1;
  call("proxy_on_context_create", ROOT, 0);
  if (!call("proxy_on_vm_start", ROOT, 0)) throw new Error(`${name}: on_vm_start failed`);
  inConfigure = true;
  const configured = call("proxy_on_configure", ROOT, config.length);
  inConfigure = false;
  if (!configured) throw new Error(`${name}: on_configure failed`);
  let next = 2;
  const create = e.proxy_on_context_create, reqH = e.proxy_on_request_headers, resH = e.proxy_on_response_headers;
  const log = e.proxy_on_log, done = e.proxy_on_done, del = e.proxy_on_delete;
  const toMap = (h: Array<[string, string]>) => {
    const m = new Map<string, string[]>();
    for (const [k, v] of h) m.set(k, [...(m.get(k) ?? []), v]);
    return m;
  };
  const d: HeaderDriver = {
    name,
    counts,
    lastRequest: new Map(),
    lastResponse: new Map(),
    pages: () => mem().byteLength / 65536,
    request() {
      const id = next++;
      create(id, ROOT);
      const req = toMap(reqInit);
      maps = [req, null, null, null];
      reqH(id, reqInit.length, 1);
      const res = toMap(resInit);
      maps = [null, null, res, null];
      resH(id, resInit.length, 1);
      maps = [null, null, null, null];
      log(id);
      done(id);
      del(id);
      d.lastRequest = req;
      d.lastResponse = res;
    },
  };
  return d;
}

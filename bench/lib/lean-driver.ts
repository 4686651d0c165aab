// A lean driver that calls a proxy-wasm module's exports directly, with the cheapest imports that
// still give Envoy's answers for the calls a simple filter makes. It measures what the *guest* costs
// per request (what an SDK or a filter adds), without the full host's bookkeeping, which would
// otherwise dominate and hide the differences between guests. Every benchmark's lean figures use it,
// so all guests in a comparison meet the same imports.
//
// Provided: request/response header maps (get/add/replace/remove/pairs, in order, keys as given),
// plugin configuration (buffer 7, only inside on_configure), properties (`plugin_root_id` and any
// given), log level, wall-clock time, shared data (one VM's view, Envoy's CAS rules), logs (counted), metrics, local replies (Ok, counted), foreign functions (Ok,
// counted; `clear_route_cache` separately), WASI random_get (crypto randomness from a pool). Anything else answers NotFound / ENOSYS.
// One request = context create, request headers (eos), response headers (eos), log, done, delete.
import { randomFillSync } from "node:crypto";

const OK = 0, NOT_FOUND = 1, BAD_ARGUMENT = 2, CAS_MISMATCH = 8, ENOSYS = 52;
const enc = new TextEncoder();

export interface LeanOptions {
  rootId?: string;
  pluginConfig?: string;
  /** Envoy's wasm logger level (default 2 = info, Envoy's default). */
  logLevel?: number;
  /** Headers of every request / response (lower-case names). */
  requestHeaders?: Array<[string, string]>;
  responseHeaders?: Array<[string, string]>;
  /** Attributes by dotted name (`xds.route_name`), as strings. */
  properties?: Record<string, string>;
}

export interface LeanModule {
  name: string;
  /** Runs one full HTTP lifecycle. */
  request(): void;
  /** Linear memory size in 64 KiB pages. */
  pages(): number;
  /** First value of a header as the guest left it on the last request, or undefined. */
  header(map: "request" | "response", name: string): string | undefined;
  /** What the guest did so far (to check the work really happened). */
  counts: { logs: number; headerReads: number; headerWrites: number; randomBytes: number; foreign: number; routeCacheClears: number; localReplies: number };
}

type Pairs = Array<[string, string]>;
/** Buffer's own latin1 codec (what toString("latin1") / write(…, "latin1") call), without argument parsing. */
type LatinBuffer = Buffer & { latin1Slice(start: number, end: number): string; latin1Write(s: string, at: number, n: number): number };
const CLEAR_ROUTE_CACHE = "clear_route_cache";

export async function leanModule(name: string, bytes: Uint8Array, o: LeanOptions = {}): Promise<LeanModule> {
  const mod = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  let memory!: WebAssembly.Memory;
  let malloc!: Function;
  // views are re-made only when memory grew (making them on every call costs more than the guest)
  // (memory.grow detaches the old buffer, so a view of length 0 is the only time to look at memory.buffer)
  let u8 = new Uint8Array(0), dv = new DataView(new ArrayBuffer(0)), nb = Buffer.alloc(0) as LatinBuffer;
  const refresh = () => { if (u8.length === 0) { const b = memory.buffer; u8 = new Uint8Array(b); dv = new DataView(b); nb = Buffer.from(b) as LatinBuffer; } };
  const counts = { logs: 0, headerReads: 0, headerWrites: 0, randomBytes: 0, foreign: 0, routeCacheClears: 0, localReplies: 0 };
  const logLevel = o.logLevel ?? 2;
  const config = enc.encode(o.pluginConfig ?? "");
  // property paths as the guest sends them: segments joined by NUL
  const props = new Map<string, Uint8Array>([["plugin_root_id", enc.encode(o.rootId ?? "")]]);
  for (const [k, v] of Object.entries(o.properties ?? {})) props.set(k.split(".").join("\0"), enc.encode(v));
  const reqInit: Pairs = o.requestHeaders ?? [[":method", "GET"], [":path", "/"], [":authority", "bench"]];
  const resInit: Pairs = o.responseHeaders ?? [[":status", "200"]];
  let req: Pairs = [], res: Pairs = [];
  let reqOpen = false, resOpen = false, inConfigure = false;
  const map = (t: number): Pairs | null => (t === 0 && reqOpen ? req : t === 2 && resOpen ? res : null);
  const metrics: bigint[] = [];
  const shared = new Map<string, { value: Uint8Array; cas: number }>();
  let nextCas = 1;
  const pool = new Uint8Array(65536);
  let poolAt = pool.length;

  /** Guest bytes as a string, one char per byte (exact round trip of any bytes). */
  const str = (p: number, n: number) => {
    refresh();
    return n === 0 ? "" : nb.latin1Slice(p, p + n);
  };
  /** Whether the guest's bytes [p, p+n) are the string k, one char per byte (compared in place). */
  const same = (k: string, p: number, n: number) => {
    if (k.length !== n) return false;
    refresh();
    for (let j = 0; j < n; j++) if (k.charCodeAt(j) !== u8[p + j]) return false;
    return true;
  };
  /** Index of the first entry whose key is exactly the guest's bytes [p, p+n); -1 if none. */
  const find = (m: Pairs, p: number, n: number, from = 0) => {
    for (let i = from; i < m.length; i++) if (same(m[i][0], p, n)) return i;
    return -1;
  };
  /** A result the host returns through the guest allocator; empty → (0,0) with no allocation. */
  const give = (b: Uint8Array | string, outP: number, outL: number) => {
    const n = b.length;
    const p = n === 0 ? 0 : (malloc(n) as number) >>> 0;
    refresh();
    if (typeof b !== "string") u8.set(b, p);
    else if (n > 16) nb.latin1Write(b, p, n);
    else for (let i = 0; i < n; i++) u8[p + i] = b.charCodeAt(i);
    dv.setUint32(outP, p, true);
    dv.setUint32(outL, n, true);
    return OK;
  };
  // Envoy serializes a header map in C++ at a cost that is small next to the guest's; a JS serialization
  // per read would make this driver's own work the larger part of a pairs-reading filter's figure. The
  // last serialization is kept and reused while the map holds the very same key/value strings (each
  // request starts from the same header list, so that is the common case); any change re-serializes.
  let lastPairs: Array<[string, string]> = [];
  let lastBytes: Buffer | null = null;
  const pairsBytes = (m: Pairs) => {
    if (lastBytes !== null && m.length === lastPairs.length) {
      let same = true;
      for (let i = 0; i < m.length && same; i++) same = m[i][0] === lastPairs[i][0] && m[i][1] === lastPairs[i][1];
      if (same) return lastBytes;
    }
    const b = serializePairs(m);
    lastPairs = m.map(([k, v]) => [k, v] as [string, string]);
    lastBytes = b;
    return b;
  };
  const serializePairs = (m: Pairs) => {
    const size = 4 + m.length * 8 + m.reduce((a, [k, v]) => a + k.length + v.length + 2, 0);
    const b = Buffer.alloc(size);
    b.writeUInt32LE(m.length, 0);
    let at = 4;
    for (const [k, v] of m) { b.writeUInt32LE(k.length, at); b.writeUInt32LE(v.length, at + 4); at += 8; }
    for (const [k, v] of m) { at += b.write(k, at, "latin1") + 1; at += b.write(v, at, "latin1") + 1; }
    return b;
  };
  const removeAll = (m: Pairs, k: string, from = 0) => { for (let j = m.length - 1; j >= from; j--) if (m[j][0] === k) m.splice(j, 1); };

  const known: Record<string, Function> = {
    proxy_log: () => { counts.logs++; return OK; },
    proxy_get_log_level: (out: number) => { refresh(); dv.setUint32(out, logLevel, true); return OK; },
    proxy_get_property: (pp: number, pl: number, outP: number, outL: number) => {
      const v = props.get(str(pp, pl));
      return v ? give(v, outP, outL) : NOT_FOUND;
    },
    // An empty window is Ok with nothing written (cpp-host copies only when length > 0).
    proxy_get_buffer_bytes: (t: number, _s: number, _n: number, outP: number, outL: number) =>
      t === 7 ? (!inConfigure ? NOT_FOUND : config.length ? give(config, outP, outL) : OK) : OK,
    proxy_get_header_map_value: (t: number, kp: number, kl: number, outP: number, outL: number) => {
      counts.headerReads++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const i = find(m, kp, kl);
      return i >= 0 ? give(m[i][1], outP, outL) : NOT_FOUND;
    },
    proxy_get_header_map_pairs: (t: number, outP: number, outL: number) => {
      counts.headerReads++;
      const m = map(t);
      return m && m.length ? give(pairsBytes(m), outP, outL) : give("", outP, outL);
    },
    proxy_add_header_map_value: (t: number, kp: number, kl: number, vp: number, vl: number) => {
      counts.headerWrites++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      m.push([str(kp, kl), str(vp, vl)]);
      return OK;
    },
    proxy_replace_header_map_value: (t: number, kp: number, kl: number, vp: number, vl: number) => {
      counts.headerWrites++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const v = str(vp, vl);
      const i = find(m, kp, kl);
      if (i < 0) { m.push([str(kp, kl), v]); return OK; }
      const k = m[i][0];
      m[i] = [k, v];
      if (find(m, kp, kl, i + 1) >= 0) removeAll(m, k, i + 1);
      return OK;
    },
    proxy_remove_header_map_value: (t: number, kp: number, kl: number) => {
      counts.headerWrites++;
      const m = map(t);
      if (!m) return BAD_ARGUMENT;
      const i = find(m, kp, kl);
      if (i >= 0) removeAll(m, m[i][0], i);
      return OK;
    },
    proxy_define_metric: (_t: number, _p: number, _n: number, out: number) => {
      metrics.push(0n);
      refresh();
      dv.setUint32(out, metrics.length, true);
      return OK;
    },
    proxy_increment_metric: (id: number, d: bigint) => { if (id < 1 || id > metrics.length) return NOT_FOUND; metrics[id - 1] += d; return OK; },
    proxy_record_metric: (id: number, v: bigint) => { if (id < 1 || id > metrics.length) return NOT_FOUND; metrics[id - 1] = v; return OK; },
    proxy_get_metric: (id: number, out: number) => {
      if (id < 1 || id > metrics.length) return NOT_FOUND;
      refresh();
      dv.setBigUint64(out, metrics[id - 1], true);
      return OK;
    },
    proxy_send_local_response: () => { counts.localReplies++; return OK; },
    proxy_get_shared_data: (kp: number, kl: number, outP: number, outL: number, casOut: number) => {
      const e = shared.get(str(kp, kl));
      if (!e) return NOT_FOUND;
      give(e.value, outP, outL);
      dv.setUint32(casOut, e.cas, true);
      return OK;
    },
    // Envoy: a CAS other than 0 must match an existing entry's; a missing key is created whatever the CAS
    proxy_set_shared_data: (kp: number, kl: number, vp: number, vl: number, cas: number) => {
      const k = str(kp, kl);
      const e = shared.get(k);
      if (e && cas !== 0 && e.cas !== cas >>> 0) return CAS_MISMATCH;
      refresh();
      shared.set(k, { value: u8.slice(vp, vp + vl), cas: nextCas++ });
      return OK;
    },
    // Envoy's answer is the dispatcher's wall clock in ns
    proxy_get_current_time_nanoseconds: (out: number) => { refresh(); dv.setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true); return OK; },
    proxy_call_foreign_function: (np: number, nl: number, _ap: number, _al: number, outP: number, outL: number) => {
      counts.foreign++;
      if (same(CLEAR_ROUTE_CACHE, np, nl)) counts.routeCacheClears++;
      return give("", outP, outL);
    },
    random_get: (p: number, n: number) => {
      counts.randomBytes += n;
      refresh();
      if (n > pool.length) { randomFillSync(u8.subarray(p, p + n)); return 0; }
      if (poolAt + n > pool.length) { randomFillSync(pool); poolAt = 0; }
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
    target[imp.name] = known[imp.name] ?? (() => (imp.module === "env" ? NOT_FOUND : ENOSYS));
  }
  // Envoy serves WASI under both names; AssemblyScript ≤ 0.17 guests (the peer benchmark) import wasi_unstable.
  const inst = await WebAssembly.instantiate(mod, { env, wasi_snapshot_preview1: wasi, wasi_unstable: wasi });
  const e = inst.exports as Record<string, Function>;
  memory = inst.exports.memory as WebAssembly.Memory;
  malloc = e.malloc ?? e.proxy_on_memory_allocate;
  e._initialize?.();
  const ROOT = 1;
  e.proxy_on_context_create(ROOT, 0);
  if (e.proxy_on_vm_start && !e.proxy_on_vm_start(ROOT, 0)) throw new Error(`${name}: on_vm_start failed`);
  inConfigure = true;
  const configured = e.proxy_on_configure ? e.proxy_on_configure(ROOT, config.length) : 1;
  inConfigure = false;
  if (!configured) throw new Error(`${name}: on_configure rejected the configuration`);
  let next = 2;
  const create = e.proxy_on_context_create, reqH = e.proxy_on_request_headers, resH = e.proxy_on_response_headers;
  const log = e.proxy_on_log, done = e.proxy_on_done, del = e.proxy_on_delete;
  return {
    name,
    counts,
    pages: () => memory.buffer.byteLength / 65536,
    header: (which, h) => (which === "request" ? req : res).find((x) => x[0] === h)?.[1],
    request() {
      const id = next++;
      req = reqInit.slice();
      res = resInit.slice();
      create(id, ROOT);
      reqOpen = true;
      reqH(id, req.length, 1);
      reqOpen = false;
      resOpen = true;
      resH(id, res.length, 1);
      resOpen = false;
      log(id);
      done(id);
      del(id);
    },
  };
}

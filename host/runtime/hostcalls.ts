// env.* host functions with Envoy's semantics and status codes (reference §4.1, §4.2).
// Every function returns a WasmResult (or void where the ABI says so); exceptions are mapped by
// WasmVm.wrap (OutOfBounds → InvalidMemoryAccess, anything else → InternalFailure).
import { LogLevelName, MAX_BUFFER_TYPE, MAX_MAP_TYPE, WasmResult as R } from '../abi/enums.ts';
import { parsePairs } from '../abi/pairs.ts';
import { splitPath } from '../abi/properties.ts';
import { HeaderMap } from './headers.ts';
import { getProperty, setProperty } from './properties.ts';
import { callForeignFunction } from './foreign.ts';
import { setTickPeriod } from './timers.ts';
import { grpcCall, grpcCancel, grpcClose, grpcSend, grpcStream, httpCall } from './callouts.ts';
import type { Ctx, RootCtx } from './types.ts';
import type { WasmVm } from './vm.ts';

const STRING_BACKED_BUFFERS = new Set([4, 6, 7]);
const EMPTY = new Uint8Array(0);
/** The extra headers of a local reply that sent none (only ever read: the reply keeps it, nothing adds to it). */
const NO_EXTRA_HEADERS = new HeaderMap();
Object.freeze(NO_EXTRA_HEADERS.entries);
/** The foreign functions Envoy registers (host/runtime/foreign.ts), most used first. */
const FOREIGN_NAMES = ['set_envoy_filter_state', 'clear_route_cache', 'declare_property', 'compress', 'uncompress'];
function foreignName(vm: WasmVm, p: number, n: number): string {
  for (const name of FOREIGN_NAMES) if (vm.bytesAre(p, n, name)) return name;
  return vm.readString(p, n);
}

/** Log through Envoy's `wasm` logger with the context prefix of §4.1. */
export function guestLog(vm: WasmVm, level: number, message: string, source: 'proxy_log' | 'stdout' | 'stderr') {
  const c = vm.effectiveCtx();
  const root = vm.rootOf(c);
  let parts: string[];
  if (!c || !root) parts = [vm.env.vmId];
  else if (c.kind === 'root') parts = [root.info.rootId, root.info.vmId];
  else parts = [root.info.name, root.info.rootId, root.info.vmId];
  const prefix = parts.filter((p) => p !== '').map((p) => ' ' + p).join('');
  vm.env.log({
    level,
    levelName: LogLevelName[level] ?? String(level),
    message,
    line: `wasm log${prefix}: ${message}`,
    contextId: vm.effective,
    worker: vm.worker,
    vmLabel: vm.label,
    emitted: level >= vm.env.logLevel(),
    source,
  });
}

/** The map `mt` as hostcalls may read it in context `c`, or null. */
function readableMap(vm: WasmVm, c: Ctx | undefined, mt: number): HeaderMap | null {
  if (mt >= 4) {
    const root = vm.rootOf(c);
    if (mt === 6 || mt === 7) {
      const r = root?.httpCallResponse;
      return r ? (mt === 6 ? r.headers : r.trailers) : null;
    }
    if (mt === 4 || mt === 5) {
      const g = root?.grpcCurrent;
      return (mt === 4 ? g?.initial : g?.trailing) ?? null;
    }
    return null;
  }
  return c?.kind === 'http' ? c.stream.readableMap(mt) : null;
}

/** The map `mt` if hostcalls may change it in context `c` (only a stream's own maps), or null. */
function writableMapOf(c: Ctx | undefined, mt: number): HeaderMap | null {
  return mt < 4 && c?.kind === 'http' ? c.stream.writableMap(mt) : null;
}

function bufferOf(vm: WasmVm, c: Ctx | undefined, bt: number): { bytes: Uint8Array; set?: (b: Uint8Array) => void } | null {
  const root = vm.rootOf(c);
  switch (bt) {
    case 0:
    case 1:
      if (c?.kind === 'http') return c.stream.bodyView(bt);
      return { bytes: new Uint8Array(0) };
    case 2:
    case 3:
      return { bytes: new Uint8Array(0) };
    case 4:
      return root?.httpCallResponse ? { bytes: root.httpCallResponse.body } : null;
    case 5:
      return { bytes: root?.grpcCurrent?.message ?? new Uint8Array(0) };
    case 6:
      return { bytes: root ? root.info.vmConfig : vm.env.vmConfig };
    case 7:
      return root?.inConfigure ? { bytes: root.info.pluginConfig } : null;
    case 8:
      return { bytes: vm.callData };
  }
  return null;
}

export function buildHostcalls(vm: WasmVm): Record<string, Function> {
  const eff = () => vm.effectiveCtx();
  const root = (): RootCtx | undefined => vm.rootOf(eff());
  const abi = vm.env.abi;

  const mutateRequestHeaders = (c: Ctx | undefined, mt: number) => {
    // §10.9: for ABI ≤ 0.2.1 every request-header mutation clears the route cache.
    if (mt === 0 && c?.kind === 'http') vm.env.routeCacheCleared(c.id, 'mutation');
  };
  const writableMap = (c: Ctx | undefined, mt: number): HeaderMap | null => {
    const m = writableMapOf(c, mt);
    if (m) return m;
    if (c?.kind === 'http' && mt < 4 && c.stream.canCreateTrailers(mt)) return c.stream.createTrailers(mt);
    return null;
  };
  /** A status with the note a hostcall record shows; just the status when no record is kept. */
  const noted = (status: number, note: string): number | { status: number; note: string } =>
    vm.env.hostcallsRecorded ? { status, note } : status;

  /** add (addCopy: another entry) or replace (setCopy: one entry for the key) in a writable map. */
  const writeHeader = (mt: number, kPtr: number, kSize: number, vPtr: number, vSize: number, op: 'add' | 'replace') => {
    const mem = vm.memory8(kPtr, kSize);
    const val = vm.readInterned(vPtr, vSize);
    if (mt >>> 0 > MAX_MAP_TYPE) return R.BadArgument;
    const c = eff();
    const m = writableMap(c, mt);
    const recorded = vm.env.hostcallsRecorded;
    const note = recorded ? vm.readInterned(kPtr, kSize) : '';
    if (!m) return recorded ? { status: R.BadArgument, note } : R.BadArgument;
    const i = op === 'replace' ? m.indexOfBytes(mem, kPtr >>> 0, kSize >>> 0) : -1;
    if (i >= 0) m.replaceAt(i, val);
    else m.add(recorded ? note : vm.readInterned(kPtr, kSize), val); // add, or replace of an absent key
    mutateRequestHeaders(c, mt);
    return recorded ? { status: R.Ok, note } : R.Ok;
  };

  return {
    proxy_log(level: number, ptr: number, size: number) {
      vm.check(ptr, size);
      if (level >>> 0 > 5) return R.BadArgument;
      // Below the level Envoy drops a line before formatting it; do the same unless entries are kept
      // (record limit above 0: tests read suppressed lines too). An emitted line always costs its work.
      if (level < vm.env.logLevel() && !vm.env.logsRecorded) return R.Ok;
      guestLog(vm, level, vm.readString(ptr, size), 'proxy_log');
      return R.Ok;
    },
    proxy_get_log_level(out: number) {
      vm.writeU32(out, vm.env.logLevel());
      return R.Ok;
    },
    proxy_get_status(codeOut: number, ptrOut: number, sizeOut: number) {
      const s = root()?.status ?? { code: 0, message: '' };
      vm.writeU32(codeOut, s.code);
      return vm.writeResult(ptrOut, sizeOut, Buffer.from(s.message));
    },

    // ---- properties
    proxy_get_property(pathPtr: number, pathSize: number, ptrOut: number, sizeOut: number) {
      const path = splitPath(vm.read(pathPtr, pathSize));
      vm.check(ptrOut, 4);
      vm.check(sizeOut, 4);
      const r = getProperty(vm, eff(), path);
      const note = vm.env.hostcallsRecorded ? path.map((p) => Buffer.from(p).toString('latin1')).join('.') : '';
      if (r.status !== R.Ok) return noted(r.status, note);
      return noted(vm.writeResult(ptrOut, sizeOut, r.value!), note);
    },
    proxy_set_property(pathPtr: number, pathSize: number, valPtr: number, valSize: number) {
      const path = vm.read(pathPtr, pathSize);
      const value = vm.read(valPtr, valSize);
      return setProperty(vm, eff(), path, value);
    },

    // ---- local reply
    proxy_send_local_response(status: number, dPtr: number, dSize: number, bPtr: number, bSize: number, hPtr: number, hSize: number, grpc: number) {
      const details = vm.readRepeatedString(dPtr, dSize);
      const body = vm.read(bPtr, bSize);
      // parsePairs copies each key and value out, so the guest's buffer is only viewed
      const headers = hSize === 0 ? NO_EXTRA_HEADERS : HeaderMap.fromBytes(parsePairs(vm.view(hPtr, hSize)));
      const c = eff();
      if (c?.kind !== 'http') return R.Ok; // silent no-op on root / VM contexts
      c.stream.queueLocalReply({ status: status >>> 0, details, body, headers, grpcStatus: grpc | 0 });
      return R.Ok;
    },

    // ---- shared data
    proxy_get_shared_data(kPtr: number, kSize: number, ptrOut: number, sizeOut: number, casOut: number) {
      const key = vm.readInterned(kPtr, kSize);
      const v = vm.env.process.getSharedData(vm.env.vmId, key);
      if (!v) return noted(R.NotFound, key);
      vm.check(casOut, 4);
      const st = vm.writeResult(ptrOut, sizeOut, v.value);
      if (st !== R.Ok) return st;
      vm.writeU32(casOut, v.cas);
      return noted(R.Ok, key);
    },
    proxy_set_shared_data(kPtr: number, kSize: number, vPtr: number, vSize: number, cas: number) {
      const key = vm.readInterned(kPtr, kSize);
      const value = vm.read(vPtr, vSize); // a copy, kept as is
      const ok = vm.env.process.setSharedData(vm.env.vmId, key, value, cas >>> 0, true);
      return noted(ok ? R.Ok : R.CasMismatch, key);
    },

    // ---- shared queues
    proxy_register_shared_queue(nPtr: number, nSize: number, tokenOut: number) {
      const name = vm.readLatin1(nPtr, nSize);
      vm.check(tokenOut, 4);
      const r = root();
      const token = vm.env.process.registerQueue(vm.env.vmId, name, {
        notify: (t) => {
          if (!r || r.state === 'deleted' || vm.failed) return;
          vm.callExport('proxy_on_queue_ready', r.id, [r.id, t]);
        },
      });
      vm.writeU32(tokenOut, token);
      return { status: R.Ok, note: name };
    },
    proxy_resolve_shared_queue(vPtr: number, vSize: number, nPtr: number, nSize: number, tokenOut: number) {
      const vmId = vm.readLatin1(vPtr, vSize) || vm.env.vmId;
      const name = vm.readLatin1(nPtr, nSize);
      vm.check(tokenOut, 4);
      const t = vm.env.process.resolveQueue(vmId, name);
      if (t === undefined) return { status: R.NotFound, note: `${vmId}/${name}` };
      vm.writeU32(tokenOut, t);
      return R.Ok;
    },
    proxy_enqueue_shared_queue(token: number, ptr: number, size: number) {
      const data = vm.read(ptr, size);
      return vm.env.process.enqueue(token >>> 0, data) ? R.Ok : R.NotFound;
    },
    proxy_dequeue_shared_queue(token: number, ptrOut: number, sizeOut: number) {
      vm.check(ptrOut, 4);
      vm.check(sizeOut, 4);
      const item = vm.env.process.dequeue(token >>> 0);
      if (item === undefined) return R.NotFound;
      if (item === null) return R.Empty;
      return vm.writeResult(ptrOut, sizeOut, item);
    },

    // ---- header maps
    proxy_get_header_map_value(mt: number, kPtr: number, kSize: number, ptrOut: number, sizeOut: number) {
      const mem = vm.memory8(kPtr, kSize);
      if (mt >>> 0 > MAX_MAP_TYPE) return R.BadArgument;
      const c = eff();
      const m = readableMap(vm, c, mt);
      const note = vm.env.hostcallsRecorded ? vm.readLatin1(kPtr, kSize) : '';
      if (!m) return noted(c?.kind === 'http' && mt < 4 && c.stream.inLogPhase ? R.NotFound : R.BadArgument, note);
      const i = m.indexOfBytes(mem, kPtr >>> 0, kSize >>> 0);
      if (i < 0) {
        if (abi === '0.1.0') return vm.writeResult(ptrOut, sizeOut, EMPTY);
        return noted(R.NotFound, note);
      }
      return noted(vm.writeResultLatin1(ptrOut, sizeOut, m.entries[i][1]), note);
    },
    proxy_get_header_map_pairs(mt: number, ptrOut: number, sizeOut: number) {
      if (mt >>> 0 > MAX_MAP_TYPE) return R.BadArgument;
      const m = readableMap(vm, eff(), mt);
      if (!m || m.size === 0) return vm.writeResult(ptrOut, sizeOut, new Uint8Array(0));
      return vm.writeResultPairs(ptrOut, sizeOut, m);
    },
    proxy_get_header_map_size(mt: number, out: number) {
      if (mt >>> 0 > MAX_MAP_TYPE || mt >= 4) return R.BadArgument;
      const m = writableMapOf(eff(), mt);
      if (!m) return R.BadArgument;
      vm.writeU32(out, m.byteSize());
      return R.Ok;
    },
    proxy_add_header_map_value(mt: number, kPtr: number, kSize: number, vPtr: number, vSize: number) {
      return writeHeader(mt, kPtr, kSize, vPtr, vSize, 'add');
    },
    proxy_replace_header_map_value(mt: number, kPtr: number, kSize: number, vPtr: number, vSize: number) {
      return writeHeader(mt, kPtr, kSize, vPtr, vSize, 'replace');
    },
    proxy_remove_header_map_value(mt: number, kPtr: number, kSize: number) {
      const mem = vm.memory8(kPtr, kSize);
      if (mt >>> 0 > MAX_MAP_TYPE) return R.BadArgument;
      const c = eff();
      const m = writableMapOf(c, mt);
      const note = vm.env.hostcallsRecorded ? vm.readLatin1(kPtr, kSize) : '';
      if (!m) return noted(R.BadArgument, note);
      const i = m.indexOfBytes(mem, kPtr >>> 0, kSize >>> 0);
      if (i >= 0) m.removeAt(i);
      mutateRequestHeaders(c, mt);
      return noted(R.Ok, note);
    },
    proxy_set_header_map_pairs(mt: number, ptr: number, size: number) {
      const pairs = parsePairs(vm.read(ptr, size)); // malformed → [] → map cleared, Ok (§10.7)
      if (mt >>> 0 > MAX_MAP_TYPE) return R.BadArgument;
      const c = eff();
      const m = writableMap(c, mt);
      if (!m) return R.BadArgument;
      m.clear();
      for (const [k, val] of HeaderMap.fromBytes(pairs).entries) m.add(k, val);
      mutateRequestHeaders(c, mt);
      return R.Ok;
    },

    // ---- buffers
    proxy_get_buffer_status(bt: number, sizeOut: number, flagsOut: number) {
      if (bt >>> 0 > MAX_BUFFER_TYPE) return R.BadArgument;
      const b = bufferOf(vm, eff(), bt);
      if (!b) return R.NotFound;
      vm.writeU32(sizeOut, b.bytes.length);
      vm.writeU32(flagsOut, 0);
      return R.Ok;
    },
    proxy_get_buffer_bytes(bt: number, start: number, max: number, ptrOut: number, sizeOut: number) {
      if (bt >>> 0 > MAX_BUFFER_TYPE) return R.BadArgument;
      const b = bufferOf(vm, eff(), bt);
      if (!b) return R.NotFound;
      start >>>= 0; max >>>= 0;
      const len = b.bytes.length;
      // cpp-host copies only when the clamped window is non-empty; otherwise it returns Ok and leaves
      // *ptr_out/*size_out untouched (unlike every other hostcall, which writes (0,0)). Guests rely on
      // it: @solo-io/proxy-runtime (ABI 0.2.0) passes the config size as size_out, i.e. 0 for no config.
      if (start >= len || max === 0) return R.Ok;
      return vm.writeResult(ptrOut, sizeOut, b.bytes.subarray(start, Math.min(len, start + max)));
    },
    proxy_set_buffer_bytes(bt: number, start: number, size: number, dPtr: number, dSize: number) {
      const data = vm.read(dPtr, dSize);
      if (bt >>> 0 > MAX_BUFFER_TYPE) return R.BadArgument;
      const b = bufferOf(vm, eff(), bt);
      if (!b) return R.NotFound;
      if (STRING_BACKED_BUFFERS.has(bt) || bt === 8 || !b.set) return R.BadArgument;
      start >>>= 0; size >>>= 0;
      const cur = b.bytes;
      if (start === 0) {
        const rest = cur.subarray(Math.min(size, cur.length));
        const out = new Uint8Array(data.length + rest.length);
        out.set(data); out.set(rest, data.length);
        b.set(out);
        return R.Ok;
      }
      if (start >= cur.length) {
        const out = new Uint8Array(cur.length + data.length);
        out.set(cur); out.set(data, cur.length);
        b.set(out);
        return R.Ok;
      }
      return R.BadArgument;
    },

    // ---- callouts
    proxy_http_call(uPtr: number, uSize: number, hPtr: number, hSize: number, bPtr: number, bSize: number, tPtr: number, tSize: number, timeout: number, tokenOut: number) {
      return httpCall(vm, root(), {
        cluster: vm.readString(uPtr, uSize),
        headers: HeaderMap.fromBytes(parsePairs(vm.read(hPtr, hSize))),
        body: vm.read(bPtr, bSize),
        trailers: HeaderMap.fromBytes(parsePairs(vm.read(tPtr, tSize))),
        timeout,
        tokenOut,
      });
    },
    proxy_grpc_call(sPtr: number, sSize: number, snPtr: number, snSize: number, mPtr: number, mSize: number, mdPtr: number, mdSize: number, msgPtr: number, msgSize: number, timeout: number, tokenOut: number) {
      return grpcCall(vm, root(), {
        service: vm.read(sPtr, sSize),
        serviceName: vm.readString(snPtr, snSize),
        method: vm.readString(mPtr, mSize),
        metadata: HeaderMap.fromBytes(parsePairs(vm.read(mdPtr, mdSize))),
        message: vm.read(msgPtr, msgSize),
        timeout,
        tokenOut,
      });
    },
    proxy_grpc_stream(sPtr: number, sSize: number, snPtr: number, snSize: number, mPtr: number, mSize: number, mdPtr: number, mdSize: number, tokenOut: number) {
      return grpcStream(vm, root(), {
        service: vm.read(sPtr, sSize),
        serviceName: vm.readString(snPtr, snSize),
        method: vm.readString(mPtr, mSize),
        metadata: HeaderMap.fromBytes(parsePairs(vm.read(mdPtr, mdSize))),
        tokenOut,
      });
    },
    proxy_grpc_send(token: number, ptr: number, size: number, eos: number) {
      return grpcSend(vm, token >>> 0, vm.read(ptr, size), eos !== 0);
    },
    proxy_grpc_cancel(token: number) { return grpcCancel(vm, token >>> 0); },
    proxy_grpc_close(token: number) { return grpcClose(vm, token >>> 0); },

    // ---- time, timers
    proxy_set_tick_period_milliseconds(period: number) {
      const r = root();
      if (r) setTickPeriod(vm, r, period >>> 0);
      return R.Ok;
    },
    proxy_get_current_time_nanoseconds(out: number) {
      vm.writeU64(out, vm.env.process.clock.nowNs());
      return R.Ok;
    },

    // ---- metrics
    proxy_define_metric(type: number, nPtr: number, nSize: number, idOut: number) {
      const name = vm.readString(nPtr, nSize);
      if (type >>> 0 > 2) return R.BadArgument;
      vm.check(idOut, 4);
      const t = (['counter', 'gauge', 'histogram'] as const)[type];
      vm.env.process.stat('wasmcustom.' + name, t);
      const id = vm.nextMetricId[t];
      vm.nextMetricId[t] += 4;
      vm.metrics.set(id, { name: 'wasmcustom.' + name, type: t });
      vm.writeU32(idOut, id);
      return { status: R.Ok, note: name };
    },
    proxy_increment_metric(id: number, delta: bigint) {
      const m = vm.metrics.get(id >>> 0);
      if (!m) return R.NotFound;
      // the Stat is looked up once per process (stats are never removed)
      const p = vm.env.process;
      if (m.statOf !== p) { m.stat = p.stat(m.name, m.type); m.statOf = p; }
      const s = m.stat!;
      if (m.type === 'counter') {
        if (delta <= 0n) return R.BadArgument;
        s.value += delta;
        return R.Ok;
      }
      if (m.type === 'gauge') {
        s.value += delta;
        return R.Ok;
      }
      return R.BadArgument;
    },
    proxy_record_metric(id: number, value: bigint) {
      const m = vm.metrics.get(id >>> 0);
      if (!m) return R.NotFound;
      const s = vm.env.process.stat(m.name, m.type);
      const v = BigInt.asUintN(64, value);
      if (m.type === 'counter') s.value += v;
      else if (m.type === 'gauge') s.value = v;
      else s.samples.push(v);
      return R.Ok;
    },
    proxy_get_metric(id: number, out: number) {
      const m = vm.metrics.get(id >>> 0);
      if (!m) return R.NotFound;
      if (m.type === 'histogram') return R.BadArgument;
      vm.writeU64(out, vm.env.process.stat(m.name, m.type).value);
      return R.Ok;
    },

    // ---- contexts
    proxy_set_effective_context(id: number) {
      const c = vm.ctx(id >>> 0);
      if (!c || (c.kind === 'http' ? c.deleted : c.state === 'deleted')) return R.BadArgument;
      vm.effective = id >>> 0;
      return R.Ok;
    },
    proxy_done() {
      const r = root();
      if (!r || r.state !== 'pendingDone') return R.NotFound;
      r.state = 'deleted';
      vm.defer(() => {
        vm.callExport('proxy_on_delete', r.id, [r.id]);
        vm.contexts.delete(r.id);
      });
      return R.Ok;
    },
    proxy_call_foreign_function(nPtr: number, nSize: number, aPtr: number, aSize: number, ptrOut: number, sizeOut: number) {
      // Envoy's names matched against the guest's bytes (no decode); other names decoded (→ NotFound).
      const name = foreignName(vm, nPtr, nSize);
      const args = vm.read(aPtr, aSize);
      const r = callForeignFunction(vm, eff(), name, args);
      if (r.status !== R.Ok) return noted(r.status, name);
      if (ptrOut === 0) return noted(R.Ok, name);
      return noted(vm.writeResult(ptrOut, sizeOut, r.result ?? EMPTY), name);
    },

    // ---- stream control (0.2.x)
    proxy_continue_stream(type: number) {
      type >>>= 0;
      if (type > 3) return R.BadArgument;
      if (type === 3) return R.Unimplemented;
      const c = eff();
      if (c?.kind === 'http' && type <= 1) {
        const s = c.stream;
        vm.defer(() => s.continueStream(type === 0 ? 'request' : 'response'));
      }
      return R.Ok;
    },
    proxy_close_stream(type: number) {
      type >>>= 0;
      if (type > 3) return R.BadArgument;
      const c = eff();
      if (c?.kind === 'http' && type <= 1) {
        const s = c.stream;
        vm.defer(() => s.resetStream('wasm_close_stream'));
      }
      return R.Ok;
    },

    // ---- 0.1.0 only
    proxy_get_configuration(ptrOut: number, sizeOut: number) {
      const r = root();
      const bytes = r ? (r.inConfigure ? r.info.pluginConfig : r.info.vmConfig) : vm.env.vmConfig;
      return vm.writeResult(ptrOut, sizeOut, bytes);
    },
    proxy_continue_request() {
      const c = eff();
      if (c?.kind === 'http') { const s = c.stream; vm.defer(() => s.continueStream('request')); }
      return R.Ok;
    },
    proxy_continue_response() {
      const c = eff();
      if (c?.kind === 'http') { const s = c.stream; vm.defer(() => s.continueStream('response')); }
      return R.Ok;
    },
    proxy_clear_route_cache() {
      const c = eff();
      if (c?.kind === 'http') vm.env.routeCacheCleared(c.id, 'foreign');
      return R.Ok;
    },

    // ---- emscripten helpers, Envoy extras
    pthread_equal(a: number, b: number) { return a === b ? 1 : 0; },
    emscripten_notify_memory_growth(_: number) { /* no-op */ },
    envoy_resolve_dns(_p: number, _s: number, tokenOut: number) {
      vm.check(tokenOut, 4);
      return R.Unimplemented; // not modelled by this host
    },
  };
}

// HTTP callouts (§6.7) and gRPC calls/streams (§6.8). Outgoing requests are recorded as pending
// and offered to a CalloutHandler (the dev gateway answers with real network calls; tests answer
// by hand through the emulator). Responses are delivered on the ROOT context id.
import { WasmResult as R } from '../abi/enums.ts';
import { HeaderMap, toHeaderMap, type HeadersInit } from './headers.ts';
import { decodeProto } from './proto.ts';
import type { RootCtx } from './types.ts';
import type { WasmVm } from './vm.ts';

export interface HttpCallRequest {
  kind: 'http';
  token: number;
  worker: number;
  vmLabel: string;
  rootContextId: number;
  cluster: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  trailers: Array<[string, string]>;
  /** 0 = no timeout. */
  timeoutMs: number;
}
export interface HttpCallResponse {
  headers?: HeadersInit;
  body?: string | Uint8Array;
  trailers?: HeadersInit;
}
export interface GrpcCallRequest {
  kind: 'grpc-call' | 'grpc-stream';
  token: number;
  worker: number;
  vmLabel: string;
  rootContextId: number;
  cluster: string;
  serviceName: string;
  method: string;
  metadata: Array<[string, string]>;
  /** Unary: the request message. Stream: messages sent so far by the guest. */
  message: Uint8Array;
  sent: Array<{ message: Uint8Array; endStream: boolean }>;
  timeoutMs: number;
  localClosed: boolean;
}
export type PendingCallout = HttpCallRequest | GrpcCallRequest;

/** Stream events a handler (or test) can push back to the guest. */
export type GrpcStreamEvent =
  | { type: 'initialMetadata'; metadata: HeadersInit }
  | { type: 'message'; message: string | Uint8Array }
  | { type: 'trailingMetadata'; metadata: HeadersInit }
  | { type: 'close'; status: number; message?: string };

/**
 * Answers outgoing calls. Return `undefined` to leave the call pending (answer later through the
 * plugin), a response (or a Promise of one) to answer it, or `null` for a transport failure.
 */
export interface CalloutHandler {
  httpCall?(req: HttpCallRequest): void | HttpCallResponse | null | Promise<HttpCallResponse | null>;
  /** Unary gRPC: a response message, or {status,message} for an error close. */
  grpcCall?(req: GrpcCallRequest): void | Uint8Array | { status: number; message?: string } | Promise<Uint8Array | { status: number; message?: string }>;
  /** A stream was opened; push events with `emit` (any time later). */
  grpcStream?(req: GrpcCallRequest, emit: (e: GrpcStreamEvent) => void): void;
  /** The guest sent a message on a stream (or half-closed with endStream). */
  grpcSend?(req: GrpcCallRequest, message: Uint8Array, endStream: boolean): void;
  /** The guest cancelled a call/stream (no more callbacks will be delivered). */
  cancelled?(req: PendingCallout): void;
}

interface Entry { req: PendingCallout; vm: WasmVm; root: RootCtx; timer?: number }

export class CalloutRegistry {
  private pending = new Map<string, Entry>();
  handler: CalloutHandler = {};
  /** Set by the plugin: called after a delivery so posted tasks run. */
  afterDelivery: () => void = () => {};

  private key(vm: WasmVm, token: number) { return `${vm.label}#${token}`; }
  list(): PendingCallout[] { return [...this.pending.values()].map((e) => e.req); }
  find(token: number, worker?: number): Entry {
    const hits = [...this.pending.values()].filter((e) => e.req.token === token && (worker === undefined || e.req.worker === worker));
    if (hits.length === 0) throw new Error(`no pending callout with token ${token}${worker !== undefined ? ` on worker ${worker}` : ''}`);
    if (hits.length > 1) throw new Error(`token ${token} is pending on several workers (${hits.map((h) => h.req.worker).join(', ')}); pass the worker`);
    return hits[0];
  }
  add(vm: WasmVm, root: RootCtx, req: PendingCallout): Entry {
    const e: Entry = { req, vm, root };
    this.pending.set(this.key(vm, req.token), e);
    return e;
  }
  remove(e: Entry): void {
    this.pending.delete(this.key(e.vm, e.req.token));
    e.vm.env.process.clock.cancel(e.timer);
  }
  get(vm: WasmVm, token: number): Entry | undefined { return this.pending.get(this.key(vm, token)); }
  /** Root destroyed: its calls are cancelled without callbacks. */
  cancelRoot(vm: WasmVm, root: RootCtx): void {
    for (const e of [...this.pending.values()]) if (e.vm === vm && e.root === root) this.remove(e);
  }
  cancelVm(vm: WasmVm): void {
    for (const e of [...this.pending.values()]) if (e.vm === vm) this.remove(e);
  }

  // ------------------------------------------------------------------ delivery

  private run(e: Entry, fn: () => void): void {
    const go = () => {
      if (e.root.state === 'deleted' || e.vm.failed) return;
      fn();
    };
    if (e.vm.depth > 0) e.vm.defer(go);
    else go();
    this.afterDelivery();
  }

  respondHttp(e: Entry, resp: HttpCallResponse | null): void {
    if (e.req.kind !== 'http') throw new Error(`token ${e.req.token} is not an HTTP call`);
    this.remove(e);
    const { vm, root } = e;
    const token = e.req.token;
    this.run(e, () => {
      if (resp) {
        const body = typeof resp.body === 'string' ? new Uint8Array(Buffer.from(resp.body)) : resp.body ?? new Uint8Array(0);
        root.httpCallResponse = { headers: toHeaderMap(resp.headers ?? { ':status': '200' }), body, trailers: toHeaderMap(resp.trailers) };
      } else {
        root.httpCallResponse = null;
        root.status = { code: R.BrokenConnection, message: 'reset' };
      }
      const r = root.httpCallResponse;
      vm.callExport('proxy_on_http_call_response', root.id, [root.id, token, r?.headers.size ?? 0, r?.body.length ?? 0, r?.trailers.size ?? 0]);
      root.httpCallResponse = null;
      root.status = null;
    });
  }

  respondGrpcUnary(e: Entry, result: Uint8Array | { status: number; message?: string }): void {
    this.remove(e);
    const { vm, root } = e;
    const token = e.req.token;
    this.run(e, () => {
      if (result instanceof Uint8Array) {
        root.grpcCurrent = { message: result };
        vm.callExport('proxy_on_grpc_receive', root.id, [root.id, token, result.length]);
      } else {
        root.status = { code: result.status, message: result.message ?? '' };
        vm.callExport('proxy_on_grpc_close', root.id, [root.id, token, result.status]);
      }
      root.grpcCurrent = null;
      root.status = null;
    });
  }

  grpcStreamEvent(e: Entry, ev: GrpcStreamEvent): void {
    const { vm, root } = e;
    const token = e.req.token;
    if (ev.type === 'close') this.remove(e);
    this.run(e, () => {
      switch (ev.type) {
        case 'initialMetadata': {
          const m = toHeaderMap(ev.metadata);
          root.grpcCurrent = { initial: m };
          vm.callExport('proxy_on_grpc_receive_initial_metadata', root.id, [root.id, token, m.size]);
          break;
        }
        case 'message': {
          const b = typeof ev.message === 'string' ? new Uint8Array(Buffer.from(ev.message)) : ev.message;
          root.grpcCurrent = { message: b };
          vm.callExport('proxy_on_grpc_receive', root.id, [root.id, token, b.length]);
          break;
        }
        case 'trailingMetadata': {
          const m = toHeaderMap(ev.metadata);
          root.grpcCurrent = { trailing: m };
          vm.callExport('proxy_on_grpc_receive_trailing_metadata', root.id, [root.id, token, m.size]);
          break;
        }
        case 'close':
          root.status = { code: ev.status, message: ev.message ?? '' };
          vm.callExport('proxy_on_grpc_close', root.id, [root.id, token, ev.status]);
          break;
      }
      root.grpcCurrent = null;
      root.status = null;
    });
  }
}

// ------------------------------------------------------------------ hostcall side

const MAX_TIMEOUT = 2 ** 31;

export function httpCall(vm: WasmVm, root: RootCtx | undefined, a: {
  cluster: string; headers: HeaderMap; body: Uint8Array; trailers: HeaderMap; timeout: number; tokenOut: number;
}): number | { status: number; note: string } {
  vm.writeU32(a.tokenOut, 0);
  const note = a.cluster;
  if (!root) return { status: R.BadArgument, note };
  if (!vm.env.clusters.has(a.cluster)) return { status: R.BadArgument, note: `unknown cluster ${a.cluster}` };
  for (const h of [':method', ':path', ':authority']) {
    if (!a.headers.get(h)) return { status: R.BadArgument, note: `missing ${h}` };
  }
  const timeout = a.timeout >>> 0;
  if (timeout >= MAX_TIMEOUT) return { status: R.BadArgument, note: 'timeout' };
  const headers = a.headers.clone();
  if (a.body.length > 0) headers.replace('content-length', String(a.body.length));
  const token = vm.nextHttpToken;
  vm.nextHttpToken += 4;
  const req: HttpCallRequest = {
    kind: 'http', token, worker: vm.worker, vmLabel: vm.label, rootContextId: root.id, cluster: a.cluster,
    headers: headers.toPairs(), body: a.body, trailers: a.trailers.toPairs(), timeoutMs: timeout,
  };
  const reg = vm.env.callouts;
  const e = reg.add(vm, root, req);
  if (timeout > 0) {
    // Envoy's async client times out with a 504 local reply delivered as a response [inferred].
    e.timer = vm.env.process.clock.schedule(timeout, () => {
      e.timer = undefined;
      if (reg.get(vm, token) === e) {
        reg.respondHttp(e, { headers: { ':status': '504', 'content-length': '24', 'content-type': 'text/plain' }, body: 'upstream request timeout' });
      }
    });
  }
  offer(reg, e, () => reg.handler.httpCall?.(req), (r) => reg.respondHttp(e, r as HttpCallResponse | null));
  vm.writeU32(a.tokenOut, token);
  return { status: R.Ok, note: `${a.cluster} token=${token}` };
}

/** Give a new call to the handler; deliver its answer (sync answers are deferred until the VM call returns). */
function offer(reg: CalloutRegistry, e: Entry, ask: () => unknown, deliver: (r: unknown) => void): void {
  let r: unknown;
  try {
    r = ask();
  } catch {
    r = null;
  }
  if (r === undefined) return;
  const done = (x: unknown) => { if (reg.get(e.vm, e.req.token) === e) deliver(x); };
  if (r instanceof Promise) r.then(done, () => done(null));
  else e.vm.defer(() => done(r));
}

/** GrpcService bytes → cluster name (known cluster name as is; else envoy_grpc.cluster_name). */
export function grpcCluster(service: Uint8Array, clusters: ReadonlySet<string>): string | null {
  const asName = Buffer.from(service).toString('utf8');
  if (clusters.has(asName)) return asName;
  const outer = decodeProto(service);
  const eg = outer?.bytes(1);
  if (eg) {
    const name = decodeProto(eg)?.str(1);
    if (name !== undefined) return clusters.has(name) ? name : null;
  }
  return null;
}

export function grpcCall(vm: WasmVm, root: RootCtx | undefined, a: {
  service: Uint8Array; serviceName: string; method: string; metadata: HeaderMap; message: Uint8Array; timeout: number; tokenOut: number;
}) {
  vm.writeU32(a.tokenOut, 0);
  const cluster = grpcCluster(a.service, vm.env.clusters);
  if (!root || cluster === null) return { status: R.ParseFailure, note: 'unknown cluster' };
  const token = vm.nextGrpcCallToken;
  vm.nextGrpcCallToken += 4;
  const req: GrpcCallRequest = {
    kind: 'grpc-call', token, worker: vm.worker, vmLabel: vm.label, rootContextId: root.id, cluster,
    serviceName: a.serviceName, method: a.method, metadata: a.metadata.toPairs(), message: a.message, sent: [],
    timeoutMs: a.timeout >>> 0, localClosed: false,
  };
  const reg = vm.env.callouts;
  const e = reg.add(vm, root, req);
  if (req.timeoutMs > 0) {
    e.timer = vm.env.process.clock.schedule(req.timeoutMs, () => {
      e.timer = undefined;
      if (reg.get(vm, token) === e) reg.respondGrpcUnary(e, { status: 4, message: 'Deadline Exceeded' }); // [inferred]
    });
  }
  offer(reg, e, () => reg.handler.grpcCall?.(req), (r) => reg.respondGrpcUnary(e, (r ?? { status: 14, message: 'unavailable' }) as Uint8Array));
  vm.writeU32(a.tokenOut, token);
  return { status: R.Ok, note: `${cluster} token=${token}` };
}

export function grpcStream(vm: WasmVm, root: RootCtx | undefined, a: {
  service: Uint8Array; serviceName: string; method: string; metadata: HeaderMap; tokenOut: number;
}) {
  vm.writeU32(a.tokenOut, 0);
  const cluster = grpcCluster(a.service, vm.env.clusters);
  if (!root || cluster === null) return { status: R.ParseFailure, note: 'unknown cluster' };
  const token = vm.nextGrpcStreamToken;
  vm.nextGrpcStreamToken += 4;
  const req: GrpcCallRequest = {
    kind: 'grpc-stream', token, worker: vm.worker, vmLabel: vm.label, rootContextId: root.id, cluster,
    serviceName: a.serviceName, method: a.method, metadata: a.metadata.toPairs(), message: new Uint8Array(0), sent: [],
    timeoutMs: 0, localClosed: false,
  };
  const reg = vm.env.callouts;
  const e = reg.add(vm, root, req);
  try {
    reg.handler.grpcStream?.(req, (ev) => { if (reg.get(vm, token) === e) reg.grpcStreamEvent(e, ev); });
  } catch { /* handler errors are not the guest's problem */ }
  vm.writeU32(a.tokenOut, token);
  return { status: R.Ok, note: `${cluster} token=${token}` };
}

export function grpcSend(vm: WasmVm, token: number, message: Uint8Array, endStream: boolean): number {
  if ((token & 3) !== 2) return R.BadArgument;
  const e = vm.env.callouts.get(vm, token);
  if (!e) return R.NotFound;
  const req = e.req as GrpcCallRequest;
  req.sent.push({ message, endStream });
  if (endStream) req.localClosed = true;
  try { vm.env.callouts.handler.grpcSend?.(req, message, endStream); } catch { /* ignore */ }
  return R.Ok;
}

export function grpcCancel(vm: WasmVm, token: number): number {
  if ((token & 3) !== 1 && (token & 3) !== 2) return R.BadArgument;
  const reg = vm.env.callouts;
  const e = reg.get(vm, token);
  if (!e) return R.NotFound;
  reg.remove(e);
  try { reg.handler.cancelled?.(e.req); } catch { /* ignore */ }
  return R.Ok;
}

export function grpcClose(vm: WasmVm, token: number): number {
  if ((token & 3) === 1) return grpcCancel(vm, token);
  if ((token & 3) !== 2) return R.BadArgument;
  const e = vm.env.callouts.get(vm, token);
  if (!e) return R.NotFound;
  (e.req as GrpcCallRequest).localClosed = true;
  return R.Ok;
}

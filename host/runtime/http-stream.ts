// One HTTP stream through envoy.filters.http.wasm (§6.3–§6.9): context creation, callbacks,
// actions, header-map availability windows, body buffering, pausing/resuming, local replies,
// resets, on_log → on_done → on_delete, and failure-policy handling for a VM that trapped.
import { dataAction, headersAction, trailersAction, type DataAction, type HeadersAction, type TrailersAction } from '../abi/enums.ts';
import type { PropertyValue } from '../abi/properties.ts';
import { HeaderMap, type Entry } from './headers.ts';
import type { RootCtx, StreamCtx } from './types.ts';
import type { WasmVm } from './vm.ts';

export type Direction = 'request' | 'response';
/** What Envoy did with an event: the filter's action, or why the filter did not see it. */
export type StreamAction = HeadersAction | DataAction | TrailersAction | 'NotDelivered' | 'Ignored';

export interface LocalReply {
  status: number;
  body: string;
  bodyBytes: Uint8Array;
  /** Headers of the reply as Envoy builds them (after the filter's own on_response_headers). */
  headers: Array<[string, string]>;
  /** Extra headers the guest passed. */
  extraHeaders: Array<[string, string]>;
  details: string;
  /** grpc_status argument if it was 0..16, else null. */
  grpcStatus: number | null;
  /** true for the 503 Envoy sends when the VM failed (fail closed). */
  failClosed: boolean;
}

/**
 * A local reply the guest sent. The string views (body, headers, extraHeaders) are decoded on first
 * read: a benchmark or a gateway that only looks at the status should not pay for them per request.
 */
class GuestLocalReply implements LocalReply {
  private bodyText: string | null = null;
  private sent: Array<[string, string]> | null = null;
  private extra: Array<[string, string]> | null = null;
  /** The reply's headers as sent (set once the filter's on_response_headers ran). */
  sentHeaders: HeaderMap | null = null;
  readonly failClosed = false;
  constructor(
    readonly status: number,
    readonly bodyBytes: Uint8Array,
    private readonly guestHeaders: HeaderMap,
    readonly details: string,
    readonly grpcStatus: number | null,
  ) {}
  get body(): string { return (this.bodyText ??= this.bodyBytes.length === 0 ? '' : Buffer.from(this.bodyBytes).toString('utf8')); }
  get headers(): Array<[string, string]> {
    if (this.sent === null) { if (this.sentHeaders === null) return []; this.sent = this.sentHeaders.toPairs(); }
    return this.sent;
  }
  get extraHeaders(): Array<[string, string]> { return (this.extra ??= this.guestHeaders.toPairs()); }
  toJSON(): LocalReply {
    const { status, body, bodyBytes, headers, extraHeaders, details, grpcStatus, failClosed } = this;
    return { status, body, bodyBytes, headers, extraHeaders, details, grpcStatus, failClosed };
  }
}

export interface StreamOptions {
  properties?: Map<string, PropertyValue>;
  protocol?: string;
  connectionId?: number;
}

const NO_CHUNKS: readonly Uint8Array[] = Object.freeze([]);

class Dir {
  headers!: HeaderMap | null;
  headersAvail!: boolean;
  headersHeld!: boolean;
  stopIteration!: boolean;
  headersForwarded!: boolean;
  endStream!: boolean;
  /** Body chunks that arrived while the headers were held (a shared empty list until the first one). */
  pending!: readonly Uint8Array[];
  pendingEos!: boolean;
  pendingTrailers!: HeaderMap | null;
  buffered!: Uint8Array | null;
  bodyStopped!: boolean;
  current!: Uint8Array | null;
  inLastBody!: boolean;
  trailers!: HeaderMap | null;
  trailersAvail!: boolean;
  trailersHeld!: boolean;
  /** Body chunks passed on to the next filter (a shared empty list until the first one). */
  forwardedBody!: readonly Uint8Array[];
  trailersForwarded!: boolean;
  complete!: boolean;
  bytesReceived!: number;
  constructor() { this.reset(); }
  // Most streams forward at most one chunk and hold none: no two arrays per direction per stream.
  hold(chunk: Uint8Array): void {
    if (this.pending === NO_CHUNKS) this.pending = [chunk];
    else (this.pending as Uint8Array[]).push(chunk);
  }
  forward(chunk: Uint8Array): void {
    if (this.forwardedBody === NO_CHUNKS) this.forwardedBody = [chunk];
    else (this.forwardedBody as Uint8Array[]).push(chunk);
  }
  /** The state of a direction nothing has passed through yet (a local reply restarts the response). */
  reset(): void {
    this.headers = null;
    this.headersAvail = false;
    this.headersHeld = false;
    this.stopIteration = false;
    this.headersForwarded = false;
    this.endStream = false;
    this.pending = NO_CHUNKS;
    this.pendingEos = false;
    this.pendingTrailers = null;
    this.buffered = null;
    this.bodyStopped = false;
    this.current = null;
    this.inLastBody = false;
    this.trailers = null;
    this.trailersAvail = false;
    this.trailersHeld = false;
    this.forwardedBody = NO_CHUNKS;
    this.trailersForwarded = false;
    this.complete = false;
    this.bytesReceived = 0;
  }
}

const concat = (parts: readonly Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

const EMPTY = new Uint8Array(0);
/** The options of a stream given none (only ever read). */
export const NO_OPTIONS: StreamOptions = Object.freeze({});
const NO_ACTIONS: ReadonlyArray<never> = Object.freeze([]);
/** The attributes of a stream that was given none (the map is only ever read). */
const NO_PROPERTIES: ReadonlyMap<string, PropertyValue> = new Map();
// The entries a local reply starts with, made once (entries are never changed in place, so maps share them).
const TEXT_PLAIN: Entry = ['content-type', 'text/plain'];
const statusEntries: Entry[] = [];
const lengthEntries: Entry[] = [];
/** [':status', code] — one entry per code below 1000 (what a reply can carry), else a new one. */
const statusEntry = (code: number): Entry => code < 1000 ? (statusEntries[code] ??= [':status', String(code)]) : [':status', String(code)];
/** ['content-length', n] — kept for bodies up to 4 KiB. */
const contentLengthEntry = (n: number): Entry => n <= 4096 ? (lengthEntries[n] ??= ['content-length', String(n)]) : ['content-length', String(n)];
const HTTP_TO_GRPC: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };

export class HttpStream implements StreamCtx {
  readonly vm: WasmVm;
  readonly root: RootCtx;
  readonly id: number;
  // The stream is its own context record (kind/id/root/stream/deleted): no second object per stream.
  readonly kind = 'http' as const;
  deleted = false;
  get stream(): HttpStream { return this; }
  /** This stream as the VM's context table holds it. */
  get ctx(): StreamCtx { return this; }
  readonly req = new Dir();
  readonly res = new Dir();
  readonly properties: ReadonlyMap<string, PropertyValue>;
  // Made on first use: most streams never touch them, and three Maps per stream cost more than a no-op filter.
  private fs: Map<string, { value: Uint8Array }> | null = null;
  private efs: Map<string, { value: Uint8Array; span: number }> | null = null;
  private decl: Map<string, { readonly: boolean; type: number; span: number }> | null = null;
  get filterState(): Map<string, { value: Uint8Array }> { return (this.fs ??= new Map()); }
  get envoyFilterState(): Map<string, { value: Uint8Array; span: number }> { return (this.efs ??= new Map()); }
  get declaredProperties(): Map<string, { readonly: boolean; type: number; span: number }> { return (this.decl ??= new Map()); }
  readonly protocol: string;
  readonly connectionId: number;
  readonly startNs: bigint;
  created = false;
  finished = false;
  /** FAIL_OPEN after a trap, or the filter was never inserted: callbacks are skipped. */
  bypass = false;
  localReply: LocalReply | null = null;
  resetReason: string | null = null;
  responseCode: number | null = null;
  responseCodeDetails = '';
  private stopNext = false;
  private inLocalReply = false;
  private logPhase = false;
  /** Callback name → Envoy action, in order (diagnostics; kept when callbacks are recorded, record limit > 0). */
  get actions(): ReadonlyArray<{ callback: string; raw: number | undefined; action: StreamAction }> { return this.acts ?? NO_ACTIONS; }
  private acts: Array<{ callback: string; raw: number | undefined; action: StreamAction }> | null = null;

  constructor(vm: WasmVm, root: RootCtx, opts: StreamOptions = NO_OPTIONS, bypass = false) {
    this.vm = vm;
    this.root = root;
    this.id = bypass ? 0 : vm.allocContextId();
    this.properties = opts.properties ?? NO_PROPERTIES;
    this.protocol = opts.protocol ?? 'HTTP/1.1';
    this.connectionId = opts.connectionId ?? this.id;
    this.startNs = vm.env.process.clock.nowNs();
    this.bypass = bypass;
  }

  get done(): boolean { return this.finished || this.localReply !== null || this.resetReason !== null; }
  private dir(d: Direction) { return d === 'request' ? this.req : this.res; }

  // ------------------------------------------------------------------ calling the guest

  private ensureCreated(): void {
    if (this.created || this.bypass) return;
    this.created = true;
    this.vm.contexts.set(this.id, this.ctx);
    this.call('proxy_on_context_create', 2, this.id, this.root.id);
  }

  /** Call a callback of this stream; null when the VM is (or became) failed — policy applied. */
  private call(name: string, argc: 1 | 2 | 3, a: number, b = 0, c = 0): number | undefined | null {
    if (this.bypass) return 0;
    const r = this.vm.call3(name, this.id, argc, a, b, c);
    if (r.ok) return r.value;
    this.onVmFailure();
    return null;
  }

  private onVmFailure(): void {
    if (this.root.info.failurePolicy === 'FAIL_OPEN') {
      this.bypass = true;
      return;
    }
    if (this.localReply || this.finished) return;
    // cpp-host CHECK_FAIL: local reply 503, details wasm_fail_stream, grpc Unavailable; no more callbacks.
    this.bypass = true;
    this.localReply = {
      status: 503, body: '', bodyBytes: new Uint8Array(0), headers: [[':status', '503']], extraHeaders: [],
      details: 'wasm_fail_stream', grpcStatus: 14, failClosed: true,
    };
    this.responseCode = 503;
    this.responseCodeDetails = 'wasm_fail_stream';
    this.finished = true;
    this.deleted = true;
    this.vm.contexts.delete(this.id);
  }

  private record(callback: string, raw: number | undefined | null, action: StreamAction): StreamAction {
    if (this.vm.env.callbacksRecorded) (this.acts ??= []).push({ callback, raw: raw ?? undefined, action });
    return action;
  }

  // ------------------------------------------------------------------ events from downstream/upstream

  headers(d: Direction, h: HeaderMap, endStream: boolean): StreamAction {
    if (this.done) return 'Ignored';
    const s = this.dir(d);
    if (d === 'response' && this.res.headersForwarded) return 'Ignored';
    // one VM unit (begin/end: no closure per event)
    const vm = this.vm;
    vm.begin();
    try {
      this.ensureCreated();
      if (this.localReply) return this.record('proxy_on_context_create', null, 'StopAllIterationAndWatermark');
      s.headers = h;
      s.headersAvail = true;
      s.endStream = endStream;
      const name = d === 'request' ? 'proxy_on_request_headers' : 'proxy_on_response_headers';
      const raw = vm.env.abi === '0.1.0' ? this.call(name, 2, this.id, h.size) : this.call(name, 3, this.id, h.size, endStream ? 1 : 0);
      if (raw === null) return this.record(name, raw, this.bypass && !this.localReply ? this.continueAfterFailOpen(d) : 'StopAllIterationAndWatermark');
      const action = headersAction(raw ?? 0, this.root.info.allowOnHeadersStopIteration, this.stopNext);
      if (action === 'Continue') {
        this.releaseHeaders(s, d);
        if (endStream) this.endDirection(d);
      } else if (action === 'StopIteration') s.stopIteration = true;
      else s.headersHeld = true;
      return this.record(name, raw, action);
    } finally {
      vm.end();
    }
  }

  data(d: Direction, chunk: Uint8Array, endStream: boolean): StreamAction {
    if (this.done) return 'Ignored';
    const s = this.dir(d);
    if (s.complete || s.endStream && !s.headersHeld && !s.stopIteration && s.bodyStopped) return 'Ignored';
    s.bytesReceived += chunk.length;
    if (endStream) s.endStream = true;
    if (this.bypass) {
      s.forward(chunk);
      if (endStream) this.endDirection(d);
      return 'Continue';
    }
    if (s.headersHeld || s.trailersHeld) {
      s.hold(chunk);
      if (endStream) s.pendingEos = true;
      return 'NotDelivered';
    }
    const vm = this.vm;
    vm.begin();
    try { return this.deliverBody(d, chunk, endStream); } finally { vm.end(); }
  }

  trailers(d: Direction, t: HeaderMap): StreamAction {
    if (this.done) return 'Ignored';
    const s = this.dir(d);
    s.endStream = true;
    if (this.bypass) {
      s.trailers = t;
      this.endDirection(d);
      return 'Continue';
    }
    if (s.headersHeld) {
      s.pendingTrailers = t;
      return 'NotDelivered';
    }
    const vm = this.vm;
    vm.begin();
    try { return this.deliverTrailers(d, t); } finally { vm.end(); }
  }

  private deliverBody(d: Direction, chunk: Uint8Array, eos: boolean): StreamAction {
    const s = this.dir(d);
    const buf = s.buffered ? concat([s.buffered, chunk]) : chunk;
    s.current = buf;
    s.inLastBody = eos;
    const name = d === 'request' ? 'proxy_on_request_body' : 'proxy_on_response_body';
    const raw = this.call(name, 3, this.id, buf.length, eos ? 1 : 0);
    const cur = s.current;
    s.current = null;
    s.inLastBody = false;
    if (raw === null) {
      if (this.bypass && !this.localReply) { s.buffered = null; s.forward(cur); if (eos) this.endDirection(d); return this.record(name, raw, 'Continue'); }
      return this.record(name, raw, 'StopIterationNoBuffer');
    }
    const action = dataAction(raw ?? 0, this.stopNext);
    if (action === 'Continue') {
      if (s.stopIteration || s.headersAvail) this.releaseHeaders(s, d);
      s.buffered = null;
      s.bodyStopped = false;
      s.forward(cur);
      if (eos) {
        if (s.trailers) { s.trailersForwarded = true; s.trailersAvail = false; }
        this.endDirection(d);
      }
    } else if (action === 'StopIterationNoBuffer') {
      s.buffered = null;
      s.bodyStopped = true;
    } else {
      s.buffered = cur;
      if (eos) s.bodyStopped = true;
    }
    return this.record(name, raw, action);
  }

  private deliverTrailers(d: Direction, t: HeaderMap): StreamAction {
    const s = this.dir(d);
    s.trailers = t;
    s.trailersAvail = true;
    const name = d === 'request' ? 'proxy_on_request_trailers' : 'proxy_on_response_trailers';
    const raw = this.call(name, 2, this.id, t.size);
    if (raw === null) {
      if (this.bypass && !this.localReply) { this.flushBuffered(s); s.trailersForwarded = true; this.endDirection(d); return this.record(name, raw, 'Continue'); }
      return this.record(name, raw, 'StopIteration');
    }
    const action = trailersAction(raw ?? 0, this.stopNext);
    if (action === 'Continue') {
      s.trailersAvail = false;
      if (s.stopIteration || s.headersAvail) this.releaseHeaders(s, d);
      this.flushBuffered(s);
      s.trailersForwarded = true;
      this.endDirection(d);
    } else s.trailersHeld = true;
    return this.record(name, raw, action);
  }

  private continueAfterFailOpen(d: Direction): StreamAction {
    const s = this.dir(d);
    this.releaseHeaders(s, d);
    if (s.endStream) this.endDirection(d);
    return 'Continue';
  }

  private releaseHeaders(s: Dir, _d: Direction): void {
    s.headersAvail = false;
    s.headersHeld = false;
    s.stopIteration = false;
    s.headersForwarded = true;
    if (s === this.res && this.responseCode === null) {
      const st = Number(s.headers?.get(':status'));
      if (Number.isFinite(st)) this.responseCode = st;
    }
  }
  private flushBuffered(s: Dir): void {
    if (s.buffered) s.forward(s.buffered);
    s.buffered = null;
    s.bodyStopped = false;
  }
  private endDirection(d: Direction): void {
    const s = this.dir(d);
    s.complete = true;
    if (d === 'response' && this.inLocalReply === false && this.localReply) this.finish();
  }

  // ------------------------------------------------------------------ hostcall-driven actions (run after the VM call)

  /** proxy_continue_stream (deferred). */
  continueStream(d: Direction): void {
    if (this.finished || this.localReply || this.resetReason || this.bypass) return;
    const s = this.dir(d);
    this.vm.enter(() => {
      if (s.headersHeld) {
        this.releaseHeaders(s, d);
        const hadPending = s.pending.length > 0 || s.pendingEos;
        const body = concat(s.pending);
        s.pending = NO_CHUNKS;
        const trailers = s.pendingTrailers;
        s.pendingTrailers = null;
        if (hadPending) this.deliverBody(d, body, s.pendingEos && !trailers);
        if (trailers && !this.done) this.deliverTrailers(d, trailers);
        else if (!hadPending && !trailers && s.endStream) this.endDirection(d);
        return;
      }
      if (s.stopIteration) this.releaseHeaders(s, d);
      if (s.trailersHeld) {
        s.trailersHeld = false;
        s.trailersAvail = false;
        this.flushBuffered(s);
        s.trailersForwarded = true;
        this.endDirection(d);
        return;
      }
      if (s.bodyStopped || s.buffered) {
        this.flushBuffered(s);
        if (s.endStream && !s.trailers) this.endDirection(d);
      }
      s.headersAvail = false;
    });
  }

  /** proxy_send_local_response: forces Stop now, sends after the VM call. */
  queueLocalReply(r: { status: number; details: string; body: Uint8Array; headers: HeaderMap; grpcStatus: number }): void {
    this.stopNext = true;
    this.vm.defer(() => this.sendLocalReply(r));
  }

  private isGrpcRequest(): boolean {
    return (this.req.headers?.getLower('content-type') ?? '').startsWith('application/grpc');
  }

  private sendLocalReply(r: { status: number; details: string; body: Uint8Array; headers: HeaderMap; grpcStatus: number }): void {
    this.stopNext = false;
    if (this.finished || this.resetReason) return;
    if (this.inLocalReply || this.localReply) {
      this.resetStream('local_reply_during_local_reply'); // [inferred]
      return;
    }
    const details = r.details.includes(' ') ? r.details.replace(/ /g, '_') : r.details;
    const grpcStatus = r.grpcStatus >= 0 && r.grpcStatus <= 16 ? r.grpcStatus : null;
    if (this.res.headersForwarded) {
      this.resetStream(details); // too late for a reply: Envoy can only reset
      return;
    }
    // (keys written lower-case as they are: no lowerKey pass per reply)
    // (array literals: exactly sized, where pushes into an empty array would reserve 17 slots)
    let e: Entry[];
    let body = r.body;
    let status = r.status;
    if (this.isGrpcRequest()) {
      // [inferred] Envoy turns local replies to gRPC requests into trailers-only responses.
      status = 200;
      e = [statusEntry(200), ['content-type', 'application/grpc'], ['grpc-status', String(grpcStatus ?? HTTP_TO_GRPC[r.status] ?? 2)]];
      if (body.length) e.push(['grpc-message', Buffer.from(body).toString('latin1')]);
      body = EMPTY;
    } else if (body.length === 0) e = [statusEntry(status)];
    else if (r.headers.getLower('content-type')) e = [statusEntry(status), contentLengthEntry(body.length)];
    else e = [statusEntry(status), contentLengthEntry(body.length), TEXT_PLAIN];
    const extra = r.headers.entries;
    for (let i = 0; i < extra.length; i++) e.push(extra[i]); // appended (addCopy); keys already lower-case
    const h = new HeaderMap();
    h.entries = e;
    const reply = new GuestLocalReply(r.status, r.body, r.headers, details, grpcStatus);
    this.localReply = reply;
    this.responseCode = status;
    this.responseCodeDetails = details;
    // The decoder side stops; the reply runs through the encoder chain incl. this filter [inferred §6.9].
    this.req.headersHeld = false;
    this.req.pending = NO_CHUNKS;
    const res = this.res;
    res.reset();
    this.inLocalReply = true;
    const vm = this.vm;
    vm.begin();
    try {
      const name = 'proxy_on_response_headers';
      res.headers = h;
      res.headersAvail = true;
      res.endStream = body.length === 0;
      const raw = this.bypass ? 0 : vm.env.abi === '0.1.0' ? this.call(name, 2, this.id, h.size) : this.call(name, 3, this.id, h.size, body.length === 0 ? 1 : 0);
      const action = raw === null ? 'Continue' : headersAction(raw ?? 0, this.root.info.allowOnHeadersStopIteration, false);
      this.record(name, raw, action);
      if (action === 'Continue') {
        this.releaseHeaders(res, 'response');
        if (body.length) this.deliverBody('response', body, true);
        else res.complete = true;
      } else {
        res.headersHeld = true;
        if (body.length) { res.hold(body); res.pendingEos = true; }
      }
    } finally {
      vm.end();
    }
    this.inLocalReply = false;
    reply.sentHeaders = h;
    if (res.complete) this.finish();
  }

  /** proxy_close_stream / reset: no more filter callbacks except on_log/on_done/on_delete. */
  resetStream(details: string): void {
    if (this.finished) return;
    this.resetReason = details;
    this.responseCodeDetails ||= details;
    this.finish();
  }

  /** Stream end: on_log, on_done (result ignored), on_delete. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.created && !this.bypass && !this.vm.failed) {
      const vm = this.vm;
      vm.begin();
      try {
        this.logPhase = true;
        this.call('proxy_on_log', 1, this.id);
        this.logPhase = false;
        this.call('proxy_on_done', 1, this.id);
        this.call('proxy_on_delete', 1, this.id);
      } finally {
        vm.end();
      }
    }
    this.deleted = true;
    this.vm.contexts.delete(this.id);
  }

  /** When an earlier filter replied before decodeHeaders: context create → on_log → on_done → on_delete. */
  finishWithoutHeaders(): void {
    if (this.finished) return;
    this.vm.enter(() => this.ensureCreated());
    this.finish();
  }

  // ------------------------------------------------------------------ views used by hostcalls

  /** In on_log: the header maps are a read-only snapshot. */
  get inLogPhase(): boolean { return this.logPhase; }

  /**
   * The map `mt` (0..3) as a hostcall may read it now, or null when it is not available. In on_log:
   * request headers, response headers and trailers (read-only); request trailers: none.
   */
  readableMap(mt: number): HeaderMap | null {
    if (this.logPhase) return mt === 0 ? this.req.headers : mt === 2 ? this.res.headers : mt === 3 ? this.res.trailers : null;
    return this.writableMap(mt);
  }

  /** The map `mt` (0..3) if a hostcall may change it now (never in on_log). */
  writableMap(mt: number): HeaderMap | null {
    if (this.logPhase) return null;
    const s = mt === 0 || mt === 1 ? this.req : this.res;
    if (mt === 0 || mt === 2) return s.headersAvail ? s.headers : null;
    return s.trailersAvail ? s.trailers : null;
  }

  /** Trailers can be created in the last body callback when none exist (mt 1 or 3). */
  canCreateTrailers(mt: number): boolean {
    if (this.logPhase || mt === 0 || mt === 2) return false;
    const s = mt === 1 ? this.req : this.res;
    if (s.trailersAvail && s.trailers) return false;
    return !!s.current && s.inLastBody && !s.trailers;
  }

  createTrailers(mt: number): HeaderMap {
    const s = mt === 1 ? this.req : this.res;
    s.trailers = new HeaderMap();
    s.trailersAvail = true;
    return s.trailers;
  }

  bodyView(bt: number): { bytes: Uint8Array; set: (b: Uint8Array) => void } {
    const s = bt === 0 ? this.req : this.res;
    if (s.current) return { bytes: s.current, set: (b) => { s.current = b; } };
    if (s.buffered) return { bytes: s.buffered, set: (b) => { s.buffered = b; } };
    return { bytes: new Uint8Array(0), set: () => {} };
  }

  /** request.* / response.* / connection ids derived from the stream; null = not a derived name. */
  derivedProperty(path: string[]): PropertyValue | undefined | 'object' | null {
    const B = (v: string | undefined): PropertyValue | undefined => (v === undefined ? undefined : { type: 'bytes', value: Buffer.from(v, 'latin1') });
    const [top, sub, key] = path;
    if (top === 'connection_id' && path.length === 1) return { type: 'uint', value: BigInt(this.connectionId) };
    if (top === 'request') {
      if (path.length === 1) return 'object';
      if (sub === 'protocol') return { type: 'string', value: this.protocol };
      if (sub === 'time') return { type: 'timestamp', value: this.startNs };
      if (sub === 'duration') return this.finished || this.logPhase ? { type: 'duration', value: this.vm.env.process.clock.nowNs() - this.startNs } : undefined;
      if (sub === 'size' || sub === 'total_size') {
        if (!this.req.complete && !this.logPhase) return undefined;
        const cl = this.req.headers?.get('content-length');
        return { type: 'int', value: BigInt(sub === 'size' && cl ? Number(cl) : this.req.bytesReceived) };
      }
      const h = this.req.headersAvail || this.logPhase ? this.req.headers : null;
      const hdr: Record<string, string> = { path: ':path', host: ':authority', scheme: ':scheme', method: ':method', referer: 'referer', useragent: 'user-agent', id: 'x-request-id' };
      if (sub in hdr) return path.length === 2 && h ? B(h.get(hdr[sub])) : undefined;
      if (sub === 'url_path' || sub === 'query') {
        const p = h?.get(':path');
        if (p === undefined || path.length !== 2) return undefined;
        const i = p.indexOf('?');
        return B(sub === 'url_path' ? (i < 0 ? p : p.slice(0, i)) : i < 0 ? '' : p.slice(i + 1));
      }
      if (sub === 'headers') return h ? headerProp(h, path.length, key) : undefined;
      return null;
    }
    if (top === 'response') {
      if (path.length === 1) return 'object';
      if (sub === 'code') return this.responseCode !== null && (this.res.headersForwarded || this.logPhase || this.localReply) ? { type: 'int', value: BigInt(this.responseCode) } : undefined;
      if (sub === 'code_details') return this.responseCodeDetails ? { type: 'string', value: this.responseCodeDetails } : undefined;
      if (sub === 'headers') { const h = this.res.headersAvail || this.logPhase ? this.res.headers : null; return h ? headerProp(h, path.length, key) : undefined; }
      if (sub === 'trailers') { const t = this.res.trailersAvail || this.logPhase ? this.res.trailers : null; return t ? headerProp(t, path.length, key) : undefined; }
      if (sub === 'grpc_status') {
        const g = this.res.trailers?.get('grpc-status') ?? this.res.headers?.get('grpc-status');
        return g === undefined ? undefined : { type: 'int', value: BigInt(Number(g)) };
      }
      if (sub === 'size' || sub === 'total_size') return this.res.complete || this.logPhase ? { type: 'int', value: BigInt(this.res.bytesReceived) } : undefined;
      return null;
    }
    return null;
  }
}

function headerProp(h: HeaderMap, len: number, key: string | undefined): PropertyValue | undefined {
  if (len === 2) {
    const keys = [...new Set(h.entries.map(([k]) => k))];
    return { type: 'map', value: keys.map((k) => [k, { type: 'bytes', value: Buffer.from(h.getAll(k).join(','), 'latin1') }]) };
  }
  if (len !== 3 || key === undefined) return undefined;
  const all = h.getAll(key);
  return all.length ? { type: 'bytes', value: Buffer.from(all.join(','), 'latin1') } : undefined;
}

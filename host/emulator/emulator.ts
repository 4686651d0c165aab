// Test-facing API over the runtime: load a module like Envoy, drive HTTP streams, answer callouts,
// move the virtual clock, and inspect logs, metrics, shared data, route-cache clears, traps.
import { readFileSync } from 'node:fs';
import { WasmResult, WasmResultName, LogLevel, type LogLevelName } from '../abi/enums.ts';
import { toPropertyValue } from '../abi/properties.ts';
import { latin1AsUtf8, toHeaderMap, type HeadersInit } from '../runtime/headers.ts';
import type { GrpcCallRequest, GrpcStreamEvent, HttpCallRequest, HttpCallResponse } from '../runtime/callouts.ts';
import { HttpStream, type LocalReply, type StreamAction } from '../runtime/http-stream.ts';
import { Plugin, PluginStartError, type PluginOptions, type RouteCacheClear } from '../runtime/plugin.ts';
import type { CallbackRecord, HostcallRecord, LogEntry, PropertyMap, PropertyValue, TrapInfo } from '../runtime/types.ts';

export interface StrictOptions {
  /** Expected non-Ok results: "proxy_name" (any status) or "proxy_name:NotFound" / "proxy_name:1". */
  allow?: string[];
}

export interface EmulatorOptions extends Omit<PluginOptions, 'wasm'> {
  /** Path to a .wasm file or its bytes. */
  wasm: string | Uint8Array;
  /** Fail the driving call on any unexpected non-Ok hostcall status or trap. Default false. */
  strict?: boolean | StrictOptions;
}

export class StrictModeError extends Error {
  constructor(readonly violations: string[]) {
    super(`strict mode: ${violations.length} unexpected result(s):\n  ${violations.join('\n  ')}`);
    this.name = 'StrictModeError';
  }
}

const statusOf = (s: string | number): number => (typeof s === 'number' ? s : /^\d+$/.test(s) ? Number(s) : (WasmResult as Record<string, number>)[s]);

export class Emulator {
  /** Load, validate (Envoy's load rules) and start a plugin (base VM, canary, workers). */
  static async load(opts: EmulatorOptions): Promise<EmulatedPlugin> {
    return Emulator.loadSync(opts);
  }
  static loadSync(opts: EmulatorOptions): EmulatedPlugin {
    const wasm = typeof opts.wasm === 'string' ? new Uint8Array(readFileSync(opts.wasm)) : opts.wasm;
    return new EmulatedPlugin({ ...opts, wasm }, opts.strict);
  }
}

export interface HttpOptions {
  /** Worker index, 0-based. Default 0. */
  worker?: number;
  /** Stream attributes: dotted keys → values (`source.address`, `connection.mtls`, `xds.route_name`, …). */
  properties?: PropertyMap;
  protocol?: string;
  connectionId?: number;
}

export class EmulatedPlugin {
  readonly runtime: Plugin;
  private strict: StrictOptions | null;
  private allowed: Array<{ name: string; status: number | null }> = [];
  private violations: string[] = [];

  constructor(opts: PluginOptions, strict: boolean | StrictOptions | undefined) {
    this.runtime = new Plugin(opts);
    this.strict = strict ? (strict === true ? {} : strict) : null;
    for (const a of this.strict?.allow ?? []) this.allowStatus(a);
    // Only in strict mode: an observer makes every hostcall build a record (the untraced path is cheaper).
    if (this.strict) this.runtime.onHostcall = (r) => {
      if (!this.strict || r.status === undefined || r.status === WasmResult.Ok) return;
      if (r.name.startsWith('fd_') || r.name.startsWith('clock_') || r.name.startsWith('random_') || r.name.startsWith('environ') || r.name.startsWith('args_')) return;
      if (this.allowed.some((a) => a.name === r.name && (a.status === null || a.status === r.status))) return;
      this.violations.push(`${r.name}(${r.args.join(', ')}) → ${WasmResultName[r.status] ?? r.status}${r.note ? ` [${r.note}]` : ''} on ${r.vmLabel} context ${r.contextId}`);
    };
    this.runtime.onTrap = (t) => {
      if (this.strict) this.violations.push(`trap in ${t.callback} on ${t.vmLabel}: ${t.message}\n${t.stack}`);
    };
    try {
      this.guard(() => this.runtime.start());
    } catch (e) {
      if (e instanceof PluginStartError) {
        // Envoy logs the guest's own reason separately; carry it on the error so a test can assert it.
        e.logs = [...this.runtime.logs];
        const reasons = e.logs.filter((l) => l.level >= LogLevel.error).map((l) => l.message);
        if (reasons.length) e.message += `\nguest logged: ${reasons.join(' | ')}`;
      }
      throw e;
    }
  }

  /** Whitelist an expected non-Ok status for strict mode: "proxy_x", "proxy_x:NotFound" or (name, status). */
  allowStatus(name: string, status?: string | number): this {
    if (status === undefined && name.includes(':')) [name, status] = name.split(':') as [string, string];
    this.allowed.push({ name, status: status === undefined ? null : statusOf(status) });
    return this;
  }

  /** Run a driving operation, then surface strict-mode violations. */
  guard<T>(fn: () => T): T {
    const r = fn();
    this.runtime.process.drain();
    if (this.violations.length) {
      const v = this.violations;
      this.violations = [];
      throw new StrictModeError(v);
    }
    return r;
  }

  // ------------------------------------------------------------------ streams
  http(opts: HttpOptions = {}): HttpStreamHandle {
    const props = new Map<string, PropertyValue>();
    if (opts.properties) for (const k of Object.keys(opts.properties)) props.set(k, toPropertyValue(opts.properties[k]));
    const s = this.runtime.newStream(opts.worker ?? 0, { properties: props, protocol: opts.protocol, connectionId: opts.connectionId });
    // Not kept here: a test or benchmark running millions of streams must not grow the emulator.
    return new HttpStreamHandle(this, s, opts.worker ?? 0);
  }

  // ------------------------------------------------------------------ observation
  /** Emitted log entries (at or above the configured level) unless includeSuppressed. */
  logs(filter: { level?: LogLevelName; worker?: number; contains?: string; includeSuppressed?: boolean; source?: LogEntry['source'] } = {}): LogEntry[] {
    return this.runtime.logs.filter((e) =>
      (filter.includeSuppressed || e.emitted) &&
      (filter.level === undefined || e.level === LogLevel[filter.level]) &&
      (filter.worker === undefined || e.worker === filter.worker) &&
      (filter.source === undefined || e.source === filter.source) &&
      (filter.contains === undefined || e.message.includes(filter.contains)));
  }
  /** Just the messages. */
  logMessages(filter: Parameters<EmulatedPlugin['logs']>[0] = {}): string[] { return this.logs(filter).map((e) => e.message); }

  /** Value of a custom metric by the name the guest defined (counter/gauge value; histogram: sample count). */
  metric(name: string): number | undefined {
    const s = this.runtime.process.stats.get('wasmcustom.' + name);
    if (!s) return undefined;
    return s.type === 'histogram' ? s.samples.length : Number(s.value);
  }
  metricInfo(name: string) { return this.runtime.process.stats.get('wasmcustom.' + name); }

  sharedData(key: string, vmId = this.runtime.info.vmId): { value: string; bytes: Uint8Array; cas: number } | undefined {
    const v = this.runtime.process.getSharedData(vmId, Buffer.from(key).toString('latin1'));
    return v && { value: Buffer.from(v.value).toString('utf8'), bytes: v.value, cas: v.cas };
  }
  setSharedData(key: string, value: string | Uint8Array, vmId = this.runtime.info.vmId): void {
    this.runtime.process.setSharedData(vmId, Buffer.from(key).toString('latin1'), typeof value === 'string' ? new Uint8Array(Buffer.from(value)) : value, 0);
  }
  /** Enqueue from outside (another process member); delivery is posted and run before returning. */
  enqueue(token: number, data: string | Uint8Array): boolean {
    return this.guard(() => this.runtime.process.enqueue(token, typeof data === 'string' ? new Uint8Array(Buffer.from(data)) : data));
  }

  /** Route cache clears (all, or of one stream): kind 'mutation' (§10.9) or 'foreign' (clear_route_cache). */
  routeCacheClears(stream?: HttpStreamHandle): RouteCacheClear[] {
    return this.runtime.routeCacheClears.filter((r) => !stream || (r.streamId === stream.id && r.worker === stream.worker));
  }

  /** Every callback the host made, in order ({worker, vmLabel, name, args, result}). worker -1 base, -2 canary. */
  callbacks(filter: { worker?: number; name?: string } = {}): CallbackRecord[] {
    return this.runtime.callbacks.filter((c) => (filter.worker === undefined || c.worker === filter.worker) && (filter.name === undefined || c.name === filter.name));
  }
  hostcalls(filter: { worker?: number; name?: string } = {}): HostcallRecord[] {
    return this.runtime.hostcalls.filter((c) => (filter.worker === undefined || c.worker === filter.worker) && (filter.name === undefined || c.name === filter.name));
  }
  get traps(): TrapInfo[] { return this.runtime.traps; }
  failed(worker = 0): boolean { return this.runtime.workers[worker].vm.failed; }
  memoryPages(worker = 0): number { return this.runtime.workers[worker].vm.pages(); }
  rootContextId(worker = 0): number { return this.runtime.workers[worker].root.id; }
  get workers(): number { return this.runtime.workers.length; }

  // ------------------------------------------------------------------ callouts
  pendingHttpCalls(): HttpCallRequest[] { return this.runtime.callouts.list().filter((c): c is HttpCallRequest => c.kind === 'http'); }
  respondHttpCall(token: number, resp: HttpCallResponse = {}, worker?: number): void {
    this.guard(() => this.runtime.callouts.respondHttp(this.runtime.callouts.find(token, worker), resp));
  }
  /** Transport failure: callback with (0,0,0) and get_status → (BrokenConnection, "reset"). */
  failHttpCall(token: number, worker?: number): void {
    this.guard(() => this.runtime.callouts.respondHttp(this.runtime.callouts.find(token, worker), null));
  }
  pendingGrpcCalls(): GrpcCallRequest[] { return this.runtime.callouts.list().filter((c): c is GrpcCallRequest => c.kind !== 'http'); }
  /** Unary call: a response message, or {status, message} to close with an error. */
  respondGrpcCall(token: number, result: string | Uint8Array | { status: number; message?: string }, worker?: number): void {
    const r = typeof result === 'string' ? new Uint8Array(Buffer.from(result)) : result;
    this.guard(() => this.runtime.callouts.respondGrpcUnary(this.runtime.callouts.find(token, worker), r));
  }
  /** Stream events: initial metadata, messages, trailing metadata, close. */
  grpcStreamEvent(token: number, ev: GrpcStreamEvent, worker?: number): void {
    this.guard(() => this.runtime.callouts.grpcStreamEvent(this.runtime.callouts.find(token, worker), ev));
  }
  closeGrpc(token: number, status = 0, message = '', worker?: number): void {
    this.grpcStreamEvent(token, { type: 'close', status, message }, worker);
  }

  // ------------------------------------------------------------------ time, lifecycle
  advance(ms: number): void { this.guard(() => this.runtime.advance(ms)); }
  nowMs(): number { return this.runtime.process.clock.nowMs(); }
  reconfigure(update: Parameters<Plugin['reconfigure']>[0]): void { this.guard(() => this.runtime.reconfigure(update)); }
  drainOldRoots(): void { this.guard(() => this.runtime.drainOldRoots()); }
  shutdown(): void { this.guard(() => this.runtime.shutdown()); }
  setLogLevel(level: LogLevelName): void { this.runtime.logLevel = LogLevel[level]; }
}

export interface SendOptions { endOfStream?: boolean }

export class HttpStreamHandle {
  constructor(readonly plugin: EmulatedPlugin, readonly stream: HttpStream, readonly worker: number) {}
  get id(): number { return this.stream.id; }

  sendRequestHeaders(h: HeadersInit, o: SendOptions = {}): StreamAction {
    return this.plugin.guard(() => this.stream.headers('request', toHeaderMap(h), o.endOfStream ?? false));
  }
  sendRequestBody(b: string | Uint8Array, o: SendOptions = {}): StreamAction {
    return this.plugin.guard(() => this.stream.data('request', bytes(b), o.endOfStream ?? false));
  }
  sendRequestTrailers(t: HeadersInit): StreamAction {
    return this.plugin.guard(() => this.stream.trailers('request', toHeaderMap(t)));
  }
  sendResponseHeaders(h: HeadersInit, o: SendOptions = {}): StreamAction {
    return this.plugin.guard(() => this.stream.headers('response', toHeaderMap(h), o.endOfStream ?? false));
  }
  sendResponseBody(b: string | Uint8Array, o: SendOptions = {}): StreamAction {
    return this.plugin.guard(() => this.stream.data('response', bytes(b), o.endOfStream ?? false));
  }
  sendResponseTrailers(t: HeadersInit): StreamAction {
    return this.plugin.guard(() => this.stream.trailers('response', toHeaderMap(t)));
  }
  /** Stream end (access log + destroy): on_log, on_done, on_delete. Idempotent. */
  complete(): void { this.plugin.guard(() => this.stream.finish()); }
  /** The stream is reset (client went away, upstream reset): no further callbacks but on_log/on_done/on_delete. */
  reset(details = 'downstream_remote_disconnect'): void { this.plugin.guard(() => this.stream.resetStream(details)); }
  /** An earlier filter replied before decodeHeaders: create → on_log → on_done → on_delete. */
  replyBeforeFilter(): void { this.plugin.guard(() => this.stream.finishWithoutHeaders()); }

  /** Current request headers as the filter left them (UTF-8 decoded). */
  requestHeaders(): Array<[string, string]> { return this.stream.req.headers?.toPairs() ?? []; }
  requestHeader(name: string): string | undefined { return this.stream.req.headers?.getAll(name).map(dec).join(',') || undefined; }
  /** Body forwarded upstream so far. */
  requestBody(): string { return Buffer.concat(this.stream.req.forwardedBody).toString('utf8'); }
  requestBodyBytes(): Uint8Array { return Buffer.concat(this.stream.req.forwardedBody); }
  requestTrailers(): Array<[string, string]> | null { return this.stream.req.trailers?.toPairs() ?? null; }
  responseHeaders(): Array<[string, string]> { return this.stream.res.headers?.toPairs() ?? []; }
  responseHeader(name: string): string | undefined { return this.stream.res.headers?.getAll(name).map(dec).join(',') || undefined; }
  responseBody(): string { return Buffer.concat(this.stream.res.forwardedBody).toString('utf8'); }
  responseBodyBytes(): Uint8Array { return Buffer.concat(this.stream.res.forwardedBody); }
  responseTrailers(): Array<[string, string]> | null { return this.stream.res.trailers?.toPairs() ?? null; }
  /** Headers went upstream (filter continued). */
  get requestHeadersForwarded(): boolean { return this.stream.req.headersForwarded; }
  get requestComplete(): boolean { return this.stream.req.complete; }
  get responseHeadersForwarded(): boolean { return this.stream.res.headersForwarded; }
  get responseComplete(): boolean { return this.stream.res.complete; }
  get localReply(): LocalReply | null { return this.stream.localReply; }
  get resetReason(): string | null { return this.stream.resetReason; }
  get finished(): boolean { return this.stream.finished; }
  /** Values stored by proxy_set_property (key without the "wasm." prefix). */
  property(name: string): string | undefined {
    const v = this.stream.filterState.get('wasm.' + name);
    return v && Buffer.from(v.value).toString('utf8');
  }
  /** set_envoy_filter_state foreign-function values, by path. */
  envoyFilterState(path: string): { value: string; span: number } | undefined {
    const v = this.stream.envoyFilterState.get(path);
    return v && { value: Buffer.from(v.value).toString('utf8'), span: v.span };
  }
  /** [{callback, raw, action}] for this stream (empty with recordLimit 0). */
  get actions() { return this.stream.actions; }
}

const bytes = (b: string | Uint8Array) => (typeof b === 'string' ? new Uint8Array(Buffer.from(b)) : b);
const dec = latin1AsUtf8;

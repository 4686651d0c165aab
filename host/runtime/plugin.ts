// A Wasm HTTP filter config as Envoy runs it: base VM, canary, one VM per worker, root contexts
// (§6.1), config updates (§6.2), shutdown, failure policies (§6.12), streams.
import { assertLoadable, type ModuleCheck } from '../wasm/validate.ts';
import type { AbiVersion } from '../wasm/envoy-abi.ts';
import { LogLevel, type LogLevelName } from '../abi/enums.ts';
import { toPropertyValue, type PropertyValue } from '../abi/properties.ts';
import { CalloutRegistry, type CalloutHandler } from './callouts.ts';
import { HttpStream, NO_OPTIONS, type StreamOptions } from './http-stream.ts';
import { ProcessState } from './process.ts';
import { cancelTimer } from './timers.ts';
import type { CallbackRecord, FailurePolicy, HostcallRecord, LogEntry, PluginInfo, PropertyMap, RootCtx, TrapInfo } from './types.ts';
import { WasmVm, type VmEnv } from './vm.ts';

/** The one place the host asks host/wasm whether Envoy would load the module. */
export function checkModule(bytes: Uint8Array, newestCppHost = false): ModuleCheck {
  return assertLoadable(bytes, { newestCppHost });
}

export interface PluginOptions {
  /** Module bytes (validated like Envoy's loader). */
  wasm: Uint8Array;
  name?: string;
  rootId?: string;
  vmId?: string;
  vmConfig?: string | Uint8Array;
  pluginConfig?: string | Uint8Array;
  failurePolicy?: FailurePolicy;
  allowOnHeadersStopIteration?: boolean;
  /** Worker VMs (Envoy --concurrency). Default 1. */
  workers?: number;
  /** Run the canary root on a throw-away VM first (Envoy does). Default true. */
  canary?: boolean;
  /** Known upstream clusters for http_call / gRPC. */
  clusters?: string[] | Record<string, unknown>;
  /** Attributes visible from every context (e.g. `xds.node`, `xds.cluster_name`). Dotted keys. */
  properties?: PropertyMap;
  /** vm_config.environment_variables (WASI environ). */
  envVars?: Record<string, string>;
  /** Envoy `wasm` logger level. Default 'trace' (Envoy's default is 'info'). */
  logLevel?: LogLevelName | number;
  /** Model the newest cpp-host (extra WASI stubs, __main_void). */
  newestCppHost?: boolean;
  /** Share shared-data / queues / stats / clock with other plugins of the same process. */
  process?: ProcessState;
  callouts?: CalloutHandler;
  /** FAIL_RELOAD backoff (reload_config.backoff.base_interval). Default 1000 ms. */
  reloadBackoffMs?: number;
  /**
   * How many entries each record (logs, hostcalls, callbacks, route-cache clears) keeps; older ones are
   * dropped, so a long-running plugin (benchmarks, the dev gateway) does not grow without bound.
   * Default 100,000; 0 records nothing (strict mode still sees every hostcall).
   */
  recordLimit?: number;
}

/** Append to a bounded record: past `limit`, the oldest half is dropped (amortised O(1)). */
export function recordBounded<T>(list: T[], item: T, limit: number): void {
  if (limit <= 0) return;
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - Math.floor(limit / 2));
}

export class PluginStartError extends Error {
  /** The plugin's log lines up to the failure (e.g. the guest's reason for rejecting its config). */
  logs: LogEntry[] = [];
  constructor(message: string, readonly trap?: TrapInfo) {
    super(message);
    this.name = 'PluginStartError';
  }
}

export interface Worker {
  index: number;
  vm: WasmVm;
  /** Current root context (new streams attach here). */
  root: RootCtx;
  /** Roots of replaced configs still alive (draining or pending proxy_done). */
  oldRoots: RootCtx[];
  failedAtMs: number | null;
  /** VM instances this worker has had (FAIL_RELOAD adds one per reload). */
  generation: number;
}

export interface RouteCacheClear { worker: number; streamId: number; kind: 'mutation' | 'foreign' }

export class Plugin {
  readonly process: ProcessState;
  readonly module: WebAssembly.Module;
  readonly check: ModuleCheck;
  readonly abi: AbiVersion;
  info: PluginInfo;
  readonly callouts = new CalloutRegistry();
  readonly workers: Worker[] = [];
  base: WasmVm | null = null;
  readonly canaries: WasmVm[] = [];
  private readonly opts: PluginOptions;
  private readonly env: VmEnv;
  private readonly globals: Map<string, PropertyValue>;
  logLevel: number;

  // records
  readonly logs: LogEntry[] = [];
  readonly hostcalls: HostcallRecord[] = [];
  readonly callbacks: CallbackRecord[] = [];
  readonly traps: TrapInfo[] = [];
  readonly routeCacheClears: RouteCacheClear[] = [];
  /** Observers (the emulator's strict mode). Setting onHostcall turns hostcall records on. */
  private hostcallObserver: ((r: HostcallRecord) => void) | null = null;
  get onHostcall(): ((r: HostcallRecord) => void) | null { return this.hostcallObserver; }
  set onHostcall(f: ((r: HostcallRecord) => void) | null) {
    this.hostcallObserver = f;
    this.env.hostcallsRecorded = this.recordLimit > 0 || f !== null;
  }
  /** recordLimit: 0 keeps no records (and the hot paths then build none). */
  readonly recordLimit: number;
  onTrap: ((t: TrapInfo) => void) | null = null;

  constructor(opts: PluginOptions) {
    this.opts = opts;
    this.check = checkModule(opts.wasm, opts.newestCppHost);
    this.abi = this.check.abiVersion!;
    this.module = new WebAssembly.Module(opts.wasm as Uint8Array<ArrayBuffer>);
    this.process = opts.process ?? new ProcessState();
    const bytes = (v: string | Uint8Array | undefined) => (typeof v === 'string' ? new Uint8Array(Buffer.from(v)) : v ?? new Uint8Array(0));
    this.info = {
      name: opts.name ?? '',
      rootId: opts.rootId ?? '',
      vmId: opts.vmId ?? '',
      vmConfig: bytes(opts.vmConfig),
      pluginConfig: bytes(opts.pluginConfig),
      failurePolicy: opts.failurePolicy ?? 'FAIL_CLOSED',
      allowOnHeadersStopIteration: opts.allowOnHeadersStopIteration ?? false,
    };
    this.logLevel = typeof opts.logLevel === 'number' ? opts.logLevel : LogLevel[opts.logLevel ?? 'trace'];
    this.globals = new Map(Object.entries(opts.properties ?? {}).map(([k, v]) => [k, toPropertyValue(v)]));
    const clusters = new Set(Array.isArray(opts.clusters) ? opts.clusters : Object.keys(opts.clusters ?? {}));
    if (opts.callouts) this.callouts.handler = opts.callouts;
    this.callouts.afterDelivery = () => this.process.drain();
    const self = this;
    const limit = opts.recordLimit ?? 100_000;
    this.recordLimit = limit;
    this.env = {
      process: this.process,
      abi: this.abi,
      allocator: this.check.allocator!,
      vmId: this.info.vmId,
      vmConfig: this.info.vmConfig,
      envVars: opts.envVars ?? {},
      newestCppHost: opts.newestCppHost ?? false,
      logLevel: () => self.logLevel,
      log: (e) => recordBounded(self.logs, e, limit),
      logsRecorded: limit > 0,
      hostcall: (r) => { recordBounded(self.hostcalls, r, limit); self.onHostcall?.(r); },
      callback: (r) => recordBounded(self.callbacks, r, limit),
      hostcallsRecorded: limit > 0,
      callbacksRecorded: limit > 0,
      trap: (t) => { self.traps.push(t); self.onTrap?.(t); },
      callouts: this.callouts,
      clusters,
      globalProperties: () => self.globals,
      routeCacheCleared: (streamId, kind) => {
        if (limit <= 0) return;
        const w = self.workers.find((x) => x.vm.ctx(streamId)) ?? null;
        recordBounded(self.routeCacheClears, { worker: w?.index ?? -1, streamId, kind }, limit);
      },
      onVmFailed: (vm) => {
        const w = self.workers.find((x) => x.vm === vm);
        if (w) w.failedAtMs = self.process.clock.nowMs();
        self.callouts.cancelVm(vm);
      },
    };
  }

  // ------------------------------------------------------------------ start (§6.1)

  start(): this {
    const base = new WasmVm(this.env, -1, 'base');
    this.base = base;
    if (!base.instantiate(this.module) || !base.runStart()) {
      throw new PluginStartError(`Wasm VM failed to start: ${base.failure?.message}`, base.failure ?? undefined);
    }
    if (this.opts.canary ?? true) this.runCanary(this.info);
    const n = this.opts.workers ?? 1;
    for (let i = 0; i < n; i++) {
      const vm = this.newInstance(i, `worker${i}`);
      const root = this.startRoot(vm, this.info);
      this.workers.push({ index: i, vm, root, oldRoots: [], failedAtMs: null, generation: 1 });
    }
    this.process.drain();
    return this;
  }

  private newInstance(worker: number, label: string): WasmVm {
    const vm = new WasmVm(this.env, worker, label);
    if (!vm.instantiate(this.module) || !vm.runStart()) {
      throw new PluginStartError(`Wasm VM failed to start (${label}): ${vm.failure?.message}`, vm.failure ?? undefined);
    }
    return vm;
  }

  private runCanary(info: PluginInfo): void {
    const vm = this.newInstance(-2, `canary${this.canaries.length}`);
    this.canaries.push(vm);
    const root = this.startRoot(vm, info);
    // Dropped without on_done/on_delete: silence its timers and callouts.
    root.state = 'deleted';
    cancelTimer(vm, root);
    this.callouts.cancelVm(vm);
  }

  /** on_context_create(R,0) → on_vm_start(R, vm_cfg_len) → on_configure(R, plugin_cfg_len). Throws on failure. */
  private startRoot(vm: WasmVm, info: PluginInfo): RootCtx {
    const id = vm.allocContextId();
    const root: RootCtx = {
      kind: 'root', id, info, canary: vm.worker === -2, state: 'starting', tickPeriodMs: 0,
      status: null, inConfigure: false, httpCallResponse: null, grpcCurrent: null,
    };
    vm.contexts.set(id, root);
    let error: string | null = null;
    vm.enter(() => {
      const c = vm.callExport('proxy_on_context_create', id, [id, 0]);
      if (!c.ok) { error = 'proxy_on_context_create trapped'; return; }
      const s = vm.callExport('proxy_on_vm_start', id, [id, info.vmConfig.length]);
      if (!s.ok) { error = 'proxy_on_vm_start trapped'; return; }
      if (!s.missing && s.value === 0) { error = 'proxy_on_vm_start returned false'; return; }
      root.inConfigure = true;
      const f = vm.callExport('proxy_on_configure', id, [id, info.pluginConfig.length]);
      root.inConfigure = false;
      if (!f.ok) { error = 'proxy_on_configure trapped'; return; }
      if (!f.missing && f.value === 0) error = 'proxy_on_configure returned false';
    });
    if (error) {
      root.state = 'deleted';
      cancelTimer(vm, root);
      throw new PluginStartError(`Unable to create Wasm HTTP filter ${info.name}: ${error} (${vm.label})${vm.failure ? `: ${vm.failure.message}` : ''}`, vm.failure ?? undefined);
    }
    if (root.state === 'starting') root.state = 'active';
    return root;
  }

  // ------------------------------------------------------------------ config update (§6.2)

  /** New plugin config / name / root_id on the same VMs: canary, then a new root on every worker. */
  reconfigure(update: { pluginConfig?: string | Uint8Array; name?: string; rootId?: string; allowOnHeadersStopIteration?: boolean; failurePolicy?: FailurePolicy }): void {
    const info: PluginInfo = {
      ...this.info,
      name: update.name ?? this.info.name,
      rootId: update.rootId ?? this.info.rootId,
      pluginConfig: update.pluginConfig === undefined ? this.info.pluginConfig
        : typeof update.pluginConfig === 'string' ? new Uint8Array(Buffer.from(update.pluginConfig)) : update.pluginConfig,
      allowOnHeadersStopIteration: update.allowOnHeadersStopIteration ?? this.info.allowOnHeadersStopIteration,
      failurePolicy: update.failurePolicy ?? this.info.failurePolicy,
    };
    if (this.opts.canary ?? true) this.runCanary(info);
    for (const w of this.workers) {
      if (w.vm.failed) continue;
      const root = this.startRoot(w.vm, info);
      w.oldRoots.push(w.root);
      w.root = root;
    }
    this.info = info;
    this.process.drain();
  }

  /** The old filter config is destroyed: on_done on replaced roots (§6.2). */
  drainOldRoots(): void {
    for (const w of this.workers) {
      for (const r of w.oldRoots) this.shutdownRoot(w.vm, r);
      w.oldRoots = w.oldRoots.filter((r) => r.state !== 'deleted');
    }
    this.process.drain();
  }

  /** Tear everything down: on_done (→ on_delete, or pending until proxy_done) for every root. */
  shutdown(): void {
    for (const w of this.workers) {
      for (const r of [...w.oldRoots, w.root]) this.shutdownRoot(w.vm, r);
    }
    this.process.drain();
  }

  private shutdownRoot(vm: WasmVm, root: RootCtx): void {
    if (root.state === 'deleted' || root.state === 'pendingDone' || vm.failed) return;
    root.state = 'draining';
    vm.enter(() => {
      const r = vm.callExport('proxy_on_done', root.id, [root.id]);
      if (!r.ok) return;
      if (r.missing || r.value !== 0) {
        root.state = 'deleted';
        vm.callExport('proxy_on_delete', root.id, [root.id]);
        vm.contexts.delete(root.id);
      } else {
        root.state = 'pendingDone';
      }
    });
    if ((root.state as RootCtx['state']) === 'deleted') {
      cancelTimer(vm, root);
      this.callouts.cancelRoot(vm, root);
    }
  }

  // ------------------------------------------------------------------ streams

  /** A new HTTP stream on `worker`, applying the failure policy if that worker's VM failed. */
  newStream(worker = 0, opts: StreamOptions = NO_OPTIONS): HttpStream {
    const w = this.workers[worker];
    if (!w) throw new Error(`no worker ${worker} (workers: ${this.workers.length})`);
    if (w.vm.failed) {
      const policy = this.info.failurePolicy;
      if (policy === 'FAIL_OPEN') return new HttpStream(w.vm, w.root, opts, true);
      if (policy === 'FAIL_RELOAD' && this.process.clock.nowMs() - (w.failedAtMs ?? 0) >= (this.opts.reloadBackoffMs ?? 1000)) {
        this.reload(w);
      }
    }
    return new HttpStream(w.vm, w.root, opts);
  }

  private reload(w: Worker): void {
    const vm = this.newInstance(w.index, `worker${w.index}.${w.generation}`);
    const root = this.startRoot(vm, this.info);
    w.vm = vm;
    w.root = root;
    w.oldRoots = [];
    w.failedAtMs = null;
    w.generation++;
  }

  /** Advance the virtual clock, firing ticks/timeouts in time order; then run posted tasks. */
  advance(ms: number): void {
    this.process.clock.advance(ms);
    this.process.drain();
  }
}

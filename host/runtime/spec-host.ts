// The host's real hostcalls for a module that someone else instantiates — the as-pect runner, which
// compiles SDK specs into its own test module. Everything runs against one root context of one VM
// (properties, shared data, queues, metrics, time, logs, foreign functions, buffers 6/7), so SDK
// internals are unit-tested on the same implementation the emulator and the dev gateway use.
import { LogLevel, type LogLevelName } from '../abi/enums.ts';
import { toPropertyValue } from '../abi/properties.ts';
/** A property value as tests give it: string, number, bigint, boolean, bytes, or a map of these. */
type PropertyInput = unknown;
import { CalloutRegistry } from './callouts.ts';
import { HttpStream } from './http-stream.ts';
import { ProcessState } from './process.ts';
import type { HostcallRecord, LogEntry, PluginInfo, RootCtx } from './types.ts';
import { WasmVm } from './vm.ts';

export interface SpecHostOptions {
  name?: string;
  rootId?: string;
  vmId?: string;
  vmConfig?: string;
  pluginConfig?: string;
  logLevel?: LogLevelName;
  /** Attributes visible from the root context (dotted keys). */
  properties?: Record<string, PropertyInput>;
  clusters?: string[];
}

export class SpecHost {
  process = new ProcessState();
  readonly logs: LogEntry[] = [];
  readonly hostcalls: HostcallRecord[] = [];
  logLevel: number;
  readonly vm: WasmVm;
  readonly info: PluginInfo;
  private globals: Map<string, ReturnType<typeof toPropertyValue>>;
  root: RootCtx | null = null;

  constructor(opts: SpecHostOptions = {}) {
    const enc = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? ''));
    this.info = {
      name: opts.name ?? 'spec', rootId: opts.rootId ?? 'spec', vmId: opts.vmId ?? 'spec',
      vmConfig: enc(opts.vmConfig), pluginConfig: enc(opts.pluginConfig),
      failurePolicy: 'FAIL_CLOSED', allowOnHeadersStopIteration: false,
    };
    this.logLevel = LogLevel[opts.logLevel ?? 'info'];
    this.globals = new Map(Object.entries(opts.properties ?? {}).map(([k, v]) => [k, toPropertyValue(v)]));
    const self = this;
    this.vm = new WasmVm({
      get process() { return self.process; },
      abi: '0.2.1',
      allocator: 'proxy_on_memory_allocate',
      vmId: this.info.vmId,
      vmConfig: this.info.vmConfig,
      envVars: {},
      newestCppHost: false,
      logLevel: () => self.logLevel,
      log: (e) => self.logs.push(e),
      hostcall: (r) => self.hostcalls.push(r),
      callback: () => {},
      hostcallsRecorded: true,
      logsRecorded: true,
      callbacksRecorded: false,
      trap: () => {},
      callouts: new CalloutRegistry(),
      clusters: new Set(opts.clusters ?? []),
      globalProperties: () => self.globals,
      routeCacheCleared: () => {},
      onVmFailed: () => {},
    }, 0, 'spec');
  }

  /** The host's functions for the proxy-wasm and WASI imports of `module` (other imports are left to the runner). */
  imports(module: WebAssembly.Module): WebAssembly.Imports {
    const all = this.vm.importObject(module);
    const out: WebAssembly.Imports = {};
    for (const [ns, fns] of Object.entries(all)) {
      for (const [name, fn] of Object.entries(fns as Record<string, unknown>)) {
        const ours = ns.startsWith('wasi_') || (ns === 'env' && (name.startsWith('proxy_') || name === 'emscripten_notify_memory_growth' || name === 'pthread_equal'));
        if (ours && typeof fn === 'function') ((out[ns] ??= {}) as Record<string, unknown>)[name] = fn;
      }
    }
    return out;
  }

  /**
   * Take the runner's instance. The current context becomes an HTTP stream of a fresh root context,
   * as inside an HTTP callback after the request headers (stream info exists: set_property works).
   */
  adopt(instance: WebAssembly.Instance): void {
    this.vm.adopt(instance);
    this.freshContexts();
  }

  /** A clean state for the next test: new process-wide state, records, log level, root and stream. */
  reset(logLevel: LogLevelName = 'info'): void {
    this.process = new ProcessState();
    this.logs.length = 0;
    this.hostcalls.length = 0;
    this.logLevel = LogLevel[logLevel];
    this.vm.contexts.clear();
    this.freshContexts();
  }

  private freshContexts(): void {
    const id = this.vm.allocContextId();
    this.root = {
      kind: 'root', id, info: this.info, canary: false, state: 'active', tickPeriodMs: 0,
      status: null, inConfigure: false, httpCallResponse: null, grpcCurrent: null,
    };
    this.vm.contexts.set(id, this.root);
    const stream = new HttpStream(this.vm, this.root);
    this.vm.contexts.set(stream.id, stream.ctx);
    this.vm.current = this.vm.effective = stream.id;
  }

  /** Make the plugin configuration readable (buffer 7), as inside proxy_on_configure. */
  setInConfigure(on: boolean): void { if (this.root) this.root.inConfigure = on; }
  setProperty(path: string, value: PropertyInput): void { this.globals.set(path, toPropertyValue(value)); }
}

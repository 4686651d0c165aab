// One envoy.filters.http.wasm entry of a listener's chain: its plugin (base VM, canary, N worker VMs)
// and its configuration, which can be replaced at runtime the way Envoy applies an ECDS update:
//   - same code / vm_id / vm configuration → the new plugin configuration goes to the same VMs (a new
//     root context on the canary first, then on every worker: on_configure); streams already running
//     stay on the old root, which is drained when they end;
//   - otherwise → a new plugin (new VMs) started beside the old one and swapped in.
// If the canary (or a worker) rejects the config, nothing changes and the caller gets a NACK with the
// reason (the guest's own error log lines included), as Envoy NACKs an ECDS update.
import { createHash } from 'node:crypto';
import { LogLevel, type LogLevelName } from '../abi/enums.ts';
import type { CalloutHandler } from '../runtime/callouts.ts';
import { HttpStream } from '../runtime/http-stream.ts';
import { Plugin, PluginStartError } from '../runtime/plugin.ts';
import type { ProcessState } from '../runtime/process.ts';
import type { LogEntry } from '../runtime/types.ts';
import { toPropertyValue } from '../abi/properties.ts';
import type { WasmFilterConfig } from './config/types.ts';

export interface WasmFilterEnv {
  process: ProcessState;
  workers: number;
  clusters: string[];
  callouts: CalloutHandler;
  logLevel: LogLevelName;
  /** Every emitted guest log line (Envoy's `wasm` logger). */
  log: (e: LogEntry) => void;
  /** Called after a callout answer or timer ran guest code (streams may have moved on). */
  progress: () => void;
}

export type ApplyResult = { ok: true } | { ok: false; error: string };

const vmKey = (c: WasmFilterConfig) => createHash('sha256').update(c.code).update('\0' + c.vmId + '\0').update(c.vmConfiguration)
  .update(JSON.stringify(Object.entries(c.envVars).sort())).digest('hex');

/** Envoy has no log hook for us to call; the runtime records logs in a bounded list — tap its pushes. */
function tapLogs(p: Plugin, sink: (e: LogEntry) => void): void {
  const list = p.logs;
  const push = list.push.bind(list);
  list.push = (...items: LogEntry[]) => { for (const e of items) if (e.emitted) sink(e); return push(...items); };
}

export class WasmFilter {
  /** null: no configuration yet (ECDS without a default) → requests get Envoy's 500 "missing config". */
  plugin: Plugin | null = null;
  config: WasmFilterConfig | null = null;
  /** Plugins replaced by a code change, shut down once their last stream ends. */
  private retired = new Map<Plugin, number>();
  private inFlight = new Map<Plugin, number>();
  private pendingDrain = false;

  constructor(readonly name: string, private readonly env: WasmFilterEnv) {}

  /** Apply a configuration (initial, or an update). On failure the previous one stays. */
  apply(c: WasmFilterConfig): ApplyResult {
    const logStart = new Set<LogEntry>();
    try {
      if (this.plugin && this.config && vmKey(this.config) === vmKey(c)) {
        const p = this.plugin;
        p.logs.forEach((e) => logStart.add(e));
        p.reconfigure({ pluginConfig: c.configuration, name: c.name, rootId: c.rootId, failurePolicy: c.failurePolicy });
        this.config = c;
        this.pendingDrain = true;
        this.maybeDrain(p);
        return { ok: true };
      }
      const p = new Plugin({
        wasm: c.code, name: c.name, rootId: c.rootId, vmId: c.vmId, vmConfig: c.vmConfiguration, pluginConfig: c.configuration,
        failurePolicy: c.failurePolicy, workers: this.env.workers, clusters: this.env.clusters, process: this.env.process,
        callouts: this.env.callouts, envVars: c.envVars, logLevel: this.env.logLevel, recordLimit: 1000,
      });
      tapLogs(p, this.env.log);
      p.callouts.afterDelivery = () => { p.process.drain(); this.env.progress(); };
      try {
        p.start();
      } catch (e) {
        throw Object.assign(e as Error, { plugin: p });
      }
      const old = this.plugin;
      this.plugin = p;
      this.config = c;
      if (old) { this.retired.set(old, 1); this.maybeShutdown(old); }
      return { ok: true };
    } catch (e) {
      const p = (e as { plugin?: Plugin }).plugin ?? this.plugin;
      const reasons = (p?.logs ?? []).filter((l) => !logStart.has(l) && l.level >= LogLevel.error).map((l) => l.message);
      const msg = e instanceof PluginStartError || e instanceof Error ? e.message : String(e);
      return { ok: false, error: reasons.length ? `${msg}; guest logged: ${reasons.join(' | ')}` : msg };
    }
  }

  /** A stream on `worker` (null when there is no configuration). */
  newStream(worker: number, properties: Record<string, unknown>, connectionId?: number): { stream: HttpStream; release: () => void } | null {
    const p = this.plugin;
    if (!p) return null;
    const props = new Map(Object.entries(properties).map(([k, v]) => [k, toPropertyValue(v)]));
    const stream = p.newStream(worker % p.workers.length, { properties: props, protocol: 'HTTP/1.1', connectionId });
    this.inFlight.set(p, (this.inFlight.get(p) ?? 0) + 1);
    let released = false;
    return {
      stream,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(p, (this.inFlight.get(p) ?? 1) - 1);
        this.maybeDrain(p);
        this.maybeShutdown(p);
      },
    };
  }

  /** The replaced roots get on_done once no stream uses this plugin (Envoy: the old filter config is destroyed). */
  private maybeDrain(p: Plugin): void {
    if (this.pendingDrain && p === this.plugin && (this.inFlight.get(p) ?? 0) === 0) {
      this.pendingDrain = false;
      p.drainOldRoots();
    }
  }

  private maybeShutdown(p: Plugin): void {
    if (this.retired.has(p) && (this.inFlight.get(p) ?? 0) === 0) {
      this.retired.delete(p);
      this.inFlight.delete(p);
      p.shutdown();
    }
  }

  shutdown(): void {
    for (const p of [...this.retired.keys(), this.plugin]) p?.shutdown();
    this.retired.clear();
  }
}

// Process-wide state shared by all VMs of one "Envoy process": shared data, shared queues, stats.
import { VirtualClock } from './clock.ts';

export interface SharedValue { value: Uint8Array; cas: number }

export interface QueueReceiver {
  /** Deliver proxy_on_queue_ready(root, token) asynchronously (posted). */
  notify(token: number): void;
}

interface Queue { token: number; vmId: string; name: string; items: Uint8Array[]; receiver: QueueReceiver | null }

export type StatType = 'counter' | 'gauge' | 'histogram';
export interface Stat { name: string; type: StatType; value: bigint; samples: bigint[] }

export class ProcessState {
  readonly clock: VirtualClock;
  private data = new Map<string, Map<string, SharedValue>>();
  private cas = 0;
  private queues = new Map<number, Queue>();
  private queueByName = new Map<string, number>();
  private nextQueueToken = 1;
  readonly stats = new Map<string, Stat>();
  /** Tasks posted to "dispatchers" (queue notifications, …); run by drain(). */
  private posted: Array<() => void> = [];

  constructor(clock = new VirtualClock()) {
    this.clock = clock;
  }

  // ---- shared data (§4.1, §10.18)
  private nextCas(): number {
    this.cas = (this.cas + 1) >>> 0;
    if (this.cas === 0) this.cas = 1;
    return this.cas;
  }
  getSharedData(vmId: string, key: string): SharedValue | undefined {
    return this.data.get(vmId)?.get(key);
  }
  /** Returns false on CAS mismatch. `owned`: value is a fresh copy the caller gives away (no second copy). */
  setSharedData(vmId: string, key: string, value: Uint8Array, cas: number, owned = false): boolean {
    let ns = this.data.get(vmId);
    if (!ns) this.data.set(vmId, (ns = new Map()));
    const cur = ns.get(key);
    if (cur && cas !== 0 && cas !== cur.cas) return false;
    ns.set(key, { value: owned ? value : value.slice(), cas: this.nextCas() });
    return true;
  }
  sharedDataKeys(vmId: string): string[] { return [...(this.data.get(vmId)?.keys() ?? [])]; }

  // ---- shared queues (§4.1, §10.19)
  registerQueue(vmId: string, name: string, receiver: QueueReceiver): number {
    const k = `${vmId}\u0000${name}`;
    let token = this.queueByName.get(k);
    if (token === undefined) {
      token = this.nextQueueToken++;
      this.queueByName.set(k, token);
      this.queues.set(token, { token, vmId, name, items: [], receiver });
    } else {
      this.queues.get(token)!.receiver = receiver;
    }
    return token;
  }
  resolveQueue(vmId: string, name: string): number | undefined {
    return this.queueByName.get(`${vmId}\u0000${name}`);
  }
  enqueue(token: number, data: Uint8Array): boolean {
    const q = this.queues.get(token);
    if (!q) return false;
    q.items.push(data.slice());
    const r = q.receiver;
    if (r) this.post(() => r.notify(token));
    return true;
  }
  /** undefined = unknown token; null = empty. */
  dequeue(token: number): Uint8Array | null | undefined {
    const q = this.queues.get(token);
    if (!q) return undefined;
    return q.items.shift() ?? null;
  }
  queueInfo(token: number) {
    const q = this.queues.get(token);
    return q && { token, vmId: q.vmId, name: q.name, pending: q.items.length };
  }

  // ---- stats
  stat(name: string, type: StatType): Stat {
    let s = this.stats.get(name);
    if (!s) this.stats.set(name, (s = { name, type, value: 0n, samples: [] }));
    return s;
  }

  // ---- posted tasks (asynchronous delivery)
  post(task: () => void): void { this.posted.push(task); }
  /** Run posted tasks until none are left (tasks may post more). */
  drain(limit = 10000): void {
    let n = 0;
    while (this.posted.length && n++ < limit) this.posted.shift()!();
  }
  get hasPosted(): boolean { return this.posted.length > 0; }
}

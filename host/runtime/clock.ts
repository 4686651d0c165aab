// Virtual clock: drives proxy_get_current_time_nanoseconds, WASI clock_time_get and timers.

export interface Timer {
  id: number;
  due: number; // ms on the virtual clock
  fire: () => void;
}

export class VirtualClock {
  /** Wall-clock ms since the Unix epoch. */
  private wallMs: number;
  /** Monotonic ms since the clock was created. */
  private monoMs = 0;
  private timers = new Map<number, Timer>();
  private nextId = 1;
  private seq = 0;
  private order = new Map<number, number>();

  constructor(startWallMs = Date.UTC(2025, 0, 1)) {
    this.wallMs = startWallMs;
  }

  nowMs(): number { return this.wallMs; }
  nowNs(): bigint {
    // The same value until the clock moves: computed once per tick, not per hostcall.
    if (this.nsOf !== this.wallMs) { this.nsOf = this.wallMs; this.ns = BigInt(Math.round(this.wallMs * 1000)) * 1000n; }
    return this.ns;
  }
  private nsOf = NaN;
  private ns = 0n;
  monotonicNs(): bigint { return BigInt(Math.round(this.monoMs * 1000)) * 1000n; }

  /** Schedule `fire` at now + delayMs; returns an id for cancel(). */
  schedule(delayMs: number, fire: () => void): number {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.monoMs + delayMs, fire });
    this.order.set(id, this.seq++);
    return id;
  }
  cancel(id: number | undefined): void {
    if (id !== undefined) this.timers.delete(id);
  }

  /** Advance by `ms`, firing due timers in time order (ties in scheduling order). */
  advance(ms: number): void {
    const target = this.monoMs + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers.values()) {
        if (t.due > target) continue;
        if (!next || t.due < next.due || (t.due === next.due && this.order.get(t.id)! < this.order.get(next.id)!)) next = t;
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.wallMs += next.due - this.monoMs;
      this.monoMs = next.due;
      next.fire();
    }
    this.wallMs += target - this.monoMs;
    this.monoMs = target;
  }
}

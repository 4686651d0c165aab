// A small open-addressing hash table from u32 ids (callout tokens) to objects.
// One probe sequence per lookup; much smaller and faster than ~lib/map for this use.
// Linear probing; deleted slots become tombstones, cleaned up when the table is rebuilt.
// Id 0 (the VM context / "no token") is never stored: set(0) is ignored, get(0) is null.
// Ids must be < 0xFFFFFFFF (that value marks tombstones); Envoy's ids and tokens are small.

const TOMB: u32 = 0xFFFFFFFF;

export class IdTable<T> {
  private keys: StaticArray<u32> = new StaticArray<u32>(16);
  private vals: StaticArray<T | null> = new StaticArray<T | null>(16);
  private used: i32 = 0; // live + tombstones
  private live: i32 = 0;

  get size(): i32 {
    return this.live;
  }

  /** Number of slots; with keyAt/valueAt, for walking the table (key 0 or 0xFFFFFFFF = no entry). */
  get capacity(): i32 {
    return this.keys.length;
  }
  keyAt(i: i32): u32 {
    return this.keys[i];
  }
  valueAt(i: i32): T | null {
    const k = this.keys[i];
    return k == 0 || k == TOMB ? null : unchecked(this.vals[i]);
  }

  /** Slot of `k`, or -1. */
  private find(k: u32): i32 {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = <i32>(k * 0x9E3779B1 >>> 16) & mask;
    while (true) {
      const kk = unchecked(keys[i]);
      if (kk == k) return i;
      if (kk == 0) return -1;
      i = (i + 1) & mask;
    }
  }

  get(k: u32): T | null {
    if (k == 0 || k == TOMB) return null;
    const i = this.find(k);
    return i < 0 ? null : unchecked(this.vals[i]);
  }

  set(k: u32, v: T): void {
    if (k == 0 || k == TOMB) return;
    if ((this.used + 1) * 4 > this.keys.length * 3) this.rebuild();
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = <i32>(k * 0x9E3779B1 >>> 16) & mask;
    let tomb = -1;
    // one probe: stop at the key (update) or at an empty slot (insert, reusing a tombstone seen)
    while (true) {
      const kk = unchecked(keys[i]);
      if (kk == k) {
        unchecked(this.vals[i] = v);
        return;
      }
      if (kk == 0) break;
      if (kk == TOMB && tomb < 0) tomb = i;
      i = (i + 1) & mask;
    }
    if (tomb >= 0) i = tomb;
    else this.used++;
    unchecked(keys[i] = k);
    unchecked(this.vals[i] = v);
    this.live++;
  }

  /** Remove `k`; returns the removed value or null. */
  delete(k: u32): T | null {
    if (k == 0 || k == TOMB) return null;
    const i = this.find(k);
    if (i < 0) return null;
    const keys = this.keys;
    const mask = keys.length - 1;
    const v = unchecked(this.vals[i]);
    unchecked(this.vals[i] = null);
    this.live--;
    if (unchecked(keys[(i + 1) & mask]) == 0) {
      // end of a probe chain: free this slot and any tombstones right before it
      let j = i;
      do {
        unchecked(keys[j] = 0);
        this.used--;
        j = (j - 1) & mask;
      } while (unchecked(keys[j]) == TOMB);
    } else {
      unchecked(keys[i] = TOMB);
    }
    return v;
  }

  /** Re-insert live entries into a table sized for them (drops tombstones). */
  private rebuild(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const n = oldKeys.length;
    let cap = 16;
    while (cap * 3 < (this.live + 1) * 8) cap <<= 1; // keep load ≤ 3/8 after rebuild
    const keys = new StaticArray<u32>(cap);
    const vals = new StaticArray<T | null>(cap);
    const mask = cap - 1;
    for (let j = 0; j < n; j++) {
      const k = unchecked(oldKeys[j]);
      if (k == 0 || k == TOMB) continue;
      let i = <i32>(k * 0x9E3779B1 >>> 16) & mask;
      while (unchecked(keys[i]) != 0) i = (i + 1) & mask;
      unchecked(keys[i] = k);
      unchecked(vals[i] = unchecked(oldVals[j]));
    }
    this.keys = keys;
    this.vals = vals;
    this.used = this.live;
  }
}

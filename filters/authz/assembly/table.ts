// Flat hash tables for the per-request lookups. The policy can hold 100,000 rights: as objects (a Map
// of strings per service, a Grant object per client and right) the garbage collector visits every one
// of them on each cycle, so the per-request cost grew with the policy. Here a whole table is a handful
// of arrays of plain numbers and one byte pool, whatever its size, and a lookup takes the request's
// bytes as they are (pointer + length): no string is built to ask a question.

import { decodeUtf8 } from "../../../sdk";

/** FNV-1a over bytes. */
@inline function hashBytes(p: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 0x01000193;
  return h;
}

/** Finalizer of a 64-bit key (murmur3 fmix64), folded to 32 bits. */
@inline function hash64(k: u64): u32 {
  k ^= k >> 33; k *= 0xff51afd7ed558ccd; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53; k ^= k >> 33;
  return <u32>k;
}

function grownI32(a: StaticArray<i32>, need: i32): StaticArray<i32> {
  if (need <= a.length) return a;
  let cap = a.length < 8 ? 8 : a.length;
  while (cap < need) cap <<= 1;
  const b = new StaticArray<i32>(cap);
  memory.copy(changetype<usize>(b), changetype<usize>(a), <usize>a.length << 2);
  return b;
}

function grownU8(a: StaticArray<u8>, need: i32): StaticArray<u8> {
  if (need <= a.length) return a;
  let cap = a.length < 64 ? 64 : a.length;
  while (cap < need) cap <<= 1;
  const b = new StaticArray<u8>(cap);
  memory.copy(changetype<usize>(b), changetype<usize>(a), <usize>a.length);
  return b;
}

/** UTF-8 of a configure-time key (findUtf8/addUtf8), in one reused buffer. */
let scratch = new StaticArray<u8>(64);
function toScratch(s: string): i32 {
  const n = s.length;
  scratch = grownU8(scratch, n);
  const p = changetype<usize>(scratch);
  for (let i = 0; i < n; i++) { // ASCII (the common id) copied as is
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const m = String.UTF8.byteLength(s);
      scratch = grownU8(scratch, m);
      String.UTF8.encodeUnsafe(changetype<usize>(s), n, changetype<usize>(scratch));
      return m;
    }
    store<u8>(p + <usize>i, <u8>c);
  }
  return n;
}

/** A set of byte strings, each with a dense index 0..size-1 in insertion order. */
export class KeyTable {
  private pool: StaticArray<u8> = new StaticArray<u8>(0);
  private poolLen: i32 = 0;
  private start: StaticArray<i32> = new StaticArray<i32>(0);
  private len: StaticArray<i32> = new StaticArray<i32>(0);
  private hash: StaticArray<i32> = new StaticArray<i32>(0);
  /** Open addressing (linear probing): entry index + 1, 0 = empty; length a power of two. */
  private slots: StaticArray<i32> = new StaticArray<i32>(16);
  size: i32 = 0;

  /** Index of the key p[0, n), or -1. */
  find(p: usize, n: i32): i32 {
    const h = hashBytes(p, n);
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = <i32>h & mask;
    while (true) {
      const e = unchecked(slots[s]) - 1;
      if (e < 0) return -1;
      if (unchecked(this.hash[e]) == <i32>h && unchecked(this.len[e]) == n
        && memory.compare(changetype<usize>(this.pool) + <usize>unchecked(this.start[e]), p, <usize>n) == 0) return e;
      s = (s + 1) & mask;
    }
  }

  /** Copies an ASCII key to the free end of the pool (not yet an entry) and returns its address. */
  private stage(key: string): usize {
    const n = key.length;
    this.pool = grownU8(this.pool, this.poolLen + n);
    const base = changetype<usize>(this.pool) + <usize>this.poolLen;
    for (let i = 0; i < n; i++) store<u8>(base + <usize>i, <u8>key.charCodeAt(i));
    return base;
  }

  /** Index of a string key, or -1 (configure time; allocates nothing; non-ASCII keys are never in). */
  findKey(key: string): i32 {
    const n = key.length;
    for (let i = 0; i < n; i++) if (<u32>key.charCodeAt(i) >= 0x80) return -1;
    return this.find(this.stage(key), n);
  }

  /** Index of the ASCII string key, added when absent. Configure time only. */
  add(key: string): i32 {
    const n = key.length;
    const found = this.find(this.stage(key), n);
    return found >= 0 ? found : this.enter(n);
  }

  /** Index of any string key by its UTF-8 bytes, or -1 (configure time). */
  findUtf8(key: string): i32 { return this.find(changetype<usize>(scratch), toScratch(key)); }

  /** Index of any string key by its UTF-8 bytes, added when absent (configure time). */
  addUtf8(key: string): i32 {
    const n = toScratch(key);
    const found = this.find(changetype<usize>(scratch), n);
    if (found >= 0) return found;
    this.pool = grownU8(this.pool, this.poolLen + n);
    memory.copy(changetype<usize>(this.pool) + <usize>this.poolLen, changetype<usize>(scratch), <usize>n);
    return this.enter(n);
  }

  /** Makes the n bytes staged at the pool's free end an entry. */
  private enter(n: i32): i32 {
    const at = this.poolLen;
    const e = this.size;
    this.poolLen = at + n;
    this.start = grownI32(this.start, e + 1);
    this.len = grownI32(this.len, e + 1);
    this.hash = grownI32(this.hash, e + 1);
    unchecked((this.start[e] = at));
    unchecked((this.len[e] = n));
    unchecked((this.hash[e] = <i32>hashBytes(changetype<usize>(this.pool) + <usize>at, n)));
    this.size = e + 1;
    if ((e + 1) * 2 > this.slots.length) this.rehash(this.slots.length << 1);
    else this.place(e);
    return e;
  }

  /** The key of entry `e` as a string (logs and messages). */
  keyOf(e: i32): string {
    return decodeUtf8(changetype<usize>(this.pool) + <usize>unchecked(this.start[e]), <usize>unchecked(this.len[e]));
  }

  private place(e: i32): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = unchecked(this.hash[e]) & mask;
    while (unchecked(slots[s]) != 0) s = (s + 1) & mask;
    unchecked((slots[s] = e + 1));
  }

  private rehash(cap: i32): void {
    this.slots = new StaticArray<i32>(cap);
    for (let e = 0; e < this.size; e++) this.place(e);
  }
}

/** A map from a pair of non-negative i32 (a, b) to an i32 value. */
export class PairTable {
  private keys: StaticArray<u64> = new StaticArray<u64>(16);
  private vals: StaticArray<i32> = new StaticArray<i32>(16);
  /** 0 = empty slot, else 1. */
  private used: StaticArray<u8> = new StaticArray<u8>(16);
  size: i32 = 0;

  @inline private static key(a: i32, b: i32): u64 { return (<u64><u32>a << 32) | <u64><u32>b; }

  /** The value for (a, b), or -1. */
  get(a: i32, b: i32): i32 {
    const k = PairTable.key(a, b);
    const mask = this.keys.length - 1;
    let s = <i32>hash64(k) & mask;
    while (unchecked(this.used[s])) {
      if (unchecked(this.keys[s]) == k) return unchecked(this.vals[s]);
      s = (s + 1) & mask;
    }
    return -1;
  }

  set(a: i32, b: i32, v: i32): void {
    const k = PairTable.key(a, b);
    const mask = this.keys.length - 1;
    let s = <i32>hash64(k) & mask;
    while (unchecked(this.used[s])) {
      if (unchecked(this.keys[s]) == k) { unchecked((this.vals[s] = v)); return; }
      s = (s + 1) & mask;
    }
    unchecked((this.keys[s] = k));
    unchecked((this.vals[s] = v));
    unchecked((this.used[s] = 1));
    this.size++;
    if (this.size * 2 > this.keys.length) this.rehash(this.keys.length << 1);
  }

  /** Slot-wise access to every value (configure time): slots 0..capacity-1, -1 for an empty slot. */
  get capacity(): i32 { return this.keys.length; }
  valueAtSlot(s: i32): i32 { return unchecked(this.used[s]) ? unchecked(this.vals[s]) : -1; }
  setValueAtSlot(s: i32, v: i32): void { unchecked((this.vals[s] = v)); }

  private rehash(cap: i32): void {
    const ok = this.keys, ov = this.vals, ou = this.used;
    this.keys = new StaticArray<u64>(cap);
    this.vals = new StaticArray<i32>(cap);
    this.used = new StaticArray<u8>(cap);
    const mask = cap - 1;
    for (let i = 0; i < ok.length; i++) {
      if (!unchecked(ou[i])) continue;
      const k = unchecked(ok[i]);
      let s = <i32>hash64(k) & mask;
      while (unchecked(this.used[s])) s = (s + 1) & mask;
      unchecked((this.keys[s] = k));
      unchecked((this.vals[s] = unchecked(ov[i])));
      unchecked((this.used[s] = 1));
    }
  }
}

/** A growable list of i32 (configure time), read by index at request time. */
export class IntList {
  data: StaticArray<i32> = new StaticArray<i32>(0);
  length: i32 = 0;
  push(v: i32): i32 {
    const i = this.length;
    this.data = grownI32(this.data, i + 1);
    unchecked((this.data[i] = v));
    this.length = i + 1;
    return i;
  }
  @inline at(i: i32): i32 { return unchecked(this.data[i]); }
  @inline setAt(i: i32, v: i32): void { unchecked((this.data[i] = v)); }
}

/** A growable list of i64. */
export class LongList {
  data: StaticArray<i64> = new StaticArray<i64>(0);
  length: i32 = 0;
  push(v: i64): i32 {
    const i = this.length;
    if (i >= this.data.length) {
      const cap = this.data.length < 8 ? 8 : this.data.length << 1;
      const b = new StaticArray<i64>(cap);
      memory.copy(changetype<usize>(b), changetype<usize>(this.data), <usize>this.data.length << 3);
      this.data = b;
    }
    unchecked((this.data[i] = v));
    this.length = i + 1;
    return i;
  }
  @inline at(i: i32): i64 { return unchecked(this.data[i]); }
}

/** Strings kept as UTF-8 in one byte pool (no object per string): right ids, decoded only for logs. */
export class StringPool {
  private pool: StaticArray<u8> = new StaticArray<u8>(0);
  private poolLen: i32 = 0;
  private ends: IntList = new IntList();
  push(s: string): i32 {
    const n = String.UTF8.byteLength(s);
    const at = this.poolLen;
    this.pool = grownU8(this.pool, at + n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, changetype<usize>(this.pool) + <usize>at);
    this.poolLen = at + n;
    return this.ends.push(at + n);
  }
  get(i: i32): string {
    const from = i == 0 ? 0 : this.ends.at(i - 1);
    return decodeUtf8(changetype<usize>(this.pool) + <usize>from, <usize>(this.ends.at(i) - from));
  }
}

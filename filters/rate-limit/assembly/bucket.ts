// Token buckets in shared data, one bucket per descriptor key, shared by every worker VM of the proxy.
//
// Envoy's shared data (ABI 0.2.1) has no delete, so the number of keys is bounded by a fixed table of
// `max_keys` slots ("rate-limit.slot.<n>"), created at configure by the first VM (see createSlots). A descriptor key hashes (FNV-1a +
// Murmur3 finaliser) to a home slot and probes up to PROBES consecutive slots. A slot holds one bucket and the key it belongs to:
//   u64 level (scaled: tokens × unit ms)  u64 last refill (ms)  u64 capacity (scaled)  u32 requests_per_unit
//   u32 key length  key bytes
// Refill is exact integer arithmetic: every elapsed millisecond adds requests_per_unit scaled units and a
// token is unit-ms scaled units (100/minute: one token every 600 ms, to the millisecond).
// A slot whose bucket has refilled to capacity is indistinguishable from a new bucket, so it is reclaimed
// by the next key that needs a slot: a new key takes the first free (empty or reclaimable) slot of its
// probe sequence. Slots are never emptied again, so a key is never past the first empty slot of its
// sequence: a search stops there (a new key costs a few reads, not PROBES). When every probed slot holds
// a bucket that is still refilling, the key is past the bound: the caller applies failure_mode_deny and
// counts it.
// Every write is a compare-and-swap on the value read; a mismatch (another worker VM wrote in between)
// re-reads and decides again, at most max_cas_retries times.
import { ReusedBuffer } from "./buffer";
import { WasmResult } from "../../../sdk";
import * as hc from "../../../sdk/hostcalls";
import { OUT_PTR, OUT_SIZE, freeResult } from "../../../sdk/runtime/memory";

/** The probe window. Linear probing at load 0.5 (max_keys = 2 × the active keys) needs more than 16
 *  probes for ~4 keys in 10,000, more than 32 for ~1 in 250,000 (simulated); a search stops at the
 *  first empty slot, so the window only costs reads when the table is nearly full. */
export const PROBES: u32 = 32;
const HEADER: usize = 32;
/** An empty slot: a record with key length 0. */
const EMPTY: usize = memory.data(<i32>HEADER);

export const OK = 0, FAIL_CAS = 1, FAIL_OVERFLOW = 2, FAIL_HOST = 3;

export class Outcome {
  allowed: bool = false;
  /** FAIL_* when no decision could be made (allowed is then meaningless). */
  failure: i32 = OK;
  /** Whole tokens left after this request. */
  remaining: u64 = 0;
  /** Seconds until the next token is added (0 when full). */
  resetSeconds: u64 = 0;
  /** Denied: seconds until one token is available (at least 1). */
  retryAfterSeconds: u64 = 0;
  casRetries: u32 = 0;
  reclaimed: bool = false;
}

// Slot keys "rate-limit.slot.<n>" are written into one static buffer (prefix once, digits per use):
// no string per probe.
const SLOT_PREFIX = "rate-limit.slot.";
const SLOT_PREFIX_LEN: usize = 16;
const SLOT_KEY: usize = memory.data(<i32>SLOT_PREFIX_LEN + 10);
let slotKeyReady = false;

/** The key of slot `i` at SLOT_KEY; its length. */
function slotKey(i: u32): usize {
  if (!slotKeyReady) {
    for (let j = 0; j < <i32>SLOT_PREFIX_LEN; j++) store<u8>(SLOT_KEY + <usize>j, <u8>SLOT_PREFIX.charCodeAt(j));
    slotKeyReady = true;
  }
  let n: usize = 1;
  for (let v = i; v >= 10; v /= 10) n++;
  let p = SLOT_KEY + SLOT_PREFIX_LEN + n;
  let v = i;
  do {
    store<u8>(--p, <u8>(48 + v % 10));
    v /= 10;
  } while (v != 0);
  return SLOT_PREFIX_LEN + n;
}

/** The record a write sends: header + key. */
const record = new ReusedBuffer();

/** Shared data counts created for `maxKeys` slots: set once every slot exists, so the VMs that start
 *  later (one per worker) see it and skip the table. */
const MARKER = "rate-limit.slots";

/**
 * Create every slot that does not exist yet (cas 0 on a missing key is the ABI's only create). The first
 * VM does the work; a VM that finds the marker for at least `maxKeys` slots has nothing to do.
 */
export function createSlots(maxKeys: u32): bool {
  const m = hc.getSharedData(MARKER);
  if (m !== null && m.byteLength == 4 && load<u32>(changetype<usize>(m)) >= maxKeys) return true;
  for (let i: u32 = 0; i < maxKeys; i++) {
    const kn = slotKey(i);
    const r = hc.getSharedDataRaw(SLOT_KEY, kn);
    if (r == WasmResult.Ok) { freeResult(load<usize>(OUT_PTR)); continue; }
    if (r != WasmResult.NotFound) return false;
    if (hc.setSharedDataRaw(SLOT_KEY, kn, EMPTY, HEADER, 0) != WasmResult.Ok) return false;
  }
  const count = new ArrayBuffer(4);
  store<u32>(changetype<usize>(count), maxKeys);
  return hc.setSharedData(MARKER, count, 0) == WasmResult.Ok;
}

/** FNV-1a, 32-bit, over the key's bytes, then MurmurHash3's finaliser (keys differing in a few
 *  digits must spread over the whole table, not cluster). */
export function slotHash(p: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 0x01000193;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

@inline function ceilDiv(a: u64, b: u64): u64 { return (a + b - 1) / b; }

/** Level after refilling from `last` to `now`, at most `cap`. */
function refilled(level: u64, last: u64, cap: u64, rpu: u64, now: u64): u64 {
  if (level >= cap || now <= last) return level;
  const elapsed = now - last;
  // elapsed × rpu cannot overflow once elapsed is below the time to fill up
  if (elapsed >= ceilDiv(cap - level, rpu)) return cap;
  return level + elapsed * rpu;
}

function sameKey(rp: usize, rn: usize, key: usize, keyLen: usize): bool {
  if (rn < HEADER + keyLen || <usize>load<u32>(rp, 28) != keyLen) return false;
  return memory.compare(rp + HEADER, key, keyLen) == 0;
}

/** A bucket refilled to capacity (a record holding a key). */
function reclaimable(rp: usize, rn: usize, now: u64): bool {
  const cap = load<u64>(rp, 16), rpu = <u64>load<u32>(rp, 24);
  if (rpu == 0) return true;
  return refilled(load<u64>(rp), load<u64>(rp, 8), cap, rpu, now) >= cap;
}

/**
 * Take one token for the key [kp, kp+kn) (UTF-8 bytes) from a bucket of `cap` scaled units refilled by
 * `rpu` scaled units per ms, where a token is `unitMs` scaled units. `now` in ms.
 */
export function consume(kp: usize, kn: usize, rpu: u64, unitMs: u64, cap: u64, maxKeys: u32, maxRetries: u32, now: u64, o: Outcome): void {
  const home = slotHash(kp, <i32>kn) % maxKeys;
  const probes = maxKeys < PROBES ? maxKeys : PROBES;
  o.failure = OK;
  o.casRetries = 0;
  o.reclaimed = false;
  for (let attempt: u32 = 0; ; attempt++) {
    if (attempt > maxRetries) { o.failure = FAIL_CAS; return; }
    if (attempt > 0) o.casRetries++;
    let freeSlot: i64 = -1;
    let freeCas: u32 = 0;
    let found = false;
    let level: u64 = 0, last: u64 = 0;
    let slot: u32 = 0, cas: u32 = 0;
    for (let p: u32 = 0; p < probes; p++) {
      const s = (home + p) % maxKeys;
      const sn = slotKey(s);
      let r = hc.getSharedDataRaw(SLOT_KEY, sn);
      if (r == WasmResult.NotFound) {
        // a slot that configure did not create (another plugin's table size): create it empty
        if (hc.setSharedDataRaw(SLOT_KEY, sn, EMPTY, HEADER, 0) != WasmResult.Ok) { o.failure = FAIL_HOST; return; }
        r = hc.getSharedDataRaw(SLOT_KEY, sn);
      }
      if (r != WasmResult.Ok) { o.failure = FAIL_HOST; return; }
      const c = hc.lastCas;
      const rp = load<usize>(OUT_PTR), rn = load<usize>(OUT_SIZE);
      if (sameKey(rp, rn, kp, kn)) {
        level = load<u64>(rp);
        last = load<u64>(rp, 8);
        freeResult(rp);
        found = true; slot = s; cas = c;
        break;
      }
      const empty = rn < HEADER || load<u32>(rp, 28) == 0;
      if (freeSlot < 0 && (empty || reclaimable(rp, rn, now))) { freeSlot = s; freeCas = c; }
      freeResult(rp);
      // A slot is never emptied again once it holds a key, and a key is always placed at or before the
      // first empty slot of its probe sequence: the key is not further on.
      if (empty) break;
    }
    if (found) {
      // a changed limit gets a new key (the rule prefix holds the limit), so cap and rpu match the record
      level = refilled(level, last, cap, rpu, now);
    } else if (freeSlot >= 0) {
      level = cap;
      slot = <u32>freeSlot;
      cas = freeCas;
      o.reclaimed = true;
    } else {
      o.failure = FAIL_OVERFLOW;
      return;
    }
    if (level < unitMs) {
      // denied: nothing changes, nothing to write
      o.allowed = false;
      o.remaining = 0;
      o.retryAfterSeconds = max<u64>(1, ceilDiv(ceilDiv(unitMs - level, rpu), 1000));
      o.resetSeconds = o.retryAfterSeconds;
      return;
    }
    level -= unitMs;
    const rp = record.reserve(HEADER + kn);
    store<u64>(rp, level);
    store<u64>(rp, now, 8);
    store<u64>(rp, cap, 16);
    store<u32>(rp, <u32>rpu, 24);
    store<u32>(rp, <u32>kn, 28);
    memory.copy(rp + HEADER, kp, kn);
    const r = hc.setSharedDataRaw(SLOT_KEY, slotKey(slot), rp, HEADER + kn, cas);
    if (r == WasmResult.CasMismatch) continue;
    if (r != WasmResult.Ok) { o.failure = FAIL_HOST; return; }
    o.allowed = true;
    o.remaining = level / unitMs;
    o.resetSeconds = level >= cap ? 0 : ceilDiv(ceilDiv(unitMs - level % unitMs, rpu), 1000);
    return;
  }
}

// Token buckets in shared data, one bucket per descriptor key, shared by every worker VM of the proxy.
//
// Envoy's shared data (ABI 0.2.1) has no delete, so the number of keys is bounded by a fixed table of
// `max_keys` slots ("rate-limit.slot.<n>"), created at configure. A descriptor key hashes (FNV-1a +
// Murmur3 finaliser) to a home slot and probes up to PROBES consecutive slots. A slot holds one bucket and the key it belongs to:
//   u64 level (scaled: tokens × unit ms)  u64 last refill (ms)  u64 capacity (scaled)  u32 requests_per_unit
//   u32 key length  key bytes
// Refill is exact integer arithmetic: every elapsed millisecond adds requests_per_unit scaled units and a
// token is unit-ms scaled units (100/minute: one token every 600 ms, to the millisecond).
// A slot whose bucket has refilled to capacity is indistinguishable from a new bucket, so it is reclaimed
// by the next key that needs a slot. When every probed slot holds a bucket that is still refilling, the
// key is past the bound: the caller applies failure_mode_deny and counts it.
// Every write is a compare-and-swap on the value read; a mismatch (another worker VM wrote in between)
// re-reads and decides again, at most max_cas_retries times.
import { SharedData, WasmResult, decimal } from "../../../sdk";
import * as hc from "../../../sdk/hostcalls";

export const PROBES: u32 = 16;
const HEADER: i32 = 32;
const EMPTY = new ArrayBuffer(HEADER);

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

export function slotKey(i: u32): string { return "rate-limit.slot." + decimal(<i64>i); }

/** Create every slot that does not exist yet (cas 0 on a missing key is the ABI's only create). */
export function createSlots(maxKeys: u32): bool {
  for (let i: u32 = 0; i < maxKeys; i++) {
    const k = slotKey(i);
    if (hc.getSharedData(k) !== null) continue;
    if (hc.lastStatus != WasmResult.NotFound) return false;
    if (SharedData.set(k, EMPTY, 0) != WasmResult.Ok) return false;
  }
  return true;
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

function sameKey(rec: usize, recLen: i32, key: usize, keyLen: i32): bool {
  if (recLen < HEADER + keyLen || <i32>load<u32>(rec, 28) != keyLen) return false;
  return memory.compare(rec + HEADER, key, keyLen) == 0;
}

/** Free or refilled to capacity (a valid record only). */
function reclaimable(rec: usize, recLen: i32, now: u64): bool {
  if (recLen < HEADER || load<u32>(rec, 28) == 0) return true;
  const cap = load<u64>(rec, 16), rpu = <u64>load<u32>(rec, 24);
  if (rpu == 0) return true;
  return refilled(load<u64>(rec), load<u64>(rec, 8), cap, rpu, now) >= cap;
}

/**
 * Take one token for `key` (UTF-8 bytes) from a bucket of `cap` scaled units refilled by `rpu` scaled
 * units per ms, where a token is `unitMs` scaled units. `now` in ms.
 */
export function consume(key: ArrayBuffer, rpu: u64, unitMs: u64, cap: u64, maxKeys: u32, maxRetries: u32, now: u64, o: Outcome): void {
  const kp = changetype<usize>(key);
  const kn = key.byteLength;
  const home = slotHash(kp, kn) % maxKeys;
  const probes = maxKeys < PROBES ? maxKeys : PROBES;
  o.failure = OK;
  o.casRetries = 0;
  o.reclaimed = false;
  for (let attempt: u32 = 0; ; attempt++) {
    if (attempt > maxRetries) { o.failure = FAIL_CAS; return; }
    if (attempt > 0) o.casRetries++;
    let freeSlot: i64 = -1;
    let freeCas: u32 = 0;
    let hit: ArrayBuffer | null = null;
    let hitSlot: u32 = 0, hitCas: u32 = 0;
    for (let p: u32 = 0; p < probes; p++) {
      const slot = (home + p) % maxKeys;
      const sk = slotKey(slot);
      let v = hc.getSharedData(sk);
      if (v === null) {
        if (hc.lastStatus != WasmResult.NotFound) { o.failure = FAIL_HOST; return; }
        // a slot that configure did not create (another plugin's table size): create it empty
        if (SharedData.set(sk, EMPTY, 0) != WasmResult.Ok) { o.failure = FAIL_HOST; return; }
        v = hc.getSharedData(sk);
        if (v === null) { o.failure = FAIL_HOST; return; }
      }
      const cas = hc.lastCas;
      const rp = changetype<usize>(v), rn = v.byteLength;
      if (sameKey(rp, rn, kp, kn)) { hit = v; hitSlot = slot; hitCas = cas; break; }
      if (freeSlot < 0 && reclaimable(rp, rn, now)) { freeSlot = slot; freeCas = cas; }
    }
    let rec: ArrayBuffer;
    let level: u64;
    let slot: u32, cas: u32;
    if (hit !== null) {
      rec = hit;
      const rp = changetype<usize>(rec);
      // a changed limit gets a new key (the rule prefix holds the limit), so cap and rpu match the record
      level = refilled(load<u64>(rp), load<u64>(rp, 8), cap, rpu, now);
      slot = hitSlot;
      cas = hitCas;
    } else if (freeSlot >= 0) {
      rec = new ArrayBuffer(HEADER + kn);
      const rp = changetype<usize>(rec);
      store<u64>(rp, cap, 16);
      store<u32>(rp, <u32>rpu, 24);
      store<u32>(rp, <u32>kn, 28);
      memory.copy(rp + HEADER, kp, kn);
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
    const rp = changetype<usize>(rec);
    store<u64>(rp, level);
    store<u64>(rp, now, 8);
    const r = SharedData.set(slotKey(slot), rec, cas);
    if (r == WasmResult.CasMismatch) continue;
    if (r != WasmResult.Ok) { o.failure = FAIL_HOST; return; }
    o.allowed = true;
    o.remaining = level / unitMs;
    o.resetSeconds = level >= cap ? 0 : ceilDiv(ceilDiv(unitMs - level % unitMs, rpu), 1000);
    return;
  }
}

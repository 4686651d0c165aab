// Randomness from WASI random_get (never Math.random, which needs a seed import).
import * as hc from "./hostcalls";

const SLOT: usize = memory.data(8, 8);

/** `n` random bytes (an empty buffer is returned if the host fails, which Envoy never does). */
export function randomBytes(n: i32): ArrayBuffer {
  const b = new ArrayBuffer(n);
  if (!hc.randomGet(changetype<usize>(b), <usize>n)) return new ArrayBuffer(0);
  return b;
}

export function randomU32(): u32 {
  hc.randomGet(SLOT, 4);
  return load<u32>(SLOT);
}

export function randomU64(): u64 {
  hc.randomGet(SLOT, 8);
  return load<u64>(SLOT);
}

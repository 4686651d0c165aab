// Shared data (process-wide key/value store namespaced by vm_id, with CAS) and shared queues.

import { WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { utf8Encode, decodeUtf8 } from "./runtime/memory";
import { enableQueues } from "./dispatcher";

/** A value read from shared data with its CAS. */
export class SharedDataValue {
  constructor(public readonly value: ArrayBuffer, public readonly cas: u32) {}
  /** The value decoded as UTF-8 (invalid sequences → U+FFFD). */
  toString(): string { return decodeUtf8(changetype<usize>(this.value), <usize>this.value.byteLength); }
}

export namespace SharedData {
  /** Value + CAS, or null when the key is missing (see hostcalls.lastStatus). */
  export function get(key: string): SharedDataValue | null {
    const v = hc.getSharedData(key);
    if (v === null) return null;
    return new SharedDataValue(v, hc.lastCas);
  }

  /** Store; cas 0 = unconditional, otherwise CasMismatch when the key changed since read. */
  export function set(key: string, value: ArrayBuffer | null, cas: u32 = 0): WasmResult {
    return hc.setSharedData(key, value, cas);
  }

  export function setString(key: string, value: string, cas: u32 = 0): WasmResult {
    return hc.setSharedData(key, utf8Encode(value), cas);
  }

  /**
   * Read-modify-write with CAS, retried up to maxRetries times on CasMismatch.
   * `fn` gets the current value (null when missing) and returns the new one.
   * Returns Ok, CasMismatch (retries exhausted) or another host status.
   */
  export function update(key: string, fn: (current: ArrayBuffer | null) => ArrayBuffer, maxRetries: i32 = 8): WasmResult {
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const cur = hc.getSharedData(key);
      let cas: u32 = 0;
      if (cur === null) {
        if (hc.lastStatus != WasmResult.NotFound) return hc.lastStatus;
      } else {
        cas = hc.lastCas;
      }
      // cas 0 on a missing key: a concurrent insert is not detected by Envoy (CAS ignored when missing)
      const r = hc.setSharedData(key, fn(cur), cas);
      if (r != WasmResult.CasMismatch) return r;
    }
    return WasmResult.CasMismatch;
  }
}

export namespace SharedQueue {
  /** Create or re-open queue `name`; this root then receives onQueueReady. 0 on failure. */
  export function register(name: string): u32 {
    enableQueues();
    return hc.registerSharedQueue(name);
  }
  /** Find a queue registered by another VM (empty vmId = own). 0 when not found. */
  export function resolve(vmId: string, name: string): u32 { return hc.resolveSharedQueue(vmId, name); }
  export function enqueue(token: u32, data: ArrayBuffer | null): WasmResult { return hc.enqueueSharedQueue(token, data); }
  export function enqueueString(token: u32, data: string): WasmResult {
    return hc.enqueueSharedQueue(token, utf8Encode(data));
  }
  /** Next item, or null (Empty / NotFound — see hostcalls.lastStatus). */
  export function dequeue(token: u32): ArrayBuffer | null { return hc.dequeueSharedQueue(token); }
}

/** Flat aliases. */
export function registerQueue(name: string): u32 { return SharedQueue.register(name); }
export function resolveQueue(vmId: string, name: string): u32 { return hc.resolveSharedQueue(vmId, name); }
export function enqueue(token: u32, data: ArrayBuffer | null): WasmResult { return hc.enqueueSharedQueue(token, data); }
export function dequeue(token: u32): ArrayBuffer | null { return hc.dequeueSharedQueue(token); }

// Envoy foreign functions (proxy_call_foreign_function, reference §4.4).

import { LifeSpan, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { utf8Length } from "./runtime/memory";

/** Call an Envoy-registered function. Result bytes (maybe empty) or null (NotFound = unknown name). */
export function callForeignFunction(name: string, args: ArrayBuffer | null = null): ArrayBuffer | null {
  return hc.callForeignFunction(name, args);
}

/** Force re-routing after header changes (ABI ≤ 0.2.1 already clears on request-header mutation). */
export function clearRouteCache(): bool {
  return hc.callForeignFunction("clear_route_cache", null) !== null;
}

function varintLen(v: u32): usize {
  let n: usize = 1;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}
function putVarint(p: usize, v: u32): usize {
  while (v >= 0x80) {
    store<u8>(p++, <u8>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

/**
 * Encode envoy.source.extensions.common.wasm.SetEnvoyFilterStateArguments:
 *   string path = 1; string value = 2; LifeSpan span = 3;
 * (field numbers as in Envoy's source/extensions/common/wasm/ext/set_envoy_filter_state.proto).
 */
export function encodeSetEnvoyFilterStateArguments(path: string, value: string, span: LifeSpan): ArrayBuffer {
  const pl = <u32>utf8Length(path);
  const vl = <u32>utf8Length(value);
  let total: usize = 0;
  if (pl) total += 1 + varintLen(pl) + pl;
  if (vl) total += 1 + varintLen(vl) + vl;
  if (span != 0) total += 1 + varintLen(<u32>span);
  const buf = new ArrayBuffer(<i32>total);
  let p = changetype<usize>(buf);
  if (pl) {
    store<u8>(p++, 0x0A); // field 1, wire type 2
    p = putVarint(p, pl);
    p += <usize>String.UTF8.encodeUnsafe(changetype<usize>(path), path.length, p, false, String.UTF8.ErrorMode.REPLACE);
  }
  if (vl) {
    store<u8>(p++, 0x12); // field 2, wire type 2
    p = putVarint(p, vl);
    p += <usize>String.UTF8.encodeUnsafe(changetype<usize>(value), value.length, p, false, String.UTF8.ErrorMode.REPLACE);
  }
  if (span != 0) {
    store<u8>(p++, 0x18); // field 3, varint
    p = putVarint(p, <u32>span);
  }
  return buf;
}

/**
 * Set a typed Envoy filter state object (e.g. "envoy.tcp_proxy.cluster") through the
 * set_envoy_filter_state foreign function. False if Envoy has no factory for `path` (NotFound).
 */
export function setEnvoyFilterState(path: string, value: string, span: LifeSpan = LifeSpan.FilterChain): bool {
  return hc.callForeignFunction("set_envoy_filter_state", encodeSetEnvoyFilterStateArguments(path, value, span)) !== null;
}


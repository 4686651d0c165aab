// Header maps (request/response headers and trailers) and read-only maps (HTTP-call response
// headers/trailers, gRPC metadata). Objects are stateless handles on a map type: shared
// singletons, no allocation per request. Keys are lower-cased by the host. Values containing
// CR, LF or NUL are refused (the write returns false) because Envoy would break the stream.

import { MapType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import * as abi from "./abi/imports";
import { Headers, HeaderPair, encodePairs, HOST_MAX_PAIRS, HOST_MAX_PAIRS_BYTES } from "./pairs";
import { hasIllegalHeaderChars, OUT_PTR, OUT_SIZE, freeResult } from "./runtime/memory";

// --- raw bytes (hot paths): no UTF-16 strings, no allocation -------------------------------------
// Keys and values are UTF-8 (ptr, len) pairs the caller owns (e.g. `memory.data` constants, or a name
// encoded once at configure with String.UTF8.encode). A value read with getRaw stays valid until the next
// getRaw on any map (the SDK frees the host's copy then): copy it if you need it longer.

let rawValue: usize = 0;

/** Address of the value bytes of the last successful getRaw (valid until the next getRaw). */
export function rawValuePtr(): usize {
  return rawValue;
}

let rawPairs: usize = 0;

/** Address of the pairs buffer of the last successful pairsRaw (valid until the next pairsRaw). */
export function rawPairsPtr(): usize {
  return rawPairs;
}

/** True when [p, p+n) contains CR, LF or NUL (Envoy would break the stream on such a header). */
function illegalBytes(p: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (c == 13 || c == 10 || c == 0) return true;
  }
  return false;
}

/** Read-only view of a host header/metadata map. */
export class ReadonlyHeaderMap {
  constructor(public readonly mapType: MapType) {}

  /** First value of `name`, or null (absent, or map not available now — see hostcalls.lastStatus). */
  get(name: string): string | null {
    return hc.getHeaderMapValue(this.mapType, name);
  }

  /** True when `name` is present. */
  has(name: string): bool {
    return hc.getHeaderMapValue(this.mapType, name) !== null;
  }

  /** Every value of `name` in map order (from the full pair list; host returns only the first via get). */
  getAll(name: string): string[] {
    const all = hc.getHeaderMapPairs(this.mapType);
    const k = name.toLowerCase();
    const out = new Array<string>();
    for (let i = 0, n = all.length; i < n; i++) {
      const p = unchecked(all[i]);
      if (p.key == k) out.push(p.value);
    }
    return out;
  }

  /** All entries (pseudo-headers included). An unavailable map yields an empty list. */
  pairs(): Headers {
    return hc.getHeaderMapPairs(this.mapType);
  }

  /**
   * Raw read of the first value of `key` (UTF-8 bytes at keyPtr): its length in bytes, the bytes at
   * rawValuePtr(); -1 when absent or the map is not available now (see hostcalls.lastStatus).
   */
  getRaw(keyPtr: usize, keyLen: usize): i32 {
    freeResult(rawValue);
    rawValue = 0;
    if (hc.getHeaderMapValueRaw(this.mapType, keyPtr, keyLen) != WasmResult.Ok) return -1;
    rawValue = load<usize>(OUT_PTR);
    return <i32>load<usize>(OUT_SIZE);
  }

  /**
   * Raw read of the whole map in the pairs serialization (walk it with PairsCursor, no strings): its
   * length in bytes, the bytes at rawPairsPtr(); -1 when the map is not available now (lastStatus says
   * why). The buffer stays valid until the next pairsRaw on any map (the SDK frees the host's copy then).
   */
  pairsRaw(): i32 {
    freeResult(rawPairs);
    rawPairs = 0;
    store<usize>(OUT_PTR, 0);
    store<usize>(OUT_SIZE, 0);
    const r = <WasmResult>abi.proxy_get_header_map_pairs(<u32>this.mapType, OUT_PTR, OUT_SIZE);
    hc.setLastStatus(r);
    if (r != WasmResult.Ok) return -1;
    rawPairs = load<usize>(OUT_PTR);
    return <i32>load<usize>(OUT_SIZE);
  }

  /** Number of entries (reads all pairs). */
  size(): i32 {
    return hc.getHeaderMapPairs(this.mapType).length;
  }
}

/** A writable header map of the current HTTP stream (maps 0–3). */
export class HeaderMap extends ReadonlyHeaderMap {
  /** Replace every value of `name` with `value` (adds if absent). False on CR/LF/NUL or host error. */
  set(name: string, value: string): bool {
    return hc.replaceHeaderMapValue(this.mapType, name, value) == WasmResult.Ok;
  }

  /** Append another entry. */
  add(name: string, value: string): bool {
    return hc.addHeaderMapValue(this.mapType, name, value) == WasmResult.Ok;
  }

  /** Raw `set`: replace every value of key with the value bytes. False on CR/LF/NUL (host not called) or host error. */
  setRaw(keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize): bool {
    if (illegalBytes(keyPtr, keyLen) || illegalBytes(valuePtr, valueLen)) {
      hc.setLastStatus(WasmResult.BadArgument);
      return false;
    }
    return hc.replaceHeaderMapValueRaw(this.mapType, keyPtr, keyLen, valuePtr, valueLen) == WasmResult.Ok;
  }

  /** Raw `remove` (true also when absent). */
  removeRaw(keyPtr: usize, keyLen: usize): bool {
    return hc.removeHeaderMapValueRaw(this.mapType, keyPtr, keyLen) == WasmResult.Ok;
  }

  /** Remove every entry of `name` (true also when absent). */
  remove(name: string): bool {
    return hc.removeHeaderMapValue(this.mapType, name) == WasmResult.Ok;
  }

  /**
   * Replace the whole map. Refused (false, map untouched) if any entry has CR/LF/NUL, or if the map is
   * beyond what the host reads (more than 1024 entries or 1 MiB): Envoy would read it as an empty map and
   * clear every header (§10 quirk 7).
   */
  setPairs(pairs: Headers): bool {
    if (<u32>pairs.length > HOST_MAX_PAIRS) return false;
    for (let i = 0, n = pairs.length; i < n; i++) {
      const p = unchecked(pairs[i]);
      if (hasIllegalHeaderChars(p.key) || hasIllegalHeaderChars(p.value)) return false;
    }
    const enc = encodePairs(pairs);
    if (<usize>enc.byteLength > HOST_MAX_PAIRS_BYTES) return false;
    return hc.setHeaderMapPairs(this.mapType, enc) == WasmResult.Ok;
  }

  /** Envoy's byteSize (sum of key+value lengths), or -1 when the map is not available. */
  byteSize(): i64 {
    return hc.getHeaderMapSize(this.mapType);
  }
}

let requestHeadersMap: HeaderMap | null = null;
let requestTrailersMap: HeaderMap | null = null;
let responseHeadersMap: HeaderMap | null = null;
let responseTrailersMap: HeaderMap | null = null;
let callHeadersMap: ReadonlyHeaderMap | null = null;
let callTrailersMap: ReadonlyHeaderMap | null = null;
let grpcInitialMap: ReadonlyHeaderMap | null = null;
let grpcTrailingMap: ReadonlyHeaderMap | null = null;

export function requestHeaders(): HeaderMap {
  let m = requestHeadersMap;
  if (m === null) requestHeadersMap = m = new HeaderMap(MapType.HttpRequestHeaders);
  return m;
}
export function requestTrailers(): HeaderMap {
  let m = requestTrailersMap;
  if (m === null) requestTrailersMap = m = new HeaderMap(MapType.HttpRequestTrailers);
  return m;
}
export function responseHeaders(): HeaderMap {
  let m = responseHeadersMap;
  if (m === null) responseHeadersMap = m = new HeaderMap(MapType.HttpResponseHeaders);
  return m;
}
export function responseTrailers(): HeaderMap {
  let m = responseTrailersMap;
  if (m === null) responseTrailersMap = m = new HeaderMap(MapType.HttpResponseTrailers);
  return m;
}
/** Response headers of an HTTP callout (map 6; readable only inside the callout callback). */
export function httpCallResponseHeaders(): ReadonlyHeaderMap {
  let m = callHeadersMap;
  if (m === null) callHeadersMap = m = new ReadonlyHeaderMap(MapType.HttpCallResponseHeaders);
  return m;
}
/** Response trailers of an HTTP callout (map 7). */
export function httpCallResponseTrailers(): ReadonlyHeaderMap {
  let m = callTrailersMap;
  if (m === null) callTrailersMap = m = new ReadonlyHeaderMap(MapType.HttpCallResponseTrailers);
  return m;
}
/** gRPC initial metadata (map 4; inside onGrpcReceiveInitialMetadata). */
export function grpcInitialMetadata(): ReadonlyHeaderMap {
  let m = grpcInitialMap;
  if (m === null) grpcInitialMap = m = new ReadonlyHeaderMap(MapType.GrpcReceiveInitialMetadata);
  return m;
}
/** gRPC trailing metadata (map 5; inside onGrpcReceiveTrailingMetadata). */
export function grpcTrailingMetadata(): ReadonlyHeaderMap {
  let m = grpcTrailingMap;
  if (m === null) grpcTrailingMap = m = new ReadonlyHeaderMap(MapType.GrpcReceiveTrailingMetadata);
  return m;
}


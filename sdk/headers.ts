// Header maps (request/response headers and trailers) and read-only maps (HTTP-call response
// headers/trailers, gRPC metadata). Objects are stateless handles on a map type: shared
// singletons, no allocation per request. Keys are lower-cased by the host. Values containing
// CR, LF or NUL are refused (the write returns false) because Envoy would break the stream.

import { MapType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { Headers, HeaderPair, encodePairs, HOST_MAX_PAIRS, HOST_MAX_PAIRS_BYTES } from "./pairs";
import { hasIllegalHeaderChars } from "./runtime/memory";

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


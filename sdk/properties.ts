// Properties (proxy_get_property / proxy_set_property, reference §7.2, §7.3, §8).
// A path is either a string[] of segments or a dotted string ("request.path"), which the SDK
// splits at '.' (use the array form for keys containing dots, e.g. header or metadata keys).
// Typed decoders follow Envoy's serialization: int = 8 bytes LE signed, uint = 8 bytes LE,
// bool = 1 byte, double = 8 bytes IEEE, timestamp/duration = int64 ns, map = pairs.

import * as hc from "./hostcalls";
import { WasmResult } from "./abi/enums";
import { Headers, decodePairsBuffer } from "./pairs";
import { utf8Encode, scratchBase, scratchUsed } from "./runtime/memory";

/** Split "a.b.c" into ["a","b","c"]. */
export function splitPropertyPath(dotted: string): string[] {
  return dotted.split(".");
}

@inline function toPath<T>(path: T): string[] {
  if (isString<T>()) return splitPropertyPath(changetype<string>(path));
  else if (isArray<T>()) return changetype<string[]>(path);
  else {
    ERROR("property path must be a string or string[]");
    return [];
  }
}

/** Raw value bytes, or null when absent/not serializable (see hostcalls.lastStatus). */
export function getProperty<T>(path: T): ArrayBuffer | null {
  return hc.getProperty(toPath<T>(path));
}
export function getPropertyBytes<T>(path: T): ArrayBuffer | null {
  return hc.getProperty(toPath<T>(path));
}

/** String value, or null. */
export function getPropertyString<T>(path: T): string | null {
  return hc.getPropertyString(toPath<T>(path));
}

// Typed getters return the caller's `def` when there is no usable value. `lastStatus` tells
// which: Ok = the value was decoded; NotFound etc. = the host's answer; SerializationFailure =
// the host's own refusal, or a value of the wrong size for the type (e.g. a string property read
// with getPropertyInt64).

/** Signed 64-bit value (int, timestamp, duration — 8 bytes), or `def` (see lastStatus). */
export function getPropertyInt64<T>(path: T, def: i64 = 0): i64 {
  return decodePropertyInt64(hc.getProperty(toPath<T>(path)), def);
}

/** Unsigned 64-bit value (uint — 8 bytes), or `def` (see lastStatus). */
export function getPropertyUint64<T>(path: T, def: u64 = 0): u64 {
  return <u64>decodePropertyInt64(hc.getProperty(toPath<T>(path)), <i64>def);
}

/** Double value (8 bytes), or `def` (see lastStatus). */
export function getPropertyFloat64<T>(path: T, def: f64 = 0): f64 {
  return decodePropertyFloat64(hc.getProperty(toPath<T>(path)), def);
}

/** Bool value (1 byte), or `def` (see lastStatus). */
export function getPropertyBool<T>(path: T, def: bool = false): bool {
  return decodePropertyBool(hc.getProperty(toPath<T>(path)), def);
}

/** Map value (e.g. request.headers) as pairs; empty when absent or malformed. */
export function getPropertyMap<T>(path: T): Headers {
  return decodePairsBuffer(hc.getProperty(toPath<T>(path)));
}

// ---- pure codecs (also usable on bytes from elsewhere, e.g. in tests) ----

/**
 * The bytes proxy_get_property / proxy_set_property receive for `path` (string[] or dotted
 * string): UTF-8 segments joined by NUL, no trailing NUL (reference §7.2). The hostcall
 * wrappers use the same encoder (into scratch memory instead of a new buffer).
 */
export function encodePropertyPath<T>(path: T): ArrayBuffer {
  hc.encodePropertyPath(toPath<T>(path));
  const n = scratchUsed();
  const b = new ArrayBuffer(<i32>n);
  memory.copy(changetype<usize>(b), scratchBase(), n);
  return b;
}

@inline function sizeOk(value: ArrayBuffer, size: i32): bool {
  if (value.byteLength == size) return true;
  hc.setLastStatus(WasmResult.SerializationFailure);
  return false;
}

/** int / timestamp / duration / uint encoding (8 bytes little-endian). `def` when `value` is null
 *  (lastStatus untouched) or not 8 bytes (lastStatus = SerializationFailure). */
export function decodePropertyInt64(value: ArrayBuffer | null, def: i64 = 0): i64 {
  if (value === null || !sizeOk(value, 8)) return def;
  return load<i64>(changetype<usize>(value));
}
export function decodePropertyUint64(value: ArrayBuffer | null, def: u64 = 0): u64 {
  return <u64>decodePropertyInt64(value, <i64>def);
}
/** double (8 bytes IEEE-754 little-endian); same rules as decodePropertyInt64. */
export function decodePropertyFloat64(value: ArrayBuffer | null, def: f64 = 0): f64 {
  if (value === null || !sizeOk(value, 8)) return def;
  return load<f64>(changetype<usize>(value));
}
/** bool (1 byte, non-zero = true); same rules as decodePropertyInt64. */
export function decodePropertyBool(value: ArrayBuffer | null, def: bool = false): bool {
  if (value === null || !sizeOk(value, 1)) return def;
  return load<u8>(changetype<usize>(value)) != 0;
}
/** map (pairs encoding); empty list when null or malformed. */
export function decodePropertyMap(value: ArrayBuffer | null): Headers {
  return decodePairsBuffer(value);
}

/** Store a value in filter state "wasm.<path>" (stream contexts only). */
export function setProperty<T>(path: T, value: ArrayBuffer | null): bool {
  return hc.setProperty(toPath<T>(path), value) == 0;
}
export function setPropertyString<T>(path: T, value: string): bool {
  return hc.setProperty(toPath<T>(path), utf8Encode(value)) == 0;
}

/**
 * Envoy's well-known attributes (Envoy ≥ 1.33). Each is a path (string[]); getters, so unused
 * ones cost nothing in the module.
 */
export class Property {
  // wasm-specific (also in root callbacks)
  static get PLUGIN_NAME(): string[] { return ["plugin_name"]; }
  static get PLUGIN_ROOT_ID(): string[] { return ["plugin_root_id"]; }
  static get PLUGIN_VM_ID(): string[] { return ["plugin_vm_id"]; }
  static get CONNECTION_ID(): string[] { return ["connection_id"]; }
  // request
  static get REQUEST_PATH(): string[] { return ["request", "path"]; }
  static get REQUEST_URL_PATH(): string[] { return ["request", "url_path"]; }
  static get REQUEST_HOST(): string[] { return ["request", "host"]; }
  static get REQUEST_SCHEME(): string[] { return ["request", "scheme"]; }
  static get REQUEST_METHOD(): string[] { return ["request", "method"]; }
  static get REQUEST_HEADERS(): string[] { return ["request", "headers"]; }
  static get REQUEST_REFERER(): string[] { return ["request", "referer"]; }
  static get REQUEST_USERAGENT(): string[] { return ["request", "useragent"]; }
  static get REQUEST_ID(): string[] { return ["request", "id"]; }
  static get REQUEST_PROTOCOL(): string[] { return ["request", "protocol"]; }
  static get REQUEST_QUERY(): string[] { return ["request", "query"]; }
  static get REQUEST_TIME(): string[] { return ["request", "time"]; }
  static get REQUEST_DURATION(): string[] { return ["request", "duration"]; }
  static get REQUEST_SIZE(): string[] { return ["request", "size"]; }
  static get REQUEST_TOTAL_SIZE(): string[] { return ["request", "total_size"]; }
  // response
  static get RESPONSE_CODE(): string[] { return ["response", "code"]; }
  static get RESPONSE_CODE_DETAILS(): string[] { return ["response", "code_details"]; }
  static get RESPONSE_FLAGS(): string[] { return ["response", "flags"]; }
  static get RESPONSE_GRPC_STATUS(): string[] { return ["response", "grpc_status"]; }
  static get RESPONSE_HEADERS(): string[] { return ["response", "headers"]; }
  static get RESPONSE_TRAILERS(): string[] { return ["response", "trailers"]; }
  static get RESPONSE_SIZE(): string[] { return ["response", "size"]; }
  static get RESPONSE_TOTAL_SIZE(): string[] { return ["response", "total_size"]; }
  static get RESPONSE_BACKEND_LATENCY(): string[] { return ["response", "backend_latency"]; }
  // downstream connection
  static get SOURCE_ADDRESS(): string[] { return ["source", "address"]; }
  static get SOURCE_PORT(): string[] { return ["source", "port"]; }
  static get DESTINATION_ADDRESS(): string[] { return ["destination", "address"]; }
  static get DESTINATION_PORT(): string[] { return ["destination", "port"]; }
  static get CONNECTION_ID_UINT(): string[] { return ["connection", "id"]; }
  static get CONNECTION_MTLS(): string[] { return ["connection", "mtls"]; }
  static get CONNECTION_REQUESTED_SERVER_NAME(): string[] { return ["connection", "requested_server_name"]; }
  static get CONNECTION_TLS_VERSION(): string[] { return ["connection", "tls_version"]; }
  static get CONNECTION_SUBJECT_LOCAL_CERTIFICATE(): string[] { return ["connection", "subject_local_certificate"]; }
  static get CONNECTION_SUBJECT_PEER_CERTIFICATE(): string[] { return ["connection", "subject_peer_certificate"]; }
  static get CONNECTION_DNS_SAN_LOCAL_CERTIFICATE(): string[] { return ["connection", "dns_san_local_certificate"]; }
  static get CONNECTION_DNS_SAN_PEER_CERTIFICATE(): string[] { return ["connection", "dns_san_peer_certificate"]; }
  static get CONNECTION_URI_SAN_LOCAL_CERTIFICATE(): string[] { return ["connection", "uri_san_local_certificate"]; }
  static get CONNECTION_URI_SAN_PEER_CERTIFICATE(): string[] { return ["connection", "uri_san_peer_certificate"]; }
  static get CONNECTION_SHA256_PEER_CERTIFICATE_DIGEST(): string[] { return ["connection", "sha256_peer_certificate_digest"]; }
  static get CONNECTION_PEER_CERTIFICATE(): string[] { return ["connection", "peer_certificate"]; }
  static get CONNECTION_TRANSPORT_FAILURE_REASON(): string[] { return ["connection", "transport_failure_reason"]; }
  static get CONNECTION_TERMINATION_DETAILS(): string[] { return ["connection", "termination_details"]; }
  // upstream
  static get UPSTREAM_ADDRESS(): string[] { return ["upstream", "address"]; }
  static get UPSTREAM_PORT(): string[] { return ["upstream", "port"]; }
  static get UPSTREAM_LOCAL_ADDRESS(): string[] { return ["upstream", "local_address"]; }
  static get UPSTREAM_TLS_VERSION(): string[] { return ["upstream", "tls_version"]; }
  static get UPSTREAM_SUBJECT_PEER_CERTIFICATE(): string[] { return ["upstream", "subject_peer_certificate"]; }
  static get UPSTREAM_URI_SAN_PEER_CERTIFICATE(): string[] { return ["upstream", "uri_san_peer_certificate"]; }
  static get UPSTREAM_SHA256_PEER_CERTIFICATE_DIGEST(): string[] { return ["upstream", "sha256_peer_certificate_digest"]; }
  static get UPSTREAM_TRANSPORT_FAILURE_REASON(): string[] { return ["upstream", "transport_failure_reason"]; }
  static get UPSTREAM_REQUEST_ATTEMPT_COUNT(): string[] { return ["upstream", "request_attempt_count"]; }
  // metadata / xds
  static get METADATA(): string[] { return ["metadata"]; }
  static get XDS_NODE(): string[] { return ["xds", "node"]; }
  static get XDS_CLUSTER_NAME(): string[] { return ["xds", "cluster_name"]; }
  static get XDS_CLUSTER_METADATA(): string[] { return ["xds", "cluster_metadata"]; }
  static get XDS_LISTENER_DIRECTION(): string[] { return ["xds", "listener_direction"]; }
  static get XDS_LISTENER_METADATA(): string[] { return ["xds", "listener_metadata"]; }
  static get XDS_ROUTE_NAME(): string[] { return ["xds", "route_name"]; }
  static get XDS_ROUTE_METADATA(): string[] { return ["xds", "route_metadata"]; }
  static get XDS_VIRTUAL_HOST_NAME(): string[] { return ["xds", "virtual_host_name"]; }
  static get XDS_VIRTUAL_HOST_METADATA(): string[] { return ["xds", "virtual_host_metadata"]; }
  static get XDS_UPSTREAM_HOST_METADATA(): string[] { return ["xds", "upstream_host_metadata"]; }
  static get XDS_FILTER_CHAIN_NAME(): string[] { return ["xds", "filter_chain_name"]; }
}


// Properties (proxy_get_property / proxy_set_property, reference §7.2, §7.3, §8).
// A path is either a string[] of segments or a dotted string ("request.path"), which the SDK
// splits at '.' (use the array form for keys containing dots, e.g. header or metadata keys).
// Typed decoders follow Envoy's serialization: int = 8 bytes LE signed, uint = 8 bytes LE,
// bool = 1 byte, double = 8 bytes IEEE, timestamp/duration = int64 ns, map = pairs.

import * as hc from "./hostcalls";
import { Headers, decodePairsBuffer } from "./pairs";
import { decodeUtf8 } from "./runtime/memory";

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

/** Signed 64-bit value (int, timestamp, duration), or `def` when absent or not 8 bytes. */
export function getPropertyInt64<T>(path: T, def: i64 = 0): i64 {
  const b = hc.getProperty(toPath<T>(path));
  if (b === null || b.byteLength != 8) return def;
  return load<i64>(changetype<usize>(b));
}

/** Unsigned 64-bit value (uint), or `def`. */
export function getPropertyUint64<T>(path: T, def: u64 = 0): u64 {
  const b = hc.getProperty(toPath<T>(path));
  if (b === null || b.byteLength != 8) return def;
  return load<u64>(changetype<usize>(b));
}

/** Double value, or `def`. */
export function getPropertyFloat64<T>(path: T, def: f64 = 0): f64 {
  const b = hc.getProperty(toPath<T>(path));
  if (b === null || b.byteLength != 8) return def;
  return load<f64>(changetype<usize>(b));
}

/** Bool value, or `def`. */
export function getPropertyBool<T>(path: T, def: bool = false): bool {
  const b = hc.getProperty(toPath<T>(path));
  if (b === null || b.byteLength != 1) return def;
  return load<u8>(changetype<usize>(b)) != 0;
}

/** Map value (e.g. request.headers) as pairs; empty when absent or malformed. */
export function getPropertyMap<T>(path: T): Headers {
  return decodePairsBuffer(hc.getProperty(toPath<T>(path)));
}

/** Store a value in filter state "wasm.<path>" (stream contexts only). */
export function setProperty<T>(path: T, value: ArrayBuffer | null): bool {
  return hc.setProperty(toPath<T>(path), value) == 0;
}
export function setPropertyString<T>(path: T, value: string): bool {
  return hc.setProperty(toPath<T>(path), String.UTF8.encode(value)) == 0;
}

/** Envoy's well-known attributes (Envoy ≥ 1.33). Each is a path (string[]). */
export namespace Property {
  // wasm-specific (also in root callbacks)
  export const PLUGIN_NAME: string[] = ["plugin_name"];
  export const PLUGIN_ROOT_ID: string[] = ["plugin_root_id"];
  export const PLUGIN_VM_ID: string[] = ["plugin_vm_id"];
  export const CONNECTION_ID: string[] = ["connection_id"];
  // request
  export const REQUEST_PATH: string[] = ["request", "path"];
  export const REQUEST_URL_PATH: string[] = ["request", "url_path"];
  export const REQUEST_HOST: string[] = ["request", "host"];
  export const REQUEST_SCHEME: string[] = ["request", "scheme"];
  export const REQUEST_METHOD: string[] = ["request", "method"];
  export const REQUEST_HEADERS: string[] = ["request", "headers"];
  export const REQUEST_REFERER: string[] = ["request", "referer"];
  export const REQUEST_USERAGENT: string[] = ["request", "useragent"];
  export const REQUEST_ID: string[] = ["request", "id"];
  export const REQUEST_PROTOCOL: string[] = ["request", "protocol"];
  export const REQUEST_QUERY: string[] = ["request", "query"];
  export const REQUEST_TIME: string[] = ["request", "time"];
  export const REQUEST_DURATION: string[] = ["request", "duration"];
  export const REQUEST_SIZE: string[] = ["request", "size"];
  export const REQUEST_TOTAL_SIZE: string[] = ["request", "total_size"];
  // response
  export const RESPONSE_CODE: string[] = ["response", "code"];
  export const RESPONSE_CODE_DETAILS: string[] = ["response", "code_details"];
  export const RESPONSE_FLAGS: string[] = ["response", "flags"];
  export const RESPONSE_GRPC_STATUS: string[] = ["response", "grpc_status"];
  export const RESPONSE_HEADERS: string[] = ["response", "headers"];
  export const RESPONSE_TRAILERS: string[] = ["response", "trailers"];
  export const RESPONSE_SIZE: string[] = ["response", "size"];
  export const RESPONSE_TOTAL_SIZE: string[] = ["response", "total_size"];
  export const RESPONSE_BACKEND_LATENCY: string[] = ["response", "backend_latency"];
  // downstream connection
  export const SOURCE_ADDRESS: string[] = ["source", "address"];
  export const SOURCE_PORT: string[] = ["source", "port"];
  export const DESTINATION_ADDRESS: string[] = ["destination", "address"];
  export const DESTINATION_PORT: string[] = ["destination", "port"];
  export const CONNECTION_ID_UINT: string[] = ["connection", "id"];
  export const CONNECTION_MTLS: string[] = ["connection", "mtls"];
  export const CONNECTION_REQUESTED_SERVER_NAME: string[] = ["connection", "requested_server_name"];
  export const CONNECTION_TLS_VERSION: string[] = ["connection", "tls_version"];
  export const CONNECTION_SUBJECT_LOCAL_CERTIFICATE: string[] = ["connection", "subject_local_certificate"];
  export const CONNECTION_SUBJECT_PEER_CERTIFICATE: string[] = ["connection", "subject_peer_certificate"];
  export const CONNECTION_DNS_SAN_LOCAL_CERTIFICATE: string[] = ["connection", "dns_san_local_certificate"];
  export const CONNECTION_DNS_SAN_PEER_CERTIFICATE: string[] = ["connection", "dns_san_peer_certificate"];
  export const CONNECTION_URI_SAN_LOCAL_CERTIFICATE: string[] = ["connection", "uri_san_local_certificate"];
  export const CONNECTION_URI_SAN_PEER_CERTIFICATE: string[] = ["connection", "uri_san_peer_certificate"];
  export const CONNECTION_SHA256_PEER_CERTIFICATE_DIGEST: string[] = ["connection", "sha256_peer_certificate_digest"];
  export const CONNECTION_PEER_CERTIFICATE: string[] = ["connection", "peer_certificate"];
  export const CONNECTION_TRANSPORT_FAILURE_REASON: string[] = ["connection", "transport_failure_reason"];
  export const CONNECTION_TERMINATION_DETAILS: string[] = ["connection", "termination_details"];
  // upstream
  export const UPSTREAM_ADDRESS: string[] = ["upstream", "address"];
  export const UPSTREAM_PORT: string[] = ["upstream", "port"];
  export const UPSTREAM_LOCAL_ADDRESS: string[] = ["upstream", "local_address"];
  export const UPSTREAM_TLS_VERSION: string[] = ["upstream", "tls_version"];
  export const UPSTREAM_SUBJECT_PEER_CERTIFICATE: string[] = ["upstream", "subject_peer_certificate"];
  export const UPSTREAM_URI_SAN_PEER_CERTIFICATE: string[] = ["upstream", "uri_san_peer_certificate"];
  export const UPSTREAM_SHA256_PEER_CERTIFICATE_DIGEST: string[] = ["upstream", "sha256_peer_certificate_digest"];
  export const UPSTREAM_TRANSPORT_FAILURE_REASON: string[] = ["upstream", "transport_failure_reason"];
  export const UPSTREAM_REQUEST_ATTEMPT_COUNT: string[] = ["upstream", "request_attempt_count"];
  // metadata / xds
  export const METADATA: string[] = ["metadata"];
  export const XDS_NODE: string[] = ["xds", "node"];
  export const XDS_CLUSTER_NAME: string[] = ["xds", "cluster_name"];
  export const XDS_CLUSTER_METADATA: string[] = ["xds", "cluster_metadata"];
  export const XDS_LISTENER_DIRECTION: string[] = ["xds", "listener_direction"];
  export const XDS_LISTENER_METADATA: string[] = ["xds", "listener_metadata"];
  export const XDS_ROUTE_NAME: string[] = ["xds", "route_name"];
  export const XDS_ROUTE_METADATA: string[] = ["xds", "route_metadata"];
  export const XDS_VIRTUAL_HOST_NAME: string[] = ["xds", "virtual_host_name"];
  export const XDS_VIRTUAL_HOST_METADATA: string[] = ["xds", "virtual_host_metadata"];
  export const XDS_UPSTREAM_HOST_METADATA: string[] = ["xds", "upstream_host_metadata"];
  export const XDS_FILTER_CHAIN_NAME: string[] = ["xds", "filter_chain_name"];
}


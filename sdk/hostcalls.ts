// One wrapper per host import: the only place a host status becomes a result or a nullable.
// A host status is never a crash. When a wrapper returns null / 0 / false, `lastStatus` tells why.

import * as abi from "./abi/imports";
import { WasmResult, MapType, BufferType, StreamType, MetricType } from "./abi/enums";
import {
  OUT_PTR, OUT_SIZE, OUT_3, OUT_U64, encode1, encode2, encA, encALen, encB, encBLen, encC, encCLen, encode3, putLen,
  scratchBegin, scratchPut, scratchPutByte, scratchBase, scratchUsed, reserveFor, encIllegal, takeString, takeRepeatedString, takeBuffer,
  decodeUtf8, freeResult,
} from "./runtime/memory";
import { Headers, HeaderPair, decodePairs } from "./pairs";

/** Status of the most recent hostcall made through this module. */
export let lastStatus: WasmResult = WasmResult.Ok;

/** Set lastStatus (for SDK helpers that report a decoding failure the same way as a host status). */
export function setLastStatus(s: WasmResult): void {
  lastStatus = s;
}

@inline function st(r: u32): WasmResult {
  lastStatus = <WasmResult>r;
  return <WasmResult>r;
}

@inline function bufPtr(b: ArrayBuffer | null): usize {
  return b === null ? 0 : changetype<usize>(b);
}
@inline function bufLen(b: ArrayBuffer | null): usize {
  return b === null ? 0 : <usize>b.byteLength;
}

// ---------------- logging ----------------

export function log(level: i32, message: string): WasmResult {
  const p = encode1(message);
  return st(abi.proxy_log(<u32>level, p, putLen));
}

/** Envoy's `wasm` logger level (0..6), or -1 on failure. */
export function getLogLevel(): i32 {
  if (st(abi.proxy_get_log_level(OUT_PTR)) != WasmResult.Ok) return -1;
  return <i32>load<u32>(OUT_PTR);
}

// ---------------- status ----------------

/** Status code of the root's last callout (gRPC status, or 11 after a failed HTTP call). */
export let lastHostStatusMessage: string = "";

/** proxy_get_status: returns the code (or -1 on failure); message in lastHostStatusMessage. */
export function getStatus(): i32 {
  store<usize>(OUT_SIZE, 0);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_get_status(OUT_3, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) {
    lastHostStatusMessage = "";
    return -1;
  }
  lastHostStatusMessage = takeString(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
  return <i32>load<u32>(OUT_3);
}

// ---------------- properties ----------------

/** Property path (reference §7.2) into scratch: UTF-8 segments joined by NUL, no trailing NUL. */
export function encodePropertyPath(path: string[]): void {
  let total: usize = 0;
  const n = path.length;
  for (let i = 0; i < n; i++) total += reserveFor(unchecked(path[i])) + 1;
  scratchBegin(total);
  for (let i = 0; i < n; i++) {
    if (i > 0) scratchPutByte(0);
    scratchPut(unchecked(path[i]));
  }
}

/** Raw property value (§7.3 encoding) or null (NotFound / SerializationFailure / …). */
export function getProperty(path: string[]): ArrayBuffer | null {
  encodePropertyPath(path);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_property(scratchBase(), scratchUsed(), OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeBuffer(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

/** Property value decoded as UTF-8, or null. */
export function getPropertyString(path: string[]): string | null {
  encodePropertyPath(path);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_property(scratchBase(), scratchUsed(), OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeRepeatedString(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

/** The `plugin_root_id` property ("" when absent), without building a path array. */
export function getPluginRootId(): string {
  const name = memory.data<u8>([0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x72, 0x6f, 0x6f, 0x74, 0x5f, 0x69, 0x64]); // "plugin_root_id"
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_property(name, 14, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return "";
  return takeString(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

/** Store `value` in the stream's filter state under "wasm.<path>" (path segments NUL-joined). */
export function setProperty(path: string[], value: ArrayBuffer | null): WasmResult {
  encodePropertyPath(path);
  return st(abi.proxy_set_property(scratchBase(), scratchUsed(), bufPtr(value), bufLen(value)));
}

// ---------------- local response / stream control ----------------

export function sendLocalResponse(statusCode: u32, details: string, body: ArrayBuffer | null,
                                  headers: ArrayBuffer | null, grpcStatus: i32): WasmResult {
  const d = encode1(details);
  return st(abi.proxy_send_local_response(statusCode, d, putLen, bufPtr(body), bufLen(body),
                                          bufPtr(headers), bufLen(headers), grpcStatus));
}

/** sendLocalResponse with a text body: details and body UTF-8 encoded into scratch (no allocation). */
export function sendLocalResponseText(statusCode: u32, details: string, body: string,
                                      headers: ArrayBuffer | null, grpcStatus: i32): WasmResult {
  encode2(details, body);
  return st(abi.proxy_send_local_response(statusCode, encA, encALen, body.length ? encB : 0, body.length ? encBLen : 0,
                                          bufPtr(headers), bufLen(headers), grpcStatus));
}

export function continueStream(type: StreamType): WasmResult {
  return st(abi.proxy_continue_stream(<u32>type));
}

export function closeStream(type: StreamType): WasmResult {
  return st(abi.proxy_close_stream(<u32>type));
}

export function setEffectiveContext(contextId: u32): WasmResult {
  return st(abi.proxy_set_effective_context(contextId));
}

export function done(): WasmResult {
  return st(abi.proxy_done());
}

// ---------------- shared data / queues ----------------

/** CAS of the value returned by the last successful getSharedData. */
export let lastCas: u32 = 0;

export function getSharedData(key: string): ArrayBuffer | null {
  const k = encode1(key);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_get_shared_data(k, putLen, OUT_PTR, OUT_SIZE, OUT_3)) != WasmResult.Ok) return null;
  lastCas = load<u32>(OUT_3);
  return takeBuffer(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

export function setSharedData(key: string, value: ArrayBuffer | null, cas: u32): WasmResult {
  const k = encode1(key);
  return st(abi.proxy_set_shared_data(k, putLen, bufPtr(value), bufLen(value), cas));
}

/**
 * Raw shared data for hot paths: key and value as UTF-8 (ptr, len). The get leaves the host's copy of
 * the value at OUT_PTR / OUT_SIZE (read it in place, then freeResult it) and, when Ok, its CAS in lastCas.
 */
export function getSharedDataRaw(keyPtr: usize, keyLen: usize): WasmResult {
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  store<u32>(OUT_3, 0);
  const r = st(abi.proxy_get_shared_data(keyPtr, keyLen, OUT_PTR, OUT_SIZE, OUT_3));
  if (r == WasmResult.Ok) lastCas = load<u32>(OUT_3);
  return r;
}

export function setSharedDataRaw(keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize, cas: u32): WasmResult {
  return st(abi.proxy_set_shared_data(keyPtr, keyLen, valuePtr, valueLen, cas));
}

/** Token (never 0) or 0 on failure. */
export function registerSharedQueue(name: string): u32 {
  const n = encode1(name);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_register_shared_queue(n, putLen, OUT_3)) != WasmResult.Ok) return 0;
  return load<u32>(OUT_3);
}

/** Token or 0 (NotFound / failure). Empty vmId = own vm_id. */
export function resolveSharedQueue(vmId: string, name: string): u32 {
  encode2(vmId, name);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_resolve_shared_queue(encA, encALen, encB, encBLen, OUT_3)) != WasmResult.Ok) return 0;
  return load<u32>(OUT_3);
}

export function enqueueSharedQueue(token: u32, data: ArrayBuffer | null): WasmResult {
  return st(abi.proxy_enqueue_shared_queue(token, bufPtr(data), bufLen(data)));
}

/** Next item, or null (Empty / NotFound; see lastStatus). */
export function dequeueSharedQueue(token: u32): ArrayBuffer | null {
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_dequeue_shared_queue(token, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeBuffer(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

// ---------------- header maps ----------------

/** First value of `key`, or null (absent → NotFound; map unavailable → BadArgument). */
export function getHeaderMapValue(map: MapType, key: string): string | null {
  const k = encode1(key);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_header_map_value(<u32>map, k, putLen, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeRepeatedString(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

/** Header writes refuse CR/LF/NUL in key or value (BadArgument, host not called). */
export function addHeaderMapValue(map: MapType, key: string, value: string): WasmResult {
  encode2(key, value);
  if (encIllegal) return st(WasmResult.BadArgument);
  return st(abi.proxy_add_header_map_value(<u32>map, encA, encALen, encB, encBLen));
}

export function replaceHeaderMapValue(map: MapType, key: string, value: string): WasmResult {
  encode2(key, value);
  if (encIllegal) return st(WasmResult.BadArgument);
  return st(abi.proxy_replace_header_map_value(<u32>map, encA, encALen, encB, encBLen));
}

export function removeHeaderMapValue(map: MapType, key: string): WasmResult {
  const k = encode1(key);
  return st(abi.proxy_remove_header_map_value(<u32>map, k, putLen));
}

/**
 * Raw forms for filters that work on UTF-8 bytes (no string round trip): key and value are (ptr, len)
 * in guest memory. The get leaves the host's result (ptr, len) at OUT_PTR / OUT_SIZE for the caller to
 * take and free; the caller checks CR/LF/NUL before a write.
 */
export function getHeaderMapValueRaw(map: MapType, keyPtr: usize, keyLen: usize): WasmResult {
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  return st(abi.proxy_get_header_map_value(<u32>map, keyPtr, keyLen, OUT_PTR, OUT_SIZE));
}

export function replaceHeaderMapValueRaw(map: MapType, keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize): WasmResult {
  return st(abi.proxy_replace_header_map_value(<u32>map, keyPtr, keyLen, valuePtr, valueLen));
}

export function removeHeaderMapValueRaw(map: MapType, keyPtr: usize, keyLen: usize): WasmResult {
  return st(abi.proxy_remove_header_map_value(<u32>map, keyPtr, keyLen));
}

/** All entries (pseudo-headers included); an unavailable map yields an empty list. */
export function getHeaderMapPairs(map: MapType): Headers {
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_header_map_pairs(<u32>map, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return new Array<HeaderPair>(0);
  const p = load<usize>(OUT_PTR);
  const out = decodePairs(p, load<usize>(OUT_SIZE));
  freeResult(p);
  return out;
}

export function setHeaderMapPairs(map: MapType, encoded: ArrayBuffer): WasmResult {
  return st(abi.proxy_set_header_map_pairs(<u32>map, changetype<usize>(encoded), <usize>encoded.byteLength));
}

/** Envoy's HeaderMap::byteSize (sum of key+value lengths), or -1 when not available. */
export function getHeaderMapSize(map: MapType): i64 {
  if (st(abi.proxy_get_header_map_size(<u32>map, OUT_SIZE)) != WasmResult.Ok) return -1;
  return <i64>load<u32>(OUT_SIZE);
}

// ---------------- buffers ----------------

/** Bytes available in the buffer, or -1 when not available (NotFound / BadArgument). */
export function getBufferStatus(type: BufferType): i64 {
  store<u32>(OUT_SIZE, 0);
  if (st(abi.proxy_get_buffer_status(<u32>type, OUT_SIZE, OUT_3)) != WasmResult.Ok) return -1;
  return <i64>load<u32>(OUT_SIZE);
}

// Sizes are clamped to i32.MAX (memory is ≤ 1 GiB anyway) so hosts that read them as signed behave.
@inline function clampSize(n: u32): u32 {
  return n > <u32>i32.MAX_VALUE ? <u32>i32.MAX_VALUE : n;
}

export function getBufferBytes(type: BufferType, start: u32, maxSize: u32): ArrayBuffer | null {
  maxSize = clampSize(maxSize);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_buffer_bytes(<u32>type, start, maxSize, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeBuffer(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

export function getBufferString(type: BufferType, start: u32, maxSize: u32): string | null {
  maxSize = clampSize(maxSize);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_get_buffer_bytes(<u32>type, start, maxSize, OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeString(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

/** set_buffer_bytes: start 0 + size 0 = prepend; start 0 + size ≥ len = replace; start ≥ len = append. */
export function setBufferBytes(type: BufferType, start: u32, size: u32, data: ArrayBuffer | null): WasmResult {
  return st(abi.proxy_set_buffer_bytes(<u32>type, start, size, bufPtr(data), bufLen(data)));
}

export function setBufferString(type: BufferType, start: u32, size: u32, data: string): WasmResult {
  const p = encode1(data);
  return st(abi.proxy_set_buffer_bytes(<u32>type, start, size, p, putLen));
}

// ---------------- callouts ----------------

/** Token (never 0) or 0 on failure (lastStatus: BadArgument, InternalFailure, …). */
export function httpCall(cluster: string, headers: ArrayBuffer, body: ArrayBuffer | null,
                         trailers: ArrayBuffer | null, timeoutMs: u32): u32 {
  const c = encode1(cluster);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_http_call(c, putLen, changetype<usize>(headers), <usize>headers.byteLength,
                             bufPtr(body), bufLen(body), bufPtr(trailers), bufLen(trailers),
                             timeoutMs, OUT_3)) != WasmResult.Ok) return 0;
  return load<u32>(OUT_3);
}


export function grpcCall(service: string, serviceName: string, method: string, initialMetadata: ArrayBuffer | null,
                         message: ArrayBuffer | null, timeoutMs: u32): u32 {
  encode3(service, serviceName, method);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_grpc_call(encA, encALen, encB, encBLen, encC, encCLen, bufPtr(initialMetadata), bufLen(initialMetadata),
                             bufPtr(message), bufLen(message), timeoutMs, OUT_3)) != WasmResult.Ok) return 0;
  return load<u32>(OUT_3);
}

export function grpcStream(service: string, serviceName: string, method: string, initialMetadata: ArrayBuffer | null): u32 {
  encode3(service, serviceName, method);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_grpc_stream(encA, encALen, encB, encBLen, encC, encCLen, bufPtr(initialMetadata), bufLen(initialMetadata),
                               OUT_3)) != WasmResult.Ok) return 0;
  return load<u32>(OUT_3);
}

export function grpcSend(token: u32, message: ArrayBuffer | null, endStream: bool): WasmResult {
  return st(abi.proxy_grpc_send(token, bufPtr(message), bufLen(message), endStream ? 1 : 0));
}

export function grpcCancel(token: u32): WasmResult {
  return st(abi.proxy_grpc_cancel(token));
}

export function grpcClose(token: u32): WasmResult {
  return st(abi.proxy_grpc_close(token));
}

// ---------------- timers / time ----------------

export function setTickPeriodMilliseconds(periodMs: u32): WasmResult {
  return st(abi.proxy_set_tick_period_milliseconds(periodMs));
}

/** Wall-clock nanoseconds since the epoch, or 0 on failure. */
export function getCurrentTimeNanoseconds(): u64 {
  store<u64>(OUT_U64, 0);
  if (st(abi.proxy_get_current_time_nanoseconds(OUT_U64)) != WasmResult.Ok) return 0;
  return load<u64>(OUT_U64);
}

// ---------------- metrics ----------------

/** Metric id (never 0 in Envoy) or 0 on failure. */
export function defineMetric(type: MetricType, name: string): u32 {
  const n = encode1(name);
  store<u32>(OUT_3, 0);
  if (st(abi.proxy_define_metric(<u32>type, n, putLen, OUT_3)) != WasmResult.Ok) return 0;
  return load<u32>(OUT_3);
}

export function incrementMetric(id: u32, delta: i64): WasmResult {
  return st(abi.proxy_increment_metric(id, delta));
}

export function recordMetric(id: u32, value: u64): WasmResult {
  return st(abi.proxy_record_metric(id, value));
}

/** Current value, or 0 on failure (see lastStatus). */
export function getMetric(id: u32): u64 {
  store<u64>(OUT_U64, 0);
  if (st(abi.proxy_get_metric(id, OUT_U64)) != WasmResult.Ok) return 0;
  return load<u64>(OUT_U64);
}

// ---------------- foreign functions ----------------

/** Result bytes (possibly empty) or null on failure (NotFound = unknown function). */
export function callForeignFunction(name: string, args: ArrayBuffer | null): ArrayBuffer | null {
  const n = encode1(name);
  store<usize>(OUT_PTR, 0);
  store<usize>(OUT_SIZE, 0);
  if (st(abi.proxy_call_foreign_function(n, putLen, bufPtr(args), bufLen(args), OUT_PTR, OUT_SIZE)) != WasmResult.Ok) return null;
  return takeBuffer(load<usize>(OUT_PTR), load<usize>(OUT_SIZE));
}

// ---------------- WASI ----------------

/** Fill [ptr, ptr+len) with random bytes (chunks of 64 KiB, Envoy's limit). Returns false on failure. */
export function randomGet(ptr: usize, len: usize): bool {
  while (len > 0) {
    const n = len > 65536 ? <usize>65536 : len;
    if (abi.wasi_random_get(ptr, n) != 0) return false;
    ptr += n;
    len -= n;
  }
  return true;
}


// Every callback of proxy-wasm ABI 0.2.1 that Envoy calls (reference §5), with exact signatures.
// Each one only forwards to the dispatcher. Callbacks of features a filter doesn't use (callouts,
// timers, queues, TCP) compile to tiny stubs: the dispatcher reaches their code through hooks
// that only the feature's own API installs. A filter's entry file must re-export this module:
//
//   export * from "../../../sdk/abi/exports";   (relative path from the entry file)

import * as d from "../dispatcher";
import { allocate } from "../runtime/memory";
// Pull in the abort/seed/trace replacements named by asconfig.json `use` (they must be in the program).
import "../runtime/abort";

/** ABI marker: its presence selects ABI 0.2.1. Never called. */
export function proxy_abi_version_0_2_1(): void {}

/** Allocator for host-returned data (runtime/memory.ts allocate); the SDK frees it (freeResult) after reading. */
export function proxy_on_memory_allocate(size: usize): usize {
  return allocate(size);
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  d.onContextCreate(contextId, parentContextId);
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): u32 {
  return d.onStartOrConfigure(rootContextId, vmConfigurationSize, false) ? 1 : 0;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): u32 {
  return d.onStartOrConfigure(rootContextId, pluginConfigurationSize, true) ? 1 : 0;
}

export function proxy_on_tick(rootContextId: u32): void {
  d.onTick(rootContextId);
}

export function proxy_on_queue_ready(rootContextId: u32, queueId: u32): void {
  d.onQueueReady(rootContextId, queueId);
}

export function proxy_on_foreign_function(rootContextId: u32, functionId: u32, argumentsSize: u32): void {
  d.onForeignFunction(rootContextId, functionId, argumentsSize);
}

// ---- HTTP ----

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: u32): u32 {
  return d.onHttp(d.HTTP_REQUEST_HEADERS, contextId, numHeaders, endOfStream != 0);
}
export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  return d.onHttp(d.HTTP_REQUEST_BODY, contextId, bodySize, endOfStream != 0);
}
export function proxy_on_request_trailers(contextId: u32, numTrailers: u32): u32 {
  return d.onHttp(d.HTTP_REQUEST_TRAILERS, contextId, numTrailers, false);
}
export function proxy_on_request_metadata(contextId: u32, numElements: u32): u32 {
  return d.onHttp(d.HTTP_REQUEST_METADATA, contextId, numElements, false);
}
export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: u32): u32 {
  return d.onHttp(d.HTTP_RESPONSE_HEADERS, contextId, numHeaders, endOfStream != 0);
}
export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  return d.onHttp(d.HTTP_RESPONSE_BODY, contextId, bodySize, endOfStream != 0);
}
export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): u32 {
  return d.onHttp(d.HTTP_RESPONSE_TRAILERS, contextId, numTrailers, false);
}
export function proxy_on_response_metadata(contextId: u32, numElements: u32): u32 {
  return d.onHttp(d.HTTP_RESPONSE_METADATA, contextId, numElements, false);
}

// ---- TCP ----

export function proxy_on_new_connection(contextId: u32): u32 {
  return <u32>d.onNewConnection(contextId);
}
export function proxy_on_downstream_data(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  return <u32>d.onDownstreamData(contextId, dataSize, endOfStream != 0);
}
export function proxy_on_upstream_data(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  return <u32>d.onUpstreamData(contextId, dataSize, endOfStream != 0);
}
export function proxy_on_downstream_connection_close(contextId: u32, peerType: u32): void {
  d.onDownstreamConnectionClose(contextId, peerType);
}
export function proxy_on_upstream_connection_close(contextId: u32, peerType: u32): void {
  d.onUpstreamConnectionClose(contextId, peerType);
}

// ---- callouts (always delivered on the root id) ----

export function proxy_on_http_call_response(rootContextId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  d.onHttpCallResponse(rootContextId, token, numHeaders, bodySize, numTrailers);
}
export function proxy_on_grpc_receive_initial_metadata(rootContextId: u32, token: u32, numElements: u32): void {
  d.onGrpcReceiveInitialMetadata(rootContextId, token, numElements);
}
export function proxy_on_grpc_receive(rootContextId: u32, token: u32, messageSize: u32): void {
  d.onGrpcReceive(rootContextId, token, messageSize);
}
export function proxy_on_grpc_receive_trailing_metadata(rootContextId: u32, token: u32, numElements: u32): void {
  d.onGrpcReceiveTrailingMetadata(rootContextId, token, numElements);
}
export function proxy_on_grpc_close(rootContextId: u32, token: u32, statusCode: u32): void {
  d.onGrpcClose(rootContextId, token, statusCode);
}

// ---- end of context ----

export function proxy_on_log(contextId: u32): void {
  d.onLogOrDone(contextId, false);
}
export function proxy_on_done(contextId: u32): u32 {
  return d.onLogOrDone(contextId, true) ? 1 : 0;
}
export function proxy_on_delete(contextId: u32): void {
  d.onDelete(contextId);
}

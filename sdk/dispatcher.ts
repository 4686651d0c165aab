// Context registry and callback routing (the layer between abi/exports.ts and user classes).
//
// - Root factories are registered by root id; on proxy_on_context_create(id, 0) the property
//   `plugin_root_id` picks the factory (fallback: the "" factory, else the only one registered).
//   A repeated create for an existing root id is ignored (cpp-host may re-start a root).
// - Stream contexts come from the root's createHttpContext(id) (or createTcpContext(id) when that
//   returns null). When both return null the stream has no context and every callback for it
//   returns Continue.
// - Callouts (http_call, grpc_call, grpc_stream) are remembered by token together with the id of
//   the context that was being called back when the call was made. Envoy delivers every callout
//   callback on the root id; before handing it to a stream context the dispatcher calls
//   proxy_set_effective_context(stream) so continueRequest()/sendLocalResponse() act on that
//   stream. If the stream was deleted meanwhile (or the host refuses the effective context), the
//   callback is NOT delivered; the callout object's onStreamGone(token) is called instead.
// - Contexts are removed on proxy_on_delete (before their onDelete runs).

import { FilterDataStatus, FilterHeadersStatus, FilterStatus, FilterTrailersStatus, PeerType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { RootContext, HttpContext, TcpContext, BaseContext } from "./context";
import { refreshLogLevel, logCritical } from "./logging";
import { IdTable } from "./runtime/idtable";

export type RootFactory = (contextId: u32) => RootContext;

// Few factories: a linked list with a linear search.
class FactoryEntry {
  constructor(public rootId: string, public fn: RootFactory, public next: FactoryEntry | null) {}
}
let factories: FactoryEntry | null = null;

function factoryEntry(rootId: string): FactoryEntry | null {
  let e = factories;
  while (e !== null) {
    if (e.rootId == rootId) return e;
    e = e.next;
  }
  return null;
}

/** Register the root context factory for plugins whose root_id is `rootId` ("" = default). */
export function registerRootContext(factory: RootFactory, rootId: string = ""): void {
  const e = factoryEntry(rootId);
  if (e !== null) e.fn = factory;
  else factories = new FactoryEntry(rootId, factory, factories);
}

/** Exact root id, else the "" factory, else the only one registered. */
function findFactory(rootId: string): RootFactory | null {
  let e = factoryEntry(rootId);
  if (e === null) e = factoryEntry("");
  if (e === null && factories !== null && factories!.next === null) e = factories;
  return e === null ? null : e.fn;
}

// Every live context (root, HTTP, TCP) by id; BaseContext.kind tells which.
// Envoy hands out context ids sequentially, so a direct-mapped array indexed by the low id bits
// holds nearly every context; an id whose slot is taken by another live context goes to the
// hash table. (IdTable<Object> is shared with the callout table so its code exists once.)
const DIRECT_BITS: u32 = 8;
const DIRECT_MASK: u32 = (1 << DIRECT_BITS) - 1;
const direct = new StaticArray<BaseContext | null>(1 << DIRECT_BITS);
const contexts = new IdTable<Object>();

function ctxPut(id: u32, c: BaseContext): void {
  const i = <i32>(id & DIRECT_MASK);
  if (unchecked(direct[i]) === null) unchecked(direct[i] = c);
  else contexts.set(id, c);
}

function ctxRemove(id: u32): BaseContext | null {
  const i = <i32>(id & DIRECT_MASK);
  const d = unchecked(direct[i]);
  if (d !== null && d.contextId == id) {
    unchecked(direct[i] = null);
    return d;
  }
  return contexts.size == 0 ? null : changetype<BaseContext | null>(contexts.delete(id));
}

function ctxGet(id: u32): BaseContext | null {
  if (id == lastId) return lastCtx;
  let c = unchecked(direct[<i32>(id & DIRECT_MASK)]);
  if (c === null || c.contextId != id) {
    if (contexts.size == 0) return null;
    c = changetype<BaseContext | null>(contexts.get(id));
  }
  if (c !== null) {
    lastId = id;
    lastCtx = c;
  }
  return c;
}

// one-entry cache: most callbacks hit the same context consecutively
let lastId: u32 = 0;
let lastCtx: BaseContext | null = null;

/** Id of the context whose callback is running (root id for callouts delivered to a root). */
let currentId: u32 = 0;

/** proxy_set_effective_context: later hostcalls of this VM call apply to context `id`. */
export function setEffectiveContext(id: u32): bool {
  return hc.setEffectiveContext(id) == WasmResult.Ok;
}

/** The context currently being called back (0 when none, e.g. during _initialize). */
export function currentContextId(): u32 {
  return currentId;
}

/** Look up a live context by id. */
// roots are looked up on every stream creation: a second one-entry cache for them
let lastRootId: u32 = 0;
let lastRoot: RootContext | null = null;

export function getRootContext(id: u32): RootContext | null {
  if (id == lastRootId) return lastRoot;
  const c = ctxGet(id);
  if (c === null || c.kind != KIND_ROOT) return null;
  const r = changetype<RootContext>(c);
  lastRootId = id;
  lastRoot = r;
  return r;
}
export function getHttpContext(id: u32): HttpContext | null {
  const c = ctxGet(id);
  return c !== null && c.kind == KIND_HTTP ? changetype<HttpContext>(c) : null;
}
export function getTcpContext(id: u32): TcpContext | null {
  const c = ctxGet(id);
  return c !== null && c.kind == KIND_TCP ? changetype<TcpContext>(c) : null;
}

// ---------------- callouts ----------------

/** Base of every callout callback object (HTTP call, gRPC call, gRPC stream). */
export class Callout {
  /** Token the host returned for this callout. */
  token: u32 = 0;
  /** Context that made the call. */
  contextId: u32 = 0;
  /** True for gRPC streams (they survive onGrpcReceive). */
  isStream: bool = false;

  /** The originating stream is gone; the response was dropped. Default: nothing. */
  onStreamGone(token: u32): void {}

  // internal delivery hooks, overridden by callouts.ts / grpc.ts
  _httpResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void {}
  _grpcInitialMetadata(numElements: u32): void {}
  _grpcMessage(messageSize: u32): void {}
  _grpcTrailingMetadata(numElements: u32): void {}
  _grpcClose(status: u32): void {}
}

const callouts = new IdTable<Object>();

/** Remember a callout token against the current context. */
export function registerCallout(token: u32, callout: Callout): void {
  callout.token = token;
  callout.contextId = currentId;
  callouts.set(token, callout);
}

/** Forget a callout (cancelled). */
export function forgetCallout(token: u32): void {
  callouts.delete(token);
}

/** Prepare delivery: returns the callout, or null when unknown or its stream is gone. */
function calloutFor(token: u32, remove: i32): Callout | null {
  const c = changetype<Callout | null>(callouts.get(token));
  if (c === null) return null;
  if (remove == 2) remove = c.isStream ? 0 : 1; // unary gRPC ends with its message
  if (remove) callouts.delete(token);
  const origin = c.contextId;
  const oc = ctxGet(origin);
  if (oc === null || oc.kind != KIND_ROOT) {
    if (oc === null || hc.setEffectiveContext(origin) != WasmResult.Ok) {
      if (!remove) callouts.delete(token);
      c.onStreamGone(token);
      return null;
    }
  }
  currentId = origin;
  return c;
}

// ---------------- entry points (called from abi/exports.ts) ----------------

export function onContextCreate(id: u32, parentId: u32): void {
  currentId = id;
  if (parentId == 0) {
    if (ctxGet(id) !== null) return; // tolerate a repeated create for an existing root
    refreshLogLevel();
    const rootId = hc.getPluginRootId();
    const factory = findFactory(rootId);
    let root: RootContext;
    if (factory === null) {
      logCritical("no root context registered for this plugin's root_id (registerRootContext)");
      root = new UnknownRoot(id);
    } else {
      root = factory(id);
    }
    root.rootId = rootId;
    root.kind = KIND_ROOT;
    ctxPut(id, root);
    return;
  }
  const root = getRootContext(parentId);
  if (root === null) return;
  const http = root.createHttpContext(id);
  if (http !== null) {
    http.kind = KIND_HTTP;
    ctxPut(id, http);
    lastId = id;
    lastCtx = http;
    return;
  }
  const tcp = root.createTcpContext(id);
  if (tcp !== null) {
    tcp.kind = KIND_TCP;
    ctxPut(id, tcp);
  }
}

/** Root whose factory was not found: fails onVmStart so Envoy rejects the config. */
class UnknownRoot extends RootContext {
  onVmStart(vmConfigurationSize: u32): bool { return false; }
  onConfigure(pluginConfigurationSize: u32): bool { return false; }
}

export function onVmStart(id: u32, size: u32): bool {
  currentId = id;
  refreshLogLevel();
  const r = getRootContext(id);
  return r === null ? true : r.onVmStart(size);
}

export function onConfigure(id: u32, size: u32): bool {
  currentId = id;
  refreshLogLevel();
  const r = getRootContext(id);
  return r === null ? true : r.onConfigure(size);
}

export function onTick(id: u32): void {
  currentId = id;
  refreshLogLevel();
  const r = getRootContext(id);
  if (r !== null) r.onTick();
}

export function onQueueReady(id: u32, queueId: u32): void {
  currentId = id;
  const r = getRootContext(id);
  if (r !== null) r.onQueueReady(queueId);
}

export function onForeignFunction(id: u32, functionId: u32, argsSize: u32): void {
  currentId = id;
  const r = getRootContext(id);
  if (r !== null) r.onForeignFunction(functionId, argsSize);
}

export function onRequestHeaders(id: u32, n: u32, eos: bool): FilterHeadersStatus {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? FilterHeadersStatus.Continue : c.onRequestHeaders(n, eos);
}
export function onRequestBody(id: u32, size: u32, eos: bool): FilterDataStatus {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? FilterDataStatus.Continue : c.onRequestBody(size, eos);
}
export function onRequestTrailers(id: u32, n: u32): FilterTrailersStatus {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? FilterTrailersStatus.Continue : c.onRequestTrailers(n);
}
export function onRequestMetadata(id: u32, n: u32): i32 {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? 0 : <i32>c.onRequestMetadata(n);
}
export function onResponseHeaders(id: u32, n: u32, eos: bool): FilterHeadersStatus {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? FilterHeadersStatus.Continue : c.onResponseHeaders(n, eos);
}
export function onResponseBody(id: u32, size: u32, eos: bool): FilterDataStatus {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? FilterDataStatus.Continue : c.onResponseBody(size, eos);
}
export function onResponseTrailers(id: u32, n: u32): FilterTrailersStatus {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? FilterTrailersStatus.Continue : c.onResponseTrailers(n);
}
export function onResponseMetadata(id: u32, n: u32): i32 {
  currentId = id;
  const c = getHttpContext(id);
  return c === null ? 0 : <i32>c.onResponseMetadata(n);
}

export function onNewConnection(id: u32): FilterStatus {
  currentId = id;
  const c = getTcpContext(id);
  return c === null ? FilterStatus.Continue : c.onNewConnection();
}
export function onDownstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  currentId = id;
  const c = getTcpContext(id);
  return c === null ? FilterStatus.Continue : c.onDownstreamData(size, eos);
}
export function onUpstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  currentId = id;
  const c = getTcpContext(id);
  return c === null ? FilterStatus.Continue : c.onUpstreamData(size, eos);
}
export function onDownstreamConnectionClose(id: u32, peer: u32): void {
  currentId = id;
  const c = getTcpContext(id);
  if (c !== null) c.onDownstreamConnectionClose(<PeerType>peer);
}
export function onUpstreamConnectionClose(id: u32, peer: u32): void {
  currentId = id;
  const c = getTcpContext(id);
  if (c !== null) c.onUpstreamConnectionClose(<PeerType>peer);
}

export function onLog(id: u32): void {
  currentId = id;
  const c = ctxGet(id);
  if (c === null) return;
  const k = c.kind;
  if (k == KIND_HTTP) changetype<HttpContext>(c).onLog();
  else if (k == KIND_TCP) changetype<TcpContext>(c).onLog();
  else changetype<RootContext>(c).onLog();
}

export function onDone(id: u32): bool {
  currentId = id;
  const c = ctxGet(id);
  if (c === null) return true;
  const k = c.kind;
  if (k == KIND_HTTP) changetype<HttpContext>(c).onDone();
  else if (k == KIND_TCP) changetype<TcpContext>(c).onDone();
  else return changetype<RootContext>(c).onDone();
  return true;
}

export function onDelete(id: u32): void {
  currentId = id;
  if (lastId == id) { lastId = 0; lastCtx = null; }
  if (lastRootId == id) { lastRootId = 0; lastRoot = null; }
  const c = ctxRemove(id);
  if (c === null) return;
  // Removed before onDelete runs, so callouts arriving later for it are dropped.
  // (Envoy cancels a deleted root's callouts; entries for those are never delivered — a small,
  // bounded leak per root deletion with calls in flight.)
  const k = c.kind;
  if (k == KIND_HTTP) changetype<HttpContext>(c).onDelete();
  else if (k == KIND_TCP) changetype<TcpContext>(c).onDelete();
  else changetype<RootContext>(c).onDelete();
}

export function onHttpCallResponse(rootId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  currentId = rootId;
  const c = calloutFor(token, 1);
  if (c !== null) c._httpResponse(numHeaders, bodySize, numTrailers);
}

export function onGrpcReceiveInitialMetadata(rootId: u32, token: u32, n: u32): void {
  currentId = rootId;
  const c = calloutFor(token, 0);
  if (c !== null) c._grpcInitialMetadata(n);
}

export function onGrpcReceive(rootId: u32, token: u32, size: u32): void {
  currentId = rootId;
  const c = calloutFor(token, 2);
  if (c !== null) c._grpcMessage(size);
}

export function onGrpcReceiveTrailingMetadata(rootId: u32, token: u32, n: u32): void {
  currentId = rootId;
  const c = calloutFor(token, 0);
  if (c !== null) c._grpcTrailingMetadata(n);
}

export function onGrpcClose(rootId: u32, token: u32, status: u32): void {
  currentId = rootId;
  const c = calloutFor(token, 1);
  if (c !== null) c._grpcClose(status);
}

export { BaseContext };
export const KIND_ROOT: u8 = 1;
export const KIND_HTTP: u8 = 2;
export const KIND_TCP: u8 = 3;

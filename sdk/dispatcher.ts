// Context registry and callback routing (the layer between abi/exports.ts and user classes).
//
// - Root factories are registered by root id; on proxy_on_context_create(id, 0) the property
//   `plugin_root_id` picks the factory (fallback: the "" factory, else the only one registered).
//   A repeated create for an existing root id is ignored (cpp-host may re-start a root).
// - Stream contexts: Envoy does not say whether a new stream is HTTP or TCP, so the root says
//   which kind it makes (RootContext.streamType(), Http by default) and only that factory is asked
//   (createHttpContext or createTcpContext). When it returns null the stream has no context and
//   every callback for it returns Continue.
// - Callouts (http_call, grpc_call, grpc_stream) are remembered by token together with the id of
//   the context that was being called back when the call was made. Envoy delivers every callout
//   callback on the root id; before handing it to a stream context the dispatcher calls
//   proxy_set_effective_context(stream) so continueRequest()/sendLocalResponse() act on that
//   stream. If the stream was deleted meanwhile (or the host refuses the effective context), the
//   callback is NOT delivered; the callout object's onStreamGone(token) is called instead.
//   When a root is deleted, the callouts it owns (its own and its streams') are forgotten: Envoy
//   cancels them.
// - Contexts are removed on proxy_on_delete (before their onDelete runs).
//
// Size: callouts, timers, queues and TCP are dispatched through hooks (function references) that
// are null until the feature is used (httpCall/grpcCall/grpcStream, setTickPeriod,
// SharedQueue.register, a root whose streamType() is Tcp). A filter that never uses a feature
// has no code for it: its proxy_on_* exports stay (Envoy checks them) but are tiny stubs.
//
// Speed: the hot paths work on raw pointers (usize) so they need no shadow-stack bookkeeping;
// the registry keeps contexts alive by pinning them (__pin) rather than through a managed table.

import { FilterDataStatus, FilterHeadersStatus, FilterStatus, FilterTrailersStatus, PeerType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { RootContext, HttpContext, TcpContext, BaseContext, ContextType } from "./context";
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
    if (sameString(e.rootId, rootId)) return e;
    e = e.next;
  }
  return null;
}

// (a plain loop: String#== drags in ~0.4 KB of general comparison code)
function sameString(a: string, b: string): bool {
  const n = <usize>a.length << 1;
  if (n != (<usize>b.length << 1)) return false;
  const pa = changetype<usize>(a), pb = changetype<usize>(b);
  for (let i: usize = 0; i < n; i += 2) if (load<u16>(pa + i) != load<u16>(pb + i)) return false;
  return true;
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

// ---------------- context registry ----------------
// Every live context (root, HTTP, TCP) by id; BaseContext.kind tells which. Envoy hands out
// context ids sequentially, so a direct-mapped table of 256 heads indexed by the low id bits
// finds nearly every context at the head; ids sharing a slot chain through BaseContext._chain.
// The table and the chains are raw pointers: a registered context is pinned (__pin, a GC root)
// until it is deleted, so lookups and updates cost no shadow-stack traffic or write barriers.

const SLOT_BITS: u32 = 8;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
const SLOTS: usize = memory.data(<i32>(4 << SLOT_BITS), 4);

export const KIND_ROOT: u8 = 1;
export const KIND_HTTP: u8 = 2;
export const KIND_TCP: u8 = 3;
/** A root whose plugin has no registered factory: fails onVmStart/onConfigure. */
const KIND_NO_ROOT: u8 = 4;

// one-entry cache: most callbacks hit the same context consecutively (raw pointer, 0 = none)
let lastId: u32 = 0;
let lastPtr: usize = 0;
// roots are looked up on every stream creation: a second one-entry cache for them
let lastRootId: u32 = 0;
let lastRootPtr: usize = 0;

// Field access through raw loads/stores: a changetype<BaseContext>(p).field temporary is a
// managed value that AS would spill to the shadow stack.
@inline function idOf(p: usize): u32 { return load<u32>(p + offsetof<BaseContext>("contextId")); }
@inline function kindOf(p: usize): u8 { return load<u8>(p + offsetof<BaseContext>("kind")); }
@inline function chainAt(p: usize): usize { return p + offsetof<BaseContext>("_chain"); }
@inline function slotOf(id: u32): usize { return SLOTS + (<usize>(id & SLOT_MASK) << alignof<usize>()); }

/** Raw pointer of the live context `id`, or 0. */
@inline function lookup(id: u32): usize {
  return id == lastId ? lastPtr : lookupSlow(id);
}

function lookupSlow(id: u32): usize {
  let p = load<usize>(slotOf(id));
  while (p != 0 && idOf(p) != id) p = load<usize>(chainAt(p));
  if (p != 0) {
    lastId = id;
    lastPtr = p;
  }
  return p;
}

@inline function lookupKind(id: u32, kind: u8): usize {
  const p = lookup(id);
  return p != 0 && kindOf(p) == kind ? p : 0;
}

/** Register context `p` (raw pointer) for `id`; false (nothing done) when it is not a fresh context made for `id`. */
function register(id: u32, p: usize, kind: u8): bool {
  if (idOf(p) != id) return false; // made for another id
  if (p == takenSpare) takenSpare = 0; // a spare handed back by recycledHttpContext: still pinned
  else if (kindOf(p) != 0) return false; // already registered
  else __pin(p);
  store<u8>(p + offsetof<BaseContext>("kind"), kind);
  const slot = slotOf(id);
  store<usize>(chainAt(p), load<usize>(slot));
  store<usize>(slot, p);
  lastId = id;
  lastPtr = p;
  return true;
}

/** Unlink context `id` from the table (it stays pinned); its raw pointer, or 0. */
function unregister(id: u32): usize {
  if (lastId == id) { lastId = 0; lastPtr = 0; }
  if (lastRootId == id) { lastRootId = 0; lastRootPtr = 0; }
  let link = slotOf(id);
  let p = load<usize>(link);
  while (p != 0) {
    const next = chainAt(p);
    if (idOf(p) == id) {
      store<usize>(link, load<usize>(next));
      store<usize>(next, 0);
      return p;
    }
    link = next;
    p = load<usize>(next);
  }
  return 0;
}

function rootPtr(id: u32): usize {
  if (id == lastRootId) return lastRootPtr;
  const p = lookupKind(id, KIND_ROOT);
  if (p != 0) {
    lastRootId = id;
    lastRootPtr = p;
  }
  return p;
}

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
export function getRootContext(id: u32): RootContext | null {
  return changetype<RootContext | null>(rootPtr(id));
}
export function getHttpContext(id: u32): HttpContext | null {
  return changetype<HttpContext | null>(lookupKind(id, KIND_HTTP));
}
export function getTcpContext(id: u32): TcpContext | null {
  return changetype<TcpContext | null>(lookupKind(id, KIND_TCP));
}

/** Id of the root that owns context `id` (the root itself for a root), 0 when unknown. */
function rootIdOf(id: u32): u32 {
  const p = lookup(id);
  if (p == 0) return 0;
  const k = kindOf(p);
  if (k == KIND_HTTP) return changetype<HttpContext>(p).rootContext.contextId;
  if (k == KIND_TCP) return changetype<TcpContext>(p).rootContext.contextId;
  return id;
}

// ---------------- feature hooks (null until the feature is used) ----------------

const OP_HTTP: u32 = 0;
const OP_GRPC_INITIAL: u32 = 1;
const OP_GRPC_MESSAGE: u32 = 2;
const OP_GRPC_TRAILING: u32 = 3;
const OP_GRPC_CLOSE: u32 = 4;
const OP_ROOT_GONE: u32 = 5;

const OP_TCP_NEW: u32 = 0;
const OP_TCP_DOWN_DATA: u32 = 1;
const OP_TCP_UP_DATA: u32 = 2;
const OP_TCP_DOWN_CLOSE: u32 = 3;
const OP_TCP_UP_CLOSE: u32 = 4;

// Hooks hold raw pointers to (static) function objects, 0 = not installed: a managed local would
// cost every stub a shadow-stack frame.
type CalloutHook = (op: u32, id: u32, token: u32, a: u32, b: u32, c: u32) => void;
type TcpHook = (op: u32, id: u32, a: u32, eos: bool) => FilterStatus;
type TickHook = (id: u32) => void;
type QueueHook = (id: u32, queueId: u32) => void;
let calloutHook: usize = 0;
let tcpHook: usize = 0;
let tickHook: usize = 0;
let queueHook: usize = 0;

/** Called by RootContext.setTickPeriod: from now on proxy_on_tick reaches RootContext.onTick. */
export function enableTicks(): void {
  tickHook = changetype<usize>(deliverTick);
}

/** Called by SharedQueue.register: from now on proxy_on_queue_ready reaches RootContext.onQueueReady. */
export function enableQueues(): void {
  queueHook = changetype<usize>(deliverQueueReady);
}

function deliverTick(id: u32): void {
  currentId = id;
  refreshLogLevel();
  const r = rootPtr(id);
  if (r != 0) changetype<RootContext>(r).onTick();
}

function deliverQueueReady(id: u32, queueId: u32): void {
  currentId = id;
  const r = rootPtr(id);
  if (r != 0) changetype<RootContext>(r).onQueueReady(queueId);
}

function deliverTcp(op: u32, id: u32, a: u32, eos: bool): FilterStatus {
  currentId = id;
  const p = lookupKind(id, KIND_TCP);
  if (p == 0) return FilterStatus.Continue;
  const c = changetype<TcpContext>(p);
  switch (op) {
    case OP_TCP_NEW: return c.onNewConnection();
    case OP_TCP_DOWN_DATA: return c.onDownstreamData(a, eos);
    case OP_TCP_UP_DATA: return c.onUpstreamData(a, eos);
    case OP_TCP_DOWN_CLOSE: c.onDownstreamConnectionClose(<PeerType>a); break;
    default: c.onUpstreamConnectionClose(<PeerType>a); break;
  }
  return FilterStatus.Continue;
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
  /** Root that owns the call (internal: Envoy cancels a deleted root's callouts). */
  _rootId: u32 = 0;

  /** The originating stream is gone; the response was dropped. Default: nothing. */
  onStreamGone(token: u32): void {}

  // internal delivery hooks, overridden by callouts.ts / grpc.ts
  _httpResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void {}
  _grpcInitialMetadata(numElements: u32): void {}
  _grpcMessage(messageSize: u32): void {}
  _grpcTrailingMetadata(numElements: u32): void {}
  _grpcClose(status: u32): void {}
}

let callouts: IdTable<Callout> | null = null;

/** Remember a callout token against the current context. */
export function registerCallout(token: u32, callout: Callout): void {
  let t = callouts;
  if (t === null) {
    callouts = t = new IdTable<Callout>();
    calloutHook = changetype<usize>(deliverCallout);
  }
  callout.token = token;
  callout.contextId = currentId;
  callout._rootId = rootIdOf(currentId);
  t.set(token, callout);
}

/** Forget a callout (cancelled). */
export function forgetCallout(token: u32): void {
  const t = callouts;
  if (t !== null) t.delete(token);
}

/** Number of callouts awaiting a response (for tests and diagnostics). */
export function pendingCallouts(): i32 {
  const t = callouts;
  return t === null ? 0 : t.size;
}

function deliverCallout(op: u32, rootId: u32, token: u32, a: u32, b: u32, c: u32): void {
  const t = callouts!;
  if (op == OP_ROOT_GONE) {
    // rootId = the deleted root: forget every callout it owns (Envoy cancels them)
    for (let i = 0, n = t.capacity; i < n; i++) {
      const v = t.valueAt(i);
      if (v !== null && v._rootId == rootId) t.delete(t.keyAt(i));
    }
    return;
  }
  currentId = rootId;
  const co = t.get(token);
  if (co === null) return;
  // unary calls end with their response / message / close; streams at close
  const ends = op == OP_HTTP || op == OP_GRPC_CLOSE || (op == OP_GRPC_MESSAGE && !co.isStream);
  if (ends) t.delete(token);
  const origin = co.contextId;
  const o = lookup(origin);
  if (o == 0 || kindOf(o) != KIND_ROOT) {
    if (o == 0 || hc.setEffectiveContext(origin) != WasmResult.Ok) {
      if (!ends) t.delete(token);
      co.onStreamGone(token);
      return;
    }
  }
  currentId = origin;
  switch (op) {
    case OP_HTTP: co._httpResponse(a, b, c); break;
    case OP_GRPC_INITIAL: co._grpcInitialMetadata(a); break;
    case OP_GRPC_MESSAGE: co._grpcMessage(a); break;
    case OP_GRPC_TRAILING: co._grpcTrailingMetadata(a); break;
    default: co._grpcClose(a); break;
  }
}

// ---------------- entry points (called from abi/exports.ts) ----------------

export function onContextCreate(id: u32, parentId: u32): void {
  currentId = id;
  if (parentId == 0) {
    createRoot(id);
    return;
  }
  const rp = rootPtr(parentId);
  if (rp == 0) return;
  const root = changetype<RootContext>(rp);
  if (root.streamType() == ContextType.Tcp) {
    const tcp = root.createTcpContext(id);
    if (tcp !== null && register(id, changetype<usize>(tcp), KIND_TCP)) tcpHook = changetype<usize>(deliverTcp);
    return;
  }
  const http = root.createHttpContext(id);
  if (http !== null) register(id, changetype<usize>(http), KIND_HTTP);
  if (takenSpare != 0) releaseTaken(); // a spare taken but not returned
}

function createRoot(id: u32): void {
  if (lookup(id) != 0) return; // tolerate a repeated create for an existing root
  refreshLogLevel();
  const rootId = hc.getPluginRootId();
  const factory = findFactory(rootId);
  let root: RootContext;
  if (factory === null) {
    // a root that fails onVmStart/onConfigure, so Envoy rejects the configuration
    logCritical("registerRootContext: no factory for this plugin's root_id");
    root = new RootContext(id);
  } else {
    root = factory(id);
  }
  root.rootId = rootId;
  register(id, changetype<usize>(root), factory === null ? KIND_NO_ROOT : KIND_ROOT);
}

/** proxy_on_vm_start (configure = false) and proxy_on_configure (configure = true). */
export function onStartOrConfigure(id: u32, size: u32, configure: bool): bool {
  currentId = id;
  refreshLogLevel();
  const p = lookup(id);
  if (p == 0) return true;
  const k = kindOf(p);
  if (k == KIND_NO_ROOT) return false;
  if (k != KIND_ROOT) return true;
  return configure ? changetype<RootContext>(p).onConfigure(size) : changetype<RootContext>(p).onVmStart(size);
}

export function onTick(id: u32): void {
  if (tickHook != 0) changetype<TickHook>(tickHook)(id);
}

export function onQueueReady(id: u32, queueId: u32): void {
  if (queueHook != 0) changetype<QueueHook>(queueHook)(id, queueId);
}

export function onForeignFunction(id: u32, functionId: u32, argsSize: u32): void {
  currentId = id;
  const r = lookupKind(id, KIND_ROOT);
  if (r != 0) changetype<RootContext>(r).onForeignFunction(functionId, argsSize);
}

// HTTP callbacks share one entry point (one lookup, one switch): smaller than eight inlined copies.
export const HTTP_REQUEST_HEADERS: u32 = 0;
export const HTTP_REQUEST_BODY: u32 = 1;
export const HTTP_REQUEST_TRAILERS: u32 = 2;
export const HTTP_REQUEST_METADATA: u32 = 3;
export const HTTP_RESPONSE_HEADERS: u32 = 4;
export const HTTP_RESPONSE_BODY: u32 = 5;
export const HTTP_RESPONSE_TRAILERS: u32 = 6;
export const HTTP_RESPONSE_METADATA: u32 = 7;

/** proxy_on_{request,response}_{headers,body,trailers,metadata}: the action (0 = Continue). */
export function onHttp(op: u32, id: u32, a: u32, eos: bool): u32 {
  currentId = id;
  const p = lookupKind(id, KIND_HTTP);
  if (p == 0) return 0;
  const c = changetype<HttpContext>(p);
  switch (op) {
    case HTTP_REQUEST_HEADERS: return <u32>c.onRequestHeaders(a, eos);
    case HTTP_REQUEST_BODY: return <u32>c.onRequestBody(a, eos);
    case HTTP_REQUEST_TRAILERS: return <u32>c.onRequestTrailers(a);
    case HTTP_REQUEST_METADATA: return <u32>c.onRequestMetadata(a);
    case HTTP_RESPONSE_HEADERS: return <u32>c.onResponseHeaders(a, eos);
    case HTTP_RESPONSE_BODY: return <u32>c.onResponseBody(a, eos);
    case HTTP_RESPONSE_TRAILERS: return <u32>c.onResponseTrailers(a);
    default: return <u32>c.onResponseMetadata(a);
  }
}

@inline function tcp(op: u32, id: u32, a: u32, eos: bool): FilterStatus {
  return tcpHook == 0 ? FilterStatus.Continue : changetype<TcpHook>(tcpHook)(op, id, a, eos);
}
export function onNewConnection(id: u32): FilterStatus {
  return tcp(OP_TCP_NEW, id, 0, false);
}
export function onDownstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  return tcp(OP_TCP_DOWN_DATA, id, size, eos);
}
export function onUpstreamData(id: u32, size: u32, eos: bool): FilterStatus {
  return tcp(OP_TCP_UP_DATA, id, size, eos);
}
export function onDownstreamConnectionClose(id: u32, peer: u32): void {
  tcp(OP_TCP_DOWN_CLOSE, id, peer, false);
}
export function onUpstreamConnectionClose(id: u32, peer: u32): void {
  tcp(OP_TCP_UP_CLOSE, id, peer, false);
}

/** proxy_on_log (done = false) and proxy_on_done (done = true; the result matters for roots only). */
export function onLogOrDone(id: u32, done: bool): bool {
  currentId = id;
  const p = lookup(id);
  if (p == 0) return true;
  const k = kindOf(p);
  if (k == KIND_HTTP) {
    if (done) changetype<HttpContext>(p).onDone();
    else changetype<HttpContext>(p).onLog();
  } else if (k == KIND_TCP) {
    if (done) changetype<TcpContext>(p).onDone();
    else changetype<TcpContext>(p).onLog();
  } else if (k == KIND_ROOT) {
    if (done) return changetype<RootContext>(p).onDone();
    changetype<RootContext>(p).onLog();
  }
  return true;
}

export function onDelete(id: u32): void {
  currentId = id;
  // Removed before onDelete runs, so callouts arriving later for it are dropped.
  const p = unregister(id);
  if (p == 0) return;
  const k = kindOf(p);
  if (k == KIND_HTTP) {
    changetype<HttpContext>(p).onDelete();
    if (recycleHook != 0 && changetype<RecycleHook>(recycleHook)(p)) return;
  } else if (k == KIND_TCP) changetype<TcpContext>(p).onDelete();
  else {
    if (calloutHook != 0) changetype<CalloutHook>(calloutHook)(OP_ROOT_GONE, id, 0, 0, 0, 0);
    changetype<RootContext>(p).onDelete();
    if (recycleHook != 0) releaseSpares(p);
  }
  __unpin(p); // collectable from now on, unless the filter still holds it
}

// ---------------- recycled HTTP contexts (installed by RootContext.recycledHttpContext) ----------------
// A deleted HTTP context whose recycle() returns true stays pinned on its root's spare list (linked
// through _chain) instead of being collected; the root's next recycledHttpContext(id) takes it back
// with its id rebound. At most SPARE_MAX per root (the rest are collected as usual); a deleted root
// releases its spares.

type RecycleHook = (p: usize) => bool;
let recycleHook: usize = 0;
const SPARE_MAX: u32 = 256;

/**
 * The spare last handed out by takeSpareHttp, until createHttpContext returns it (0 = none). It stays
 * pinned in between, so register() need not pin it again; onContextCreate unpins one that was not returned.
 */
let takenSpare: usize = 0;

/** RootContext.recycledHttpContext: a spare HTTP context of root `rp` bound to `id`, or 0. */
export function takeSpareHttp(rp: usize, id: u32): usize {
  recycleHook = changetype<usize>(recycleHttp);
  const root = changetype<RootContext>(rp);
  const p = root._spareHttp;
  if (p == 0) return 0;
  if (takenSpare != 0) releaseTaken(); // asked twice in one create: the first one was dropped
  root._spareHttp = load<usize>(chainAt(p));
  root._spareCount--;
  store<usize>(chainAt(p), 0);
  store<u32>(p + offsetof<BaseContext>("contextId"), id);
  takenSpare = p;
  return p;
}

/** A taken spare that createHttpContext did not return: an ordinary collectable object again. */
function releaseTaken(): void {
  const p = takenSpare;
  takenSpare = 0;
  __unpin(p);
}

/** After onDelete of HTTP context `p`: true when it went onto its root's spare list (stays pinned). */
function recycleHttp(p: usize): bool {
  // raw loads and stores: only recycle() handles the object as a managed value (no shadow-stack traffic)
  const rp = load<usize>(p + offsetof<HttpContext>("rootContext"));
  const count = rp + offsetof<RootContext>("_spareCount");
  // only for a live root (its spares are released when it is deleted), within the bound
  if (rootPtr(idOf(rp)) != rp || load<u32>(count) >= SPARE_MAX || !changetype<HttpContext>(p).recycle()) return false;
  const spares = rp + offsetof<RootContext>("_spareHttp");
  store<u8>(p + offsetof<BaseContext>("kind"), 0);
  store<usize>(chainAt(p), load<usize>(spares));
  store<usize>(spares, p);
  store<u32>(count, load<u32>(count) + 1);
  return true;
}

function releaseSpares(rp: usize): void {
  const root = changetype<RootContext>(rp);
  let p = root._spareHttp;
  root._spareHttp = 0;
  root._spareCount = 0;
  while (p != 0) {
    const next = load<usize>(chainAt(p));
    store<usize>(chainAt(p), 0);
    __unpin(p);
    p = next;
  }
}

@inline function callout(op: u32, rootId: u32, token: u32, a: u32, b: u32, c: u32): void {
  if (calloutHook != 0) changetype<CalloutHook>(calloutHook)(op, rootId, token, a, b, c);
}
export function onHttpCallResponse(rootId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  callout(OP_HTTP, rootId, token, numHeaders, bodySize, numTrailers);
}
export function onGrpcReceiveInitialMetadata(rootId: u32, token: u32, n: u32): void {
  callout(OP_GRPC_INITIAL, rootId, token, n, 0, 0);
}
export function onGrpcReceive(rootId: u32, token: u32, size: u32): void {
  callout(OP_GRPC_MESSAGE, rootId, token, size, 0, 0);
}
export function onGrpcReceiveTrailingMetadata(rootId: u32, token: u32, n: u32): void {
  callout(OP_GRPC_TRAILING, rootId, token, n, 0, 0);
}
export function onGrpcClose(rootId: u32, token: u32, status: u32): void {
  callout(OP_GRPC_CLOSE, rootId, token, status, 0, 0);
}

export { BaseContext };

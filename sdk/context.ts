// User-facing context classes. Every callback has a no-op default; override what you need.
//
//   class MyRoot extends RootContext {
//     createHttpContext(id: u32): HttpContext | null { return new MyHttp(id, this); }
//   }
//   class MyHttp extends HttpContext {
//     onRequestHeaders(n: u32, eos: bool): FilterHeadersStatus { ...; return FilterHeadersStatus.Continue; }
//   }
//   registerRootContext((id: u32): RootContext => new MyRoot(id), "my_root_id");

import {
  BufferType, FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterStatus, FilterTrailersStatus,
  PeerType, StreamType, WasmResult,
} from "./abi/enums";
import * as hc from "./hostcalls";
import { Body, bodyOf } from "./body";
import { HeaderMap, requestHeaders, requestTrailers, responseHeaders, responseTrailers } from "./headers";
import { Headers, encodePairs } from "./pairs";
import { hasIllegalHeaderChars } from "./runtime/memory";
import { clearRouteCache } from "./foreign";
import { enableTicks, takeSpareHttp } from "./dispatcher";

/** Which kind of stream context a root creates (Envoy does not tell the module at create time). */
export enum ContextType {
  /** HTTP streams (envoy.filters.http.wasm): the root's createHttpContext is asked. */
  Http = 0,
  /** TCP connections (envoy.filters.network.wasm): the root's createTcpContext is asked. */
  Tcp = 1,
}

/** Common base of every context. A context object is registered once, for the id it was made for. */
export class BaseContext {
  /** Set by the dispatcher when the context is registered (root / HTTP / TCP); 0 = not registered. */
  kind: u8;
  /** Internal: next context in the dispatcher's table slot, or in its root's spare list (raw pointer). */
  _chain: usize;
  constructor(public readonly contextId: u32) {}
}

/** A plugin instance (one per plugin config per worker VM). */
export class RootContext extends BaseContext {
  /** The plugin's root_id (`plugin_root_id`), filled in by the SDK before onVmStart. */
  rootId: string = "";
  /** Internal: HTTP contexts given back by HttpContext.recycle (raw pointers chained through _chain). */
  _spareHttp: usize = 0;
  _spareCount: u32 = 0;

  constructor(contextId: u32) {
    super(contextId);
  }

  /** Called once per root context (also in Envoy's canary). Return false to reject the VM. */
  onVmStart(vmConfigurationSize: u32): bool { return true; }
  /** Plugin configuration is readable only here (getPluginConfiguration). Return false to reject. */
  onConfigure(pluginConfigurationSize: u32): bool { return true; }
  onTick(): void {}
  onQueueReady(queueId: u32): void {}
  /** Return false to delay deletion until you call done(). */
  onDone(): bool { return true; }
  onDelete(): void {}
  /** Access-logger plugins get onLog on the root context. */
  onLog(): void {}
  onForeignFunction(functionId: u32, argumentsSize: u32): void {}

  /**
   * Kind of stream context this root creates: Http (default; createHttpContext is asked for every
   * new stream) or Tcp (override for network filters; createTcpContext is asked instead).
   */
  streamType(): ContextType { return ContextType.Http; }
  /** Return a new HttpContext for stream `contextId` (or null: the stream gets no context). */
  createHttpContext(contextId: u32): HttpContext | null { return null; }
  /**
   * An HTTP context of this root that a finished stream gave back (HttpContext.recycle returned
   * true), now bound to stream `contextId`; null when there is none. For createHttpContext:
   *
   *   createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new MyHttp(id, this); }
   *
   * Reusing the object saves its allocation and collection, the largest per-stream cost of the SDK
   * (~0.1 µs of a ~0.17 µs no-op lifecycle, bench/sdk). A root that makes several classes must not
   * recycle: the object returned is whichever class was given back.
   */
  recycledHttpContext(contextId: u32): HttpContext | null {
    return changetype<HttpContext | null>(takeSpareHttp(changetype<usize>(this), contextId));
  }
  /** Return a new TcpContext for connection `contextId`; asked only when streamType() is Tcp. */
  createTcpContext(contextId: u32): TcpContext | null { return null; }

  getVmConfiguration(): ArrayBuffer | null {
    return hc.getBufferBytes(BufferType.VmConfiguration, 0, u32.MAX_VALUE);
  }
  getVmConfigurationString(): string | null {
    return hc.getBufferString(BufferType.VmConfiguration, 0, u32.MAX_VALUE);
  }
  /** Only inside onConfigure. */
  getPluginConfiguration(): ArrayBuffer | null {
    return hc.getBufferBytes(BufferType.PluginConfiguration, 0, u32.MAX_VALUE);
  }
  getPluginConfigurationString(): string | null {
    return hc.getBufferString(BufferType.PluginConfiguration, 0, u32.MAX_VALUE);
  }
  /** 0 disables. The first tick comes `ms` later. */
  setTickPeriod(ms: u32): bool {
    enableTicks();
    return hc.setTickPeriodMilliseconds(ms) == WasmResult.Ok;
  }
  /** Signal that a root that returned false from onDone has finished (proxy_done). */
  done(): bool {
    return hc.done() == WasmResult.Ok;
  }
}

/** One HTTP stream. */
export class HttpContext extends BaseContext {
  constructor(contextId: u32, public readonly rootContext: RootContext) {
    super(contextId);
  }

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onRequestTrailers(numTrailers: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onRequestMetadata(numElements: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }
  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onResponseTrailers(numTrailers: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onResponseMetadata(numElements: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }
  /** Access-log time (Envoy: before onDone). Headers are readable (read-only). */
  onLog(): void {}
  onDone(): void {}
  onDelete(): void {}
  /**
   * Called after onDelete when the root reuses contexts (it calls recycledHttpContext). Return true
   * to give this object back for a later stream, after resetting every per-stream field to its
   * initial value; the default false lets it be collected. A recycled context must not be referenced
   * from anywhere else (a pending callout, a global): it will serve another stream.
   */
  recycle(): bool { return false; }

  get requestHeaders(): HeaderMap { return requestHeaders(); }
  get requestTrailers(): HeaderMap { return requestTrailers(); }
  get responseHeaders(): HeaderMap { return responseHeaders(); }
  get responseTrailers(): HeaderMap { return responseTrailers(); }
  get requestBody(): Body { return bodyOf(BufferType.HttpRequestBody); }
  get responseBody(): Body { return bodyOf(BufferType.HttpResponseBody); }

  /**
   * Reply locally instead of forwarding (deferred by Envoy until the callback returns; the
   * callback's result is then forced to Stop). Extra headers are appended. Returns false (and
   * sends nothing) if a header contains CR/LF/NUL. grpcStatus -1 = none.
   */
  sendLocalResponse(statusCode: u32, body: string = "", headers: Headers | null = null,
                    grpcStatus: i32 = -1, details: string = ""): bool {
    if (!headersLegal(headers)) return false;
    return hc.sendLocalResponseText(statusCode, details, body, encodeReplyHeaders(headers), grpcStatus) == WasmResult.Ok;
  }

  sendLocalResponseBytes(statusCode: u32, body: ArrayBuffer | null, headers: Headers | null = null,
                         grpcStatus: i32 = -1, details: string = ""): bool {
    if (!headersLegal(headers)) return false;
    return hc.sendLocalResponse(statusCode, details, body, encodeReplyHeaders(headers), grpcStatus) == WasmResult.Ok;
  }

  /**
   * Make later hostcalls of this VM call apply to this stream (proxy_set_effective_context).
   * Callout callbacks get this automatically; call it yourself when acting on a stream from a
   * root callback such as onTick or onQueueReady. False when the host no longer knows the stream.
   */
  setEffective(): bool { return hc.setEffectiveContext(this.contextId) == WasmResult.Ok; }

  /** Resume a paused request (from a later callback, e.g. a callout response). */
  continueRequest(): bool { return hc.continueStream(StreamType.HttpRequest) == WasmResult.Ok; }
  /** Resume a paused response. */
  continueResponse(): bool { return hc.continueStream(StreamType.HttpResponse) == WasmResult.Ok; }
  /** Reset the stream (Envoy: resetStream, details wasm_close_stream). */
  closeRequest(): bool { return hc.closeStream(StreamType.HttpRequest) == WasmResult.Ok; }
  closeResponse(): bool { return hc.closeStream(StreamType.HttpResponse) == WasmResult.Ok; }
  resetStream(): bool { return hc.closeStream(StreamType.HttpRequest) == WasmResult.Ok; }
  /** Foreign function clear_route_cache (ABI 0.2.x has no proxy_clear_route_cache). */
  clearRouteCache(): bool { return clearRouteCache(); }
}

/** False when a local reply's extra header contains CR, LF or NUL (nothing is sent then). */
function headersLegal(headers: Headers | null): bool {
  if (headers === null) return true;
  for (let i = 0, n = headers.length; i < n; i++) {
    const p = unchecked(headers[i]);
    if (hasIllegalHeaderChars(p.key) || hasIllegalHeaderChars(p.value)) return false;
  }
  return true;
}

/** A local reply's extra headers in the pairs format, or null for none. */
function encodeReplyHeaders(headers: Headers | null): ArrayBuffer | null {
  return headers !== null && headers.length > 0 ? encodePairs(headers) : null;
}

/** One TCP connection (envoy.filters.network.wasm). */
export class TcpContext extends BaseContext {
  constructor(contextId: u32, public readonly rootContext: RootContext) {
    super(contextId);
  }

  onNewConnection(): FilterStatus { return FilterStatus.Continue; }
  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus { return FilterStatus.Continue; }
  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus { return FilterStatus.Continue; }
  onDownstreamConnectionClose(peer: PeerType): void {}
  onUpstreamConnectionClose(peer: PeerType): void {}
  onLog(): void {}
  onDone(): void {}
  onDelete(): void {}

  get downstreamData(): Body { return bodyOf(BufferType.DownstreamData); }
  get upstreamData(): Body { return bodyOf(BufferType.UpstreamData); }

  /** See HttpContext.setEffective. */
  setEffective(): bool { return hc.setEffectiveContext(this.contextId) == WasmResult.Ok; }

  /** Resume reading from downstream. */
  continueDownstream(): bool { return hc.continueStream(StreamType.Downstream) == WasmResult.Ok; }
  closeDownstream(): bool { return hc.closeStream(StreamType.Downstream) == WasmResult.Ok; }
  closeUpstream(): bool { return hc.closeStream(StreamType.Upstream) == WasmResult.Ok; }
}

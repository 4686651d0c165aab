// HTTP callouts (proxy_http_call). Envoy issues them from the root and delivers the response on
// the root id; the SDK remembers which context made the call and, for a stream, sets it as the
// effective context before calling onHttpCallResponse (so continueRequest / sendLocalResponse of
// that stream work). If the stream is gone, onStreamGone(token) is called instead.
//
//   class AuthCallback extends HttpCallCallback {
//     constructor(public stream: MyHttp) { super(); }
//     onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
//       if (this.status() == "200") this.stream.continueRequest();
//       else this.stream.sendLocalResponse(403, "denied");
//     }
//   }
//   const r = httpCall("auth", [pair(":method","GET"), pair(":path","/check"), pair(":authority","auth")],
//                      null, 1000, new AuthCallback(this));
//   if (r.ok) return FilterHeadersStatus.StopIteration;

import { BufferType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { Callout, registerCallout } from "./dispatcher";
import { ReadonlyHeaderMap, httpCallResponseHeaders, httpCallResponseTrailers } from "./headers";
import { Headers, encodePairs } from "./pairs";
import { hasIllegalHeaderChars, utf8Encode } from "./runtime/memory";

/** Outcome of starting a callout: `token` (0 when it failed) and the host `status`. */
export class CalloutResult {
  constructor(public readonly status: WasmResult, public readonly token: u32) {}
  get ok(): bool { return this.status == WasmResult.Ok; }
}

/** Callback object for one HTTP callout. Override onHttpCallResponse. */
export class HttpCallCallback extends Callout {
  /** Number of headers/body bytes/trailers of the response; all 0 = the call failed (see failed()). */
  numHeaders: u32 = 0;
  bodySize: u32 = 0;
  numTrailers: u32 = 0;

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {}

  /** Response headers (map 6), valid only during onHttpCallResponse. */
  get headers(): ReadonlyHeaderMap { return httpCallResponseHeaders(); }
  /** Response trailers (map 7). */
  get trailers(): ReadonlyHeaderMap { return httpCallResponseTrailers(); }
  /** Response body (buffer 4). */
  body(): ArrayBuffer | null { return hc.getBufferBytes(BufferType.HttpCallResponseBody, 0, this.bodySize); }
  bodyString(): string | null { return hc.getBufferString(BufferType.HttpCallResponseBody, 0, this.bodySize); }
  /** The `:status` response header, or null (e.g. when the call failed). */
  status(): string | null { return httpCallResponseHeaders().get(":status"); }
  /** True when the call failed (no response: reset / connection failure). Code via hostcalls.getStatus(). */
  failed(): bool { return this.numHeaders == 0 && this.bodySize == 0 && this.numTrailers == 0; }

  /** After a failed call: the host status code (Envoy: 11 BrokenConnection, message "reset" in
   *  hostcalls.lastHostStatusMessage); -1 if unavailable. */
  failureCode(): i32 { return hc.getStatus(); }

  _httpResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    this.numHeaders = numHeaders;
    this.bodySize = bodySize;
    this.numTrailers = numTrailers;
    this.onHttpCallResponse(this.token, numHeaders, bodySize, numTrailers);
  }
}

/**
 * Dispatch an HTTP request to Envoy cluster `cluster`. Headers must include :method, :path and
 * :authority. timeoutMs 0 = no timeout. On failure no callback will ever fire.
 */
export function httpCall(cluster: string, headers: Headers, body: ArrayBuffer | null, timeoutMs: u32,
                         callback: HttpCallCallback, trailers: Headers | null = null): CalloutResult {
  for (let i = 0, n = headers.length; i < n; i++) {
    const p = unchecked(headers[i]);
    if (hasIllegalHeaderChars(p.key) || hasIllegalHeaderChars(p.value)) return new CalloutResult(WasmResult.BadArgument, 0);
  }
  const enc = encodePairs(headers);
  const tenc: ArrayBuffer | null = trailers !== null && trailers.length > 0 ? encodePairs(trailers) : null;
  const token = hc.httpCall(cluster, enc, body, tenc, timeoutMs);
  const status = hc.lastStatus;
  if (status == WasmResult.Ok) registerCallout(token, callback);
  return new CalloutResult(status, token);
}

/** Same as httpCall with a string body. */
export function httpCallString(cluster: string, headers: Headers, body: string, timeoutMs: u32,
                               callback: HttpCallCallback, trailers: Headers | null = null): CalloutResult {
  return httpCall(cluster, headers, body.length ? utf8Encode(body) : null, timeoutMs, callback, trailers);
}

// External authorization with an HTTP callout (proxy_http_call).
//
// On request headers the filter asks an auth service (an Envoy cluster) whether the request may pass,
// forwarding a few of the request's headers (e.g. `authorization`), and pauses the request. When the
// answer arrives:
//   2xx         → the configured headers of the auth response (e.g. `x-user`) are copied into the
//                 request (a client-sent value of those headers is always removed first), continue;
//   401         → local reply 401 with a JSON body (and the auth service's `www-authenticate`);
//   other 4xx   → local reply 403 with a JSON body;
//   5xx, reset, → the auth service is unavailable: local reply 503 (fail closed), or continue
//   timeout       without the copied headers when `failure_mode_allow` is true.
//
// Configuration (JSON, every field but `cluster` optional):
//   { "cluster": "auth", "authority": "auth", "path": "/check", "timeout_ms": 1000,
//     "forward_headers": ["authorization"], "copy_headers": ["x-user"], "failure_mode_allow": false }
import {
  RootContext, HttpContext, HttpCallCallback, FilterHeadersStatus, FilterDataStatus, ConfigReader,
  JsonWriter, Headers, pair, httpCall, registerRootContext, isLogEnabled, LogLevel, logDebug, logInfo,
  logWarn, logError,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";

class AuthConfig {
  cluster: string = "";
  authority: string = "";
  path: string = "/check";
  timeoutMs: u32 = 1000;
  forwardHeaders: string[] = ["authorization"];
  copyHeaders: string[] = [];
  failureModeAllow: bool = false;
}

/** A header name the filter may forward or copy: lower-case token characters, no pseudo-headers. */
function validHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e;
    if (!ok) return false;
  }
  return true;
}

function checkHeaderNames(r: ConfigReader, field: string, names: string[]): void {
  for (let i = 0; i < names.length; i++) {
    if (!validHeaderName(names[i])) {
      r.fail(field, "entry " + i.toString() + " (\"" + names[i] + "\") is not a lower-case header name");
      return;
    }
  }
}

class AuthRoot extends RootContext {
  config: AuthConfig = new AuthConfig();

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const c = new AuthConfig();
    c.cluster = r.requireString("cluster");
    c.authority = r.string("authority", c.cluster);
    c.path = r.string("path", c.path);
    c.timeoutMs = r.u32("timeout_ms", c.timeoutMs, 1, 60000);
    if (r.has("forward_headers")) c.forwardHeaders = r.stringArray("forward_headers");
    c.copyHeaders = r.stringArray("copy_headers");
    c.failureModeAllow = r.bool("failure_mode_allow", false);
    if (r.ok) {
      if (c.cluster.length == 0) r.fail("cluster", "must not be empty");
      else if (c.authority.length == 0) r.fail("authority", "must not be empty");
      else if (c.path.length == 0 || c.path.charCodeAt(0) != 0x2f) r.fail("path", "must start with '/'");
      checkHeaderNames(r, "forward_headers", c.forwardHeaders);
      checkHeaderNames(r, "copy_headers", c.copyHeaders);
    }
    r.finish();
    if (!r.ok) {
      logError("http-callout-auth: " + r.error!);
      return false;
    }
    this.config = c;
    if (isLogEnabled(LogLevel.Info)) logInfo("http-callout-auth: checking requests with cluster " + c.cluster + c.path);
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new AuthStream(id, this); }
}

class AuthStream extends HttpContext {
  constructor(id: u32, public root: AuthRoot) { super(id, root); }
  /** True from the callout until its answer: the request must not move on. */
  pending: bool = false;

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const c = this.root.config;
    const req = this.requestHeaders;
    // Never trust identity headers the client sent itself.
    for (let i = 0; i < c.copyHeaders.length; i++) req.remove(unchecked(c.copyHeaders[i]));

    const headers: Headers = [pair(":method", "GET"), pair(":path", c.path), pair(":authority", c.authority)];
    for (let i = 0; i < c.forwardHeaders.length; i++) {
      const name = unchecked(c.forwardHeaders[i]);
      const v = req.get(name);
      if (v !== null) headers.push(pair(name, v));
    }
    const r = httpCall(c.cluster, headers, null, c.timeoutMs, new AuthCallback(this));
    if (!r.ok) {
      // e.g. a forwarded value with CR/LF/NUL (refused by the SDK) or an unknown cluster.
      if (isLogEnabled(LogLevel.Warn)) logWarn("http-callout-auth: callout not sent (status " + (<i32>r.status).toString() + ")");
      return this.unavailable(false) ? FilterHeadersStatus.Continue : FilterHeadersStatus.StopAllIterationAndWatermark;
    }
    this.pending = true;
    // 4 (not 1): with allow_on_headers_stop_iteration: true, 1 would let body callbacks run and a
    // Continue from onRequestBody would release the request before the auth service answered.
    return FilterHeadersStatus.StopAllIterationAndWatermark;
  }

  onRequestBody(size: u32, endOfStream: bool): FilterDataStatus {
    // Not reached while paused with 4; kept as a guard should the headers status ever change.
    return this.pending ? FilterDataStatus.StopIterationAndBuffer : FilterDataStatus.Continue;
  }

  /** Auth service unusable. Returns true when the request goes on (failure_mode_allow). */
  unavailable(resume: bool): bool {
    if (this.root.config.failureModeAllow) {
      if (resume) this.continueRequest();
      return true;
    }
    this.deny(503, "auth_unavailable", null);
    return false;
  }

  deny(status: u32, error: string, extra: Headers | null): void {
    const body = new JsonWriter().beginObject().field("error", error).fieldInt("status", <i64>status).endObject().toString();
    const headers: Headers = [pair("content-type", "application/json")];
    if (extra !== null) for (let i = 0; i < extra.length; i++) headers.push(unchecked(extra[i]));
    if (!this.sendLocalResponse(status, body, headers, -1, "http_callout_auth_" + error)) {
      // an extra header was refused (CR/LF/NUL): reply without it
      this.sendLocalResponse(status, body, [pair("content-type", "application/json")], -1, "http_callout_auth_" + error);
    }
  }
}

class AuthCallback extends HttpCallCallback {
  constructor(public stream: AuthStream) { super(); }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    const s = this.stream;
    s.pending = false;
    if (this.failed()) {
      if (isLogEnabled(LogLevel.Warn)) logWarn("http-callout-auth: auth call failed (reset or no connection)");
      s.unavailable(true);
      return;
    }
    const st = this.status();
    const code = st === null ? 0 : parseStatus(st);
    if (code >= 200 && code < 300) {
      const copy = s.root.config.copyHeaders;
      const req = s.requestHeaders;
      for (let i = 0; i < copy.length; i++) {
        const name = unchecked(copy[i]);
        const v = this.headers.get(name);
        if (v !== null && !req.set(name, v) && isLogEnabled(LogLevel.Warn)) {
          logWarn("http-callout-auth: auth response header " + name + " not copied (illegal characters)");
        }
      }
      if (isLogEnabled(LogLevel.Debug)) logDebug("http-callout-auth: allowed stream " + s.contextId.toString());
      s.continueRequest();
    } else if (code == 401) {
      const challenge = this.headers.get("www-authenticate");
      s.deny(401, "unauthorized", challenge !== null ? [pair("www-authenticate", challenge)] : null);
    } else if (code >= 400 && code < 500) {
      s.deny(403, "forbidden", null);
    } else {
      // 5xx (incl. Envoy's own 503/504 for no upstream / timeout), 1xx/3xx, or no :status at all
      if (isLogEnabled(LogLevel.Warn)) logWarn("http-callout-auth: auth service answered " + (st === null ? "no status" : st));
      s.unavailable(true);
    }
  }

  onStreamGone(token: u32): void {
    if (isLogEnabled(LogLevel.Debug)) logDebug("http-callout-auth: stream ended before the auth answer");
  }
}

/** Three ASCII digits → 100..999, anything else → 0. */
function parseStatus(s: string): i32 {
  if (s.length != 3) return 0;
  let v = 0;
  for (let i = 0; i < 3; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return 0;
    v = v * 10 + d;
  }
  return v >= 100 ? v : 0;
}

registerRootContext((id: u32): RootContext => new AuthRoot(id), "http-callout-auth");

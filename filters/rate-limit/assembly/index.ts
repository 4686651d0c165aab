// Rate limiting by descriptor: local (token buckets in shared data, exact across every worker VM of the
// proxy) or global (Envoy's rate-limit service API over gRPC). See ../README.md.
import {
  RootContext, HttpContext, FilterHeadersStatus, ConfigReader, requestHeaders, responseHeaders, Counter, GrpcCallback, Headers, pair,
  registerRootContext, grpcCall, getCurrentTimeMilliseconds, randomU32, decimalUnsigned, decimal,
  isLogEnabled, LogLevel, logInfo, logWarn, logError, logDebug,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";
import * as abi from "../../../sdk/abi/imports";
import { Config, Rule, MODE_LOCAL, RLS_SERVICE, RLS_METHOD, readConfig, knownFields } from "./config";
import { Entries, keyBytes } from "./descriptor";
import { Outcome, consume, createSlots, FAIL_CAS, FAIL_OVERFLOW } from "./bucket";
import { encodeRequest, decodeResponse, Response, CODE_OVER_LIMIT } from "./rls";

// --- metrics (names are what Envoy shows as wasmcustom.rate_limit.*) ------------------------------
class Metrics {
  allowed: Counter = Counter.define("rate_limit.allowed");
  limited: Counter = Counter.define("rate_limit.limited");
  shadowLimited: Counter = Counter.define("rate_limit.shadow_limited");
  notEnforced: Counter = Counter.define("rate_limit.not_enforced");
  unmatched: Counter = Counter.define("rate_limit.unmatched");
  casRetries: Counter = Counter.define("rate_limit.cas_retries");
  casExhausted: Counter = Counter.define("rate_limit.local_failures", ["reason", "cas_exhausted"]);
  keyOverflow: Counter = Counter.define("rate_limit.local_failures", ["reason", "key_overflow"]);
  sharedData: Counter = Counter.define("rate_limit.local_failures", ["reason", "shared_data"]);
  reclaimed: Counter = Counter.define("rate_limit.keys_reclaimed");
  invalidValues: Counter = Counter.define("rate_limit.invalid_values");
  globalError: Counter = Counter.define("rate_limit.global_failures", ["reason", "error"]);
  globalTimeout: Counter = Counter.define("rate_limit.global_failures", ["reason", "timeout"]);
  globalMalformed: Counter = Counter.define("rate_limit.global_failures", ["reason", "malformed"]);
  globalCallFailed: Counter = Counter.define("rate_limit.global_failures", ["reason", "call_failed"]);
  failureDenied: Counter = Counter.define("rate_limit.failure_denied");
}
let metrics: Metrics | null = null;

const GRPC_DEADLINE_EXCEEDED: u32 = 4;
const OVER_SHADOW = 0, OVER_NOT_ENFORCED = 1, OVER_ENFORCED = 2;

/** Draft-03 `X-RateLimit-Limit`: the limit, then its quota policy with the window in seconds. */
function limitHeader(rpu: u64, windowSeconds: u64): string {
  const r = decimalUnsigned(rpu);
  return r + ", " + r + ";w=" + decimalUnsigned(windowSeconds);
}

// Local mode writes its three answer headers from bytes: names encoded once, the limit value once per
// rule (Rule.limitHeaderBytes), the two numbers formatted into a static buffer.
const H_LIMIT = String.UTF8.encode("x-ratelimit-limit");
const H_REMAINING = String.UTF8.encode("x-ratelimit-remaining");
const H_RESET = String.UTF8.encode("x-ratelimit-reset");
const DIGITS: usize = memory.data(20);

/** `v` in decimal at the end of DIGITS; returns the length (the digits start at DIGITS + 20 - length). */
function formatU64(v: u64): usize {
  let p = DIGITS + 20;
  do {
    store<u8>(--p, <u8>(48 + <u32>(v % 10)));
    v /= 10;
  } while (v != 0);
  return DIGITS + 20 - p;
}

// A local 429 is written from bytes too: the reply's header pairs (proxy-wasm pairs serialization:
// count, sizes, then each name and value NUL-terminated) built in one static buffer, body and details
// encoded once. At most 4 + 5 × 8 + names (85) + values (limit ≤ 48, three numbers ≤ 20, "true") + 10 NULs.
const H_RETRY_AFTER = String.UTF8.encode("retry-after");
const H_ENVOY_RATELIMITED = String.UTF8.encode("x-envoy-ratelimited");
const V_TRUE = String.UTF8.encode("true");
const LOCAL_RATE_LIMITED = String.UTF8.encode("local_rate_limited");
const REPLY: usize = memory.data(512);
let replyLens: usize = 0;
let replyData: usize = 0;

function replyBegin(n: u32): void {
  store<u32>(REPLY, n);
  replyLens = REPLY + 4;
  replyData = REPLY + 4 + (<usize>n << 3);
}

function replyPut(name: ArrayBuffer, vp: usize, vn: usize): void {
  const kn = <usize>name.byteLength;
  memory.copy(replyData, changetype<usize>(name), kn);
  store<u8>(replyData + kn, 0);
  memory.copy(replyData + kn + 1, vp, vn);
  store<u8>(replyData + kn + 1 + vn, 0);
  replyData += kn + vn + 2;
  store<u32>(replyLens, <u32>kn);
  store<u32>(replyLens, <u32>vn, 4);
  replyLens += 8;
}

function replyPutNumber(name: ArrayBuffer, v: u64): void {
  const d = formatU64(v);
  replyPut(name, DIGITS + 20 - d, d);
}

function setHeaderBytes(name: ArrayBuffer, vp: usize, vn: usize): void {
  responseHeaders().setRaw(changetype<usize>(name), <usize>name.byteLength, vp, vn);
}

function limitHeaderOf(rule: Rule): ArrayBuffer {
  let b = rule.limitHeaderBytes;
  if (b === null) {
    const lim = rule.limit!;
    rule.limitHeaderBytes = b = String.UTF8.encode(limitHeader(<u64>lim.requestsPerUnit, <u64>lim.unitSeconds));
  }
  return b;
}

class RateLimitRoot extends RootContext {
  config: Config = new Config();
  /** The descriptor entries of the request being decided (reset per request; see Entries). */
  entries: Entries | null = null;
  outcome: Outcome = new Outcome();
  warnedFailure: bool = false;

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const c = readConfig(r);
    if (!r.ok) {
      const e = r.error!;
      logError("rate-limit: " + e + (e.includes("unknown field") && !e.includes("].") && !e.includes(".") ? " (known: " + knownFields() + ")" : ""));
      return false;
    }
    if (c.mode == MODE_LOCAL && !createSlots(c.maxKeys)) {
      logError("rate-limit: could not create the " + decimal(c.maxKeys) + " shared-data slots (max_keys)");
      return false;
    }
    if (metrics === null) metrics = new Metrics();
    this.config = c;
    this.entries = new Entries(c, requestHeaders());
    if (isLogEnabled(LogLevel.Info)) {
      logInfo("rate-limit: " + (c.mode == MODE_LOCAL ? "local, max_keys " + decimal(c.maxKeys) : "global, domain " + c.domain + " via " + c.cluster) +
        ", " + decimal(c.rules.length) + " descriptor(s)" + (c.failureModeDeny ? ", failure_mode_deny" : ""));
    }
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return this.recycledHttpContext(id) || new RateLimitStream(id, this); }

  /** Limited and not shadow: enforced for enforce_percentage of requests. */
  enforced(): bool {
    const t = this.config.enforceThreshold;
    return t >= 0x100000000 || (t > 0 && <u64>randomU32() < t);
  }

  failure(what: string): void {
    if (!this.warnedFailure) {
      this.warnedFailure = true;
      logWarn("rate-limit: " + what + " (further failures are counted, logged at debug)");
    } else if (isLogEnabled(LogLevel.Debug)) logDebug("rate-limit: " + what);
  }
}

class RlsCallback extends GrpcCallback {
  constructor(public stream: RateLimitStream, public rule: Rule) { super(); }
  onGrpcReceive(token: u32, size: u32): void {
    const m = this.message();
    const res = decodeResponse(m === null ? new ArrayBuffer(0) : m);
    if (res === null) {
      metrics!.globalMalformed.increment();
      this.stream.failed("malformed rate-limit service response", false);
      return;
    }
    this.stream.globalAnswer(this.rule, res);
  }
  onGrpcClose(token: u32, status: u32): void {
    const timeout = status == GRPC_DEADLINE_EXCEEDED;
    (timeout ? metrics!.globalTimeout : metrics!.globalError).increment();
    this.stream.failed("rate-limit service call closed with gRPC status " + decimalUnsigned(status) + " " + this.statusMessage(), false);
  }
}

class RateLimitStream extends HttpContext {
  constructor(id: u32, public root: RateLimitRoot) { super(id, root); }
  /** Response headers for a request let through (global mode, or not enforced): written on the response. */
  answer: Headers | null = null;
  /** Local mode, allowed with x-ratelimit headers: the rule and the bucket's figures after this request. */
  localRule: Rule | null = null;
  localRemaining: u64 = 0;
  localReset: u64 = 0;
  /** A rate-limit service call is in flight (its callback holds this object: not recyclable). */
  calling: bool = false;

  recycle(): bool {
    if (this.calling) return false;
    this.answer = null;
    this.localRule = null;
    return true;
  }

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const c = this.root.config;
    const ent = this.root.entries!;
    ent.reset(this.requestHeaders);
    const rule = ent.match();
    if (ent.invalid) metrics!.invalidValues.increment(<u64>ent.invalid);
    if (rule === null) {
      metrics!.unmatched.increment();
      return FilterHeadersStatus.Continue;
    }
    return c.mode == MODE_LOCAL ? this.local(rule, ent) : this.global(rule, ent);
  }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const rule = this.localRule;
    if (rule !== null) {
      const lim = limitHeaderOf(rule);
      setHeaderBytes(H_LIMIT, changetype<usize>(lim), <usize>lim.byteLength);
      let d = formatU64(this.localRemaining);
      setHeaderBytes(H_REMAINING, DIGITS + 20 - d, d);
      d = formatU64(this.localReset);
      setHeaderBytes(H_RESET, DIGITS + 20 - d, d);
    }
    const a = this.answer;
    if (a !== null) {
      const h = this.responseHeaders;
      for (let i = 0; i < a.length; i++) h.set(unchecked(a[i]).key, unchecked(a[i]).value);
    }
    return FilterHeadersStatus.Continue;
  }

  // ------------------------------------------------------------------------------------- local
  private local(rule: Rule, ent: Entries): FilterHeadersStatus {
    const c = this.root.config;
    const lim = rule.limit!;
    const o = this.root.outcome;
    const kn = ent.writeKey(rule);
    consume(keyBytes(), kn, <u64>lim.requestsPerUnit, lim.unitMs, lim.capacityScaled, c.maxKeys, c.maxCasRetries, getCurrentTimeMilliseconds(), o);
    const m = metrics!;
    if (o.casRetries) m.casRetries.increment(<u64>o.casRetries);
    if (o.failure) {
      (o.failure == FAIL_CAS ? m.casExhausted : o.failure == FAIL_OVERFLOW ? m.keyOverflow : m.sharedData).increment();
      const what = o.failure == FAIL_CAS ? "CAS retries exhausted (max_cas_retries)" : o.failure == FAIL_OVERFLOW ? "no free slot for a new key (max_keys)" : "shared data refused";
      return this.failed(what + " on descriptor " + rule.name, true) ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.Continue;
    }
    if (o.reclaimed) m.reclaimed.increment();
    const withHeaders = c.headers && !rule.shadow;
    if (o.allowed) {
      m.allowed.increment();
      if (withHeaders) {
        this.localRule = rule;
        this.localRemaining = o.remaining;
        this.localReset = o.resetSeconds;
      }
      return FilterHeadersStatus.Continue;
    }
    const v = this.overLimit(rule);
    if (v == OVER_ENFORCED) {
      // the 429, as limited() sends it, from bytes: [x-ratelimit-*,] retry-after, x-envoy-ratelimited
      replyBegin(withHeaders ? 5 : 2);
      if (withHeaders) {
        const lb = limitHeaderOf(rule);
        replyPut(H_LIMIT, changetype<usize>(lb), <usize>lb.byteLength);
        replyPutNumber(H_REMAINING, o.remaining);
        replyPutNumber(H_RESET, o.resetSeconds);
      }
      replyPutNumber(H_RETRY_AFTER, o.retryAfterSeconds > 0 ? o.retryAfterSeconds : 1);
      replyPut(H_ENVOY_RATELIMITED, changetype<usize>(V_TRUE), <usize>V_TRUE.byteLength);
      const t = changetype<usize>(LOCAL_RATE_LIMITED), tn = <usize>LOCAL_RATE_LIMITED.byteLength;
      this.answer = null;
      abi.proxy_send_local_response(429, t, tn, t, tn, REPLY, replyData - REPLY, -1);
      return FilterHeadersStatus.StopIteration;
    }
    if (v == OVER_NOT_ENFORCED && withHeaders) {
      this.answer = [
        pair("x-ratelimit-limit", limitHeader(<u64>lim.requestsPerUnit, <u64>lim.unitSeconds)),
        pair("x-ratelimit-remaining", decimalUnsigned(o.remaining)),
        pair("x-ratelimit-reset", decimalUnsigned(o.resetSeconds)),
      ];
    }
    return FilterHeadersStatus.Continue;
  }

  /** Over the limit: counts and logs it; OVER_SHADOW, OVER_NOT_ENFORCED (let through) or OVER_ENFORCED (deny). */
  overLimit(rule: Rule): i32 {
    const m = metrics!;
    if (rule.shadow) {
      m.shadowLimited.increment();
      if (isLogEnabled(LogLevel.Info)) logInfo("rate-limit: shadow: descriptor " + rule.name + " over its limit, allowed");
      return OVER_SHADOW;
    }
    if (!this.root.enforced()) {
      m.notEnforced.increment();
      return OVER_NOT_ENFORCED;
    }
    m.limited.increment();
    return OVER_ENFORCED;
  }

  /** Over the limit: 429 unless shadow / not enforced. True when the request was answered. */
  limited(rule: Rule, headers: Headers | null, retryAfter: u64, body: string, details: string): bool {
    const v = this.overLimit(rule);
    if (v == OVER_SHADOW) return false;
    if (v == OVER_NOT_ENFORCED) {
      this.answer = headers;
      return false;
    }
    const h: Headers = headers !== null ? headers : [];
    h.push(pair("retry-after", decimalUnsigned(retryAfter > 0 ? retryAfter : 1)));
    h.push(pair("x-envoy-ratelimited", "true"));
    this.answer = null;
    this.sendLocalResponse(429, body, h, -1, details);
    return true;
  }

  /** A failed decision (local or global): allowed, or 500 with failure_mode_deny. True when answered. */
  failed(what: string, sync: bool): bool {
    this.root.failure(what);
    const deny = this.root.config.failureModeDeny;
    if (deny) {
      metrics!.failureDenied.increment();
      this.sendLocalResponse(500, "", null, -1, "rate_limiter_error");
    } else if (!sync) {
      this.continueRequest();
    }
    return deny;
  }

  // ------------------------------------------------------------------------------------ global
  private global(rule: Rule, ent: Entries): FilterHeadersStatus {
    const c = this.root.config;
    const n = rule.actionIndex.length;
    const keys = new Array<string>(n), values = new Array<string>(n);
    for (let e = 0; e < n; e++) {
      const ai = unchecked(rule.actionIndex[e]);
      unchecked(keys[e] = unchecked(c.actions[ai]).key);
      unchecked(values[e] = ent.get(ai)!);
    }
    const msg = encodeRequest(c.domain, keys, values);
    const r = grpcCall(c.cluster, RLS_SERVICE, RLS_METHOD, null, msg, c.timeoutMs, new RlsCallback(this, rule));
    this.calling = r.ok;
    if (!r.ok) {
      metrics!.globalCallFailed.increment();
      return this.failed("could not call the rate-limit service on cluster " + c.cluster + " (status " + decimal(<i32>r.status) + ")", true)
        ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.Continue;
    }
    return FilterHeadersStatus.StopIteration;
  }

  globalAnswer(rule: Rule, res: Response): void {
    const c = this.root.config;
    let headers: Headers | null = null;
    let retryAfter: u64 = 0;
    if (res.statuses.length) {
      const s = unchecked(res.statuses[0]);
      retryAfter = s.resetSeconds;
      if (c.headers && !rule.shadow && s.hasLimit && s.unitSeconds) {
        headers = [
          pair("x-ratelimit-limit", limitHeader(<u64>s.requestsPerUnit, <u64>s.unitSeconds)),
          pair("x-ratelimit-remaining", decimalUnsigned(<u64>s.limitRemaining)),
          pair("x-ratelimit-reset", decimalUnsigned(s.resetSeconds)),
        ];
      }
    }
    for (let i = 0; i < res.responseHeaders.length; i++) {
      if (headers === null) headers = [];
      headers.push(unchecked(res.responseHeaders[i]));
    }
    if (res.overallCode == CODE_OVER_LIMIT && this.limited(rule, headers, retryAfter, "", "request_rate_limited")) return;
    if (res.overallCode != CODE_OVER_LIMIT) metrics!.allowed.increment();
    const rh = res.requestHeaders;
    if (rh.length) {
      const req = this.requestHeaders;
      for (let i = 0; i < rh.length; i++) req.set(unchecked(rh[i]).key, unchecked(rh[i]).value);
    }
    if (this.answer === null) this.answer = headers;
    this.continueRequest();
  }
}

registerRootContext((id: u32): RootContext => new RateLimitRoot(id), "rate-limit");

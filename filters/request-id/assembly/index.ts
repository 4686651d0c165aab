// Request-ID and W3C trace-context propagation.
//
// Request headers:
//   1. request id: a valid incoming `header_name` (default x-request-id) is kept; an invalid one (longer
//      than `max_length`, empty, or a character outside [A-Za-z0-9._~+/=:@-]) is replaced and counted;
//      an absent one is generated (UUIDv4 from WASI random_get). With `trust_x_road_id`, a valid
//      X-Road-Id is used as the request id. The header is always written once (duplicates collapse).
//   2. traceparent (`trace_context`): a valid one keeps its trace id and flags and gets a fresh parent
//      (span) id; an invalid/absent one is replaced by a new trace (sampled per `sample_rate`), and its
//      tracestate removed.
//   3. X-Road (`x_road_headers`): X-Road-Id / X-Road-Request-Id set to the request id when absent or
//      invalid.
//   4. the id goes to Envoy filter state via set_envoy_filter_state(`filter_state_key`, id).
// Response headers (upstream responses and local replies of other filters alike): `header_name` = the id
// (`echo_request_id`), traceparent = the one sent upstream (`echo_traceparent`).
import {
  RootContext, HttpContext, FilterHeadersStatus, ConfigReader, Counter, registerRootContext,
  randomBytes, setEnvoyFilterState, isLogEnabled, LogLevel, logInfo, logWarn, logError,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";

const TRACEPARENT = "traceparent";
const TRACESTATE = "tracestate";
const X_ROAD_ID = "x-road-id";
const X_ROAD_REQUEST_ID = "x-road-request-id";

class RequestIdConfig {
  headerName: string = "x-request-id";
  maxLength: i32 = 128;
  keepIncoming: bool = true;
  echoRequestId: bool = true;
  traceContext: bool = true;
  echoTraceparent: bool = false;
  /** Probability in [0, 1] that a new trace is sampled, as a threshold over a random u32. */
  sampleRate: f64 = 1.0;
  sampleThreshold: u64 = 0x100000000;
  xRoadHeaders: bool = false;
  trustXRoadId: bool = false;
  filterStateKey: string = "envoy.string";
}

// --- metrics: <outcome> × kind ------------------------------------------------------------------
const KIND_REQUEST_ID = 0, KIND_TRACEPARENT = 1, KIND_X_ROAD = 2;
const KINDS: string[] = ["request_id", "traceparent", "x_road"];
let generated: Counter[] = [];
let kept: Counter[] = [];
let replaced: Counter[] = [];
let filterStateFailed: Counter | null = null;
function defineMetrics(): void {
  if (generated.length) return;
  for (let i = 0; i < KINDS.length; i++) {
    const k = unchecked(KINDS[i]);
    generated.push(Counter.define("request_id.generated", ["kind", k]));
    kept.push(Counter.define("request_id.kept", ["kind", k]));
    replaced.push(Counter.define("request_id.replaced_invalid", ["kind", k]));
  }
  filterStateFailed = Counter.define("request_id.filter_state_failed");
}

// --- validation ---------------------------------------------------------------------------------

/** An id we pass on: 1..max UTF-16 units, all in [A-Za-z0-9._~+/=:@-] (so ASCII: units = bytes). */
function validId(s: string, max: i32): bool {
  const n = s.length;
  if (n == 0 || n > max) return false;
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u16>(p + (<usize>i << 1));
    if ((c - 0x30) < 10 || ((c | 0x20) - 0x61) < 26) continue;
    // - . / : = @ _ ~ +
    if (c == 0x2d || c == 0x2e || c == 0x2f || c == 0x3a || c == 0x3d || c == 0x40 || c == 0x5f || c == 0x7e || c == 0x2b) continue;
    return false;
  }
  return true;
}

/** Lower-case hex digit value, or -1 (upper case is invalid in trace context). */
@inline function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  if (c - 0x61 < 6) return <i32>(c - 0x61 + 10);
  return -1;
}

/** `n` lower-case hex digits at unit offset `at` of `s`; false if any is not; `nonZero` → not all '0'. */
function hexRun(p: usize, at: i32, n: i32, nonZero: bool): bool {
  let any: u32 = 0;
  for (let i = at; i < at + n; i++) {
    const c = <u32>load<u16>(p + (<usize>i << 1));
    if (hexVal(c) < 0) return false;
    any |= c ^ 0x30;
  }
  return !nonZero || any != 0;
}

/**
 * W3C Trace Context (Level 1) traceparent: `version-traceid-parentid-flags`, lower-case hex.
 * Version ff is invalid; version 00 must be exactly 55 long; a higher version may be longer if the
 * 56th character is '-' (only the first four fields are used). Trace id and parent id must not be all
 * zero; flags must be two hex digits.
 */
function validTraceparent(s: string): bool {
  const n = s.length;
  if (n < 55) return false;
  const p = changetype<usize>(s);
  if (!hexRun(p, 0, 2, false)) return false;
  const v0 = load<u16>(p), v1 = load<u16>(p, 2);
  if (v0 == 0x66 && v1 == 0x66) return false; // ff
  const isV00 = v0 == 0x30 && v1 == 0x30;
  if (isV00 ? n != 55 : (n > 55 && load<u16>(p, 110) != 0x2d)) return false;
  if (load<u16>(p, 4) != 0x2d || load<u16>(p, 70) != 0x2d || load<u16>(p, 104) != 0x2d) return false;
  return hexRun(p, 3, 32, true) && hexRun(p, 36, 16, true) && hexRun(p, 53, 2, false);
}

// --- formatting ---------------------------------------------------------------------------------

@inline function hexDigit(d: u32): u16 { return <u16>(d < 10 ? 0x30 + d : 0x57 + d); }

function newString(units: i32): string {
  return changetype<string>(__new(<usize>units << 1, idof<string>()));
}

/** Writes bytes [src, src+n) as 2n hex digits at `dst` (UTF-16). */
function putHex(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const b = <u32>load<u8>(src + <usize>i);
    store<u32>(dst + (<usize>i << 2), <u32>hexDigit(b >> 4) | (<u32>hexDigit(b & 15) << 16));
  }
}

/** RFC 9562 UUIDv4 from 16 random bytes at `r` (version and variant bits set here). */
function uuidV4(r: usize): string {
  store<u8>(r, (load<u8>(r, 6) & 0x0f) | 0x40, 6);
  store<u8>(r, (load<u8>(r, 8) & 0x3f) | 0x80, 8);
  const s = newString(36);
  const p = changetype<usize>(s);
  putHex(p, r, 4);
  store<u16>(p, 0x2d, 16);
  putHex(p + 18, r + 4, 2);
  store<u16>(p, 0x2d, 26);
  putHex(p + 28, r + 6, 2);
  store<u16>(p, 0x2d, 36);
  putHex(p + 38, r + 8, 2);
  store<u16>(p, 0x2d, 46);
  putHex(p + 48, r + 10, 6);
  return s;
}

/** An all-zero id is invalid: make the last byte non-zero (probability 2^-64 / 2^-128). */
function nonZero(r: usize, n: i32): void {
  let any: u8 = 0;
  for (let i = 0; i < n; i++) any |= load<u8>(r + <usize>i);
  if (any == 0) store<u8>(r + <usize>(n - 1), 1);
}

/**
 * `00-<trace>-<span>-<flags>`. `incoming` = a valid traceparent whose trace id and flags are kept (or
 * null: trace id from the 16 bytes at `trace`, flags from `sampled`); the span id is 8 bytes at `span`.
 */
function traceparent(incoming: string | null, trace: usize, span: usize, sampled: bool): string {
  const s = newString(55);
  const p = changetype<usize>(s);
  store<u32>(p, 0x00300030); // "00"
  store<u16>(p, 0x2d, 4);
  if (incoming !== null) {
    memory.copy(p + 6, changetype<usize>(incoming) + 6, 64);
    store<u32>(p, load<u32>(changetype<usize>(incoming), 106), 106);
  } else {
    nonZero(trace, 16);
    putHex(p + 6, trace, 16);
    store<u32>(p, sampled ? 0x00310030 : 0x00300030, 106);
  }
  store<u16>(p, 0x2d, 70);
  nonZero(span, 8);
  putHex(p + 72, span, 8);
  store<u16>(p, 0x2d, 104);
  return s;
}

// --- contexts -----------------------------------------------------------------------------------

const FIELDS = "header_name, max_length, keep_incoming, echo_request_id, trace_context, echo_traceparent, sample_rate, x_road_headers, trust_x_road_id, filter_state_key";

function validHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = <u32>name.charCodeAt(i);
    if (!((c - 0x61) < 26 || (c - 0x30) < 10 || c == 0x2d || c == 0x5f || c == 0x2e)) return false;
  }
  return true;
}

function readConfig(r: ConfigReader): RequestIdConfig {
  const c = new RequestIdConfig();
  c.headerName = r.string("header_name", c.headerName);
  c.maxLength = <i32>r.u32("max_length", <u32>c.maxLength, 1, 4096);
  c.keepIncoming = r.bool("keep_incoming", c.keepIncoming);
  c.echoRequestId = r.bool("echo_request_id", c.echoRequestId);
  c.traceContext = r.bool("trace_context", c.traceContext);
  c.echoTraceparent = r.bool("echo_traceparent", c.echoTraceparent);
  c.sampleRate = r.f64("sample_rate", c.sampleRate, 0.0, 1.0);
  c.xRoadHeaders = r.bool("x_road_headers", c.xRoadHeaders);
  c.trustXRoadId = r.bool("trust_x_road_id", c.trustXRoadId);
  c.filterStateKey = r.string("filter_state_key", c.filterStateKey);
  if (r.ok) {
    if (!validHeaderName(c.headerName)) r.fail("header_name", "must be a lower-case header name, got \"" + c.headerName + "\"");
    else if (c.headerName == TRACEPARENT || c.headerName == TRACESTATE) r.fail("header_name", "must not be a trace-context header");
    else if ((c.xRoadHeaders || c.trustXRoadId) && (c.headerName == X_ROAD_ID || c.headerName == X_ROAD_REQUEST_ID)) {
      r.fail("header_name", "must not be an X-Road header when x_road_headers or trust_x_road_id is set");
    }
  }
  r.finish();
  c.sampleThreshold = <u64>(c.sampleRate * 4294967296.0);
  return c;
}

class RequestIdRoot extends RootContext {
  config: RequestIdConfig = new RequestIdConfig();
  warnedFilterState: bool = false;

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const c = readConfig(r);
    if (!r.ok) {
      const e = r.error!;
      logError("request-id: " + e + (e.includes("unknown field") ? " (known: " + FIELDS + ")" : ""));
      return false;
    }
    this.config = c;
    defineMetrics();
    if (isLogEnabled(LogLevel.Info)) logInfo("request-id: header " + c.headerName + (c.traceContext ? ", trace context on" : ", trace context off"));
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new RequestIdStream(id, this); }
}

class RequestIdStream extends HttpContext {
  constructor(id: u32, public root: RequestIdRoot) { super(id, root); }
  id: string = "";
  tp: string = "";

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const c = this.root.config;
    const req = this.requestHeaders;
    const max = c.maxLength;

    // 1. request id (X-Road-Id first when trusted)
    let id: string | null = null;
    let xroadId: string | null = null;
    let xroadOk = false;
    if (c.xRoadHeaders || c.trustXRoadId) {
      xroadId = req.get(X_ROAD_ID);
      if (xroadId !== null) {
        xroadOk = validId(xroadId, max);
        unchecked((xroadOk ? kept : replaced)[KIND_X_ROAD]).increment();
      }
    }
    if (c.trustXRoadId && xroadOk) {
      id = xroadId;
    } else {
      const incoming = req.get(c.headerName);
      if (incoming !== null && c.keepIncoming && validId(incoming, max)) {
        id = incoming;
        unchecked(kept[KIND_REQUEST_ID]).increment();
      } else if (incoming !== null && c.keepIncoming) {
        unchecked(replaced[KIND_REQUEST_ID]).increment();
      } else {
        unchecked(generated[KIND_REQUEST_ID]).increment();
      }
    }

    // randomness: one random_get for everything this request needs
    let tpIn: string | null = null;
    if (c.traceContext) {
      tpIn = req.get(TRACEPARENT);
      if (tpIn !== null && !validTraceparent(tpIn)) {
        unchecked(replaced[KIND_TRACEPARENT]).increment();
        tpIn = null;
        req.remove(TRACESTATE);
      } else if (tpIn === null) {
        unchecked(generated[KIND_TRACEPARENT]).increment();
        req.remove(TRACESTATE);
      } else {
        unchecked(kept[KIND_TRACEPARENT]).increment();
      }
    }
    const need = (id === null ? 16 : 0) + (c.traceContext ? (tpIn === null ? 28 : 8) : 0);
    const rnd = need ? randomBytes(need) : new ArrayBuffer(0);
    let r = changetype<usize>(rnd);
    if (rnd.byteLength < need) {
      // random_get failed (Envoy never does this): zeroed bytes still yield well-formed ids
      r = changetype<usize>(new ArrayBuffer(need));
    }
    if (id === null) {
      id = uuidV4(r);
      r += 16;
    }
    this.id = id;
    req.set(c.headerName, id);

    if (c.traceContext) {
      let sampled = false;
      if (tpIn === null) {
        sampled = <u64>load<u32>(r + 24) < c.sampleThreshold;
      }
      this.tp = traceparent(tpIn, r + 8, r, sampled);
      req.set(TRACEPARENT, this.tp);
    }

    // 3. X-Road ids
    if (c.xRoadHeaders) {
      // absent → the request id; invalid → replaced by it; valid → kept
      if (xroadId === null) unchecked(generated[KIND_X_ROAD]).increment();
      if (!xroadOk) req.set(X_ROAD_ID, id);
      const xr = req.get(X_ROAD_REQUEST_ID);
      if (xr === null) req.set(X_ROAD_REQUEST_ID, id);
      else if (!validId(xr, max)) {
        unchecked(replaced[KIND_X_ROAD]).increment();
        req.set(X_ROAD_REQUEST_ID, id);
      }
    } else if (c.trustXRoadId && xroadId !== null && !xroadOk) {
      // judged invalid: never passed on
      req.remove(X_ROAD_ID);
    }

    // 4. filter state for the access log
    if (c.filterStateKey.length) {
      if (!setEnvoyFilterState(c.filterStateKey, id)) {
        filterStateFailed!.increment();
        if (!this.root.warnedFilterState) {
          this.root.warnedFilterState = true;
          logWarn("request-id: set_envoy_filter_state(\"" + c.filterStateKey + "\") refused; Envoy needs an ObjectFactory registered under that name (e.g. envoy.string)");
        }
      }
    }
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const c = this.root.config;
    if (c.echoRequestId) {
      let id = this.id;
      if (id.length == 0) {
        // response without our request phase (not expected from Envoy): still answer with a valid id
        const rnd = randomBytes(16);
        id = this.id = uuidV4(rnd.byteLength == 16 ? changetype<usize>(rnd) : changetype<usize>(new ArrayBuffer(16)));
      }
      this.responseHeaders.set(c.headerName, id);
    }
    if (c.echoTraceparent && this.tp.length) this.responseHeaders.set(TRACEPARENT, this.tp);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32): RootContext => new RequestIdRoot(id), "request-id");

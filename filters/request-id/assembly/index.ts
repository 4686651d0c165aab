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
//
// Hot path: headers are read and written as raw UTF-8 bytes (HeaderMap.getRaw/setRaw) and validated in
// place; ids are rendered into static buffers; randomness comes from a pool refilled by one random_get per
// ~36 requests; the stream keeps the id and trace as integers (a kept id is the only per-request copy).
import {
  RootContext, HttpContext, FilterHeadersStatus, ConfigReader, Counter, registerRootContext,
  callForeignFunction, rawValuePtr, MetricType, isLogEnabled, LogLevel, logInfo, logWarn, logError,
} from "../../../sdk";
import { randomGet } from "../../../sdk/hostcalls";
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
/** Counters by full name (`<outcome>.kind=<k>`, see README), built directly: no tag encoding, no registry. */
function counter(name: string): Counter { return new Counter(name, MetricType.Counter); }
function defineMetrics(): void {
  if (generated.length) return;
  for (let i = 0; i < KINDS.length; i++) {
    const k = ".kind=" + unchecked(KINDS[i]);
    generated.push(counter("request_id.generated" + k));
    kept.push(counter("request_id.kept" + k));
    replaced.push(counter("request_id.replaced_invalid" + k));
  }
  filterStateFailed = counter("request_id.filter_state_failed");
}

// --- byte constants and static buffers -------------------------------------------------------------

/** UTF-8 bytes of an ASCII string, kept for the module's life (made once, at start-up). */
function bytesOf(s: string): ArrayBuffer { return String.UTF8.encode(s); }
const TRACEPARENT_B = bytesOf(TRACEPARENT);
const TRACESTATE_B = bytesOf(TRACESTATE);
const X_ROAD_ID_B = bytesOf(X_ROAD_ID);
const X_ROAD_REQUEST_ID_B = bytesOf(X_ROAD_REQUEST_ID);
@inline function ptr(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline function len(b: ArrayBuffer): usize { return <usize>b.byteLength; }

/** A rendered UUID (36 bytes) and traceparent (55 bytes). */
const ID_TEXT: usize = memory.data(36);
const TP_TEXT: usize = memory.data(55);

// Randomness pool: WASI random_get (Envoy: the OS CSPRNG) in 1 KiB refills instead of one call per request.
const POOL_SIZE: usize = 1024;
const POOL: usize = memory.data(<i32>POOL_SIZE, 8);
let poolPos: usize = POOL_SIZE;
/** Address of `n` (≤ 64) fresh random bytes. If random_get fails (Envoy never does), zeros: still well-formed ids. */
function random(n: usize): usize {
  if (poolPos + n > POOL_SIZE) {
    if (!randomGet(POOL, POOL_SIZE)) memory.fill(POOL, 0, POOL_SIZE);
    poolPos = 0;
  }
  const p = POOL + poolPos;
  poolPos += n;
  return p;
}

// --- validation (on bytes) ----------------------------------------------------------------------

/** An id we pass on: 1..max bytes, all in [A-Za-z0-9._~+/=:@-]. */
function validId(p: usize, n: i32, max: i32): bool {
  if (n <= 0 || n > max) return false;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
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

/** Parsed hex of the last hexRun (up to 16 digits). */
let hexOut: u64 = 0;
/** `n` lower-case hex digits at `p`; false if any is not. Their value (low 64 bits) in hexOut. */
function hexRun(p: usize, n: i32): bool {
  let v: u64 = 0;
  for (let i = 0; i < n; i++) {
    const h = hexVal(<u32>load<u8>(p + <usize>i));
    if (h < 0) return false;
    v = (v << 4) | <u64>h;
  }
  hexOut = v;
  return true;
}

// the fields of the last valid traceparent
let tpTraceHi: u64 = 0, tpTraceLo: u64 = 0, tpFlags: u32 = 0;

/**
 * W3C Trace Context (Level 1) traceparent: `version-traceid-parentid-flags`, lower-case hex.
 * Version ff is invalid; version 00 must be exactly 55 long; a higher version may be longer if the
 * 56th character is '-' (only the first four fields are used). Trace id and parent id must not be all
 * zero; flags must be two hex digits. On success the trace id and flags are in tpTrace*, tpFlags.
 */
function validTraceparent(p: usize, n: i32): bool {
  if (n < 55 || !hexRun(p, 2)) return false;
  const v = <u32>hexOut;
  if (v == 0xff) return false;
  if (v == 0 ? n != 55 : (n > 55 && load<u8>(p, 55) != 0x2d)) return false;
  if (load<u8>(p, 2) != 0x2d || load<u8>(p, 35) != 0x2d || load<u8>(p, 52) != 0x2d) return false;
  if (!hexRun(p + 3, 16)) return false;
  const hi = hexOut;
  if (!hexRun(p + 19, 16)) return false;
  const lo = hexOut;
  if ((hi | lo) == 0 || !hexRun(p + 36, 16) || hexOut == 0 || !hexRun(p + 53, 2)) return false;
  tpTraceHi = hi;
  tpTraceLo = lo;
  tpFlags = <u32>hexOut;
  return true;
}

// --- formatting (into static buffers) -------------------------------------------------------------

@inline function hexDigit(d: u32): u32 { return d < 10 ? 0x30 + d : 0x57 + d; }

/** Writes the `n` low bytes of `v` (big-endian) as 2n hex digits at `dst`; a '-' after byte i when bit i of `dashes`. */
function putHex(dst: usize, v: u64, n: i32, dashes: u32): usize {
  v <<= <u64>(64 - (n << 3)); // first byte in the top bits
  for (let i = 0; i < n; i++) {
    const b = <u32>(v >> 56);
    store<u16>(dst, <u16>(hexDigit(b >> 4) | (hexDigit(b & 15) << 8)));
    dst += 2;
    if (dashes & (1 << i)) store<u8>(dst++, 0x2d);
    v <<= 8;
  }
  return dst;
}

/** RFC 9562 UUIDv4 text (8-4-4-4-12) of the 128 bits (hi, lo) at ID_TEXT; version and variant bits set here. */
function renderUuid(hi: u64, lo: u64): usize {
  hi = (hi & 0xffffffffffff0fff) | 0x4000;
  lo = (lo & 0x3fffffffffffffff) | 0x8000000000000000;
  putHex(putHex(ID_TEXT, hi, 8, 0b10101000), lo, 8, 0b10);
  return ID_TEXT;
}

/** `00-<trace>-<span>-<flags>` at TP_TEXT. */
function renderTraceparent(hi: u64, lo: u64, span: u64, flags: u32): usize {
  store<u32>(TP_TEXT, 0x2d3030); // "00-"
  const p = putHex(putHex(putHex(TP_TEXT + 3, hi, 8, 0), lo, 8, 0x80), span, 8, 0x80);
  putHex(p, flags, 1, 0);
  return TP_TEXT;
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
  /** UTF-8 of config.headerName and config.filterStateKey. */
  name: ArrayBuffer = bytesOf("x-request-id");
  fsKey: ArrayBuffer = bytesOf("");
  /** set_envoy_filter_state arguments of the last id length, rewritten in place (see setFilterState). */
  fsArgs: ArrayBuffer | null = null;
  fsValueAt: usize = 0;
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
    this.name = bytesOf(c.headerName);
    this.fsKey = bytesOf(c.filterStateKey);
    this.fsArgs = null;
    defineMetrics();
    if (isLogEnabled(LogLevel.Info)) logInfo("request-id: header " + c.headerName + (c.traceContext ? ", trace context on" : ", trace context off"));
    return true;
  }

  /**
   * SetEnvoyFilterStateArguments {path = 1: key, value = 2: the id} (span FilterChain = 0, the proto
   * default, is not written). The encoded message is kept and only its value rewritten while ids have the
   * same length (UUIDs always do), so the common path allocates nothing.
   */
  setFilterState(id: usize, n: usize): bool {
    const key = this.fsKey;
    let args = this.fsArgs;
    const kl = len(key);
    if (args === null || len(args) != this.fsValueAt + n || kl > 127 || n > 127) {
      // two-byte varint lengths are enough for keys and ids ≤ 16383 bytes (max_length ≤ 4096)
      const kv: usize = kl < 128 ? 1 : 2;
      const iv: usize = n < 128 ? 1 : 2;
      args = new ArrayBuffer(<i32>(<usize>2 + kv + kl + iv + n));
      let p = ptr(args);
      store<u8>(p++, 0x0a);
      if (kv == 2) { store<u8>(p++, <u8>(kl | 0x80)); store<u8>(p++, <u8>(kl >> 7)); } else store<u8>(p++, <u8>kl);
      memory.copy(p, ptr(key), kl);
      p += kl;
      store<u8>(p++, 0x12);
      if (iv == 2) { store<u8>(p++, <u8>(n | 0x80)); store<u8>(p++, <u8>(n >> 7)); } else store<u8>(p++, <u8>n);
      this.fsArgs = args;
      this.fsValueAt = p - ptr(args);
    }
    memory.copy(ptr(args) + this.fsValueAt, id, n);
    return callForeignFunction("set_envoy_filter_state", args) !== null;
  }

  createHttpContext(id: u32): HttpContext | null { return new RequestIdStream(id, this); }
}

class RequestIdStream extends HttpContext {
  constructor(id: u32, public root: RequestIdRoot) { super(id, root); }
  /** 0: no id yet; 1: generated UUID (idHi, idLo); 2: another id, copied in `kept`. */
  idKind: u8 = 0;
  idHi: u64 = 0;
  idLo: u64 = 0;
  kept: ArrayBuffer | null = null;
  /** The traceparent sent upstream (hasTp), as integers. */
  hasTp: bool = false;
  tpFlags: u8 = 0;
  traceHi: u64 = 0;
  traceLo: u64 = 0;
  span: u64 = 0;

  /** Keeps the id at [p, p+n) (a copy: the host's value buffer is reused by the next getRaw). */
  keep(p: usize, n: i32): void {
    const b = new ArrayBuffer(n);
    memory.copy(ptr(b), p, <usize>n);
    this.kept = b;
    this.idKind = 2;
  }

  generate(): void {
    const r = random(16);
    this.idHi = load<u64>(r);
    this.idLo = load<u64>(r, 8);
    this.idKind = 1;
  }

  /** The id's bytes: address (length in idLen). */
  idPtr(): usize {
    if (this.idKind == 2) return ptr(this.kept!);
    return renderUuid(this.idHi, this.idLo);
  }
  idLen(): usize { return this.idKind == 2 ? len(this.kept!) : 36; }

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const c = root.config;
    const req = this.requestHeaders;
    const max = c.maxLength;

    // 1. request id (X-Road-Id first when trusted)
    let xroadPresent = false;
    let xroadOk = false;
    if (c.xRoadHeaders || c.trustXRoadId) {
      const xl = req.getRaw(ptr(X_ROAD_ID_B), len(X_ROAD_ID_B));
      if (xl >= 0) {
        xroadPresent = true;
        xroadOk = validId(rawValuePtr(), xl, max);
        unchecked((xroadOk ? kept : replaced)[KIND_X_ROAD]).increment();
        if (xroadOk && c.trustXRoadId) this.keep(rawValuePtr(), xl);
      }
    }
    if (this.idKind == 0) {
      const il = req.getRaw(ptr(root.name), len(root.name));
      if (il >= 0 && c.keepIncoming && validId(rawValuePtr(), il, max)) {
        this.keep(rawValuePtr(), il);
        unchecked(kept[KIND_REQUEST_ID]).increment();
      } else {
        unchecked((il >= 0 && c.keepIncoming ? replaced : generated)[KIND_REQUEST_ID]).increment();
        this.generate();
      }
    }
    const id = this.idPtr();
    const idLen = this.idLen();
    req.setRaw(ptr(root.name), len(root.name), id, idLen);

    // 2. traceparent: keep trace id + flags of a valid one, fresh span id; else a new trace
    if (c.traceContext) {
      const tl = req.getRaw(ptr(TRACEPARENT_B), len(TRACEPARENT_B));
      const r = random(8);
      let span = load<u64>(r);
      if (span == 0) span = 1; // an all-zero parent id is invalid (probability 2^-64)
      this.span = span;
      if (tl >= 0 && validTraceparent(rawValuePtr(), tl)) {
        unchecked(kept[KIND_TRACEPARENT]).increment();
        this.traceHi = tpTraceHi;
        this.traceLo = tpTraceLo;
        this.tpFlags = <u8>tpFlags;
      } else {
        unchecked((tl >= 0 ? replaced : generated)[KIND_TRACEPARENT]).increment();
        const t = random(20);
        let hi = load<u64>(t), lo = load<u64>(t, 8);
        if ((hi | lo) == 0) lo = 1;
        this.traceHi = hi;
        this.traceLo = lo;
        this.tpFlags = <u64>load<u32>(t, 16) < c.sampleThreshold ? 1 : 0;
        req.removeRaw(ptr(TRACESTATE_B), len(TRACESTATE_B));
      }
      this.hasTp = true;
      req.setRaw(ptr(TRACEPARENT_B), len(TRACEPARENT_B), this.traceparent(), 55);
    }

    // 3. X-Road ids
    if (c.xRoadHeaders) {
      // absent → the request id; invalid → replaced by it; valid → kept
      if (!xroadPresent) unchecked(generated[KIND_X_ROAD]).increment();
      if (!xroadOk) req.setRaw(ptr(X_ROAD_ID_B), len(X_ROAD_ID_B), id, idLen);
      const xr = req.getRaw(ptr(X_ROAD_REQUEST_ID_B), len(X_ROAD_REQUEST_ID_B));
      if (xr < 0) req.setRaw(ptr(X_ROAD_REQUEST_ID_B), len(X_ROAD_REQUEST_ID_B), id, idLen);
      else if (!validId(rawValuePtr(), xr, max)) {
        unchecked(replaced[KIND_X_ROAD]).increment();
        req.setRaw(ptr(X_ROAD_REQUEST_ID_B), len(X_ROAD_REQUEST_ID_B), id, idLen);
      }
    } else if (c.trustXRoadId && xroadPresent && !xroadOk) {
      // judged invalid: never passed on
      req.removeRaw(ptr(X_ROAD_ID_B), len(X_ROAD_ID_B));
    }

    // 4. filter state for the access log
    if (c.filterStateKey.length) {
      if (!root.setFilterState(id, idLen)) {
        filterStateFailed!.increment();
        if (!root.warnedFilterState) {
          root.warnedFilterState = true;
          logWarn("request-id: set_envoy_filter_state(\"" + c.filterStateKey + "\") refused; Envoy needs an ObjectFactory registered under that name (e.g. envoy.string)");
        }
      }
    }
    return FilterHeadersStatus.Continue;
  }

  traceparent(): usize { return renderTraceparent(this.traceHi, this.traceLo, this.span, this.tpFlags); }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const c = root.config;
    const res = this.responseHeaders;
    if (c.echoRequestId) {
      // a response without our request phase (not expected from Envoy) still gets a valid id
      if (this.idKind == 0) this.generate();
      res.setRaw(ptr(root.name), len(root.name), this.idPtr(), this.idLen());
    }
    if (c.echoTraceparent && this.hasTp) res.setRaw(ptr(TRACEPARENT_B), len(TRACEPARENT_B), this.traceparent(), 55);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32): RootContext => new RequestIdRoot(id), "request-id");

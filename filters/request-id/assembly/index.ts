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
// Hot path: headers are read and written as raw UTF-8 bytes (the SDK's raw hostcall wrappers) and
// validated in place; ids are rendered into static buffers; randomness comes from a pool refilled by one
// random_get per ~23 requests; the stream keeps the id and trace as integers (a kept id is the only
// per-request copy); its locals are integers only (see Config: no shadow-stack spills).
//
// Size (issue 3: < 20 KB; README 'Size'): the configuration is read with the SDK's FlatConfig (one pass
// over the bytes, strings as UTF-8), and every text of this file (field names, log lines, header and
// metric names) is NUL-terminated ASCII in a blob below, assembled with sdk/config/line.ts: no UTF-16
// string literal, no string concatenation, no Map/Array of metrics (their host ids sit in a static table).
import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext, callForeignFunction,
  MetricType, MapType, WasmResult, isLogEnabled, LogLevel, logInfo, logWarn, logError } from "../../../sdk";
import { randomGet, defineMetric, incrementMetric, getHeaderMapValueRaw, replaceHeaderMapValueRaw, removeHeaderMapValueRaw } from "../../../sdk/hostcalls";
import { OUT_PTR, OUT_SIZE, freeResult } from "../../../sdk/runtime/memory";
import { FlatConfig } from "../../../sdk/config/flat";
import { lineStart, lineText, lineBytes, lineString, textAt, textBuffer } from "../../../sdk/config/line";
export * from "../../../sdk/abi/exports";

// --- texts -----------------------------------------------------------------------------------------

// Configuration fields, in this order (index = F_ constant = bit in RequestIdRoot.flags for booleans).
@lazy const FIELDS = memory.data<u8>([
  // 0: "header_name"
  0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0,
  // 1: "max_length"
  0x6d, 0x61, 0x78, 0x5f, 0x6c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0,
  // 2: "keep_incoming"
  0x6b, 0x65, 0x65, 0x70, 0x5f, 0x69, 0x6e, 0x63, 0x6f, 0x6d, 0x69, 0x6e, 0x67, 0,
  // 3: "echo_request_id"
  0x65, 0x63, 0x68, 0x6f, 0x5f, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x5f, 0x69, 0x64, 0,
  // 4: "trace_context"
  0x74, 0x72, 0x61, 0x63, 0x65, 0x5f, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x78, 0x74, 0,
  // 5: "echo_traceparent"
  0x65, 0x63, 0x68, 0x6f, 0x5f, 0x74, 0x72, 0x61, 0x63, 0x65, 0x70, 0x61, 0x72, 0x65, 0x6e, 0x74, 0,
  // 6: "sample_rate"
  0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x5f, 0x72, 0x61, 0x74, 0x65, 0,
  // 7: "x_road_headers"
  0x78, 0x5f, 0x72, 0x6f, 0x61, 0x64, 0x5f, 0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0x73, 0,
  // 8: "trust_x_road_id"
  0x74, 0x72, 0x75, 0x73, 0x74, 0x5f, 0x78, 0x5f, 0x72, 0x6f, 0x61, 0x64, 0x5f, 0x69, 0x64, 0,
  // 9: "filter_state_key"
  0x66, 0x69, 0x6c, 0x74, 0x65, 0x72, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x6b, 0x65, 0x79, 0,
  // 10: ""
  0,
]);
const F_HEADER_NAME = 0, F_MAX_LENGTH = 1, F_KEEP_INCOMING = 2, F_ECHO_REQUEST_ID = 3, F_TRACE_CONTEXT = 4,
  F_ECHO_TRACEPARENT = 5, F_SAMPLE_RATE = 6, F_X_ROAD_HEADERS = 7, F_TRUST_X_ROAD_ID = 8, F_FILTER_STATE_KEY = 9;
const KEEP_INCOMING: u32 = 1 << F_KEEP_INCOMING, ECHO_REQUEST_ID: u32 = 1 << F_ECHO_REQUEST_ID,
  TRACE_CONTEXT: u32 = 1 << F_TRACE_CONTEXT, ECHO_TRACEPARENT: u32 = 1 << F_ECHO_TRACEPARENT,
  X_ROAD_HEADERS: u32 = 1 << F_X_ROAD_HEADERS, TRUST_X_ROAD_ID: u32 = 1 << F_TRUST_X_ROAD_ID;
/** Booleans of `{}` (config.schema.json defaults): keep_incoming, echo_request_id, trace_context. */
const DEFAULT_FLAGS = KEEP_INCOMING | ECHO_REQUEST_ID | TRACE_CONTEXT;

// Log lines, defaults, metric names (TEXTS indices).
const T_PREFIX = 0, T_LOWER_CASE = 1, T_TRACE_HEADER = 2, T_X_ROAD_HEADER = 3, T_HEADER = 4, T_TRACE_ON = 5,
  T_TRACE_OFF = 6, T_FS_CALL = 7, T_FS_REFUSED = 8, T_X_REQUEST_ID = 9, T_ENVOY_STRING = 10, T_METRIC = 11,
  T_GENERATED = 12, T_KEPT = 13, T_REPLACED = 14, T_KIND = 15, T_KIND_REQUEST_ID = 16, T_KIND_X_ROAD = 17,
  T_FS_FAILED = 18;
@lazy const TEXTS = memory.data<u8>([
  // 0: "request-id: "
  0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x2d, 0x69, 0x64, 0x3a, 0x20, 0,
  // 1: "must be a lower-case header name"
  0x6d, 0x75, 0x73, 0x74, 0x20, 0x62, 0x65, 0x20, 0x61, 0x20, 0x6c, 0x6f, 0x77, 0x65, 0x72, 0x2d, 0x63, 0x61, 0x73, 0x65,
  0x20, 0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0x20, 0x6e, 0x61, 0x6d, 0x65, 0,
  // 2: "must not be a trace-context header"
  0x6d, 0x75, 0x73, 0x74, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x62, 0x65, 0x20, 0x61, 0x20, 0x74, 0x72, 0x61, 0x63, 0x65, 0x2d,
  0x63, 0x6f, 0x6e, 0x74, 0x65, 0x78, 0x74, 0x20, 0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0,
  // 3: "must not be an X-Road header when x_road_headers or trust_x_road_id is set"
  0x6d, 0x75, 0x73, 0x74, 0x20, 0x6e, 0x6f, 0x74, 0x20, 0x62, 0x65, 0x20, 0x61, 0x6e, 0x20, 0x58, 0x2d, 0x52, 0x6f, 0x61,
  0x64, 0x20, 0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0x20, 0x77, 0x68, 0x65, 0x6e, 0x20, 0x78, 0x5f, 0x72, 0x6f, 0x61, 0x64,
  0x5f, 0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0x73, 0x20, 0x6f, 0x72, 0x20, 0x74, 0x72, 0x75, 0x73, 0x74, 0x5f, 0x78, 0x5f,
  0x72, 0x6f, 0x61, 0x64, 0x5f, 0x69, 0x64, 0x20, 0x69, 0x73, 0x20, 0x73, 0x65, 0x74, 0,
  // 4: "header "
  0x68, 0x65, 0x61, 0x64, 0x65, 0x72, 0x20, 0,
  // 5: ", trace context on"
  0x2c, 0x20, 0x74, 0x72, 0x61, 0x63, 0x65, 0x20, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x78, 0x74, 0x20, 0x6f, 0x6e, 0,
  // 6: ", trace context off"
  0x2c, 0x20, 0x74, 0x72, 0x61, 0x63, 0x65, 0x20, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x78, 0x74, 0x20, 0x6f, 0x66, 0x66, 0,
  // 7: "set_envoy_filter_state(\""
  0x73, 0x65, 0x74, 0x5f, 0x65, 0x6e, 0x76, 0x6f, 0x79, 0x5f, 0x66, 0x69, 0x6c, 0x74, 0x65, 0x72, 0x5f, 0x73, 0x74, 0x61,
  0x74, 0x65, 0x28, 0x22, 0,
  // 8: "\") refused; Envoy needs an ObjectFactory registered under that name (e.g. envoy.string)"
  0x22, 0x29, 0x20, 0x72, 0x65, 0x66, 0x75, 0x73, 0x65, 0x64, 0x3b, 0x20, 0x45, 0x6e, 0x76, 0x6f, 0x79, 0x20, 0x6e, 0x65,
  0x65, 0x64, 0x73, 0x20, 0x61, 0x6e, 0x20, 0x4f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x46, 0x61, 0x63, 0x74, 0x6f, 0x72, 0x79,
  0x20, 0x72, 0x65, 0x67, 0x69, 0x73, 0x74, 0x65, 0x72, 0x65, 0x64, 0x20, 0x75, 0x6e, 0x64, 0x65, 0x72, 0x20, 0x74, 0x68,
  0x61, 0x74, 0x20, 0x6e, 0x61, 0x6d, 0x65, 0x20, 0x28, 0x65, 0x2e, 0x67, 0x2e, 0x20, 0x65, 0x6e, 0x76, 0x6f, 0x79, 0x2e,
  0x73, 0x74, 0x72, 0x69, 0x6e, 0x67, 0x29, 0,
  // 9: "x-request-id"
  0x78, 0x2d, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x2d, 0x69, 0x64, 0,
  // 10: "envoy.string"
  0x65, 0x6e, 0x76, 0x6f, 0x79, 0x2e, 0x73, 0x74, 0x72, 0x69, 0x6e, 0x67, 0,
  // 11: "request_id."
  0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x5f, 0x69, 0x64, 0x2e, 0,
  // 12: "generated"
  0x67, 0x65, 0x6e, 0x65, 0x72, 0x61, 0x74, 0x65, 0x64, 0,
  // 13: "kept"
  0x6b, 0x65, 0x70, 0x74, 0,
  // 14: "replaced_invalid"
  0x72, 0x65, 0x70, 0x6c, 0x61, 0x63, 0x65, 0x64, 0x5f, 0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0,
  // 15: ".kind="
  0x2e, 0x6b, 0x69, 0x6e, 0x64, 0x3d, 0,
  // 16: "request_id"
  0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x5f, 0x69, 0x64, 0,
  // 17: "x_road"
  0x78, 0x5f, 0x72, 0x6f, 0x61, 0x64, 0,
  // 18: "filter_state_failed"
  0x66, 0x69, 0x6c, 0x74, 0x65, 0x72, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x65, 0x64, 0,
]);
@inline function text(k: i32): usize { return textAt(TEXTS, k); }

// Header names the hot path uses (NUL-terminated too: TRACEPARENT is also a metric kind).
@lazy const TRACEPARENT = memory.data<u8>([
  // 0: "traceparent"
  0x74, 0x72, 0x61, 0x63, 0x65, 0x70, 0x61, 0x72, 0x65, 0x6e, 0x74, 0,
]);
@lazy const TRACESTATE = memory.data<u8>([
  // 0: "tracestate"
  0x74, 0x72, 0x61, 0x63, 0x65, 0x73, 0x74, 0x61, 0x74, 0x65, 0,
]);
@lazy const X_ROAD_ID = memory.data<u8>([
  // 0: "x-road-id"
  0x78, 0x2d, 0x72, 0x6f, 0x61, 0x64, 0x2d, 0x69, 0x64, 0,
]);
@lazy const X_ROAD_REQUEST_ID = memory.data<u8>([
  // 0: "x-road-request-id"
  0x78, 0x2d, 0x72, 0x6f, 0x61, 0x64, 0x2d, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x2d, 0x69, 0x64, 0,
]);
const TRACEPARENT_LEN: usize = 11, TRACESTATE_LEN: usize = 10, X_ROAD_ID_LEN: usize = 9, X_ROAD_REQUEST_ID_LEN: usize = 17;

// --- metrics: <outcome> × kind, by full name (README) -------------------------------------------------
const KIND_REQUEST_ID = 0, KIND_TRACEPARENT = 1, KIND_X_ROAD = 2;
const GENERATED = 0, KEPT = 3, REPLACED = 6, FS_FAILED = 9;
/** Host metric ids: [outcome + kind] (outcome GENERATED / KEPT / REPLACED), [FS_FAILED]; 0 = not defined. */
const METRICS: usize = memory.data(10 * 4, 4);
let metricsDefined = false;

/** Defines the ten counters (VM-wide: the same names give the same ids), once per VM. */
function defineMetrics(): void {
  if (metricsDefined) return;
  metricsDefined = true;
  for (let i = 0; i < FS_FAILED; i++) {
    const kind = i % 3;
    lineStart();
    lineText(text(T_METRIC));
    lineText(text(T_GENERATED + i / 3));
    lineText(text(T_KIND));
    lineText(kind == KIND_REQUEST_ID ? text(T_KIND_REQUEST_ID) : kind == KIND_TRACEPARENT ? TRACEPARENT : text(T_KIND_X_ROAD));
    defineCounter(i);
  }
  lineStart();
  lineText(text(T_METRIC));
  lineText(text(T_FS_FAILED));
  defineCounter(FS_FAILED);
}
function defineCounter(i: i32): void {
  store<u32>(METRICS + (<usize>i << 2), defineMetric(MetricType.Counter, lineString()));
}
/** Counts one (a counter the host refused to define is skipped). */
function count(i: i32): void {
  const id = load<u32>(METRICS + (<usize>i << 2));
  if (id) incrementMetric(id, 1);
}

@inline function ptr(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline function len(b: ArrayBuffer): usize { return <usize>b.byteLength; }

/** Whether the `n` bytes at `p` are the NUL-terminated text `z`. */
function isText(p: usize, n: usize, z: usize): bool {
  for (let i: usize = 0; i < n; i++) if (load<u8>(p + i) != load<u8>(z + i)) return false;
  return load<u8>(z + n) == 0;
}

/** Writes `v` as a protobuf varint at `p`; returns the end. */
function varint(p: usize, v: usize): usize {
  for (; v >= 0x80; v >>= 7) store<u8>(p++, <u8>(v | 0x80));
  store<u8>(p, <u8>v);
  return p + 1;
}
/** Where varint() measures a length. */
const VARINT: usize = memory.data(8);

/** Defaults of header_name and filter_state_key (shared: these buffers are never written). */
const DEFAULT_NAME = textBuffer(text(T_X_REQUEST_ID));
const DEFAULT_KEY = textBuffer(text(T_ENVOY_STRING));

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

/** A header name we accept in the configuration: 1+ bytes of [a-z0-9._-]. */
function validHeaderName(p: usize, n: usize): bool {
  if (n == 0) return false;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (!((c - 0x61) < 26 || (c - 0x30) < 10 || c == 0x2d || c == 0x5f || c == 0x2e)) return false;
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

/** UUID text (8-4-4-4-12) of the 128 bits (hi, lo) at ID_TEXT. */
function renderUuid(hi: u64, lo: u64): usize {
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

// --- configuration ---------------------------------------------------------------------------------

// The configuration being read: module state (GC roots) rather than locals, which would be spilled to
// the shadow stack around every call.
let cfgFlags: u32 = DEFAULT_FLAGS;
let cfgMaxLength: u32 = 128;
let cfgSampleRate: f64 = 1.0;
let cfgName: ArrayBuffer = DEFAULT_NAME;
let cfgKey: ArrayBuffer = DEFAULT_KEY;

/**
 * Reads the configuration (config.schema.json) into cfg*. An unknown field, a wrong type or a bad value:
 * one error log line naming the field (FlatConfig's texts, e.g. "request-id: config field 'max_length': must
 * be between 1 and 4096, got 0"; an unknown field's line lists the known ones) and false.
 */
function readConfig(bytes: ArrayBuffer | null): bool {
  FlatConfig.begin(bytes, FIELDS, text(T_PREFIX));
  cfgFlags = DEFAULT_FLAGS;
  cfgMaxLength = 128;
  cfgSampleRate = 1.0;
  cfgName = DEFAULT_NAME;
  cfgKey = DEFAULT_KEY;
  for (let f = FlatConfig.next(); f >= 0; f = FlatConfig.next()) {
    if (f == F_HEADER_NAME) {
      cfgName = FlatConfig.string();
      if (FlatConfig.ok() && !validHeaderName(ptr(cfgName), len(cfgName))) FlatConfig.fail(f, text(T_LOWER_CASE), true);
    } else if (f == F_MAX_LENGTH) cfgMaxLength = FlatConfig.u32(1, 4096);
    else if (f == F_SAMPLE_RATE) cfgSampleRate = FlatConfig.number(0, 1);
    else if (f == F_FILTER_STATE_KEY) cfgKey = FlatConfig.string();
    else if (FlatConfig.bool()) cfgFlags |= 1 << f;
    else cfgFlags &= ~(1 << f);
  }
  const p = ptr(cfgName), n = len(cfgName);
  if (isText(p, n, TRACEPARENT) || isText(p, n, TRACESTATE)) FlatConfig.fail(F_HEADER_NAME, text(T_TRACE_HEADER), false);
  else if ((cfgFlags & (X_ROAD_HEADERS | TRUST_X_ROAD_ID)) && (isText(p, n, X_ROAD_ID) || isText(p, n, X_ROAD_REQUEST_ID))) {
    FlatConfig.fail(F_HEADER_NAME, text(T_X_ROAD_HEADER), false);
  }
  if (FlatConfig.ok()) return true;
  logError(FlatConfig.error!);
  return false;
}

// --- contexts -----------------------------------------------------------------------------------

/**
 * A root's configuration. The hot path holds it as an address and reads its fields with raw loads
 * (`field(c, offsetof<Config>("…"))`): the shadow stack spills every value of a managed type that is live
 * across a call (locals, `this`, even an object whose field is read after a call), so a hot path that
 * handles only integers is markedly smaller. The object stays alive through its root (stream →
 * rootContext → config) and is replaced only by onConfigure, never during a stream callback; the managed
 * fields (name, key, fsArgs) keep their buffers alive, the *Len fields save the byteLength calls.
 */
class Config {
  flags: u32 = cfgFlags;
  maxLength: i32 = <i32>cfgMaxLength;
  /** sample_rate as a threshold over a random u32 (1.0 → 2^32: always). */
  sampleThreshold: u64 = <u64>(cfgSampleRate * 4294967296.0);
  /** header_name and filter_state_key (UTF-8). */
  name: ArrayBuffer = cfgName;
  nameLen: usize = len(cfgName);
  key: ArrayBuffer = cfgKey;
  keyLen: usize = len(cfgKey);
  /** set_envoy_filter_state arguments, their length and where the id starts in them (see setFilterState). */
  fsArgs: ArrayBuffer | null;
  fsArgsLen: usize;
  fsValueAt: usize;
  warnedFilterState: bool;
}
@inline function u32At(c: usize, offset: usize): u32 { return load<u32>(c + offset); }
@inline function usizeAt(c: usize, offset: usize): usize { return load<usize>(c + offset); }

/**
 * Sets the filter state: SetEnvoyFilterStateArguments {path = 1: key, value = 2: the id} (span FilterChain
 * = 0, the proto default, is not written). The encoded message is kept and only its value rewritten while
 * ids have the same length (UUIDs always do), so the common path allocates nothing. A refusal is counted,
 * the first one per configuration logged.
 */
function setFilterState(c: usize, id: usize, n: usize): void {
  let args = usizeAt(c, offsetof<Config>("fsArgs"));
  let at = usizeAt(c, offsetof<Config>("fsValueAt"));
  const key = usizeAt(c, offsetof<Config>("key"));
  const kl = usizeAt(c, offsetof<Config>("keyLen"));
  if (!args || usizeAt(c, offsetof<Config>("fsArgsLen")) != at + n) {
    const size = <usize>2 + kl + n + (varint(VARINT, kl) - VARINT) + (varint(VARINT, n) - VARINT);
    args = changetype<usize>(new ArrayBuffer(<i32>size));
    changetype<Config>(c).fsArgs = changetype<ArrayBuffer>(args);
    store<u8>(args, 0x0a);
    const p = varint(args + 1, kl);
    memory.copy(p, key, kl);
    store<u8>(p + kl, 0x12);
    at = varint(p + kl + 1, n) - args;
    store<usize>(c + offsetof<Config>("fsValueAt"), at);
    store<usize>(c + offsetof<Config>("fsArgsLen"), size);
  }
  memory.copy(args + at, id, n);
  if (callForeignFunction("set_envoy_filter_state", changetype<ArrayBuffer>(args)) !== null) return;
  count(FS_FAILED);
  if (load<bool>(c + offsetof<Config>("warnedFilterState"))) return;
  store<bool>(c + offsetof<Config>("warnedFilterState"), true);
  lineStart();
  lineText(text(T_PREFIX));
  lineText(text(T_FS_CALL));
  lineBytes(key, kl);
  lineText(text(T_FS_REFUSED));
  logWarn(lineString());
}

class RequestIdRoot extends RootContext {
  /** Replaced by each successful onConfigure (Envoy configures a root before it sees any stream). */
  config: Config = new Config();

  onConfigure(size: u32): bool {
    if (!readConfig(this.getPluginConfiguration())) return false;
    this.config = new Config();
    defineMetrics();
    if (isLogEnabled(LogLevel.Info)) {
      lineStart();
      lineText(text(T_PREFIX));
      lineText(text(T_HEADER));
      lineBytes(ptr(cfgName), len(cfgName));
      lineText(text(cfgFlags & TRACE_CONTEXT ? T_TRACE_ON : T_TRACE_OFF));
      logInfo(lineString());
    }
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new RequestIdStream(id, this); }
}

// Header reads and writes on raw bytes through the SDK's hostcall wrappers, as plain functions: calling a
// method of the SDK's HeaderMap objects (getRaw/setRaw/removeRaw) spills the object to the shadow stack at
// every call site. Values written here never contain CR, LF or NUL (validated ids, [a-z0-9._-] names).
/** The value bytes of the last successful getHeader (the host's copy, freed by the next getHeader). */
let headerValue: usize = 0;
/** First value of header k (UTF-8 bytes at `k`): its length, bytes at headerValue; -1 when absent. */
function getHeader(map: MapType, k: usize, kl: usize): i32 {
  freeResult(headerValue);
  headerValue = 0;
  if (getHeaderMapValueRaw(map, k, kl) != WasmResult.Ok) return -1;
  headerValue = load<usize>(OUT_PTR);
  return <i32>load<usize>(OUT_SIZE);
}
@inline function setHeader(map: MapType, k: usize, kl: usize, v: usize, vl: usize): void { replaceHeaderMapValueRaw(map, k, kl, v, vl); }
@inline function removeHeader(map: MapType, k: usize, kl: usize): void { removeHeaderMapValueRaw(map, k, kl); }
const REQ = MapType.HttpRequestHeaders;
const RES = MapType.HttpResponseHeaders;

class RequestIdStream extends HttpContext {
  // (a new object is zeroed; the fields have no initialisers: each field is a store in the constructor)
  /** The request id: another id copied in `kept`, else the generated UUID (idHi, idLo; version and variant
   *  bits set, so idHi != 0); neither yet: kept == null and idHi == 0. */
  kept: ArrayBuffer | null;
  idHi: u64;
  idLo: u64;
  /** The traceparent sent upstream: 0x100 | flags (0: none), trace id and span id. */
  tp: u32;
  traceHi: u64;
  traceLo: u64;
  span: u64;

  /** This stream's root's Config, as an address (see Config). */
  @inline config(): usize {
    return usizeAt(usizeAt(changetype<usize>(this), offsetof<HttpContext>("rootContext")), offsetof<RequestIdRoot>("config"));
  }
  /** The kept id, as an address (0: none). */
  @inline keptAt(): usize { return usizeAt(changetype<usize>(this), offsetof<RequestIdStream>("kept")); }

  /** Keeps the id at [p, p+n) (a copy: the host's value buffer is reused by the next getHeader). */
  keep(p: usize, n: i32): void {
    const b = new ArrayBuffer(n);
    memory.copy(changetype<usize>(b), p, <usize>n);
    this.kept = b;
  }

  /** A new UUIDv4 (RFC 9562: version nibble 4, variant bits 10) from 16 random bytes. */
  generate(): void {
    const r = random(16);
    this.idHi = (load<u64>(r) & 0xffffffffffff0fff) | 0x4000;
    this.idLo = (load<u64>(r, 8) & 0x3fffffffffffffff) | 0x8000000000000000;
  }

  /** The id's bytes: address (length in idLen). */
  idPtr(): usize {
    const k = this.keptAt();
    return k ? k : renderUuid(this.idHi, this.idLo);
  }
  idLen(): usize {
    const k = this.keptAt();
    return k ? len(changetype<ArrayBuffer>(k)) : 36;
  }

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const c = this.config();
    const flags = u32At(c, offsetof<Config>("flags"));
    const max = <i32>u32At(c, offsetof<Config>("maxLength"));
    const name = usizeAt(c, offsetof<Config>("name"));
    const nameLen = usizeAt(c, offsetof<Config>("nameLen"));

    // 1. request id (X-Road-Id first when trusted)
    let xroadPresent = false;
    let xroadOk = false;
    if (flags & (X_ROAD_HEADERS | TRUST_X_ROAD_ID)) {
      const xl = getHeader(REQ, X_ROAD_ID, X_ROAD_ID_LEN);
      if (xl >= 0) {
        xroadPresent = true;
        xroadOk = validId(headerValue, xl, max);
        count((xroadOk ? KEPT : REPLACED) + KIND_X_ROAD);
        if (xroadOk && (flags & TRUST_X_ROAD_ID)) this.keep(headerValue, xl);
      }
    }
    if (!this.keptAt()) {
      const il = getHeader(REQ, name, nameLen);
      const keepIncoming = (flags & KEEP_INCOMING) != 0;
      if (il >= 0 && keepIncoming && validId(headerValue, il, max)) {
        this.keep(headerValue, il);
        count(KEPT + KIND_REQUEST_ID);
      } else {
        count((il >= 0 && keepIncoming ? REPLACED : GENERATED) + KIND_REQUEST_ID);
        this.generate();
      }
    }
    const id = this.idPtr();
    const idLen = this.idLen();
    setHeader(REQ, name, nameLen, id, idLen);

    // 2. traceparent: keep trace id + flags of a valid one, fresh span id; else a new trace
    if (flags & TRACE_CONTEXT) {
      const tl = getHeader(REQ, TRACEPARENT, TRACEPARENT_LEN);
      const r = random(8);
      let span = load<u64>(r);
      if (span == 0) span = 1; // an all-zero parent id is invalid (probability 2^-64)
      this.span = span;
      if (tl >= 0 && validTraceparent(headerValue, tl)) {
        count(KEPT + KIND_TRACEPARENT);
        this.traceHi = tpTraceHi;
        this.traceLo = tpTraceLo;
        this.tp = 0x100 | tpFlags;
      } else {
        count((tl >= 0 ? REPLACED : GENERATED) + KIND_TRACEPARENT);
        const t = random(20);
        let hi = load<u64>(t), lo = load<u64>(t, 8);
        if ((hi | lo) == 0) lo = 1;
        this.traceHi = hi;
        this.traceLo = lo;
        this.tp = <u64>load<u32>(t, 16) < load<u64>(c + offsetof<Config>("sampleThreshold")) ? 0x101 : 0x100;
        removeHeader(REQ, TRACESTATE, TRACESTATE_LEN);
      }
      setHeader(REQ, TRACEPARENT, TRACEPARENT_LEN, this.traceparent(), 55);
    }

    // 3. X-Road ids
    if (flags & X_ROAD_HEADERS) {
      // absent → the request id; invalid → replaced by it; valid → kept
      if (!xroadPresent) count(GENERATED + KIND_X_ROAD);
      if (!xroadOk) setHeader(REQ, X_ROAD_ID, X_ROAD_ID_LEN, id, idLen);
      const xr = getHeader(REQ, X_ROAD_REQUEST_ID, X_ROAD_REQUEST_ID_LEN);
      if (xr < 0) setHeader(REQ, X_ROAD_REQUEST_ID, X_ROAD_REQUEST_ID_LEN, id, idLen);
      else if (!validId(headerValue, xr, max)) {
        count(REPLACED + KIND_X_ROAD);
        setHeader(REQ, X_ROAD_REQUEST_ID, X_ROAD_REQUEST_ID_LEN, id, idLen);
      }
    } else if ((flags & TRUST_X_ROAD_ID) && xroadPresent && !xroadOk) {
      // judged invalid: never passed on
      removeHeader(REQ, X_ROAD_ID, X_ROAD_ID_LEN);
    }

    // 4. filter state for the access log
    if (usizeAt(c, offsetof<Config>("keyLen"))) setFilterState(c, id, idLen);
    return FilterHeadersStatus.Continue;
  }

  traceparent(): usize { return renderTraceparent(this.traceHi, this.traceLo, this.span, this.tp & 0xff); }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const c = this.config();
    const flags = u32At(c, offsetof<Config>("flags"));
    if (flags & ECHO_REQUEST_ID) {
      // a response without our request phase (not expected from Envoy) still gets a valid id
      if (!this.keptAt() && !this.idHi) this.generate();
      setHeader(RES, usizeAt(c, offsetof<Config>("name")), usizeAt(c, offsetof<Config>("nameLen")), this.idPtr(), this.idLen());
    }
    if ((flags & ECHO_TRACEPARENT) && this.tp) setHeader(RES, TRACEPARENT, TRACEPARENT_LEN, this.traceparent(), 55);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32): RootContext => new RequestIdRoot(id), "request-id");

// Numeric values of the proxy-wasm ABI as Envoy uses them (reference §3).

export const WasmResult = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  BadExpression: 5,
  InvalidMemoryAccess: 6,
  Empty: 7,
  CasMismatch: 8,
  ResultMismatch: 9,
  InternalFailure: 10,
  BrokenConnection: 11,
  Unimplemented: 12,
} as const;
export type WasmResult = (typeof WasmResult)[keyof typeof WasmResult];
export const WasmResultName: Record<number, string> = Object.fromEntries(
  Object.entries(WasmResult).map(([k, v]) => [v, k]),
);

/** What Envoy does after `on_*_headers` (Envoy's FilterHeadersStatus). */
export const FilterHeadersStatus = {
  Continue: 0,
  StopIteration: 1,
  ContinueAndEndStream: 2,
  StopAllIterationAndBuffer: 3,
  StopAllIterationAndWatermark: 4,
} as const;
export const FilterDataStatus = {
  Continue: 0,
  StopIterationAndBuffer: 1,
  StopIterationAndWatermark: 2,
  StopIterationNoBuffer: 3,
} as const;
export const FilterTrailersStatus = { Continue: 0, StopIteration: 1 } as const;

export const MapType = {
  HttpRequestHeaders: 0,
  HttpRequestTrailers: 1,
  HttpResponseHeaders: 2,
  HttpResponseTrailers: 3,
  GrpcReceiveInitialMetadata: 4,
  GrpcReceiveTrailingMetadata: 5,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;
export const MAX_MAP_TYPE = 7;

export const BufferType = {
  HttpRequestBody: 0,
  HttpResponseBody: 1,
  DownstreamData: 2,
  UpstreamData: 3,
  HttpCallResponseBody: 4,
  GrpcReceiveBuffer: 5,
  VmConfiguration: 6,
  PluginConfiguration: 7,
  CallData: 8,
} as const;
export const MAX_BUFFER_TYPE = 8;

export const StreamType = { HttpRequest: 0, HttpResponse: 1, Downstream: 2, Upstream: 3 } as const;
export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;
export const PeerType = { Unknown: 0, Local: 1, Remote: 2 } as const;

export const LogLevel = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, critical: 5, off: 6 } as const;
export type LogLevelName = keyof typeof LogLevel;
export const LogLevelName: Record<number, LogLevelName> = Object.fromEntries(
  Object.entries(LogLevel).map(([k, v]) => [v, k]),
) as Record<number, LogLevelName>;

export const GrpcStatus = {
  Ok: 0, Canceled: 1, Unknown: 2, InvalidArgument: 3, DeadlineExceeded: 4, NotFound: 5, AlreadyExists: 6,
  PermissionDenied: 7, ResourceExhausted: 8, FailedPrecondition: 9, Aborted: 10, OutOfRange: 11,
  Unimplemented: 12, Internal: 13, Unavailable: 14, DataLoss: 15, Unauthenticated: 16,
} as const;

export const WasiErrno = {
  SUCCESS: 0, BADF: 8, NOTDIR: 20, FAULT: 21, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58, NOTCAPABLE: 76,
} as const;

/** Names of Envoy's filter statuses, for reporting what Envoy did with a callback's return value. */
export type HeadersAction = 'Continue' | 'StopIteration' | 'StopAllIterationAndBuffer' | 'StopAllIterationAndWatermark';
export type DataAction = 'Continue' | 'StopIterationAndBuffer' | 'StopIterationAndWatermark' | 'StopIterationNoBuffer';
export type TrailersAction = 'Continue' | 'StopIteration';

/** §3: raw on_*_headers value → Envoy's action. */
export function headersAction(raw: number, allowStopIteration: boolean, localReplySent: boolean): HeadersAction {
  if (localReplySent) return 'StopAllIterationAndWatermark';
  switch (raw) {
    case 0:
    case 2: // ContinueAndEndStream → Continue (no end-stream)
      return 'Continue';
    case 1:
      return allowStopIteration ? 'StopIteration' : 'StopAllIterationAndWatermark';
    case 3:
      return 'StopAllIterationAndBuffer';
    default:
      return 'StopAllIterationAndWatermark';
  }
}
/** §3: raw on_*_body value → Envoy's action. */
export function dataAction(raw: number, localReplySent: boolean): DataAction {
  if (localReplySent) return 'StopIterationNoBuffer';
  switch (raw) {
    case 0: return 'Continue';
    case 1: return 'StopIterationAndBuffer';
    case 2: return 'StopIterationAndWatermark';
    default: return 'StopIterationNoBuffer';
  }
}
/** §3: raw on_*_trailers value → Envoy's action. */
export function trailersAction(raw: number, localReplySent: boolean): TrailersAction {
  if (localReplySent) return 'StopIteration';
  return raw === 0 ? 'Continue' : 'StopIteration';
}

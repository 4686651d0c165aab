// Numeric enumerations of proxy-wasm ABI 0.2.1, values exactly as Envoy uses them (reference §3).

/** Status returned by every proxy_* hostcall. */
export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

/** Return value of onRequestHeaders / onResponseHeaders. */
export enum FilterHeadersStatus {
  Continue = 0,
  /** Envoy turns this into StopAllIterationAndWatermark unless allow_on_headers_stop_iteration is set. */
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
}

/** Return value of onRequestBody / onResponseBody. */
export enum FilterDataStatus {
  Continue = 0,
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
}

/** Return value of onRequestTrailers / onResponseTrailers. */
export enum FilterTrailersStatus {
  Continue = 0,
  StopIteration = 1,
}

/** Return value of on*Metadata (ignored by Envoy). */
export enum FilterMetadataStatus {
  Continue = 0,
}

/** Return value of TCP callbacks: 0 continue, anything else stops. */
export enum FilterStatus {
  Continue = 0,
  StopIteration = 1,
}

/** proxy_map_type_t. */
export enum MapType {
  HttpRequestHeaders = 0,
  HttpRequestTrailers = 1,
  HttpResponseHeaders = 2,
  HttpResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}

/** proxy_buffer_type_t. */
export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}

/** proxy_stream_type_t. */
export enum StreamType {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
}

/** proxy_metric_type_t. */
export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

/** proxy_peer_type_t (connection close). */
export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}

/** proxy_log_level_t; proxy_get_log_level may also report 6 (= off). */
export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
  Off = 6,
}

/** gRPC status codes; -1 = "not set" for sendLocalResponse. */
export enum GrpcStatus {
  Ok = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
  InvalidCode = -1,
}

/** Lifespan of filter state set with setEnvoyFilterState (Envoy's wasm ext LifeSpan enum). */
export enum LifeSpan {
  FilterChain = 0,
  DownstreamRequest = 1,
  DownstreamConnection = 2,
}

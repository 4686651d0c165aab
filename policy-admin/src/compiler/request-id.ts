// Snapshot → the request-id filter's configuration (filters/request-id/config.schema.json): the fleet's
// request-id policy field for field; no policy = `{}` (the filter's defaults).
import type { RequestIdConfig } from './filter-configs.ts';
import type { Index } from './index-snapshot.ts';

export function compileRequestId(ix: Index, ssId: string): RequestIdConfig {
  ix.securityServer(ssId);
  const p = ix.content.requestIdPolicy;
  if (!p) return {};
  return {
    header_name: p.headerName, max_length: p.maxLength, keep_incoming: p.keepIncoming, echo_request_id: p.echoRequestId,
    trace_context: p.traceContext, echo_traceparent: p.echoTraceparent, sample_rate: p.sampleRate,
    x_road_headers: p.xRoadHeaders, trust_x_road_id: p.trustXRoadId,
  };
}

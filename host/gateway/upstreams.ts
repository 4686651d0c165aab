// The clusters as the gateway's data path and the filters' callouts use them: endpoint choice
// (round robin / random), real HTTP to the endpoint (host/net/http-upstream.ts), Envoy's cluster
// stats, and the CalloutHandler that answers proxy_http_call with a real request to the named cluster.
import type { CalloutHandler, HttpCallRequest, HttpCallResponse } from '../runtime/callouts.ts';
import { grpcUpstream, type GrpcUpstream } from '../net/grpc-upstream.ts';
import { httpUpstream, UpstreamError, type Pairs } from '../net/http-upstream.ts';
import type { ClusterConfig } from './config/types.ts';
import type { GatewayStats } from './stats.ts';

export interface UpstreamResult {
  status: number;
  headers: Pairs;
  body: Uint8Array;
  host: string;
  /** Envoy response flag when no response came from the upstream (UF, UT, UC). */
  flag: '' | 'UF' | 'UT' | 'UC';
  details: string;
}

// Envoy's router local replies when the upstream gave no response.
const FAILURE: Record<'UF' | 'UT' | 'UC', { status: number; body: string; details: string }> = {
  UF: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', details: 'upstream_reset_before_response_started{connection_failure}' },
  UC: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', details: 'upstream_reset_before_response_started{connection_termination}' },
  UT: { status: 504, body: 'upstream request timeout', details: 'response_timeout' },
};

export class Upstreams {
  private rr = new Map<string, number>();
  /** gRPC callouts (host/net/grpc-upstream.ts) to the HTTP/2 clusters (Envoy needs HTTP/2 for gRPC). */
  private readonly grpc: GrpcUpstream;
  constructor(readonly clusters: Map<string, ClusterConfig>, private readonly stats: GatewayStats) {
    const h2: Record<string, string> = {};
    for (const c of clusters.values()) {
      const ep = c.endpoints[0];
      if (c.http2) h2[c.name] = `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
    }
    this.grpc = grpcUpstream({ clusters: h2 });
  }

  close(): void { this.grpc.close(); }

  private pick(c: ClusterConfig): { host: string; port: number } {
    if (c.lbPolicy === 'RANDOM') return c.endpoints[Math.floor(Math.random() * c.endpoints.length)];
    const i = this.rr.get(c.name) ?? 0;
    this.rr.set(c.name, i + 1);
    return c.endpoints[i % c.endpoints.length];
  }

  /** One request to a cluster; failures become Envoy's local replies (503/504) with their flag. */
  async send(cluster: ClusterConfig, headers: Pairs, body: Uint8Array, timeoutMs: number): Promise<UpstreamResult> {
    const ep = this.pick(cluster);
    const host = `${ep.host}:${ep.port}`;
    const p = `cluster.${cluster.name}.`;
    this.stats.inc(p + 'upstream_rq_total');
    try {
      const r = await httpUpstream(ep, { headers, body, timeoutMs, connectTimeoutMs: cluster.connectTimeoutMs });
      this.stats.inc(`${p}upstream_rq_${r.status}`);
      this.stats.inc(`${p}upstream_rq_${Math.floor(r.status / 100)}xx`);
      this.stats.inc(p + 'upstream_rq_completed');
      return { status: r.status, headers: r.headers, body: new Uint8Array(r.body), host, flag: '', details: 'via_upstream' };
    } catch (e) {
      const flag = e instanceof UpstreamError ? e.flag : 'UC';
      if (flag === 'UF') this.stats.inc(p + 'upstream_cx_connect_fail');
      if (flag === 'UT') this.stats.inc(p + 'upstream_rq_timeout');
      const f = FAILURE[flag];
      return {
        status: f.status, headers: [['content-type', 'text/plain']], body: new Uint8Array(Buffer.from(f.body)), host, flag, details: f.details,
      };
    }
  }

  /** proxy_http_call / proxy_grpc_* answered for real. */
  calloutHandler(): CalloutHandler {
    return {
      httpCall: async (req: HttpCallRequest): Promise<HttpCallResponse | null> => {
        const c = this.clusters.get(req.cluster);
        if (!c) return null; // the runtime already refused unknown clusters; keep the type honest
        const r = await this.send(c, req.headers, req.body, req.timeoutMs);
        return { headers: [[':status', String(r.status)], ...r.headers], body: r.body };
      },
      // gRPC: to the cluster's first endpoint; a cluster without HTTP/2 has no gRPC address → UNAVAILABLE.
      grpcCall: (req) => { this.stats.inc(`cluster.${req.cluster}.upstream_rq_total`); return this.grpc.grpcCall!(req); },
      grpcStream: (req, emit) => { this.stats.inc(`cluster.${req.cluster}.upstream_rq_total`); this.grpc.grpcStream!(req, emit); },
      grpcSend: (req, message, endStream) => this.grpc.grpcSend!(req, message, endStream),
      cancelled: (req) => this.grpc.cancelled!(req),
    };
  }
}

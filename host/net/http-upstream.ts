// One HTTP/1.1 request to an upstream endpoint with node:http, as Envoy's router or async client
// sends it: pseudo-headers become the request line and Host, hop-by-hop headers are dropped, the
// whole response is read. Used by the dev gateway for routed requests and for proxy_http_call.
// node:http (not fetch/undici) because it keeps header order and repeated headers as pairs and lets
// us set any Host; the agent keeps connections alive per endpoint, like Envoy's connection pool.
import http from 'node:http';

export type Pairs = Array<[string, string]>;

export interface Endpoint { host: string; port: number }

export interface UpstreamRequest {
  /** Request headers including :method, :path and :authority (as a filter left them). */
  headers: Pairs;
  body?: Uint8Array;
  /** 0 = no timeout. Covers connect + whole response. */
  timeoutMs?: number;
  /** The cluster's connect_timeout: no TCP connection within it → connection failure (UF). 0 = none. */
  connectTimeoutMs?: number;
}

export interface UpstreamResponse {
  status: number;
  /** Response headers without pseudo-headers, in wire order (repeated names kept). */
  headers: Pairs;
  body: Buffer;
}

/** Why a request got no response — Envoy's response flags: UF connect failure, UT timeout, UC reset. */
export class UpstreamError extends Error {
  constructor(readonly flag: 'UF' | 'UT' | 'UC', message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

// RFC 9110 §7.6.1 connection-specific headers: never forwarded by a proxy.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Sends one request; rejects with UpstreamError on connect failure, reset or timeout. */
export function httpUpstream(ep: Endpoint, req: UpstreamRequest): Promise<UpstreamResponse> {
  const get = (n: string) => req.headers.find(([k]) => k === n)?.[1];
  const method = get(':method') ?? 'GET';
  const path = get(':path') ?? '/';
  const authority = get(':authority') ?? `${ep.host}:${ep.port}`;
  const flat: string[] = ['host', authority];
  for (const [k, v] of req.headers) {
    if (k.startsWith(':') || k === 'host' || HOP_BY_HOP.has(k) || k === 'content-length') continue;
    flat.push(k, v);
  }
  const body = req.body ?? new Uint8Array(0);
  if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) flat.push('content-length', String(body.length));
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: UpstreamError) => { if (!settled) { settled = true; reject(e); } };
    let connected = false;
    const r = http.request({ host: ep.host, port: ep.port, method, path, headers: flat, agent, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => fail(new UpstreamError('UC', 'upstream reset after headers')));
      res.on('error', () => fail(new UpstreamError('UC', 'upstream reset after headers')));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const headers: Pairs = [];
        const raw = res.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) {
          const k = raw[i].toLowerCase();
          if (!HOP_BY_HOP.has(k)) headers.push([k, raw[i + 1]]);
        }
        resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
      });
    });
    r.on('socket', (s) => {
      if (!s.connecting) { connected = true; return; }
      const ct = req.connectTimeoutMs ?? 0;
      const connectTimer = ct > 0 ? setTimeout(() => { fail(new UpstreamError('UF', 'connection failure: connect timeout')); r.destroy(); }, ct) : undefined;
      s.once('connect', () => { connected = true; clearTimeout(connectTimer); });
      s.once('close', () => clearTimeout(connectTimer));
    });
    r.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(connected ? new UpstreamError('UC', `upstream reset: ${e.code ?? e.message}`)
        : new UpstreamError('UF', `connection failure: ${e.code ?? e.message}`));
    });
    const ms = req.timeoutMs ?? 0;
    const timer = ms > 0 ? setTimeout(() => { fail(new UpstreamError('UT', 'upstream request timeout')); r.destroy(); }, ms) : undefined;
    r.end(body.length ? Buffer.from(body.buffer, body.byteOffset, body.length) : undefined);
  });
}

/** Closes idle kept-alive upstream connections (tests, shutdown). */
export function closeIdleUpstreams(): void {
  for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) s.destroy();
}

// The dev gateway: a real HTTP(S) server on loopback per envoy.yaml listener, running every request
// through the listener's Wasm filter chain on N worker VMs and routing it to static loopback clusters,
// plus Envoy's admin listener (/stats, /stats/prometheus, /ready). See host/gateway/README.md for the
// supported subset and what differs from Envoy.
import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { validateEnvoyConfig } from '../envoy-config/validate.ts';
import type { Json } from '../envoy-config/yaml.ts';
import type { LogLevelName } from '../abi/enums.ts';
import { uint } from '../abi/properties.ts';
import { ProcessState } from '../runtime/process.ts';
import { VirtualClock } from '../runtime/clock.ts';
import type { LogEntry } from '../runtime/types.ts';
import { makeAccessLogger, type AccessLogger } from './access-log.ts';
import { runChain, type Pairs, type Response } from './chain.ts';
import { parseGatewayConfig, type ParseOptions } from './config/parse.ts';
import { isObj, Reader } from './config/reader.ts';
import type { GatewayConfig, ListenerConfig, WasmFilterConfig } from './config/types.ts';
import { readWasmFilter, WASM_TYPE } from './config/wasm.ts';
import { routeCluster, selectRoute, headerValue } from './routing.ts';
import { GatewayStats } from './stats.ts';
import { tlsConnectionProperties, tlsServerOptions } from './tls.ts';
import { Upstreams } from './upstreams.ts';
import { WasmFilter, type ApplyResult } from './wasm-filter.ts';
import { subscribeEcds, type EcdsSubscriptions } from './xds.ts';

export interface GatewayOptions extends ParseOptions {
  /** Worker VMs per Wasm filter (Envoy's --concurrency). Default 2. */
  concurrency?: number;
  /** Envoy's `wasm` log level. Default info. */
  logLevel?: LogLevelName;
  /** Bind every listener (and the admin) to an ephemeral port instead of port_value (tests). */
  ephemeralPorts?: boolean;
  /** Receives every access log line instead of stdout/stderr/file (tests). */
  accessLog?: (line: string) => void;
  /** Gateway and guest log lines. Default stderr. */
  log?: (line: string) => void;
  /** Envoy's stream_idle_timeout for a stream a filter keeps paused. Default 300 s. */
  streamIdleTimeoutMs?: number;
  /**
   * Subscribe to the config_discovery resources over xDS (host/xds), as Envoy does. Default true; false
   * leaves them to applyFilterConfig (tests driving updates directly).
   */
  xds?: boolean;
}

export interface ListenerHandle { name: string; url: string; port: number }

/** State of one config_discovery resource (what an ECDS client ACKs or NACKs). */
export interface DiscoveredFilter {
  resourceName: string;
  filters: WasmFilter[];
  versionInfo: string;
  /** The accepted Wasm message (proto3 JSON) and when it was applied. */
  typedConfig: Json | null;
  lastUpdated: Date | null;
  /** The last rejected update: its version and why (cleared by the next accepted one). */
  lastError: string | null;
  lastErrorVersion: string | null;
}

export interface Gateway {
  config: GatewayConfig;
  listeners: Map<string, ListenerHandle>;
  adminUrl: string | null;
  stats: GatewayStats;
  /** config_discovery resources by name (the HTTP filter's `name`). */
  discovered: Map<string, DiscoveredFilter>;
  /** Every Wasm filter of every listener: `${listener}/${plugin name}` (ECDS: the resource name; `[i]` added to a repeated name). */
  filters: Map<string, WasmFilter>;
  /**
   * Apply an ECDS resource: `typedConfig` is the envoy.extensions.filters.http.wasm.v3.Wasm message in
   * proto3 JSON (with its @type). ok → ACK (version recorded); not ok → NACK with the reason, old config kept.
   */
  applyFilterConfig(resourceName: string, typedConfig: Json, versionInfo?: string): ApplyResult;
  close(): Promise<void>;
}

/** Wakes chains waiting on a paused stream when a callout answer or a timer ran guest code. */
class Progress {
  private waiters: Array<() => void> = [];
  notify(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
  wait(ms = 50): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }
}

interface ConnState { id: number; worker: number; props: Record<string, unknown> }

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

export async function startGateway(input: { yaml: string } | { file: string } | { config: GatewayConfig }, opts: GatewayOptions = {}): Promise<Gateway> {
  const config = 'config' in input ? input.config : parseGatewayConfig('yaml' in input ? input.yaml : readFileSync(input.file, 'utf8'), opts);
  const workers = opts.concurrency ?? 2;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // One "Envoy process": shared data, queues and stats across every filter's VMs; its clock follows
  // the wall clock (timers, callout timeouts and proxy_get_current_time_nanoseconds see real time).
  const proc = new ProcessState(new VirtualClock(Date.now()));
  const stats = new GatewayStats(proc);
  const upstreams = new Upstreams(config.clusters, stats);
  const progress = new Progress();
  const syncClock = () => {
    const d = Date.now() - proc.clock.nowMs();
    if (d > 0) { proc.clock.advance(d); proc.drain(); }
  };
  const ticker = setInterval(() => { syncClock(); stats.fold(); progress.notify(); }, 20);
  ticker.unref();

  const wasmLog = (e: LogEntry) => log(`[${new Date().toISOString()}][${e.worker}][${e.levelName}][wasm] ${e.line}`);
  const filterEnv = {
    process: proc, workers, clusters: [...config.clusters.keys()], callouts: upstreams.calloutHandler(),
    logLevel: opts.logLevel ?? 'info' as LogLevelName, log: wasmLog, progress: () => progress.notify(),
  };

  const filters = new Map<string, WasmFilter>();
  const servers: Array<http.Server> = [];
  let subscriptions: EcdsSubscriptions | null = null;
  /** Startup failed half-way: stop what was started, then report. */
  const abort = async (e: unknown): Promise<never> => {
    clearInterval(ticker);
    subscriptions?.stop();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); })));
    for (const f of filters.values()) f.shutdown();
    upstreams.close();
    throw e;
  };
  const discovered = new Map<string, DiscoveredFilter>();
  const chains = new Map<string, WasmFilter[]>();
  const useXds = opts.xds !== false && config.listeners.some((l) => l.hcm.httpFilters.some((f) => f.kind === 'wasm' && f.discovery));
  /** ECDS filters whose default_config waits for the end of warming (Envoy applies it only if nothing arrived). */
  const warming: Array<{ wf: WasmFilter; name: string; path: string; timeoutMs: number; dflt: WasmFilterConfig | null }> = [];
  for (const l of config.listeners) {
    const chain: WasmFilter[] = [];
    for (const f of l.hcm.httpFilters) {
      if (f.kind !== 'wasm') continue;
      const wf = new WasmFilter(f.name, filterEnv);
      const d0 = f.discovery;
      const warm = d0 !== null && useXds && !(d0.defaultConfig && d0.applyDefaultConfigWithoutWarming);
      if (warm) warming.push({ wf, name: d0.resourceName, path: f.path, timeoutMs: d0.initialFetchTimeoutMs, dflt: d0.defaultConfig });
      const initial = f.wasm ?? (warm ? null : d0?.defaultConfig ?? null);
      if (initial) {
        const r = wf.apply(initial);
        if (!r.ok) await abort(new Error(`${f.path}: ${r.error}`));
      }
      if (f.discovery) {
        let d = discovered.get(f.discovery.resourceName);
        if (!d) discovered.set(f.discovery.resourceName, (d = { resourceName: f.discovery.resourceName, filters: [], versionInfo: '', typedConfig: null, lastUpdated: null, lastError: null, lastErrorVersion: null }));
        d.filters.push(wf);
      }
      // by plugin name (the ECDS resource name for discovered filters): http filter names repeat
      // (`envoy.filters.http.wasm` for every Wasm filter is common), plugin names rarely do
      const base = `${l.name}/${f.wasm?.name || f.name}`;
      filters.set(filters.has(base) ? `${base}[${chain.length}]` : base, wf);
      chain.push(wf);
    }
    chains.set(l.name, chain);
  }

  // config_discovery: subscribe, then warm like Envoy's listeners — no listener accepts connections until
  // every ECDS filter has its config or its initial_fetch_timeout passed (then default_config, if any).
  if (useXds) subscriptions = subscribeEcds({ config, applyFilterConfig }, log);
  if (warming.length) {
    const t0 = Date.now();
    const pending = () => warming.filter((w) => !w.wf.plugin && (w.timeoutMs === 0 || Date.now() - t0 < w.timeoutMs));
    while (pending().length) await new Promise((r) => setTimeout(r, 10));
    for (const w of warming) {
      if (w.wf.plugin || !w.dflt) continue;
      log(`[gateway] ECDS ${w.name}: no config within initial_fetch_timeout, using default_config`);
      const r = w.wf.apply(w.dflt);
      if (!r.ok) await abort(new Error(`${w.path}: ${r.error}`));
    }
  }

  const listeners = new Map<string, ListenerHandle>();
  let nextConn = 1;
  let nextWorker = 0;
  const conns = new WeakMap<Socket, ConnState>();

  for (const l of config.listeners) {
    const chain = chains.get(l.name)!;
    const accessLoggers: AccessLogger[] = l.hcm.accessLogs.map((a) => makeAccessLogger(a, opts.accessLog));
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      handleRequest(l, chain, accessLoggers, req, res).catch((e) => {
        log(`[gateway] ${l.name}: ${(e as Error).stack ?? e}`);
        if (!res.headersSent) { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('dev gateway error\n'); } else res.destroy();
      });
    };
    const server = l.tls ? https.createServer(tlsServerOptions(l.tls), handler) : http.createServer(handler);
    const p = `http.${l.hcm.statPrefix}.`;
    server.on('connection', (s: Socket) => {
      stats.inc(p + 'downstream_cx_total');
      stats.gauge(p + 'downstream_cx_active', 1);
      s.once('close', () => stats.gauge(p + 'downstream_cx_active', -1));
    });
    if (l.tls) {
      server.on('tlsClientError', () => stats.inc(p + 'downstream_cx_ssl_handshake_error'));
    }
    await listen(server, l.host, opts.ephemeralPorts ? 0 : l.port).catch(abort);
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    listeners.set(l.name, { name: l.name, port, url: `${l.tls ? 'https' : 'http'}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${port}` });
  }

  function connState(l: ListenerConfig, s: Socket): ConnState {
    let c = conns.get(s);
    if (!c) {
      // Envoy hands each accepted connection to one worker thread; every stream on it runs there.
      const props: Record<string, unknown> = {
        'source.address': `${s.remoteAddress}:${s.remotePort}`, 'source.port': s.remotePort ?? 0,
        'destination.address': `${s.localAddress}:${s.localPort}`, 'destination.port': s.localPort ?? 0,
        'connection.mtls': false,
        'xds.listener_name': l.name,
      };
      if (config.node) props['xds.node'] = { id: config.node.id, cluster: config.node.cluster, metadata: config.node.metadata };
      if (l.tls) Object.assign(props, tlsConnectionProperties(s as TLSSocket));
      c = { id: nextConn++, worker: nextWorker++ % workers, props };
      conns.set(s, c);
    }
    return c;
  }

  async function handleRequest(l: ListenerConfig, chain: WasmFilter[], accessLoggers: AccessLogger[], req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const start = new Date();
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reqBody = new Uint8Array(Buffer.concat(chunks));
    syncClock();
    const conn = connState(l, req.socket);
    const hcm = l.hcm;
    const p = `http.${hcm.statPrefix}.`;
    stats.inc(p + 'downstream_rq_total');
    stats.gauge(p + 'downstream_rq_active', 1);

    // HCM request processing before the filters.
    let headers: Pairs = [[':authority', req.headers.host ?? ''], [':path', req.url ?? '/'], [':method', req.method ?? 'GET'], [':scheme', l.tls ? 'https' : 'http']];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i].toLowerCase();
      if (HOP_BY_HOP.has(k) || k === 'x-forwarded-client-cert') continue; // SANITIZE: never trust a client's XFCC
      headers.push([k, req.rawHeaders[i + 1]]);
    }
    if (headerValue(headers, 'x-forwarded-proto') === undefined) headers.push(['x-forwarded-proto', l.tls ? 'https' : 'http']);
    if (headerValue(headers, 'x-request-id') === undefined && hcm.generateRequestId) headers.push(['x-request-id', randomUUID()]);

    // The route as first resolved (filters may read xds.route_name); resolved again after the filters.
    const random = randomInt(0, 2 ** 32);
    const first = selectRoute(hcm.routeConfig, headers);
    const properties: Record<string, unknown> = { ...conn.props, 'connection.id': uint(conn.id) };
    if (first) {
      properties['xds.route_name'] = first.route.name;
      properties['xds.virtual_host_name'] = first.vhost.name;
      const c = first.route.action.kind === 'direct' ? '' : routeCluster(first.route, headers, random);
      if (config.clusters.has(c)) properties['xds.cluster_name'] = c;
    }

    let upstreamHost = '';
    let upstreamCluster = '';
    let routeName = first?.route.name ?? '';
    const route = async (h: Pairs, body: Uint8Array): Promise<Response> => {
      const sel = selectRoute(hcm.routeConfig, h);
      if (!sel) { stats.inc(p + 'no_route'); return { status: 404, headers: [], body: new Uint8Array(0), flags: 'NR', details: 'route_not_found' }; }
      routeName = sel.route.name;
      const drop = new Set([...sel.vhost.requestHeadersToRemove, ...sel.route.requestHeadersToRemove]);
      let out = h.filter(([k]) => !drop.has(k));
      for (const a of sel.route.requestHeadersToAdd) {
        if (!a.append) out = out.filter(([k]) => k !== a.key);
        out.push([a.key, a.value]);
      }
      const a = sel.route.action;
      if (a.kind === 'direct') {
        stats.inc(p + 'rq_direct_response');
        return { status: a.status, headers: a.body ? [['content-type', 'text/plain']] : [], body: new Uint8Array(Buffer.from(a.body)), flags: '', details: 'direct_response' };
      }
      const name = routeCluster(sel.route, h, random);
      const cluster = config.clusters.get(name);
      if (!cluster) { stats.inc(p + 'no_cluster'); return { status: 503, headers: [], body: new Uint8Array(0), flags: 'NC', details: 'cluster_not_found' }; }
      if (sel.route.prefixRewrite !== null && sel.route.match.prefix !== undefined) {
        const path = headerValue(out, ':path') ?? '/';
        out = out.filter(([k]) => k !== ':path' && k !== 'x-envoy-original-path');
        out.push([':path', sel.route.prefixRewrite + path.slice(sel.route.match.prefix.length)], ['x-envoy-original-path', path]);
      }
      upstreamCluster = name;
      const tu = performance.now();
      const up = await upstreams.send(cluster, out, body, sel.route.timeoutMs);
      upstreamHost = up.host;
      const rh = up.flag ? up.headers : [...up.headers, ['x-envoy-upstream-service-time', String(Math.round(performance.now() - tu))] as [string, string]];
      return { status: up.status, headers: rh, body: up.body, flags: up.flag, details: up.details };
    };

    const result = await runChain(
      { filters: chain, waitProgress: () => progress.wait(), route, idleTimeoutMs: opts.streamIdleTimeoutMs ?? 300_000 },
      { headers, body: reqBody, worker: conn.worker, properties, connectionId: conn.id },
    );
    if (result.error) log(`[gateway] ${l.name}: ${result.error}`);
    let code = 0;
    let respHeaders: Pairs = [];
    let bytesSent = 0;
    let flags = '';
    let details = '';
    try {
      if (result.response) {
        const r = result.response;
        code = r.status;
        flags = r.flags;
        details = r.details;
        respHeaders = r.headers.filter(([k]) => !k.startsWith(':') && k !== 'content-length' && !HOP_BY_HOP.has(k) && k !== 'server' && k !== 'date');
        respHeaders.push(['server', hcm.serverName]);
        const rid = headerValue(result.requestHeaders, 'x-request-id');
        if (hcm.alwaysSetRequestIdInResponse && rid !== undefined && headerValue(respHeaders, 'x-request-id') === undefined) respHeaders.push(['x-request-id', rid]);
        respHeaders.push(['content-length', String(r.body.length)]);
        bytesSent = r.body.length;
        res.writeHead(code, respHeaders.flat());
        res.end(Buffer.from(r.body.buffer, r.body.byteOffset, r.body.length));
      } else {
        flags = 'DR';
        details = result.reset ?? '';
        res.destroy();
      }
    } catch (e) {
      // node refused the response (e.g. a header value it will not send): reset, as Envoy's codec would
      log(`[gateway] ${l.name}: response not sent: ${(e as Error).message}`);
      code = 0;
      flags = 'DR';
      details = 'codec_error';
      res.destroy();
    }
    stats.gauge(p + 'downstream_rq_active', -1);
    if (code) stats.inc(`${p}downstream_rq_${Math.floor(code / 100)}xx`);
    stats.inc(p + 'downstream_rq_completed');
    const durationMs = performance.now() - t0;
    stats.record(p + 'downstream_rq_time', durationMs);
    syncClock();
    result.finish();
    const streams = result.streams;
    for (const a of accessLoggers) {
      a.log({
        start, durationMs, requestHeaders: result.requestHeaders, responseHeaders: respHeaders, responseCode: code, responseCodeDetails: details,
        responseFlags: flags, bytesReceived: reqBody.length, bytesSent, protocol: `HTTP/${req.httpVersion}`, upstreamHost, upstreamCluster,
        downstreamRemoteAddress: `${req.socket.remoteAddress}:${req.socket.remotePort}`, routeName,
        filterState: (key) => {
          for (const s of streams) { const v = s.envoyFilterState.get(key); if (v) return Buffer.from(v.value).toString('utf8'); }
          return undefined;
        },
      });
    }
  }

  // ---- admin
  let adminUrl: string | null = null;
  if (config.admin) {
    const admin = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://admin');
      const send = (code: number, body: string, type = 'text/plain; charset=UTF-8') => { res.writeHead(code, { 'content-type': type }); res.end(body); };
      if (u.pathname === '/stats/prometheus' || (u.pathname === '/stats' && u.searchParams.get('format') === 'prometheus')) return send(200, stats.prometheus(), 'text/plain; version=0.0.4; charset=UTF-8');
      if (u.pathname === '/stats') return send(200, stats.text());
      if (u.pathname === '/ready') return send(200, 'LIVE\n');
      if (u.pathname === '/config_dump' && u.searchParams.get('resource') === 'ecds_filters') return send(200, JSON.stringify(ecdsDump(), null, 2), 'application/json');
      if (u.pathname === '/server_info') return send(200, JSON.stringify({ version: 'dev-gateway', state: 'LIVE', command_line_options: { concurrency: workers } }), 'application/json');
      send(404, 'envoy admin: supported here: /stats, /stats/prometheus, /ready, /server_info, /config_dump?resource=ecds_filters\n');
    });
    await listen(admin, config.admin.host, opts.ephemeralPorts ? 0 : config.admin.port).catch(abort);
    servers.push(admin);
    adminUrl = `http://${config.admin.host}:${(admin.address() as AddressInfo).port}`;
  }

  /** Envoy's admin config dump of ECDS filters (envoy.admin.v3.EcdsConfigDump), one entry per resource. */
  function ecdsDump() {
    return {
      configs: [...discovered.values()].map((d) => ({
        '@type': 'type.googleapis.com/envoy.admin.v3.EcdsConfigDump.EcdsFilterConfig',
        version_info: d.versionInfo,
        ecds_filter: d.typedConfig === null ? null : { '@type': 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig', name: d.resourceName, typed_config: d.typedConfig },
        last_updated: d.lastUpdated?.toISOString() ?? null,
        client_status: d.lastError !== null ? 'NACKED' : d.typedConfig !== null ? 'ACKED' : 'REQUESTED',
        error_state: d.lastError === null ? null : { version_info: d.lastErrorVersion, details: d.lastError },
      })),
    };
  }

  function applyFilterConfig(resourceName: string, typedConfig: Json, versionInfo = ''): ApplyResult {
    const d = discovered.get(resourceName);
    const sp = `extension_config_discovery.http_filter.${resourceName}.`;
    const nack = (error: string): ApplyResult => {
      if (d) { d.lastError = error; d.lastErrorVersion = versionInfo; }
      stats.inc(sp + 'config_fail');
      log(`[gateway] ECDS ${resourceName} version ${JSON.stringify(versionInfo)} rejected: ${error}`);
      return { ok: false, error };
    };
    if (!d) return nack(`no filter has config_discovery for ${resourceName}`);
    if (!isObj(typedConfig)) return nack('expected an envoy.extensions.filters.http.wasm.v3.Wasm message');
    const { '@type': type, ...msg } = typedConfig;
    if (type !== undefined && (typeof type !== 'string' || !type.endsWith('/' + WASM_TYPE))) return nack(`@type ${JSON.stringify(type)} is not ${WASM_TYPE}`);
    // The same config again (an update that changed another resource): nothing to reload, as Envoy skips a
    // config whose hash has not changed — the VMs are not reconfigured, the version is still ACKed.
    if (d.typedConfig !== null && JSON.stringify(d.typedConfig) === JSON.stringify(typedConfig)) {
      d.versionInfo = versionInfo;
      d.lastError = null;
      d.lastErrorVersion = null;
      return { ok: true };
    }
    const v = validateEnvoyConfig(msg, { root: WASM_TYPE });
    if (!v.ok) return nack(v.errors.join('; '));
    const r = new Reader({ baseDir: opts.baseDir, files: opts.files });
    const cfg: WasmFilterConfig | null = readWasmFilter(r, v.json, resourceName);
    if (r.errors.length || !cfg) return nack(r.errors.join('; '));
    for (const f of d.filters) {
      const res = f.apply(cfg);
      if (!res.ok) return nack(res.error);
    }
    d.versionInfo = versionInfo;
    d.typedConfig = typedConfig;
    d.lastUpdated = new Date();
    d.lastError = null;
    d.lastErrorVersion = null;
    stats.inc(sp + 'config_reload');
    return { ok: true };
  }

  const gateway: Gateway = {
    config, listeners, adminUrl, stats, discovered, filters, applyFilterConfig,
    async close() {
      clearInterval(ticker);
      subscriptions?.stop();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); })));
      for (const f of filters.values()) f.shutdown();
      upstreams.close();
    },
  };
  return gateway;
}

function listen(s: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => { s.off('error', reject); resolve(); });
  });
}

// envoy.yaml → GatewayConfig. First the whole document is validated against Envoy's own API protos
// (host/envoy-config), so a config Envoy would reject fails here the same way; then the subset the
// gateway runs is read, and every field outside it is an error naming its path.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { validateEnvoyConfig } from '../../envoy-config/validate.ts';
import type { Json } from '../../envoy-config/yaml.ts';
import { ConfigError, isObj, Reader, type Obj } from './reader.ts';
import { readRouteConfig } from './routes.ts';
import { compileFormat } from '../access-log.ts';
import type { AccessLogConfig, ClusterConfig, DiscoveryConfig, GatewayConfig, HcmConfig, HttpFilterConfig, ListenerConfig, TlsConfig } from './types.ts';
import { readWasmFilter, WASM_TYPE } from './wasm.ts';

export { ConfigError };

/** Envoy's default access log format (when an access logger has no log_format). */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
const TLS_TYPE = 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const HTTP_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** The dev gateway only listens on and connects to this machine. */
export const isLoopback = (a: string) => a === 'localhost' || a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));

export interface ParseOptions {
  /** Relative `filename`s resolve against this (Envoy: its working directory). Default process.cwd(). */
  baseDir?: string;
  /**
   * Files to read instead of the ones a config names (absolute path as written → path to read): runs a
   * production envoy.yaml whose `/etc/envoy/x.wasm` is `filters/x/build/x.wasm` here.
   */
  files?: Record<string, string>;
}

function socketAddress(r: Reader, v: Json | undefined, p: string): { host: string; port: number } {
  const a = r.fields(v, p, ['socket_address']);
  const s = r.fields(a.socket_address, `${p}.socket_address`, ['address', 'port_value']);
  const host = r.str(s.address, `${p}.socket_address.address`);
  if (!isLoopback(host)) r.error(`${p}.socket_address.address`, `${host} is not a loopback address (the dev gateway stays on this machine)`);
  return { host, port: r.int(s.port_value, `${p}.socket_address.port_value`) };
}

function dataSource(r: Reader, v: Json | undefined, p: string): Buffer | null {
  if (v === undefined) return null;
  const d = r.fields(v, p, ['filename', 'inline_string', 'inline_bytes']);
  if (typeof d.inline_string === 'string') return Buffer.from(d.inline_string);
  if (typeof d.inline_bytes === 'string') return Buffer.from(d.inline_bytes, 'base64');
  const file = r.str(d.filename, `${p}.filename`);
  const full = r.resolveFile(file);
  try {
    return readFileSync(full);
  } catch (e) {
    r.error(`${p}.filename`, `cannot read ${full}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return null;
  }
}

function tlsContext(r: Reader, v: Json | undefined, p: string): TlsConfig | null {
  const t = r.fields(v, p, ['name', 'typed_config']);
  const a = r.any(t.typed_config, `${p}.typed_config`, [TLS_TYPE]);
  if (!a) return null;
  const tp = `${p}.typed_config`;
  const d = r.fields(a.obj, tp, ['@type', 'require_client_certificate', 'common_tls_context']);
  const cp = `${tp}.common_tls_context`;
  const c = r.fields(d.common_tls_context, cp, ['tls_params', 'tls_certificates', 'validation_context']);
  const params = r.fields(c.tls_params, `${cp}.tls_params`, ['tls_minimum_protocol_version', 'tls_maximum_protocol_version']);
  const ver = (x: Json | undefined, q: string) => {
    const s = r.oneOf(x, q, ['TLS_AUTO', 'TLSv1_2', 'TLSv1_3'] as const, 'TLS_AUTO');
    return s === 'TLS_AUTO' ? undefined : (s.replace('_', '.') as 'TLSv1.2' | 'TLSv1.3');
  };
  const certs = r.list(c.tls_certificates, `${cp}.tls_certificates`);
  if (certs.length !== 1) r.error(`${cp}.tls_certificates`, 'exactly one certificate is supported by the dev gateway');
  const cert = r.fields(certs[0], `${cp}.tls_certificates[0]`, ['certificate_chain', 'private_key']);
  const vc = r.fields(c.validation_context, `${cp}.validation_context`, ['trusted_ca']);
  const requireClientCertificate = r.bool(d.require_client_certificate, `${tp}.require_client_certificate`);
  const trustedCa = dataSource(r, vc.trusted_ca, `${cp}.validation_context.trusted_ca`);
  if (requireClientCertificate && !trustedCa) r.error(`${cp}.validation_context.trusted_ca`, 'required with require_client_certificate');
  return {
    certChain: dataSource(r, cert.certificate_chain, `${cp}.tls_certificates[0].certificate_chain`) ?? Buffer.alloc(0),
    privateKey: dataSource(r, cert.private_key, `${cp}.tls_certificates[0].private_key`) ?? Buffer.alloc(0),
    trustedCa,
    requireClientCertificate,
    minVersion: ver(params.tls_minimum_protocol_version, `${cp}.tls_params.tls_minimum_protocol_version`),
    maxVersion: ver(params.tls_maximum_protocol_version, `${cp}.tls_params.tls_maximum_protocol_version`),
  };
}

function accessLog(r: Reader, v: Json, p: string): AccessLogConfig {
  const f = r.fields(v, p, ['name', 'typed_config']);
  const a = r.any(f.typed_config, `${p}.typed_config`, [
    'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
    'envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
    'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  ]);
  const tp = `${p}.typed_config`;
  const file = a?.type.endsWith('FileAccessLog');
  const o = r.fields(a?.obj, tp, file ? ['@type', 'path', 'log_format'] : ['@type', 'log_format']);
  const lf = r.fields(o.log_format, `${tp}.log_format`, ['text_format_source']);
  const src = r.fields(lf.text_format_source, `${tp}.log_format.text_format_source`, ['inline_string']);
  const format = o.log_format === undefined ? DEFAULT_ACCESS_LOG_FORMAT : r.str(src.inline_string, `${tp}.log_format.text_format_source.inline_string`);
  try { compileFormat(format); } catch (e) { r.error(`${tp}.log_format.text_format_source.inline_string`, (e as Error).message); }
  const sink: AccessLogConfig['sink'] = file ? { file: r.str(o.path, `${tp}.path`) } : a?.type.includes('Stderr') ? 'stderr' : 'stdout';
  return { sink, format };
}

function discovery(r: Reader, v: Json, name: string, p: string): DiscoveryConfig {
  const f = r.fields(v, p, ['config_source', 'default_config', 'apply_default_config_without_warming', 'type_urls']);
  const cs = r.fields(f.config_source, `${p}.config_source`, ['ads', 'api_config_source', 'resource_api_version', 'initial_fetch_timeout']);
  let source: DiscoveryConfig['source'] = { ads: true };
  if (cs.api_config_source !== undefined) {
    const ap = `${p}.config_source.api_config_source`;
    const api = r.fields(cs.api_config_source, ap, ['api_type', 'transport_api_version', 'grpc_services']);
    r.oneOf(api.api_type, `${ap}.api_type`, ['GRPC'] as const, 'GRPC');
    const gs = r.list(api.grpc_services, `${ap}.grpc_services`);
    const g = r.fields(gs[0], `${ap}.grpc_services[0]`, ['envoy_grpc', 'timeout']);
    const eg = r.fields(g.envoy_grpc, `${ap}.grpc_services[0].envoy_grpc`, ['cluster_name']);
    source = { cluster: r.str(eg.cluster_name, `${ap}.grpc_services[0].envoy_grpc.cluster_name`) };
  } else if (cs.ads === undefined) r.error(`${p}.config_source`, 'ads or api_config_source required by the dev gateway');
  const typeUrls = r.list(f.type_urls, `${p}.type_urls`).map((t, i) => r.str(t, `${p}.type_urls[${i}]`));
  for (const [i, t] of typeUrls.entries()) if (!t.endsWith('/' + WASM_TYPE)) r.error(`${p}.type_urls[${i}]`, `${t} is not supported by the dev gateway (only ${WASM_TYPE})`);
  return {
    resourceName: name,
    source,
    defaultConfig: f.default_config === undefined ? null : readWasmFilter(r, f.default_config, `${p}.default_config`),
    applyDefaultConfigWithoutWarming: r.bool(f.apply_default_config_without_warming, `${p}.apply_default_config_without_warming`),
    initialFetchTimeoutMs: r.durationMs(cs.initial_fetch_timeout, `${p}.config_source.initial_fetch_timeout`, 15_000),
    typeUrls,
  };
}

function httpFilter(r: Reader, v: Json, p: string): HttpFilterConfig | null {
  const f = r.fields(v, p, ['name', 'typed_config', 'config_discovery', 'is_optional']);
  const name = r.str(f.name, `${p}.name`);
  if (f.config_discovery !== undefined) {
    return { kind: 'wasm', name, path: p, wasm: null, discovery: discovery(r, f.config_discovery, name, `${p}.config_discovery`) };
  }
  const a = r.any(f.typed_config, `${p}.typed_config`, [WASM_TYPE, ROUTER_TYPE]);
  if (!a) return null;
  if (a.type === ROUTER_TYPE) {
    r.fields(a.obj, `${p}.typed_config`, ['@type']);
    return { kind: 'router', name };
  }
  return { kind: 'wasm', name, path: p, wasm: readWasmFilter(r, a.obj, `${p}.typed_config`), discovery: null };
}

function hcm(r: Reader, v: Json, p: string): HcmConfig {
  const f = r.fields(v, p, ['name', 'typed_config']);
  const a = r.any(f.typed_config, `${p}.typed_config`, [HCM_TYPE]);
  const tp = `${p}.typed_config`;
  const o = r.fields(a?.obj, tp, ['@type', 'stat_prefix', 'codec_type', 'route_config', 'http_filters', 'access_log', 'generate_request_id',
    'preserve_external_request_id', 'always_set_request_id_in_response', 'server_name', 'forward_client_cert_details']);
  r.oneOf(o.codec_type, `${tp}.codec_type`, ['AUTO', 'HTTP1'] as const, 'AUTO');
  // SANITIZE is Envoy's default: x-forwarded-client-cert from the client is dropped (the gateway does that).
  r.oneOf(o.forward_client_cert_details, `${tp}.forward_client_cert_details`, ['SANITIZE'] as const, 'SANITIZE');
  if (o.route_config === undefined) r.error(`${tp}.route_config`, 'an inline route_config is required by the dev gateway (rds is not supported)');
  const httpFilters = r.list(o.http_filters, `${tp}.http_filters`).map((x, i) => httpFilter(r, x, `${tp}.http_filters[${i}]`)).filter((x): x is HttpFilterConfig => x !== null);
  const ri = httpFilters.findIndex((x) => x.kind === 'router');
  if (ri < 0) r.error(`${tp}.http_filters`, 'the last filter must be envoy.filters.http.router');
  else if (ri !== httpFilters.length - 1) r.error(`${tp}.http_filters[${ri}]`, 'the router must be the last filter');
  return {
    statPrefix: r.str(o.stat_prefix, `${tp}.stat_prefix`),
    routeConfig: readRouteConfig(r, o.route_config, `${tp}.route_config`),
    httpFilters,
    accessLogs: r.list(o.access_log, `${tp}.access_log`).map((x, i) => accessLog(r, x, `${tp}.access_log[${i}]`)),
    generateRequestId: r.bool(o.generate_request_id, `${tp}.generate_request_id`, true),
    preserveExternalRequestId: r.bool(o.preserve_external_request_id, `${tp}.preserve_external_request_id`),
    alwaysSetRequestIdInResponse: r.bool(o.always_set_request_id_in_response, `${tp}.always_set_request_id_in_response`),
    serverName: r.str(o.server_name, `${tp}.server_name`, 'envoy'),
    path: tp,
  };
}

function listener(r: Reader, v: Json, p: string): ListenerConfig {
  const f = r.fields(v, p, ['name', 'address', 'filter_chains']);
  const chains = r.list(f.filter_chains, `${p}.filter_chains`);
  if (chains.length !== 1) r.error(`${p}.filter_chains`, 'exactly one filter chain is supported by the dev gateway');
  const cp = `${p}.filter_chains[0]`;
  const c = r.fields(chains[0], cp, ['filters', 'transport_socket']);
  const filters = r.list(c.filters, `${cp}.filters`);
  if (filters.length !== 1) r.error(`${cp}.filters`, 'exactly one network filter (envoy.filters.network.http_connection_manager) is supported by the dev gateway');
  const { host, port } = socketAddress(r, f.address, `${p}.address`);
  return {
    name: r.str(f.name, `${p}.name`),
    host,
    port,
    tls: c.transport_socket === undefined ? null : tlsContext(r, c.transport_socket, `${cp}.transport_socket`),
    hcm: hcm(r, filters[0] ?? {}, `${cp}.filters[0]`),
  };
}

function http2Of(r: Reader, f: Obj, p: string): boolean {
  if (f.http2_protocol_options !== undefined) { r.fields(f.http2_protocol_options, `${p}.http2_protocol_options`, []); return true; }
  if (f.typed_extension_protocol_options === undefined) return false;
  const opts = f.typed_extension_protocol_options;
  if (!isObj(opts)) return false;
  let h2 = false;
  for (const [k, val] of Object.entries(opts)) {
    const q = `${p}.typed_extension_protocol_options["${k}"]`;
    if (k !== 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions') { r.error(q, 'not supported by the dev gateway'); continue; }
    const a = r.any(val, q, [HTTP_OPTIONS_TYPE]);
    const o = r.fields(a?.obj, q, ['@type', 'explicit_http_config']);
    const e = r.fields(o.explicit_http_config, `${q}.explicit_http_config`, ['http_protocol_options', 'http2_protocol_options']);
    if (e.http2_protocol_options !== undefined) { r.fields(e.http2_protocol_options, `${q}.explicit_http_config.http2_protocol_options`, []); h2 = true; }
    if (e.http_protocol_options !== undefined) r.fields(e.http_protocol_options, `${q}.explicit_http_config.http_protocol_options`, []);
  }
  return h2;
}

function cluster(r: Reader, v: Json, p: string): ClusterConfig {
  const f = r.fields(v, p, ['name', 'type', 'connect_timeout', 'lb_policy', 'load_assignment', 'http2_protocol_options', 'typed_extension_protocol_options']);
  r.oneOf(f.type, `${p}.type`, ['STATIC'] as const, 'STATIC');
  const name = r.str(f.name, `${p}.name`);
  const la = r.fields(f.load_assignment, `${p}.load_assignment`, ['cluster_name', 'endpoints']);
  const endpoints: ClusterConfig['endpoints'] = [];
  for (const [i, le] of r.list(la.endpoints, `${p}.load_assignment.endpoints`).entries()) {
    const ep = `${p}.load_assignment.endpoints[${i}]`;
    const l = r.fields(le, ep, ['lb_endpoints']);
    for (const [j, lbe] of r.list(l.lb_endpoints, `${ep}.lb_endpoints`).entries()) {
      const bp = `${ep}.lb_endpoints[${j}]`;
      const b = r.fields(lbe, bp, ['endpoint']);
      const e = r.fields(b.endpoint, `${bp}.endpoint`, ['address']);
      endpoints.push(socketAddress(r, e.address, `${bp}.endpoint.address`));
    }
  }
  if (endpoints.length === 0) r.error(`${p}.load_assignment`, 'a static cluster needs at least one endpoint');
  return {
    name,
    endpoints,
    connectTimeoutMs: r.durationMs(f.connect_timeout, `${p}.connect_timeout`, 5000),
    http2: http2Of(r, f, p),
    lbPolicy: r.oneOf(f.lb_policy, `${p}.lb_policy`, ['ROUND_ROBIN', 'RANDOM'] as const, 'ROUND_ROBIN'),
  };
}

/** Parse and check an envoy.yaml (text) or its proto3-JSON object. Throws ConfigError listing every problem. */
export function parseGatewayConfig(input: string | object, opts: ParseOptions = {}): GatewayConfig {
  const v = validateEnvoyConfig(input);
  if (!v.ok) throw new ConfigError(v.errors.map((e) => `envoy would reject this config: ${e}`));
  const r = new Reader({ baseDir: opts.baseDir, files: opts.files });
  const top = r.fields(v.json, '', ['node', 'admin', 'static_resources', 'dynamic_resources']);
  const sr = r.fields(top.static_resources, 'static_resources', ['listeners', 'clusters']);
  const clusters = new Map<string, ClusterConfig>();
  for (const [i, c] of r.list(sr.clusters, 'static_resources.clusters').entries()) {
    const cc = cluster(r, c, `static_resources.clusters[${i}]`);
    if (clusters.has(cc.name)) r.error(`static_resources.clusters[${i}].name`, `duplicate cluster ${cc.name}`);
    clusters.set(cc.name, cc);
  }
  const listeners = r.list(sr.listeners, 'static_resources.listeners').map((l, i) => listener(r, l, `static_resources.listeners[${i}]`));
  let admin: GatewayConfig['admin'] = null;
  if (top.admin !== undefined) {
    const a = r.fields(top.admin, 'admin', ['address']);
    admin = socketAddress(r, a.address, 'admin.address');
  }
  let node: GatewayConfig['node'] = null;
  if (top.node !== undefined) {
    const n = r.fields(top.node, 'node', ['id', 'cluster', 'metadata']);
    node = { id: r.str(n.id, 'node.id'), cluster: r.str(n.cluster, 'node.cluster'), metadata: isObj(n.metadata) ? n.metadata : {} };
  }
  let ads: GatewayConfig['ads'] = null;
  if (top.dynamic_resources !== undefined) {
    const d = r.fields(top.dynamic_resources, 'dynamic_resources', ['ads_config']);
    const ap = 'dynamic_resources.ads_config';
    // set_node_on_first_message_only only trims repeated node fields; the ECDS client sends the node each time
    const a = r.fields(d.ads_config, ap, ['api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only']);
    r.oneOf(a.api_type, `${ap}.api_type`, ['GRPC'] as const, 'GRPC');
    const g = r.fields(r.list(a.grpc_services, `${ap}.grpc_services`)[0], `${ap}.grpc_services[0]`, ['envoy_grpc', 'timeout']);
    const eg = r.fields(g.envoy_grpc, `${ap}.grpc_services[0].envoy_grpc`, ['cluster_name']);
    ads = { cluster: r.str(eg.cluster_name, `${ap}.grpc_services[0].envoy_grpc.cluster_name`) };
    if (!clusters.has(ads.cluster)) r.error(`${ap}.grpc_services[0].envoy_grpc.cluster_name`, `unknown cluster ${ads.cluster}`);
  }
  // Cross references Envoy checks at load (validate_clusters is on for static route configs).
  for (const [li, l] of listeners.entries()) {
    for (const [vi, vh] of l.hcm.routeConfig.virtualHosts.entries()) {
      for (const [ri, rt] of vh.routes.entries()) {
        const rp = `${l.hcm.path}.route_config.virtual_hosts[${vi}].routes[${ri}].route`;
        const names = rt.action.kind === 'cluster' ? [rt.action.cluster] : rt.action.kind === 'weighted' ? rt.action.clusters.map((c) => c.name) : [];
        for (const n of names) if (!clusters.has(n)) r.error(rp, `route: unknown cluster '${n}'`);
      }
    }
    for (const f of l.hcm.httpFilters) {
      if (f.kind === 'wasm' && f.discovery && 'cluster' in f.discovery.source && !clusters.has(f.discovery.source.cluster)) {
        r.error(`${f.path}.config_discovery.config_source`, `unknown cluster ${f.discovery.source.cluster}`);
      }
      if (f.kind === 'wasm' && f.discovery && 'ads' in f.discovery.source && !ads) {
        r.error(`${f.path}.config_discovery.config_source.ads`, 'needs dynamic_resources.ads_config');
      }
    }
    if (listeners.findIndex((x) => x.name === l.name) !== li) r.error(`static_resources.listeners[${li}].name`, `duplicate listener ${l.name}`);
  }
  r.done();
  return { node, admin, listeners, clusters, ads };
}

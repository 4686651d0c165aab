// The dev gateway's model of the envoy.yaml subset it runs (what config/parse.ts produces).
import type { FailurePolicy } from '../../runtime/types.ts';

export interface GatewayConfig {
  node: { id: string; cluster: string; metadata: Record<string, unknown> } | null;
  admin: { host: string; port: number } | null;
  listeners: ListenerConfig[];
  clusters: Map<string, ClusterConfig>;
  /** dynamic_resources.ads_config: the cluster that serves ADS (ECDS subscriptions go there). */
  ads: { cluster: string } | null;
}

export interface ListenerConfig {
  name: string;
  host: string;
  port: number;
  tls: TlsConfig | null;
  hcm: HcmConfig;
}

export interface TlsConfig {
  certChain: Buffer;
  privateKey: Buffer;
  trustedCa: Buffer | null;
  requireClientCertificate: boolean;
  minVersion: 'TLSv1.2' | 'TLSv1.3' | undefined;
  maxVersion: 'TLSv1.2' | 'TLSv1.3' | undefined;
}

export interface HcmConfig {
  statPrefix: string;
  routeConfig: RouteConfig;
  httpFilters: HttpFilterConfig[];
  accessLogs: AccessLogConfig[];
  generateRequestId: boolean;
  preserveExternalRequestId: boolean;
  alwaysSetRequestIdInResponse: boolean;
  serverName: string;
  /** Path of the HCM in the YAML (for messages). */
  path: string;
}

export interface AccessLogConfig {
  sink: 'stdout' | 'stderr' | { file: string };
  /** Envoy substitution format string (the default format when the config gives none). */
  format: string;
}

export type HttpFilterConfig =
  | { kind: 'router'; name: string }
  | { kind: 'wasm'; name: string; path: string; wasm: WasmFilterConfig | null; discovery: DiscoveryConfig | null };

/** config_discovery (ECDS) of one HTTP filter: the filter's `name` is the resource name. */
export interface DiscoveryConfig {
  resourceName: string;
  /** 'ads' or the cluster of an api_config_source. */
  source: { ads: true } | { cluster: string };
  defaultConfig: WasmFilterConfig | null;
  applyDefaultConfigWithoutWarming: boolean;
  /** config_source.initial_fetch_timeout: how long the listener warms waiting for it (0 = for ever). */
  initialFetchTimeoutMs: number;
  typeUrls: string[];
}

/** envoy.extensions.filters.http.wasm.v3.Wasm, resolved (code read from disk). */
export interface WasmFilterConfig {
  name: string;
  rootId: string;
  vmId: string;
  /** Absolute path of vm_config.code.local.filename (or '<inline>'). */
  codePath: string;
  code: Uint8Array;
  configuration: Uint8Array;
  vmConfiguration: Uint8Array;
  failurePolicy: FailurePolicy;
  envVars: Record<string, string>;
}

export interface RouteConfig {
  name: string;
  virtualHosts: VirtualHost[];
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes: Route[];
  requestHeadersToRemove: string[];
}

export interface HeaderMatcher {
  name: string;
  kind: 'exact' | 'prefix' | 'suffix' | 'contains' | 'present';
  value: string;
  present: boolean;
  ignoreCase: boolean;
  invert: boolean;
}

export type RouteAction =
  | { kind: 'cluster'; cluster: string }
  | { kind: 'cluster_header'; header: string }
  | { kind: 'weighted'; clusters: Array<{ name: string; weight: number }>; total: number }
  | { kind: 'direct'; status: number; body: string };

export interface Route {
  name: string;
  match: { prefix?: string; path?: string; caseSensitive: boolean; headers: HeaderMatcher[] };
  action: RouteAction;
  timeoutMs: number;
  prefixRewrite: string | null;
  requestHeadersToRemove: string[];
  requestHeadersToAdd: Array<{ key: string; value: string; append: boolean }>;
}

export interface ClusterConfig {
  name: string;
  endpoints: Array<{ host: string; port: number }>;
  connectTimeoutMs: number;
  /** The cluster speaks HTTP/2 upstream (gRPC services need it). */
  http2: boolean;
  lbPolicy: 'ROUND_ROBIN' | 'RANDOM';
}

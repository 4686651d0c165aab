// Shared by the dev gateway tests: sample upstreams on ephemeral loopback ports and envoy.yaml pieces.
import { startSampleUpstream } from '../../host/gateway/demo.ts';
import { startGateway, type Gateway, type GatewayOptions } from '../../host/gateway/gateway.ts';

export { startSampleUpstream };

export interface Upstream { name: string; port: number; close(): Promise<void> }

export async function upstreams(...names: string[]): Promise<Upstream[]> {
  return Promise.all(names.map(async (name) => ({ name, ...(await startSampleUpstream(name, '127.0.0.1', 0)) })));
}

export const cluster = (name: string, port: number, extra = '') => `
  - name: ${name}
    type: STATIC
    connect_timeout: 1s${extra}
    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: ${port} }`;

/** A Wasm http filter entry (indented for http_filters). */
export const wasmFilter = (o: { name: string; file: string; rootId?: string; vmId?: string; config?: string; failOpen?: boolean }) => `
          - name: ${o.name}
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ${o.name}
                root_id: ${JSON.stringify(o.rootId ?? '')}${o.failOpen ? '\n                fail_open: true' : ''}
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: ${JSON.stringify(o.config ?? '')}
                vm_config:
                  vm_id: ${JSON.stringify(o.vmId ?? o.name)}
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: ${JSON.stringify(o.file)} } }`;

export const ROUTER = `
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router`;

/** One plain-HTTP listener `main` with the given routes (YAML list under `routes:`), filters and clusters. */
export function bootstrap(o: { routes: string; filters?: string; clusters: string; hcmExtra?: string; transportSocket?: string; extra?: string }): string {
  return `
static_resources:
  listeners:
  - name: main
    address:
      socket_address: { address: 127.0.0.1, port_value: 0 }
    filter_chains:
    - ${o.transportSocket ? `transport_socket:${o.transportSocket}\n      filters:` : 'filters:'}
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress${o.hcmExtra ?? ''}
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
          route_config:
            name: local_route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:${o.routes}
          http_filters:${o.filters ?? ''}${ROUTER}
  clusters:${o.clusters}
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 0 }
${o.extra ?? ''}`;
}

/** Starts a gateway that keeps its access log lines and guest logs for the test. */
export async function gateway(yaml: string, opts: GatewayOptions = {}): Promise<{ gw: Gateway; url: string; access: string[]; logs: string[] }> {
  const access: string[] = [];
  const logs: string[] = [];
  const gw = await startGateway({ yaml }, { accessLog: (l) => access.push(l), log: (l) => logs.push(l), ...opts });
  return { gw, url: gw.listeners.get('main')?.url ?? '', access, logs };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | null; text: string }> {
  const r = await fetch(url, init);
  const text = await r.text();
  let json: Record<string, unknown> | null = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, json, text };
}

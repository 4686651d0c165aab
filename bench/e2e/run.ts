// End-to-end figures of the demo security server (security-server/server.ts), all on loopback in one
// process (load generator, gateway, policy-admin and upstreams share the event loop and the machine's
// cores, so the figures are lower bounds of what the parts do on their own):
//   1. propagation: the X-Road admin API's answer to a revoke/grant (POST …/access-rights[/delete]) →
//      the first request the gateway answers accordingly (403 / 200); p50/p99 over N changes. Requests
//      are sent back to back while waiting, so the figure includes up to one request's latency.
//   2. gateway throughput and latency, C keep-alive connections for D seconds: the security server's
//      gateway with all four filters (configs over ECDS) vs the same dev gateway with only the router,
//      to the same upstream, in the same run.
//   node --import tsx bench/e2e/run.ts [--quick]
import http from 'node:http';
import { startGateway } from '../../host/gateway/gateway.ts';
import { startSecurityServer, ROOT } from '../../security-server/server.ts';
import { CONSUMER, CONSUMER_HEADER, PROVIDER, SERVICE_CODE, SERVICE_PATH } from '../../security-server/seed.ts';

export interface Row { what: string; figures: string; note?: string }

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** One GET on a keep-alive agent; resolves with the status. */
function request(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** C connections each sending requests back to back for `seconds`; per-request latency, status counts. */
async function load(url: string, headers: Record<string, string>, connections: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  const lat: number[] = [];
  const statuses = new Map<number, number>();
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const st = await request(agent, u, headers);
      lat.push(performance.now() - t0);
      statuses.set(st, (statuses.get(st) ?? 0) + 1);
    }
  }));
  agent.destroy();
  return { rps: lat.length / seconds, p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, statuses };
}

const baselineYaml = (upstreamPort: number) => `
static_resources:
  listeners:
  - name: baseline
    address: { socket_address: { address: 127.0.0.1, port_value: 10001 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: baseline
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/r1/DEV/GOV/1001/civil-registry/births/" }
                route: { cluster: registry, prefix_rewrite: "/" }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: registry
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: registry
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${upstreamPort} } } }
`;

export async function runE2eBench(quick = false): Promise<Row[]> {
  const changes = quick ? 20 : 100;
  const seconds = quick ? 1 : 3;
  const connections = 8;
  const rows: Row[] = [];
  const s = await startSecurityServer({ ephemeral: true, db: ':memory:', requestsPerMinute: 1_000_000_000, accessLog: () => {}, log: () => {} });
  const base = await startGateway({ yaml: baselineYaml(Number(new URL(s.urls.v1).port)) }, { baseDir: ROOT, ephemeralPorts: true, accessLog: () => {}, log: () => {} });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const svc = new URL(s.urls.gateway + SERVICE_PATH);
    const clientHeaders = { 'X-Road-Client': CONSUMER_HEADER };
    const rights = `${s.urls.api}/api/v1/clients/${encodeURIComponent(PROVIDER)}/service-clients/${encodeURIComponent(CONSUMER)}/access-rights`;
    const body = JSON.stringify({ items: [{ service_code: SERVICE_CODE }] });
    const auth = { authorization: `X-Road-ApiKey token=${s.firstKey}`, 'content-type': 'application/json' };
    if ((await request(agent, svc, clientHeaders)) !== 200) throw new Error('bench/e2e: the seeded request is not allowed');

    // 1. propagation
    const prop: number[] = [];
    const api: number[] = [];
    for (let i = 0; i < changes; i++) {
      const revoke = i % 2 === 0;
      const t0 = performance.now();
      const r = await fetch(revoke ? `${rights}/delete` : rights, { method: 'POST', headers: auth, body });
      await r.arrayBuffer();
      const answered = performance.now();
      if (r.status !== (revoke ? 204 : 201)) throw new Error(`bench/e2e: admin API answered ${r.status}`);
      api.push(answered - t0);
      const want = revoke ? 403 : 200;
      for (;;) {
        if ((await request(agent, svc, clientHeaders)) === want) break;
        if (performance.now() - answered > 5000) throw new Error(`bench/e2e: change ${i} not enforced within 5 s`);
      }
      prop.push(performance.now() - answered);
    }
    agent.destroy();
    rows.push({ what: `propagation: admin API answer → first request enforced at the gateway (${changes} changes, revoke/grant alternating)`, figures: `p50 ${ms(pct(prop, 50))}, p99 ${ms(pct(prop, 99))}, max ${ms(Math.max(...prop))}`, note: 'compile + publishRevision + ECDS push + on_configure on every worker VM; polled with back-to-back requests' });
    rows.push({ what: 'admin API: revoke/grant request → answer (commit + audit + revision)', figures: `p50 ${ms(pct(api, 50))}, p99 ${ms(pct(api, 99))}` });

    // 2. throughput: four filters vs router only, same upstream, same run (the rights are granted again: even count)
    const full = await load(s.urls.gateway + SERVICE_PATH, clientHeaders, connections, seconds);
    const bare = await load(base.listeners.get('baseline')!.url + SERVICE_PATH, clientHeaders, connections, seconds);
    const fmt = (x: typeof full) => `${x.rps.toFixed(0)} req/s, p50 ${ms(x.p50)}, p99 ${ms(x.p99)} (${x.n} requests; ${[...x.statuses].map(([k, v]) => `${k}×${v}`).join(' ')})`;
    rows.push({ what: `gateway, 4 wasm filters (request-id → authz → rate-limit → header-routing), ${connections} connections × ${seconds} s`, figures: fmt(full) });
    rows.push({ what: `same dev gateway, router only, ${connections} connections × ${seconds} s`, figures: fmt(bare) });
    rows.push({ what: 'cost of the four filters', figures: `throughput ×${(full.rps / bare.rps).toFixed(2)}, p50 +${ms(full.p50 - bare.p50)}` });
  } finally {
    await base.close();
    await s.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runE2eBench(process.argv.includes('--quick'));
  console.log('| what | figure | note |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.figures} | ${r.note ?? ''} |`);
}

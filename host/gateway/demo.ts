// The standalone demo security server on its embedded defaults (no policy-admin; `npm start` runs the
// ADS-fed one in security-server/): the dev gateway running envoy/security-server-static.yaml (request-id → authz →
// rate-limit → header-routing → router) in front of two sample upstreams it starts here (the civil
// registry serving `births`, and its canary).
//   node --import tsx host/gateway/demo.ts [--smoke]
// --smoke uses ephemeral ports, sends an allowed, a denied, a canary and rate-limited requests, checks
// the answers and /stats/prometheus, prints what came back and exits non-zero on a mismatch.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseGatewayConfig } from './config/parse.ts';
import { startGateway, type Gateway, type GatewayOptions } from './gateway.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DEMO_CONFIG = join(ROOT, 'envoy/security-server-static.yaml');
/** The modules demo.yaml loads (built by scripts/build.mjs). */
export const DEMO_MODULES = ['filters/request-id', 'filters/authz', 'filters/rate-limit', 'filters/header-routing'];

/** A sample building block: answers JSON describing the request it got (what the filters let through). */
export function startSampleUpstream(name: string, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        served_by: name, method: req.method, path: req.url,
        request_id: req.headers['x-request-id'] ?? null, client: req.headers['x-road-client-verified'] ?? null,
        headers: req.headers, body: Buffer.concat(chunks).toString('utf8'),
      }, null, 2) + '\n';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
    }));
  });
}

export interface Demo { gateway: Gateway; url: string; close(): Promise<void> }

/** Starts the two sample upstreams and the gateway. `ephemeral`: every port chosen by the OS (tests, --smoke). */
export async function startDemo(opts: Omit<GatewayOptions, 'ephemeralPorts' | 'baseDir'> & { ephemeral?: boolean } = {}): Promise<Demo> {
  const { readFileSync } = await import('node:fs');
  const config = parseGatewayConfig(readFileSync(DEMO_CONFIG, 'utf8'), { baseDir: ROOT });
  const upstreams: Array<{ close(): Promise<void> }> = [];
  try {
    for (const c of config.clusters.values()) {
      const ep = c.endpoints[0];
      const u = await startSampleUpstream(c.name, ep.host, opts.ephemeral ? 0 : ep.port);
      ep.port = u.port;
      upstreams.push(u);
    }
    const gateway = await startGateway({ config }, { ...opts, baseDir: ROOT, ephemeralPorts: opts.ephemeral });
    return {
      gateway,
      url: gateway.listeners.get('security_server')!.url,
      async close() { await gateway.close(); await Promise.all(upstreams.map((u) => u.close())); },
    };
  } catch (e) {
    await Promise.all(upstreams.map((u) => u.close()));
    throw e;
  }
}

const SERVICE = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/42';

async function smoke(d: Demo): Promise<string[]> {
  const failures: string[] = [];
  const get = async (label: string, client: string, extra: Record<string, string> = {}) => {
    const r = await fetch(d.url + SERVICE, { headers: { 'X-Road-Client': client, ...extra } });
    const text = await r.text();
    let servedBy = '-';
    try { servedBy = (JSON.parse(text) as { served_by?: string }).served_by ?? '-'; } catch { /* local reply */ }
    console.log(`${label.padEnd(12)} GET ${SERVICE} (${client}) -> ${r.status} served_by=${servedBy} x-request-id=${r.headers.get('x-request-id')}`);
    return { status: r.status, servedBy };
  };
  const expect = (what: string, ok: boolean) => { if (!ok) failures.push(what); };
  const a = await get('allowed', 'DEV/GOV/1002/patient-records');
  expect('allowed request answered 200 by civil-registry', a.status === 200 && a.servedBy === 'civil-registry');
  const n = await get('denied', 'DEV/GOV/1003/tax');
  expect('unregistered client denied (401/403)', n.status === 401 || n.status === 403);
  const c = await get('canary', 'DEV/GOV/1002/patient-records', { 'x-canary': 'true' });
  expect('x-canary: true served by civil-registry-canary', c.status === 200 && c.servedBy === 'civil-registry-canary');
  let limited = 0;
  for (let i = 0; i < 6 && !limited; i++) if ((await get('rate-limit', 'DEV/GOV/1002/patient-records')).status === 429) limited = i + 3;
  expect('the 6th request of a client in a minute gets 429', limited === 6);
  const prom = await (await fetch(d.gateway.adminUrl + '/stats/prometheus')).text();
  const total = /envoy_http_downstream_rq_total\{envoy_http_conn_manager_prefix="security_server"\} (\d+)/.exec(prom)?.[1];
  console.log(`admin        /stats/prometheus: downstream_rq_total=${total}`);
  expect('/stats/prometheus counts every request', Number(total) >= 6);
  return failures;
}

async function main() {
  const isSmoke = process.argv.includes('--smoke');
  const d = await startDemo({ ephemeral: isSmoke, logLevel: 'warn' });
  console.log(`demo: security server on ${d.url} (filters: request-id → authz → rate-limit → header-routing → router), admin ${d.gateway.adminUrl}`);
  if (!isSmoke) {
    console.log(`try (allowed):      curl -i -H 'X-Road-Client: DEV/GOV/1002/patient-records' ${d.url}${SERVICE}`);
    console.log(`try (denied):       curl -i -H 'X-Road-Client: DEV/GOV/1003/tax' ${d.url}${SERVICE}`);
    console.log(`try (canary):       curl -i -H 'X-Road-Client: DEV/GOV/1002/patient-records' -H 'x-canary: true' ${d.url}${SERVICE}`);
    console.log(`try (rate-limited): the allowed line a 6th time within a minute → 429`);
    console.log(`stats:              curl ${d.gateway.adminUrl}/stats/prometheus`);
    const stop = () => { d.close().then(() => process.exit(0)); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  const failures = await smoke(d);
  await d.close();
  if (failures.length) {
    console.error(`smoke: FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('smoke: ok');
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });

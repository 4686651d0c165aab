// `npm start` (via scripts/start.mjs): the demo security server on its embedded defaults, until Ctrl-C.
//   node --import tsx security-server/main.ts [--smoke]
//   node --import tsx security-server/main.ts --control-plane --host 0.0.0.0 --v1-url URL --v2-url URL
//     (envoy/docker-compose.yaml: policy-admin + ADS only; a real Envoy and the building blocks run apart)
// --smoke: the same on ephemeral ports with an in-memory database; an allowed, a denied, a canary and
// rate-limited requests, a revoke and a re-grant through the X-Road admin API; exit 0 when every
// answer is as expected, 1 otherwise.
import { parseArgs } from 'node:util';
import { startSecurityServer, type SecurityServer } from './server.ts';
import { CONSUMER, CONSUMER_HEADER, PROVIDER, SERVICE_CODE, SERVICE_PATH } from './seed.ts';

const enc = encodeURIComponent;
export const ACCESS_RIGHTS = `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights`;

function banner(s: SecurityServer, rpm: number) {
  const g = s.urls.gateway!;
  const lines = [
    `security server (demo, instance DEV) is up:`,
    `  gateway (Envoy subset, 4 wasm filters over ECDS)  ${g}`,
    `  gateway admin (/stats/prometheus, /ready)          ${s.urls.gatewayAdmin}`,
    `  policy-admin REST API (X-Road admin API)          ${s.urls.api}/api/v1   (OpenAPI: /api/v1/openapi.json)`,
    `  policy-admin ADS/ECDS (gRPC)                      ${s.urls.xds}`,
    `  civil registry v1 / v2 (building blocks)          ${s.urls.v1}  ${s.urls.v2}`,
  ];
  if (s.firstKey) lines.push('', `first start: SYSTEM_ADMINISTRATOR API key (shown once, store it now):`, `  ${s.firstKey}`);
  const key = s.firstKey ?? '<your key>';
  lines.push('',
    `try (allowed):      curl -i -H 'X-Road-Client: ${CONSUMER_HEADER}' ${g}${SERVICE_PATH}`,
    `try (denied):       curl -i -H 'X-Road-Client: DEV/GOV/1003/tax' ${g}${SERVICE_PATH}`,
    `try (rate-limited): the allowed line more than ${rpm} times within a minute → 429`,
    `try (canary):       curl -i -H 'X-Road-Client: ${CONSUMER_HEADER}' -H 'x-canary: true' ${g}${SERVICE_PATH}`,
    `revoke the right:   curl -i -X POST -H 'Authorization: X-Road-ApiKey token=${key}' -H 'content-type: application/json' \\`,
    `                      -d '{"items":[{"service_code":"${SERVICE_CODE}"}]}' ${s.urls.api}${ACCESS_RIGHTS}/delete`,
    `Ctrl-C stops everything.`);
  console.log(lines.join('\n'));
}

async function smoke(s: SecurityServer, key: string): Promise<string[]> {
  const failures: string[] = [];
  const expect = (what: string, ok: boolean) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };
  const get = async (client: string, extra: Record<string, string> = {}) => {
    const r = await fetch(s.urls.gateway! + SERVICE_PATH, { headers: { 'X-Road-Client': client, ...extra } });
    const text = await r.text();
    let body: { served_by?: string; request_id?: string } = {};
    try { body = JSON.parse(text); } catch { /* a local reply */ }
    return { status: r.status, servedBy: body.served_by, upstreamId: body.request_id, id: r.headers.get('x-request-id') };
  };
  const api = (method: string, path: string, body?: unknown) => fetch(s.urls.api + path, {
    method, headers: { authorization: `X-Road-ApiKey token=${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const until = async (want: number, ms: number) => {
    const t0 = Date.now();
    for (;;) { const r = await get(CONSUMER_HEADER); if (r.status === want) return Date.now() - t0; if (Date.now() - t0 > ms) return -1; await new Promise((r) => setTimeout(r, 10)); }
  };
  const a = await get(CONSUMER_HEADER);
  expect(`allowed: 200 from civil-registry-v1 (got ${a.status} ${a.servedBy})`, a.status === 200 && a.servedBy === 'civil-registry-v1');
  expect(`request id the same in the response and at the upstream (${a.id})`, !!a.id && a.id === a.upstreamId);
  const d = await get('DEV/GOV/1003/tax');
  expect(`unknown client denied (got ${d.status})`, d.status === 401 || d.status === 403);
  const c = await get(CONSUMER_HEADER, { 'x-canary': 'true' });
  expect(`x-canary: true → civil-registry-v2 (got ${c.status} ${c.servedBy})`, c.status === 200 && c.servedBy === 'civil-registry-v2');
  const del = await api('POST', `${ACCESS_RIGHTS}/delete`, { items: [{ service_code: SERVICE_CODE }] });
  const denyMs = del.status === 204 ? await until(403, 1000) : -1;
  expect(`right removed through the admin API (${del.status}) → 403 at the gateway within 1 s (${denyMs} ms)`, denyMs >= 0);
  const add = await api('POST', ACCESS_RIGHTS, { items: [{ service_code: SERVICE_CODE }] });
  const allowMs = add.status === 201 ? await until(200, 1000) : -1;
  expect(`right granted back (${add.status}) → 200 within 1 s (${allowMs} ms)`, allowMs >= 0);
  let limited = false;
  for (let i = 0; i < 20 && !limited; i++) limited = (await get(CONSUMER_HEADER)).status === 429;
  expect('the rate limit answers 429', limited);
  return failures;
}

async function main() {
  const { values } = parseArgs({ options: {
    smoke: { type: 'boolean' }, 'control-plane': { type: 'boolean' }, host: { type: 'string' }, db: { type: 'string' },
    'v1-url': { type: 'string' }, 'v2-url': { type: 'string' },
  } });
  const isSmoke = values.smoke === true;
  const rpm = 10;
  if (values['control-plane']) {
    if (!values['v1-url'] || !values['v2-url']) throw new Error('--control-plane needs --v1-url and --v2-url (the building blocks as Envoy reaches them)');
    const s = await startSecurityServer({ controlPlaneOnly: { v1Url: values['v1-url'], v2Url: values['v2-url'] }, host: values.host, db: values.db, requestsPerMinute: rpm });
    console.log(`policy-admin REST API ${s.urls.api}/api/v1, ADS/ECDS ${s.urls.xds}`);
    if (s.firstKey) console.log(`first start: SYSTEM_ADMINISTRATOR API key (shown once, store it now):\n  ${s.firstKey}`);
    const stop = () => { s.close().then(() => process.exit(0), () => process.exit(1)); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  const s = await startSecurityServer(isSmoke
    ? { ephemeral: true, db: ':memory:', requestsPerMinute: rpm, accessLog: () => {} }
    : { requestsPerMinute: rpm, db: values.db });
  if (!isSmoke) {
    banner(s, rpm);
    const stop = () => { s.close().then(() => process.exit(0), () => process.exit(1)); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  let failures: string[];
  try { failures = await smoke(s, s.firstKey!); } finally { await s.close(); }
  if (failures.length) { console.error(`smoke: FAILED (${failures.length})`); process.exit(1); }
  console.log('smoke: ok');
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((e) => { console.error(e instanceof Error ? e.stack ?? e.message : e); process.exit(1); });

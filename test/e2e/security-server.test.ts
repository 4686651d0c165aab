// The end-to-end: the whole demo security server (security-server/server.ts) on 127.0.0.1
// ephemeral ports with an in-memory policy store — a request through the gateway is answered by the
// registry; a right removed through the X-Road-compatible admin API is enforced (403) within one
// second with no restart, and granting it back restores it; a rate limit answers 429; x-canary: true
// reaches the second upstream; the request id is the same in the response, at the upstream and in the
// gateway's access log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSecurityServer, MODULES, type SecurityServer } from '../../security-server/server.ts';
import { CONSUMER, CONSUMER_HEADER, PROVIDER, SERVICE_CODE, SERVICE_PATH } from '../../security-server/seed.ts';
import { TypeUrl } from '../../policy-admin/src/xds/index.ts';
import { moduleBytes } from '../lib/modules.ts';

const enc = encodeURIComponent;
const RIGHTS = `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights`;

let s: SecurityServer;
const accessLog: string[] = [];

before(async () => {
  for (const m of MODULES) moduleBytes(m); // builds the .wasm files the ECDS resources name, if missing
  s = await startSecurityServer({ ephemeral: true, db: ':memory:', requestsPerMinute: 100000, accessLog: (l) => accessLog.push(l), log: () => {} });
});
after(async () => { await s?.close(); });

interface Answer { status: number; headers: Headers; json: any }
async function get(headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(s.urls.gateway! + SERVICE_PATH, { headers: { 'X-Road-Client': CONSUMER_HEADER, ...headers } });
  const text = await r.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* local reply without JSON */ }
  return { status: r.status, headers: r.headers, json };
}
async function api(method: string, path: string, body?: unknown) {
  const r = await fetch(s.urls.api + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: `X-Road-ApiKey token=${s.firstKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}
/** ms from now until a request gets `status`; throws after `ms`. */
async function until(status: number, ms: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if ((await get()).status === status) return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`no ${status} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('the seeded right: the registry (v1) answers, and sees the verified client and the request id', async () => {
  assert.ok(s.firstKey, 'a fresh database prints a first admin key');
  const r = await get();
  assert.equal(r.status, 200);
  assert.equal(r.json.served_by, 'civil-registry-v1');
  assert.equal(r.json.path, '/v1/births/42', 'the /r1/{service id} prefix is stripped for the building block');
  assert.equal(r.json.client, CONSUMER_HEADER, 'x-road-client-verified set by authz');
  assert.match(r.headers.get('x-road-policy-rev') ?? '', /^\d+$/);
});

test('an unknown client is refused before the upstream', async () => {
  const r = await get({ 'X-Road-Client': 'DEV/GOV/1003/tax' });
  assert.ok(r.status === 401 || r.status === 403, `got ${r.status}`);
  assert.notEqual(r.json?.served_by, 'civil-registry-v1');
});

test('revoking the right through the X-Road admin API → 403 within 1 s, no restart; granting it back restores it', async () => {
  const del = await api('POST', `${RIGHTS}/delete`, { items: [{ service_code: SERVICE_CODE }] });
  assert.equal(del.status, 204);
  const denyMs = await until(403, 1000);
  const denied = await get();
  assert.equal(denied.status, 403);
  assert.match(denied.json?.type ?? '', /access_denied/i);
  const add = await api('POST', RIGHTS, { items: [{ service_code: SERVICE_CODE }] });
  assert.equal(add.status, 201);
  const allowMs = await until(200, 1000);
  assert.ok(denyMs < 1000 && allowMs < 1000);
  // GET /api/v1/distribution/nodes: the gateway is the seeded node, connected, running the head revision
  const head = (await s.app.policy.snapshots.head()).rev;
  const nodes = (await api('GET', '/api/v1/distribution/nodes')).body.nodes as Array<{ nodeId: string; group: string; connected: boolean; types: Record<string, { version: string | null }>; lastNack: unknown }>;
  assert.deepEqual(nodes.map((n) => [n.nodeId, n.group, n.connected, n.lastNack]), [['envoy-ss1', 'DEV:GOV:1001:SS1', true, null]]);
  assert.match(nodes[0].types[TypeUrl.TypedExtensionConfig].version ?? '', new RegExp(`^r${head}-`));
});

test('a rate-limit policy edited through the API answers 429 once the client is over it', async () => {
  const id = s.seeded!.rateLimitPolicyId;
  const cur = (await api('GET', `/api/v1/rate-limit-policies/${id}`)).body;
  const put = await api('PUT', `/api/v1/rate-limit-policies/${id}`, { ...cur, requestsPerUnit: 3, burst: undefined });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  await until(429, 2000);
  const r = await get();
  assert.equal(r.status, 429);
  assert.notEqual(r.json?.served_by, 'civil-registry-v1');
  // back to generous for the other tests
  assert.equal((await api('PUT', `/api/v1/rate-limit-policies/${id}`, { ...cur })).status, 200);
  await until(200, 2000);
});

test('x-canary: true goes to the second upstream (the seeded routing rule)', async () => {
  const r = await get({ 'x-canary': 'true' });
  assert.equal(r.status, 200);
  assert.equal(r.json.served_by, 'civil-registry-v2');
  assert.equal((await get({ 'x-canary': 'false' })).json.served_by, 'civil-registry-v1');
});

test('the request id is the same in the response, at the upstream and in the access log', async () => {
  const r = await get();
  const id = r.headers.get('x-request-id');
  assert.match(id ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(r.json.request_id, id);
  const line = accessLog.find((l) => l.includes(`id=${id}`));
  assert.ok(line, `an access log line with id=${id}`);
  assert.match(line!, / 200 /);
  // a valid incoming id is kept end to end
  const mine = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const k = await get({ 'x-request-id': mine });
  assert.equal(k.headers.get('x-request-id'), mine);
  assert.equal(k.json.request_id, mine);
  assert.ok(accessLog.some((l) => l.includes(`id=${mine}`)));
});

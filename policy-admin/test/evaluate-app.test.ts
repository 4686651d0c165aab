// The compiled-policy plugin inside the real app (buildApp, SQLite): rights granted and revoked through the
// X-Road admin API show up in what-if answers (computed by the authz .wasm) and in the bundle, which
// changes its ETag with each revision; the routes need an API key like every /api/v1 route.
//   node --import tsx --test policy-admin/test/evaluate-app.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleBytes } from '../../test/lib/modules.ts';
import { compiledPolicyPlugin } from '../src/evaluate/plugin.ts';
import { CONSUMER, enc, makeApp, OTHER, PROVIDER, seed, sqliteBackend, type TestApp } from './lib/harness.ts';

const SS = 'DEV:GOV:1001:ss1';
let t: TestApp;
const backend = sqliteBackend();

before(async () => {
  t = await makeApp(await backend.open(), { plugins: [{ plugin: compiledPolicyPlugin, options: { authzWasm: moduleBytes('filters/authz') } }] });
  const { serviceDescriptionId } = await seed(t);
  const ok = async (m: string, u: string, b?: unknown) => {
    const r = await t.call(m, u, b);
    assert.ok(r.status < 300, `${m} ${u}: ${r.status} ${r.raw}`);
    return r.body;
  };
  await ok('PUT', `/api/v1/service-descriptions/${serviceDescriptionId}/enable`); // X-Road adds descriptions disabled
  await ok('POST', '/api/v1/security-servers', { ownerMemberId: 'DEV:GOV:1001', serverCode: 'ss1', address: 'ss1.dev' });
  for (const c of [PROVIDER, CONSUMER, OTHER]) {
    await ok('PATCH', `/api/v1/clients/${enc(c)}`, { status: 'REGISTERED', security_server_ids: [SS], connection_type: 'HTTP' });
  }
});
after(async () => { await t.close(); await backend.close(); });

const whatIf = (client: string) => t.call('POST', '/api/v1/evaluate', { client, service: `${PROVIDER}:births`, method: 'GET', path: '/v1/births/42' });

test('grant → ALLOW with the granted right at the new head; other client → DENY; revoke → DENY at the next revision', async () => {
  const denied = await whatIf(CONSUMER);
  assert.equal(denied.status, 200, denied.raw);
  assert.deepEqual([denied.body.decision, denied.body.reason], ['DENY', 'no_right']);

  const g = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights`, { items: [{ service_code: 'births' }] });
  assert.equal(g.status, 201, g.raw);
  const allowed = await whatIf(CONSUMER);
  assert.equal(allowed.body.decision, 'ALLOW', allowed.raw);
  assert.match(allowed.body.matchedRight, /^ar-[0-9a-f]{24}$/);
  assert.equal(allowed.body.securityServerId, SS);
  assert.equal(allowed.body.rev, (await t.app.policy.snapshots.head()).rev);
  assert.equal((await whatIf(OTHER)).body.reason, 'no_right');

  const d = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights/delete`, { items: [{ service_code: 'births' }] });
  assert.ok(d.status < 300, d.raw);
  const revoked = await whatIf(CONSUMER);
  assert.deepEqual([revoked.body.decision, revoked.body.rev], ['DENY', allowed.body.rev + 1]);
  // the earlier revision still answers as it was
  const old = await t.call('POST', '/api/v1/evaluate', { client: CONSUMER, service: `${PROVIDER}:births`, method: 'GET', path: '/v1/births/42', rev: allowed.body.rev });
  assert.equal(old.body.decision, 'ALLOW');
});

test('bundle: ETag per revision, 304 while unchanged; both routes need an API key; bad input in X-Road ErrorInfo shape', async () => {
  const url = `/api/v1/bundles/${enc(SS)}`;
  const a = await t.call('GET', url);
  assert.equal(a.status, 200, a.raw);
  assert.ok(a.body.configs.authz.providers[PROVIDER].births);
  assert.equal((await t.call('GET', url, undefined, { headers: { 'if-none-match': a.headers.etag } })).status, 304);
  await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(OTHER)}/access-rights`, { items: [{ service_code: 'births' }] });
  const b = await t.call('GET', url, undefined, { headers: { 'if-none-match': a.headers.etag } });
  assert.equal(b.status, 200);
  assert.notEqual(b.headers.etag, a.headers.etag);
  assert.equal(b.body.rev, a.body.rev + 1);

  assert.equal((await t.call('GET', url, undefined, { key: null })).status, 401);
  assert.equal((await t.call('POST', '/api/v1/evaluate', { client: CONSUMER, service: `${PROVIDER}:births`, method: 'GET', path: '/' }, { key: null })).status, 401);
  const bad = await t.call('POST', '/api/v1/evaluate', { client: CONSUMER, service: `${PROVIDER}:births`, method: 'GET', path: '/', at: 'soon' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.error.metadata, ['at']);
  const unknown = await t.call('GET', `/api/v1/bundles/${enc('DEV:GOV:1001:nope')}`);
  assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'security_server_not_found']);
});

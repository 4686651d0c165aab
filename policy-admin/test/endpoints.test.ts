/**
 * The remaining endpoints' happy and refused paths (SQLite; the shared write path is covered on PostgreSQL by
 * api.test.ts), and the plugin hook other parts mount their routes with.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sqliteBackend, CONSUMER, enc, makeApp, OTHER, PROVIDER, seed, type TestApp } from './lib/harness.ts';
import { serveDescriptions } from './lib/openapi-server.ts';
import { REVISION_COMMITTED, requireScope, type RevisionCommitted } from '../src/http/context.ts';

describe('remaining endpoints', () => {
  const backend = sqliteBackend();
  let t: TestApp;
  let ids: Awaited<ReturnType<typeof seed>>;
  before(async () => { t = await makeApp(await backend.open()); ids = await seed(t); });
  after(async () => { await t.close(); await backend.close(); });

  test('registry reads and edits', async () => {
    assert.deepEqual((await t.call('GET', '/api/v1/instances')).body.map((i: any) => i.id), ['DEV']);
    assert.equal((await t.call('POST', '/api/v1/instances', { id: 'DEV', name: 'again' })).status, 409);
    assert.equal((await t.call('POST', '/api/v1/instances', { id: 'bad id', name: 'x' })).status, 400);
    assert.equal((await t.call('POST', '/api/v1/member-classes', { instanceId: 'NOPE', code: 'COM', description: 'x' })).status, 404);
    assert.equal((await t.call('GET', '/api/v1/member-classes')).body.length, 1);
    assert.equal((await t.call('GET', `/api/v1/members/${enc('DEV:GOV:1001')}`)).body.name, 'Civil Registry Office');
    assert.equal((await t.call('GET', `/api/v1/members/${enc('DEV:GOV:404')}`)).status, 404);
    assert.equal((await t.call('PATCH', `/api/v1/members/${enc('DEV:GOV:1001')}`, { name: 'Civil Registry' })).body.name, 'Civil Registry');
    assert.equal((await t.call('PATCH', `/api/v1/members/${enc('DEV:GOV:1001')}`, { colour: 'red' })).status, 400);
    assert.equal((await t.call('GET', '/api/v1/members')).body.length, 2);
    const q = await t.call('GET', '/api/v1/clients?member_code=1002');
    assert.deepEqual(q.body.map((c: any) => c.subsystem_code).sort(), ['billing', 'patient-records']);
    assert.equal((await t.call('GET', `/api/v1/clients/${enc(CONSUMER)}/tls-certificates`)).body.length, 0);
    assert.equal((await t.call('DELETE', `/api/v1/clients/${enc(CONSUMER)}/tls-certificates/${'ee'.repeat(32)}`)).status, 404);
    assert.equal((await t.call('POST', '/api/v1/clients', { client: { member_class: 'GOV', member_code: '404', subsystem_code: 'x' } })).status, 404);
    assert.equal((await t.call('PATCH', `/api/v1/clients/${enc(CONSUMER)}`, { security_server_ids: ['DEV:GOV:1001:nope'] })).status, 404);
    const ss = await t.call('POST', '/api/v1/security-servers', { ownerMemberId: 'DEV:GOV:1002', serverCode: 'ssx', address: 'a' });
    assert.equal(ss.status, 201);
    assert.deepEqual((await t.call('PATCH', `/api/v1/security-servers/${enc(ss.body.id)}`, { xdsNodeIds: ['n2', 'n1'] })).body.xdsNodeIds, ['n1', 'n2']);
    assert.equal((await t.call('PATCH', `/api/v1/security-servers/${enc('DEV:GOV:1:none')}`, { address: 'b' })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/security-servers/${enc(ss.body.id)}`)).body.address, 'a');
    assert.equal((await t.call('GET', '/api/v1/security-servers')).body.length, 1);
    assert.equal((await t.call('POST', `/api/v1/security-servers/${enc(ss.body.id)}/auth-certificates`, { hash: 'zz' })).status, 400);
    assert.equal((await t.call('POST', `/api/v1/security-servers/${enc(ss.body.id)}/auth-certificates`, { hash: '12'.repeat(32) })).status, 201);
    assert.equal((await t.call('DELETE', `/api/v1/security-servers/${enc(ss.body.id)}/auth-certificates/${'12'.repeat(32)}`)).status, 204);
    assert.equal((await t.call('DELETE', `/api/v1/security-servers/${enc(ss.body.id)}/auth-certificates/${'12'.repeat(32)}`)).status, 404);
    const p = await t.call('PATCH', `/api/v1/clients/${enc(CONSUMER)}`, { security_server_ids: [ss.body.id] });
    assert.deepEqual(p.body.security_server_ids, [ss.body.id]);
  });

  test('groups, service views, service descriptions', async () => {
    assert.equal((await t.call('GET', `/api/v1/local-groups/999`)).status, 404);
    const g = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/local-groups`, { code: 'g1', description: 'd' });
    assert.equal((await t.call('PATCH', `/api/v1/local-groups/${g.body.id}`, { description: 'new' })).body.description, 'new');
    assert.equal((await t.call('GET', `/api/v1/clients/${enc(PROVIDER)}/local-groups`)).body.length, 1);
    assert.equal((await t.call('POST', `/api/v1/local-groups/${g.body.id}/members/delete`, { items: [CONSUMER] })).status, 404);
    // A local group of another client cannot be granted on this provider's services.
    const og = await t.call('POST', `/api/v1/clients/${enc(OTHER)}/local-groups`, { code: 'g2', description: 'd' });
    assert.equal((await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${og.body.id}/access-rights`, { items: [{ service_code: 'births' }] })).status, 400);
    const gg = await t.call('POST', '/api/v1/global-groups', { instanceId: 'DEV', code: 'all', description: 'All' });
    assert.equal((await t.call('POST', `/api/v1/global-groups/${enc(gg.body.id)}/members`, { items: [CONSUMER] })).status, 201);
    assert.equal((await t.call('POST', `/api/v1/global-groups/${enc(gg.body.id)}/members`, { items: [CONSUMER] })).status, 409);
    assert.deepEqual((await t.call('GET', `/api/v1/global-groups/${enc(gg.body.id)}`)).body.members, [CONSUMER]);
    assert.equal((await t.call('POST', `/api/v1/global-groups/${enc(gg.body.id)}/members/delete`, { items: [CONSUMER] })).status, 204);
    assert.equal((await t.call('GET', '/api/v1/global-groups')).body.length, 1);
    assert.equal((await t.call('DELETE', `/api/v1/global-groups/${enc('DEV:none')}`)).status, 404);

    const svc = `/api/v1/services/${enc(PROVIDER + ':deaths')}/service-clients`;
    assert.equal((await t.call('POST', svc, { items: [{ id: gg.body.id, service_client_type: 'GLOBALGROUP' }] })).status, 201);
    assert.equal((await t.call('POST', svc, { items: [{ id: CONSUMER, service_client_type: 'GLOBALGROUP' }] })).status, 400, 'type must match the id');
    assert.deepEqual((await t.call('GET', svc)).body.map((s: any) => s.service_client_type), ['GLOBALGROUP']);
    assert.equal((await t.call('POST', `${svc}/delete`, { items: [{ id: gg.body.id }] })).status, 204);
    assert.equal((await t.call('POST', `${svc}/delete`, { items: [{ id: gg.body.id }] })).status, 404);
    assert.equal((await t.call('GET', `/api/v1/services/${enc(PROVIDER + ':nope')}/service-clients`)).status, 404);
    assert.equal((await t.call('GET', `/api/v1/services/not-a-service-id`)).status, 400);
    assert.equal((await t.call('GET', `/api/v1/endpoints/${ids.endpointId}`)).body.path, '/v1/births/*');
    assert.equal((await t.call('PATCH', `/api/v1/endpoints/${ids.baseEndpointId}`, { path: '/x' })).status, 400);

    // Deleting a description removes its services and every right on them.
    // An OPENAPI3 description is read from its URL (here a 127.0.0.1 server): operations → generated endpoints
    // with {param} as *, the first server URL (resolved against the description's URL) → the service URL.
    const spec = await serveDescriptions({
      '/tmp.yaml': 'openapi: 3.0.3\ninfo: {title: tmp, version: "1"}\nservers: [{url: /api/v2}]\npaths:\n  /items: {get: {responses: {"200": {description: ok}}}, post: {responses: {"201": {description: ok}}}}\n  /items/{id}: {get: {responses: {"200": {description: ok}}}}\n',
      '/swagger2.json': '{"swagger": "2.0", "paths": {}}',
    });
    let sd;
    try {
      sd = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: `${spec.base}/tmp.yaml`, type: 'OPENAPI3', rest_service_code: 'tmp' });
      assert.equal(sd.status, 201, JSON.stringify(sd.body));
      for (const [file, code] of [['/swagger2.json', 'sw'], ['/missing.yaml', 'mi']]) {
        const bad = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: `${spec.base}${file}`, type: 'OPENAPI3', rest_service_code: code });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.code, 'openapi_parsing');
      }
    } finally {
      await spec.close();
    }
    assert.equal(sd.body.type, 'OPENAPI3');
    const tmp = sd.body.services[0];
    assert.equal(tmp.url, `${spec.base}/api/v2`);
    assert.deepEqual(tmp.endpoints.map((e: any) => `${e.method} ${e.path} ${e.generated}`).sort(),
      ['* ** false', 'GET /items true', 'GET /items/* true', 'POST /items true']);
    const gen = tmp.endpoints.find((e: any) => e.generated);
    assert.equal((await t.call('DELETE', `/api/v1/endpoints/${gen.id}`)).status, 400, 'generated endpoints are not deleted by hand');
    assert.equal((await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights`, { items: [{ service_code: 'tmp' }] })).status, 201);
    assert.equal((await t.call('DELETE', `/api/v1/service-descriptions/${sd.body.id}`)).status, 204);
    assert.equal((await t.app.policy.snapshots.snapshot()).content.accessRights.some((r) => r.serviceCode === 'tmp'), false);
    assert.equal((await t.call('DELETE', `/api/v1/service-descriptions/${sd.body.id}`)).status, 404);
    assert.equal((await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: 'http://x/', type: 'WSDL', rest_service_code: 'w' })).status, 400);
  });

  test('api keys, revisions and audit reads', async () => {
    const k = await t.call('POST', '/api/v1/api-keys', { roles: ['SERVICE_ADMINISTRATOR'], scope: { subsystemId: PROVIDER }, name: 'provider admin' });
    assert.deepEqual((await t.call('GET', `/api/v1/api-keys/${k.body.id}`)).body.scope, { subsystemId: PROVIDER });
    assert.deepEqual((await t.call('PUT', `/api/v1/api-keys/${k.body.id}`, ['XROAD_SECURITYSERVER_OBSERVER'])).body.roles, ['XROAD_SECURITYSERVER_OBSERVER']);
    assert.equal((await t.call('PUT', `/api/v1/api-keys/99999`, ['OBSERVER'])).status, 404);
    assert.equal((await t.call('GET', `/api/v1/api-keys/99999`)).status, 404);
    assert.equal((await t.call('POST', '/api/v1/api-keys', { roles: ['OBSERVER'], scope: { memberId: 'DEV:GOV:1', subsystemId: PROVIDER } })).status, 400);
    assert.equal((await t.call('GET', '/api/v1/revisions/999999')).status, 404);
    assert.equal((await t.call('GET', '/api/v1/revisions/abc')).status, 400);
    assert.equal((await t.call('GET', '/api/v1/revisions/1/diff?against=head')).status, 200);
    const fails = (await t.call('GET', '/api/v1/audit-events?outcome=FAILURE&limit=1000')).body;
    assert.ok(fails.length > 10 && fails.every((e: any) => e.outcome === 'FAILURE' && e.reason));
    const keyEvents = (await t.call('GET', `/api/v1/audit-events?event=${enc('API key update')}`)).body;
    assert.equal(keyEvents.length, 2, 'one success, one refused (404)');
  });
});

describe('plugin hook', () => {
  test('plugins get app.policy, routes need a key unless public, revision events arrive', async () => {
    const backend = sqliteBackend();
    const seen: RevisionCommitted[] = [];
    async function plugin(app: FastifyInstance) {
      app.policy.events.on(REVISION_COMMITTED, (e: RevisionCommitted) => seen.push(e));
      app.get('/demo/head', async () => app.policy.snapshots.head());
      app.get('/demo/public', { config: { public: true } }, async () => ({ ok: true }));
      app.get('/demo/scoped/:id', async (req) => { requireScope(req, (req.params as any).id); return { ok: true }; });
      app.post('/demo/fleet', { config: { permission: 'fleet', auditEvent: 'Demo' } }, async (req, reply) =>
        app.policy.mutate(req, reply, { event: 'Demo' }, async (tx) => tx.put('instances', { id: 'DEMO', name: 'demo', clientHeaderNames: ['X-Road-Client'] })));
    }
    const t = await makeApp(await backend.open(), { plugins: [{ plugin }] });
    try {
      assert.equal((await t.call('GET', '/api/v1/demo/head', undefined, { key: null })).status, 401);
      assert.equal((await t.call('GET', '/api/v1/demo/head')).body.rev, 0);
      assert.equal((await t.call('GET', '/api/v1/demo/public', undefined, { key: null })).status, 200);
      const scoped = await t.keyWith(['OBSERVER'], { subsystemId: PROVIDER });
      assert.equal((await t.call('GET', `/api/v1/demo/scoped/${enc(OTHER)}`, undefined, { key: scoped })).status, 403);
      assert.equal((await t.call('POST', '/api/v1/demo/fleet', undefined, { key: scoped })).status, 403);
      assert.equal((await t.call('POST', '/api/v1/demo/fleet')).status, 200);
      assert.deepEqual(seen.map((e) => e.rev), [1]);
      assert.equal((await t.app.policy.snapshots.snapshot(1)).content.instances[0].id, 'DEMO');
    } finally {
      await t.close();
      await backend.close();
    }
  });
});

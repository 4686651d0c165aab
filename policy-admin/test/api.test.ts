/**
 * The admin API end to end (fastify.inject and a 127.0.0.1 listener), against SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { backends, CONSUMER, enc, makeApp, OTHER, PROVIDER, seed, type TestApp } from './lib/harness.ts';
import { contentSha256 } from '../src/model/snapshot.ts';
import { verifyAuditChain } from '../src/audit/log.ts';
import { REVISION_COMMITTED, type RevisionCommitted } from '../src/http/context.ts';

const AR = (provider: string, sc: string) => `/api/v1/clients/${enc(provider)}/service-clients/${enc(sc)}/access-rights`;

for (const backend of backends()) {
  describe(`policy-admin API on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestApp;
    let ids: Awaited<ReturnType<typeof seed>>;
    const head = async () => (await t.app.policy.snapshots.head()).rev;

    before(async () => {
      t = await makeApp(await backend.open());
      ids = await seed(t);
    });
    after(async () => {
      await t?.close();
      await backend.close();
    });

    test('X-Road access rights: grant, list, duplicate, revoke — X-Road shapes', async () => {
      const g = await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births' }] });
      assert.equal(g.status, 201);
      assert.ok(Array.isArray(g.body));
      assert.deepEqual(Object.keys(g.body[0]).sort(), ['mode', 'rights_given_at', 'service_code', 'service_title']);
      assert.equal(g.body[0].service_code, 'births');
      assert.ok(!Number.isNaN(Date.parse(g.body[0].rights_given_at)));

      const sc = await t.call('GET', `/api/v1/clients/${enc(PROVIDER)}/service-clients`);
      assert.equal(sc.status, 200);
      assert.deepEqual(sc.body.map((x: any) => [x.id, x.service_client_type, x.name]), [[CONSUMER, 'SUBSYSTEM', 'patient-records']]);
      const one = await t.call('GET', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}`);
      assert.equal(one.body.id, CONSUMER);
      const list = await t.call('GET', AR(PROVIDER, CONSUMER));
      assert.deepEqual(list.body.map((r: any) => r.service_code), ['births']);

      const rev = await head();
      const dup = await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births' }] });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, 'duplicate_accessright');
      assert.equal(dup.body.status, 409);
      assert.equal(await head(), rev, 'a refused request makes no revision');

      const del = await t.call('POST', `${AR(PROVIDER, CONSUMER)}/delete`, { items: [{ service_code: 'births' }] });
      assert.equal(del.status, 204);
      assert.equal((await t.call('GET', AR(PROVIDER, CONSUMER))).body.length, 0);
      const again = await t.call('POST', `${AR(PROVIDER, CONSUMER)}/delete`, { items: [{ service_code: 'births' }] });
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'access_right_not_found');
    });

    test('a failed multi-item grant changes nothing (one transaction)', async () => {
      const rev = await head();
      const r = await t.call('POST', AR(PROVIDER, OTHER), { items: [{ service_code: 'births' }, { service_code: 'no-such-service' }] });
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'service_not_found');
      assert.equal(await head(), rev);
      assert.equal((await t.call('GET', AR(PROVIDER, OTHER))).body.length, 0, 'births was not granted either');
    });

    test('unknown references are 404, bad input is 400 naming the field', async () => {
      assert.equal((await t.call('POST', AR('DEV:GOV:9999:nobody', CONSUMER), { items: [{ service_code: 'births' }] })).body.error.code, 'client_not_found');
      assert.equal((await t.call('POST', AR(PROVIDER, 'DEV:GOV:1002:ghost'), { items: [{ service_code: 'births' }] })).status, 404);
      const bad = await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ servicecode: 'births' }] });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.metadata, ['body.items.0.service_code']);
      const bad2 = await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births', mode: 'MAYBE' }] });
      assert.equal(bad2.status, 400);
      assert.match(bad2.body.message, /body\.items\.0\.mode/);
      const win = await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births', valid_from: '2027-01-01T00:00:00Z', valid_until: '2026-01-01T00:00:00Z' }] });
      assert.equal(win.status, 400);
      assert.deepEqual(win.body.error.metadata, ['body.items.0.valid_until']);
      const badId = await t.call('POST', AR(PROVIDER, 'not an id'), { items: [{ service_code: 'births' }] });
      assert.equal(badId.status, 400);
      assert.deepEqual(badId.body.error.metadata, ['sc_id']);
      assert.equal((await t.call('GET', '/api/v1/no-such-thing')).status, 404);
      const notJson = await t.call('POST', AR(PROVIDER, CONSUMER), '{"items": [', { headers: { 'content-type': 'application/json' } });
      assert.equal(notJson.status, 400);
    });

    test('extensions: mode, validity window and agreement reference round-trip', async () => {
      const r = await t.call('POST', AR(PROVIDER, OTHER), { items: [{ service_code: 'deaths', mode: 'DRY_RUN', valid_from: '2026-01-01T00:00:00Z', valid_until: '2026-12-31T23:59:59Z', agreement_ref: 'DSA-2026-17' }] });
      assert.equal(r.status, 201);
      assert.deepEqual(r.body[0], { service_code: 'deaths', service_title: '', rights_given_at: r.body[0].rights_given_at, mode: 'DRY_RUN', valid_from: '2026-01-01T00:00:00.000Z', valid_until: '2026-12-31T23:59:59.000Z', agreement_ref: 'DSA-2026-17' });
      const snap = (await t.app.policy.snapshots.snapshot()).content;
      const right = snap.accessRights.find((x) => x.subject.id === OTHER && x.serviceCode === 'deaths')!;
      assert.equal(right.mode, 'DRY_RUN');
      assert.equal(right.agreementRef, 'DSA-2026-17');
      assert.equal((await t.call('POST', `${AR(PROVIDER, OTHER)}/delete`, { items: [{ service_code: 'deaths' }] })).status, 204);
    });

    test('endpoint-level rights; removing the service-level right removes them too', async () => {
      const r = await t.call('POST', `/api/v1/endpoints/${ids.endpointId}/service-clients`, { items: [{ id: CONSUMER, service_client_type: 'SUBSYSTEM' }] });
      assert.equal(r.status, 201);
      assert.deepEqual(r.body.map((x: any) => x.id), [CONSUMER]);
      assert.deepEqual((await t.call('GET', `/api/v1/endpoints/${ids.endpointId}/service-clients`)).body.map((x: any) => x.id), [CONSUMER]);
      assert.equal((await t.call('GET', AR(PROVIDER, CONSUMER))).body.length, 0, 'the client view lists service-level rights only');
      const svc = await t.call('POST', `/api/v1/services/${enc(PROVIDER + ':births')}/service-clients`, { items: [{ id: CONSUMER }] });
      assert.equal(svc.status, 201);
      assert.equal((await t.call('GET', `/api/v1/services/${enc(PROVIDER + ':births')}`)).body.subjects_count, 1);
      assert.equal((await t.call('POST', `${AR(PROVIDER, CONSUMER)}/delete`, { items: [{ service_code: 'births' }] })).status, 204);
      assert.equal((await t.call('GET', `/api/v1/endpoints/${ids.endpointId}/service-clients`)).body.length, 0);
      assert.equal((await t.call('POST', `/api/v1/endpoints/999999/service-clients`, { items: [{ id: CONSUMER }] })).status, 404);
      assert.equal((await t.call('POST', `/api/v1/endpoints/${ids.baseEndpointId}`, undefined)).status, 404, 'no such route');
      assert.equal((await t.call('DELETE', `/api/v1/endpoints/${ids.baseEndpointId}`)).status, 400, 'the base endpoint cannot be deleted');
    });

    test('local groups: members, rights through the group, deleting the group revokes them', async () => {
      const g = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/local-groups`, { code: 'hospitals', description: 'Hospitals' });
      assert.equal(g.status, 201);
      assert.deepEqual(Object.keys(g.body).sort(), ['code', 'description', 'id', 'member_count', 'members']);
      assert.equal((await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/local-groups`, { code: 'hospitals', description: 'x' })).status, 409);
      assert.equal((await t.call('POST', `/api/v1/local-groups/${g.body.id}/members`, { items: [CONSUMER, OTHER] })).status, 201);
      assert.equal((await t.call('POST', `/api/v1/local-groups/${g.body.id}/members`, { items: ['DEV:GOV:1002:ghost'] })).status, 404);
      assert.equal((await t.call('POST', AR(PROVIDER, g.body.id), { items: [{ service_code: 'births' }] })).status, 201);
      const scs = (await t.call('GET', `/api/v1/clients/${enc(PROVIDER)}/service-clients`)).body;
      assert.deepEqual(scs.map((x: any) => [x.id, x.service_client_type, x.local_group_code]), [[g.body.id, 'LOCALGROUP', 'hospitals']]);
      assert.equal((await t.call('POST', `/api/v1/local-groups/${g.body.id}/members/delete`, { items: [OTHER] })).status, 204);
      assert.equal((await t.call('GET', `/api/v1/local-groups/${g.body.id}`)).body.member_count, 1);
      assert.equal((await t.call('DELETE', `/api/v1/local-groups/${g.body.id}`)).status, 204);
      assert.equal((await t.app.policy.snapshots.snapshot()).content.accessRights.filter((r) => r.subject.type === 'LOCALGROUP').length, 0);
    });

    test('auth: 401 without/with a bad key, 403 outside the role or the scope; refused attempts are audited', async () => {
      assert.equal((await t.call('GET', `/api/v1/clients/${enc(PROVIDER)}/service-clients`, undefined, { key: null })).status, 401);
      assert.equal((await t.call('GET', `/api/v1/clients`, undefined, { key: 'nope' })).status, 401);
      const observer = await t.keyWith(['OBSERVER']);
      assert.equal((await t.call('GET', `/api/v1/clients`, undefined, { key: observer })).status, 200);
      const denied = await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births' }] }, { key: observer, headers: { 'x-road-ui-correlation-id': 'corr-403-test' } });
      assert.equal(denied.status, 403);
      assert.equal(denied.headers['x-road-ui-correlation-id'], 'corr-403-test');
      const audit = (await t.call('GET', '/api/v1/audit-events?correlation_id=corr-403-test')).body;
      assert.equal(audit.length, 1);
      assert.equal(audit[0].outcome, 'FAILURE');
      assert.equal(audit[0].event, 'Add access rights to subject');
      assert.deepEqual(audit[0].roles, ['OBSERVER']);
      assert.match(audit[0].reason, /^403/);

      const mine = await t.keyWith(['SERVICE_ADMINISTRATOR'], { memberId: 'DEV:GOV:1001' });
      const theirs = await t.keyWith(['SERVICE_ADMINISTRATOR'], { subsystemId: OTHER });
      assert.equal((await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births' }] }, { key: theirs })).status, 403);
      assert.equal((await t.call('POST', AR(PROVIDER, CONSUMER), { items: [{ service_code: 'births' }] }, { key: mine })).status, 201);
      assert.equal((await t.call('POST', `${AR(PROVIDER, CONSUMER)}/delete`, { items: [{ service_code: 'births' }] }, { key: mine })).status, 204);
      assert.equal((await t.call('POST', '/api/v1/instances', { id: 'X', name: 'x' }, { key: mine })).status, 403, 'fleet-wide needs SYSTEM_ADMINISTRATOR');
      assert.equal((await t.call('GET', '/api/v1/audit-events', undefined, { key: observer })).status, 403);
    });

    test('API keys, X-Road style: array of role names → {id, key, roles}; revoked keys stop working', async () => {
      const r = await t.call('POST', '/api/v1/api-keys', ['XROAD_SERVICE_ADMINISTRATOR', 'XROAD_SECURITYSERVER_OBSERVER']);
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.key, 'string');
      assert.deepEqual(r.body.roles.sort(), ['XROAD_SECURITYSERVER_OBSERVER', 'XROAD_SERVICE_ADMINISTRATOR']);
      assert.equal((await t.call('GET', '/api/v1/me', undefined, { key: r.body.key })).body.roles.includes('SERVICE_ADMINISTRATOR'), true);
      assert.equal((await t.call('POST', '/api/v1/api-keys', ['XROAD_WIZARD'])).status, 400);
      const listed = (await t.call('GET', '/api/v1/api-keys')).body;
      assert.ok(listed.some((k: any) => k.id === r.body.id) && listed.every((k: any) => k.key === undefined), 'keys are never listed');
      assert.equal((await t.call('POST', '/api/v1/api-keys', ['XROAD_SYSTEM_ADMINISTRATOR'], { key: r.body.key })).status, 403);
      assert.equal((await t.call('DELETE', `/api/v1/api-keys/${r.body.id}`)).status, 200);
      assert.equal((await t.call('GET', '/api/v1/me', undefined, { key: r.body.key })).status, 401);
      const stored = await t.db.kysely.selectFrom('api_keys').select('key_hash').execute();
      assert.ok(stored.every((s) => s.key_hash !== r.body.key && /^[0-9a-f]{64}$/.test(s.key_hash)), 'stored hashed');
    });

    test('revisions: numbered, content-hashed, diff, rollback repeats the old hash, If-Match', async () => {
      const events: RevisionCommitted[] = [];
      const on = (e: RevisionCommitted) => events.push(e);
      t.app.policy.events.on(REVISION_COMMITTED, on);
      const r0 = await head();
      const g = await t.call('POST', AR(PROVIDER, OTHER), { items: [{ service_code: 'births' }] });
      assert.equal(g.headers.etag, `"r${r0 + 1}"`);
      assert.deepEqual(events.map((e) => e.rev), [r0 + 1]);
      const s0 = await t.app.policy.snapshots.snapshot(r0);
      const s1 = await t.app.policy.snapshots.snapshot(r0 + 1);
      assert.equal(s0.sha256, contentSha256(s0.content), 'stored hash = hash of the content (incremental == from scratch)');
      assert.equal(s1.sha256, contentSha256(s1.content));
      assert.notEqual(s0.sha256, s1.sha256);
      const d = await t.call('GET', `/api/v1/revisions/${r0 + 1}/diff?against=${r0}`);
      assert.deepEqual(d.body.changes.map((c: any) => [c.op, c.kind]), [['add', 'accessRights']]);

      const stale = await t.call('POST', `${AR(PROVIDER, OTHER)}/delete`, { items: [{ service_code: 'births' }] }, { headers: { 'if-match': `"r${r0}"` } });
      assert.equal(stale.status, 412);
      assert.equal(await head(), r0 + 1);
      const fresh = await t.call('POST', `${AR(PROVIDER, OTHER)}/delete`, { items: [{ service_code: 'births' }] }, { headers: { 'if-match': `"r${r0 + 1}"` } });
      assert.equal(fresh.status, 204);

      const rb = await t.call('POST', `/api/v1/revisions/${r0 + 1}/rollback`);
      assert.equal(rb.status, 201);
      assert.equal(rb.body.rev, r0 + 3);
      assert.equal(rb.body.rollback_of, r0 + 1);
      assert.equal(rb.body.content_sha256, s1.sha256, 'same content ⇒ same hash');
      assert.equal((await t.call('POST', `/api/v1/revisions/${r0 + 1}/rollback`)).status, 409, 'nothing to roll back');
      assert.equal((await t.call('POST', `/api/v1/revisions/999999/rollback`)).status, 404);
      const ob = await t.keyWith(['OBSERVER']);
      assert.equal((await t.call('POST', `/api/v1/revisions/${r0}/rollback`, undefined, { key: ob })).status, 403);
      assert.equal((await t.call('GET', `/api/v1/revisions?limit=2`)).body[0].rev, r0 + 3);
      assert.equal((await t.call('GET', `/api/v1/revisions/${r0}/content`)).body.sha256, s0.sha256);
      t.app.policy.events.off(REVISION_COMMITTED, on);
      assert.equal((await t.call('POST', `${AR(PROVIDER, OTHER)}/delete`, { items: [{ service_code: 'births' }] })).status, 204);
    });

    test('registry: members, clients, certificates, security servers with Envoy node ids', async () => {
      assert.equal((await t.call('POST', '/api/v1/members', { instanceId: 'DEV', memberClass: 'NOPE', memberCode: '1', name: 'x' })).status, 404);
      assert.equal((await t.call('POST', '/api/v1/members', { instanceId: 'DEV', memberClass: 'GOV', memberCode: '1001', name: 'x' })).status, 409);
      const hash = 'AB:'.repeat(31) + 'AB';
      const c = await t.call('POST', `/api/v1/clients/${enc(CONSUMER)}/tls-certificates`, { hash });
      assert.equal(c.status, 201);
      assert.equal(c.body.hash, 'ab'.repeat(32));
      assert.equal((await t.call('POST', `/api/v1/clients/${enc(CONSUMER)}/tls-certificates`, { hash })).status, 409);
      assert.equal((await t.call('POST', `/api/v1/clients/${enc(CONSUMER)}/tls-certificates`, Buffer.from('not a cert'), { headers: { 'content-type': 'application/octet-stream' } })).status, 400);
      const p = await t.call('PATCH', `/api/v1/clients/${enc(CONSUMER)}`, { connection_type: 'HTTPS', status: 'REGISTERED' });
      assert.equal(p.body.status, 'REGISTERED');
      assert.equal((await t.call('PATCH', `/api/v1/clients/${enc(CONSUMER)}`, { connection_type: 'FTP' })).status, 400);
      const ss = await t.call('POST', '/api/v1/security-servers', { ownerMemberId: 'DEV:GOV:1001', serverCode: 'ss1', address: 'ss1.dev', xdsNodeIds: ['envoy-ss1-a'] });
      assert.equal(ss.status, 201);
      assert.equal(ss.body.id, 'DEV:GOV:1001:ss1');
      assert.equal((await t.call('POST', '/api/v1/security-servers', { ownerMemberId: 'DEV:GOV:1002', serverCode: 'ss2', address: 'ss2.dev', xdsNodeIds: ['envoy-ss1-a'] })).status, 409, 'a node id binds to one server');
      assert.equal((await t.call('POST', `/api/v1/security-servers/${enc(ss.body.id)}/auth-certificates`, { hash: 'cd'.repeat(32) })).status, 201);
      const snap = (await t.app.policy.snapshots.snapshot()).content;
      assert.deepEqual(snap.securityServers[0].authCerts.map((x) => x.sha256), ['cd'.repeat(32)]);
      assert.deepEqual(snap.subsystems.find((s) => s.id === CONSUMER)!.isTlsCerts.map((x) => x.sha256), ['ab'.repeat(32)]);
      assert.equal((await t.call('DELETE', `/api/v1/clients/${enc(CONSUMER)}/tls-certificates/${'ab'.repeat(32)}`)).status, 204);
      assert.equal((await t.call('GET', `/api/v1/clients/${enc('DEV:GOV:1:none')}`)).status, 404);
      const gg = await t.call('POST', '/api/v1/global-groups', { instanceId: 'DEV', code: 'security-server-owners', description: 'Owners' });
      assert.equal(gg.status, 201);
      assert.equal((await t.call('POST', AR(PROVIDER, 'DEV:security-server-owners'), { items: [{ service_code: 'deaths' }] })).status, 201);
      assert.equal((await t.call('DELETE', `/api/v1/global-groups/${enc('DEV:security-server-owners')}`)).status, 204);
      assert.equal((await t.app.policy.snapshots.snapshot()).content.accessRights.some((r) => r.subject.type === 'GLOBALGROUP'), false);
    });

    test('services: enable/disable with notice, PATCH, endpoints', async () => {
      assert.equal((await t.call('PUT', `/api/v1/service-descriptions/${ids.serviceDescriptionId}/enable`)).status, 200);
      let s = (await t.app.policy.snapshots.snapshot()).content.services.find((x) => x.serviceCode === 'births')!;
      assert.equal(s.disabled, false);
      assert.equal((await t.call('PUT', `/api/v1/service-descriptions/${ids.serviceDescriptionId}/disable`, { disabled_notice: 'maintenance' })).status, 200);
      s = (await t.app.policy.snapshots.snapshot()).content.services.find((x) => x.serviceCode === 'births')!;
      assert.equal(s.disabledNotice, 'maintenance');
      const p = await t.call('PATCH', `/api/v1/services/${enc(PROVIDER + ':births')}`, { url: 'https://births.internal/', timeout: 30, ssl_auth: true });
      assert.equal(p.status, 200);
      assert.equal(p.body.timeout, 30);
      assert.equal((await t.call('PATCH', `/api/v1/services/${enc(PROVIDER + ':births')}`, { timeout: 0 })).status, 400);
      assert.equal((await t.call('POST', `/api/v1/services/${enc(PROVIDER + ':births')}/endpoints`, { method: 'GET', path: '/v1/births/*' })).status, 409);
      assert.equal((await t.call('POST', `/api/v1/services/${enc(PROVIDER + ':births')}/endpoints`, { method: 'FETCH', path: '/x' })).status, 400);
      const e = await t.call('POST', `/api/v1/services/${enc(PROVIDER + ':births')}/endpoints`, { method: 'POST', path: '/v1/births' });
      assert.equal((await t.call('PATCH', `/api/v1/endpoints/${e.body.id}`, { path: '/v2/births' })).body.path, '/v2/births');
      assert.equal((await t.call('DELETE', `/api/v1/endpoints/${e.body.id}`)).status, 204);
      assert.equal((await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: 'http://x/', type: 'REST', rest_service_code: 'births' })).status, 409);
      assert.equal((await t.call('GET', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`)).body.length, 2);
    });

    test('traffic policy: rate limits, routing rules (header-routing vocabulary), request id, block rules', async () => {
      const rl = await t.call('POST', '/api/v1/rate-limit-policies', { name: 'births per client', target: { providerSubsystemId: PROVIDER, serviceCode: 'births' }, per: 'EACH_CLIENT', unit: 'minute', requestsPerUnit: 600 });
      assert.equal(rl.status, 201);
      assert.equal(rl.body.enforcement, 'LOCAL_PER_PROXY');
      assert.equal((await t.call('PUT', `/api/v1/rate-limit-policies/${rl.body.id}`, { ...rl.body, requestsPerUnit: 60, burst: 120 })).body.burst, 120);
      assert.equal((await t.call('POST', '/api/v1/rate-limit-policies', { name: 'x', target: { providerSubsystemId: PROVIDER, serviceCode: 'nope' }, per: 'EACH_CLIENT', unit: 'minute', requestsPerUnit: 1 })).status, 404);
      assert.equal((await t.call('POST', '/api/v1/rate-limit-policies', { name: 'x', target: { providerSubsystemId: PROVIDER }, per: 'EACH_CLIENT', unit: 'fortnight', requestsPerUnit: 1 })).status, 400);
      assert.equal((await t.call('DELETE', `/api/v1/rate-limit-policies/${rl.body.id}`)).status, 204);
      assert.equal((await t.call('DELETE', `/api/v1/rate-limit-policies/${rl.body.id}`)).status, 404);

      const rr = await t.call('POST', '/api/v1/routing-rules', { name: 'canary', target: { providerSubsystemId: PROVIDER, serviceCode: 'births' }, priority: 10, match: [{ source: 'header', name: 'x-canary', exact: '1' }], actions: [{ type: 'route', cluster: 'births-v2' }] });
      assert.equal(rr.status, 201);
      const badAction = await t.call('POST', '/api/v1/routing-rules', { name: 'bad', target: { providerSubsystemId: PROVIDER }, priority: 1, actions: [{ type: 'teleport' }] });
      assert.equal(badAction.status, 400);
      assert.match(badAction.body.error.metadata[0], /^body\.actions\.0/);
      const badCond = await t.call('POST', '/api/v1/routing-rules', { name: 'bad', target: { providerSubsystemId: PROVIDER }, priority: 1, match: [{ source: 'header', exact: 'x' }], actions: [{ type: 'route', cluster: 'c' }] });
      assert.equal(badCond.status, 400, 'header conditions need a name (filter schema)');

      assert.equal((await t.call('GET', '/api/v1/request-id-policy')).status, 404);
      const rid = await t.call('PUT', '/api/v1/request-id-policy', { xRoadHeaders: true, headerName: 'x-request-id' });
      assert.equal(rid.status, 200);
      assert.equal((await t.call('GET', '/api/v1/request-id-policy')).body.xRoadHeaders, true);
      assert.equal((await t.call('PUT', '/api/v1/request-id-policy', { headerName: 'traceparent' })).status, 400);

      const br = await t.call('POST', '/api/v1/block-rules', { subject: { type: 'SUBSYSTEM', id: OTHER }, providerSubsystemId: PROVIDER, reason: 'incident 42' });
      assert.equal(br.status, 201);
      assert.equal(br.body.mode, 'ENFORCE');
      assert.equal((await t.call('POST', '/api/v1/block-rules', { subject: { type: 'SUBSYSTEM', id: 'DEV:GOV:1:ghost' }, reason: 'x' })).status, 404);
      const snap = (await t.app.policy.snapshots.snapshot()).content;
      assert.equal(snap.routingRules.length, 1);
      assert.equal(snap.blockRules.length, 1);
      assert.equal(snap.requestIdPolicy?.xRoadHeaders, true);
    });

    test('body size limit (50 KB, as X-Road)', async () => {
      const items = Array.from({ length: 900 }, (_, i) => ({ service_code: `svc-${i}-${'x'.repeat(60)}` }));
      const r = await t.call('POST', AR(PROVIDER, CONSUMER), { items });
      assert.equal(r.status, 413);
    });

    test('20 parallel grants over a 127.0.0.1 listener: all present, revisions strictly sequential', async () => {
      for (let i = 0; i < 20; i++) {
        const r = await t.call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: 'http://p/', type: 'REST', rest_service_code: `par-${i}` });
        assert.equal(r.status, 201);
      }
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const r0 = await head();
      const res = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${address}${AR(PROVIDER, CONSUMER)}`, {
        method: 'POST', headers: { authorization: `X-Road-ApiKey token=${t.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ service_code: `par-${i}` }] }),
      })));
      assert.deepEqual(res.map((r) => r.status), Array(20).fill(201));
      assert.equal(await head(), r0 + 20);
      const codes = (await t.call('GET', AR(PROVIDER, CONSUMER))).body.map((x: any) => x.service_code).filter((c: string) => c.startsWith('par-'));
      assert.equal(codes.length, 20);
      const revs = await t.db.kysely.selectFrom('revisions').select(['rev', 'parent_rev']).where('rev', '>', r0).orderBy('rev').execute();
      assert.deepEqual(revs.map((r) => Number(r.parent_rev)), revs.map((r) => Number(r.rev) - 1));
    });

    test('audit: every mutation recorded, chain verifies, an edited row is detected', async () => {
      const v = await t.call('GET', '/api/v1/audit-events/verify');
      assert.equal(v.body.ok, true);
      assert.ok(v.body.count > 40);
      const exp = await t.call('GET', '/api/v1/audit-events/export');
      assert.match(exp.headers['content-type'], /^application\/x-ndjson/);
      const lines = exp.raw.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, v.body.count);
      assert.ok(lines.some((l) => l.event === 'Add access rights to subject' && l.outcome === 'SUCCESS' && l.after?.includes('births')));
      const victim = lines[Math.floor(lines.length / 2)];
      await sql`update audit_events set actor_id = 'someone-else' where seq = ${victim.seq}`.execute(t.db.kysely);
      const broken = await verifyAuditChain(t.db.kysely);
      assert.equal(broken.ok, false);
      assert.equal(broken.firstBadSeq, victim.seq);
      await sql`update audit_events set actor_id = ${victim.actor_id} where seq = ${victim.seq}`.execute(t.db.kysely);
      await sql`delete from audit_events where seq = ${victim.seq}`.execute(t.db.kysely);
      assert.equal((await verifyAuditChain(t.db.kysely)).firstBadSeq, victim.seq, 'a deleted row is detected too');
    });
  });
}

describe('service endpoints', () => {
  test('OpenAPI document, metrics, health', async () => {
    const [b] = backends();
    const t = await makeApp(await b.open());
    try {
      const doc = await t.call('GET', '/api/v1/openapi.json', undefined, { key: null });
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.0.3');
      assert.ok(doc.body.paths['/api/v1/clients/{id}/service-clients/{sc_id}/access-rights'].post);
      const m = await t.call('GET', '/metrics', undefined, { key: null });
      assert.match(m.raw, /policy_admin_head_revision/);
      assert.equal((await t.call('GET', '/healthz', undefined, { key: null })).body.status, 'ok');
    } finally {
      await t.close();
      await b.close();
    }
  });
});

// What-if and bundles on a bare fastify instance with a fake SnapshotSource (two revisions): decisions
// come from the real authz .wasm on the compiled config; bad input names the field; bundles carry a
// strong ETag and answer 304.
//   node --import tsx --test policy-admin/test/evaluate.test.ts
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { moduleBytes } from '../../test/lib/modules.ts';
import { compiledPolicyPlugin } from '../src/evaluate/plugin.ts';
import { Evaluator } from '../src/evaluate/evaluator.ts';
import { CompileCache } from '../src/compiler/cache.ts';
import { compileServer } from '../src/compiler/index.ts';
import { notFound } from '../src/http/errors.ts';
import type { RevisionContent, SnapshotSource } from '../src/model/snapshot.ts';
import { C, fixtureRevision, fixtureSnapshot, PROVIDER, SHA_SS2, SHA_TAX, SS1, SS2 } from './compiler-fixtures.ts';

const WASM = moduleBytes('filters/authz');
const BIRTHS = `${PROVIDER}:births`;

/** Revisions 7 (the fixture) and 8 (r-clinic revoked); head is settable. */
function fakeSource() {
  const revs = new Map<number, RevisionContent>();
  revs.set(7, fixtureRevision(7));
  const c8 = fixtureSnapshot();
  c8.accessRights = c8.accessRights.filter((r) => r.id !== 'r-clinic');
  revs.set(8, fixtureRevision(8, c8));
  const src: SnapshotSource & { headRev: number; loads: number } = {
    headRev: 7, loads: 0,
    async snapshot(rev?: number): Promise<RevisionContent> {
      const r = revs.get(rev ?? src.headRev);
      if (!r) throw notFound('revision', String(rev));
      src.loads++;
      return r;
    },
    async head() { const r = revs.get(src.headRev)!; return { rev: r.rev, sha256: r.sha256 }; },
  };
  return src;
}

async function makeServer() {
  const source = fakeSource();
  const app = Fastify();
  await app.register(compiledPolicyPlugin, { prefix: '/api/v1', source, authzWasm: WASM, now: () => Date.parse('2026-06-01T00:00:00Z') });
  await app.ready();
  after(() => app.close());
  const evaluate = async (body: object) => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/evaluate', payload: body });
    return { status: r.statusCode, body: r.json() };
  };
  return { app, source, evaluate };
}

test('POST /evaluate: decisions of the real filter, by subject kind, endpoint, proof, window, mode, block and notice', async () => {
  const { evaluate } = await makeServer();
  const q = (client: string, o: object = {}) => ({ client, service: BIRTHS, method: 'GET', path: '/v1/births/1', ...o });
  const cases: Array<[string, object, Partial<Record<string, unknown>>]> = [
    ['endpoint-level right', q(C.clinic), { decision: 'ALLOW', reason: 'allowed', matchedRight: 'r-clinic', status: 200 }],
    ['method outside the endpoint', q(C.clinic, { method: 'post' }), { decision: 'DENY', reason: 'no_right', matchedRight: null, status: 403 }],
    ['global group', q(C.clinic, { path: '/v1/records/2024/7' }), { decision: 'ALLOW', matchedRight: 'r-health' }],
    ['local group, service level', q(C.lab, { method: 'DELETE', path: '/x' }), { decision: 'ALLOW', matchedRight: 'r-lab' }],
    ['HTTPS client, IS certificate', q(C.tax, { peerCertSha256: SHA_TAX.toUpperCase() }), { decision: 'ALLOW', matchedRight: 'r-tax' }],
    ['HTTPS client, no certificate', q(C.tax), { decision: 'DENY', reason: 'untrusted_client', status: 401 }],
    ['HTTPS_NO_AUTH over TLS', q(C.noauth, { tls: true }), { decision: 'ALLOW', matchedRight: 'r-noauth' }],
    ['peer security server', q(C.remote, { path: '/v1/records/x', peerCertSha256: SHA_SS2 }), { decision: 'ALLOW', matchedRight: 'r-health' }],
    ['member-level client', q(C.member, { peerCertSha256: SHA_SS2 }), { decision: 'ALLOW', matchedRight: 'r-member' }],
    ['DRY_RUN right', q(C.shadow), { decision: 'DENY', reason: 'no_right', dryRun: { right: 'r-shadow', block: null } }],
    ['DRY_RUN block on an allowed request', q(C.clinic), { decision: 'ALLOW', dryRun: { right: null, block: 'b-trial' } }],
    ['blocked', q(C.rogue, { path: '/x' }), { decision: 'DENY', reason: 'blocked', block: 'b-rogue', status: 403 }],
    ['before the window', q(C.temp, { path: '/x' }), { decision: 'DENY', reason: 'outside_window' }],
    ['inside the window', q(C.temp, { path: '/x', at: '2030-01-15T12:00:00+02:00' }), { decision: 'ALLOW', matchedRight: 'r-temp', at: '2030-01-15T10:00:00.000Z' }],
    ['after the window', q(C.temp, { path: '/x', at: '2030-02-01T00:00:00Z' }), { decision: 'DENY', reason: 'outside_window' }],
    ['disabled service', q(C.clinic, { service: `${PROVIDER}:deaths`, path: '' }),
      { decision: 'DENY', reason: 'service_disabled', matchedRight: 'r-deaths', status: 503, error: { type: 'Server.ServerProxy.service_disabled', message: 'Maintenance until Monday 08:00' } }],
    ['unknown service of a served provider', q(C.clinic, { service: `${PROVIDER}:marriages` }), { decision: 'DENY', reason: 'unknown_service', status: 404 }],
    ['unknown client', q(C.stranger), { decision: 'DENY', reason: 'untrusted_client' }],
    ['path with .. is refused like on the wire', q(C.lab, { path: '/a/../b' }), { decision: 'DENY', reason: 'bad_request', status: 400 }],
    ['non-ASCII path is percent-encoded for the filter', q(C.lab, { path: '/v1/näme' }), { decision: 'ALLOW', matchedRight: 'r-lab' }],
  ];
  for (const [name, body, want] of cases) {
    const r = await evaluate(body);
    assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(r.body[k], v, `${name}: ${k} in ${JSON.stringify(r.body)}`);
    assert.equal(r.body.rev, 7, name);
    assert.equal(r.body.securityServerId, SS1, name);
  }
});

test('POST /evaluate: rev selects the revision (a revoked right denies), head by default', async () => {
  const { evaluate, source } = await makeServer();
  const body = { client: C.clinic, service: BIRTHS, method: 'GET', path: '/v1/births/1' };
  assert.equal((await evaluate({ ...body, rev: 8 })).body.decision, 'DENY');
  assert.equal((await evaluate({ ...body, rev: 7 })).body.decision, 'ALLOW');
  assert.equal((await evaluate(body)).body.rev, 7);
  source.headRev = 8;
  const r = await evaluate(body);
  assert.deepEqual([r.body.rev, r.body.decision, r.body.reason], [8, 'DENY', 'no_right']);
});

test('POST /evaluate: bad input is a 400 naming the field; unknown revision, server or provider a 404', async () => {
  const { evaluate } = await makeServer();
  const ok = { client: C.clinic, service: BIRTHS, method: 'GET', path: '/v1/births/1' };
  const field = async (body: object, status: number, f: string | RegExp) => {
    const r = await evaluate(body);
    assert.equal(r.status, status, JSON.stringify(r.body));
    const text = JSON.stringify(r.body);
    assert.ok(typeof f === 'string' ? text.includes(f) : f.test(text), `${text} names ${f}`);
  };
  await field({ ...ok, client: 'DEV/GOV/1001/clinic-app' }, 400, '"client"');
  await field({ ...ok, service: PROVIDER }, 400, '"service"');
  await field({ ...ok, method: 'GE T' }, 400, '"method"');
  await field({ ...ok, path: 'v1/births' }, 400, '"path"');
  await field({ ...ok, at: 'tomorrow' }, 400, '"at"');
  await field({ ...ok, at: '2026-02-30T00:00:00Z' }, 400, '"at"');
  await field({ ...ok, peerCertSha256: 'abc' }, 400, /peerCertSha256/);
  await field({ ...ok, extra: 1 }, 400, /extra|additional/);
  await field({ ...ok, rev: 99 }, 404, 'revision_not_found');
  await field({ ...ok, securityServerId: 'DEV:GOV:1:none' }, 404, 'security_server_not_found');
  await field({ ...ok, service: 'DEV:GOV:1001:nobody:births' }, 404, 'service_not_found');
});

test('Evaluator: one VM per (revision, security server), least recently used shut down first; one snapshot load per revision', async () => {
  const source = fakeSource();
  const ev = new Evaluator(new CompileCache(source), { authzWasm: WASM, maxVms: 2 });
  after(() => ev.close());
  const body = { client: C.clinic, service: BIRTHS, method: 'GET', path: '/v1/births/1' };
  for (let i = 0; i < 3; i++) await ev.evaluate({ ...body, rev: 7 });
  assert.deepEqual(ev.loadedVms(), [{ rev: 7, securityServerId: SS1 }]);
  assert.equal(source.loads, 1);
  await ev.evaluate({ ...body, rev: 8 });
  await ev.evaluate({ ...body, rev: 7, securityServerId: SS2 });
  assert.deepEqual(ev.loadedVms(), [{ rev: 8, securityServerId: SS1 }, { rev: 7, securityServerId: SS2 }]);
  // asked on ss2: clinic-app is no client there and nothing proves it (the filter checks identity first)
  assert.equal((await ev.evaluate({ ...body, rev: 7, securityServerId: SS2 })).reason, 'untrusted_client');
  assert.equal(source.loads, 2);
});

test('GET /bundles/{ss}: the compiled configs with a strong ETag; If-None-Match → 304; a new head → new ETag', async () => {
  const { app, source } = await makeServer();
  const url = `/api/v1/bundles/${encodeURIComponent(SS1)}`;
  const r = await app.inject({ url });
  assert.equal(r.statusCode, 200);
  const etag = r.headers.etag as string;
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  const b = r.json();
  const want = compileServer(fixtureRevision(7), SS1);
  assert.deepEqual(b.configs.authz, JSON.parse(want.configs.authz.json));
  assert.deepEqual(b.configs['header-routing'], JSON.parse(want.configs['header-routing'].json));
  assert.deepEqual(b.configs['request-id'], JSON.parse(want.configs['request-id'].json));
  assert.deepEqual([b.rev, b.revSha256, b.sha256, b.securityServerId], [7, want.revSha256, want.sha256, SS1]);
  assert.equal(b.warnings.length, 2);
  assert.deepEqual(b.configs['rate-limit'], JSON.parse(want.configs['rate-limit'].json));
  assert.equal((await app.inject({ url })).body, r.body, 'same bytes again');

  for (const inm of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
    const nm = await app.inject({ url, headers: { 'if-none-match': inm } });
    assert.equal(nm.statusCode, 304, inm);
    assert.equal(nm.headers.etag, etag);
    assert.equal(nm.body, '');
  }
  assert.equal((await app.inject({ url, headers: { 'if-none-match': '"other"' } })).statusCode, 200);

  source.headRev = 8;
  const r8 = await app.inject({ url, headers: { 'if-none-match': etag } });
  assert.equal(r8.statusCode, 200);
  assert.notEqual(r8.headers.etag, etag);
  assert.equal(r8.json().rev, 8);
  assert.equal((await app.inject({ url: `${url}?rev=7`, headers: { 'if-none-match': etag } })).statusCode, 304, 'old revision, old tag');

  const one = await app.inject({ url: `${url}/authz?rev=7` });
  assert.equal(one.body, want.configs.authz.json, 'one filter: exactly the bytes for `configuration:`');
  assert.equal(one.headers.etag, `"${want.configs.authz.sha256}"`);
});

test('GET /bundles: unknown server or filter → 404; bad rev → 400', async () => {
  const { app } = await makeServer();
  const r = await app.inject({ url: `/api/v1/bundles/${encodeURIComponent('DEV:GOV:1:none')}` });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error.code, 'security_server_not_found');
  const f = await app.inject({ url: `/api/v1/bundles/${encodeURIComponent(SS1)}/rbac` });
  assert.equal(f.statusCode, 404);
  assert.equal(f.json().error.code, 'filter_not_found');
  assert.equal((await app.inject({ url: `/api/v1/bundles/${encodeURIComponent(SS1)}?rev=x` })).statusCode, 400);
  assert.equal((await app.inject({ url: `/api/v1/bundles/${encodeURIComponent(SS1)}?rev=99` })).json().error.code, 'revision_not_found');
});

// The compiler: every compiled config is valid against the JSON Schema its filter ships, output is
// deterministic, and the registry rules (registration status, revoked certificates, local-group
// ownership, peers, blocks in scope) shape what each security server receives.
//   node --import tsx --test policy-admin/test/compiler.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { ROOT } from '../../test/lib/modules.ts';
import { compileServer, compileSnapshot, CompileError, FILTERS, UnknownSecurityServer, type CompiledServer } from '../src/compiler/index.ts';
import { C, fixtureRevision, fixtureSnapshot, PROVIDER, SHA_TAX, SS1, SS2 } from './compiler-fixtures.ts';

const ajv = new (Ajv2020 as any)({ allErrors: true, strict: false });
const validators = Object.fromEntries(FILTERS.map((f) => [f, ajv.compile(JSON.parse(readFileSync(join(ROOT, 'filters', f, 'config.schema.json'), 'utf8')))]));
const authzOf = (s: CompiledServer) => JSON.parse(s.configs.authz.json);
const ss1 = (o = {}) => compileServer(fixtureRevision(), SS1, o);

function assertValid(s: CompiledServer) {
  for (const f of FILTERS) {
    const v = validators[f];
    const ok = v(JSON.parse(s.configs[f].json));
    assert.ok(ok, `${s.securityServerId} ${f}: ${ajv.errorsText(v.errors)}`);
  }
}

test('every compiled config of every security server validates against its filter schema (groups by reference and expanded)', () => {
  for (const expandGroups of [false, true]) {
    const all = compileSnapshot(fixtureRevision(), { authz: { expandGroups } });
    assert.deepEqual(all.map((s) => s.securityServerId), [SS1, SS2]);
    all.forEach(assertValid);
  }
});

test('an empty revision compiles to valid configs (no providers, no rights)', () => {
  const snap = fixtureSnapshot();
  snap.accessRights = []; snap.services = []; snap.serviceDescriptions = []; snap.blockRules = []; snap.routingRules = []; snap.groups = [];
  snap.requestIdPolicy = null;
  const s = compileServer(fixtureRevision(1, snap), SS1);
  assertValid(s);
  assert.deepEqual(JSON.parse(s.configs['request-id'].json), {});
  assert.deepEqual(JSON.parse(s.configs['header-routing'].json).rules, []);
});

test('deterministic: same content in any row order → same bytes and hashes', () => {
  const a = ss1();
  const shuffled = fixtureSnapshot();
  for (const k of ['subsystems', 'accessRights', 'groups', 'services', 'blockRules', 'routingRules', 'securityServers'] as const) (shuffled[k] as unknown[]).reverse();
  for (const s of shuffled.services) s.endpoints.reverse();
  const b = compileServer({ ...fixtureRevision(), content: shuffled }, SS1);
  for (const f of FILTERS) assert.equal(b.configs[f].json, a.configs[f].json, f);
  assert.equal(b.sha256, a.sha256);
  assert.equal(ss1().sha256, a.sha256);
});

test('rev and the revision sha256 are in the authz config; a new right changes only the authz config', () => {
  const rc = fixtureRevision(12);
  const a = compileServer(rc, SS1);
  assert.equal(authzOf(a).rev, 12);
  assert.equal(authzOf(a).sha256, rc.sha256);
  const snap = fixtureSnapshot();
  snap.accessRights.push({ id: 'r-zz', providerSubsystemId: PROVIDER, serviceCode: 'births', endpointId: '1', subject: { type: 'SUBSYSTEM', id: C.lab }, mode: 'ENFORCE', grantedBy: 't', grantedAt: '2026-01-01T00:00:00Z' });
  const b = compileServer({ rev: 12, sha256: rc.sha256, content: snap }, SS1);
  assert.notEqual(b.configs.authz.sha256, a.configs.authz.sha256);
  assert.equal(b.configs['header-routing'].sha256, a.configs['header-routing'].sha256);
  assert.equal(b.configs['request-id'].sha256, a.configs['request-id'].sha256);
  assert.notEqual(b.sha256, a.sha256);
});

test('clients: registered subsystems of this server only, connection type in filter spelling, revoked IS certs left out', () => {
  const cfg = authzOf(ss1());
  assert.equal(cfg.clients[C.saved], undefined, 'SAVED client');
  assert.equal(cfg.clients[C.remote], undefined, 'registered on ss2, not here');
  assert.deepEqual(cfg.clients[C.noauth], { connectionType: 'HTTPS_NOAUTH' });
  assert.deepEqual(cfg.clients[C.tax], { connectionType: 'HTTPS', certs: [`sha256/${SHA_TAX}`] });
  assert.deepEqual(cfg.clients[C.clinic], { connectionType: 'HTTP' });
});

test('peers: subjects hosted elsewhere → active auth certificates of their servers (member-level: servers the member owns)', () => {
  const cfg = authzOf(ss1());
  assert.deepEqual(cfg.peers, { [C.member]: ['sha256/' + 'c'.repeat(64)], [C.remote]: ['sha256/' + 'c'.repeat(64)] });
});

test('rights: subjects, endpoint, mode, window, agreement; a local group of another client grants nothing (warning)', () => {
  const s = ss1();
  const births = authzOf(s).providers[PROVIDER].births;
  const ids = births.rights.map((r: { id: string }) => r.id);
  assert.deepEqual(ids, [...ids].sort(), 'sorted by id');
  assert.ok(!ids.includes('r-foreign-local'));
  assert.deepEqual(s.warnings.map((w) => w.field), ['accessRights[r-foreign-local]', 'rateLimitPolicies[rl-endpoint]']);
  const r = (id: string) => births.rights.find((x: { id: string }) => x.id === id);
  assert.deepEqual(r('r-health'), { id: 'r-health', ep: '3', groups: ['DEV:health'], mode: 'ENFORCE', agreementRef: 'DSA-2026-7' });
  assert.deepEqual(r('r-temp'), { id: 'r-temp', ep: '1', clients: [C.temp], mode: 'ENFORCE', notBefore: '2030-01-01T00:00:00Z', notAfter: '2030-01-31T23:59:59Z' });
  assert.equal(r('r-shadow').mode, 'DRY_RUN');
  assert.deepEqual(r('r-member').clients, [C.member]);
  assert.deepEqual(authzOf(s).providers[PROVIDER].deaths.disabledNotice, 'Maintenance until Monday 08:00');
  assert.equal(births.disabledNotice, null);
  // expanded: members in clients, no groups left but those blocks name
  const x = authzOf(ss1({ authz: { expandGroups: true } }));
  const xr = x.providers[PROVIDER].births.rights.find((y: { id: string }) => y.id === 'r-health');
  assert.deepEqual(xr.clients, [C.clinic, C.remote]);
  assert.equal(xr.groups, undefined);
  assert.deepEqual(Object.keys(x.groups), ['DEV:health'], 'kept for block b-trial');
});

test('blocks: only those that can apply on this server; group subjects keep their group', () => {
  const snap = fixtureSnapshot();
  snap.blockRules.push({ id: 'b-elsewhere', subject: { type: 'ANY' }, providerSubsystemId: 'DEV:GOV:1002:patient-records', reason: 'x', mode: 'ENFORCE' });
  snap.blockRules.push({ id: 'b-all', subject: { type: 'ANY' }, reason: 'panic', mode: 'DRY_RUN', expiresAt: '2030-01-01T00:00:00Z' });
  const cfg = authzOf(compileServer(fixtureRevision(3, snap), SS1));
  assert.deepEqual(cfg.blocks.map((b: { id: string }) => b.id), ['b-all', 'b-rogue', 'b-trial']);
  assert.deepEqual(cfg.blocks[0], { id: 'b-all', subject: { type: 'ANY' }, reason: 'panic', mode: 'DRY_RUN', expiresAt: '2030-01-01T00:00:00Z' });
  assert.ok(cfg.groups['DEV:health']);
});

test('header-routing: rules scoped to their service, priority order, every rule reaches a cluster and strips /r1/{service}', () => {
  const cfg = JSON.parse(ss1().configs['header-routing'].json);
  const names = cfg.rules.map((r: { name: string }) => r.name);
  assert.equal(new Set(names).size, names.length, 'unique names');
  const births = cfg.rules.filter((r: any) => r.match[0].exact === 'DEV/GOV/1001/civil-registry/births');
  assert.deepEqual(births.map((r: any) => r.name), ['births-canary', 'tag-all', 'svc-births']);
  const strip = { type: 'rewrite_prefix', prefix: '/r1/DEV/GOV/1001/civil-registry/births/', replacement: '/api/' };
  assert.deepEqual(births[0].actions, [{ type: 'route', cluster: 'births-v2' }, strip]);
  assert.deepEqual(births[1].actions, [{ type: 'set_header', name: 'x-tagged', value: 'yes' }, { type: 'route', cluster: 'births.internal_8080' }, strip]);
  assert.deepEqual(births[2], { name: 'svc-births', match: [{ source: 'service_id', exact: 'DEV/GOV/1001/civil-registry/births' }], actions: [{ type: 'route', cluster: 'births.internal_8080' }, strip] });
  // the provider-wide rule is repeated for deaths under another (unique) name
  const deaths = cfg.rules.filter((r: any) => r.match[0].exact === 'DEV/GOV/1001/civil-registry/deaths');
  assert.equal(deaths.length, 2);
  assert.match(deaths[0].name, /^tag-all-[0-9a-f]{8}$/);
});

test('request-id: the fleet policy field for field', () => {
  assert.deepEqual(JSON.parse(ss1().configs['request-id'].json), {
    header_name: 'x-request-id', max_length: 128, keep_incoming: true, echo_request_id: true, trace_context: true,
    echo_traceparent: false, sample_rate: 1, x_road_headers: true, trust_x_road_id: false,
  });
});

test('rate-limit: one descriptor per policy served here (a member each for a group), replicas share LOCAL_SPLIT limits', () => {
  const cfg = JSON.parse(ss1().configs['rate-limit'].json);
  assert.deepEqual(cfg.actions, [{ source: 'client_id' }, { source: 'service_id' }, { source: 'path_prefix', descriptor_key: 'provider', prefixes: ['/r1/DEV/GOV/1001/civil-registry/'] }]);
  const births = { key: 'service_id', value: 'DEV/GOV/1001/civil-registry/births' };
  assert.deepEqual(cfg.descriptors, [
    { name: 'rl-each', entries: [{ key: 'client_id' }, births], rate_limit: { requests_per_unit: 100, unit: 'minute', burst: 10 } },
    { name: `rl-health:${C.clinic}`, entries: [{ key: 'client_id', value: 'DEV/GOV/1001/clinic-app' }, births], rate_limit: { requests_per_unit: 1, unit: 'minute' }, shadow_mode: true },
    { name: `rl-health:${C.remote}`, entries: [{ key: 'client_id', value: 'DEV/GOV/1002/patient-records' }, births], rate_limit: { requests_per_unit: 1, unit: 'minute' }, shadow_mode: true },
    { name: 'rl-lab', entries: [{ key: 'client_id', value: 'DEV/GOV/1001/lab' }, { key: 'provider', value: '/r1/DEV/GOV/1001/civil-registry/' }], rate_limit: { requests_per_unit: 2, unit: 'second' } },
  ]);
  assert.equal(cfg.failure_mode_deny, false);
  const snap = fixtureSnapshot();
  snap.rateLimitPolicies = [];
  const none = JSON.parse(compileServer(fixtureRevision(1, snap), SS1).configs['rate-limit'].json);
  assert.equal(none.descriptors.length, 1, 'a rule no request matches');
  assert.equal(none.descriptors[0].entries[0].value, '-');
});

test('refused snapshots name the entity; unknown security server', () => {
  assert.throws(() => compileServer(fixtureRevision(), 'DEV:GOV:1:nope'), UnknownSecurityServer);
  const snap = fixtureSnapshot();
  snap.subsystems.find((s) => s.id === C.tax)!.isTlsCerts[0].sha256 = 'not-a-digest';
  assert.throws(() => compileServer(fixtureRevision(1, snap), SS1), (e: unknown) => e instanceof CompileError && e.field === `subsystems[${C.tax}].isTlsCerts[0]`);
  const snap2 = fixtureSnapshot();
  snap2.accessRights[0].endpointId = '99';
  assert.throws(() => compileServer(fixtureRevision(1, snap2), SS1), (e: unknown) => e instanceof CompileError && /endpointId/.test(e.field));
  const snap3 = fixtureSnapshot();
  snap3.services[0].upstreamUrl = 'ftp://x';
  assert.throws(() => compileServer(fixtureRevision(1, snap3), SS1), (e: unknown) => e instanceof CompileError && e.field === `services[${PROVIDER}:births].upstreamUrl`);
});

test('xDS shape: every security server with each filter\'s configuration JSON under the publisher\'s filter keys', async () => {
  const { compileForXds } = await import('../src/compiler/xds.ts');
  const { DEFAULT_WASM_FILTERS } = await import('../src/xds/publish.ts');
  const out = compileForXds(fixtureRevision());
  assert.equal(out.rev, 7);
  assert.deepEqual(out.securityServers.map((s) => s.securityServerId), [SS1, SS2]);
  for (const s of out.securityServers) {
    for (const [k, v] of Object.entries(s.filters)) {
      assert.ok(DEFAULT_WASM_FILTERS[k], `${k} is a filter the publisher deploys`);
      assert.equal(v, compileServer(fixtureRevision(), s.securityServerId).configs[k as keyof CompiledServer['configs']].json);
    }
  }
});

// Runs filters/authz/build/authz.wasm in the host emulator.
//   node --import tsx --test filters/authz/*.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, HeaderMap, PluginStartError, type EmulatedPlugin, type EmulatorOptions, type HttpStreamHandle } from '../../host/index.ts';
import { moduleBytes } from '../../test/lib/modules.ts';
import { envoyPluginConfig } from '../../examples/envoy-config.ts';
import { CASES, type Case } from './test/decisions.ts';
import { basePolicy, CLIENTS as C, P_WIRE, SHA_B } from './test/policy.ts';

const WASM = moduleBytes('filters/authz');
const STRICT = { allow: ['proxy_get_header_map_value:NotFound', 'proxy_get_property:NotFound'] };

const load = (config: object | string | null = basePolicy(), o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({
    wasm: WASM, rootId: 'authz', vmId: 'authz', strict: STRICT, logLevel: 'debug',
    pluginConfig: config === null ? undefined : typeof config === 'string' ? config : JSON.stringify(config), ...o,
  });

let reqNo = 0;
function request(p: EmulatedPlugin, o: { client?: string | null; method?: string; path?: string; headers?: Array<[string, string]>; props?: Record<string, string | boolean>; rid?: string } = {}) {
  const s = p.http({ properties: o.props });
  const rid = o.rid ?? `req-${++reqNo}`;
  const h: Array<[string, string]> = [[':method', o.method ?? 'GET'], [':path', o.path ?? `/r1/${P_WIRE}/births/v1/births/1`], [':authority', 'ss.dev'], [':scheme', 'https'], ['x-request-id', rid]];
  if (o.client !== null) h.push(['x-road-client', o.client ?? C.http]);
  h.push(...(o.headers ?? []));
  const action = s.sendRequestHeaders(h, { endOfStream: true });
  return { s, action, rid };
}
const replyHeader = (s: HttpStreamHandle, n: string) => s.localReply!.headers.find(([k]) => k === n)?.[1];
const pathOf = (c: Case) => c.raw ?? `/r1/${c.provider ?? P_WIRE}/${c.service ?? 'births'}${c.rest ?? '/v1/births/1'}`;
const canonical = (wire: string) => wire.split('/').map(decodeURIComponent).join('/');

// ------------------------------------------------------------------ the decision table
test(`decision table: ${CASES.length} cases`, async (t) => {
  const p = await load();
  for (const c of CASES) {
    await t.test(c.name, () => {
      const metric = c.reason ? `authz_decisions.outcome=${c.reason === 'allowed' ? 'allow' : 'deny'}.reason=${c.reason}` : '';
      const before = metric ? p.metric(metric) ?? 0 : 0;
      const logsBefore = p.logs().length;
      const { s, action, rid } = request(p, { client: c.client, method: c.method, path: pathOf(c), props: c.props });
      if (c.status === 0) {
        assert.equal(s.localReply, null, `denied: ${s.localReply?.status} ${s.localReply?.body}`);
        assert.equal(action, 'Continue');
        assert.equal(s.requestHeader('x-road-client-verified'), canonical(c.client!));
        assert.equal(s.requestHeader('x-road-client'), undefined);
        if (c.right) assert.ok(p.logs().slice(logsBefore).some((l) => l.message.includes(` right=${c.right} `)), `right ${c.right} not logged`);
      } else {
        assert.equal(s.localReply?.status, c.status, `got ${s.localReply?.status ?? 'allowed'} ${s.localReply?.body ?? ''}`);
        assert.equal(s.requestHeadersForwarded, false);
        const body = JSON.parse(s.localReply!.body);
        assert.deepEqual(Object.keys(body), ['type', 'message', 'detail']);
        assert.equal(body.detail, rid);
        assert.equal(replyHeader(s, 'x-road-error'), body.type);
        assert.equal(replyHeader(s, 'x-road-policy-rev'), '42');
        if (c.type) assert.equal(body.type, c.type);
      }
      if (metric) assert.equal(p.metric(metric), before + 1, metric);
      assert.equal(p.failed(), false);
    });
  }
});

test('validity windows follow the host clock', async () => {
  const p = await load();
  const path = `/r1/${P_WIRE}/permits/x`;
  assert.equal(request(p, { path }).s.localReply?.status, 403, 'before notBefore');
  p.advance(36 * 3600e3); // 2025-01-02T12:00Z
  assert.equal(request(p, { path }).s.localReply, null, 'inside the window');
  assert.equal(request(p, { path, client: C.global }).s.localReply?.status, 403, 'ar-until expired at 10:00Z on the 1st');
  p.advance(12 * 3600e3); // 2025-01-03T00:00Z — notAfter is inclusive
  assert.equal(request(p, { path }).s.localReply, null, 'at notAfter');
  p.advance(1);
  const late = request(p, { path }).s;
  assert.equal(late.localReply?.status, 403, 'after notAfter');
  assert.equal(p.metric('authz_decisions.outcome=deny.reason=outside_window'), 3);
});

test('allowed: identity headers the client sent are replaced by the verified one; rev on the response', async () => {
  const p = await load();
  const { s } = request(p, {
    client: 'DEV/GOV/1002/forged',
    headers: [['x-road-client', C.http], ['x-govstack-client', C.http], ['information-mediator-client', C.http], ['x-road-client-verified', 'DEV/GOV/1/evil'], ['x-other', 'kept']],
  });
  assert.equal(s.localReply, null, s.localReply?.body);
  assert.equal(s.requestHeader('x-road-client-verified'), C.http);
  for (const h of ['x-road-client', 'x-govstack-client', 'information-mediator-client']) assert.equal(s.requestHeader(h), undefined, h);
  assert.equal(s.requestHeader('x-other'), 'kept');
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(s.responseHeader('x-road-policy-rev'), '42');
  assert.ok(p.logMessages({ level: 'debug' }).some((m) => m.startsWith(`authz: allow ${C.http} GET ${P_WIRE}/births path=/v1/births/1 right=ar-http proof=http rev=42`)));
});

test('repeated client headers: the last one wins; aliases are accepted', async () => {
  const p = await load();
  // first a stranger, then the real client: last wins → allowed
  assert.equal(request(p, { client: C.unknown, headers: [['x-road-client', C.http]] }).s.localReply, null);
  // first the real client, then a stranger: last wins → 401
  assert.equal(request(p, { client: C.http, headers: [['x-road-client', C.unknown]] }).s.localReply?.status, 401);
  for (const alias of ['x-govstack-client', 'information-mediator-client', 'X-GovStack-Client']) {
    const { s } = request(p, { client: null, headers: [[alias, C.http]] });
    assert.equal(s.localReply, null, alias);
    assert.equal(s.requestHeader('x-road-client-verified'), C.http);
    assert.equal(s.requestHeader(alias.toLowerCase()), undefined);
  }
  // aliases naming the same client agree; naming different clients is refused
  assert.equal(request(p, { headers: [['x-govstack-client', C.http]] }).s.localReply, null);
  const { s } = request(p, { headers: [['x-govstack-client', C.member]] });
  assert.equal(s.localReply?.status, 400);
  assert.equal(JSON.parse(s.localReply!.body).message, 'Client headers name different clients');
});

test('configurable header names: client headers, verified header, revision header, request id header', async () => {
  const p = await load({ ...basePolicy(), clientHeaders: ['X-Caller'], verifiedClientHeader: 'X-Road-Client', revisionHeader: 'X-Authz-Rev', requestIdHeader: 'X-Road-Request-Id' });
  const ok = request(p, { client: null, headers: [['x-caller', C.http], ['x-road-client', 'DEV/GOV/9/spoof']] }).s;
  assert.equal(ok.localReply, null);
  assert.equal(ok.requestHeader('x-road-client'), C.http, 'verified id written over the spoofed header of the same name');
  assert.equal(ok.requestHeader('x-caller'), undefined);
  ok.sendResponseHeaders([[':status', '204']], { endOfStream: true });
  assert.equal(ok.responseHeader('x-authz-rev'), '42');
  assert.equal(ok.responseHeader('x-road-policy-rev'), undefined);
  const no = request(p, { client: null, headers: [['x-road-client', C.http], ['x-road-request-id', 'rq-9']] }).s;
  assert.equal(no.localReply?.status, 400, 'x-road-client is no longer a client header');
  assert.equal(JSON.parse(no.localReply!.body).detail, 'rq-9');
  assert.equal(replyHeader(no, 'x-authz-rev'), '42');
  const q = await load({ ...basePolicy(), revisionHeader: '' });
  const r = request(q).s;
  r.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(r.responseHeader('x-road-policy-rev'), undefined);
});

test('a denial: X-Road error JSON, X-Road-Error header, rev header, info log with rev and request id', async () => {
  const p = await load();
  const { s } = request(p, { client: C.global, rid: 'abc-123' });
  assert.equal(s.localReply?.status, 403);
  assert.deepEqual(JSON.parse(s.localReply!.body), { type: 'Server.ServerProxy.access_denied', message: `Request is not allowed: ${P_WIRE}/births`, detail: 'abc-123' });
  assert.equal(replyHeader(s, 'content-type'), 'application/json');
  assert.equal(replyHeader(s, 'x-road-error'), 'Server.ServerProxy.access_denied');
  assert.equal(replyHeader(s, 'x-road-policy-rev'), '42');
  assert.equal(s.localReply?.details, 'authz_no_right');
  assert.deepEqual(p.logMessages({ level: 'info', contains: 'authz: deny' }), [`authz: deny 403 no_right client=${C.global} service=${P_WIRE}/births rev=42 request_id=abc-123: Request is not allowed: ${P_WIRE}/births`]);
  // own response phase sees the local reply: no duplicate rev header
  s.sendResponseHeaders([[':status', '403'], ['x-road-policy-rev', '42']], { endOfStream: true });
  assert.equal(s.responseHeader('x-road-policy-rev'), '42');
  // no request id → empty detail; a request id with quotes is escaped
  const q = request(p, { client: C.global, rid: 'a"b\\c' }).s;
  assert.equal(JSON.parse(q.localReply!.body).detail, 'a"b\\c');
});

test('disabled notice, unknown service and 401 messages', async () => {
  const p = await load();
  const d = request(p, { path: `/r1/${P_WIRE}/deaths/x` }).s;
  assert.equal(JSON.parse(d.localReply!.body).message, 'Maintenance until Monday 08:00');
  const u = request(p, { path: `/r1/${P_WIRE}/nosuch/x` }).s;
  assert.equal(JSON.parse(u.localReply!.body).message, `Unknown service: ${P_WIRE}/nosuch`);
  const a = request(p, { client: C.tls }).s;
  assert.equal(JSON.parse(a.localReply!.body).message, `no client TLS certificate was presented to prove client ${C.tls}`);
  const b = request(p, { client: C.tls, props: { 'connection.sha256_peer_certificate_digest': 'e'.repeat(64) } }).s;
  assert.equal(JSON.parse(b.localReply!.body).message, `the presented TLS certificate is not registered for client ${C.tls}`);
  const c = request(p, { client: C.unknown }).s;
  assert.equal(JSON.parse(c.localReply!.body).message, `client ${C.unknown} is not registered on this security server`);
});

test('dry run: a DRY_RUN right and a DRY_RUN block are logged and counted, not enforced', async () => {
  const p = await load();
  assert.equal(request(p, { client: C.shadow }).s.localReply?.status, 403);
  assert.equal(p.metric('authz_dry_run.kind=right_would_allow'), 1);
  assert.ok(p.logMessages({ level: 'info' }).includes(`authz: dry-run right ar-shadow would allow ${C.shadow} GET ${P_WIRE}/births rev=42`));
  assert.equal(request(p, { client: C.shadow, path: `/r1/${P_WIRE}/deaths/x` }).s.localReply?.status, 503);
  assert.equal(p.metric('authz_dry_run.kind=block_would_deny'), 1);
  assert.ok(p.logMessages({ level: 'info' }).includes(`authz: dry-run block blk-shadow would deny ${C.shadow} GET ${P_WIRE}/deaths rev=42`));
});

test('block rules: ANY, MEMBER and group subjects, scopes; enforced wins over dry-run', async () => {
  const pol = basePolicy();
  pol.blocks = [
    { id: 'b-any-svc', subject: { type: 'ANY' }, providerSubsystemId: 'DEV:GOV:1009:land-registry', serviceCode: 'deeds', reason: 'x' },
    { id: 'b-member', subject: { type: 'MEMBER', id: 'DEV:COM:2001' }, reason: 'y' },
    { id: 'b-group-dry', subject: { type: 'GLOBALGROUP', id: 'DEV:health' }, mode: 'DRY_RUN', reason: 'z' },
    { id: 'b-group', subject: { type: 'LOCALGROUP', id: 'lg-7' }, providerSubsystemId: 'DEV:GOV:1001:civil-registry', reason: 'w' },
  ];
  const p = await load(pol);
  assert.equal(request(p, { path: '/r1/DEV/GOV/1009/land-registry/deeds/a' }).s.localReply?.status, 403);
  assert.equal(request(p, { client: C.member, method: 'POST', path: `/r1/${P_WIRE}/births/v1/births` }).s.localReply?.status, 403);
  assert.equal(request(p, { client: C.global, path: `/r1/${P_WIRE}/births/v1/records/1` }).s.localReply, null, 'dry-run group block');
  assert.equal(request(p, { client: C.local, path: `/r1/${P_WIRE}/births/v1/x/summary` }).s.localReply?.status, 403);
  assert.equal(p.metric('authz_decisions.outcome=deny.reason=blocked'), 3);
  assert.ok(p.logMessages({ level: 'info' }).includes('authz: block b-group (w) applies'));
});

test('log levels: a deny at info (its path at debug); an allow only at debug, not even built below it', async () => {
  const p = await load(basePolicy(), { logLevel: 'info' });
  const before = p.logs({ includeSuppressed: true }).length;
  assert.equal(request(p).s.localReply, null);
  assert.deepEqual(p.logs({ includeSuppressed: true }).slice(before).map((l) => l.message), [], 'nothing logged for an allow at info');
  const { rid } = request(p, { client: C.global });
  const denied = p.logs({ includeSuppressed: true }).slice(before);
  assert.deepEqual(denied.map((l) => [l.level, l.message]), [[2, `authz: deny 403 no_right client=${C.global} service=${P_WIRE}/births rev=42 request_id=${rid}: Request is not allowed: ${P_WIRE}/births`]]);
  const q = await load(basePolicy(), { logLevel: 'debug' });
  const b2 = q.logs().length;
  request(q, { client: C.global });
  assert.deepEqual(q.logs().slice(b2).map((l) => l.message).filter((m) => m.startsWith('authz: denied path')), ['authz: denied path /v1/births/1']);
  assert.equal(q.logs().slice(b2).find((m) => m.message.startsWith('authz: denied path'))!.level, 1);
});

test('the first right in policy order decides; a right reached twice (client and group) is one grant', async () => {
  const pol = basePolicy();
  const births = pol.providers['DEV:GOV:1001:civil-registry'].births;
  births.rights.unshift({ id: 'ar-first', ep: 'ep-base', clients: ['DEV:GOV:1004:clinic'], groups: ['DEV:health'] });
  const p = await load(pol);
  const grants = (q: EmulatedPlugin) => Number(q.logMessages({ level: 'info' }).find((m) => m.startsWith('authz: policy rev='))!.match(/ (\d+) grants/)![1]);
  const base = await load(basePolicy());
  assert.equal(grants(p), grants(base) + 1, 'clinic directly and through DEV:health: one grant');
  const { s } = request(p, { client: C.global, path: `/r1/${P_WIRE}/births/v1/records/1` });
  assert.equal(s.localReply, null);
  assert.ok(p.logMessages({ level: 'debug' }).some((m) => m.includes(' right=ar-first ')), 'ar-first comes before ar-global');
});

test('a client named only by a right (not registered, not peer-hosted) is refused with 401', async () => {
  const pol = basePolicy();
  pol.providers['DEV:GOV:1001:civil-registry'].births.rights.push({ id: 'ar-unreg', ep: 'ep-base', clients: ['DEV:GOV:1013:unreg'] });
  const p = await load(pol);
  const { s } = request(p, { client: 'DEV/GOV/1013/unreg' });
  assert.equal(s.localReply?.status, 401);
  assert.equal(JSON.parse(s.localReply!.body).message, 'client DEV/GOV/1013/unreg is not registered on this security server');
});

// ------------------------------------------------------------------ configuration
test('no configuration: fail closed, every request is denied', async () => {
  for (const cfg of [null, '', '  \n']) {
    const p = await load(cfg);
    assert.ok(p.logMessages({ level: 'warn' }).includes('authz: no policy configured: every request is denied'));
    const { s } = request(p);
    assert.equal(s.localReply?.status, 403);
    const body = JSON.parse(s.localReply!.body);
    assert.equal(body.type, 'Server.ServerProxy.access_denied');
    assert.equal(replyHeader(s, 'x-road-policy-rev'), 'none');
    assert.equal(p.metric('authz_decisions.outcome=deny.reason=no_policy'), 1);
  }
});

const BAD_CONFIGS: Array<[string, (p: any) => unknown, string]> = [
  ['not JSON', () => '{"rev": 1,', 'config: invalid JSON'],
  ['not an object', () => [], 'config: expected a JSON object, got array'],
  ['rev missing', (p) => { delete p.rev; }, "config field 'rev': required field missing"],
  ['rev negative', (p) => { p.rev = -1; }, "config field 'rev': expected a non-negative integer"],
  ['rev a string', (p) => { p.rev = '42'; }, "config field 'rev': expected an integer, got string"],
  ['unknown top-level field', (p) => { p.revision = 1; }, "config field 'revision': unknown field"],
  ['sha256 not hex', (p) => { p.sha256 = 'xyz'; }, "config field 'sha256': expected 64 hex digits"],
  ['client header name invalid', (p) => { p.clientHeaders = ['X Road']; }, "config field 'clientHeaders[0]': not a header name"],
  ['client headers empty', (p) => { p.clientHeaders = []; }, "config field 'clientHeaders': must name at least one header"],
  ['maxPathBytes too small', (p) => { p.maxPathBytes = 10; }, "config field 'maxPathBytes': must be between 64 and 65536, got 10"],
  ['client id bad', (p) => { p.clients['DEV:GOV'] = { connectionType: 'HTTP' }; }, "config field 'clients[\"DEV:GOV\"]': \"DEV:GOV\" must have 3 to 4 ':'-separated parts"],
  ['connection type', (p) => { p.clients['DEV:GOV:1002:patient-records'].connectionType = 'MTLS'; }, "config field 'clients[\"DEV:GOV:1002:patient-records\"].connectionType': expected one of HTTP, HTTPS, HTTPS_NOAUTH, got \"MTLS\""],
  ['cert ref form', (p) => { p.peers['DEV:GOV:1006:remote'] = ['md5/abc']; }, "config field 'peers[\"DEV:GOV:1006:remote\"][0]': expected \"sha256/<hex>\""],
  ['cert digest length', (p) => { p.clients['DEV:GOV:1003:tax'].certs = ['sha256/abcd']; }, "config field 'clients[\"DEV:GOV:1003:tax\"].certs[0]': sha256 digest must be 64 hex digits"],
  ['provider id with 3 parts', (p) => { p.providers['DEV:GOV:1001'] = {}; }, "config field 'providers[\"DEV:GOV:1001\"]': \"DEV:GOV:1001\" must have 4 ':'-separated parts"],
  ['service code illegal char', (p) => { p.providers['DEV:GOV:1001:civil-registry']['bad code'] = { endpoints: [], rights: [] }; }, "config field 'providers[\"DEV:GOV:1001:civil-registry\"][\"bad code\"]': character ' ' is not allowed"],
  ['endpoint method', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.endpoints[1].m = 'FETCH'; }, "config field 'providers[\"DEV:GOV:1001:civil-registry\"].births.endpoints[1].m': expected one of *, GET"],
  ['duplicate endpoint id', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.endpoints[2].id = 'ep-get'; }, "births.endpoints[2].id': duplicate endpoint id \"ep-get\""],
  ['right with unknown endpoint', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[3].ep = 'ep-9'; }, "config field 'providers[\"DEV:GOV:1001:civil-registry\"].births.rights[3].ep': no endpoint \"ep-9\" in this service"],
  ['right with unknown group', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[5].groups = ['nope']; }, "births.rights[5].groups[0]': unknown group \"nope\""],
  ['right without subjects', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].clients = []; }, "births.rights[0]': a right must name at least one client or group"],
  ['right mode', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].mode = 'SHADOW'; }, "births.rights[0].mode': expected one of ENFORCE, DRY_RUN, got \"SHADOW\""],
  ['right window timestamp', (p) => { p.providers['DEV:GOV:1001:civil-registry'].permits.rights[0].notAfter = '2025-13-01T00:00:00Z'; }, "permits.rights[0].notAfter': not an RFC 3339 timestamp"],
  ['right window reversed', (p) => { p.providers['DEV:GOV:1001:civil-registry'].permits.rights[0].notAfter = '2024-01-01T00:00:00Z'; }, "permits.rights[0].notAfter': is before notBefore"],
  ['right client id', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].clients = ['DEV/GOV/1/2']; }, "births.rights[0].clients[0]': character '/' is not allowed"],
  ['unknown right field', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].subject = {}; }, "births.rights[0].subject': unknown field"],
  ['unknown right field after every known one', (p) => { Object.assign(p.providers['DEV:GOV:1001:civil-registry'].births.rights[0], { groups: [], mode: 'ENFORCE', notBefore: null, notAfter: null, agreementRef: 'a', zz: 1 }); }, "births.rights[0].zz': unknown field"],
  ['right groups type', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].groups = 'g'; }, "births.rights[0].groups': expected an array of strings, got string"],
  // U+00FC and U+01FC share their low byte: ids are compared as UTF-8, not truncated code units
  ['endpoint id differing only above the low byte', (p) => { const b = p.providers['DEV:GOV:1001:civil-registry'].births; b.endpoints.push({ id: 'ep-\u00fc', p: '/u' }); b.rights[0].ep = 'ep-\u01fc'; }, 'no endpoint "ep-\u01fc" in this service'],
  ['duplicate non-ASCII endpoint id', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.endpoints.push({ id: 'ep-ü', p: '/a' }, { id: 'ep-ü', p: '/b' }); }, 'duplicate endpoint id "ep-ü"'],
  ['disabledNotice type', (p) => { p.providers['DEV:GOV:1001:civil-registry'].deaths.disabledNotice = true; }, "deaths.disabledNotice': expected a string, got boolean"],
  ['block subject type', (p) => { p.blocks[0].subject.type = 'EVERYONE'; }, "config field 'blocks[0].subject.type': expected one of ANY, SUBSYSTEM, MEMBER, GLOBALGROUP, LOCALGROUP"],
  ['block service without provider', (p) => { p.blocks.push({ id: 'b', subject: { type: 'ANY' }, serviceCode: 'births' }); }, "config field 'blocks[3].serviceCode': needs providerSubsystemId"],
  ['group member id', (p) => { p.groups['lg-7'] = ['lab']; }, "config field 'groups.lg-7[0]': \"lab\" must have 3 to 4"],
  ['clients not a map', (p) => { p.clients = [{ connectionType: 'HTTP' }]; }, "config field 'clients': expected an object, got array"],
  ['providers not a map', (p) => { p.providers = [{}]; }, "config field 'providers': expected an object, got array"],
  ['rights not an array', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights = { 'ar-x': { id: 'ar-x', ep: 'ep-base', clients: ['DEV:GOV:1002:patient-records'] } }; }, "births.rights': expected an array, got object"],
  ['endpoint not an object', (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.endpoints[0] = 'ep-base'; }, "births.endpoints[0]': expected an object, got string"],
  ['blocks not an array', (p) => { p.blocks = { b: p.blocks[0] }; }, "config field 'blocks': expected an array, got object"],
  ['decisionLog sample', (p) => { p.decisionLog = { sampleAllow: 2 }; }, "config field 'decisionLog.sampleAllow': must be between 0.0 and 1.0, got 2.0"],
];

for (const [name, mutate, expected] of BAD_CONFIGS) {
  test(`bad config is rejected naming the field: ${name}`, async () => {
    const pol = basePolicy();
    const r = mutate(pol);
    const cfg = typeof r === 'string' ? r : r !== undefined ? JSON.stringify(r) : JSON.stringify(pol);
    await assert.rejects(load(cfg), (e: unknown) => {
      assert.ok(e instanceof PluginStartError);
      const msgs = e.logs.filter((l) => l.message.startsWith('authz: policy rejected: ')).map((l) => l.message);
      assert.ok(msgs.length > 0 && msgs[0].includes(expected), `expected "${expected}" in ${JSON.stringify(msgs)}`);
      return true;
    });
  });
}

test('a right spelling optional fields as null or [] means the defaults', async () => {
  const pol = basePolicy();
  Object.assign(pol.providers['DEV:GOV:1001:civil-registry'].births.rights[0], { groups: [], mode: null, notBefore: null, notAfter: null, agreementRef: null });
  const p = await load(pol);
  const s = request(p, { path: `/r1/${P_WIRE}/births/v1/births/1` }).s;
  assert.equal(s.localReply, null, s.localReply?.body);
});

test('endpoint ids are matched exactly, non-ASCII ones included', async () => {
  const pol = basePolicy();
  const births = pol.providers['DEV:GOV:1001:civil-registry'].births;
  births.endpoints.push({ id: 'ep-ü', m: 'GET', p: '/v1/ümlaut/*' }, { id: 'ep-\u00fc2', m: 'GET', p: '/v1/other/*' });
  births.rights.unshift({ id: 'ar-ü', ep: 'ep-ü', clients: ['DEV:GOV:1002:patient-records'] });
  const p = await load(pol);
  const s = request(p, { path: `/r1/${P_WIRE}/births/v1/%C3%BCmlaut/1` }).s;
  assert.equal(s.localReply, null, s.localReply?.body);
});

// ------------------------------------------------------------------ policy updates
test('a policy update applies to the next request; requests in flight finish under the old one', async () => {
  const p = await load(basePolicy(), { workers: 2 });
  const inflight = p.http({ worker: 1 }); // stream created (filter chain built) before the update
  const next = basePolicy();
  next.rev = 43;
  next.providers['DEV:GOV:1001:civil-registry'].births.rights[0].clients = ['DEV:GOV:1004:clinic']; // revoke patient-records
  p.reconfigure({ pluginConfig: JSON.stringify(next) });
  for (const worker of [0, 1]) {
    const s = p.http({ worker });
    s.sendRequestHeaders([[':method', 'GET'], [':path', `/r1/${P_WIRE}/births/v1/births/1`], ['x-road-client', C.http]], { endOfStream: true });
    assert.equal(s.localReply?.status, 403, `worker ${worker}: revoked`);
    assert.equal(replyHeader(s, 'x-road-policy-rev'), '43');
  }
  inflight.sendRequestHeaders([[':method', 'GET'], [':path', `/r1/${P_WIRE}/births/v1/births/1`], ['x-road-client', C.http]], { endOfStream: true });
  assert.equal(inflight.localReply, null, 'decided by rev 42');
  inflight.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(inflight.responseHeader('x-road-policy-rev'), '42');
  assert.ok(p.logMessages({ level: 'info' }).some((m) => m.startsWith('authz: policy rev=43 ')));
  // a bad update is rejected; the running policy stays
  const bad = basePolicy();
  bad.rev = 44;
  bad.providers = { x: {} };
  assert.throws(() => p.reconfigure({ pluginConfig: JSON.stringify(bad) }));
  const s = request(p, { client: C.global, path: `/r1/${P_WIRE}/births/v1/births/1` }).s;
  assert.equal(s.localReply, null, 'rev 43 still in force');
});

// ------------------------------------------------------------------ bad input
test('bad input never traps and gets the right 4xx', async () => {
  const p = await load();
  const status = (o: Parameters<typeof request>[1]) => request(p, o).s.localReply?.status ?? 0;
  assert.equal(status({ path: `/r1/${P_WIRE}/births/` + 'a'.repeat(1 << 20) }), 400, '1 MiB path');
  assert.equal(status({ path: `/r1/${P_WIRE}/births/` + 'a'.repeat(1960 - P_WIRE.length) }), 403, 'just under 2,000 bytes: decided');
  assert.equal(status({ path: `/r1/${P_WIRE}/births/` + '%2e'.repeat(10000) }), 400);
  assert.equal(status({ path: `/r1/${P_WIRE}/births/v1/births/\u00e4` }), 400, 'raw non-ASCII');
  assert.equal(status({ path: `/r1/${P_WIRE}/births/v1/births/\u0000` }), 400, 'raw NUL');
  assert.equal(status({ path: '' }), 400);
  assert.equal(status({ client: 'DEV/GOV/1002/patient-records\u0000' }), 400, 'NUL in the client header');
  assert.equal(status({ client: 'DEV/GOV/1002/p\u00e4tient' }), 400, 'non-ASCII client id');
  assert.equal(status({ client: 'x'.repeat(1 << 20) }), 400, '1 MiB client header');
  // invalid UTF-8 bytes in :path and in the client header
  const s = p.http();
  s.sendRequestHeaders(HeaderMap.fromBytes([
    [Buffer.from(':method'), Buffer.from('GET')],
    [Buffer.from(':path'), Buffer.from([...Buffer.from(`/r1/${P_WIRE}/births/v1/births/`), 0xff, 0xfe])],
    [Buffer.from('x-road-client'), Buffer.from([...Buffer.from('DEV/GOV/1002/'), 0xc3, 0x28])],
  ]), { endOfStream: true });
  assert.equal(s.localReply?.status, 400);
  // 10,000 headers
  const many: Array<[string, string]> = [];
  for (let i = 0; i < 10000; i++) many.push([`x-h${i}`, 'v'.repeat(20)]);
  assert.equal(status({ headers: many }), 0, '10,000 headers: every one read, decided (allowed)');
  assert.equal(status({ headers: many.slice(0, 1000) }), 0, '1,000 headers: decided (allowed)');
  assert.equal(status({ headers: [...many, ['x-road-client', C.unknown]] }), 401, 'a client header after 10,000 others is still seen');
  const many2 = many.map(([k, v]) => [k.replace('x-h', 'x-road-client'), C.unknown] as [string, string]);
  assert.equal(status({ headers: [...many2.slice(0, 100), ['x-road-client', C.http]] }), 0, '100 repeated client headers: last wins');
  assert.equal(p.failed(), false);
});

test('memory is stable over many requests (allowed and denied)', async () => {
  const p = await load();
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const s = request(p, { client: i % 3 ? C.http : C.global, path: `/r1/${P_WIRE}/births/v1/births/${i}` }).s;
      if (!s.localReply) s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
      s.complete();
    }
  };
  run(500);
  const pages = p.memoryPages();
  run(3000);
  assert.equal(p.memoryPages(), pages);
});

test('envoy.yaml: its policy loads and decides', async () => {
  const cfg = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  assert.equal(cfg.rootId, 'authz');
  const p = await load(cfg.configuration);
  assert.ok(p.logMessages({ level: 'info' }).some((m) => m.startsWith('authz: policy rev=1 ')));
  const ok = p.http({ properties: { 'connection.sha256_peer_certificate_digest': '0'.repeat(64), 'connection.mtls': true } });
  ok.sendRequestHeaders([[':method', 'GET'], [':path', '/r1/GOVSTACK-DEV/GOV/1001/civil-registry/births/v1/births/1'], ['x-road-client', 'GOVSTACK-DEV/GOV/1002/patient-records']], { endOfStream: true });
  assert.equal(ok.localReply, null, ok.localReply?.body);
});

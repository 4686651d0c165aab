// Compiled configs through the real filters: each .wasm loads the config the compiler wrote for ss1 and
// decides requests the way the revision says (allowed client → passed on to the service, others → the
// X-Road error), for both ways of writing groups.
//   node --import tsx --test policy-admin/test/compiler-filters.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, type EmulatedPlugin, type HttpStreamHandle } from '../../host/index.ts';
import { moduleBytes } from '../../test/lib/modules.ts';
import { compileServer } from '../src/compiler/index.ts';
import { C, fixtureRevision, PROVIDER_WIRE, SHA_SS2, SHA_SS2_REVOKED, SHA_TAX, SHA_TAX_REVOKED, SS1, wire } from './compiler-fixtures.ts';

const STRICT = { allow: ['proxy_get_header_map_value:NotFound', 'proxy_get_property:NotFound'] };
const compiled = (expandGroups = false) => compileServer(fixtureRevision(), SS1, { authz: { expandGroups } });

const loadAuthz = (expandGroups: boolean) => Emulator.load({
  wasm: moduleBytes('filters/authz'), rootId: 'authz', vmId: 'authz', strict: STRICT, logLevel: 'debug',
  pluginConfig: compiled(expandGroups).configs.authz.json,
});

function call(p: EmulatedPlugin, client: string, o: { service?: string; path?: string; method?: string; props?: Record<string, string | boolean> } = {}): HttpStreamHandle {
  const s = p.http({ properties: o.props });
  s.sendRequestHeaders([
    [':method', o.method ?? 'GET'], [':path', `/r1/${PROVIDER_WIRE}/${o.service ?? 'births'}${o.path ?? '/v1/births/1'}`],
    [':authority', 'ss1.dev'], [':scheme', 'https'], ['x-request-id', 'rq-1'], ['x-road-client', wire(client)],
  ], { endOfStream: true });
  return s;
}
const cert = (sha: string) => ({ 'connection.sha256_peer_certificate_digest': sha, 'connection.tls_version': 'TLSv1.3', 'connection.mtls': true });

// [name, client, request, status (0 = passed on), X-Road error type, right logged]
type Row = [string, string, Parameters<typeof call>[2], number, string?, string?];
const ROWS: Row[] = [
  ['subsystem, endpoint-level right', C.clinic, {}, 0, undefined, 'r-clinic'],
  ['subsystem, other method than its endpoint', C.clinic, { method: 'POST' }, 403, 'Server.ServerProxy.access_denied'],
  ['subsystem, path outside its endpoint glob', C.clinic, { path: '/v1/births/1/extra' }, 403, 'Server.ServerProxy.access_denied'],
  ['global group member on its endpoint', C.clinic, { path: '/v1/records/a/b' }, 0, undefined, 'r-health'],
  ['local group of the provider, service level', C.lab, { method: 'DELETE', path: '/anything' }, 0, undefined, 'r-lab'],
  ['local group of another client grants nothing', C.rogue, { path: '/x', method: 'PUT' }, 403, 'Server.ServerProxy.access_denied'],
  ['HTTPS client with its IS certificate', C.tax, { props: cert(SHA_TAX) }, 0, undefined, 'r-tax'],
  ['HTTPS client with a revoked IS certificate', C.tax, { props: cert(SHA_TAX_REVOKED) }, 401, 'Server.ServerProxy.ssl_auth_failed'],
  ['HTTPS_NO_AUTH client over TLS', C.noauth, { props: { 'connection.tls_version': 'TLSv1.3' } }, 0, undefined, 'r-noauth'],
  ['HTTPS_NO_AUTH client without TLS', C.noauth, {}, 401, 'Server.ServerProxy.ssl_auth_failed'],
  ['client on a peer security server (its auth cert)', C.remote, { path: '/v1/records/x', props: cert(SHA_SS2) }, 0, undefined, 'r-health'],
  ['peer security server with a revoked auth cert', C.remote, { path: '/v1/records/x', props: cert(SHA_SS2_REVOKED) }, 401, 'Server.ServerProxy.ssl_auth_failed'],
  ['member-level client through the server its member owns', C.member, { props: cert(SHA_SS2) }, 0, undefined, 'r-member'],
  ['DRY_RUN right grants nothing', C.shadow, {}, 403, 'Server.ServerProxy.access_denied'],
  ['blocked client with a right', C.rogue, { path: '/x' }, 403, 'Server.ServerProxy.access_denied'],
  ['right outside its validity window', C.temp, { path: '/x' }, 403, 'Server.ServerProxy.access_denied'],
  ['disabled service, client with a right: the notice', C.clinic, { service: 'deaths', path: '/' }, 503, 'Server.ServerProxy.service_disabled'],
  ['disabled service, client without a right', C.lab, { service: 'deaths', path: '/' }, 403, 'Server.ServerProxy.access_denied'],
  ['unknown service', C.clinic, { service: 'marriages' }, 404, 'Server.ServerProxy.unknown_service'],
  ['client that is not registered (SAVED)', C.saved, {}, 401, 'Server.ServerProxy.ssl_auth_failed'],
  ['unknown client', C.stranger, {}, 401, 'Server.ServerProxy.ssl_auth_failed'],
];

for (const expandGroups of [false, true]) {
  test(`authz .wasm on the compiled config (groups ${expandGroups ? 'expanded' : 'by reference'}): ${ROWS.length} cases`, async (t) => {
    const p = await loadAuthz(expandGroups);
    assert.ok(p.logMessages().some((m) => m.startsWith('authz: policy rev=7 ')), 'policy loaded with its rev');
    for (const [name, client, req, status, type, right] of ROWS) {
      await t.test(name, () => {
        const before = p.logs().length;
        const s = call(p, client, req);
        if (status === 0) {
          assert.equal(s.localReply, null, `denied: ${s.localReply?.status} ${s.localReply?.body}`);
          assert.equal(s.requestHeader('x-road-client-verified'), wire(client));
          s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
          assert.equal(s.responseHeader('x-road-policy-rev'), '7');
          if (right) assert.ok(p.logs().slice(before).some((l) => l.message.includes(` right=${right} `)), `right ${right} not logged`);
        } else {
          assert.equal(s.localReply?.status, status, `got ${s.localReply?.status ?? 'allowed'} ${s.localReply?.body ?? ''}`);
          const errorHeader = s.localReply!.headers.find(([k]) => k === 'x-road-error')?.[1];
          assert.equal(errorHeader, type);
          assert.equal(JSON.parse(s.localReply!.body).type, type);
        }
        assert.equal(p.failed(), false);
      });
    }
  });
}

test('authz .wasm: the validity window opens and closes on the filter clock; the disabled notice is the message', async () => {
  const p = await loadAuthz(false);
  const at = (iso: string) => p.advance(Date.parse(iso) - p.nowMs());
  at('2030-01-01T00:00:00Z');
  assert.equal(call(p, C.temp, { path: '/x' }).localReply, null, 'notBefore is inclusive');
  at('2030-01-31T23:59:59Z');
  assert.equal(call(p, C.temp, { path: '/x' }).localReply, null, 'notAfter is inclusive');
  p.advance(1000);
  assert.equal(call(p, C.temp, { path: '/x' }).localReply?.status, 403);
  const s = call(p, C.clinic, { service: 'deaths', path: '/' });
  assert.equal(JSON.parse(s.localReply!.body).message, 'Maintenance until Monday 08:00');
});

test('authz .wasm: DRY_RUN right and DRY_RUN block are logged and counted, not enforced', async () => {
  const p = await loadAuthz(false);
  assert.equal(call(p, C.shadow).localReply?.status, 403);
  assert.equal(p.metric('authz_dry_run.kind=right_would_allow'), 1);
  assert.equal(call(p, C.clinic).localReply, null, 'b-trial (DRY_RUN) does not block the health group');
  assert.equal(p.metric('authz_dry_run.kind=block_would_deny'), 1);
  assert.ok(p.logMessages().some((m) => m.startsWith('authz: dry-run block b-trial would deny ')));
});

test('header-routing .wasm on the compiled config: service default route, rule by priority, /r1 prefix stripped', async () => {
  const p = await Emulator.load({
    wasm: moduleBytes('filters/header-routing'), rootId: 'header-routing', vmId: 'hr', strict: STRICT, logLevel: 'info',
    pluginConfig: compiled().configs['header-routing'].json,
  });
  const send = (service: string, rest: string, extra: Array<[string, string]> = []) => {
    const s = p.http();
    assert.equal(s.sendRequestHeaders([[':method', 'GET'], [':path', `/r1/${PROVIDER_WIRE}/${service}${rest}`], [':authority', 'ss1.dev'], [':scheme', 'https'], ...extra], { endOfStream: true }), 'Continue');
    return s;
  };
  let s = send('births', '/v1/births/1?x=1');
  assert.equal(s.requestHeader('x-route-cluster'), 'births.internal_8080');
  assert.equal(s.requestHeader(':path'), '/api/v1/births/1?x=1');
  s = send('births', '/v1/births/1', [['x-canary', '1']]);
  assert.equal(s.requestHeader('x-route-cluster'), 'births-v2');
  assert.equal(s.requestHeader(':path'), '/api/v1/births/1');
  s = send('deaths', '/v1/d', [['x-tag', 'a']]);
  assert.equal(s.requestHeader('x-route-cluster'), 'deaths.internal_8080', 'header-only rule still reaches its service');
  assert.equal(s.requestHeader('x-tagged'), 'yes');
  assert.equal(s.requestHeader(':path'), '/api/v1/d');
  s = send('marriages', '/x');
  assert.equal(s.requestHeader('x-route-cluster'), undefined, 'no service, no route');
  assert.equal(p.failed(), false);
});

test('request-id .wasm on the compiled config: X-Road ids follow the request id', async () => {
  const p = await Emulator.load({
    wasm: moduleBytes('filters/request-id'), rootId: 'request-id', vmId: 'request-id', strict: { allow: ['proxy_get_header_map_value:NotFound'] }, logLevel: 'info',
    pluginConfig: compiled().configs['request-id'].json,
  });
  const s = p.http();
  assert.equal(s.sendRequestHeaders([[':method', 'GET'], [':path', '/r1/x'], [':authority', 'ss1.dev'], [':scheme', 'https'], ['x-request-id', 'abc-123']], { endOfStream: true }), 'Continue');
  assert.equal(s.requestHeader('x-request-id'), 'abc-123');
  assert.equal(s.requestHeader('x-road-id'), 'abc-123');
  assert.equal(s.requestHeader('x-road-request-id'), 'abc-123');
  assert.equal(p.failed(), false);
});

test('rate-limit .wasm on the compiled config: per-client service limit, split subject limit, shadow group limit', async () => {
  const p = Emulator.loadSync({
    wasm: moduleBytes('filters/rate-limit'), rootId: 'rate-limit', vmId: 'rl', logLevel: 'info', pluginConfig: compiled().configs['rate-limit'].json,
    strict: { allow: ['proxy_get_header_map_value:NotFound', 'proxy_get_shared_data:NotFound', 'proxy_set_shared_data:CasMismatch', 'proxy_get_property:NotFound'] },
  });
  const send = (client: string, service = 'births') => {
    const s = p.http();
    const a = s.sendRequestHeaders([[':method', 'GET'], [':path', `/r1/${PROVIDER_WIRE}/${service}/v1/x`], [':authority', 'ss1.dev'], ['x-road-client-verified', wire(client)]], { endOfStream: true });
    const status = a === 'Continue' ? 200 : s.localReply?.status;
    s.complete();
    return status;
  };
  const run = (client: string, n: number, service?: string) => Array.from({ length: n }, () => send(client, service));
  const count = (xs: Array<number | undefined>, v: number) => xs.filter((x) => x === v).length;
  let r = run(C.tax, 111);
  assert.deepEqual([count(r, 200), count(r, 429)], [110, 1], 'rl-each: 100/min + burst 10 per client');
  assert.equal(count(run(C.noauth, 5), 200), 5, 'another client has its own bucket');
  r = run(C.lab, 3, 'deaths');
  assert.deepEqual(r, [200, 200, 429], 'rl-lab: 5/s split over 2 replicas, on every service of the provider');
  assert.deepEqual(run(C.clinic, 3), [200, 200, 200], 'rl-health is SHADOW: over the limit but passed');
  assert.equal(p.failed(), false);
});

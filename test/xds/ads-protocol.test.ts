// The SotW ADS state machine of policy-admin/src/xds, driven by a raw stream so every response is seen:
// node binding, ECDS by name, ACK/NACK by error_detail, stale nonces, no resend of rejected or unchanged
// content, remembered missing names, LDS wildcard, groups, and the revision order rules.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { TypeUrl, type DiscoveryResponse } from '../../host/xds/protos.ts';
import { unpackResponse } from '../../host/xds/ecds-client.ts';
import { RevisionOrderError } from '../../policy-admin/src/xds/cache.ts';
import { SnapshotError } from '../../policy-admin/src/xds/snapshot.ts';
import { authzResource, rawStream, routingResource, SS1, SS2, startServer, until, type RawStream, type TestServer } from './helpers.ts';

const ECDS = TypeUrl.TypedExtensionConfig;
let srv: TestServer;
const streams: RawStream[] = [];
const open = (kind: 'ads' | 'ecds' = 'ads') => {
  const s = rawStream(srv.address, kind);
  streams.push(s);
  return s;
};
const node = (id: string) => ({ id, cluster: 'test' });
const revOf = (r: DiscoveryResponse, name = 'govstack.authz') => JSON.parse(unpackResponse(r.resources, true).get(name)!.wasm!.configuration).rev;
const ecdsVersion = (ss: string) => srv.cache.getSnapshot(ss)!.versions.get(ECDS)!;

before(async () => {
  srv = await startServer();
});
after(async () => {
  for (const s of streams) s.close();
  await srv.close();
});

describe('stream binding', () => {
  test('the first request must carry node.id', async () => {
    const s = open();
    s.send({ type_url: ECDS, resource_names: ['govstack.authz'] });
    const st = await s.ended;
    assert.equal(st.code, grpc.status.INVALID_ARGUMENT);
    assert.match(st.details, /node\.id/);
  });
  test('a node not mapped to a security server is refused', async () => {
    const s = open();
    s.send({ node: node('intruder'), type_url: ECDS, resource_names: ['govstack.authz'] });
    const st = await s.ended;
    assert.equal(st.code, grpc.status.PERMISSION_DENIED);
    assert.match(st.details, /intruder/);
  });
  test('verifyPeer can refuse a mapped node (transport identity binding)', async () => {
    const { XdsServer } = await import('../../policy-admin/src/xds/server.ts');
    const seen: unknown[] = [];
    const strict = new XdsServer({
      cache: srv.cache, status: srv.status,
      verifyPeer: (n, group, auth) => {
        seen.push([n.id, group, auth.transportSecurityType ?? null, auth.sslPeerCertificate ?? null]);
        return auth.sslPeerCertificate ? null : 'no client certificate';
      },
    });
    const port = await strict.listen('127.0.0.1', 0);
    const s = rawStream(`127.0.0.1:${port}`);
    s.send({ node: node('envoy-a1'), type_url: ECDS, resource_names: ['govstack.authz'] });
    const st = await s.ended;
    s.close();
    await strict.close();
    assert.equal(st.code, grpc.status.PERMISSION_DENIED);
    assert.match(st.details, /envoy-a1.*no client certificate/);
    assert.deepEqual(seen, [['envoy-a1', SS1, null, null]]); // plaintext: no security type, no certificate
  });
  test('the ECDS service serves TypedExtensionConfig only', async () => {
    const s = open('ecds');
    s.send({ node: node('envoy-a1'), type_url: TypeUrl.Listener });
    const st = await s.ended;
    assert.equal(st.code, grpc.status.INVALID_ARGUMENT);
  });
});

describe('ECDS over ADS: versions, nonces, ACK/NACK', () => {
  let s: RawStream;
  let r1: DiscoveryResponse;
  let r2: DiscoveryResponse;

  test('a named subscription gets only the named resource, with version and nonce', async () => {
    srv.cache.setSnapshot(SS1, { revision: 1, resources: { [ECDS]: [authzResource(1), routingResource(1)] } });
    s = open();
    s.send({ node: node('envoy-a1'), type_url: ECDS, resource_names: ['govstack.authz'] });
    r1 = await s.next();
    assert.equal(r1.type_url, ECDS);
    assert.equal(r1.version_info, ecdsVersion(SS1));
    assert.match(r1.version_info, /^r1-[0-9a-f]{8}$/);
    assert.ok(r1.nonce);
    assert.deepEqual([...unpackResponse(r1.resources, true).keys()], ['govstack.authz']);
    assert.equal(revOf(r1), 1);
    assert.equal(r1.control_plane?.identifier, 'policy-admin-test');
    const st = srv.status.get('envoy-a1')!;
    assert.equal(st.connected, true);
    assert.equal(st.group, SS1);
    assert.deepEqual(st.types[ECDS].pending?.version, r1.version_info);
    assert.equal(st.types[ECDS].version, null);
  });

  test('ACK: the node runs the version; nothing is resent', async () => {
    s.send({ type_url: ECDS, resource_names: ['govstack.authz'], version_info: r1.version_info, response_nonce: r1.nonce });
    assert.ok(await s.quiet());
    const st = srv.status.get('envoy-a1')!.types[ECDS];
    assert.equal(st.version, r1.version_info);
    assert.equal(st.pending, null);
  });

  test('a new snapshot is pushed with a new version and nonce', async () => {
    srv.cache.setSnapshot(SS1, { revision: 2, resources: { [ECDS]: [authzResource(2), routingResource(1)] } });
    r2 = await s.next();
    assert.match(r2.version_info, /^r2-/);
    assert.notEqual(r2.nonce, r1.nonce);
    assert.equal(revOf(r2), 2);
  });

  test('a request with a stale nonce is ignored', async () => {
    s.send({ type_url: ECDS, resource_names: ['govstack.authz'], version_info: r1.version_info, response_nonce: r1.nonce, error_detail: { code: 3, message: 'stale' } });
    assert.ok(await s.quiet());
    const st = srv.status.get('envoy-a1')!;
    assert.equal(st.lastNack, null);
    assert.ok(st.types[ECDS].pending, 'r2 still awaits its answer');
  });

  test('NACK (error_detail): the old version stays in force, the NACK is recorded, the same content is not resent', async () => {
    s.send({ type_url: ECDS, resource_names: ['govstack.authz'], version_info: r1.version_info, response_nonce: r2.nonce, error_detail: { code: 3, message: 'authz: rights[0].clients: unknown client' } });
    assert.ok(await s.quiet());
    const st = srv.status.get('envoy-a1')!;
    assert.equal(st.types[ECDS].version, r1.version_info);
    assert.equal(st.lastNack?.version, r2.version_info);
    assert.equal(st.lastNack?.nonce, r2.nonce);
    assert.equal(st.lastNack?.message, 'authz: rights[0].clients: unknown client');
    assert.equal(st.lastNack?.code, 3);
    assert.ok(st.lastNack?.at);
    // a revision that changes only another filter leaves this client's (rejected) content as it was
    srv.cache.setSnapshot(SS1, { revision: 3, resources: { [ECDS]: [authzResource(2), routingResource(3)] } });
    assert.ok(await s.quiet());
    assert.equal(srv.status.get('envoy-a1')!.types[ECDS].version, r1.version_info, 'still running r1 after the NACK');
  });

  test('a fixed revision is pushed and ACKed', async () => {
    srv.cache.setSnapshot(SS1, { revision: 4, resources: { [ECDS]: [authzResource(4), routingResource(3)] } });
    const r4 = await s.next();
    assert.match(r4.version_info, /^r4-/);
    assert.equal(revOf(r4), 4);
    s.send({ type_url: ECDS, resource_names: ['govstack.authz'], version_info: r4.version_info, response_nonce: r4.nonce });
    await until(() => srv.status.get('envoy-a1')!.types[ECDS].version === r4.version_info);
  });

  test('content unchanged for this client: no push, but the node is known to run the new version', async () => {
    const r4version = srv.status.get('envoy-a1')!.types[ECDS].version!;
    const snap = srv.cache.setSnapshot(SS1, { revision: 5, resources: { [ECDS]: [authzResource(4), routingResource(5)] } });
    assert.ok(await s.quiet());
    const st = srv.status.get('envoy-a1')!.types[ECDS];
    assert.equal(st.version, snap.versions.get(ECDS));
    // per resource: the authz content it runs was first sent in r4
    assert.deepEqual(Object.keys(st.resources), ['govstack.authz']);
    assert.equal(st.resources['govstack.authz'].version, r4version);
    assert.equal(st.resources['govstack.authz'].sha256, snap.resources.get(ECDS)!.get('govstack.authz')!.hash);
  });

  test('a name that does not exist yet is remembered and pushed when it appears', async () => {
    const t = open();
    t.send({ node: node('envoy-a2'), type_url: ECDS, resource_names: ['govstack.ratelimit'] });
    assert.ok(await t.quiet());
    srv.cache.setSnapshot(SS1, {
      revision: 6,
      resources: { [ECDS]: [authzResource(4), routingResource(5), { ...authzResource(6), name: 'govstack.ratelimit' }] },
    });
    const r = await t.next();
    assert.deepEqual([...unpackResponse(r.resources, true).keys()], ['govstack.ratelimit']);
    // and the first stream, subscribed to authz only, was not disturbed
    assert.ok(await s.quiet());
  });
});

describe('FetchExtensionConfigs (unary ECDS)', () => {
  test('returns the named resources of the node\'s security server with the current version', async () => {
    const { ecdsService } = await import('../../host/xds/protos.ts');
    const Ctor = ecdsService();
    const c = new Ctor(srv.address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
    const fetch = (req: object) => new Promise<{ err: grpc.ServiceError | null; res: DiscoveryResponse }>((resolve) => c.FetchExtensionConfigs(req, (err: grpc.ServiceError | null, res: DiscoveryResponse) => resolve({ err, res })));
    const ok = await fetch({ node: node('envoy-a1'), type_url: ECDS, resource_names: ['govstack.routing'] });
    assert.equal(ok.err, null);
    assert.equal(ok.res.version_info, ecdsVersion(SS1));
    assert.deepEqual([...unpackResponse(ok.res.resources, true).keys()], ['govstack.routing']);
    const denied = await fetch({ node: node('intruder'), type_url: ECDS });
    assert.equal(denied.err?.code, grpc.status.PERMISSION_DENIED);
    c.close();
  });
});

describe('node groups and revision order', () => {
  test('two security servers get different snapshots', async () => {
    srv.cache.setSnapshot(SS2, { revision: 6, resources: { [ECDS]: [authzResource(600)] } });
    const b = open();
    b.send({ node: node('envoy-b1'), type_url: ECDS, resource_names: ['govstack.authz'] });
    const rb = await b.next();
    assert.equal(revOf(rb), 600);
    const a = open();
    a.send({ node: node('envoy-a2'), type_url: ECDS, resource_names: ['govstack.authz'] });
    const ra = await a.next();
    assert.equal(revOf(ra), 4);
    // a change for SS2 reaches only SS2's nodes (once they answered the previous response: one in flight)
    b.send({ type_url: ECDS, resource_names: ['govstack.authz'], version_info: rb.version_info, response_nonce: rb.nonce });
    a.send({ type_url: ECDS, resource_names: ['govstack.authz'], version_info: ra.version_info, response_nonce: ra.nonce });
    srv.cache.setSnapshot(SS2, { revision: 7, resources: { [ECDS]: [authzResource(700)] } });
    assert.equal(revOf(await b.next()), 700);
    assert.ok(await a.quiet());
  });

  test('node metadata securityServerId maps an unlisted node id to a known security server', async () => {
    const m = open();
    m.send({ node: { id: 'envoy-new', metadata: { fields: { securityServerId: { stringValue: SS2 } } } }, type_url: ECDS, resource_names: ['govstack.authz'] });
    const r = await m.next();
    assert.equal(revOf(r), 700);
    assert.equal(srv.status.get('envoy-new')!.group, SS2);
  });

  test('versions never go backwards: an older revision is refused, a revision is immutable', () => {
    const before = srv.cache.getSnapshot(SS1)!;
    assert.throws(() => srv.cache.setSnapshot(SS1, { revision: 5, resources: { [ECDS]: [authzResource(99)] } }), RevisionOrderError);
    assert.throws(() => srv.cache.setSnapshot(SS1, { revision: 6, resources: { [ECDS]: [authzResource(99)] } }), /immutable/);
    // the same revision with the same content is a no-op
    const again = srv.cache.setSnapshot(SS1, {
      revision: 6,
      resources: { [ECDS]: [authzResource(4), routingResource(5), { ...authzResource(6), name: 'govstack.ratelimit' }] },
    });
    assert.equal(again, before);
  });

  test('a rollback publishes old content under a new version', () => {
    const v1 = srv.cache.findVersion(SS2, ECDS, srv.cache.snapshots(SS2)[0].versions.get(ECDS)!)!;
    const back = srv.cache.setSnapshot(SS2, { revision: 8, resources: { [ECDS]: [authzResource(600)] } });
    assert.notEqual(back.versions.get(ECDS), v1.versions.get(ECDS));
    assert.match(back.versions.get(ECDS)!, /^r8-/);
    // same content hash, so the same 8 hex digits after the revision
    assert.equal(back.versions.get(ECDS)!.slice(3), v1.versions.get(ECDS)!.slice(3));
  });

  test('invalid resources are refused with the field named, and nothing is installed', () => {
    const before = srv.cache.getSnapshot(SS2);
    const bad = authzResource(9);
    ((bad.typed_config as Record<string, Record<string, unknown>>).config).root_idd = 'x';
    assert.throws(() => srv.cache.setSnapshot(SS2, { revision: 9, resources: { [ECDS]: [bad] } }), (e: Error) => e instanceof SnapshotError && /TypedExtensionConfig\[0\].*root_idd/.test(e.message));
    assert.throws(() => srv.cache.setSnapshot(SS2, { revision: 9, resources: { [ECDS]: [authzResource(9), authzResource(9)] } }), /duplicate/);
    assert.equal(srv.cache.getSnapshot(SS2), before);
  });
});

describe('LDS/CDS', () => {
  const listener = (name: string, port: number) => ({
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: name,
      rds: { route_config_name: 'local', config_source: { ads: {}, resource_api_version: 'V3' } },
      http_filters: [
        { name: 'govstack.authz', config_discovery: { config_source: { ads: {}, resource_api_version: 'V3' }, type_urls: ['type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm'] } },
        { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
      ],
    } }] }],
  });
  const route = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }] }] };

  test('references are checked: a listener naming a route config or ECDS filter the snapshot lacks is refused', () => {
    assert.throws(() => srv.cache.setSnapshot('DEV:GOV:9:x', { revision: 1, resources: { [TypeUrl.Listener]: [listener('l', 1)], [TypeUrl.RouteConfiguration]: [], [ECDS]: [authzResource(1)] } }), /RouteConfiguration "local"/);
    assert.throws(() => srv.cache.setSnapshot('DEV:GOV:9:x', { revision: 1, resources: { [TypeUrl.Listener]: [listener('l', 1)], [TypeUrl.RouteConfiguration]: [route], [ECDS]: [] } }), /TypedExtensionConfig "govstack.authz"/);
  });

  test('a legacy-empty LDS request is a wildcard and gets every listener; a removal is a full-state push', async () => {
    const resources = (ls: object[]) => ({ [TypeUrl.Listener]: ls, [TypeUrl.RouteConfiguration]: [route], [ECDS]: [authzResource(10)] }) as never;
    srv.cache.setSnapshot(SS2, { revision: 10, resources: resources([listener('a', 10001), listener('b', 10002)]) });
    const w = open();
    w.send({ node: node('envoy-b1'), type_url: TypeUrl.Listener, resource_names: [] });
    const r = await w.next();
    assert.equal(r.type_url, TypeUrl.Listener);
    assert.equal(r.resources.length, 2);
    w.send({ type_url: TypeUrl.Listener, resource_names: [], version_info: r.version_info, response_nonce: r.nonce });
    srv.cache.setSnapshot(SS2, { revision: 11, resources: resources([listener('a', 10001)]) });
    const r2 = await w.next();
    assert.equal(r2.resources.length, 1, 'full state: b is gone');
    assert.match(r2.version_info, /^r11-/);
  });
});

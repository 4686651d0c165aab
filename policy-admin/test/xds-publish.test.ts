// publishRevision (compiled revision → one snapshot per security server) with hand-made compiled configs,
// and the distribution API (nodes, revision roll-out) over node status fed as the xDS streams feed it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { decodeAny, nestedAny } from '../../host/xds/codec.ts';
import { TypeUrl } from '../../host/xds/protos.ts';
import { SnapshotCache, RevisionOrderError } from '../src/xds/cache.ts';
import { DEFAULT_WASM_FILTERS, publishRevision, type CompiledRevision } from '../src/xds/publish.ts';
import { SnapshotError } from '../src/xds/snapshot.ts';
import { InMemoryNodeStatus } from '../src/xds/status.ts';
import { distributionRoutes } from '../src/xds/routes.ts';

const ECDS = TypeUrl.TypedExtensionConfig;
const A = 'DEV:GOV:1001:SS1';
const B = 'DEV:GOV:1002:SS2';

const compiled = (rev: number, authzA: object, authzB: object = { rev: 1, providers: {} }): CompiledRevision => ({
  rev,
  securityServers: [
    { securityServerId: A, filters: { authz: authzA, 'request-id': '{"header":"x-request-id"}' } },
    { securityServerId: B, filters: { authz: authzB } },
  ],
});

/** The wasm PluginConfig of one published ECDS resource. */
function plugin(cache: SnapshotCache, ss: string, name: string): Record<string, any> & { configuration: string } {
  const r = cache.getSnapshot(ss)!.resources.get(ECDS)!.get(name)!;
  const tec = decodeAny(r.any);
  const wasm = decodeAny(nestedAny(tec.typed_config)!) as { config: Record<string, any> };
  return { ...wasm.config, configuration: decodeAny(nestedAny(wasm.config.configuration)!).value as string };
}

describe('publishRevision', () => {
  test('one ECDS resource per filter per security server, wrapping the wasm filter with its JSON configuration', () => {
    const cache = new SnapshotCache(() => null);
    const res = publishRevision(cache, compiled(1, { rev: 1, providers: { x: 1 } }));
    assert.deepEqual(res.groups.map((g) => g.securityServerId), [A, B]);
    assert.deepEqual([...cache.getSnapshot(A)!.resources.get(ECDS)!.keys()].sort(), ['govstack.authz', 'govstack.requestid']);
    assert.deepEqual([...cache.getSnapshot(B)!.resources.get(ECDS)!.keys()], ['govstack.authz']);
    const p = plugin(cache, A, 'govstack.authz');
    assert.deepEqual(JSON.parse(p.configuration), { rev: 1, providers: { x: 1 } });
    assert.equal(p.root_id, DEFAULT_WASM_FILTERS.authz.rootId);
    assert.equal(p.vm_config.vm_id, DEFAULT_WASM_FILTERS.authz.vmId);
    assert.equal(p.vm_config.code.local.filename, 'filters/authz/build/authz.wasm');
    assert.equal(plugin(cache, A, 'govstack.requestid').configuration, '{"header":"x-request-id"}', 'a string configuration is passed as is');
    // only ECDS is managed by a filters-only revision: LDS/CDS are left to the Envoy's own config
    assert.deepEqual([...cache.getSnapshot(A)!.versions.keys()], [ECDS]);
  });

  test('a revision changing one security server leaves the other at its version; vm_config never changes', () => {
    const cache = new SnapshotCache(() => null);
    publishRevision(cache, compiled(1, { rev: 1 }));
    const vmBefore = plugin(cache, A, 'govstack.authz').vm_config;
    const bBefore = cache.getSnapshot(B)!.versions.get(ECDS);
    const res = publishRevision(cache, compiled(2, { rev: 2 }));
    assert.deepEqual(res.groups.find((g) => g.securityServerId === A)!.changedTypes, [ECDS]);
    assert.deepEqual(res.groups.find((g) => g.securityServerId === B)!.changedTypes, []);
    assert.equal(cache.getSnapshot(B)!.versions.get(ECDS), bBefore);
    assert.equal(cache.getSnapshot(B)!.revision, 2, 'B is at revision 2 (with unchanged content)');
    assert.match(cache.getSnapshot(A)!.versions.get(ECDS)!, /^r2-/);
    assert.deepEqual(plugin(cache, A, 'govstack.authz').vm_config, vmBefore);
  });

  test('bad input names the field and installs nothing (all or nothing across security servers)', () => {
    const cache = new SnapshotCache(() => null);
    publishRevision(cache, compiled(1, { rev: 1 }));
    const before = [cache.getSnapshot(A), cache.getSnapshot(B)];
    const unknown: CompiledRevision = { rev: 2, securityServers: [{ securityServerId: A, filters: { authz: {} } }, { securityServerId: B, filters: { nope: {} } }] };
    assert.throws(() => publishRevision(cache, unknown), (e: Error) => e instanceof SnapshotError && e.message.startsWith('securityServers[1].filters.nope: unknown filter'));
    assert.throws(() => publishRevision(cache, { rev: 2, securityServers: [{ securityServerId: A, filters: { authz: '{rev:' } }] }), /securityServers\[0\]\.filters\.authz: configuration is not JSON/);
    assert.throws(() => publishRevision(cache, { rev: 2, securityServers: [{ securityServerId: '', filters: {} }] }), /securityServers\[0\]\.securityServerId/);
    assert.throws(() => publishRevision(cache, { rev: 2, securityServers: [{ securityServerId: A, filters: {}, clusters: [{ name: 'c', connect_timeout: 'soon' }] }] }), /Cluster\[0\].*connect_timeout/);
    assert.deepEqual([cache.getSnapshot(A), cache.getSnapshot(B)], before);
  });

  test('versions never go backwards: an older revision is refused for every security server', () => {
    const cache = new SnapshotCache(() => null);
    publishRevision(cache, compiled(5, { rev: 5 }));
    assert.throws(() => publishRevision(cache, compiled(4, { rev: 4 })), RevisionOrderError);
    assert.throws(() => publishRevision(cache, compiled(5, { rev: 'other' })), /immutable/);
    assert.equal(publishRevision(cache, compiled(5, { rev: 5 })).groups[0].changedTypes.length, 0, 'republishing the same revision is a no-op');
  });
});

describe('distribution API', () => {
  async function app(authorize?: (req: unknown) => void) {
    const cache = new SnapshotCache(() => null);
    const status = new InMemoryNodeStatus();
    const f = Fastify();
    await f.register(distributionRoutes, { prefix: '/api/v1', cache, status, authorize });
    return { f, cache, status };
  }

  test('nodes and a revision roll-out: ACKED, NACKED, PENDING, DISCONNECTED', async () => {
    const { f, cache, status } = await app();
    const s1 = publishRevision(cache, compiled(1, { rev: 1 }));
    const v1 = s1.groups[0].versions[ECDS];
    // four Envoys of A, as the ADS streams would report them
    for (const id of ['a1', 'a2', 'a3', 'a4']) {
      status.streamOpened(id, A, { peer: '127.0.0.1:1' });
      status.requested(id, ECDS, ['govstack.authz'], '');
      status.sent(id, ECDS, v1, `${id}-n1`);
      status.acked(id, ECDS, v1, new Map([['govstack.authz', 'h1']]));
    }
    const v2 = publishRevision(cache, compiled(2, { rev: 2 })).groups[0].versions[ECDS];
    status.sent('a1', ECDS, v2, 'a1-n2');
    status.acked('a1', ECDS, v2, new Map([['govstack.authz', 'h2']]));
    status.sent('a2', ECDS, v2, 'a2-n2');
    status.nacked('a2', ECDS, v2, 'a2-n2', 'authz: configure failed', 3);
    status.sent('a3', ECDS, v2, 'a3-n2');
    status.streamClosed('a4');

    const nodes = await f.inject('/api/v1/distribution/nodes');
    assert.equal(nodes.statusCode, 200);
    const list = nodes.json().nodes as any[];
    assert.deepEqual(list.map((n) => n.nodeId), ['a1', 'a2', 'a3', 'a4']);
    assert.equal(list[1].lastNack.message, 'authz: configure failed');
    assert.equal(list[1].types[ECDS].version, v1);
    assert.deepEqual(list[0].types[ECDS].resources, { 'govstack.authz': { version: v2, sha256: 'h2' } });
    assert.deepEqual(list[1].types[ECDS].resources, { 'govstack.authz': { version: v1, sha256: 'h1' } });
    assert.equal(list[3].connected, false);
    assert.equal(list[0].snapshotRevision, 2);

    const r2 = (await f.inject('/api/v1/distribution/revisions/2')).json();
    assert.equal(r2.inForce, false);
    const byNode = Object.fromEntries(r2.groups.find((g: any) => g.securityServerId === A).nodes.map((n: any) => [n.nodeId, n.state]));
    assert.deepEqual(byNode, { a1: 'ACKED', a2: 'NACKED', a3: 'PENDING', a4: 'DISCONNECTED' });
    assert.deepEqual(r2.summary, { nodes: 4, ACKED: 1, NACKED: 1, PENDING: 1, DISCONNECTED: 1 });

    // revision 1 is in force on every node (a1 runs a later one)
    const r1 = (await f.inject('/api/v1/distribution/revisions/1')).json();
    assert.equal(r1.inForce, true);

    const missing = await f.inject('/api/v1/distribution/revisions/3');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'revision_not_distributed');
    assert.equal((await f.inject('/api/v1/distribution/revisions/abc')).statusCode, 400);
    await f.close();
  });

  test('authorize runs before the handlers', async () => {
    const { f } = await app(() => {
      throw Object.assign(new Error('needs a key'), { statusCode: 401 });
    });
    assert.equal((await f.inject('/api/v1/distribution/nodes')).statusCode, 401);
    await f.close();
  });
});

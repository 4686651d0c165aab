// host/xds EcdsClient against the policy-admin xDS server: the wasm filter's configuration string arrives,
// accept → ACK, reject → NACK with the message (old config kept on both sides, visible in node status),
// reconnect after a server restart resumes with the right version, versions only move forward, and the
// standalone ECDS service works the same way.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { accept, EcdsClient, reject, type EcdsUpdate } from '../../host/xds/ecds-client.ts';
import { TypeUrl } from '../../host/xds/protos.ts';
import { publishRevision, type CompiledRevision } from '../../policy-admin/src/xds/publish.ts';
import { SS1, SS2, startServer, until, type TestServer } from './helpers.ts';

const ECDS = TypeUrl.TypedExtensionConfig;
const servers: TestServer[] = [];
const clients: EcdsClient[] = [];
after(async () => {
  for (const c of clients) c.stop();
  await Promise.all(servers.map((s) => s.close()));
});

async function server(port = 0): Promise<TestServer> {
  const s = await startServer(port);
  servers.push(s);
  return s;
}

/** A compiled revision: authz rev marker per security server; `bad` makes SS1's authz config one the
 *  test's filter stand-in refuses. */
function compiled(rev: number, opts: { bad?: boolean; ss2?: boolean } = {}): CompiledRevision {
  const ss = [{ securityServerId: SS1, filters: { authz: { rev, ...(opts.bad ? { broken: true } : {}) }, 'header-routing': { rev, rules: [] } } }];
  if (opts.ss2) ss.push({ securityServerId: SS2, filters: { authz: { rev: rev * 100 }, 'header-routing': { rev, rules: [] } } });
  return { rev, securityServers: ss };
}

interface Seen { updates: EcdsUpdate[]; applied: Map<string, number> }

function client(s: TestServer, nodeId: string, transport: 'ads' | 'ecds' = 'ads'): { c: EcdsClient; seen: Seen } {
  const seen: Seen = { updates: [], applied: new Map() };
  const c = new EcdsClient({
    server: s.address,
    node: { id: nodeId, cluster: 'gateway' },
    resourceNames: ['govstack.authz', 'govstack.routing'],
    transport,
    backoff: { initialMs: 20, maxMs: 200 },
    onUpdate(u) {
      seen.updates.push(u);
      // stand-in for the filter's configure: refuse a config with `broken`, like a plugin returning false
      for (const [name, cfg] of u.configs) {
        const parsed = JSON.parse(cfg.wasm!.configuration);
        if (parsed.broken) return reject(`${name}: configure failed: unknown field 'broken'`);
      }
      for (const [name, cfg] of u.configs) seen.applied.set(name, JSON.parse(cfg.wasm!.configuration).rev);
      return accept();
    },
  });
  clients.push(c);
  c.start();
  return { c, seen };
}

const revNum = (v: string) => Number(/^r(\d+)-/.exec(v)![1]);

describe('EcdsClient over ADS', () => {
  let s: TestServer;
  let c: EcdsClient;
  let seen: Seen;
  const versions: string[] = [];

  test('receives both filters, unpacks the wasm configuration, ACKs', async () => {
    s = await server();
    publishRevision(s.cache, compiled(1));
    ({ c, seen } = client(s, 'envoy-a1'));
    await until(() => c.version !== '', 3000, 'first config');
    versions.push(c.version);
    assert.equal(c.state, 'connected');
    assert.deepEqual([...seen.applied], [['govstack.authz', 1], ['govstack.routing', 1]]);
    const authz = c.configs.get('govstack.authz')!;
    assert.equal(authz.typeUrl, 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm');
    assert.equal(authz.wasm!.rootId, 'authz');
    assert.equal(authz.wasm!.vmId, 'authz');
    assert.equal(authz.wasm!.codeFilename, 'filters/authz/build/authz.wasm');
    // proto3 JSON, as host/gateway's applyFilterConfig takes it
    assert.equal((authz.typedConfig as { '@type': string })['@type'], authz.typeUrl);
    await until(() => s.status.get('envoy-a1')?.types[ECDS]?.version === c.version, 3000, 'ACK recorded');
  });

  test('a new revision arrives and is ACKed', async () => {
    publishRevision(s.cache, compiled(2));
    await until(() => seen.applied.get('govstack.authz') === 2, 3000, 'rev 2');
    await until(() => s.status.get('envoy-a1')!.types[ECDS].version === c.version);
    versions.push(c.version);
  });

  test('a config the filter rejects is NACKed: the old config stays, the NACK is in node status', async () => {
    const n = seen.updates.length;
    const before = c.version;
    publishRevision(s.cache, compiled(3, { bad: true }));
    await until(() => s.status.get('envoy-a1')!.lastNack !== null, 3000, 'NACK recorded');
    const st = s.status.get('envoy-a1')!;
    assert.equal(st.lastNack!.message, "govstack.authz: configure failed: unknown field 'broken'");
    assert.match(st.lastNack!.version, /^r3-/);
    assert.equal(st.types[ECDS].version, before, 'node status: still running the old version');
    assert.equal(c.version, before, 'client: still at the old version');
    assert.equal(seen.applied.get('govstack.authz'), 2);
    assert.equal(seen.updates.length, n + 1);
    // the fix arrives as a new revision
    publishRevision(s.cache, compiled(4));
    await until(() => seen.applied.get('govstack.authz') === 4, 3000, 'rev 4');
    await until(() => s.status.get('envoy-a1')!.types[ECDS].version === c.version);
    versions.push(c.version);
  });

  test('reconnect after a control-plane restart resumes with the right version (no resend of unchanged content)', async () => {
    const port = s.port;
    const at = c.version;
    const n = seen.updates.length;
    await s.close();
    await until(() => c.state === 'backoff', 3000, 'client notices');
    // the restarted policy-admin republishes the same revision: same content → same versions
    s = await server(port);
    publishRevision(s.cache, compiled(4));
    await until(() => s.status.get('envoy-a1')?.connected === true, 5000, 'reconnected');
    await until(() => s.status.get('envoy-a1')!.types[ECDS]?.version === at, 3000, 'resumed at the reported version');
    assert.equal(s.status.get('envoy-a1')!.types[ECDS].reportedVersion, at);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen.updates.length, n, 'nothing resent');
    assert.equal(c.version, at);
  });

  test('a revision published while the client was away is delivered on reconnect', async () => {
    const port = s.port;
    await s.close();
    s = await server(port);
    publishRevision(s.cache, compiled(5));
    await until(() => seen.applied.get('govstack.authz') === 5, 5000, 'rev 5 after reconnect');
    versions.push(c.version);
  });

  test('versions the client ran only went forward', () => {
    const nums = versions.map(revNum);
    assert.deepEqual(nums, [...nums].sort((a, b) => a - b));
    assert.equal(new Set(versions).size, versions.length);
    assert.deepEqual(nums, [1, 2, 4, 5]);
  });
});

describe('EcdsClient over the standalone ECDS service, two node groups', () => {
  test('each security server gets its own configuration', async () => {
    const s = await server();
    publishRevision(s.cache, compiled(7, { ss2: true }));
    const a = client(s, 'envoy-a1', 'ecds');
    const b = client(s, 'envoy-b1', 'ecds');
    await until(() => a.seen.applied.size === 2 && b.seen.applied.size === 2, 3000, 'both configured');
    assert.equal(a.seen.applied.get('govstack.authz'), 7);
    assert.equal(b.seen.applied.get('govstack.authz'), 700);
    publishRevision(s.cache, compiled(8, { ss2: true }));
    await until(() => a.seen.applied.get('govstack.authz') === 8 && b.seen.applied.get('govstack.authz') === 800, 3000, 'rev 8 on both');
    a.c.stop();
    b.c.stop();
    await until(() => !s.status.get('envoy-a1')!.connected && !s.status.get('envoy-b1')!.connected, 3000, 'disconnect recorded');
  });
});

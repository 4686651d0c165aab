// Interop: the repository's xDS bootstrap (envoy/xds/bootstrap.yaml) on the dev gateway, fed by the
// policy-admin's own ADS server (policy-admin/src/xds) with revisions made by publishRevision — the
// data path of `npm start` without the REST API. A revoked right is enforced within a second, with no
// restart; a policy the authz filter rejects is NACKed, shows in the node status, and the old one stays.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InMemoryNodeStatus, publishRevision, SnapshotCache, securityServerResolver, XdsServer, TypeUrl } from '../../policy-admin/src/xds/index.ts';
import { parseGatewayConfig } from '../../host/gateway/config/parse.ts';
import { startGateway, type Gateway } from '../../host/gateway/gateway.ts';
import { getJson, upstreams, type Upstream } from './helpers.ts';
import { moduleBytes, ROOT } from '../lib/modules.ts';

const SS = 'DEV:GOV:1001:SS1';
const PATH = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/42';
const CLIENT = { 'X-Road-Client': 'DEV/GOV/1002/patient-records' };

const filters = (rev: number, granted: boolean, authzOverride?: object) => ({
  'request-id': { header_name: 'x-request-id' },
  authz: authzOverride ?? {
    rev,
    clients: { 'DEV:GOV:1002:patient-records': { connectionType: 'HTTP' } },
    providers: { 'DEV:GOV:1001:civil-registry': { births: {
      endpoints: [{ id: 'ep-births', m: 'GET', p: '/v1/births/*' }],
      rights: granted ? [{ id: 'ar-1', ep: 'ep-births', clients: ['DEV:GOV:1002:patient-records'], mode: 'ENFORCE' }] : [],
    } } },
  },
  'rate-limit': { mode: 'local', actions: [{ source: 'client_id' }], descriptors: [{ name: 'c', entries: [{ key: 'client_id' }], rate_limit: { requests_per_unit: 1000, unit: 'minute' } }] },
  'header-routing': { route_header: 'x-route-cluster', default_cluster: 'civil-registry', rules: [] },
});

let cache: SnapshotCache;
let status: InMemoryNodeStatus;
let xds: XdsServer;
let ups: Upstream[] = [];
let gw: Gateway;
let url = '';

before(async () => {
  for (const m of ['filters/request-id', 'filters/authz', 'filters/rate-limit', 'filters/header-routing']) moduleBytes(m);
  cache = new SnapshotCache(securityServerResolver({ nodeIds: () => new Map([['envoy-ss1', SS]]), securityServers: () => new Set([SS]) }));
  status = new InMemoryNodeStatus();
  xds = new XdsServer({ cache, status, controlPlaneId: 'policy-admin' });
  const port = await xds.listen('127.0.0.1', 0);
  publishRevision(cache, { rev: 1, securityServers: [{ securityServerId: SS, filters: filters(1, true) }] });
  ups = await upstreams('civil-registry', 'civil-registry-canary');
  const config = parseGatewayConfig(readFileSync(`${ROOT}/envoy/xds/bootstrap.yaml`, 'utf8'), { baseDir: ROOT });
  config.clusters.get('policy_admin_xds')!.endpoints[0].port = port;
  config.clusters.get('civil-registry')!.endpoints[0].port = ups[0].port;
  config.clusters.get('civil-registry-canary')!.endpoints[0].port = ups[1].port;
  gw = await startGateway({ config }, { ephemeralPorts: true, baseDir: ROOT, accessLog: () => {}, log: () => {} });
  url = [...gw.listeners.values()][0].url;
});

after(async () => {
  await gw?.close();
  await xds?.close();
  await Promise.all(ups.map((u) => u.close()));
});

async function until(cond: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

test('envoy/xds/bootstrap.yaml + policy-admin ADS: the gateway warms on revision 1 and serves the allowed request', async () => {
  const r = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(r.status, 200);
  assert.equal(r.json?.served_by, 'civil-registry');
  assert.equal(r.headers.get('x-road-policy-rev'), '1');
  assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  const node = status.get('envoy-ss1')!;
  assert.equal(node.connected, true);
  assert.match(node.types[TypeUrl.TypedExtensionConfig].version ?? '', /^r1-/, 'revision 1 ACKed');
});

test('a revision without the right is enforced within a second, no restart; a bad policy is NACKed and shows in the node status', async () => {
  publishRevision(cache, { rev: 2, securityServers: [{ securityServerId: SS, filters: filters(2, false) }] });
  const ms = await until(async () => (await getJson(url + PATH, { headers: CLIENT })).status === 403, 1000);
  assert.ok(ms <= 1000);
  publishRevision(cache, { rev: 3, securityServers: [{ securityServerId: SS, filters: filters(3, true, { rev: 3, providers: { bad: {} } }) }] });
  await until(async () => status.get('envoy-ss1')?.lastNack !== null, 2000);
  const nack = status.get('envoy-ss1')!.lastNack!;
  assert.match(nack.version, /^r3-/);
  assert.match(nack.message, /^govstack\.authz: .*policy rejected/);
  assert.match(status.get('envoy-ss1')!.types[TypeUrl.TypedExtensionConfig].version ?? '', /^r2-/, 'the node still runs revision 2');
  const r = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-road-policy-rev'), '2');
});

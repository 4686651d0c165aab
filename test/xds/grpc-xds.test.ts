// A real xDS client, @grpc/grpc-js-xds, against the policy-admin xDS server: it resolves `xds:///rls.test`
// through LDS (api_listener + HCM with RDS over ADS) → RDS → CDS (EDS cluster) → EDS, and real gRPC calls
// reach the loopback backend the snapshot names. Then a routing change moves traffic to a second
// backend with no restart, a listener grpc-js-xds rejects is NACKed (traffic keeps the old config, the
// NACK with grpc's message is in node status), and the revision roll-out reflects all of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { register } from '@grpc/grpc-js-xds';
import { LOADER_OPTIONS, TypeUrl } from '../../host/xds/protos.ts';
import type { JsonObject } from '../../host/xds/codec.ts';
import { publishRevision } from '../../policy-admin/src/xds/publish.ts';
import { revisionRollout } from '../../policy-admin/src/xds/rollout.ts';
import { SS1, startServer, until, type TestServer } from './helpers.ts';

register();

const rlsPkg = grpc.loadPackageDefinition(protoLoader.loadSync('envoy/service/ratelimit/v3/rls.proto', LOADER_OPTIONS));
const Rls = (rlsPkg.envoy as any).service.ratelimit.v3.RateLimitService as grpc.ServiceClientConstructor;

/** A RateLimitService backend that answers with its own name in `raw_body`, so the test sees who served. */
async function backend(name: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(Rls.service, {
    ShouldRateLimit: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { overall_code: 'OK', raw_body: Buffer.from(name) }),
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { server, port };
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ADS = { ads: {}, resource_api_version: 'V3' };

function listener(configSource: JsonObject = ADS): JsonObject {
  return {
    name: 'rls.test',
    api_listener: { api_listener: {
      '@type': HCM,
      stat_prefix: 'rls',
      rds: { route_config_name: 'rls-route', config_source: configSource },
      http_filters: [{ name: 'router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    } },
  };
}
const route = (cluster: string) => ({
  name: 'rls-route',
  virtual_hosts: [{ name: 'rls', domains: ['rls.test'], routes: [{ match: { prefix: '' }, route: { cluster } }] }],
});
const cluster = (name: string) => ({ name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: ADS }, lb_policy: 'ROUND_ROBIN' });
const endpoints = (name: string, port: number) => ({
  cluster_name: name,
  endpoints: [{
    locality: { region: 'local', zone: 'loopback' },
    load_balancing_weight: 1, // gRPC ignores localities without a weight
    lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }],
  }],
});

let srv: TestServer;
const backends: { server: grpc.Server; port: number }[] = [];
let client: grpc.Client & Record<string, Function>;

before(async () => {
  srv = await startServer();
  backends.push(await backend('A'), await backend('B'));
  const bootstrap = {
    xds_servers: [{ server_uri: srv.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'grpc-a1', locality: {} },
  };
  client = new Rls('xds:///rls.test', grpc.credentials.createInsecure(), {
    'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
  }) as typeof client;
});
after(async () => {
  client?.close();
  await new Promise((r) => setTimeout(r, 100)); // let grpc-js-xds drop its watches before the server goes
  await srv.close();
  for (const b of backends) b.server.forceShutdown();
});

function call(): Promise<string> {
  return new Promise((resolve, reject) => {
    client.ShouldRateLimit({ domain: 'test' }, { deadline: Date.now() + 2000 }, (err: grpc.ServiceError | null, res: { raw_body?: Buffer }) => (err ? reject(err) : resolve(Buffer.from(res.raw_body ?? []).toString())));
  });
}
async function servedBy(name: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    last = await call().catch((e: Error) => `error: ${e.message}`);
    if (last === name) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not served by ${name} within ${ms} ms (last: ${last})`);
}

const types = [TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment];

describe('@grpc/grpc-js-xds against the policy-admin xDS server', () => {
  test('LDS → RDS → CDS → EDS: a real call reaches the backend the snapshot names, every type ACKed', async () => {
    publishRevision(srv.cache, { rev: 1, securityServers: [{
      securityServerId: SS1, filters: {},
      listeners: [listener()], routes: [route('backend-a')], clusters: [cluster('backend-a')], endpoints: [endpoints('backend-a', backends[0].port)],
    }] });
    await servedBy('A');
    const snap = srv.cache.getSnapshot(SS1)!;
    await until(() => types.every((t) => srv.status.get('grpc-a1')?.types[t]?.version === snap.versions.get(t)), 3000, 'ACKs of all four types');
    const st = srv.status.get('grpc-a1')!;
    assert.equal(st.connected, true);
    assert.equal(st.lastNack, null);
    assert.deepEqual(st.types[TypeUrl.Listener].subscribed, ['rls.test']);
    assert.match(st.userAgent ?? '', /grpc/i);
    const r = revisionRollout(1, srv.cache, srv.status)!;
    assert.equal(r.inForce, true);
    assert.deepEqual(r.groups[0].nodes.map((n) => [n.nodeId, n.state]), [['grpc-a1', 'ACKED']]);
  });

  test('a routing change moves traffic to the new cluster at runtime; unchanged LDS keeps its version', async () => {
    const v1 = srv.cache.getSnapshot(SS1)!.versions;
    publishRevision(srv.cache, { rev: 2, securityServers: [{
      securityServerId: SS1, filters: {},
      listeners: [listener()], routes: [route('backend-b')],
      clusters: [cluster('backend-a'), cluster('backend-b')],
      endpoints: [endpoints('backend-a', backends[0].port), endpoints('backend-b', backends[1].port)],
    }] });
    await servedBy('B');
    const v2 = srv.cache.getSnapshot(SS1)!.versions;
    assert.equal(v2.get(TypeUrl.Listener), v1.get(TypeUrl.Listener));
    assert.match(v2.get(TypeUrl.RouteConfiguration)!, /^r2-/);
    await until(() => revisionRollout(2, srv.cache, srv.status)!.inForce, 3000, 'rev 2 in force');
  });

  test('a listener grpc-js-xds rejects is NACKed: calls keep the old config, node status shows the NACK', async () => {
    const before = srv.status.get('grpc-a1')!.types[TypeUrl.Listener].version;
    // valid for Envoy, but gRPC takes RDS over ADS only
    const notAds = { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] }, resource_api_version: 'V3' };
    publishRevision(srv.cache, { rev: 3, securityServers: [{
      securityServerId: SS1, filters: {},
      listeners: [listener(notAds)], routes: [route('backend-a')],
      clusters: [cluster('backend-a'), cluster('backend-b')],
      endpoints: [endpoints('backend-a', backends[0].port), endpoints('backend-b', backends[1].port)],
    }] });
    await until(() => srv.status.get('grpc-a1')!.lastNack !== null, 5000, 'NACK');
    const st = srv.status.get('grpc-a1')!;
    assert.equal(st.lastNack!.typeUrl, TypeUrl.Listener);
    assert.match(st.lastNack!.version, /^r3-/);
    assert.match(st.lastNack!.message, /config_source/);
    assert.equal(st.types[TypeUrl.Listener].version, before, 'the node still runs the old listener');
    const r = revisionRollout(3, srv.cache, srv.status)!;
    assert.equal(r.inForce, false);
    assert.equal(r.groups[0].nodes[0].state, 'NACKED');
    // RDS itself was valid and ACKed: rev 3's route (back to A) is applied through the old listener
    await servedBy('A');
  });
});

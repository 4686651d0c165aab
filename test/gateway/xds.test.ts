// config_discovery over a real ADS stream: an ADS server written here (grpc-js, Envoy's ads.proto via
// host/xds) sends TypedExtensionConfig resources; the gateway subscribes for its filter's name, applies
// each update on its VMs and ACKs, or NACKs with the filter's reason and keeps the old config.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { adsService, TypeUrl, type DiscoveryRequest, type DiscoveryResponse } from '../../host/xds/protos.ts';
import { encodeResource } from '../../host/xds/codec.ts';
import { bootstrap, cluster, gateway, getJson, upstreams, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes } from '../lib/modules.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

const requests: DiscoveryRequest[] = [];
let waiters: Array<() => void> = [];
let stream: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse> | null = null;
let server: grpc.Server;
let ups: Upstream[] = [];
let gw: Gateway;
let url = '';
let xdsPort = 0;
let startMs = 0;

const PATH = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/42';
const CLIENT = { 'X-Road-Client': 'DEV/GOV/1002/patient-records' };
const policy = (rev: number, ep = 'ep-births') => JSON.stringify({
  rev,
  clients: { 'DEV:GOV:1002:patient-records': { connectionType: 'HTTP' } },
  providers: { 'DEV:GOV:1001:civil-registry': { births: {
    endpoints: [{ id: 'ep-births', m: 'GET', p: '/v1/births/*' }],
    rights: rev === 3 ? [] : [{ id: 'ar-1', ep, clients: ['DEV:GOV:1002:patient-records'], mode: 'ENFORCE' }],
  } } },
});
const resource = (configuration: string) => encodeResource(TypeUrl.TypedExtensionConfig, {
  name: 'govstack.authz',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
    config: {
      name: 'govstack.authz', root_id: 'authz',
      configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: configuration },
      vm_config: { vm_id: 'authz', runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: modulePath('filters/authz') } } },
    },
  },
});

/** Waits for the next DiscoveryRequest from the gateway (the ACK/NACK of what was sent). */
async function nextRequest(after: number): Promise<DiscoveryRequest> {
  while (requests.length <= after) await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 5000).unref(); });
  return requests[after];
}
function send(version: string, nonce: string, configuration: string) {
  stream!.write({ version_info: version, nonce, type_url: TypeUrl.TypedExtensionConfig, resources: [resource(configuration)] });
}

before(async () => {
  moduleBytes('filters/authz');
  server = new grpc.Server();
  server.addService(adsService().service, {
    StreamAggregatedResources: (s: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
      let first = true;
      s.on('data', (r: DiscoveryRequest) => {
        if (r.node?.id === 'ss-silent') return; // a control plane that never answers: the gateway warms until its timeout
        stream = s;
        requests.push(r);
        const w = waiters; waiters = []; for (const f of w) f();
        // the initial config goes out at once (the gateway is warming: no listener accepts requests before it)
        if (first) { first = false; send('1', 'n1', policy(1)); }
      });
      s.on('error', () => {});
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  ups = await upstreams('registry');
  xdsPort = port;
  const yaml = bootstrap({
    routes: `
              - match: { prefix: "/r1/" }
                route: { cluster: registry }`,
    filters: `
          - name: govstack.authz
            config_discovery:
              config_source: { ads: {}, resource_api_version: V3 }
              type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"]`,
    clusters: cluster('registry', ups[0].port) + cluster('xds', port, '\n    http2_protocol_options: {}'),
    extra: `
dynamic_resources:
  ads_config: { api_type: GRPC, transport_api_version: V3, grpc_services: [ { envoy_grpc: { cluster_name: xds } } ] }
node: { id: ss-dev-1, cluster: DEV/GOV/1001 }`,
  });
  const t0 = Date.now();
  const g = await gateway(yaml);
  startMs = Date.now() - t0;
  gw = g.gw;
  url = g.url;
});

after(async () => {
  await gw?.close();
  await Promise.all(ups.map((u) => u.close()));
  server?.forceShutdown();
});

test('the gateway subscribes for its filter over ADS, warms until the first config is applied, applies updates and ACKs; a rejected update is NACKed and the old policy stays', async () => {
  const first = await nextRequest(0);
  assert.equal(first.type_url, TypeUrl.TypedExtensionConfig);
  assert.deepEqual(first.resource_names, ['govstack.authz']);
  assert.equal(first.node?.id, 'ss-dev-1');
  const ack = await nextRequest(1);
  assert.equal(ack.version_info, '1');
  assert.equal(ack.response_nonce, 'n1');
  assert.ok(!ack.error_detail, 'ACK');
  assert.ok(startMs < 10_000, `started once the config was applied, not at the 15 s initial_fetch_timeout (${startMs} ms)`);
  const ok = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('x-road-policy-rev'), '1');

  send('2', 'n2', policy(2, 'ep-missing'));
  const nack = await nextRequest(2);
  assert.equal(nack.version_info, '1', 'still the accepted version');
  assert.equal(nack.response_nonce, 'n2');
  assert.match(nack.error_detail?.message ?? '', /^govstack\.authz: .*ep-missing/);
  assert.equal((await getJson(url + PATH, { headers: CLIENT })).headers.get('x-road-policy-rev'), '1', 'the old policy decides');

  send('3', 'n3', policy(3));
  const ack3 = await nextRequest(3);
  assert.equal(ack3.version_info, '3');
  assert.ok(!ack3.error_detail);
  const denied = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(denied.status, 403, 'the right was removed at runtime, no restart');
  assert.equal(gw.discovered.get('govstack.authz')?.versionInfo, '3');
});

test('warming ends at initial_fetch_timeout when the control plane stays silent; then default_config is in force', async () => {
  const dflt = `
              default_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                config:
                  name: govstack.authz
                  root_id: authz
                  configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: ${JSON.stringify(JSON.stringify(JSON.parse(policy(7))))} }
                  vm_config: { vm_id: authz, runtime: envoy.wasm.runtime.v8, code: { local: { filename: ${JSON.stringify(modulePath('filters/authz'))} } } }`;
  const yaml = bootstrap({
    routes: `
              - match: { prefix: "/r1/" }
                route: { cluster: registry }`,
    filters: `
          - name: govstack.authz
            config_discovery:
              config_source: { ads: {}, resource_api_version: V3, initial_fetch_timeout: 0.3s }
              type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"]${dflt}`,
    clusters: cluster('registry', ups[0].port) + cluster('xds', xdsPort, '\n    http2_protocol_options: {}'),
    extra: `
dynamic_resources:
  ads_config: { api_type: GRPC, transport_api_version: V3, grpc_services: [ { envoy_grpc: { cluster_name: xds } } ] }
node: { id: ss-silent }`,
  });
  const t0 = Date.now();
  const g = await gateway(yaml);
  try {
    assert.ok(Date.now() - t0 >= 280, 'the listener warmed for initial_fetch_timeout');
    assert.ok(g.logs.some((l) => l.includes('using default_config')));
    const r = await getJson(g.url + PATH, { headers: CLIENT });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-road-policy-rev'), '7', 'the default policy');
  } finally {
    await g.gw.close();
  }
});

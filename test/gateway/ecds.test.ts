// config_discovery (ECDS) on the gateway side: a filter whose configuration arrives at runtime. Until the
// xDS client delivers resources, the same entry point (applyFilterConfig) is driven directly: a good
// config is applied on the running VMs (ACK), a config the filter rejects leaves the old one in force
// (NACK with the guest's reason), a code change starts new VMs, and a filter with no config answers 500.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrap, cluster, gateway, getJson, upstreams, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes } from '../lib/modules.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

let ups: Upstream[] = [];
const gws: Gateway[] = [];

before(async () => {
  for (const m of ['filters/authz', 'examples/hello-world']) moduleBytes(m);
  ups = await upstreams('registry');
});
after(async () => {
  await Promise.all(gws.map((g) => g.close()));
  await Promise.all(ups.map((u) => u.close()));
});

const PATH = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/42';
const CLIENT = { 'X-Road-Client': 'DEV/GOV/1002/patient-records' };

const policy = (rev: number, granted: boolean) => JSON.stringify({
  rev,
  clients: { 'DEV:GOV:1002:patient-records': { connectionType: 'HTTP' } },
  providers: { 'DEV:GOV:1001:civil-registry': { births: {
    endpoints: [{ id: 'ep-births', m: 'GET', p: '/v1/births/*' }],
    rights: granted ? [{ id: 'ar-1', ep: 'ep-births', clients: ['DEV:GOV:1002:patient-records'], mode: 'ENFORCE' }] : [],
  } } },
});

/** The ECDS resource: envoy.extensions.filters.http.wasm.v3.Wasm in proto3 JSON, as xDS delivers it. */
const wasmResource = (configuration: string, file = modulePath('filters/authz'), rootId = 'authz') => ({
  '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
  config: {
    name: 'govstack.authz', root_id: rootId,
    configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: configuration },
    vm_config: { vm_id: 'authz', runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: file } } },
  },
});

function yaml(defaultConfig = '') {
  const filters = `
          - name: govstack.authz
            config_discovery:
              config_source: { ads: {}, resource_api_version: V3 }
              type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"]${defaultConfig}`;
  const routes = `
              - match: { prefix: "/r1/" }
                route: { cluster: registry }`;
  const extra = `
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services:
    - envoy_grpc: { cluster_name: xds }
node: { id: ss-dev-1, cluster: DEV/GOV/1001 }`;
  return bootstrap({ routes, filters, clusters: cluster('registry', ups[0].port) + cluster('xds', 1, '\n    http2_protocol_options: {}'), extra });
}

test('no config yet and no default: the filter answers 500 (Envoy\'s missing filter config), nothing goes upstream', async () => {
  const { gw, url, access } = await gateway(yaml(), { xds: false });
  gws.push(gw);
  const r = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(r.status, 500);
  assert.match(access.at(-1)!, /" 500 NFCF /);
  assert.equal(gw.discovered.get('govstack.authz')?.versionInfo, '');
});

test('ACK: a policy applied at runtime is enforced on the next request; a revoked right denies at once, without restart', async () => {
  const { gw, url } = await gateway(yaml(), { xds: false });
  gws.push(gw);
  assert.deepEqual(gw.applyFilterConfig('govstack.authz', wasmResource(policy(1, true)), 'v1'), { ok: true });
  assert.equal((await getJson(url + PATH, { headers: CLIENT })).status, 200);
  const vmsBefore = gw.filters.get('main/govstack.authz')!.plugin!.workers.map((w) => w.vm);
  assert.deepEqual(gw.applyFilterConfig('govstack.authz', wasmResource(policy(2, false)), 'v2'), { ok: true });
  const denied = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('x-road-policy-rev'), '2');
  assert.deepEqual(gw.filters.get('main/govstack.authz')!.plugin!.workers.map((w) => w.vm), vmsBefore, 'same VMs: only on_configure ran');
  assert.equal(gw.discovered.get('govstack.authz')?.versionInfo, 'v2');
  assert.equal(gw.stats.value('extension_config_discovery.http_filter.govstack.authz.config_reload'), 2);
  // the same config in a later version (another resource changed): ACKed, not reloaded
  const rootBefore = gw.filters.get('main/govstack.authz')!.plugin!.workers[0].root;
  assert.deepEqual(gw.applyFilterConfig('govstack.authz', wasmResource(policy(2, false)), 'v3'), { ok: true });
  assert.equal(gw.discovered.get('govstack.authz')?.versionInfo, 'v3');
  assert.equal(gw.filters.get('main/govstack.authz')!.plugin!.workers[0].root, rootBefore, 'no new root context');
  assert.equal(gw.stats.value('extension_config_discovery.http_filter.govstack.authz.config_reload'), 2);
});

test('NACK: a policy the filter rejects keeps the old one in force and reports the guest\'s reason', async () => {
  const { gw, url } = await gateway(yaml(), { xds: false });
  gws.push(gw);
  assert.equal(gw.applyFilterConfig('govstack.authz', wasmResource(policy(1, true)), 'v1').ok, true);
  const bad = JSON.parse(policy(2, true));
  bad.providers['DEV:GOV:1001:civil-registry'].births.rights[0].ep = 'ep-missing';
  const r = gw.applyFilterConfig('govstack.authz', wasmResource(JSON.stringify(bad)), 'v2');
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /ep-missing/, 'the reason names what is wrong');
  const d = gw.discovered.get('govstack.authz')!;
  assert.equal(d.versionInfo, 'v1', 'still on the accepted version');
  assert.match(d.lastError ?? '', /ep-missing/);
  const ok = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(ok.status, 200, 'the old policy still decides');
  assert.equal(ok.headers.get('x-road-policy-rev'), '1');
  assert.equal(gw.stats.value('extension_config_discovery.http_filter.govstack.authz.config_fail'), 1);
  // not even a Wasm message: NACKed by the Envoy API check before any VM sees it
  const wrong = gw.applyFilterConfig('govstack.authz', { '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm', config: { nmae: 'x' } });
  assert.equal(wrong.ok, false);
  assert.match((wrong as { error: string }).error, /nmae/);
});

test('default_config is in force from the start; a code change in an update starts new VMs', async () => {
  const dflt = `
              default_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                config:
                  name: govstack.authz
                  root_id: authz
                  configuration:
                    "@type": type.googleapis.com/google.protobuf.StringValue
                    value: ${JSON.stringify(policy(7, true))}
                  vm_config:
                    vm_id: authz
                    runtime: envoy.wasm.runtime.v8
                    code: { local: { filename: ${JSON.stringify(modulePath('filters/authz'))} } }`;
  const { gw, url } = await gateway(yaml(dflt), { xds: false });
  gws.push(gw);
  const r = await getJson(url + PATH, { headers: CLIENT });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-road-policy-rev'), '7');
  const before = gw.filters.get('main/govstack.authz')!.plugin;
  assert.equal(gw.applyFilterConfig('govstack.authz', wasmResource('{}', modulePath('examples/hello-world'), 'hello'), 'hello').ok, true);
  assert.notEqual(gw.filters.get('main/govstack.authz')!.plugin, before, 'a new plugin (new VMs)');
  const h = await getJson(url + PATH);
  assert.equal(h.status, 200);
  assert.equal(h.headers.get('x-hello'), 'world', 'the new module runs');
});

test('an update while a request is in flight: that request finishes on the old config, whose roots end once it is done', async () => {
  const http = await import('node:http');
  let release: () => void = () => {};
  const held = new Promise<void>((r) => { release = r; });
  const auth = http.createServer((_req, res) => { held.then(() => res.writeHead(200, { 'x-user': 'alice', 'content-length': '0' }).end()); });
  await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
  const port = (auth.address() as import('node:net').AddressInfo).port;
  try {
    moduleBytes('examples/http-callout-auth');
    const res = (cfg: object) => wasmResource(JSON.stringify(cfg), modulePath('examples/http-callout-auth'), 'http-callout-auth');
    const base = yaml().replace('clusters:', `clusters:${cluster('auth', port)}`);
    const { gw, url } = await gateway(base, { concurrency: 1, xds: false });
    gws.push(gw);
    assert.equal(gw.applyFilterConfig('govstack.authz', res({ cluster: 'auth', copy_headers: ['x-user'], timeout_ms: 5000 }), 'v1').ok, true);
    const inFlight = getJson(url + PATH, { headers: { authorization: 'Bearer x' } });
    const plugin = gw.filters.get('main/govstack.authz')!.plugin!;
    while (plugin.callouts.list().length === 0) await new Promise((r) => setTimeout(r, 5)); // paused on its callout
    assert.equal(gw.applyFilterConfig('govstack.authz', res({ cluster: 'auth', copy_headers: [], timeout_ms: 5000 }), 'v2').ok, true);
    assert.equal(plugin.workers[0].oldRoots.length, 1, 'the v1 root lives on while its stream does');
    release();
    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.equal((r.json?.headers as Record<string, string>)['x-user'], 'alice', 'finished under v1 (copies x-user)');
    assert.equal(plugin.workers[0].oldRoots.length, 0, 'v1 root done after the stream ended');
    const next = await getJson(url + PATH, { headers: { authorization: 'Bearer x' } });
    assert.equal((next.json?.headers as Record<string, string>)['x-user'], undefined, 'v2 copies nothing');
  } finally {
    release();
    await new Promise<void>((r) => { auth.close(() => r()); auth.closeAllConnections(); });
  }
});

test('admin /config_dump?resource=ecds_filters shows the accepted version and the last NACK, as Envoy\'s EcdsConfigDump', async () => {
  const { gw } = await gateway(yaml(), { xds: false });
  gws.push(gw);
  const dump = async () => (await (await fetch(gw.adminUrl + '/config_dump?resource=ecds_filters')).json()) as { configs: Array<Record<string, any>> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal((await dump()).configs[0].client_status, 'REQUESTED');
  gw.applyFilterConfig('govstack.authz', wasmResource(policy(1, true)), 'v1');
  gw.applyFilterConfig('govstack.authz', wasmResource('{"rev": "x"}'), 'v2');
  const [c] = (await dump()).configs;
  assert.equal(c.version_info, 'v1');
  assert.equal(c.client_status, 'NACKED');
  assert.equal(c.error_state.version_info, 'v2');
  assert.match(c.error_state.details, /rev/);
  assert.equal(c.ecds_filter.name, 'govstack.authz');
  assert.equal(c.ecds_filter.typed_config.config.root_id, 'authz');
});

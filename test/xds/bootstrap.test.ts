// envoy/xds/bootstrap.yaml: valid against Envoy's API protos (test/envoy/configs.test.ts only walks
// envoy/*.yaml, not sub-directories, so this file checks it), and consistent with what the policy-admin
// publishes: every config_discovery filter is an ECDS resource publishRevision produces (and the other
// way round), of a type the filter accepts, and the node maps to its security server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateEnvoyConfig } from '../../host/envoy-config/validate.ts';
import { ROOT } from '../lib/modules.ts';
import { SnapshotCache, securityServerResolver } from '../../policy-admin/src/xds/cache.ts';
import { DEFAULT_WASM_FILTERS, publishRevision } from '../../policy-admin/src/xds/publish.ts';
import { TypeUrl, WASM_TYPE_URL } from '../../host/xds/protos.ts';

const FILE = 'envoy/xds/bootstrap.yaml';
const text = readFileSync(join(ROOT, FILE), 'utf8');
const result = validateEnvoyConfig(text);
type J = Record<string, any>;
const doc = result.json as J;

test(`${FILE} validates against Envoy's API protos`, () => {
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.warnings, []);
});

test('ADS points at the policy-admin xDS cluster over HTTP/2, state of the world', () => {
  const ads = doc.dynamic_resources.ads_config;
  assert.equal(ads.api_type, 'GRPC');
  const name = ads.grpc_services[0].envoy_grpc.cluster_name;
  const cluster = doc.static_resources.clusters.find((c: J) => c.name === name);
  assert.ok(cluster, `cluster ${name} exists`);
  assert.ok(cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config.http2_protocol_options);
  const addr = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  assert.equal(addr.address, '127.0.0.1');
});

test('the config_discovery filters are exactly the ECDS resources publishRevision produces, over ADS, wasm-typed', () => {
  const hcm = doc.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const discovered = hcm.http_filters.filter((f: J) => f.config_discovery);
  assert.equal(discovered.length, 4);
  for (const f of discovered) {
    assert.deepEqual(f.config_discovery.config_source.ads, {}, `${f.name}: ECDS over ADS`);
    assert.deepEqual(f.config_discovery.type_urls, [WASM_TYPE_URL]);
  }
  const cache = new SnapshotCache(() => null);
  const filters = Object.fromEntries(Object.keys(DEFAULT_WASM_FILTERS).map((k) => [k, { rev: 1 }]));
  publishRevision(cache, { rev: 1, securityServers: [{ securityServerId: doc.node.metadata.securityServerId, filters }] });
  const published = [...cache.getSnapshot(doc.node.metadata.securityServerId)!.resources.get(TypeUrl.TypedExtensionConfig)!.keys()].sort();
  assert.deepEqual(discovered.map((f: J) => f.name).sort(), published);
  assert.equal(hcm.http_filters.at(-1).name, 'envoy.filters.http.router');
});

test("the bootstrap's node maps to its security server", () => {
  const ss = doc.node.metadata.securityServerId;
  const resolve = securityServerResolver({ nodeIds: () => new Map(), securityServers: () => new Set([ss]) });
  // what Envoy sends: node.metadata as a google.protobuf.Struct
  assert.equal(resolve({ id: doc.node.id, metadata: { fields: { securityServerId: { stringValue: ss } } } }), ss);
  assert.equal(resolve({ id: doc.node.id, metadata: { fields: { securityServerId: { stringValue: 'DEV:GOV:9:OTHER' } } } }), null);
});

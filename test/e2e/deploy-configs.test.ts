// The deployment files that cannot run here (no Docker engine, no Kubernetes): envoy/docker-compose.yaml
// with envoy/compose-envoy.yaml, envoy/istio/*.yaml (WasmPlugin) and envoy/envoy-gateway/*.yaml
// (EnvoyExtensionPolicy, EnvoyPatchPolicy), and the dev gateway's security-server/envoy.yaml. Each is
// parsed; every Envoy part is validated against Envoy's API protos (host/envoy-config) — the bootstraps
// as such, and for the Kubernetes resources the Wasm message their controller builds from them and
// every patch value as its type; every filter configuration against filters/<name>/config.schema.json;
// and the names that must agree across files (compiler cluster names, ECDS resource names, ports) do.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse, parseAllDocuments } from 'yaml';
import { validateEnvoyConfig } from '../../host/envoy-config/validate.ts';
import { DEFAULT_WASM_FILTERS } from '../../policy-admin/src/xds/publish.ts';
import { upstreamOf } from '../../policy-admin/src/compiler/index.ts';
import { DEFAULT_PORTS } from '../../security-server/server.ts';
import { ROOT } from '../lib/modules.ts';

const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const WASM = 'envoy.extensions.filters.http.wasm.v3.Wasm';
const ajv = new (Ajv2020 as any)({ allErrors: true, strict: false });
const schemas = new Map(Object.keys(DEFAULT_WASM_FILTERS).map((f) => [f, ajv.compile(JSON.parse(read(`filters/${f}/config.schema.json`)))]));

function assertEnvoy(doc: string | object, root?: string, what = '') {
  const r = validateEnvoyConfig(doc, root ? { root } : {});
  assert.ok(r.ok, `${what}: ${r.errors.join('\n')}`);
}
function assertFilterConfig(filter: string, config: unknown, what: string) {
  const v = schemas.get(filter);
  assert.ok(v, `${what}: no filter named ${filter} (one of ${[...schemas.keys()].join(', ')})`);
  assert.ok(v(config), `${what}: ${ajv.errorsText(v.errors)}`);
}
/** The Wasm filter message a controller (istiod, Envoy Gateway) makes from a plugin: root id, JSON configuration, code. */
const wasmMessage = (rootId: string, config: unknown, filename: string) => ({
  config: {
    name: rootId, root_id: rootId, fail_open: false,
    configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: JSON.stringify(config) },
    vm_config: { vm_id: rootId, runtime: 'envoy.wasm.runtime.v8', code: { local: { filename } } },
  },
});
const ecdsNames = (bootstrap: any): string[] => bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters
  .filter((f: any) => f.config_discovery).map((f: any) => f.name);
const clusterPort = (bootstrap: any, name: string): number | undefined => bootstrap.static_resources.clusters
  .find((c: any) => c.name === name)?.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value;

describe('security-server/envoy.yaml (the dev gateway bootstrap)', () => {
  test('validates as an Envoy bootstrap; its ECDS filters are the resources publishRevision names; ports are the defaults', () => {
    const text = read('security-server/envoy.yaml');
    assertEnvoy(text, undefined, 'security-server/envoy.yaml');
    const b = parse(text, { merge: true });
    assert.deepEqual(ecdsNames(b), Object.values(DEFAULT_WASM_FILTERS).map((f) => f.resourceName));
    assert.equal(clusterPort(b, 'policy_admin_xds'), DEFAULT_PORTS.xds);
    assert.equal(clusterPort(b, upstreamOf(`http://127.0.0.1:${DEFAULT_PORTS.v1}/`, 'v1').cluster), DEFAULT_PORTS.v1);
    assert.equal(clusterPort(b, upstreamOf(`http://127.0.0.1:${DEFAULT_PORTS.v2}/`, 'v2').cluster), DEFAULT_PORTS.v2);
  });
});

describe('envoy/docker-compose.yaml', () => {
  const compose = parse(read('envoy/docker-compose.yaml'), { merge: true });
  const arg = (cmd: string[], flag: string) => cmd[cmd.indexOf(flag) + 1];

  test('the four services; every mounted host path and every script it runs exists', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['civil-registry-v1', 'civil-registry-v2', 'envoy', 'policy-admin']);
    for (const [name, svc] of Object.entries<any>(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const src = String(v).split(':')[0];
        if (src === '../data') continue; // created on first start
        assert.ok(existsSync(join(ROOT, 'envoy', src)), `${name}: volume source ${src} (relative to envoy/)`);
      }
      for (const a of svc.command ?? []) if (/\.(ts|mjs)$/.test(a)) assert.ok(existsSync(join(ROOT, a)), `${name}: ${a}`);
      for (const p of svc.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name}: ports published on loopback only`);
    }
  });

  test("the Envoy's config validates, names the policy-admin compiler's clusters for the building blocks' URLs, and reaches their ports", () => {
    const env = compose.services.envoy;
    const mount = env.volumes.find((v: string) => v.endsWith(':/etc/envoy/envoy.yaml:ro')).split(':')[0];
    assert.ok(env.command.includes('/etc/envoy/envoy.yaml'));
    const text = read(join('envoy', mount));
    assertEnvoy(text, undefined, mount);
    const b = parse(text, { merge: true });
    assert.equal(env.working_dir, '/repo', 'module paths published over ECDS are repo-relative');
    for (const f of Object.values(DEFAULT_WASM_FILTERS)) assert.match((f.code as any).local.filename, /^filters\//, 'mounted at /repo/filters');
    assert.deepEqual(ecdsNames(b), Object.values(DEFAULT_WASM_FILTERS).map((f) => f.resourceName));
    const cp = compose.services['policy-admin'].command as string[];
    assert.equal(clusterPort(b, 'policy_admin_xds'), DEFAULT_PORTS.xds);
    for (const [flag, svc] of [['--v1-url', 'civil-registry-v1'], ['--v2-url', 'civil-registry-v2']]) {
      const u = upstreamOf(arg(cp, flag), flag);
      assert.equal(u.host, svc);
      assert.equal(clusterPort(b, u.cluster), u.port, `cluster ${u.cluster} in ${mount}`);
      assert.equal(Number(arg(compose.services[svc].command, '--port')), u.port, `${svc} listens where the URL says`);
    }
  });
});

describe('envoy/istio/wasmplugins.yaml', () => {
  const docs = parseAllDocuments(read('envoy/istio/wasmplugins.yaml')).map((d) => d.toJS());
  test('one WasmPlugin per filter, fail-closed, in data-path order; configs valid; the Wasm message istiod builds validates', () => {
    assert.deepEqual(docs.map((d) => d.spec.pluginName), Object.values(DEFAULT_WASM_FILTERS).map((f) => f.rootId));
    const order = { AUTHN: 0, AUTHZ: 1, STATS: 2 } as Record<string, number>;
    for (const [i, d] of docs.entries()) {
      assert.equal(d.apiVersion, 'extensions.istio.io/v1alpha1');
      assert.equal(d.kind, 'WasmPlugin');
      assert.equal(d.spec.failStrategy, 'FAIL_CLOSE');
      assert.match(d.spec.url, /^oci:\/\//);
      assert.ok(d.spec.phase in order, `${d.metadata.name}: phase ${d.spec.phase}`);
      if (i > 0) {
        const p = docs[i - 1].spec;
        assert.ok(order[p.phase] < order[d.spec.phase] || (p.phase === d.spec.phase && p.priority > d.spec.priority), `${d.metadata.name} runs after ${docs[i - 1].metadata.name}`);
      }
      const filter = Object.keys(DEFAULT_WASM_FILTERS).find((k) => DEFAULT_WASM_FILTERS[k].rootId === d.spec.pluginName)!;
      assertFilterConfig(filter, d.spec.pluginConfig, d.metadata.name);
      assertEnvoy(wasmMessage(d.spec.pluginName, d.spec.pluginConfig, `/var/local/lib/wasm/${filter}.wasm`), WASM, d.metadata.name);
    }
  });
});

describe('envoy/envoy-gateway/extension-policy.yaml', () => {
  const docs = parseAllDocuments(read('envoy/envoy-gateway/extension-policy.yaml')).map((d) => d.toJS());
  test('EnvoyExtensionPolicy: the four filters in order, configs valid, the Wasm messages validate', () => {
    const p = docs.find((d) => d.kind === 'EnvoyExtensionPolicy');
    assert.equal(p.apiVersion, 'gateway.envoyproxy.io/v1alpha1');
    assert.deepEqual(p.spec.wasm.map((w: any) => w.rootID), Object.values(DEFAULT_WASM_FILTERS).map((f) => f.rootId));
    for (const w of p.spec.wasm) {
      assert.equal(w.failOpen, false);
      assertFilterConfig(w.name, w.config, `wasm ${w.name}`);
      assertEnvoy(wasmMessage(w.rootID, w.config, `/var/lib/eg/${w.name}.wasm`), WASM, `wasm ${w.name}`);
    }
  });
  test('EnvoyPatchPolicy: every patch value validates as its Envoy type; the filter takes ECDS from the patched-in cluster', () => {
    const p = docs.find((d) => d.kind === 'EnvoyPatchPolicy');
    assert.equal(p.spec.type, 'JSONPatch');
    const byType: Record<string, string> = {
      'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'envoy.config.cluster.v3.Cluster',
      'type.googleapis.com/envoy.config.listener.v3.Listener': 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
    };
    for (const j of p.spec.jsonPatches) {
      assert.ok(byType[j.type], `patch type ${j.type}`);
      assertEnvoy(j.operation.value, byType[j.type], `${j.type} ${j.name}`);
    }
    const cluster = p.spec.jsonPatches.find((j: any) => j.type.endsWith('Cluster')).operation.value.name;
    const filter = p.spec.jsonPatches.find((j: any) => j.type.endsWith('Listener')).operation.value;
    assert.equal(filter.config_discovery.config_source.api_config_source.grpc_services[0].envoy_grpc.cluster_name, cluster);
    assert.equal(filter.name, DEFAULT_WASM_FILTERS.authz.resourceName);
  });
});

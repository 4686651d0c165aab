// Every Envoy config the project ships validates against Envoy's API protos (host/envoy-config), and the
// validator catches what it should.
//
// Shipped configs: envoy/**/*.yaml, examples/*/envoy.yaml, filters/*/envoy.yaml, security-server/*.yaml,
// host/gateway/*.yaml. Skipped: docker-compose*
// files, a file whose first line is `# envoy-config-validate: skip (reason)`, and YAML that is not an
// Envoy bootstrap (no top-level static_resources / dynamic_resources / node / admin key: Istio or
// Kubernetes manifests and the like) — each skip is reported as a skipped test with its reason.
//
// Wasm module files: for every envoy.filters.http.wasm-style `vm_config.code.local.filename` that is
// repo-relative (starts with `examples/`, `filters/` or `./`; Envoy resolves it against its working
// directory, which these configs expect to be the repo root), the file must exist. A
// `<dir>/build/<basename(dir)>.wasm` is built first through scripts/build.mjs (test/lib/modules.ts), as
// build/ is not in git. Absolute paths (`/etc/envoy/…`, where the examples tell you to copy the module)
// are not checked. Whether the module registers the configured root_id is not checked here (it can't be
// known statically; the examples' tests load the module with the envoy.yaml's root_id).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { protoLoadStats, validateEnvoyConfig } from '../../host/envoy-config/validate.ts';
import { envoyYamlToJson } from '../../host/envoy-config/yaml.ts';
import { moduleBytes, ROOT } from '../lib/modules.ts';

const ENVOY_KEYS = ['static_resources', 'dynamic_resources', 'node', 'admin'];

function shippedConfigs(): string[] {
  const out: string[] = [];
  const dir = (d: string) => (existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d), { withFileTypes: true }) : []);
  const walk = (d: string) => {
    for (const e of dir(d)) {
      if (e.isDirectory()) walk(`${d}/${e.name}`);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(`${d}/${e.name}`);
    }
  };
  walk('envoy');
  for (const d of ['security-server', 'host/gateway']) for (const e of dir(d)) if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(`${d}/${e.name}`);
  for (const top of ['examples', 'filters']) {
    for (const e of dir(top)) {
      if (!e.isDirectory()) continue;
      for (const name of ['envoy.yaml', 'envoy.yml']) if (existsSync(join(ROOT, top, e.name, name))) out.push(`${top}/${e.name}/${name}`);
    }
  }
  return out.sort();
}

/** Why a file is not an Envoy config to validate, or null. */
function skipReason(file: string, text: string): string | null {
  if (/^docker-compose/.test(basename(file))) return 'docker-compose file';
  const first = text.split('\n', 1)[0];
  const m = /^#\s*envoy-config-validate:\s*skip\b\s*(.*)$/.exec(first);
  if (m) return `marked skip ${m[1] || '(no reason given)'}`;
  let docs: unknown[];
  try {
    docs = parseAllDocuments(text).map((d) => d.toJS());
  } catch {
    return null; // let the validator report the YAML error
  }
  const isEnvoy = (doc: unknown) => doc !== null && typeof doc === 'object' && !Array.isArray(doc) && ENVOY_KEYS.some((k) => k in (doc as object));
  if (!docs.some(isEnvoy)) {
    // Istio / Envoy Gateway / Kubernetes manifests: their embedded Envoy parts are checked by
    // test/e2e/deploy-configs.test.ts
    return `no top-level ${ENVOY_KEYS.join('/')} key: not an Envoy bootstrap`;
  }
  return null;
}

const REPO_RELATIVE = /^(examples\/|filters\/|\.\/)/;

describe('shipped Envoy configs validate against Envoy API protos', () => {
  const files = shippedConfigs();
  test('there are configs to check', () => assert.ok(files.length > 0));
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const skip = skipReason(file, text);
    test(file, { skip: skip ?? false }, () => {
      const r = validateEnvoyConfig(text);
      assert.deepEqual(r.errors, [], `${file} does not validate:\n  ${r.errors.join('\n  ')}`);
      for (const { path, filename } of r.files) {
        if (!/vm_config\.code\.local\.filename$/.test(path) || !REPO_RELATIVE.test(filename)) continue;
        const rel = filename.replace(/^\.\//, '');
        const m = /^((?:examples|filters)\/[^/]+)\/build\/([^/]+)\.wasm$/.exec(rel);
        if (m && basename(m[1]) === m[2] && !existsSync(join(ROOT, rel))) moduleBytes(m[1]); // builds it
        assert.ok(existsSync(join(ROOT, rel)), `${file}: ${path}: ${filename} does not exist (relative to the repo root)`);
      }
    });
  }
});

// ------------------------------------------------------------------ the validator itself

const BASE = `
static_resources:
  listeners:
  - name: main
    address:
      socket_address: { address: 127.0.0.1, port_value: 10000 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: local_route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: backend, timeout: 5s }
          http_filters:
          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: hello
                root_id: hello
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '{}'
                vm_config:
                  vm_id: hello
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: /etc/envoy/hello.wasm } }
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 0.25s
    per_connection_buffer_limit_bytes: 1048576
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: 8080 }
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 9901 }
`;
const WASM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config';
const ROUTE = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0]';

function edit(from: string, to: string): string {
  assert.ok(BASE.includes(from), `test bug: ${from} not in BASE`);
  return BASE.replace(from, to);
}
/** Asserts `yaml` fails with exactly one error, which starts with `path: ` and matches `re`. */
function fails(yaml: string, path: string, re: RegExp): void {
  const r = validateEnvoyConfig(yaml);
  assert.equal(r.ok, false, 'expected a validation error');
  assert.equal(r.errors.length, 1, r.errors.join('\n'));
  assert.ok(r.errors[0].startsWith(path + ': '), `error path: ${r.errors[0]}\n  expected: ${path}`);
  assert.match(r.errors[0], re);
}

describe('validateEnvoyConfig', () => {
  test('the base config is valid (YAML text and proto3-JSON object)', () => {
    assert.deepEqual(validateEnvoyConfig(BASE).errors, []);
    const json = envoyYamlToJson(BASE).value as object;
    assert.deepEqual(validateEnvoyConfig(json).errors, []);
  });

  test('unknown field deep inside a typed_config', () => {
    fails(edit('vm_id: hello', 'vm_id: hello\n                  vm_idd: x'), `${WASM}.vm_config.vm_idd`, /unknown field 'vm_idd' in envoy\.extensions\.wasm\.v3\.VmConfig \(did you mean 'vm_id'\?\)/);
  });

  test('unknown field inside a well-known type held by an Any', () => {
    fails(edit("value: '{}'", "value: '{}'\n                  extra: 1"), `${WASM}.configuration.extra`, /unknown field 'extra'/);
  });

  test('wrong types', () => {
    fails(edit('port_value: 10000', 'port_value: ten'), 'static_resources.listeners[0].address.socket_address.port_value', /expected an integer \(uint32\), got string "ten"/);
    fails(edit('root_id: hello', 'root_id: 42'), `${WASM}.root_id`, /expected a string/);
    fails(edit('root_id: hello', 'root_id: on'), `${WASM}.root_id`, /expected a string.*boolean true/); // yaml-cpp: plain `on` is a bool
    fails(edit('domains: ["*"]', 'domains: "*"'), `${ROUTE.replace(/\.routes\[0\]$/, '')}.domains`, /expected a list/);
    fails(edit('socket_address: { address: 127.0.0.1, port_value: 8080 }', 'socket_address: 127.0.0.1:8080'), 'static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address', /expected an object \(envoy\.config\.core\.v3\.SocketAddress\)/);
  });

  test('unknown @type, and an Any without @type', () => {
    fails(edit('router.v3.Router', 'router.v3.Routr'), 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.@type', /unknown type ".*router\.v3\.Routr"/);
    fails(edit('"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', 'dynamic_stats: true'), 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config', /without "@type"/);
  });

  test('bad enum name', () => {
    fails(edit('type: STATIC', 'type: STATICK'), 'static_resources.clusters[0].type', /unknown value "STATICK" for enum envoy\.config\.cluster\.v3\.Cluster\.DiscoveryType.*did you mean 'STATIC'/);
  });

  test('bad Duration strings', () => {
    fails(edit('connect_timeout: 0.25s', 'connect_timeout: 250ms'), 'static_resources.clusters[0].connect_timeout', /expected a duration string/);
    fails(edit('connect_timeout: 0.25s', 'connect_timeout: 5'), 'static_resources.clusters[0].connect_timeout', /got number 5/);
    // and PGV: connect_timeout must be > 0
    fails(edit('connect_timeout: 0.25s', 'connect_timeout: 0s'), 'static_resources.clusters[0].connect_timeout', /must be > 0s.*\[validate\.rules\]/);
  });

  test('two members of a oneof', () => {
    fails(edit('match: { prefix: "/" }', 'match: { prefix: "/", path: "/x" }'), `${ROUTE}.match`, /oneof 'path_specifier'.*got prefix and path/);
    fails(edit('route: { cluster: backend, timeout: 5s }', 'route: { cluster: backend }\n                direct_response: { status: 200 }'), ROUTE, /oneof 'action'.*got route and direct_response/);
  });

  test('missing required fields', () => {
    // (validate.rules).message.required
    fails(edit('- match: { prefix: "/" }\n                route:', '- route:'), `${ROUTE}.match`, /required field 'match' of envoy\.config\.route\.v3\.Route is missing/);
    // a oneof with (validate.required)
    fails(edit('route: { cluster: backend, timeout: 5s }', 'route: { timeout: 5s }'), `${ROUTE}.route`, /oneof 'cluster_specifier'.*is required/);
    // string min_len on an absent proto3 string
    fails(edit('\n          stat_prefix: ingress_http', ''), 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix', /at least 1 .*not set.*\[validate\.rules\]/);
  });

  test('PGV: numeric range, repeated min_items, enum defined_only', () => {
    fails(edit('port_value: 10000', 'port_value: 70000'), 'static_resources.listeners[0].address.socket_address.port_value', /<= 65535, got 70000/);
    fails(edit('domains: ["*"]', 'domains: []'), `${ROUTE.replace(/\.routes\[0\]$/, '')}.domains`, /at least 1 item/);
    fails(edit('type: STATIC', 'type: 17'), 'static_resources.clusters[0].type', /17 is not a defined value/);
  });

  test('snake_case and lowerCamel JSON names, but not both for one field', () => {
    assert.deepEqual(validateEnvoyConfig(edit('stat_prefix:', 'statPrefix:')).errors, []);
    fails(edit('stat_prefix: ingress_http', 'stat_prefix: a\n          statPrefix: b'), 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.statPrefix', /given twice/);
  });

  test('TypedStruct contents are checked as the type named by type_url', () => {
    const y = edit(
      '"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
      '"@type": type.googleapis.com/xds.type.v3.TypedStruct\n              type_url: type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n              value: { dynamic_stats: true, nope: 1 }',
    );
    fails(y, 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.value.nope', /unknown field 'nope'/);
  });

  test('another root type', () => {
    const r = validateEnvoyConfig('name: x\naddress: { socket_address: { address: 1.2.3.4, port_value: 1 } }\nbogus: 1\n', { root: 'envoy.config.listener.v3.Listener' });
    assert.deepEqual(r.errors, ["bogus: unknown field 'bogus' in envoy.config.listener.v3.Listener"]);
  });

  test('YAML errors and an empty document', () => {
    assert.match(validateEnvoyConfig('a: [1\n').errors[0], /^YAML: /);
    assert.match(validateEnvoyConfig('').errors[0], /empty document/);
  });

  test('reports DataSource filenames', () => {
    const r = validateEnvoyConfig(BASE);
    assert.deepEqual(r.files, [{ path: `${WASM}.vm_config.code.local.filename`, filename: '/etc/envoy/hello.wasm' }]);
  });

  test('proto loading stays cheap', () => {
    const s = protoLoadStats();
    assert.ok(s.files < 200, `${s.files} .proto files loaded`);
    assert.ok(s.loadMs < 10_000, `${s.loadMs} ms loading protos`);
  });
});

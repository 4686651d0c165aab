// Reading an envoy.yaml for the dev gateway: a config with every supported feature becomes the model
// the gateway runs; a config Envoy would reject fails with the API check's path; a valid Envoy field
// the gateway does not honour is an error naming its path (never silently ignored).
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { parseGatewayConfig, ConfigError } from '../../host/gateway/config/parse.ts';
import { bootstrap, cluster, ROUTER, wasmFilter } from './helpers.ts';
import { modulePath, moduleBytes, ROOT } from '../lib/modules.ts';

const HCM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';

function errorsOf(yaml: string): string[] {
  try {
    parseGatewayConfig(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.errors;
    throw e;
  }
  assert.fail('expected a ConfigError');
}

const ROUTES = `
              - match: { prefix: "/" }
                route: { cluster: a }`;
const simple = (o: Partial<Parameters<typeof bootstrap>[0]> = {}) => bootstrap({ routes: ROUTES, clusters: cluster('a', 8080), ...o });

test('every supported feature in one envoy.yaml', () => {
  moduleBytes('examples/hello-world');
  const hello = modulePath('examples/hello-world');
  const yaml = `
node: { id: ss-1, cluster: DEV/GOV/1001, metadata: { securityServer: "DEV/GOV/1001/ss1" } }
dynamic_resources:
  ads_config: { api_type: GRPC, transport_api_version: V3, grpc_services: [ { envoy_grpc: { cluster_name: xds } } ] }
static_resources:
  listeners:
  - name: tls
    address: { socket_address: { address: 127.0.0.1, port_value: 8443 } }
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            tls_params: { tls_minimum_protocol_version: TLSv1_3 }
            tls_certificates: [ { certificate_chain: { inline_string: "CERT" }, private_key: { inline_string: "KEY" } } ]
            validation_context: { trusted_ca: { inline_string: "CA" } }
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: tls
          codec_type: AUTO
          forward_client_cert_details: SANITIZE
          always_set_request_id_in_response: true
          server_name: ss
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: /dev/null
              log_format: { text_format_source: { inline_string: "%REQ(X-REQUEST-ID)% %FILTER_STATE(envoy.string:PLAIN)% %RESPONSE_CODE%:10\\n" } }
          - name: envoy.access_loggers.stderr
            typed_config: { "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog }
          route_config:
            name: r
            virtual_hosts:
            - name: v
              domains: ["ss.example", "*.example", "*"]
              request_headers_to_remove: [x-internal]
              routes:
              - name: p
                match: { path: "/exact", case_sensitive: false }
                route: { cluster: a, timeout: 2.5s }
              - match:
                  prefix: "/h"
                  headers:
                  - { name: X-Env, string_match: { prefix: stag, ignore_case: true } }
                  - { name: x-old, exact_match: "1" }
                  - { name: x-absent, present_match: true, invert_match: true }
                route: { cluster_header: X-Pick }
              - match: { prefix: "/w" }
                route: { weighted_clusters: { clusters: [ { name: a, weight: 3 }, { name: b, weight: 1 } ] } }
                request_headers_to_add: [ { header: { key: x-added, value: "1" }, append_action: OVERWRITE_IF_EXISTS_OR_ADD } ]
              - match: { prefix: "/old/" }
                route: { cluster: b, prefix_rewrite: "/new/" }
              - match: { prefix: "/" }
                direct_response: { status: 404, body: { inline_string: nope } }
          http_filters:
          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: hello
                root_id: hello
                fail_open: true
                configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: "{}" }
                vm_config:
                  vm_id: hello_vm
                  runtime: envoy.wasm.runtime.v8
                  configuration: { "@type": type.googleapis.com/google.protobuf.BytesValue, value: "AAE=" }
                  environment_variables: { key_values: { MODE: demo } }
                  code: { local: { filename: ${JSON.stringify(hello)} } }
          - name: govstack.authz
            config_discovery:
              config_source: { ads: {}, resource_api_version: V3 }
              apply_default_config_without_warming: true
              type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"]
          - name: govstack.ratelimit
            config_discovery:
              config_source:
                api_config_source: { api_type: GRPC, transport_api_version: V3, grpc_services: [ { envoy_grpc: { cluster_name: xds } } ] }
              type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"]${ROUTER}
  clusters:${cluster('a', 9001, '\n    lb_policy: RANDOM')}${cluster('b', 9002)}${cluster('xds', 9003, `
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }`)}
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 9901 } } }`;
  const c = parseGatewayConfig(yaml);
  assert.deepEqual(c.node, { id: 'ss-1', cluster: 'DEV/GOV/1001', metadata: { securityServer: 'DEV/GOV/1001/ss1' } });
  assert.deepEqual(c.ads, { cluster: 'xds' });
  assert.deepEqual(c.admin, { host: '127.0.0.1', port: 9901 });
  assert.deepEqual([...c.clusters.values()].map((x) => [x.name, x.lbPolicy, x.http2, x.endpoints[0].port, x.connectTimeoutMs]),
    [['a', 'RANDOM', false, 9001, 1000], ['b', 'ROUND_ROBIN', false, 9002, 1000], ['xds', 'ROUND_ROBIN', true, 9003, 1000]]);
  const l = c.listeners[0];
  assert.equal(l.tls?.requireClientCertificate, true);
  assert.equal(l.tls?.minVersion, 'TLSv1.3');
  assert.equal(l.tls?.trustedCa?.toString(), 'CA');
  assert.equal(l.hcm.serverName, 'ss');
  assert.equal(l.hcm.alwaysSetRequestIdInResponse, true);
  assert.deepEqual(l.hcm.accessLogs.map((a) => a.sink), [{ file: '/dev/null' }, 'stderr']);
  const [vh] = l.hcm.routeConfig.virtualHosts;
  assert.deepEqual(vh.domains, ['ss.example', '*.example', '*']);
  assert.deepEqual(vh.routes.map((r) => r.action.kind), ['cluster', 'cluster_header', 'weighted', 'cluster', 'direct']);
  assert.equal(vh.routes[0].timeoutMs, 2500);
  assert.equal(vh.routes[0].match.caseSensitive, false);
  assert.deepEqual(vh.routes[1].match.headers.map((h) => [h.name, h.kind, h.value, h.ignoreCase, h.invert, h.present]),
    [['x-env', 'prefix', 'stag', true, false, true], ['x-old', 'exact', '1', false, false, true], ['x-absent', 'present', '', false, true, true]]);
  assert.deepEqual(vh.routes[1].action, { kind: 'cluster_header', header: 'x-pick' });
  assert.deepEqual(vh.routes[2].action, { kind: 'weighted', clusters: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }], total: 4 });
  assert.equal(vh.routes[3].prefixRewrite, '/new/');
  const [w, ecds1, ecds2, router] = l.hcm.httpFilters;
  assert.equal(router.kind, 'router');
  assert.ok(w.kind === 'wasm' && w.wasm);
  assert.equal(w.wasm.failurePolicy, 'FAIL_OPEN');
  assert.equal(w.wasm.vmId, 'hello_vm');
  assert.deepEqual([...w.wasm.vmConfiguration], [0, 1]);
  assert.deepEqual(w.wasm.envVars, { MODE: 'demo' });
  assert.equal(w.wasm.code.length, moduleBytes('examples/hello-world').length);
  assert.ok(ecds1.kind === 'wasm' && ecds1.discovery && ecds2.kind === 'wasm' && ecds2.discovery);
  assert.deepEqual(ecds1.discovery.source, { ads: true });
  assert.equal(ecds1.discovery.applyDefaultConfigWithoutWarming, true);
  assert.deepEqual(ecds2.discovery.source, { cluster: 'xds' });
});

test('the repository\'s own configs: envoy/security-server-static.yaml reads (filenames relative to the repo root)', () => {
  const c = parseGatewayConfig(readFileSync(`${ROOT}/envoy/security-server-static.yaml`, 'utf8'), { baseDir: ROOT });
  assert.deepEqual(c.listeners[0].hcm.httpFilters.map((f) => f.name), ['envoy.filters.http.wasm', 'envoy.filters.http.wasm', 'envoy.filters.http.wasm', 'envoy.filters.http.wasm', 'envoy.filters.http.router']);
});

test('a config Envoy would reject fails with the API check\'s path', () => {
  const errs = errorsOf(simple().replace('stat_prefix: ingress', 'stat_prefix: ingress\n          stat_prefx: typo'));
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^envoy would reject this config: .*http_connection_manager|stat_prefx/);
  assert.match(errs[0], /stat_prefx/);
});

test('valid Envoy the gateway does not honour: each field named with its path', () => {
  const cases: Array<[string, RegExp]> = [
    [simple({ hcmExtra: '\n          use_remote_address: true' }), new RegExp(`^${HCM.replace(/[[\].]/g, '\\$&')}\\.use_remote_address: not supported by the dev gateway`)],
    [simple().replace('match: { prefix: "/" }', 'match: { safe_regex: { regex: "^/.*" } }'), /routes\[0\]\.match\.safe_regex: not supported/],
    [simple().replace('route: { cluster: a }', 'route: { cluster: a, retry_policy: { retry_on: 5xx } }'), /routes\[0\]\.route\.retry_policy: not supported/],
    [simple().replace('type: STATIC', 'type: STRICT_DNS'), /static_resources\.clusters\[0\]\.type: "STRICT_DNS" is not supported by the dev gateway \(supported: STATIC\)/],
    [simple().replace('connect_timeout: 1s', 'connect_timeout: 1s\n    circuit_breakers: {}'), /static_resources\.clusters\[0\]\.circuit_breakers: not supported/],
    [simple().replace('- name: main', '- name: main\n    per_connection_buffer_limit_bytes: 1024'), /static_resources\.listeners\[0\]\.per_connection_buffer_limit_bytes: not supported/],
    [simple().replace('{ address: 127.0.0.1, port_value: 0 }', '{ address: 0.0.0.0, port_value: 0 }'), /listeners\[0\]\.address\.socket_address\.address: 0\.0\.0\.0 is not a loopback address/],
    [simple().replace('route: { cluster: a }', 'route: { cluster: missing }'), /routes\[0\]\.route: route: unknown cluster 'missing'/],
    [simple().replace('"@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', '"@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog\n              log_format: { text_format_source: { inline_string: "%UPSTREAM_TRANSPORT_FAILURE_REASON%" } }'),
      /access_log\[0\]\.typed_config\.log_format\.text_format_source\.inline_string: access log operator %UPSTREAM_TRANSPORT_FAILURE_REASON% is not supported/],
  ];
  for (const [yaml, re] of cases) {
    const errs = errorsOf(yaml);
    assert.ok(errs.some((e) => re.test(e)), `expected ${re} in:\n  ${errs.join('\n  ')}`);
  }
});

test('Wasm filter fields outside the subset, and a missing module file, are named', () => {
  const filters = wasmFilter({ name: 'x', file: '/nonexistent/x.wasm' }).replace('runtime: envoy.wasm.runtime.v8', 'runtime: envoy.wasm.runtime.v8\n                  allow_precompiled: true');
  const errs = errorsOf(simple({ filters }));
  const base = `${HCM}.http_filters[0].typed_config.config.vm_config`;
  assert.ok(errs.includes(`${base}.allow_precompiled: not supported by the dev gateway (supported here: vm_id, runtime, code, configuration, environment_variables)`), errs.join('\n'));
  assert.ok(errs.includes(`${base}.code.local.filename: cannot read /nonexistent/x.wasm: ENOENT`), errs.join('\n'));
  const wamr = wasmFilter({ name: 'x', file: modulePath('examples/hello-world') }).replace('envoy.wasm.runtime.v8', 'envoy.wasm.runtime.wamr');
  assert.ok(errorsOf(simple({ filters: wamr })).some((e) => e.startsWith(`${base}.runtime: "envoy.wasm.runtime.wamr" is not supported`)));
});

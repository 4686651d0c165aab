// config.schema.json and the filter agree: configs the filter accepts (the envoy.yaml ones included) pass the
// schema, and what the filter rejects the schema rejects too.
//   node --import tsx --test filters/rate-limit/config-schema.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { Emulator, PluginStartError } from '../../host/index.ts';
import { moduleBytes } from '../../test/lib/modules.ts';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const validate = new Ajv2020({ allErrors: true }).compile(JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8')));
const WASM = moduleBytes('filters/rate-limit');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const filterAccepts = (cfg: Json): boolean => {
  try {
    Emulator.loadSync({ wasm: WASM, rootId: 'rate-limit', vmId: 'schema', pluginConfig: JSON.stringify(cfg), clusters: ['ratelimit'], canary: false });
    return true;
  } catch (e) {
    if (e instanceof PluginStartError) return false;
    throw e;
  }
};

/** Every wasm plugin configuration in envoy.yaml. */
function yamlConfigs(): Json[] {
  const out: Json[] = [];
  const walk = (v: Json) => {
    if (v && typeof v === 'object') {
      if (v['@type'] === 'type.googleapis.com/google.protobuf.StringValue' && typeof v.value === 'string') out.push(JSON.parse(v.value));
      for (const k of Object.keys(v)) walk(v[k]);
    }
  };
  walk(parse(readFileSync(new URL('./envoy.yaml', import.meta.url), 'utf8')));
  return out;
}

const KITCHEN_SINK: Json = {
  mode: 'local',
  actions: [
    { source: 'client_id', header_name: 'x-road-client' },
    { source: 'request_header', header_name: 'x-api-key', descriptor_key: 'api_key' },
    { source: 'remote_address' }, { source: 'method' }, { source: 'service_id', descriptor_key: 'svc' },
    { source: 'path_prefix', prefixes: ['/a', '/b'] }, { source: 'generic_key', descriptor_value: 'all' },
  ],
  descriptors: [
    { name: 'n', entries: [{ key: 'client_id', value: 'X' }, { key: 'api_key' }], rate_limit: { requests_per_unit: 5, unit: 'SECOND', burst: 2 }, shadow_mode: true },
    { entries: [{ key: 'generic_key' }], rate_limit: { requests_per_unit: 1, unit: 'day' } },
  ],
  failure_mode_deny: true, enable_x_ratelimit_headers: 'OFF', enforce_percentage: 12.5, max_keys: 100, max_cas_retries: 3, max_value_length: 64,
};
const GLOBAL: Json = {
  mode: 'global', domain: 'd', rate_limit_service: { cluster: 'ratelimit', timeout_ms: 50 },
  actions: [{ source: 'method' }], descriptors: [{ entries: [{ key: 'method' }] }],
};

test('the envoy.yaml configs, a kitchen sink and a global config: accepted by both', () => {
  const cfgs = [...yamlConfigs(), KITCHEN_SINK, GLOBAL];
  assert.equal(cfgs.length, 4);
  for (const c of cfgs) {
    assert.ok(validate(c), `schema: ${JSON.stringify(validate.errors)}`);
    assert.ok(filterAccepts(c), `filter rejects ${JSON.stringify(c)}`);
  }
});

test('what the filter rejects, the schema rejects', () => {
  const variants: Array<[string, (c: Json) => void]> = [
    ['unknown top-level field', (c) => { c.extra = 1; }],
    ['zero limit', (c) => { c.descriptors[1].rate_limit.requests_per_unit = 0; }],
    ['negative limit', (c) => { c.descriptors[1].rate_limit.requests_per_unit = -1; }],
    ['unknown unit', (c) => { c.descriptors[1].rate_limit.unit = 'week'; }],
    ['negative burst', (c) => { c.descriptors[1].rate_limit.burst = -1; }],
    ['no rate_limit in local mode', (c) => { delete c.descriptors[1].rate_limit; }],
    ['unknown source', (c) => { c.actions[0].source = 'cookie'; }],
    ['unknown action field', (c) => { c.actions[2].header_name = 'x'; }],
    ['request_header without descriptor_key', (c) => { delete c.actions[1].descriptor_key; }],
    ['path prefix without /', (c) => { c.actions[5].prefixes = ['a']; }],
    ['empty entry value', (c) => { c.descriptors[0].entries[0].value = ''; }],
    ['control character in a value', (c) => { c.descriptors[0].entries[0].value = 'a\u0001'; }],
    ['enforce_percentage above 100', (c) => { c.enforce_percentage = 100.5; }],
    ['max_keys 0', (c) => { c.max_keys = 0; }],
    ['domain in local mode', (c) => { c.domain = 'd'; }],
    ['unknown header mode', (c) => { c.enable_x_ratelimit_headers = 'ON'; }],
  ];
  for (const [what, change] of variants) {
    const c = structuredClone(KITCHEN_SINK);
    change(c);
    assert.equal(filterAccepts(c), false, `filter accepts: ${what}`);
    assert.equal(validate(c), false, `schema accepts: ${what}`);
  }
  const g = structuredClone(GLOBAL);
  delete g.domain;
  assert.equal(filterAccepts(g), false);
  assert.equal(validate(g), false);
});

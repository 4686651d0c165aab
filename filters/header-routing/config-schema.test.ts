// config.schema.json and the filter agree: every property the schema names is accepted by the filter
// (in configs the schema also accepts), and an unknown property anywhere is rejected by both.
//   node --import tsx --test filters/header-routing/config-schema.test.ts
// ajv (draft 2020-12) comes in through @as-pect's dependencies; it is not a direct devDependency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Emulator, PluginStartError } from '../../host/index.ts';
import { envoyPluginConfig } from '../../examples/envoy-config.ts';
import { moduleBytes } from '../../test/lib/modules.ts';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const SCHEMA = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ allErrors: true }).compile(SCHEMA);
const WASM = moduleBytes('filters/header-routing');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const KITCHEN_SINK: Json = {
  route_header: 'X-Route-Cluster',
  echo_header: 'x-routed-to',
  client_id_header: 'x-road-client-verified',
  request_id_header: 'x-request-id',
  default_cluster: 'v1',
  strip_incoming_route_header: true,
  rules: [
    {
      name: 'everything',
      match: [
        { source: 'header', name: ':scheme', exact: 'https', ignore_case: true, invert: false },
        { source: 'query', name: 'v', prefix: '2' },
        { source: 'method', suffix: 'ET' },
        { source: 'path', contains: '/api/' },
        { source: 'client_id', glob: 'EE/GOV/*/*' },
        { source: 'service_id', present: true },
        { source: 'authority', absent: true, invert: true },
        { source: 'route_name', exact: 'r1' },
      ],
      actions: [
        { type: 'add_header', name: 'x-a', value: '1' },
        { type: 'set_header', name: 'x-b', value: '2' },
        { type: 'remove_header', name: 'x-c' },
        { type: 'rename_header', from: 'x-d', to: 'x-e' },
        { type: 'rewrite_prefix', prefix: '/r1/', replacement: '/' },
        { type: 'set_authority', value: 'internal' },
        { type: 'split', hash_on: 'header', header: 'x-user', clusters: [{ cluster: 'v1', weight: 90 }, { cluster: 'v2', weight: 10 }] },
      ],
    },
    { name: 'routed', actions: [{ type: 'route', cluster: 'v2' }] },
    { actions: [{ type: 'split', hash_on: 'request_id', clusters: [{ cluster: 'v1', weight: 1 }] }] },
  ],
};

async function filterVerdict(config: Json): Promise<string | null> {
  try {
    await Emulator.load({ wasm: WASM, rootId: 'header-routing', vmId: 'hr', pluginConfig: JSON.stringify(config), canary: false });
    return null;
  } catch (e) {
    if (!(e instanceof PluginStartError)) throw e;
    return e.logs.find((l) => l.message.startsWith('header-routing: '))?.message ?? e.message;
  }
}

/** Every object node of the instance with a path, for injecting unknown fields. */
function objects(v: Json, path = '$'): Array<{ path: string; obj: Json }> {
  if (Array.isArray(v)) return v.flatMap((x, i) => objects(x, `${path}[${i}]`));
  if (v && typeof v === 'object') return [{ path, obj: v }, ...Object.entries(v).flatMap(([k, x]) => objects(x, `${path}.${k}`))];
  return [];
}

/** Property names declared by a schema node, following $ref, allOf/anyOf/oneOf, if/then/else. */
function declared(node: Json, out = new Set<string>(), seen = new Set<Json>()): Set<string> {
  if (!node || typeof node !== 'object' || seen.has(node)) return out;
  seen.add(node);
  if (typeof node.$ref === 'string') declared(resolve(node.$ref), out, seen);
  for (const k of Object.keys(node.properties ?? {})) out.add(k);
  for (const key of ['allOf', 'anyOf', 'oneOf']) for (const s of node[key] ?? []) declared(s, out, seen);
  for (const key of ['then', 'else']) declared(node[key], out, seen);
  return out;
}
const resolve = (ref: string): Json => ref.replace(/^#\//, '').split('/').reduce((n: Json, k) => n[k], SCHEMA);

test('the schema is draft 2020-12 and every property has a description (or a $ref to a described definition)', () => {
  assert.equal(SCHEMA.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const missing: string[] = [];
  const walk = (node: Json, path: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, p] of Object.entries<Json>(node.properties ?? {})) {
      if (k !== 'type' && !p.description && !(p.$ref && resolve(p.$ref).description) && !p.const && !p.enum) missing.push(`${path}.${k}`);
    }
    for (const [k, v] of Object.entries<Json>(node)) if (k !== 'properties' && typeof v === 'object') walk(v, `${path}/${k}`);
    for (const [k, v] of Object.entries<Json>(node.properties ?? {})) walk(v, `${path}.${k}`);
  };
  walk(SCHEMA, '#');
  assert.deepEqual(missing, []);
  for (const [k, p] of Object.entries<Json>(SCHEMA.properties)) assert.ok('default' in p, `top-level ${k} has a default`);
});

test('the kitchen-sink config uses every property the schema declares, per object kind', () => {
  const ks = KITCHEN_SINK;
  const keysOf = (objs: Json[]) => new Set(objs.flatMap((o) => Object.keys(o)));
  const cover = (kind: string, schemaNode: Json, objs: Json[]) => {
    const have = keysOf(objs);
    for (const k of declared(schemaNode)) assert.ok(have.has(k), `${kind}: property ${k} not exercised`);
  };
  cover('top level', SCHEMA, [ks]);
  cover('rule', SCHEMA.$defs.rule, ks.rules);
  const conds = ks.rules.flatMap((r: Json) => r.match ?? []);
  cover('condition', SCHEMA.$defs.condition, conds);
  assert.deepEqual(new Set(conds.map((c: Json) => c.source)), new Set(SCHEMA.$defs.condition.properties.source.enum), 'every source');
  const acts = ks.rules.flatMap((r: Json) => r.actions);
  for (const branch of SCHEMA.$defs.action.oneOf) {
    const types: string[] = branch.properties.type.enum ?? [branch.properties.type.const];
    for (const t of types) cover(`action ${t}`, branch, acts.filter((a: Json) => a.type === t));
  }
  assert.deepEqual(new Set(acts.map((a: Json) => a.type)), new Set(SCHEMA.$defs.action.properties.type.enum), 'every action type');
  const split = SCHEMA.$defs.action.oneOf.find((b: Json) => b.properties.type.const === 'split');
  cover('split cluster', split.properties.clusters.items, acts.flatMap((a: Json) => a.clusters ?? []));
  const hashOns = new Set(acts.filter((a: Json) => a.type === 'split').map((a: Json) => a.hash_on));
  assert.ok(hashOns.has('header') && hashOns.has('request_id'));
});

test('the kitchen sink, both envoy.yaml configs and {} are valid for the schema and accepted by the filter', async () => {
  const configs: Array<[string, Json]> = [
    ['kitchen sink', KITCHEN_SINK],
    ['{}', {}],
    ['envoy/canary', JSON.parse(envoyPluginConfig(new URL('../../envoy/canary/envoy.yaml', import.meta.url)).configuration)],
    ['filters/header-routing', JSON.parse(envoyPluginConfig(new URL('./envoy.yaml', import.meta.url)).configuration)],
    ['hash_on random, empty echo', { echo_header: '', rules: [{ actions: [{ type: 'split', hash_on: 'random', clusters: [{ cluster: 'a', weight: 0 }, { cluster: 'b', weight: 3 }] }] }] }],
  ];
  for (const [what, c] of configs) {
    assert.ok(validate(c), `${what}: schema says ${JSON.stringify(validate.errors)}`);
    assert.equal(await filterVerdict(c), null, what);
  }
});

test('an unknown property in any object is rejected by the schema and by the filter ("unknown field")', async () => {
  const nodes = objects(KITCHEN_SINK);
  assert.ok(nodes.length > 20);
  for (const { path } of nodes) {
    const copy = structuredClone(KITCHEN_SINK);
    const target = objects(copy).find((n) => n.path === path)!.obj;
    target.x_unknown = 1;
    assert.equal(validate(copy), false, `schema accepted x_unknown at ${path}`);
    const verdict = await filterVerdict(copy);
    assert.ok(verdict?.includes('x_unknown') && verdict.includes('unknown field'), `${path}: ${verdict}`);
  }
});

test('schema and filter agree on a set of invalid configs', async () => {
  const bad: Json[] = [
    { rules: [{ actions: [{ type: 'split', clusters: [] }] }] },
    { rules: [{ actions: [{ type: 'redirect' }] }] },
    { rules: [{ actions: [] }] },
    { rules: [{ match: [{ source: 'method', exact: 'GET', prefix: 'G' }], actions: [{ type: 'route', cluster: 'a' }] }] },
    { rules: [{ match: [{ source: 'header', exact: 'x' }], actions: [{ type: 'route', cluster: 'a' }] }] },
    { rules: [{ match: [{ source: 'path', name: 'x', exact: 'x' }], actions: [{ type: 'route', cluster: 'a' }] }] },
    { rules: [{ match: [{ source: 'header', name: 'x', present: false }], actions: [{ type: 'route', cluster: 'a' }] }] },
    { rules: [{ actions: [{ type: 'split', hash_on: 'header', clusters: [{ cluster: 'a', weight: 1 }] }] }] },
    { rules: [{ actions: [{ type: 'split', header: 'x', clusters: [{ cluster: 'a', weight: 1 }] }] }] },
    { rules: [{ actions: [{ type: 'split', clusters: [{ cluster: 'a', weight: 1.5 }] }] }] },
    { rules: [{ actions: [{ type: 'add_header', name: 'x y', value: '1' }] }] },
    { rules: [{ actions: [{ type: 'add_header', name: ':path', value: '1' }] }] },
    { rules: [{ actions: [{ type: 'set_header', name: 'x', value: 'a\nb' }] }] },
    { rules: [{ actions: [{ type: 'rewrite_prefix', prefix: 'a', replacement: '/' }] }] },
    { rules: [{ actions: [{ type: 'set_authority', value: '' }] }] },
    { rules: [{ name: 'a b', actions: [{ type: 'route', cluster: 'a' }] }] },
    { route_header: '' },
    { echo_header: 'bad header' },
    { strip_incoming_route_header: 'yes' },
  ];
  for (const c of bad) {
    assert.equal(validate(c), false, `schema accepted ${JSON.stringify(c)}`);
    assert.notEqual(await filterVerdict(c), null, `filter accepted ${JSON.stringify(c)}`);
  }
});

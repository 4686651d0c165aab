// filters/authz/config.schema.json: a valid draft 2020-12 schema that documents every field, and that
// agrees with the filter on the test policy, the envoy.yaml policy and the bad configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { basePolicy } from './test/policy.ts';
import { envoyPluginConfig } from '../../examples/envoy-config.ts';

const schema = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8'));
const ajv = new (Ajv2020 as any)({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

test('schema: draft 2020-12; every property has a type (or $ref), a description, and a default unless required', () => {
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const missing: string[] = [];
  const walk = (node: any, path: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [name, prop] of Object.entries<any>(node.properties ?? {})) {
      const p = `${path}.${name}`;
      const required = (node.required ?? []).includes(name);
      if (!prop.type && !prop.$ref && !prop.enum) missing.push(`${p}: type`);
      if (!prop.description) missing.push(`${p}: description`);
      if (!required && !('default' in prop)) missing.push(`${p}: default`);
      walk(prop, p);
    }
    for (const k of ['items', 'additionalProperties']) if (node[k] && typeof node[k] === 'object') walk(node[k], `${path}.${k}`);
  };
  walk(schema, '$');
  assert.deepEqual(missing, []);
});

test('schema accepts the test policy and the envoy.yaml policy', () => {
  assert.ok(validate(basePolicy()), JSON.stringify(validate.errors));
  assert.ok(validate(JSON.parse(envoyPluginConfig(new URL('./envoy.yaml', import.meta.url)).configuration)), JSON.stringify(validate.errors));
});

test('schema rejects what the filter rejects', () => {
  const bad: Array<(p: any) => void> = [
    (p) => { delete p.rev; },
    (p) => { p.revision = 1; },
    (p) => { p.clients['DEV:GOV'] = {}; },
    (p) => { p.clients['DEV:GOV:1003:tax'].certs = ['sha256/abcd']; },
    (p) => { p.providers['DEV:GOV:1001'] = {}; },
    (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.endpoints[1].m = 'FETCH'; },
    (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].mode = 'SHADOW'; },
    (p) => { p.providers['DEV:GOV:1001:civil-registry'].births.rights[0].subject = {}; },
    (p) => { p.blocks[0].subject.type = 'EVERYONE'; },
    (p) => { p.maxPathBytes = 10; },
  ];
  for (const [i, f] of bad.entries()) {
    const p = basePolicy();
    f(p);
    assert.equal(validate(p), false, `case ${i}`);
  }
});

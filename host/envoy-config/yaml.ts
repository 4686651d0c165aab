// YAML → JSON the way Envoy does it (source/common/protobuf/yaml_utility.cc, parseYamlNode): Envoy
// loads YAML with yaml-cpp into a google.protobuf.Value, prints that as JSON and parses the JSON with
// the proto3 JSON parser. So, for a *plain* (unquoted) scalar:
//   - empty, `~`, `null`/`Null`/`NULL`            → null (field left unset)
//   - y/n, yes/no, true/false, on/off (yaml-cpp's   → bool   (so `name: on` is a bool, and a string
//     "flexible case": lower, UPPER or Capitalized)            field given it is an error)
//   - an integer (decimal or 0x hex)               → number if it fits int32, else a decimal string
//   - anything else, floats included (`0.25`)      → string ("0.25" is then parsed by the double /
//                                                     Duration parser, `1.5` given to a string field is fine)
// Quoted and block scalars (`"x"`, `'x'`, `|`, `>`) are always strings. Aliases are expanded. Merge
// keys (`<<`) are not supported (they turn up as an unknown field). Explicit tags are honoured for
// !!str / !!int / !!bool / !!null / !!float (yaml-cpp ignores them apart from quoting; a small
// leniency). Only one YAML document is allowed.
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const BOOLS = new Map<string, boolean>([
  ['y', true], ['n', false], ['yes', true], ['no', false], ['true', true], ['false', false], ['on', true], ['off', false],
]);

function flexibleCase(s: string): boolean {
  if (s === '') return true;
  if (s === s.toLowerCase() || s === s.toUpperCase()) return true;
  return s[0] === s[0].toUpperCase() && s.slice(1) === s.slice(1).toLowerCase();
}

function plainScalar(raw: string): Json {
  if (raw === '' || raw === '~' || raw === 'null' || raw === 'Null' || raw === 'NULL') return null;
  if (flexibleCase(raw) && BOOLS.has(raw.toLowerCase())) return BOOLS.get(raw.toLowerCase())!;
  let n: bigint | null = null;
  if (/^[-+]?\d+$/.test(raw)) n = BigInt(raw);
  else if (/^[-+]?0x[0-9a-fA-F]+$/.test(raw)) n = (raw.startsWith('-') ? -1n : 1n) * BigInt(raw.replace(/^[-+]/, ''));
  if (n !== null && n >= -(2n ** 63n) && n < 2n ** 63n) {
    return n >= -(2n ** 31n) && n < 2n ** 31n ? Number(n) : n.toString();
  }
  return raw;
}

function convert(node: unknown, doc: Document, errors: string[], depth = 0): Json {
  if (depth > 200) throw new Error('YAML nested too deeply');
  if (node == null) return null;
  if (isAlias(node)) return convert(node.resolve(doc), doc, errors, depth + 1);
  if (isMap(node)) {
    const out: { [k: string]: Json } = {};
    for (const pair of node.items) {
      const k = convert(pair.key, doc, errors, depth + 1);
      const key = k === null ? '' : String(k);
      const raw = isScalar(pair.key) ? String(pair.key.value) : key;
      out[raw] = convert(pair.value, doc, errors, depth + 1);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((x) => convert(x, doc, errors, depth + 1));
  if (isScalar(node)) {
    const raw = String(node.value ?? '');
    const tag = node.tag ?? '';
    if (tag.endsWith(':str')) return raw;
    if (tag.endsWith(':null')) return null;
    if (tag.endsWith(':float')) return raw;
    if (tag.endsWith(':bool') || tag.endsWith(':int')) return plainScalar(raw);
    if (node.type !== 'PLAIN') return raw;
    return plainScalar(raw);
  }
  errors.push(`unsupported YAML node ${(node as Node).constructor?.name}`);
  return null;
}

/** Parses Envoy YAML into the JSON value Envoy's proto3 JSON parser would see. */
export function envoyYamlToJson(text: string): { value: Json; errors: string[] } {
  const errors: string[] = [];
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) return { value: null, errors: ['YAML: empty stream'] };
  const real = docs.filter((d) => d.contents != null);
  if (real.length > 1) errors.push('YAML: more than one document');
  const doc = real[0] ?? docs[0];
  if (!doc) return { value: null, errors: ['YAML: empty document'] };
  for (const e of doc.errors) errors.push(`YAML: ${e.message.split('\n')[0]}`);
  if (errors.length) return { value: null, errors };
  return { value: convert(doc.contents, doc, errors), errors };
}

// proxy_get_property / proxy_set_property (§7.2, §7.3, §8).
import { WasmResult as R } from '../abi/enums.ts';
import { encodeProperty, str, int, uint, type PropertyValue } from '../abi/properties.ts';
import type { Ctx } from './types.ts';
import type { WasmVm } from './vm.ts';

/** Top-level names that are objects without a serialization (whole value → SerializationFailure). */
const OBJECTS = new Set(['request', 'response', 'connection', 'upstream', 'source', 'destination', 'filter_state', 'xds', 'upstream_filter_state']);

const L = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function traverse(v: PropertyValue, rest: string[]): PropertyValue | undefined | 'object' {
  let cur: PropertyValue = v;
  for (const seg of rest) {
    if (cur.type === 'map') {
      const hit: [string, PropertyValue] | undefined = cur.value.find(([k]) => k === seg);
      if (!hit) return undefined;
      cur = hit[1];
    } else if (cur.type === 'list') {
      const i = Number(seg);
      if (!/^\d+$/.test(seg) || i >= cur.value.length) return undefined;
      cur = cur.value[i];
    } else return undefined;
  }
  return cur;
}

/** Find `path` in a dotted-key map of supplied values. */
function lookupSupplied(map: ReadonlyMap<string, PropertyValue>, path: string[]): PropertyValue | undefined | 'object' {
  for (let n = path.length; n >= 1; n--) {
    const v = map.get(path.slice(0, n).join('.'));
    if (v) return traverse(v, path.slice(n));
  }
  const prefix = path.join('.') + '.';
  for (const k of map.keys()) if (k.startsWith(prefix)) return 'object';
  return undefined;
}

export function getProperty(vm: WasmVm, c: Ctx | undefined, segs: Uint8Array[]): { status: number; value?: Uint8Array } {
  const path = segs.map(L);
  const found = resolve(vm, c, path);
  if (found === undefined) return { status: R.NotFound };
  if (found === 'object') return { status: R.SerializationFailure };
  const bytes = encodeProperty(found);
  if (!bytes) return { status: R.SerializationFailure };
  return { status: R.Ok, value: bytes };
}

function resolve(vm: WasmVm, c: Ctx | undefined, path: string[]): PropertyValue | undefined | 'object' {
  const root = vm.rootOf(c);
  const top = path[0] ?? '';
  if (!root) return undefined; // VM context: nothing
  if (path.length === 1) {
    if (top === 'plugin_name') return str(root.info.name);
    if (top === 'plugin_root_id') return str(root.info.rootId);
    if (top === 'plugin_vm_id') return str(root.info.vmId);
  }
  const stream = c?.kind === 'http' ? c.stream : undefined;
  if (stream) {
    const derived = stream.derivedProperty(path);
    if (derived !== null) return derived;
    if (top === 'filter_state' && path.length === 2) {
      const fs = stream.filterState.get(path[1]);
      if (fs) return { type: 'bytes', value: fs.value };
      const efs = stream.envoyFilterState.get(path[1]);
      if (efs) return { type: 'bytes', value: efs.value };
      return undefined;
    }
    const s = lookupSupplied(stream.properties, path);
    if (s !== undefined) return s;
  }
  const g = lookupSupplied(vm.env.globalProperties(), path);
  if (g !== undefined) return g;
  if (path.length === 1 && OBJECTS.has(top)) return stream || top === 'xds' ? 'object' : undefined;
  // Unknown top-level name → filter state "wasm.<name>" (values from proxy_set_property).
  if (stream && path.length === 1) {
    const fs = stream.filterState.get('wasm.' + top);
    if (fs) return { type: 'bytes', value: fs.value };
  }
  return undefined;
}

export function setProperty(vm: WasmVm, c: Ctx | undefined, path: Uint8Array, value: Uint8Array): number {
  if (c?.kind !== 'http') return R.NotFound; // no stream info in root / VM contexts (§10.23)
  const key = 'wasm.' + L(path);
  const s = c.stream;
  const decl = s.declaredProperties.get(L(path));
  const cur = s.filterState.get(key);
  if (decl?.readonly && cur) return R.BadArgument;
  s.filterState.set(key, { value: value.slice() });
  return R.Ok;
}

export { str, int, uint };

// envoy.extensions.filters.http.wasm.v3.Wasm → WasmFilterConfig: the same reader for a static
// http_filters entry, a config_discovery default_config and an ECDS update.
import { readFileSync } from 'node:fs';
import type { Json } from '../../envoy-config/yaml.ts';
import type { FailurePolicy } from '../../runtime/types.ts';
import type { Obj, Reader } from './reader.ts';
import type { WasmFilterConfig } from './types.ts';

export const WASM_TYPE = 'envoy.extensions.filters.http.wasm.v3.Wasm';

/** google.protobuf.StringValue / BytesValue in an Any → the bytes a plugin sees (Envoy passes exactly these). */
function configBytes(r: Reader, v: Json | undefined, path: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  const a = r.any(v, path, ['google.protobuf.StringValue', 'google.protobuf.BytesValue']);
  if (!a) return new Uint8Array(0);
  const f = r.fields(a.obj, path, ['@type', 'value']);
  const val = r.str(f.value, `${path}.value`);
  return new Uint8Array(a.type === 'google.protobuf.StringValue' ? Buffer.from(val, 'utf8') : Buffer.from(val, 'base64'));
}

/** `v` is the Wasm message (with or without its @type); `path` its place in the YAML. */
export function readWasmFilter(r: Reader, v: Json | undefined, path: string): WasmFilterConfig | null {
  const top = r.fields(v, path, ['@type', 'config']);
  const cpath = `${path}.config`;
  const c = r.fields(top.config, cpath, ['name', 'root_id', 'vm_config', 'configuration', 'fail_open', 'failure_policy']);
  if (!top.config) { r.error(cpath, 'required by the dev gateway'); return null; }
  let failurePolicy: FailurePolicy = r.bool(c.fail_open, `${cpath}.fail_open`) ? 'FAIL_OPEN' : 'FAIL_CLOSED';
  // failure_policy (Envoy ≥ 1.33) is not in the vendored API, so the validator rejects it first; read it
  // anyway for configs validated against a newer API.
  if (c.failure_policy !== undefined) {
    const p = r.oneOf(c.failure_policy, `${cpath}.failure_policy`, ['FAIL_CLOSED', 'FAIL_OPEN', 'FAIL_RELOAD'] as const, 'FAIL_CLOSED');
    failurePolicy = p;
  }
  const vpath = `${cpath}.vm_config`;
  const vm = r.fields(c.vm_config, vpath, ['vm_id', 'runtime', 'code', 'configuration', 'environment_variables']);
  if (!c.vm_config) r.error(vpath, 'required by the dev gateway (only local code is supported)');
  r.oneOf(vm.runtime, `${vpath}.runtime`, ['envoy.wasm.runtime.v8'] as const, 'envoy.wasm.runtime.v8');
  const code = r.fields(vm.code, `${vpath}.code`, ['local']);
  const local = r.fields(code.local, `${vpath}.code.local`, ['filename', 'inline_bytes']);
  let codePath = '';
  let bytes = new Uint8Array(0);
  if (typeof local.filename === 'string') {
    codePath = r.resolveFile(local.filename);
    try {
      bytes = new Uint8Array(readFileSync(codePath));
    } catch (e) {
      r.error(`${vpath}.code.local.filename`, `cannot read ${codePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (typeof local.inline_bytes === 'string') {
    codePath = '<inline>';
    bytes = new Uint8Array(Buffer.from(local.inline_bytes, 'base64'));
  } else if (c.vm_config) r.error(`${vpath}.code.local`, 'filename or inline_bytes required');
  const envVars: Record<string, string> = {};
  const ev = r.fields(vm.environment_variables, `${vpath}.environment_variables`, ['host_env_keys', 'key_values']);
  for (const [i, k] of r.list(ev.host_env_keys, `${vpath}.environment_variables.host_env_keys`).entries()) {
    const key = r.str(k, `${vpath}.environment_variables.host_env_keys[${i}]`);
    if (process.env[key] !== undefined) envVars[key] = process.env[key]!;
  }
  if (ev.key_values !== undefined) {
    for (const [k, val] of Object.entries(ev.key_values as Obj)) envVars[k] = r.str(val, `${vpath}.environment_variables.key_values.${k}`);
  }
  return {
    name: r.str(c.name, `${cpath}.name`),
    rootId: r.str(c.root_id, `${cpath}.root_id`),
    vmId: r.str(vm.vm_id, `${vpath}.vm_id`),
    codePath,
    code: bytes,
    configuration: configBytes(r, c.configuration, `${cpath}.configuration`),
    vmConfiguration: configBytes(r, vm.configuration, `${vpath}.configuration`),
    failurePolicy,
    envVars,
  };
}

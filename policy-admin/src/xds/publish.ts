// publishRevision: a compiled revision (per security server, each filter's JSON configuration) → one
// snapshot per security server in the SnapshotCache, which pushes it to the connected Envoys.
//
// This is the seam between the compiler (policy-admin/src/compiler) and the xDS server: the compiler's
// output is mapped onto CompiledRevision by the code that listens for "revision committed".
//
// Each filter becomes one ECDS resource (reference B.2/G.1): a TypedExtensionConfig named like the Envoy
// HttpFilter with config_discovery (`govstack.authz`, …) wrapping envoy.extensions.filters.http.wasm.v3.Wasm.
// Its vm_config (vm_id, runtime, code) comes from the deployment's WasmFilterSpec and stays the same
// across revisions so Envoy reuses the VM; only `configuration` (a StringValue holding the JSON) changes.
import type { JsonObject } from '../../../host/xds/codec.ts';
import { STRING_VALUE_TYPE_URL, TypeUrl, WASM_TYPE_URL, type XdsTypeUrl } from '../../../host/xds/protos.ts';
import { RevisionOrderError, type SnapshotCache } from './cache.ts';
import { buildSnapshot, sameContent, SnapshotError, type Snapshot, type SnapshotInput } from './snapshot.ts';

/** How one wasm filter is deployed: the same for every revision. */
export interface WasmFilterSpec {
  /** ECDS resource name = the HttpFilter `name` in the Envoy config (e.g. govstack.authz) */
  resourceName: string;
  rootId: string;
  vmId: string;
  /** vm_config.code: a local file, or a remote module pinned by sha256 */
  code: { local: { filename: string } } | { remote: { http_uri: { uri: string; cluster: string; timeout: string }; sha256: string } };
  runtime?: string;
}

/** The project's four filters as envoy/xds/bootstrap.yaml names them; module paths relative to the repo root. */
export const DEFAULT_WASM_FILTERS: Readonly<Record<string, WasmFilterSpec>> = Object.freeze({
  'request-id': { resourceName: 'govstack.requestid', rootId: 'request-id', vmId: 'request-id', code: { local: { filename: 'filters/request-id/build/request-id.wasm' } } },
  authz: { resourceName: 'govstack.authz', rootId: 'authz', vmId: 'authz', code: { local: { filename: 'filters/authz/build/authz.wasm' } } },
  'rate-limit': { resourceName: 'govstack.ratelimit', rootId: 'rate-limit', vmId: 'rate-limit', code: { local: { filename: 'filters/rate-limit/build/rate-limit.wasm' } } },
  'header-routing': { resourceName: 'govstack.routing', rootId: 'header-routing', vmId: 'header-routing', code: { local: { filename: 'filters/header-routing/build/header-routing.wasm' } } },
});

/** What the compiler produces for one revision. */
export interface CompiledRevision {
  rev: number;
  securityServers: CompiledSecurityServer[];
}

export interface CompiledSecurityServer {
  /** the security server id = the xDS node group */
  securityServerId: string;
  /** filter key (a key of the WasmFilterSpec map, e.g. "authz") → its configuration: JSON text, or a
   *  value serialised with JSON.stringify */
  filters: Record<string, string | object>;
  /** optional gateway resources in proto3 JSON (as in envoy.yaml), e.g. clusters for new upstreams */
  clusters?: JsonObject[];
  endpoints?: JsonObject[];
  listeners?: JsonObject[];
  routes?: JsonObject[];
}

export interface PublishResult {
  rev: number;
  groups: { securityServerId: string; versions: Record<string, string>; changedTypes: string[] }[];
}

/** The ECDS resource for one wasm filter (proto3 JSON of envoy.config.core.v3.TypedExtensionConfig). */
export function wasmExtensionConfig(spec: WasmFilterSpec, configuration: string, pluginName = spec.rootId): JsonObject {
  return {
    name: spec.resourceName,
    typed_config: {
      '@type': WASM_TYPE_URL,
      config: {
        name: pluginName,
        root_id: spec.rootId,
        vm_config: { vm_id: spec.vmId, runtime: spec.runtime ?? 'envoy.wasm.runtime.v8', code: spec.code },
        configuration: { '@type': STRING_VALUE_TYPE_URL, value: configuration },
      },
    },
  };
}

function snapshotInput(rev: number, ss: CompiledSecurityServer, i: number, specs: Readonly<Record<string, WasmFilterSpec>>): SnapshotInput {
  const where = `securityServers[${i}]`;
  if (typeof ss?.securityServerId !== 'string' || ss.securityServerId === '') throw new SnapshotError(`${where}.securityServerId`, 'must be a non-empty string');
  const ecds: JsonObject[] = [];
  for (const [key, cfg] of Object.entries(ss.filters ?? {})) {
    const spec = specs[key];
    if (!spec) throw new SnapshotError(`${where}.filters.${key}`, `unknown filter (known: ${Object.keys(specs).join(', ')})`);
    const text = typeof cfg === 'string' ? cfg : JSON.stringify(cfg);
    if (typeof cfg === 'string') {
      try {
        JSON.parse(cfg);
      } catch (e) {
        throw new SnapshotError(`${where}.filters.${key}`, `configuration is not JSON: ${(e as Error).message}`);
      }
    }
    ecds.push(wasmExtensionConfig(spec, text));
  }
  const resources: Partial<Record<XdsTypeUrl, JsonObject[]>> = { [TypeUrl.TypedExtensionConfig]: ecds };
  if (ss.clusters) resources[TypeUrl.Cluster] = ss.clusters;
  if (ss.endpoints) resources[TypeUrl.ClusterLoadAssignment] = ss.endpoints;
  if (ss.listeners) resources[TypeUrl.Listener] = ss.listeners;
  if (ss.routes) resources[TypeUrl.RouteConfiguration] = ss.routes;
  return { revision: rev, resources };
}

/**
 * Installs `compiled` in `cache`, one snapshot per security server. All-or-nothing: every snapshot is
 * built and checked (resources valid against Envoy's protos, references resolvable, revision not going
 * back) before any is installed, so a bad security server cannot leave the fleet half-published.
 * Security servers absent from `compiled` keep their snapshots.
 */
export function publishRevision(cache: SnapshotCache, compiled: CompiledRevision, specs: Readonly<Record<string, WasmFilterSpec>> = DEFAULT_WASM_FILTERS): PublishResult {
  if (!Number.isSafeInteger(compiled?.rev) || compiled.rev < 0) throw new SnapshotError('rev', `must be a non-negative integer, got ${JSON.stringify(compiled?.rev)}`);
  const seen = new Set<string>();
  const planned = (compiled.securityServers ?? []).map((ss, i) => {
    const input = snapshotInput(compiled.rev, ss, i, specs);
    if (seen.has(ss.securityServerId)) throw new SnapshotError(`securityServers[${i}].securityServerId`, `duplicate ${ss.securityServerId}`);
    seen.add(ss.securityServerId);
    const current = cache.getSnapshot(ss.securityServerId);
    if (current && compiled.rev < current.revision) throw new RevisionOrderError(ss.securityServerId, compiled.rev, current.revision);
    const next = buildSnapshot(ss.securityServerId, input, current); // throws on invalid input
    if (current && compiled.rev === current.revision && !sameContent(current, next)) {
      throw new RevisionOrderError(ss.securityServerId, compiled.rev, current.revision, 'a revision is immutable: the same revision with different content');
    }
    return { group: ss.securityServerId, input, before: current };
  });
  const groups = planned.map(({ group, input, before }) => {
    const snap: Snapshot = cache.setSnapshot(group, input);
    const versions = Object.fromEntries(snap.versions);
    const changedTypes = [...snap.versions].filter(([t, v]) => before?.versions.get(t) !== v).map(([t]) => t);
    return { securityServerId: group, versions, changedTypes };
  });
  return { rev: compiled.rev, groups };
}

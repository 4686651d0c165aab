// An immutable, internally consistent set of xDS resources for one node group (a security server), as
// go-control-plane's cache.Snapshot: resources by type URL, one version per type.
//
// Versions (reference B.3/G.3): `r{revision}-{sha8}` where sha8 is the first 8 hex digits of the SHA-256
// over that type's resources (names and encoded bytes, in name order). A type whose content did not
// change keeps the version it had, so clients are not pushed identical content; a type that changed gets
// the new revision's number, so a version string is never reused — a rollback to old content is
// published under a new version. Versions are opaque to clients (compared only for equality).
import { createHash } from 'node:crypto';
import { encodeResource, type JsonObject } from '../../../host/xds/codec.ts';
import { TypeUrl, type AnyMessage, type XdsTypeUrl } from '../../../host/xds/protos.ts';

/**
 * Push order within one snapshot change (make-before-break, reference B.1): clusters and their
 * endpoints first, then ECDS filter configs, then the listeners that may reference new clusters or
 * filter names, then routes.
 */
export const PUSH_ORDER: readonly XdsTypeUrl[] = [
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.TypedExtensionConfig,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/** Types whose SotW responses must carry every resource (absence = deletion); others are sent by name. */
export const FULL_STATE_TYPES: ReadonlySet<string> = new Set([TypeUrl.Listener, TypeUrl.Cluster]);

/** What a snapshot is built from: resources of each type in proto3 JSON, as in an Envoy YAML file. */
export interface SnapshotInput {
  /** the policy revision this snapshot implements; must grow from one snapshot of a group to the next */
  revision: number;
  resources: Partial<Record<XdsTypeUrl, JsonObject[]>>;
}

export interface SnapshotResource {
  name: string;
  any: AnyMessage;
  /** SHA-256 (hex) of the encoded resource: equal hashes = identical content */
  hash: string;
}

export interface Snapshot {
  group: string;
  revision: number;
  /** per type: the version clients see in `version_info`; only the types the input carried (a type
   *  left out is not managed here and never answered; an empty list means "none", e.g. no listeners) */
  versions: ReadonlyMap<string, string>;
  /** per type: name → resource */
  resources: ReadonlyMap<string, ReadonlyMap<string, SnapshotResource>>;
  createdAt: Date;
}

export class SnapshotError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'SnapshotError';
  }
}

const shortType = (t: string) => t.slice(t.lastIndexOf('.') + 1);

/** The xDS resource name of a resource: `cluster_name` for a ClusterLoadAssignment, else `name`. */
export function resourceName(typeUrl: string, json: JsonObject): unknown {
  if (typeUrl === TypeUrl.ClusterLoadAssignment) return json?.cluster_name ?? json?.clusterName;
  return json?.name;
}

function typeHash(byName: ReadonlyMap<string, SnapshotResource>): string {
  const h = createHash('sha256');
  for (const name of [...byName.keys()].sort()) h.update(name).update('\0').update(byName.get(name)!.hash).update('\n');
  return h.digest('hex');
}

/**
 * Builds the snapshot of `group` for `input`: validates every resource against Envoy's protos, encodes
 * it, rejects duplicate names and dangling references (the checks Envoy would NACK or time out on), and
 * computes the versions against `previous` (the group's current snapshot, if any).
 */
export function buildSnapshot(group: string, input: SnapshotInput, previous?: Snapshot): Snapshot {
  if (!Number.isSafeInteger(input.revision) || input.revision < 0) throw new SnapshotError('revision', `must be a non-negative integer, got ${JSON.stringify(input.revision)}`);
  for (const t of Object.keys(input.resources)) {
    if (!PUSH_ORDER.includes(t as XdsTypeUrl)) throw new SnapshotError(`resources[${JSON.stringify(t)}]`, `unsupported resource type (supported: ${PUSH_ORDER.join(', ')})`);
  }
  const resources = new Map<string, Map<string, SnapshotResource>>();
  const carried = PUSH_ORDER.filter((t) => input.resources[t] !== undefined);
  for (const typeUrl of carried) {
    const byName = new Map<string, SnapshotResource>();
    const list = input.resources[typeUrl];
    if (!Array.isArray(list)) throw new SnapshotError(`resources.${shortType(typeUrl)}`, 'must be a list of resources');
    list.forEach((json, i) => {
      const field = `resources.${shortType(typeUrl)}[${i}]`;
      const name = resourceName(typeUrl, json);
      const nameField = typeUrl === TypeUrl.ClusterLoadAssignment ? 'cluster_name' : 'name';
      if (typeof name !== 'string' || name === '') throw new SnapshotError(`${field}.${nameField}`, 'a resource needs a non-empty name');
      if (byName.has(name)) throw new SnapshotError(`${field}.${nameField}`, `duplicate ${shortType(typeUrl)} name ${JSON.stringify(name)} (Envoy NACKs a response with duplicates)`);
      let any: AnyMessage;
      try {
        any = encodeResource(typeUrl, json);
      } catch (e) {
        throw new SnapshotError(field, (e as Error).message);
      }
      byName.set(name, { name, any, hash: createHash('sha256').update(any.value).digest('hex') });
    });
    resources.set(typeUrl, byName);
  }
  checkReferences(input);

  const versions = new Map<string, string>();
  for (const typeUrl of carried) {
    const h = typeHash(resources.get(typeUrl)!);
    const prev = previous?.versions.get(typeUrl);
    const prevRes = previous?.resources.get(typeUrl);
    const prevHash = prevRes ? typeHash(prevRes) : null;
    versions.set(typeUrl, prev && prevHash === h ? prev : `r${input.revision}-${h.slice(0, 8)}`);
  }
  return { group, revision: input.revision, versions, resources, createdAt: new Date() };
}

/** True when both snapshots hold byte-identical resources of every type. */
export function sameContent(a: Snapshot, b: Snapshot): boolean {
  return PUSH_ORDER.every((t) => {
    const x = a.resources.get(t);
    const y = b.resources.get(t);
    return x === undefined || y === undefined ? x === y : typeHash(x) === typeHash(y);
  });
}

// ------------------------------------------------------------------------------------ consistency

/** Every value of `key` anywhere under `o` (objects and arrays), with the object holding it. */
function* walk(o: unknown, key: string): Generator<[JsonObject, unknown]> {
  if (Array.isArray(o)) for (const x of o) yield* walk(x, key);
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o as JsonObject)) {
      if (k === key) yield [o as JsonObject, v];
      yield* walk(v, key);
    }
  }
}

/**
 * go-control-plane's Consistent(), for what this snapshot carries: RDS names used by listeners
 * (`rds.route_config_name` with an ADS config source), EDS names used by clusters, and ECDS names used
 * by `config_discovery` filters must exist in the snapshot, or Envoy would wait on them forever (SotW
 * cannot say "does not exist"). Only checked when the snapshot carries that type at all: an Envoy may
 * take some types from elsewhere.
 */
function checkReferences(input: SnapshotInput): void {
  const names = (t: XdsTypeUrl) => new Set((input.resources[t] ?? []).map((r) => resourceName(t, r)));
  const check = (t: XdsTypeUrl, refs: Iterable<[string, string]>) => {
    if (input.resources[t] === undefined) return;
    const have = names(t);
    for (const [where, name] of refs) if (!have.has(name)) throw new SnapshotError(where, `references ${shortType(t)} ${JSON.stringify(name)}, which is not in the snapshot`);
  };
  const listeners = input.resources[TypeUrl.Listener] ?? [];
  const routeRefs: [string, string][] = [];
  const ecdsRefs: [string, string][] = [];
  listeners.forEach((l, i) => {
    for (const [holder, rds] of walk(l, 'rds')) {
      const name = (rds as JsonObject)?.route_config_name ?? (rds as JsonObject)?.routeConfigName;
      if (typeof name === 'string' && holder) routeRefs.push([`resources.Listener[${i}] (${l.name})`, name]);
    }
    for (const [holder] of walk(l, 'config_discovery')) {
      if (typeof holder.name === 'string') ecdsRefs.push([`resources.Listener[${i}] (${l.name})`, holder.name]);
    }
  });
  check(TypeUrl.RouteConfiguration, routeRefs);
  check(TypeUrl.TypedExtensionConfig, ecdsRefs);
  const edsRefs: [string, string][] = [];
  (input.resources[TypeUrl.Cluster] ?? []).forEach((c, i) => {
    if (c.type !== 'EDS') return;
    const cfg = (c.eds_cluster_config ?? c.edsClusterConfig) as JsonObject | undefined;
    edsRefs.push([`resources.Cluster[${i}] (${c.name})`, String(cfg?.service_name ?? cfg?.serviceName ?? c.name)]);
  });
  check(TypeUrl.ClusterLoadAssignment, edsRefs);
}

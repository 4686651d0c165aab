/**
 * The content hash of a policy snapshot: a two-level SHA-256 Merkle hash over its entities.
 *
 * Why not sha256(JSON of the whole snapshot)? With 100,000 access rights the JSON is ~30 MB; re-serialising and
 * hashing it on every grant would cost hundreds of milliseconds. With this scheme a change re-hashes only the
 * bucket(s) it touched (≈ n/256 leaf hashes) plus the bucket list, and the repository keeps leaf and bucket hashes
 * in its tables. The value depends on the content only (not on history), so a rollback to old content repeats
 * the old hash, and anyone holding a snapshot can recompute it with {@link contentSha256}.
 *
 *   leaf(e)        = sha256hex(canonicalJson(e))
 *   bucket(id)     = first byte of sha256(utf8(id))                     (0..255)
 *   bucketHash     = sha256hex(Σ over the bucket's entities sorted by id:  id "\t" leaf "\n")
 *   contentSha256  = sha256hex("policy-snapshot/1\n" Σ over kinds in ENTITY_KINDS order, buckets ascending,
 *                              non-empty buckets only:  kind "\t" bucket "\t" bucketHash "\n")
 * `requestIdPolicy` is the kind with at most one entity (id "default").
 */
import { createHash } from 'node:crypto';
import type { EntityKind, PolicySnapshot } from './snapshot.ts';
import { ENTITY_KINDS } from './snapshot.ts';

export const HASH_DOMAIN = 'policy-snapshot/1\n';

export function sha256hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted (recursively), no whitespace; `undefined` members dropped as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function leafHash(entity: unknown): string {
  return sha256hex(canonicalJson(entity));
}

export function bucketOf(id: string): number {
  return createHash('sha256').update(id).digest()[0];
}

/** Entries of one bucket: [id, leafHash]; sorted here. */
export function bucketHash(entries: [string, string][]): string {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let s = '';
  for (const [id, leaf] of entries) s += id + '\t' + leaf + '\n';
  return sha256hex(s);
}

/** Root over bucket hashes: rows [kind, bucket, bucketHash] of non-empty buckets, any order. */
export function rootHash(rows: [EntityKind, number, string][]): string {
  const order = new Map(ENTITY_KINDS.map((k, i) => [k, i]));
  rows.sort((a, b) => (order.get(a[0])! - order.get(b[0])!) || a[1] - b[1]);
  let s = HASH_DOMAIN;
  for (const [kind, bucket, h] of rows) s += kind + '\t' + bucket + '\t' + h + '\n';
  return sha256hex(s);
}

/** Entities of a kind as a list (requestIdPolicy: zero or one). */
export function entitiesOf(snapshot: PolicySnapshot, kind: EntityKind): { id: string }[] {
  if (kind === 'requestIdPolicy') return snapshot.requestIdPolicy ? [snapshot.requestIdPolicy] : [];
  return snapshot[kind] as { id: string }[];
}

/** The content hash of a whole snapshot, computed from scratch. */
export function contentSha256(snapshot: PolicySnapshot): string {
  const rows: [EntityKind, number, string][] = [];
  for (const kind of ENTITY_KINDS) {
    const buckets = new Map<number, [string, string][]>();
    for (const e of entitiesOf(snapshot, kind)) {
      const b = bucketOf(e.id);
      let list = buckets.get(b);
      if (!list) buckets.set(b, (list = []));
      list.push([e.id, leafHash(e)]);
    }
    for (const [b, list] of buckets) rows.push([kind, b, bucketHash(list)]);
  }
  return rootHash(rows);
}

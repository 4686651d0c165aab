/**
 * Reading revisions: content at any revision (the SnapshotSource the compiler, evaluator and xDS server use),
 * the revision list, and the diff between two revisions. Revisions are immutable, so snapshots are cached.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import {
  emptySnapshot, type EntityKind, type PolicySnapshot, type RevisionContent, type SnapshotSource,
} from '../model/snapshot.ts';
import { notFound } from '../http/errors.ts';
import type { Change } from './policy-tx.ts';
import type { RevisionsTable } from '../db/schema.ts';

/** A revision as the API reports it: its row, as stored. */
export type RevisionInfo = RevisionsTable;

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Rows (kind, id, body) valid at `rev`. */
async function rowsAt(conn: Kysely<Database>, rev: number) {
  return conn.selectFrom('entities').select(['kind', 'id', 'body'])
    .where('rev_from', '<=', rev)
    .where((eb) => eb.or([eb('rev_to', 'is', null), eb('rev_to', '>', rev)]))
    .execute();
}

export function buildSnapshot(rows: { kind: string; body: string }[]): PolicySnapshot {
  const s = emptySnapshot();
  for (const r of rows) {
    const e = JSON.parse(r.body);
    if (r.kind === 'requestIdPolicy') s.requestIdPolicy = e;
    else (s[r.kind as Exclude<EntityKind, 'requestIdPolicy'>] as unknown[]).push(e);
  }
  for (const k of Object.keys(s) as (keyof PolicySnapshot)[]) {
    const v = s[k];
    if (Array.isArray(v)) (v as { id: string }[]).sort(byId);
  }
  return s;
}

/** Differences between revisions a and b (either order): one entry per entity whose content differs. */
export async function diffRevisions(conn: Kysely<Database>, a: number, b: number): Promise<Change[]> {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  if (lo === hi) return [];
  const rows = await conn.selectFrom('entities').select(['kind', 'id', 'rev_from', 'rev_to', 'body', 'leaf'])
    .where((eb) => eb.or([
      eb.and([eb('rev_from', '>', lo), eb('rev_from', '<=', hi)]),
      eb.and([eb('rev_to', '>', lo), eb('rev_to', '<=', hi)]),
    ])).execute();
  const at = (r: { rev_from: number; rev_to: number | null }, rev: number) =>
    Number(r.rev_from) <= rev && (r.rev_to === null || Number(r.rev_to) > rev);
  const byKey = new Map<string, { kind: string; id: string; a?: typeof rows[0]; b?: typeof rows[0] }>();
  for (const r of rows) {
    const key = r.kind + '\0' + r.id;
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { kind: r.kind, id: r.id }));
    if (at(r, a)) e.a = r;
    if (at(r, b)) e.b = r;
  }
  const out: Change[] = [];
  for (const e of byKey.values()) {
    if (e.a?.leaf === e.b?.leaf) continue;
    out.push({ kind: e.kind as EntityKind, id: e.id, before: e.a ? JSON.parse(e.a.body) : null, after: e.b ? JSON.parse(e.b.body) : null });
  }
  out.sort((x, y) => (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return out;
}

export class RevisionStore implements SnapshotSource {
  private readonly cache = new Map<number, RevisionContent>();
  constructor(private readonly db: Db, private readonly cacheSize = 4) {}

  async head(): Promise<{ rev: number; sha256: string }> {
    const h = await this.db.kysely.selectFrom('policy_head').select(['rev', 'content_sha256']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { rev: Number(h.rev), sha256: h.content_sha256 };
  }

  /** Content at `rev` (default head). The returned object is shared with the cache: treat it as read-only. */
  async snapshot(rev?: number): Promise<RevisionContent> {
    const r = rev ?? (await this.head()).rev;
    const hit = this.cache.get(r);
    if (hit) return hit;
    const info = await this.revision(r);
    // Read the rows and the revision in one consistent view (PostgreSQL: repeatable read).
    const rows = this.db.dialect === 'postgres'
      ? await this.db.kysely.transaction().setIsolationLevel('repeatable read').execute((trx) => rowsAt(trx, r))
      : await rowsAt(this.db.kysely, r);
    const content: RevisionContent = { rev: r, sha256: info.content_sha256, content: buildSnapshot(rows) };
    this.cache.set(r, content);
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return content;
  }

  async revision(rev: number): Promise<RevisionInfo> {
    const row = await this.db.kysely.selectFrom('revisions').selectAll().where('rev', '=', rev).executeTakeFirst();
    if (!row) throw notFound('revision', String(rev));
    return normalize(row);
  }

  /** Newest first; `before` pages backwards. */
  async list(limit = 100, before?: number): Promise<RevisionInfo[]> {
    let q = this.db.kysely.selectFrom('revisions').selectAll().orderBy('rev', 'desc').limit(limit);
    if (before !== undefined) q = q.where('rev', '<', before);
    return (await q.execute()).map(normalize);
  }

  async diff(a: number, b: number): Promise<Change[]> {
    await this.revision(a);
    await this.revision(b);
    return diffRevisions(this.db.kysely, a, b);
  }
}

function normalize(row: any): RevisionInfo {
  return {
    ...row, rev: Number(row.rev), parent_rev: row.parent_rev === null ? null : Number(row.parent_rev),
    rollback_of: row.rollback_of === null ? null : Number(row.rollback_of), change_count: Number(row.change_count),
  };
}

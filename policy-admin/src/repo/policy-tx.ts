/**
 * The entity store seen from inside one write transaction: read current entities, put/remove them, and commit
 * the result as the next revision.
 *
 * Why a temporal table (rev_from/rev_to) rather than a full copy per revision: a grant writes one row and closes
 * one, whatever the size of the policy; any revision's content is still one indexed query away; and the content
 * hash is maintained per bucket (model/content-hash.ts), so a change re-hashes ≈ n/256 leaves, not the whole
 * policy.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EntityKind } from '../model/snapshot.ts';
import { bucketHash, bucketOf, canonicalJson, rootHash, sha256hex } from '../model/content-hash.ts';
import { refsOf } from './refs.ts';
import type { WriteConn } from './tx.ts';

export interface Change {
  kind: EntityKind;
  id: string;
  before: unknown | null;
  after: unknown | null;
}

export interface CommitInfo {
  author: string;
  message: string;
  correlationId: string;
  rollbackOf?: number;
}

export class PolicyTx {
  readonly conn: Kysely<Database>;
  readonly headRev: number;
  readonly headSha: string;
  /** The revision this transaction will create if it changes anything. */
  readonly newRev: number;
  private readonly changes = new Map<string, Change>();
  private readonly touchedBuckets = new Set<string>();
  private rowsWritten = false;
  private readonly w: WriteConn;

  constructor(w: WriteConn) {
    this.w = w;
    this.conn = w.conn;
    this.headRev = w.headRev;
    this.headSha = w.headSha;
    this.newRev = w.headRev + 1;
  }

  async get<T>(kind: EntityKind, id: string): Promise<T | undefined> {
    const row = await this.conn.selectFrom('entities').select('body')
      .where('kind', '=', kind).where('id', '=', id).where('rev_to', 'is', null).executeTakeFirst();
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  /** Current entities of a kind, optionally filtered on the indexed refs; sorted by id. */
  async list<T>(kind: EntityKind, where: { ref1?: string; ref2?: string } = {}): Promise<T[]> {
    let q = this.conn.selectFrom('entities').select(['id', 'body']).where('kind', '=', kind).where('rev_to', 'is', null);
    if (where.ref1 !== undefined) q = q.where('ref1', '=', where.ref1);
    if (where.ref2 !== undefined) q = q.where('ref2', '=', where.ref2);
    const rows = await q.execute();
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((r) => JSON.parse(r.body) as T);
  }

  /** Writes an entity (insert or replace). Returns false when it is already exactly so. */
  async put<T extends { id: string }>(kind: EntityKind, entity: T): Promise<boolean> {
    const body = canonicalJson(entity);
    const leaf = sha256hex(body);
    const cur = await this.conn.selectFrom('entities').select(['rev_from', 'body', 'leaf'])
      .where('kind', '=', kind).where('id', '=', entity.id).where('rev_to', 'is', null).executeTakeFirst();
    if (cur && cur.leaf === leaf) return false;
    const [ref1, ref2] = refsOf(kind, entity);
    const bucket = bucketOf(entity.id);
    if (cur && Number(cur.rev_from) === this.newRev) {
      await this.conn.updateTable('entities').set({ body, leaf, ref1, ref2 })
        .where('kind', '=', kind).where('id', '=', entity.id).where('rev_from', '=', this.newRev).execute();
    } else {
      if (cur) {
        await this.conn.updateTable('entities').set({ rev_to: this.newRev })
          .where('kind', '=', kind).where('id', '=', entity.id).where('rev_to', 'is', null).execute();
      }
      await this.conn.insertInto('entities')
        .values({ kind, id: entity.id, rev_from: this.newRev, rev_to: null, body, leaf, bucket, ref1, ref2 }).execute();
    }
    this.record(kind, entity.id, cur ? JSON.parse(cur.body) : null, JSON.parse(body), bucket);
    return true;
  }

  /** Removes an entity. Returns false when it does not exist. */
  async remove(kind: EntityKind, id: string): Promise<boolean> {
    const cur = await this.conn.selectFrom('entities').select(['rev_from', 'body'])
      .where('kind', '=', kind).where('id', '=', id).where('rev_to', 'is', null).executeTakeFirst();
    if (!cur) return false;
    if (Number(cur.rev_from) === this.newRev) {
      await this.conn.deleteFrom('entities').where('kind', '=', kind).where('id', '=', id).where('rev_from', '=', this.newRev).execute();
    } else {
      await this.conn.updateTable('entities').set({ rev_to: this.newRev })
        .where('kind', '=', kind).where('id', '=', id).where('rev_to', 'is', null).execute();
    }
    this.record(kind, id, JSON.parse(cur.body), null, bucketOf(id));
    return true;
  }

  /** Next value of a named counter ("1", "2", …): ids of endpoints, local groups, service descriptions, keys. */
  async nextId(name: string): Promise<string> {
    const row = await this.conn.selectFrom('sequences').select('value').where('name', '=', name).executeTakeFirst();
    const value = row ? Number(row.value) + 1 : 1;
    if (row) await this.conn.updateTable('sequences').set({ value }).where('name', '=', name).execute();
    else await this.conn.insertInto('sequences').values({ name, value }).execute();
    return String(value);
  }

  private record(kind: EntityKind, id: string, before: unknown, after: unknown, bucket: number) {
    this.rowsWritten = true;
    this.touchedBuckets.add(kind + '\0' + bucket);
    const key = kind + '\0' + id;
    const prev = this.changes.get(key);
    this.changes.set(key, { kind, id, before: prev ? prev.before : before, after });
  }

  /** Net changes so far (an entity changed and changed back is not a change). */
  netChanges(): Change[] {
    return [...this.changes.values()].filter((c) => canonicalJson(c.before) !== canonicalJson(c.after));
  }

  /**
   * Makes the writes revision `newRev`: re-hashes the touched buckets, computes the content hash, appends the
   * revision row and moves the head. Returns null (and writes nothing) when no entity row was written.
   */
  async commitRevision(info: CommitInfo): Promise<{ rev: number; sha256: string; changes: Change[] } | null> {
    if (!this.rowsWritten) return null;
    // Bucket hashes of the head: from this process's cache when it wrote the head, else from the table.
    let buckets: Map<string, string>;
    if (this.w.bucketHashes) buckets = new Map(this.w.bucketHashes.rows);
    else {
      const all = await this.conn.selectFrom('bucket_hashes').select(['kind', 'bucket', 'hash']).execute();
      buckets = new Map(all.map((r) => [r.kind + '\0' + Number(r.bucket), r.hash]));
    }
    for (const key of this.touchedBuckets) {
      const [kind, b] = key.split('\0');
      const bucket = Number(b);
      const rows = await this.conn.selectFrom('entities').select(['id', 'leaf'])
        .where('kind', '=', kind).where('bucket', '=', bucket).where('rev_to', 'is', null).execute();
      await this.conn.deleteFrom('bucket_hashes').where('kind', '=', kind).where('bucket', '=', bucket).execute();
      buckets.delete(key);
      if (rows.length) {
        const hash = bucketHash(rows.map((r) => [r.id, r.leaf]));
        await this.conn.insertInto('bucket_hashes').values({ kind, bucket, hash }).execute();
        buckets.set(key, hash);
      }
    }
    const sha256 = rootHash([...buckets].map(([k, hash]) => {
      const [kind, b] = k.split('\0');
      return [kind as EntityKind, Number(b), hash];
    }));
    this.w.nextBucketHashes = { rev: this.newRev, rows: buckets };
    const changes = this.netChanges();
    await this.conn.insertInto('revisions').values({
      rev: this.newRev, parent_rev: this.headRev, content_sha256: sha256, created_at: new Date().toISOString(),
      author: info.author, message: info.message, rollback_of: info.rollbackOf ?? null,
      change_count: changes.length, correlation_id: info.correlationId,
    }).execute();
    await this.conn.updateTable('policy_head').set({ rev: this.newRev, content_sha256: sha256 }).where('id', '=', 1).execute();
    return { rev: this.newRev, sha256, changes };
  }
}

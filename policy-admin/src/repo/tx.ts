/**
 * Serialised write transactions. Every write (a policy change, an audit event, an API key) runs inside one, so
 * the revision number, the content hash and the audit hash chain advance one writer at a time, across
 * processes and replicas:
 * - SQLite: BEGIN IMMEDIATE takes the database's write lock up front (no deferred-upgrade deadlocks);
 * - PostgreSQL: SELECT … FOR UPDATE on the single policy_head row.
 * A throw rolls everything back: a failed request changes nothing.
 */
import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';

/** Bucket hashes of the content at `rev` ("kind\0bucket" → hash), kept by the process that wrote `rev`. */
export interface BucketHashCache { rev: number; rows: Map<string, string> }

export interface WriteConn {
  conn: Kysely<Database>;
  headRev: number;
  headSha: string;
  /** Valid only when its rev is the head (another process may have written since). */
  bucketHashes?: BucketHashCache;
  /** Set by a transaction that commits a revision; becomes `bucketHashes` after COMMIT. */
  nextBucketHashes?: BucketHashCache;
}

const bucketCaches = new WeakMap<Db, BucketHashCache>();

export async function withWriteTx<T>(db: Db, fn: (w: WriteConn) => Promise<T>): Promise<T> {
  return db.kysely.connection().execute(async (conn) => {
    await sql.raw(db.dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      const head = db.dialect === 'postgres'
        ? await sql<{ rev: number; content_sha256: string }>`select rev, content_sha256 from policy_head where id = 1 for update`.execute(conn).then((r) => r.rows[0])
        : await conn.selectFrom('policy_head').select(['rev', 'content_sha256']).where('id', '=', 1).executeTakeFirst();
      if (!head) throw new Error('policy_head row missing: run `policy-admin migrate`');
      const cached = bucketCaches.get(db);
      const w: WriteConn = { conn, headRev: Number(head.rev), headSha: head.content_sha256, bucketHashes: cached?.rev === Number(head.rev) ? cached : undefined };
      const result = await fn(w);
      await sql.raw('commit').execute(conn);
      if (w.nextBucketHashes) bucketCaches.set(db, w.nextBucketHashes);
      return result;
    } catch (err) {
      await sql.raw('rollback').execute(conn).catch(() => {});
      throw err;
    }
  });
}

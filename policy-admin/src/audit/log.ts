/**
 * The admin audit log (X-Road UG-SS §12; GovStack §6.6): append-only and hash-chained.
 *
 * Each row's `hash` = sha256hex(prev_hash + "\n" + canonicalJson(row without `hash`)), with prev_hash of the
 * first row = 64 zeros. Editing, deleting or reordering any row breaks the chain at that row, which
 * {@link verifyAuditChain} reports. Rows are appended inside the same write transaction as the change they
 * describe (see repo/tx.ts), so a change without its audit event (or the reverse) cannot be committed.
 * Nothing in the HTTP API updates or deletes this table.
 */
import type { Kysely } from 'kysely';
import type { Database, AuditEventsTable } from '../db/schema.ts';
import { canonicalJson, sha256hex } from '../model/content-hash.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actorType: 'API_KEY' | 'USER' | 'SYSTEM' | 'ANONYMOUS';
  actorId: string;
  roles: string[];
  authType: 'API_KEY' | 'HTTP_BASIC' | 'CLI' | 'NONE';
  event: string;
  method: string;
  url: string;
  correlationId: string;
  outcome: 'SUCCESS' | 'FAILURE';
  reason?: string;
  data?: unknown;
  before?: unknown;
  after?: unknown;
  rev?: number;
}

export type AuditRow = AuditEventsTable;

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  const { seq, ts, actor_type, actor_id, roles, auth_type, event, method, url, correlation_id, outcome, reason, data, before, after, rev, prev_hash } = row;
  const fields = { seq: Number(seq), ts, actor_type, actor_id, roles, auth_type, event, method, url, correlation_id, outcome, reason, data, before, after, rev: rev === null ? null : Number(rev), prev_hash };
  return sha256hex(prev_hash + '\n' + canonicalJson(fields));
}

/** Appends one event. Call inside withWriteTx (the chain needs a single writer). */
export async function appendAudit(conn: Kysely<Database>, e: AuditInput): Promise<AuditRow> {
  const last = await conn.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const row: Omit<AuditRow, 'hash'> = {
    seq: last ? Number(last.seq) + 1 : 1,
    ts: new Date().toISOString(),
    actor_type: e.actorType, actor_id: e.actorId, roles: JSON.stringify(e.roles), auth_type: e.authType,
    event: e.event, method: e.method, url: e.url, correlation_id: e.correlationId, outcome: e.outcome,
    reason: e.reason ?? null, data: json(e.data), before: json(e.before), after: json(e.after), rev: e.rev ?? null,
    prev_hash: last ? last.hash : GENESIS_HASH,
  };
  const full = { ...row, hash: rowHash(row) };
  await conn.insertInto('audit_events').values(full).execute();
  return full;
}

export interface VerifyResult { ok: boolean; count: number; firstBadSeq?: number; problem?: string; lastHash: string }

/** Checks sequence continuity, the prev_hash links and every row's hash, in order. */
export async function verifyRows(rows: AsyncIterable<AuditRow> | Iterable<AuditRow>): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let count = 0;
  for await (const r of rows as AsyncIterable<AuditRow>) {
    const seq = Number(r.seq);
    if (seq !== expectSeq) return { ok: false, count, firstBadSeq: expectSeq, problem: `sequence gap: expected ${expectSeq}, found ${seq}`, lastHash: prev };
    if (r.prev_hash !== prev) return { ok: false, count, firstBadSeq: seq, problem: 'prev_hash does not link to the previous row', lastHash: prev };
    if (rowHash(r) !== r.hash) return { ok: false, count, firstBadSeq: seq, problem: 'row content does not match its hash (edited)', lastHash: prev };
    prev = r.hash;
    expectSeq++;
    count++;
  }
  return { ok: true, count, lastHash: prev };
}

/** All rows in seq order, paged so a long log is not loaded at once. */
export async function* auditRows(db: Kysely<Database>, page = 1000): AsyncGenerator<AuditRow> {
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(page).execute();
    for (const r of rows) yield { ...r, seq: Number(r.seq), rev: r.rev === null ? null : Number(r.rev) };
    if (rows.length < page) return;
    after = Number(rows[rows.length - 1].seq);
  }
}

export const verifyAuditChain = (db: Kysely<Database>) => verifyRows(auditRows(db));

/**
 * The tables, as Kysely sees them. One schema for SQLite and PostgreSQL (see migrations.ts).
 * JSON is stored as text (portable, and the repository never queries inside it: the columns it filters on,
 * ref1/ref2, are extracted at write time).
 */

export interface PolicyHeadTable { id: number; rev: number; content_sha256: string }

/** One row per committed revision (immutable). */
export interface RevisionsTable {
  rev: number;
  parent_rev: number | null;
  content_sha256: string;
  created_at: string;
  author: string;
  message: string;
  rollback_of: number | null;
  change_count: number;
  correlation_id: string;
}

/**
 * Temporal entity table: a row is the content of one entity from `rev_from` (inclusive) until `rev_to`
 * (exclusive; NULL = still current). Snapshot at R = rows with rev_from <= R < coalesce(rev_to, ∞).
 */
export interface EntitiesTable {
  kind: string;
  id: string;
  rev_from: number;
  rev_to: number | null;
  body: string; // canonical JSON of the entity
  leaf: string; // sha256 of body (content-hash leaf)
  bucket: number; // content-hash bucket of id
  ref1: string | null; // indexed reference (e.g. provider subsystem of a right)
  ref2: string | null; // second indexed reference (e.g. subject id of a right)
}

/** Current bucket hashes of the head revision's content (see model/content-hash.ts). */
export interface BucketHashesTable { kind: string; bucket: number; hash: string }

export interface SequencesTable { name: string; value: number }

/** Append-only, hash-chained audit log. */
export interface AuditEventsTable {
  seq: number;
  ts: string;
  actor_type: string;
  actor_id: string;
  roles: string; // JSON array
  auth_type: string;
  event: string;
  method: string;
  url: string;
  correlation_id: string;
  outcome: string; // SUCCESS | FAILURE
  reason: string | null;
  data: string | null; // JSON
  before: string | null; // JSON
  after: string | null; // JSON
  rev: number | null;
  prev_hash: string;
  hash: string;
}

export interface ApiKeysTable {
  id: number; // from the sequences table (portable across both databases)
  key_hash: string;
  roles: string; // JSON array of Role
  scope: string; // JSON {memberId?, subsystemId?}
  name: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

/** Local admin users (HTTP Basic auth on /api-keys only, from loopback): X-Road's PAM users. */
export interface AdminUsersTable {
  name: string;
  password_hash: string; // scrypt$N$r$p$salt$hash (base64url), see auth/users.ts
  roles: string; // JSON array of Role
  created_at: string;
}

export interface Database {
  policy_head: PolicyHeadTable;
  revisions: RevisionsTable;
  entities: EntitiesTable;
  bucket_hashes: BucketHashesTable;
  sequences: SequencesTable;
  audit_events: AuditEventsTable;
  api_keys: ApiKeysTable;
  admin_users: AdminUsersTable;
}

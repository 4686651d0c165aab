/**
 * Opens the database: PostgreSQL when DATABASE_URL (or `url`) is a postgres:// URL, else SQLite in a file
 * (default ./data/policy-admin.db) with WAL, so readers never block the writer and a killed process leaves
 * the last committed state.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Where it lives (file path or URL without password), for logs. */
  where: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… or a SQLite file path or ':memory:'. Default: $DATABASE_URL, else ./data/policy-admin.db. */
  url?: string;
  /** Kysely query log hook (profiling: each query's SQL and duration). */
  log?: (e: LogEvent) => void;
}

export function openDatabase(opts: OpenOptions = {}): Db {
  const url = opts.url ?? process.env.DATABASE_URL ?? './data/policy-admin.db';
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: opts.log });
    return { kysely, dialect: 'postgres', where: url.replace(/\/\/[^@/]*@/, '//***@'), close: () => kysely.destroy() };
  }
  const file = url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${process.env.POLICY_ADMIN_SQLITE_SYNC ?? 'FULL'}`); // an acknowledged change (and its audit event) survives power loss
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536'); // 64 MB page cache: 100,000 rights stay hot (default 2 MB thrashes) // other processes (the CLI) wait for the writer instead of failing
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log: opts.log });
  return { kysely, dialect: 'sqlite', where: file, close: () => kysely.destroy() };
}

/**
 * API keys: 32 random bytes (base64url), shown once; stored as sha256(key). A fast hash is enough because the
 * key is high-entropy random data, not a password (no dictionary to brute-force); it keeps the per-request
 * lookup an index hit.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import { appendAudit } from '../audit/log.ts';
import { withWriteTx } from '../repo/tx.ts';
import type { KeyScope, Role } from './roles.ts';

export interface ApiKeyInfo { id: number; roles: Role[]; scope: KeyScope; name: string; created_by: string; created_at: string; revoked_at: string | null }

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function insertKey(conn: Kysely<Database>, roles: Role[], scope: KeyScope, name: string, createdBy: string): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = randomBytes(32).toString('base64url');
  const seq = await conn.selectFrom('sequences').select('value').where('name', '=', 'api_key').executeTakeFirst();
  const id = seq ? Number(seq.value) + 1 : 1;
  if (seq) await conn.updateTable('sequences').set({ value: id }).where('name', '=', 'api_key').execute();
  else await conn.insertInto('sequences').values({ name: 'api_key', value: id }).execute();
  const info: ApiKeyInfo = { id, roles, scope, name, created_by: createdBy, created_at: new Date().toISOString(), revoked_at: null };
  await conn.insertInto('api_keys').values({ ...info, key_hash: hashKey(key), roles: JSON.stringify(roles), scope: JSON.stringify(scope) }).execute();
  return { key, info };
}

export function toInfo(row: any): ApiKeyInfo {
  return { id: Number(row.id), roles: JSON.parse(row.roles), scope: JSON.parse(row.scope), name: row.name, created_by: row.created_by, created_at: row.created_at, revoked_at: row.revoked_at };
}

export async function findKey(db: Kysely<Database>, key: string): Promise<ApiKeyInfo | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hashKey(key)).where('revoked_at', 'is', null).executeTakeFirst();
  return row ? toInfo(row) : undefined;
}

/** Creates a key from the CLI / first start (audited as the SYSTEM actor). */
export async function createKeyAsSystem(db: Db, roles: Role[], scope: KeyScope = {}, name = 'cli'): Promise<{ key: string; info: ApiKeyInfo }> {
  return withWriteTx(db, async ({ conn }) => {
    const made = await insertKey(conn, roles, scope, name, 'SYSTEM');
    await appendAudit(conn, {
      actorType: 'SYSTEM', actorId: 'cli', roles: [], authType: 'CLI', event: 'API key create', method: 'CLI', url: 'create-key',
      correlationId: '', outcome: 'SUCCESS', data: { id: made.info.id, roles, scope, name },
    });
    return made;
  });
}

/** First start: when no key exists, make a SYSTEM_ADMINISTRATOR key and return it (to print once). */
export async function bootstrapKey(db: Db): Promise<string | undefined> {
  const any = await db.kysely.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  return (await createKeyAsSystem(db, ['SYSTEM_ADMINISTRATOR'], {}, 'bootstrap')).key;
}

/**
 * Local admin users: the HTTP Basic credentials X-Road takes (from PAM) on its key-management API only.
 * GovStack's provisioning playbook creates its first API key this way: `POST /api/v1/api-keys` with a user and
 * password, from localhost. Users are created by the CLI (`create-user`), never over HTTP.
 *
 * Passwords are low-entropy secrets, unlike API keys (keys.ts), so they get a slow, salted KDF: scrypt from
 * node:crypto (no native dependency), N=2^15, r=8, p=1, 16-byte salt, 32-byte hash, compared in constant time.
 * The parameters are stored with each hash so they can be raised later without breaking old users.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Db } from '../db/connect.ts';
import { appendAudit } from '../audit/log.ts';
import { withWriteTx } from '../repo/tx.ts';
import type { Role } from './roles.ts';

const N = 1 << 15, R = 8, P = 1, KEYLEN = 32;
/** Same alphabet as X-Road identifiers plus @: names appear in audit rows and must stay readable. */
export const USER_NAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;
/** X-Road (PAM) sets no minimum and GovStack's playbook uses a 6-character one; the CLI warns below 12. */
export const MIN_PASSWORD_LENGTH = 1;
export const WEAK_PASSWORD_LENGTH = 12;

export interface AdminUser { name: string; roles: Role[] }

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await scrypt(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A hash to compare against when the user does not exist, so unknown names take as long as wrong passwords. */
let dummyHash: Promise<string> | undefined;

/** The user if `name`/`password` match, else undefined. The password is never logged or stored in clear. */
export async function authenticateUser(db: Db, name: string, password: string): Promise<AdminUser | undefined> {
  const row = USER_NAME_RE.test(name)
    ? await db.kysely.selectFrom('admin_users').selectAll().where('name', '=', name).executeTakeFirst()
    : undefined;
  if (!row) {
    await verifyPassword(password, await (dummyHash ??= hashPassword(randomBytes(16).toString('hex'))));
    return undefined;
  }
  return (await verifyPassword(password, row.password_hash)) ? { name: row.name, roles: JSON.parse(row.roles) } : undefined;
}

/**
 * Creates a user, or replaces the password and roles of an existing one (`replace`); audited as the SYSTEM
 * actor in the same transaction (the password is not in the audit row).
 */
export async function createUserAsSystem(db: Db, name: string, password: string, roles: Role[], replace = false): Promise<'created' | 'updated'> {
  if (!USER_NAME_RE.test(name)) throw new Error('user name: 1-64 of A-Z a-z 0-9 . _ @ -');
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error('password: empty');
  if (roles.length === 0) throw new Error('roles: at least one');
  const password_hash = await hashPassword(password);
  return withWriteTx(db, async ({ conn }) => {
    const exists = await conn.selectFrom('admin_users').select('name').where('name', '=', name).executeTakeFirst();
    if (exists && !replace) throw new Error(`user ${name} already exists (use --replace to set a new password and roles)`);
    if (exists) await conn.updateTable('admin_users').set({ password_hash, roles: JSON.stringify(roles) }).where('name', '=', name).execute();
    else await conn.insertInto('admin_users').values({ name, password_hash, roles: JSON.stringify(roles), created_at: new Date().toISOString() }).execute();
    await appendAudit(conn, {
      actorType: 'SYSTEM', actorId: 'cli', roles: [], authType: 'CLI', event: exists ? 'Update admin user' : 'Create admin user',
      method: 'CLI', url: 'create-user', correlationId: '', outcome: 'SUCCESS', data: { name, roles },
    });
    return exists ? 'updated' : 'created';
  });
}

/**
 * policy-admin command line.
 *   serve [--host 127.0.0.1] [--port 8080] [--tls-cert PEM --tls-key PEM]
 *                                            migrate, create the first key if none exists (printed once), serve
 *                                            (HTTPS with the key pair; X-Road's admin API is HTTPS on 4000)
 *   migrate                                  bring the schema up to date
 *   create-key --roles R1,R2 [--member ID | --subsystem ID] [--name N]   print a new API key once
 *   create-user NAME --roles R1,R2 [--replace]   a local admin user for HTTP Basic on /api/v1/api-keys (from
 *                                            localhost only, as X-Road); password from $POLICY_ADMIN_PASSWORD
 *                                            or else stdin (first line); never echoed or logged
 *   audit export [--out FILE]                the audit log as JSON lines (with the hash chain)
 *   audit verify [--file FILE]               check the chain in the database (or in an export); exit 1 if broken
 * The database: $DATABASE_URL (postgres://…) or a SQLite file (default ./data/policy-admin.db; --db overrides).
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrations.ts';
import { buildApp } from './app.ts';
import { bootstrapKey, createKeyAsSystem } from './auth/keys.ts';
import { createUserAsSystem, WEAK_PASSWORD_LENGTH } from './auth/users.ts';
import { parseRole, type Role } from './auth/roles.ts';
import { auditRows, verifyAuditChain, verifyRows, type AuditRow } from './audit/log.ts';

const USAGE = 'usage: policy-admin serve|migrate|create-key|create-user|audit export|audit verify [options] (see src/cli.ts)';

/** Parses --roles R1,R2 (ours or X-Road's XROAD_* names); undefined after printing the bad one. */
function parseRoles(cmd: string, list: string): Role[] | undefined {
  const roles: Role[] = [];
  for (const n of list.split(',')) {
    const r = parseRole(n.trim());
    if (!r) { console.error(`${cmd}: unknown role ${n}`); return undefined; }
    roles.push(r);
  }
  return roles;
}

/** The password for create-user: $POLICY_ADMIN_PASSWORD, else the first line of stdin (without its newline). */
async function readPassword(): Promise<string> {
  const env = process.env.POLICY_ADMIN_PASSWORD;
  if (env !== undefined) return env;
  if (process.stdin.isTTY) throw new Error('create-user: pipe the password on stdin or set POLICY_ADMIN_PASSWORD (it is never taken as an argument)');
  for await (const line of createInterface({ input: process.stdin })) return line;
  return '';
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      db: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' },
      roles: { type: 'string' }, replace: { type: 'boolean', default: false }, member: { type: 'string' }, subsystem: { type: 'string' }, name: { type: 'string' },
      out: { type: 'string' }, file: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
    },
  });
  const [cmd, sub] = positionals;
  if (cmd === 'audit' && sub === 'verify' && values.file) {
    const lines = createInterface({ input: createReadStream(values.file) });
    async function* rows() { for await (const l of lines) if (l.trim()) yield JSON.parse(l) as AuditRow; }
    return report(await verifyRows(rows()));
  }
  const db = openDatabase({ url: values.db });
  try {
    switch (cmd) {
      case 'migrate': {
        const done = await migrateToLatest(db.kysely);
        console.log(done.length ? `applied: ${done.join(', ')}` : 'schema up to date');
        return 0;
      }
      case 'serve': {
        await migrateToLatest(db.kysely);
        const key = await bootstrapKey(db);
        if (key) process.stderr.write(`\nFirst start: created a SYSTEM_ADMINISTRATOR API key (shown once, store it now):\n  ${key}\n\n`);
        // The compiled-policy routes (bundles, what-if) ride on the same app; see README "Mounting routes".
        const { compiledPolicyPlugin } = await import('./evaluate/plugin.ts');
        if (!values['tls-cert'] !== !values['tls-key']) { console.error('serve: give both --tls-cert and --tls-key'); return 2; }
        const https = values['tls-cert'] ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']!) } : undefined;
        const app = await buildApp({
          db, https, logger: { level: process.env.LOG_LEVEL ?? 'info' }, processMetrics: true,
          plugins: [{ plugin: compiledPolicyPlugin }],
        });
        await app.listen({ host: values.host, port: Number(values.port) });
        const stop = async () => { await app.close(); await db.close(); process.exit(0); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return new Promise<number>(() => {}); // serve until a signal
      }
      case 'create-key': {
        await migrateToLatest(db.kysely);
        if (!values.roles) { console.error('create-key: --roles is required (e.g. --roles SYSTEM_ADMINISTRATOR)'); return 2; }
        const roles = parseRoles('create-key', values.roles);
        if (!roles) return 2;
        const scope = values.member ? { memberId: values.member } : values.subsystem ? { subsystemId: values.subsystem } : {};
        const { key, info } = await createKeyAsSystem(db, roles, scope, values.name ?? 'cli');
        console.error(`API key ${info.id} (${roles.join(', ')}) — shown once:`);
        console.log(key);
        return 0;
      }
      case 'create-user': {
        await migrateToLatest(db.kysely);
        if (!sub || !values.roles) { console.error('create-user: NAME and --roles are required (e.g. create-user xrd --roles XROAD_SYSTEM_ADMINISTRATOR)'); return 2; }
        const roles = parseRoles('create-user', values.roles);
        if (!roles) return 2;
        try {
          const password = await readPassword();
          if (password.length < WEAK_PASSWORD_LENGTH) console.error(`create-user: warning: a password under ${WEAK_PASSWORD_LENGTH} characters is weak`);
          const done = await createUserAsSystem(db, sub, password, roles, values.replace);
          console.error(`user ${sub} ${done} (${roles.join(', ')}); HTTP Basic is accepted on /api/v1/api-keys from localhost only`);
          return 0;
        } catch (err) {
          console.error(`create-user: ${(err as Error).message}`);
          return 2;
        }
      }
      case 'audit': {
        if (sub === 'export') {
          let out = '';
          for await (const r of auditRows(db.kysely)) {
            const line = JSON.stringify(r) + '\n';
            if (values.out) out += line; else process.stdout.write(line);
          }
          if (values.out) writeFileSync(values.out, out);
          return 0;
        }
        if (sub === 'verify') return report(await verifyAuditChain(db.kysely));
        break;
      }
    }
    console.error(USAGE);
    return 2;
  } finally {
    if (cmd !== 'serve') await db.close();
  }
}

function report(r: Awaited<ReturnType<typeof verifyAuditChain>>): number {
  if (r.ok) { console.log(`audit chain OK: ${r.count} events, last hash ${r.lastHash}`); return 0; }
  console.error(`audit chain BROKEN at seq ${r.firstBadSeq}: ${r.problem} (${r.count} events verified before it)`);
  return 1;
}

main(process.argv.slice(2)).then((code) => { if (code !== undefined) process.exitCode = code; }, (err) => { console.error(err); process.exitCode = 1; });

/**
 * The CLI: migrate, create-key (printed once, works against the API), audit export and audit verify (database
 * and exported file; a tampered export fails with exit 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/connect.ts';
import { buildApp } from '../src/app.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

test('CLI: migrate, create-key, audit export/verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-cli-'));
  try {
    const file = join(dir, 'p.db');
    const m = cli(['migrate', '--db', file]);
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /0001_initial/);
    assert.match(cli(['migrate', '--db', file]).stdout, /up to date/);
    assert.equal(cli(['create-key', '--db', file, '--roles', 'WIZARD']).status, 2);
    const k = cli(['create-key', '--db', file, '--roles', 'SYSTEM_ADMINISTRATOR,XROAD_SECURITY_OFFICER', '--name', 'ops']);
    assert.equal(k.status, 0, k.stderr);
    const key = k.stdout.trim();
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);

    const db = openDatabase({ url: file });
    const app = await buildApp({ db });
    const r = await app.inject({ method: 'POST', url: '/api/v1/instances', headers: { authorization: `X-Road-ApiKey token=${key}` }, payload: { id: 'DEV', name: 'dev' } });
    assert.equal(r.statusCode, 201);
    await app.close();
    await db.close();

    const v = cli(['audit', 'verify', '--db', file]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /audit chain OK: 2 events/);
    const out = join(dir, 'audit.jsonl');
    assert.equal(cli(['audit', 'export', '--db', file, '--out', out]).status, 0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[1]).event, 'Add instance');
    assert.equal(cli(['audit', 'verify', '--file', out]).status, 0);
    writeFileSync(out, lines[0] + '\n' + lines[1].replace('"Add instance"', '"Add nothing"') + '\n');
    const bad = cli(['audit', 'verify', '--file', out]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /BROKEN at seq 2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: create-user takes the password from stdin or $POLICY_ADMIN_PASSWORD, never echoes it; Basic auth then works on /api-keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-cli-user-'));
  const run = (args: string[], input: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000, input, env: { ...process.env, ...env } });
  try {
    const file = join(dir, 'p.db');
    const made = run(['create-user', 'xrd', '--db', file, '--roles', 'XROAD_SYSTEM_ADMINISTRATOR'], 'correct horse battery staple\n');
    assert.equal(made.status, 0, made.stderr);
    assert.ok(!(made.stdout + made.stderr).includes('correct horse'), 'the password is not printed');
    assert.equal(run(['create-user', 'xrd', '--db', file, '--roles', 'OBSERVER'], 'x\n').status, 2, 'exists without --replace');
    assert.equal(run(['create-user', 'bad name', '--db', file, '--roles', 'OBSERVER'], 'pw-pw-pw-pw-pw\n').status, 2);
    assert.equal(run(['create-user', 'ops', '--db', file, '--roles', 'WIZARD'], 'pw-pw-pw-pw-pw\n').status, 2);
    const weak = run(['create-user', 'ops', '--db', file, '--roles', 'SECURITY_OFFICER'], '', { POLICY_ADMIN_PASSWORD: 'short' });
    assert.equal(weak.status, 0, weak.stderr);
    assert.match(weak.stderr, /warning: a password under 12 characters is weak/);

    const db = openDatabase({ url: file });
    const app = await buildApp({ db });
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
    const r = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: basic('xrd', 'correct horse battery staple'), payload: ['XROAD_SERVICE_ADMINISTRATOR'] });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(JSON.parse(r.body).roles, ['XROAD_SERVICE_ADMINISTRATOR']);
    const denied = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: basic('ops', 'short'), payload: ['OBSERVER'] });
    assert.equal(denied.statusCode, 403, 'a user without SYSTEM_ADMINISTRATOR cannot manage keys');
    const noAuth = await app.inject({ method: 'GET', url: '/api/v1/api-keys' });
    assert.equal(noAuth.statusCode, 401);
    assert.match(String(noAuth.headers['www-authenticate']), /^Basic realm=/);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/clients' })).headers['www-authenticate'], undefined, 'the Basic challenge only on key management');
    await app.close();
    await db.close();
    const rows = readFileSync(file).toString('latin1');
    assert.ok(!rows.includes('correct horse'), 'not in the database file in clear');
    assert.equal(run(['audit', 'verify', '--db', file], '').status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A process killed (SIGKILL) in the middle of a write leaves nothing half-written: no entity rows of the
 * unfinished revision, no revision row, no audit event, the head unchanged; the next write succeeds.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backends, CONSUMER, enc, makeApp, PROVIDER, seed } from './lib/harness.ts';
import { openDatabase } from '../src/db/connect.ts';
import { verifyAuditChain } from '../src/audit/log.ts';
import { RevisionStore } from '../src/repo/revisions.ts';
import { contentSha256 } from '../src/model/snapshot.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/hang-in-write.ts', import.meta.url));
const AR = `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights`;

for (const backend of backends()) {
  describe(`kill during a write on ${backend.name}`, { skip: backend.skip }, () => {
    after(() => backend.close());

    test('SIGKILL inside the transaction leaves the last committed state', async () => {
      const t = await makeApp(await backend.open());
      await seed(t);
      const url = backend.name === 'sqlite' ? (t.db.where) : (t.db as any).where.replace('***@', 'postgres@');
      const headBefore = await t.app.policy.snapshots.head();
      const auditBefore = (await verifyAuditChain(t.db.kysely)).count;
      const key = t.key;
      await t.close();

      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, url, key, AR], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child never reached the transaction: ${err}`)), 60_000);
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('IN_TX')) { clearTimeout(timer); resolve(); }
        });
        child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`child exited (${code}) early: ${err}`)); });
      });
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.ok(!out.includes('COMMITTED'));

      const db = openDatabase({ url });
      try {
        const store = new RevisionStore(db);
        assert.deepEqual(await store.head(), headBefore, 'head unchanged');
        const orphans = await db.kysely.selectFrom('entities').select('id').where('rev_from', '>', headBefore.rev).execute();
        assert.equal(orphans.length, 0, 'no rows of the unfinished revision');
        const closed = await db.kysely.selectFrom('entities').select('id').where('rev_to', '>', headBefore.rev).execute();
        assert.equal(closed.length, 0, 'no row closed by it');
        assert.equal((await db.kysely.selectFrom('revisions').select('rev').where('rev', '>', headBefore.rev).execute()).length, 0);
        const chain = await verifyAuditChain(db.kysely);
        assert.equal(chain.ok, true);
        assert.equal(chain.count, auditBefore, 'no audit event for the unfinished change');
        const snap = await store.snapshot();
        assert.equal(contentSha256(snap.content), snap.sha256);
      } finally {
        await db.close();
      }

      // The database is usable afterwards: the same grant now commits.
      const t2 = await makeApp(openDatabase({ url }));
      try {
        const r = await t2.call('POST', AR, { items: [{ service_code: 'births' }] });
        assert.equal(r.status, 201);
        assert.equal((await t2.app.policy.snapshots.head()).rev, headBefore.rev + 1);
      } finally {
        await t2.close();
      }
    });
  });
}

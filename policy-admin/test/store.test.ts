/**
 * The revision store under random changes: the incrementally maintained content hash always equals
 * contentSha256() of the revision's content, any old revision reads back exactly, diffs are exact.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from './lib/harness.ts';
import { PolicyTx } from '../src/repo/policy-tx.ts';
import { withWriteTx } from '../src/repo/tx.ts';
import { RevisionStore } from '../src/repo/revisions.ts';
import { contentSha256, emptySnapshot, type AccessRight, type PolicySnapshot } from '../src/model/snapshot.ts';
import { canonicalJson } from '../src/model/content-hash.ts';

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}
const right = (i: number, mode: 'ENFORCE' | 'DRY_RUN' = 'ENFORCE'): AccessRight => ({
  id: `ar-${i}`, providerSubsystemId: 'DEV:GOV:1:p', serviceCode: `s${i % 7}`, endpointId: '1',
  subject: { type: 'SUBSYSTEM', id: `DEV:GOV:2:c${i}` }, mode, grantedBy: 'test', grantedAt: '2026-01-01T00:00:00.000Z',
});

for (const backend of backends()) {
  describe(`revision store on ${backend.name}`, { skip: backend.skip }, () => {
    after(() => backend.close());

    test('incremental hash = hash from scratch; old revisions read back; diffs are exact', async () => {
      const db = await backend.open();
      try {
        const store = new RevisionStore(db, 1);
        const rand = rng(7);
        const model = new Map<string, AccessRight>();
        const expected: PolicySnapshot[] = [emptySnapshot()];
        for (let rev = 1; rev <= 30; rev++) {
          await withWriteTx(db, async (w) => {
            const tx = new PolicyTx(w);
            for (let k = 0; k < 1 + Math.floor(rand() * 20); k++) {
              const i = Math.floor(rand() * 60);
              const op = rand();
              if (op < 0.6) { const r = right(i, rand() < 0.5 ? 'ENFORCE' : 'DRY_RUN'); await tx.put('accessRights', r); model.set(r.id, r); }
              else { await tx.remove('accessRights', `ar-${i}`); model.delete(`ar-${i}`); }
            }
            await tx.put('instances', { id: 'DEV', name: `dev ${rev}`, clientHeaderNames: ['X-Road-Client'] });
            assert.ok(await tx.commitRevision({ author: 't', message: 'm', correlationId: '' }));
          });
          const s = emptySnapshot();
          s.instances = [{ id: 'DEV', name: `dev ${rev}`, clientHeaderNames: ['X-Road-Client'] }];
          s.accessRights = [...model.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => JSON.parse(canonicalJson(r)));
          expected.push(s);
          assert.equal((await store.head()).sha256, contentSha256(s), `hash at r${rev}`);
        }
        for (const rev of [0, 1, 5, 17, 30]) {
          const got = await store.snapshot(rev);
          assert.deepEqual(got.content, expected[rev], `content of r${rev}`);
          assert.equal(got.sha256, contentSha256(expected[rev]));
        }
        const d = await store.diff(5, 17);
        const before = new Map(expected[5].accessRights.map((r) => [r.id, r]));
        const afterM = new Map(expected[17].accessRights.map((r) => [r.id, r]));
        const want = new Set([...before.keys(), ...afterM.keys()].filter((id) => canonicalJson(before.get(id) ?? null) !== canonicalJson(afterM.get(id) ?? null)));
        assert.deepEqual(new Set(d.filter((c) => c.kind === 'accessRights').map((c) => c.id)), want);
        assert.equal((await store.diff(17, 5)).length, d.length);
        assert.equal((await store.diff(9, 9)).length, 0);
      } finally {
        await db.close();
      }
    });
  });
}

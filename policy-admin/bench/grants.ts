/**
 * Grant latency under 10 concurrent admins, with a large policy already in place.
 *
 *   node --import tsx policy-admin/bench/grants.ts [--rights 100000] [--admins 10] [--grants 50] [--db pg|postgres://…|FILE]
 *
 * Loads `--rights` existing access rights (1000 consumers × services), then 10 admins each POST `--grants`
 * X-Road grants (one service each, all distinct) over HTTP on 127.0.0.1 at the same time, and prints p50/p99
 * latency per grant and grants/s. Default database: a temp SQLite file (WAL, synchronous=FULL); `--db pg` starts a
 * throwaway PostgreSQL cluster (Debian binaries), `--db postgres://…` uses an existing one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrations.ts';
import { createKeyAsSystem } from '../src/auth/keys.ts';
import { buildApp } from '../src/app.ts';
import { withWriteTx } from '../src/repo/tx.ts';
import { PolicyTx } from '../src/repo/policy-tx.ts';
import { rightId } from '../src/routes/access-rights.ts';
import type { AccessRight, Service, Subsystem } from '../src/model/snapshot.ts';
import { startPg } from '../test/lib/pg.ts';

const { values } = parseArgs({ options: { rights: { type: 'string', default: '100000' }, admins: { type: 'string', default: '10' }, grants: { type: 'string', default: '50' }, db: { type: 'string' } } });
const RIGHTS = Number(values.rights), ADMINS = Number(values.admins), GRANTS = Number(values.grants);
const CONSUMERS = 1000;
const SERVICES = Math.max(Math.ceil(RIGHTS / CONSUMERS), 1) + ADMINS * GRANTS;
const PROVIDER = 'DEV:GOV:1001:provider';

const dir = mkdtempSync(join(tmpdir(), 'pa-bench-'));
// --db pg: a throwaway PostgreSQL cluster (the tests' harness); --db postgres://…: an existing database.
const cluster = values.db === 'pg' ? await startPg() : undefined;
if (cluster) cluster.createDatabase('bench');
const db = openDatabase({ url: cluster ? cluster.url('bench') : values.db ?? join(dir, 'bench.db') });
await migrateToLatest(db.kysely);

const sub = (id: string, code: string): Subsystem => ({ id, memberId: 'DEV:GOV:' + id.split(':')[2], subsystemCode: code, name: code, status: 'REGISTERED', connectionType: 'HTTPS', isTlsCerts: [], securityServerIds: [], messageLogMode: 'METADATA' });
const t0 = performance.now();
await withWriteTx(db, async (w) => {
  const tx = new PolicyTx(w);
  await tx.put('instances', { id: 'DEV', name: 'dev', clientHeaderNames: ['X-Road-Client'] });
  await tx.put('memberClasses', { id: 'DEV:GOV', instanceId: 'DEV', code: 'GOV', description: 'gov' });
  for (const m of ['1001', '1002']) await tx.put('members', { id: `DEV:GOV:${m}`, instanceId: 'DEV', memberClass: 'GOV', memberCode: m, name: m, status: 'REGISTERED' });
  await tx.put('subsystems', sub(PROVIDER, 'provider'));
  for (let c = 0; c < CONSUMERS; c++) await tx.put('subsystems', sub(`DEV:GOV:1002:c${c}`, `c${c}`));
  await tx.put('serviceDescriptions', { id: '1', subsystemId: PROVIDER, type: 'REST', url: 'http://p/', disabled: false });
  for (let s = 0; s < SERVICES; s++) {
    const svc: Service = { id: `${PROVIDER}:s${s}`, subsystemId: PROVIDER, serviceCode: `s${s}`, serviceDescriptionId: '1', upstreamUrl: 'http://p/', timeoutSeconds: 60, verifyUpstreamTls: false, disabled: false, endpoints: [{ id: `e${s}`, method: '*', path: '**', generated: false }] };
    await tx.put('services', svc);
  }
  await tx.commitRevision({ author: 'bench', message: 'registry', correlationId: '' });
});
// Existing rights, committed in batches of 10,000 (one revision each).
for (let done = 0; done < RIGHTS; done += 10_000) {
  await withWriteTx(db, async (w) => {
    const tx = new PolicyTx(w);
    for (let i = done; i < Math.min(done + 10_000, RIGHTS); i++) {
      const s = Math.floor(i / CONSUMERS), subject = { type: 'SUBSYSTEM' as const, id: `DEV:GOV:1002:c${i % CONSUMERS}` };
      const r: AccessRight = { id: rightId(PROVIDER, `s${s}`, `e${s}`, subject), providerSubsystemId: PROVIDER, serviceCode: `s${s}`, endpointId: `e${s}`, subject, mode: 'ENFORCE', grantedBy: 'bench', grantedAt: '2026-01-01T00:00:00.000Z' };
      await tx.put('accessRights', r);
    }
    await tx.commitRevision({ author: 'bench', message: 'bulk', correlationId: '' });
  });
}
const loadS = (performance.now() - t0) / 1000;

const keys = await Promise.all(Array.from({ length: ADMINS }, (_, a) => createKeyAsSystem(db, ['SERVICE_ADMINISTRATOR'], {}, `admin${a}`).then((k) => k.key)));
const app = await buildApp({ db });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const latencies: number[] = [];
const firstFree = Math.ceil(RIGHTS / CONSUMERS);
const started = performance.now();
await Promise.all(keys.map(async (key, a) => {
  for (let g = 0; g < GRANTS; g++) {
    const s = firstFree + a * GRANTS + g;
    const t = performance.now();
    const res = await fetch(`${base}/api/v1/clients/${encodeURIComponent(PROVIDER)}/service-clients/${encodeURIComponent(`DEV:GOV:1002:c${a}`)}/access-rights`, {
      method: 'POST', headers: { authorization: `X-Road-ApiKey token=${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ service_code: `s${s}` }] }),
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
    if (res.status !== 201) throw new Error(`grant failed: ${res.status}`);
  }
}));
const wall = (performance.now() - started) / 1000;
latencies.sort((x, y) => x - y);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const total = await db.kysely.selectFrom('entities').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', 'accessRights').where('rev_to', 'is', null).executeTakeFirst();
console.log(`policy-admin grants (${db.dialect}): ${RIGHTS} existing rights (loaded in ${loadS.toFixed(1)} s), ${ADMINS} concurrent admins × ${GRANTS} grants`);
console.log(`  grant latency p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms; ${(latencies.length / wall).toFixed(0)} grants/s; rights now ${Number(total?.n)}`);
await app.close();
await db.close();
cluster?.stop();
rmSync(dir, { recursive: true, force: true });

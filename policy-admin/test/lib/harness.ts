/**
 * Test harness: the same suites run against SQLite (a temp file) and PostgreSQL (a throwaway cluster, when the
 * binaries exist). `makeApp` migrates, makes a SYSTEM_ADMINISTRATOR key and builds the app; `call` is
 * fastify.inject with the X-Road API-key header.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Db } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrations.ts';
import { createKeyAsSystem } from '../../src/auth/keys.ts';
import { buildApp, type BuildAppOptions } from '../../src/app.ts';
import type { Role } from '../../src/auth/roles.ts';
import { PG_SKIP, startPg, type PgCluster } from './pg.ts';

export interface Backend {
  name: 'sqlite' | 'postgres';
  skip: string | false;
  /** A fresh, migrated, empty database. */
  open(): Promise<Db>;
  /** Frees everything the backend started. */
  close(): Promise<void>;
}

let dbCounter = 0;

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'pa-sqlite-'));
  return {
    name: 'sqlite', skip: false,
    async open() {
      const db = openDatabase({ url: join(dir, `t${++dbCounter}.db`) });
      await migrateToLatest(db.kysely);
      return db;
    },
    async close() { rmSync(dir, { recursive: true, force: true }); },
  };
}

export function postgresBackend(): Backend {
  let cluster: PgCluster | undefined;
  return {
    name: 'postgres', skip: PG_SKIP,
    async open() {
      cluster ??= await startPg();
      const name = `t${process.pid}_${++dbCounter}`;
      cluster.createDatabase(name);
      const db = openDatabase({ url: cluster.url(name) });
      await migrateToLatest(db.kysely);
      return db;
    },
    async close() { cluster?.stop(); },
  };
}

export const backends = () => [sqliteBackend(), postgresBackend()];

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  key: string;
  call(method: string, url: string, body?: unknown, opts?: { key?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, any>; raw: string }>;
  keyWith(roles: Role[], scope?: { memberId?: string; subsystemId?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function makeApp(db: Db, opts: Partial<BuildAppOptions> = {}): Promise<TestApp> {
  const { key } = await createKeyAsSystem(db, ['SYSTEM_ADMINISTRATOR'], {}, 'test-admin');
  const app = await buildApp({ db, ...opts });
  await app.ready();
  return {
    app, db, key,
    async call(method, url, body, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const k = o.key === undefined ? key : o.key;
      if (k !== null) headers.authorization = `X-Road-ApiKey token=${k}`;
      const res = await app.inject({ method: method as any, url, payload: body as any, headers });
      let parsed: any = undefined;
      try { parsed = res.body ? JSON.parse(res.body) : undefined; } catch { parsed = res.body; }
      return { status: res.statusCode, body: parsed, headers: res.headers, raw: res.body };
    },
    async keyWith(roles, scope = {}) { return (await createKeyAsSystem(db, roles, scope, 'test')).key; },
    async close() { await app.close(); await db.close(); },
  };
}

export const enc = encodeURIComponent;
export const PROVIDER = 'DEV:GOV:1001:civil-registry';
export const CONSUMER = 'DEV:GOV:1002:patient-records';
export const OTHER = 'DEV:GOV:1002:billing';

/** A small registry: DEV/GOV, members 1001 and 1002, provider with service births (+ endpoint), two consumers. */
export async function seed(t: TestApp) {
  const ok = async (m: string, u: string, b?: unknown) => {
    const r = await t.call(m, u, b);
    if (r.status >= 300) throw new Error(`seed ${m} ${u}: ${r.status} ${r.raw}`);
    return r.body;
  };
  await ok('POST', '/api/v1/instances', { id: 'DEV', name: 'Development' });
  await ok('POST', '/api/v1/member-classes', { instanceId: 'DEV', code: 'GOV', description: 'Government' });
  await ok('POST', '/api/v1/members', { instanceId: 'DEV', memberClass: 'GOV', memberCode: '1001', name: 'Civil Registry Office' });
  await ok('POST', '/api/v1/members', { instanceId: 'DEV', memberClass: 'GOV', memberCode: '1002', name: 'Health Agency' });
  for (const [m, s] of [['1001', 'civil-registry'], ['1002', 'patient-records'], ['1002', 'billing']]) {
    await ok('POST', '/api/v1/clients', { client: { member_class: 'GOV', member_code: m, subsystem_code: s } });
  }
  const sd = await ok('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: 'http://births.internal:8080/', type: 'REST', rest_service_code: 'births' });
  await ok('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: 'http://deaths.internal:8080/', type: 'REST', rest_service_code: 'deaths' });
  const ep = await ok('POST', `/api/v1/services/${enc(PROVIDER + ':births')}/endpoints`, { method: 'GET', path: '/v1/births/*' });
  return { serviceDescriptionId: sd.id as string, baseEndpointId: sd.services[0].endpoints[0].id as string, endpointId: ep.id as string };
}

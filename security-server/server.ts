// The demo security server in one process, on loopback: the policy-admin (REST API, SQLite store,
// audit, revisions), its ADS server fed by every committed revision (revision event → compile →
// publishRevision), two sample building blocks (civil registry v1 and v2), and the dev gateway running
// security-server/envoy.yaml, whose four wasm filters take their configuration over ECDS from that ADS.
// Seeded on first start through the policy-admin's own API (security-server/seed.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Db } from '../policy-admin/src/db/connect.ts';
import { migrateToLatest } from '../policy-admin/src/db/migrations.ts';
import { buildApp } from '../policy-admin/src/app.ts';
import { bootstrapKey, createKeyAsSystem } from '../policy-admin/src/auth/keys.ts';
import { REVISION_COMMITTED, requirePermission, type RevisionCommitted } from '../policy-admin/src/http/context.ts';
import { compiledPolicyPlugin } from '../policy-admin/src/evaluate/plugin.ts';
import { compileForXds } from '../policy-admin/src/compiler/xds.ts';
import { distributionRoutes, InMemoryNodeStatus, publishRevision, RevisionOrderError, SnapshotCache, securityServerResolver, XdsServer } from '../policy-admin/src/xds/index.ts';
import { startSampleUpstream } from '../host/gateway/demo.ts';
import { startGateway, type Gateway } from '../host/gateway/gateway.ts';
import { INSTANCE, seedDemo, type SeedIds } from './seed.ts';

export const ROOT = join(import.meta.dirname, '..');
export const BOOTSTRAP = join(ROOT, 'security-server/envoy.yaml');
/** The wasm modules the gateway loads (what `npm start` builds first). */
export const MODULES = ['filters/request-id', 'filters/authz', 'filters/rate-limit', 'filters/header-routing'];

/** The embedded defaults (`npm start`); `ephemeral` replaces every port by one the OS picks. */
export const DEFAULT_PORTS = { admin: 4000, xds: 18000, gateway: 10000, gatewayAdmin: 9901, v1: 9101, v2: 9102 };

export interface SecurityServerOptions {
  /** SQLite file (default ./data/policy-admin.db) or ':memory:' (tests). */
  db?: string;
  /** Every port chosen by the OS (tests, --smoke, benchmarks). */
  ephemeral?: boolean;
  /** The seeded rate-limit policy on births, per client per minute. Default 10. */
  requestsPerMinute?: number;
  /** Gateway access-log lines (default stdout) and gateway/guest logs (default stderr). */
  accessLog?: (line: string) => void;
  log?: (line: string) => void;
  /** policy-admin request logging (pino level). Default off. */
  apiLogLevel?: string;
  /** Worker VMs per filter (Envoy --concurrency). Default 2. */
  concurrency?: number;
  /**
   * Control plane only (envoy/docker-compose.yaml: a real Envoy is the gateway and the building blocks
   * are containers): no dev gateway, no sample upstreams; the seed points at these URLs instead.
   */
  controlPlaneOnly?: { v1Url: string; v2Url: string };
  /** Address the REST API and the ADS server bind to. Default 127.0.0.1 (0.0.0.0 only in a container). */
  host?: string;
}

export interface SecurityServer {
  app: FastifyInstance;
  /** null with controlPlaneOnly */
  gateway: Gateway | null;
  status: InMemoryNodeStatus;
  urls: { api: string; gateway: string | null; gatewayAdmin: string | null; xds: string; v1: string; v2: string };
  /** The SYSTEM_ADMINISTRATOR key created on this start (first start of a database only), else null. */
  firstKey: string | null;
  /** Ids made by the seed on this start (null when the database was already seeded). */
  seeded: SeedIds | null;
  /** Resolves when revision `rev` (or a later one) is in the ADS snapshot cache. */
  published(rev: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSecurityServer(o: SecurityServerOptions = {}): Promise<SecurityServer> {
  const port = (p: number) => (o.ephemeral ? 0 : p);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => { for (const c of closers.splice(0).reverse()) await c().catch(() => {}); };
  try {
    const host = o.host ?? '127.0.0.1';
    // --- the two building blocks (their URLs are the seeded service's and the canary rule's)
    let v1Url = o.controlPlaneOnly?.v1Url ?? '';
    let v2Url = o.controlPlaneOnly?.v2Url ?? '';
    let v1Port = 0;
    let v2Port = 0;
    if (!o.controlPlaneOnly) {
      const v1 = await startSampleUpstream('civil-registry-v1', '127.0.0.1', port(DEFAULT_PORTS.v1));
      closers.push(() => v1.close());
      const v2 = await startSampleUpstream('civil-registry-v2', '127.0.0.1', port(DEFAULT_PORTS.v2));
      closers.push(() => v2.close());
      [v1Port, v2Port] = [v1.port, v2.port];
      v1Url = `http://127.0.0.1:${v1.port}/`;
      v2Url = `http://127.0.0.1:${v2.port}/`;
    }

    // --- policy-admin: store, first key, the app with the compiled-policy and distribution routes
    const db: Db = openDatabase({ url: o.db });
    closers.push(() => db.close());
    await migrateToLatest(db.kysely);
    const firstKey = (await bootstrapKey(db)) ?? null;
    const cache = new SnapshotCache(securityServerResolver({ nodeIds: () => nodeIds, securityServers: () => serverIds }));
    const status = new InMemoryNodeStatus();
    let nodeIds: ReadonlyMap<string, string> = new Map();
    let serverIds: ReadonlySet<string> = new Set();
    const app = await buildApp({
      db, logger: o.apiLogLevel ? { level: o.apiLogLevel } : false,
      plugins: [
        { plugin: compiledPolicyPlugin },
        { plugin: distributionRoutes, options: { cache, status, authorize: (req: { auth?: Parameters<typeof requirePermission>[0] }) => requirePermission(req.auth!, 'read') } },
      ],
    });
    closers.push(() => app.close());

    // --- revision event → compile → publishRevision, strictly in revision order (one at a time)
    let publishedRev = -1;
    const waiters: Array<{ rev: number; resolve(): void }> = [];
    const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
    let queue = Promise.resolve();
    const publish = (rev: number) => {
      queue = queue.then(async () => {
        if (rev <= publishedRev) return;
        const snap = await app.policy.snapshots.snapshot(rev);
        nodeIds = new Map(snap.content.securityServers.flatMap((s) => s.xdsNodeIds.map((n) => [n, s.id] as const)));
        serverIds = new Set(snap.content.securityServers.map((s) => s.id));
        try {
          publishRevision(cache, compileForXds(snap));
        } catch (e) {
          if (e instanceof RevisionOrderError) return;
          // the gateway keeps the last published revision; the admin sees why in the log
          log(`[security-server] revision ${rev} not published: ${e instanceof Error ? e.message : e}`);
        }
        publishedRev = rev;
        for (const w of waiters.splice(0)) if (w.rev <= rev) w.resolve(); else waiters.push(w);
      });
      return queue;
    };
    app.policy.events.on(REVISION_COMMITTED, (e: RevisionCommitted) => { void publish(e.rev); });
    await app.listen({ host, port: port(DEFAULT_PORTS.admin) });
    const apiUrl = `http://${host}:${(app.server.address() as { port: number }).port}`;

    const xds = new XdsServer({ cache, status, controlPlaneId: 'policy-admin' });
    const xdsPort = await xds.listen(host, port(DEFAULT_PORTS.xds));
    closers.push(() => xds.close());

    // --- first start: the demo registry through the API (each step a revision, published above)
    let seeded: SeedIds | null = null;
    const head = await app.policy.snapshots.snapshot();
    if (!head.content.instances.some((i) => i.id === INSTANCE)) {
      const key = firstKey ?? (await createKeyAsSystem(db, ['SYSTEM_ADMINISTRATOR'], {}, 'security-server seed')).key;
      seeded = await seedDemo(app, key, { v1Url, v2Url, requestsPerMinute: o.requestsPerMinute ?? 10 });
    }
    await publish((await app.policy.snapshots.head()).rev);

    const published = (rev: number) => new Promise<void>((resolve) => { if (publishedRev >= rev) resolve(); else waiters.push({ rev, resolve }); });
    const urls = { api: apiUrl, gateway: null as string | null, gatewayAdmin: null as string | null, xds: `${host}:${xdsPort}`, v1: v1Url, v2: v2Url };
    if (o.controlPlaneOnly) return { app, gateway: null, status, firstKey, seeded, urls, published, close: closeAll };

    // --- the gateway: the bootstrap with this run's ports (cluster names follow the service URLs)
    const [v1, v2] = [{ port: v1Port }, { port: v2Port }];
    const yaml = readFileSync(BOOTSTRAP, 'utf8')
      .replaceAll('127.0.0.1_9101', `127.0.0.1_${v1.port}`).replaceAll('port_value: 9101', `port_value: ${v1.port}`)
      .replaceAll('127.0.0.1_9102', `127.0.0.1_${v2.port}`).replaceAll('port_value: 9102', `port_value: ${v2.port}`)
      .replaceAll('port_value: 18000', `port_value: ${xdsPort}`);
    const gateway = await startGateway({ yaml }, {
      baseDir: ROOT, ephemeralPorts: o.ephemeral, concurrency: o.concurrency,
      accessLog: o.accessLog, log: o.log, logLevel: 'warn',
    });
    closers.push(() => gateway.close());

    urls.gateway = gateway.listeners.get('security_server')!.url;
    urls.gatewayAdmin = gateway.adminUrl;
    return { app, gateway, status, firstKey, seeded, urls, published, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

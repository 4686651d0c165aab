// xDS distribution figures, on loopback, one process (server and clients share the event loop and the
// machine's cores, so these are upper bounds for the server's own share):
//   1. propagation: publishRevision() → the ECDS client's callback has the new config, and → the server
//      has recorded the ACK; p50/p99 over N sequential revisions, one client;
//   2. fan-out: one revision to C clients of one security server, until every one has applied it;
//   3. publish cost: publishRevision() of an authz config with R rights (validate + encode + hash), and
//      the ECDS resource size.
//   node --import tsx bench/xds/run.ts [--quick]
import { EcdsClient, accept } from '../../host/xds/ecds-client.ts';
import { TypeUrl } from '../../host/xds/protos.ts';
import { SnapshotCache } from '../../policy-admin/src/xds/cache.ts';
import { publishRevision } from '../../policy-admin/src/xds/publish.ts';
import { XdsServer } from '../../policy-admin/src/xds/server.ts';
import { InMemoryNodeStatus } from '../../policy-admin/src/xds/status.ts';

const quick = process.argv.includes('--quick');
const SS = 'DEV:GOV:1001:SS1';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(2)} ms`;

function authzConfig(rev: number, rights: number) {
  const list = [];
  for (let i = 0; i < rights; i++) list.push({ id: `ar-${i}`, ep: `ep-${i % 50}`, clients: [`DEV:GOV:${2000 + (i % 997)}:sub${i % 13}`], mode: 'ENFORCE' });
  return { rev, providers: { 'DEV:GOV:1001:civil-registry': { births: { endpoints: [], rights: list } } } };
}

async function setup() {
  const cache = new SnapshotCache((n) => (n.id?.startsWith('bench-') ? SS : null));
  const status = new InMemoryNodeStatus();
  const server = new XdsServer({ cache, status });
  const port = await server.listen('127.0.0.1', 0);
  return { cache, status, server, address: `127.0.0.1:${port}` };
}

function client(address: string, id: string, onRev: (rev: number) => void): EcdsClient {
  const c = new EcdsClient({
    server: address, node: { id }, resourceNames: ['govstack.authz'],
    onUpdate(u) {
      onRev(JSON.parse(u.configs.get('govstack.authz')!.wasm!.configuration).rev);
      return accept();
    },
  });
  c.start();
  return c;
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

async function propagation(n: number) {
  const { cache, status, server, address } = await setup();
  let seen = 0;
  publishRevision(cache, { rev: 0, securityServers: [{ securityServerId: SS, filters: { authz: authzConfig(0, 100) } }] });
  const c = client(address, 'bench-1', (r) => (seen = r));
  await waitFor(() => seen === 0 && c.version !== '');
  const toApply: number[] = [];
  const toAck: number[] = [];
  for (let rev = 1; rev <= n; rev++) {
    const t0 = performance.now();
    const v = publishRevision(cache, { rev, securityServers: [{ securityServerId: SS, filters: { authz: authzConfig(rev, 100) } }] }).groups[0].versions[TypeUrl.TypedExtensionConfig];
    await waitFor(() => seen === rev);
    toApply.push(performance.now() - t0);
    await waitFor(() => status.get('bench-1')?.types[TypeUrl.TypedExtensionConfig]?.version === v);
    toAck.push(performance.now() - t0);
  }
  c.stop();
  await server.close();
  console.log(`propagation, 1 client, ${n} revisions (authz config with 100 rights):`);
  console.log(`  publish → client applied   p50 ${ms(pct(toApply, 50))}  p99 ${ms(pct(toApply, 99))}`);
  console.log(`  publish → ACK recorded     p50 ${ms(pct(toAck, 50))}  p99 ${ms(pct(toAck, 99))}`);
}

async function fanOut(clients: number, revisions: number) {
  const { cache, server, address } = await setup();
  const seen = new Array<number>(clients).fill(-1);
  publishRevision(cache, { rev: 0, securityServers: [{ securityServerId: SS, filters: { authz: authzConfig(0, 100) } }] });
  const cs = Array.from({ length: clients }, (_, i) => client(address, `bench-${i}`, (r) => (seen[i] = r)));
  await waitFor(() => seen.every((r) => r === 0));
  const all: number[] = [];
  for (let rev = 1; rev <= revisions; rev++) {
    const t0 = performance.now();
    publishRevision(cache, { rev, securityServers: [{ securityServerId: SS, filters: { authz: authzConfig(rev, 100) } }] });
    await waitFor(() => seen.every((r) => r === rev));
    all.push(performance.now() - t0);
  }
  for (const c of cs) c.stop();
  await server.close();
  console.log(`fan-out, ${clients} clients of one security server, ${revisions} revisions: publish → every client applied  p50 ${ms(pct(all, 50))}  p99 ${ms(pct(all, 99))}`);
}

function publishCost(rights: number, reps: number) {
  const cache = new SnapshotCache(() => null);
  const times: number[] = [];
  let bytes = 0;
  for (let rev = 1; rev <= reps; rev++) {
    const cfg = authzConfig(rev, rights);
    const t0 = performance.now();
    publishRevision(cache, { rev, securityServers: [{ securityServerId: SS, filters: { authz: cfg } }] });
    times.push(performance.now() - t0);
    bytes = cache.getSnapshot(SS)!.resources.get(TypeUrl.TypedExtensionConfig)!.get('govstack.authz')!.any.value.length;
  }
  console.log(`publishRevision, authz config with ${rights} rights (${(bytes / 1024).toFixed(1)} KiB ECDS resource): p50 ${ms(pct(times, 50))}  p99 ${ms(pct(times, 99))} over ${reps}`);
}

await propagation(quick ? 20 : 100);
await fanOut(quick ? 10 : 100, quick ? 5 : 20);
for (const r of [100, 1000, 10000]) publishCost(r, quick ? 5 : 20);

// The standalone demo security server (host/gateway/demo.ts: the dev gateway running envoy/security-server-static.yaml
// with the four filters on embedded configs, in front of two sample upstreams) and its --smoke check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { DEMO_MODULES, ROOT, startDemo } from '../../host/gateway/demo.ts';
import { moduleBytes } from '../lib/modules.ts';

const SERVICE = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/42';

test('demo: the demo policy lets patient-records read births, the upstream sees the same request id as the client and the access log', async () => {
  for (const m of DEMO_MODULES) moduleBytes(m);
  const lines: string[] = [];
  const d = await startDemo({ ephemeral: true, accessLog: (l) => lines.push(l), log: () => {} });
  try {
    const r = await fetch(d.url + SERVICE, { headers: { 'X-Road-Client': 'DEV/GOV/1002/patient-records' } });
    assert.equal(r.status, 200);
    const seen = await r.json() as { served_by: string; path: string; request_id: string; client: string; headers: Record<string, string> };
    const id = r.headers.get('x-request-id');
    assert.match(id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'request-id made a UUIDv4 and echoed it');
    assert.equal(seen.served_by, 'civil-registry');
    assert.equal(seen.path, SERVICE);
    assert.equal(seen.request_id, id, 'the upstream saw the same id');
    assert.equal(seen.client, 'DEV/GOV/1002/patient-records', 'authz set the verified client header');
    assert.equal(seen.headers['x-road-client'], undefined, 'authz removed the client header');
    assert.equal(seen.headers['x-route-cluster'], undefined, 'the route removed the routing header');
    assert.equal(lines.length, 1);
    assert.ok(lines[0].includes(`id=${id}`) && lines[0].includes('upstream=civil-registry'), lines[0]);

    const denied = await fetch(d.url + SERVICE.replace('/v1/births/42', '/v1/deaths/42'), { headers: { 'X-Road-Client': 'DEV/GOV/1002/patient-records' } });
    assert.equal(denied.status, 403, 'no right for another endpoint');
    assert.equal(denied.headers.get('content-type'), 'application/json');
    const canary = await fetch(d.url + SERVICE, { headers: { 'X-Road-Client': 'DEV/GOV/1002/patient-records', 'x-canary': 'true' } });
    assert.equal(((await canary.json()) as { served_by: string }).served_by, 'civil-registry-canary');

    // every stream ended on every filter: only the root contexts are left on the worker VMs
    await Promise.all(Array.from({ length: 50 }, () => fetch(d.url + SERVICE, { headers: { 'X-Road-Client': 'DEV/GOV/1002/patient-records' } }).then((r) => r.text())));
    assert.deepEqual([...d.gateway.filters.keys()], ['request-id', 'authz', 'rate-limit', 'header-routing'].map((n) => `security_server/${n}`));
    for (const [name, f] of d.gateway.filters) {
      for (const w of f.plugin!.workers) assert.equal(w.vm.contexts.size, 1, `${name} worker ${w.index}: contexts left ${w.vm.contexts.size}`);
      assert.equal(f.plugin!.callouts.list().length, 0, `${name}: no pending callouts`);
    }
  } finally {
    await d.close();
  }
});

test('demo --smoke passes', () => {
  for (const m of DEMO_MODULES) moduleBytes(m);
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'host/gateway/demo.ts', '--smoke'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.match(out, /-> 429 /, 'a rate-limited request');
  assert.match(out, /smoke: ok\n$/);
});

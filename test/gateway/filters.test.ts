// The Wasm filter chain over real HTTP: pass-through and response headers, local replies, fail open /
// fail closed after a trap, request and response bodies, N worker VMs (one per connection, round robin),
// and HTTP callouts that really go to a loopback cluster.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bootstrap, cluster, gateway, getJson, upstreams, wasmFilter, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes } from '../lib/modules.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

const gws: Gateway[] = [];
let ups: Upstream[] = [];
let auth: http.Server;
let authPort = 0;

before(async () => {
  for (const m of ['examples/hello-world', 'examples/body-rewrite', 'examples/http-callout-auth', 'test/fixtures/probe']) moduleBytes(m);
  ups = await upstreams('backend');
  // the auth service the callout filter asks: Bearer good → 200 + x-user, anything else → 401
  auth = http.createServer((req, res) => {
    if (req.headers.authorization === 'Bearer good') res.writeHead(200, { 'x-user': 'alice', 'content-length': '0' }).end();
    else res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-length': '0' }).end();
  });
  await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
  authPort = (auth.address() as AddressInfo).port;
});

after(async () => {
  await Promise.all(gws.map((g) => g.close()));
  await Promise.all(ups.map((u) => u.close()));
  await new Promise<void>((r) => { auth.close(() => r()); auth.closeAllConnections(); });
});

const ROUTES = `
              - match: { prefix: "/" }
                route: { cluster: backend }`;

async function start(filters: string, extraClusters = '', concurrency = 2) {
  const g = await gateway(bootstrap({ routes: ROUTES, filters, clusters: cluster('backend', ups[0].port) + extraClusters }), { concurrency });
  gws.push(g.gw);
  return g;
}

test('pass-through: hello-world adds x-hello on the way back, the request reaches the upstream unchanged', async () => {
  const { url } = await start(wasmFilter({ name: 'hello', file: modulePath('examples/hello-world'), rootId: 'hello', config: '{}' }));
  const r = await getJson(url + '/items?x=1', { headers: { 'x-client': 'test' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-hello'), 'world');
  assert.equal(r.json?.path, '/items?x=1');
  assert.equal((r.json?.headers as Record<string, string>)['x-client'], 'test');
});

test('local reply: the probe answers 418 itself; the upstream is not called and earlier filters see the reply', async () => {
  const filters = wasmFilter({ name: 'hello', file: modulePath('examples/hello-world'), rootId: 'hello', config: '{}' })
    + wasmFilter({ name: 'probe', file: modulePath('test/fixtures/probe'), rootId: 'probe' });
  const { url, gw } = await start(filters);
  const before = gw.stats.value('cluster.backend.upstream_rq_total') ?? 0;
  const r = await getJson(url + '/x', { headers: { 'x-probe': 'reqh.local:418:short and stout' } });
  assert.equal(r.status, 418);
  assert.equal(r.text, 'short and stout');
  assert.equal(r.headers.get('x-local'), '1', 'the headers the guest passed');
  assert.equal(r.headers.get('x-hello'), 'world', 'hello-world (earlier in the chain) saw the local reply');
  assert.equal(gw.stats.value('cluster.backend.upstream_rq_total') ?? 0, before, 'upstream not called');
  const ok = await getJson(url + '/x');
  assert.equal(ok.json?.served_by, 'backend', 'without a command the probe passes the request on');
});

test('fail closed (default): a trap answers 503 and that worker keeps failing; fail_open: the filter is skipped', async () => {
  const closed = await start(wasmFilter({ name: 'probe', file: modulePath('test/fixtures/probe'), rootId: 'probe' }), '', 1);
  const t = await getJson(closed.url + '/x', { headers: { 'x-probe': 'reqh.trap' } });
  assert.equal(t.status, 503);
  assert.equal((await getJson(closed.url + '/y')).status, 503, 'the VM failed: every stream on it gets 503');
  assert.ok(closed.logs.some((l) => /\[wasm\].*failed/.test(l)), 'the trap is logged');

  const open = await start(wasmFilter({ name: 'probe', file: modulePath('test/fixtures/probe'), rootId: 'probe', failOpen: true }), '', 1);
  const o = await getJson(open.url + '/x', { headers: { 'x-probe': 'reqh.trap' } });
  assert.equal(o.status, 200);
  assert.equal(o.json?.served_by, 'backend');
  assert.equal((await getJson(open.url + '/y')).json?.served_by, 'backend', 'later requests pass the failed filter by');
});

test('bodies: the request body reaches the upstream, body-rewrite rewrites the whole response body', async () => {
  const cfg = JSON.stringify({ from: 'world', to: 'there', content_types: ['application/json'] });
  const { url } = await start(wasmFilter({ name: 'body-rewrite', file: modulePath('examples/body-rewrite'), rootId: 'body-rewrite', config: cfg }));
  const big = 'hello world '.repeat(5000);
  const r = await getJson(url + '/b', { method: 'POST', body: big });
  assert.equal(r.status, 200);
  assert.equal(r.json?.body, 'hello there '.repeat(5000), 'the upstream echoed the body, the filter rewrote the response');
  assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text), 'content-length matches the rewritten body');
});

test('N workers: each new connection goes to the next worker VM, round robin', async () => {
  const { url, gw } = await start(wasmFilter({ name: 'hello', file: modulePath('examples/hello-world'), rootId: 'hello', config: '{}' }), '', 3);
  const plugin = gw.filters.get('main/hello')!.plugin!;
  assert.equal(plugin.workers.length, 3);
  for (let i = 0; i < 6; i++) {
    await new Promise<void>((resolve, reject) => {
      http.get(url + '/w', { agent: false }, (res) => { res.resume(); res.on('end', () => resolve()); }).on('error', reject);
    });
  }
  const per = [0, 1, 2].map((w) => plugin.callbacks.filter((c) => c.worker === w && c.name === 'proxy_on_response_headers').length);
  assert.deepEqual(per, [2, 2, 2], 'two connections per worker');
});

test('HTTP callout goes to the auth cluster for real: allowed with the copied identity, 401 passed on', async () => {
  const cfg = JSON.stringify({ cluster: 'auth', path: '/check', forward_headers: ['authorization'], copy_headers: ['x-user'] });
  const { url, gw } = await start(wasmFilter({ name: 'auth', file: modulePath('examples/http-callout-auth'), rootId: 'http-callout-auth', config: cfg }), cluster('auth', authPort));
  const ok = await getJson(url + '/private', { headers: { authorization: 'Bearer good', 'x-user': 'mallory' } });
  assert.equal(ok.status, 200);
  assert.equal((ok.json?.headers as Record<string, string>)['x-user'], 'alice', 'identity from the auth service, the client\'s own x-user dropped');
  const no = await getJson(url + '/private', { headers: { authorization: 'Bearer bad' } });
  assert.equal(no.status, 401);
  assert.equal(no.headers.get('www-authenticate'), 'Bearer');
  assert.equal(gw.stats.value('cluster.auth.upstream_rq_total'), 2);
});

test('HTTP callout to a cluster whose endpoint is down: the filter sees Envoy\'s 503 and answers "unavailable"', async () => {
  const cfg = JSON.stringify({ cluster: 'auth', path: '/check' });
  const { url } = await start(wasmFilter({ name: 'auth', file: modulePath('examples/http-callout-auth'), rootId: 'http-callout-auth', config: cfg }), cluster('auth', 1));
  const r = await getJson(url + '/private', { headers: { authorization: 'Bearer good' } });
  assert.equal(r.status, 503);
  assert.equal(r.json?.error, 'auth_unavailable');
});

test('a filter that keeps the request paused: Envoy\'s stream idle timeout answers 408 and the stream ends', async () => {
  const g = await gateway(bootstrap({ routes: ROUTES, filters: wasmFilter({ name: 'probe', file: modulePath('test/fixtures/probe'), rootId: 'probe' }), clusters: cluster('backend', ups[0].port) }), { streamIdleTimeoutMs: 300 });
  gws.push(g.gw);
  const t0 = Date.now();
  const r = await getJson(g.url + '/x', { headers: { 'x-probe': 'reqh.ret:1' } }); // StopIteration, never continued
  assert.equal(r.status, 408);
  assert.ok(Date.now() - t0 >= 250);
  assert.match(g.access.at(-1)!, /" 408 SI /);
  const plugin = g.gw.filters.get('main/probe')!.plugin!;
  assert.equal(plugin.workers[0].vm.contexts.size, 1, 'only the root context is left');
});

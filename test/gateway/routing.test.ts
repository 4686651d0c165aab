// Routing as Envoy's router does it, over real HTTP: prefix / path / header matches, cluster,
// cluster_header, weighted_clusters, direct_response, prefix_rewrite, headers removed, and the local
// replies for no route (404 NR), an unknown cluster (503 NC) and an unreachable upstream (503 UF).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrap, cluster, gateway, getJson, upstreams, type Upstream } from './helpers.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

let ups: Upstream[] = [];
let gw: Gateway;
let url = '';
let access: string[] = [];

before(async () => {
  ups = await upstreams('a', 'b', 'c');
  const [a, b, c] = ups;
  const routes = `
              - name: exact-path
                match: { path: "/exact" }
                route: { cluster: b }
              - name: by-header
                match:
                  prefix: "/"
                  headers:
                  - name: x-env
                    string_match: { exact: staging }
                route: { cluster: c }
              - name: not-present
                match:
                  prefix: "/guarded/"
                  headers:
                  - name: x-token
                    present_match: true
                    invert_match: true
                direct_response: { status: 401, body: { inline_string: "token required" } }
              - name: choose
                match: { prefix: "/choose/" }
                route: { cluster_header: x-pick }
                request_headers_to_remove: ["x-pick"]
              - name: split
                match: { prefix: "/split/" }
                route:
                  weighted_clusters:
                    clusters: [ { name: a, weight: 50 }, { name: b, weight: 50 } ]
              - name: all-b
                match: { prefix: "/weighted-all-b/" }
                route:
                  weighted_clusters:
                    clusters: [ { name: a, weight: 0 }, { name: b, weight: 7 } ]
              - name: rewrite
                match: { prefix: "/old/" }
                route: { cluster: a, prefix_rewrite: "/new/" }
              - name: down
                match: { prefix: "/down/" }
                route: { cluster: dead }
              - name: api
                match: { prefix: "/api/" }
                route: { cluster: a }`;
  const g = await gateway(bootstrap({ routes, clusters: cluster('a', a.port) + cluster('b', b.port) + cluster('c', c.port) + cluster('dead', 1) }));
  gw = g.gw;
  url = g.url;
  access = g.access;
});

after(async () => {
  await gw?.close();
  await Promise.all(ups.map((u) => u.close()));
});

const servedBy = async (path: string, headers: Record<string, string> = {}) => (await getJson(url + path, { headers })).json?.served_by;

test('prefix and exact path: /exact goes to b, but not /exact/more or /exactly (path ignores the query string)', async () => {
  assert.equal(await servedBy('/exact'), 'b');
  assert.equal(await servedBy('/exact?x=1'), 'b');
  assert.equal((await getJson(url + '/exactly')).status, 404);
  assert.equal(await servedBy('/api/items'), 'a');
});

test('header match: x-env: staging picks c, another value does not', async () => {
  assert.equal(await servedBy('/api/items', { 'x-env': 'staging' }), 'c');
  assert.equal(await servedBy('/api/items', { 'x-env': 'prod' }), 'a');
});

test('invert_match + present_match and direct_response', async () => {
  const r = await getJson(url + '/guarded/x');
  assert.equal(r.status, 401);
  assert.equal(r.text, 'token required');
  // with the header the route does not match; nothing else matches /guarded/ → 404
  assert.equal((await getJson(url + '/guarded/x', { headers: { 'x-token': 't' } })).status, 404);
});

test('cluster_header routes to the named cluster and is not forwarded; an unknown cluster is 503 NC', async () => {
  const r = await getJson(url + '/choose/1', { headers: { 'x-pick': 'c' } });
  assert.equal(r.json?.served_by, 'c');
  assert.equal((r.json?.headers as Record<string, string>)['x-pick'], undefined);
  const n = await getJson(url + '/choose/1', { headers: { 'x-pick': 'nope' } });
  assert.equal(n.status, 503);
  assert.match(access.at(-1)!, /" 503 NC /);
  assert.equal((await getJson(url + '/choose/1')).status, 503, 'missing header: no cluster');
});

test('weighted_clusters: a 50/50 split reaches both; a zero weight is never picked', async () => {
  const seen = new Map<string, number>();
  for (let i = 0; i < 60; i++) { const s = String(await servedBy('/split/' + i)); seen.set(s, (seen.get(s) ?? 0) + 1); }
  assert.deepEqual([...seen.keys()].sort(), ['a', 'b']);
  assert.ok(seen.get('a')! >= 10 && seen.get('b')! >= 10, `split ${JSON.stringify([...seen])}`);
  for (let i = 0; i < 20; i++) assert.equal(await servedBy('/weighted-all-b/' + i), 'b');
});

test('prefix_rewrite: the upstream sees the new path, x-envoy-original-path the old one', async () => {
  const r = await getJson(url + '/old/thing?q=1');
  assert.equal(r.json?.path, '/new/thing?q=1');
  assert.equal((r.json?.headers as Record<string, string>)['x-envoy-original-path'], '/old/thing?q=1');
});

test('no route → 404 NR; unreachable upstream → 503 UF with Envoy\'s body; stats count them', async () => {
  assert.equal((await getJson(url + '/nothing-here')).status, 404);
  assert.match(access.at(-1)!, /"GET \/nothing-here HTTP\/1\.1" 404 NR /);
  const d = await getJson(url + '/down/x');
  assert.equal(d.status, 503);
  assert.match(d.text, /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
  assert.match(access.at(-1)!, /" 503 UF /);
  assert.ok(gw.stats.value('http.ingress.no_route')! >= 2);
  assert.equal(gw.stats.value('cluster.dead.upstream_cx_connect_fail'), 1);
});

test('responses carry server: envoy and x-envoy-upstream-service-time; POST bodies reach the upstream', async () => {
  const r = await getJson(url + '/api/echo', { method: 'POST', body: 'hello body' });
  assert.equal(r.headers.get('server'), 'envoy');
  assert.match(r.headers.get('x-envoy-upstream-service-time') ?? '', /^\d+$/);
  assert.equal(r.json?.body, 'hello body');
  assert.equal(r.json?.method, 'POST');
});

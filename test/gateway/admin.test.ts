// Envoy's admin listener on the gateway (/stats, /stats/prometheus, /ready) with the gateway's own
// stats and the filters' metrics, and the access log: one line per request, carrying the request id
// the request-id filter made (the same one the client and the upstream see).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrap, cluster, gateway, getJson, upstreams, wasmFilter, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes } from '../lib/modules.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

let ups: Upstream[] = [];
let gw: Gateway;
let url = '';
let access: string[] = [];

before(async () => {
  for (const m of ['filters/request-id', 'examples/metrics']) moduleBytes(m);
  ups = await upstreams('backend');
  const routes = `
              - match: { prefix: "/" }
                route: { cluster: backend }`;
  const filters = wasmFilter({ name: 'request-id', file: modulePath('filters/request-id'), rootId: 'request-id', config: '{"header_name": "x-request-id"}' })
    + wasmFilter({ name: 'metrics', file: modulePath('examples/metrics'), rootId: 'metrics', config: '{"prefix": "http"}' });
  const g = await gateway(bootstrap({ routes, filters, clusters: cluster('backend', ups[0].port), hcmExtra: '\n          generate_request_id: false' }));
  gw = g.gw;
  url = g.url;
  access = g.access;
});

after(async () => {
  await gw?.close();
  await Promise.all(ups.map((u) => u.close()));
});

test('access log: one line per request in Envoy\'s default format, with the id the client and the upstream got', async () => {
  const r = await getJson(url + '/a?b=1', { headers: { 'user-agent': 'gw-test' } });
  const id = r.headers.get('x-request-id');
  assert.match(id ?? '', /^[0-9a-f-]{36}$/);
  assert.equal((r.json?.headers as Record<string, string>)['x-request-id'], id, 'the upstream saw the same id');
  assert.equal(access.length, 1);
  const re = new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\] "GET /a\\?b=1 HTTP/1\\.1" 200 - 0 ${Buffer.byteLength(r.text)} \\d+ \\d+ "-" "gw-test" "${id}" "127\\.0\\.0\\.1:\\d+" "127\\.0\\.0\\.1:${ups[0].port}"$`);
  assert.match(access[0], re);
  const kept = await getJson(url + '/a', { headers: { 'x-request-id': 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6' } });
  assert.equal(kept.headers.get('x-request-id'), 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6', 'a valid incoming id is kept');
  assert.ok(access[1].includes('"f81d4fae-7dec-41d0-a765-00a0c91e6bf6"'));
});

test('/stats/prometheus: Envoy\'s http and cluster stats with their default tags, and the filter\'s metrics', async () => {
  for (let i = 0; i < 3; i++) await (await fetch(url + '/p')).text();
  await (await fetch(url + '/p', { method: 'POST', body: 'x' })).text();
  const r = await fetch(gw.adminUrl + '/stats/prometheus');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await r.text();
  const val = (line: string) => Number(new RegExp(`^${line.replace(/[{}()[\].*+?^$|\\]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
  const total = val('envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="ingress"}');
  assert.ok(total >= 4, text);
  assert.equal(val('envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress",envoy_response_code_class="2"}'), total);
  assert.equal(val('envoy_cluster_upstream_rq{envoy_cluster_name="backend",envoy_response_code="200"}'), total);
  assert.equal(val('http_requests{method="POST",class="2xx"}'), 1, 'the metrics filter\'s counter, tags as labels');
  assert.equal(val('http_requests{method="GET",class="2xx"}'), total - 1);
  assert.match(text, /^# TYPE envoy_http_downstream_rq_time histogram$/m);
  assert.equal(val('envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix="ingress"}'), total);
  assert.equal(val('envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="+Inf"}'), total);
  assert.match(text, /^# TYPE http_request_duration_ms histogram$/m);
  assert.equal((text.match(/^# TYPE envoy_http_downstream_rq_total /gm) ?? []).length, 1, 'one TYPE line per metric');
});

test('/stats (Envoy\'s plain text), /stats?format=prometheus and /ready', async () => {
  const plain = await (await fetch(gw.adminUrl + '/stats')).text();
  assert.match(plain, /^http\.ingress\.downstream_rq_total: \d+$/m);
  assert.match(plain, /^wasmcustom\.http_requests\.method=GET\.class=2xx: \d+$/m);
  const prom = await (await fetch(gw.adminUrl + '/stats?format=prometheus')).text();
  assert.match(prom, /^envoy_http_downstream_rq_total\{/m);
  const ready = await fetch(gw.adminUrl + '/ready');
  assert.equal(ready.status, 200);
  assert.equal(await ready.text(), 'LIVE\n');
});

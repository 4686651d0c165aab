// The repository's own production envoy.yaml files run on the dev gateway as they are: only the module
// paths (/etc/envoy/*.wasm → build output) and the upstream ports (to sample upstreams on ephemeral
// ports) differ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseGatewayConfig } from '../../host/gateway/config/parse.ts';
import { startGateway, type Gateway } from '../../host/gateway/gateway.ts';
import { getJson, upstreams, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes, ROOT } from '../lib/modules.ts';

const gws: Gateway[] = [];
let ups: Upstream[] = [];
before(async () => { ups = await upstreams('v1', 'v2'); });
after(async () => {
  await Promise.all(gws.map((g) => g.close()));
  await Promise.all(ups.map((u) => u.close()));
});

async function run(file: string, module: string, ports: Record<string, number>) {
  moduleBytes(module);
  const name = module.split('/').pop()!;
  const config = parseGatewayConfig(readFileSync(`${ROOT}/${file}`, 'utf8'), { files: { [`/etc/envoy/${name}.wasm`]: modulePath(module) } });
  for (const [c, port] of Object.entries(ports)) config.clusters.get(c)!.endpoints[0].port = port;
  const access: string[] = [];
  const gw = await startGateway({ config }, { ephemeralPorts: true, accessLog: (l) => access.push(l), log: () => {} });
  gws.push(gw);
  return { gw, access, url: [...gw.listeners.values()][0].url };
}

test('filters/request-id/envoy.yaml: the access log shows the id from the header and from the filter state the filter set', async () => {
  const { url, access } = await run('filters/request-id/envoy.yaml', 'filters/request-id', { backend: ups[0].port });
  const r = await getJson(url + '/hello');
  const id = r.headers.get('x-request-id')!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal((r.json?.headers as Record<string, string>)['x-request-id'], id);
  assert.equal(access.length, 1);
  assert.match(access[0], new RegExp(`^\\[[^\\]]+\\] "GET /hello" 200 id=${id} fs=${id} traceparent=`));
});

test('envoy/canary/envoy.yaml: x-canary: true goes to v2, the routing header is not forwarded', async () => {
  const { url } = await run('envoy/canary/envoy.yaml', 'filters/header-routing', { v1: ups[0].port, v2: ups[1].port });
  const c = await getJson(url + '/a', { headers: { 'x-canary': 'true' } });
  assert.equal(c.json?.served_by, 'v2');
  assert.equal(c.headers.get('x-routed-to'), 'v2');
  assert.equal((c.json?.headers as Record<string, string>)['x-route-cluster'], undefined);
  const seen = new Set<unknown>();
  for (let i = 0; i < 40; i++) seen.add((await getJson(url + '/a')).json?.served_by);
  assert.ok(seen.has('v1'), 'most requests stay on v1');
});

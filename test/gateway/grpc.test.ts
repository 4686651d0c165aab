// gRPC callouts from the gateway go to the configured HTTP/2 cluster for real (host/net/grpc-upstream.ts):
// the rate-limit filter in global mode asks a rate-limit service (Envoy's rls.proto, served here with
// @grpc/grpc-js) and answers 429 when it says OVER_LIMIT.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_DIRS } from '../../host/envoy-config/protos.ts';
import { bootstrap, cluster, gateway, getJson, upstreams, wasmFilter, type Upstream } from './helpers.ts';
import { modulePath, moduleBytes } from '../lib/modules.ts';
import type { Gateway } from '../../host/gateway/gateway.ts';

type Rls = { domain: string; descriptors: Array<{ entries: Array<{ key: string; value: string }> }> };
const seen: Rls[] = [];
let server: grpc.Server;
let rlsPort = 0;
let ups: Upstream[] = [];
let gw: Gateway;
let url = '';

before(async () => {
  moduleBytes('filters/rate-limit');
  const def = protoLoader.loadSync('envoy/service/ratelimit/v3/rls.proto', { includeDirs: PROTO_DIRS, keepCase: true, longs: Number, enums: String, defaults: true });
  const svc = (grpc.loadPackageDefinition(def) as any).envoy.service.ratelimit.v3.RateLimitService.service as grpc.ServiceDefinition; // eslint-disable-line @typescript-eslint/no-explicit-any
  server = new grpc.Server();
  server.addService(svc, {
    // over the limit for client "DEV/GOV/9/greedy", fine for everybody else
    ShouldRateLimit: (call: grpc.ServerUnaryCall<Rls, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      seen.push(call.request);
      const client = call.request.descriptors[0]?.entries.find((e) => e.key === 'client_id')?.value;
      cb(null, { overall_code: client === 'DEV/GOV/9/greedy' ? 'OVER_LIMIT' : 'OK' });
    },
  });
  rlsPort = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  ups = await upstreams('backend');
  const cfg = JSON.stringify({
    mode: 'global', domain: 'security-server', rate_limit_service: { cluster: 'ratelimit', timeout_ms: 2000 },
    actions: [{ source: 'client_id' }], descriptors: [{ name: 'per-client', entries: [{ key: 'client_id' }] }],
  });
  const routes = `
              - match: { prefix: "/" }
                route: { cluster: backend }`;
  const g = await gateway(bootstrap({
    routes, filters: wasmFilter({ name: 'rate-limit', file: modulePath('filters/rate-limit'), rootId: 'rate-limit', config: cfg }),
    clusters: cluster('backend', ups[0].port) + cluster('ratelimit', rlsPort, '\n    http2_protocol_options: {}'),
  }));
  gw = g.gw;
  url = g.url;
});

after(async () => {
  await gw?.close();
  await Promise.all(ups.map((u) => u.close()));
  server?.forceShutdown();
});

test('global rate limit: the gateway sends the filter\'s gRPC call to the ratelimit cluster and applies the answer', async () => {
  const ok = await getJson(url + '/x', { headers: { 'x-road-client-verified': 'DEV/GOV/1/fine' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json?.served_by, 'backend');
  const limited = await getJson(url + '/x', { headers: { 'x-road-client-verified': 'DEV/GOV/9/greedy' } });
  assert.equal(limited.status, 429);
  assert.deepEqual(seen.map((r) => [r.domain, r.descriptors[0].entries[0].value]), [['security-server', 'DEV/GOV/1/fine'], ['security-server', 'DEV/GOV/9/greedy']]);
  assert.equal(gw.stats.value('cluster.ratelimit.upstream_rq_total'), 2);
});

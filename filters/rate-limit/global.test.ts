// filters/rate-limit in global mode against a real gRPC rate-limit service: a server written here with
// @grpc/grpc-js and Envoy's own rls.proto (loaded with @grpc/proto-loader), reached through the host's
// gRPC upstream (host/net/grpc-upstream.ts). The filter encodes and decodes the messages itself; the
// server decodes and encodes them with protobufjs, so both sides are checked against the real proto.
//   node --import tsx --test filters/rate-limit/global.test.ts
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Emulator, type EmulatedPlugin, type EmulatorOptions, type HttpStreamHandle } from '../../host/index.ts';
import { grpcUpstream, type GrpcUpstream } from '../../host/net/grpc-upstream.ts';
import { PROTO_DIRS } from '../../host/envoy-config/protos.ts';
import { moduleBytes } from '../../test/lib/modules.ts';

const WASM = moduleBytes('filters/rate-limit');
const STRICT = { allow: ['proxy_get_header_map_value:NotFound', 'proxy_get_property:NotFound', 'proxy_grpc_call:ParseFailure'] };

const pkgDef = protoLoader.loadSync('envoy/service/ratelimit/v3/rls.proto', { includeDirs: PROTO_DIRS, keepCase: true, longs: Number, enums: String, defaults: true });
const svcDef = (grpc.loadPackageDefinition(pkgDef) as any).envoy.service.ratelimit.v3.RateLimitService.service as grpc.ServiceDefinition; // eslint-disable-line @typescript-eslint/no-explicit-any
const method = svcDef.ShouldRateLimit;

type Rls = { domain: string; descriptors: Array<{ entries: Array<{ key: string; value: string }> }>; hits_addend: number };
/** What the server does with the next calls: an object to encode, raw bytes, an error, or a delay first. */
type Reply = { delayMs?: number; response?: Record<string, unknown>; raw?: Buffer; error?: grpc.StatusObject['code'] };
let reply: Reply = {};
const seen: Array<{ req: Rls; metadata: grpc.Metadata }> = [];
let server: grpc.Server;
let addr = '';
let downAddr = '';
const upstreams: GrpcUpstream[] = [];

before(async () => {
  server = new grpc.Server();
  // the real request decoding; responses encoded from objects, or sent as raw (malformed) bytes
  const def = { ...method, responseSerialize: (x: unknown) => (Buffer.isBuffer(x) ? x : method.responseSerialize(x)) };
  server.addService({ ShouldRateLimit: def } as grpc.ServiceDefinition, {
    ShouldRateLimit: (call: grpc.ServerUnaryCall<Rls, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      seen.push({ req: call.request, metadata: call.metadata });
      const r = reply;
      const answer = () => {
        if (r.error !== undefined) cb({ code: r.error, details: 'test error' } as grpc.ServiceError);
        else cb(null, r.raw ?? r.response ?? { overall_code: 'OK' });
      };
      if (r.delayMs) setTimeout(answer, r.delayMs).unref(); else answer();
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  addr = `127.0.0.1:${port}`;
  // a port nobody listens on: bind, note, close
  const tmp = new grpc.Server();
  const p2 = await new Promise<number>((res, rej) => tmp.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  await new Promise<void>((res) => tmp.tryShutdown(() => res()));
  downAddr = `127.0.0.1:${p2}`;
});
after(() => {
  for (const u of upstreams) u.close();
  server.forceShutdown();
});

type Cfg = Record<string, unknown>;
const CONFIG = (extra: Cfg = {}, rule: Cfg = {}): Cfg => ({
  mode: 'global',
  domain: 'security-server',
  // generous: on a loaded 2-core machine a loopback gRPC answer can take longer than 200 ms; the timeout
  // test sets its own short one
  rate_limit_service: { cluster: 'ratelimit', timeout_ms: 5000 },
  actions: [{ source: 'client_id' }, { source: 'service_id' }],
  descriptors: [{ name: 'client-service', entries: [{ key: 'client_id' }, { key: 'service_id' }], ...rule }],
  ...extra,
});

function load(config: Cfg, target = addr, o: Partial<EmulatorOptions> = {}): EmulatedPlugin {
  const up = grpcUpstream({ clusters: { ratelimit: target } });
  upstreams.push(up);
  return Emulator.loadSync({ wasm: WASM, rootId: 'rate-limit', vmId: 'rlg', pluginConfig: JSON.stringify(config), clusters: ['ratelimit'], callouts: up, strict: STRICT, logLevel: 'info', ...o });
}

const REQ = (client = 'EE/GOV/70000001/app'): Array<[string, string]> =>
  [[':method', 'GET'], [':path', '/r1/EE/GOV/70000002/reg/getPerson/v1?x=1'], [':authority', 'ss'], ['x-road-client-verified', client]];

/** Sends request headers; waits (real time) until the filter resumed or answered the paused request. */
async function run(p: EmulatedPlugin, h = REQ()): Promise<HttpStreamHandle> {
  const s = p.http();
  const a = s.sendRequestHeaders(h, { endOfStream: true });
  if (a === 'Continue' || s.localReply) return s;
  assert.match(a, /^Stop/, 'paused while the service decides');
  const t0 = Date.now();
  while (!s.requestHeadersForwarded && !s.localReply) {
    if (Date.now() - t0 > 5000) throw new Error('no answer from the filter within 5 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  p.guard(() => undefined); // surface strict-mode findings of the asynchronous delivery
  if (s.requestHeadersForwarded) s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  return s;
}

const STATUS = (code: string, remaining = 7, reset = 30) => ({
  code, current_limit: { name: 'per-client', requests_per_unit: 10, unit: 'MINUTE' }, limit_remaining: remaining,
  duration_until_reset: { seconds: reset, nanos: 0 },
});

test('OK: the request carries domain and the descriptor (decoded by the real proto); headers from the status', async () => {
  const p = load(CONFIG());
  seen.length = 0;
  reply = { response: { overall_code: 'OK', statuses: [STATUS('OK')], response_headers_to_add: [{ key: 'X-Quota-Note', value: 'fine' }], request_headers_to_add: [{ key: 'x-rl-checked', value: 'yes' }] } };
  const s = await run(p);
  assert.equal(s.requestHeadersForwarded, true);
  assert.deepEqual(seen[0].req.domain, 'security-server');
  assert.deepEqual(seen[0].req.descriptors.map((d) => d.entries), [[{ key: 'client_id', value: 'EE/GOV/70000001/app' }, { key: 'service_id', value: 'EE/GOV/70000002/reg/getPerson' }]]);
  assert.equal(seen[0].req.hits_addend, 0, 'hits_addend unset (the service counts 1)');
  assert.equal(s.responseHeader('x-ratelimit-limit'), '10, 10;w=60');
  assert.equal(s.responseHeader('x-ratelimit-remaining'), '7');
  assert.equal(s.responseHeader('x-ratelimit-reset'), '30');
  assert.equal(s.responseHeader('x-quota-note'), 'fine');
  assert.equal(s.requestHeader('x-rl-checked'), 'yes');
  assert.equal(p.metric('rate_limit.allowed'), 1);
  const call = p.hostcalls({ name: 'proxy_grpc_call' })[0];
  assert.match(call.note ?? '', /^ratelimit /);
});

test('OVER_LIMIT: 429 with Retry-After and draft-03 headers; the upstream never sees the request', async () => {
  const p = load(CONFIG());
  reply = { response: { overall_code: 'OVER_LIMIT', statuses: [{ ...STATUS('OVER_LIMIT', 0, 12), duration_until_reset: { seconds: 11, nanos: 500_000_000 } }] } };
  const s = await run(p);
  assert.equal(s.requestHeadersForwarded, false);
  const lr = s.localReply!;
  assert.equal(lr.status, 429);
  assert.equal(lr.details, 'request_rate_limited');
  const h = new Map(lr.headers);
  assert.equal(h.get('retry-after'), '12', '11.5 s rounds up');
  assert.equal(h.get('x-ratelimit-limit'), '10, 10;w=60');
  assert.equal(h.get('x-ratelimit-remaining'), '0');
  assert.equal(h.get('x-envoy-ratelimited'), 'true');
  assert.equal(p.metric('rate_limit.limited'), 1);
});

test('shadow rule and enforce_percentage 0: OVER_LIMIT is counted, the request passes', async () => {
  reply = { response: { overall_code: 'OVER_LIMIT', statuses: [STATUS('OVER_LIMIT', 0)] } };
  const a = load(CONFIG({}, { shadow_mode: true }));
  assert.equal((await run(a)).requestHeadersForwarded, true);
  assert.equal(a.metric('rate_limit.shadow_limited'), 1);
  const b = load(CONFIG({ enforce_percentage: 0 }));
  const s = await run(b);
  assert.equal(s.requestHeadersForwarded, true);
  assert.equal(b.metric('rate_limit.not_enforced'), 1);
  assert.equal(s.responseHeader('x-ratelimit-remaining'), '0', 'headers still tell the client');
});

for (const deny of [false, true]) {
  const expect = (s: HttpStreamHandle) => {
    if (deny) { assert.equal(s.localReply?.status, 500); assert.equal(s.localReply?.details, 'rate_limiter_error'); }
    else assert.equal(s.requestHeadersForwarded, true);
  };
  test(`failures (failure_mode_deny ${deny}): timeout, server down, malformed response, unknown cluster — counted by reason`, async () => {
    const cfg = CONFIG({ failure_mode_deny: deny, rate_limit_service: { cluster: 'ratelimit', timeout_ms: 100 } });
    const p = load(cfg);
    reply = { delayMs: 1000, response: { overall_code: 'OK' } };
    const t0 = Date.now();
    expect(await run(p));
    assert.ok(Date.now() - t0 < 900, 'the call timeout, not the server, ended the wait');
    assert.equal(p.metric('rate_limit.global_failures.reason=timeout'), 1);

    for (const raw of [Buffer.from([0x0a, 0x01, 0x02]), Buffer.from([0x12, 0x05, 0x08]), Buffer.from([0x08, 0x07]), Buffer.from([0x08, 0xff])]) {
      reply = { raw };
      expect(await run(p));
    }
    assert.equal(p.metric('rate_limit.global_failures.reason=malformed'), 4);

    reply = { error: grpc.status.INTERNAL };
    expect(await run(p));
    assert.equal(p.metric('rate_limit.global_failures.reason=error'), 1);

    const down = load(cfg, downAddr);
    expect(await run(down));
    assert.equal(down.metric('rate_limit.global_failures.reason=error'), 1);
    assert.ok(down.logMessages({ level: 'warn', contains: 'status 14' }).length === 1, 'UNAVAILABLE, logged once');

    const noCluster = Emulator.loadSync({ wasm: WASM, rootId: 'rate-limit', vmId: 'rlg', pluginConfig: JSON.stringify(cfg), clusters: [], strict: STRICT });
    expect(await run(noCluster));
    assert.equal(noCluster.metric('rate_limit.global_failures.reason=call_failed'), 1);
    assert.equal(p.metric(deny ? 'rate_limit.failure_denied' : 'rate_limit.allowed') ?? 0, deny ? 6 : 0);
  });
}

test('bad input: NUL bytes and 64 KiB values are sent as "<invalid>"; no value reaches the service raw', async () => {
  const p = load(CONFIG());
  reply = { response: { overall_code: 'OK' } };
  seen.length = 0;
  await run(p, REQ('a\u0000b'));
  await run(p, REQ('z'.repeat(65536)));
  assert.deepEqual(seen.map((x) => x.req.descriptors[0].entries[0].value), ['<invalid>', '<invalid>']);
  assert.equal(p.metric('rate_limit.invalid_values'), 2);
  assert.equal(p.traps.length, 0);
});

test('unmatched requests are not sent to the service', async () => {
  const p = load(CONFIG());
  seen.length = 0;
  const s = p.http();
  assert.equal(s.sendRequestHeaders([[':method', 'GET'], [':path', '/other'], [':authority', 'a'], ['x-road-client-verified', 'c']], { endOfStream: true }), 'Continue');
  assert.equal(seen.length, 0);
  assert.equal(p.metric('rate_limit.unmatched'), 1);
});

test('long values (max_value_length 65536): a 60 KiB value reaches the service intact (multi-byte varint lengths)', async () => {
  const p = load(CONFIG({ max_value_length: 65536 }));
  reply = { response: { overall_code: 'OK' } };
  seen.length = 0;
  const v = 'v'.repeat(60 * 1024) + 'ü';
  await run(p, REQ(v));
  assert.equal(seen[0].req.descriptors[0].entries[0].value, v);
  assert.equal(p.metric('rate_limit.invalid_values') ?? 0, 0);
});

// One conformance test per numbered quirk of reference §10 not covered elsewhere
// (1 → http.test pause; 2 → http.test local reply; 3, 5, 6 → http.test availability; 9, 10, 16, 17
// → http.test; 12, 13, 14, 25, 28, 31 → lifecycle.test), plus callouts, shared state and malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, WasmResult as R, EnvoyLoadError, protoField, protoConcat, grpcCluster, HeaderMap } from '../../host/index.ts';
import { GET, hexToI64, hexToString, hexToU64, loadProbe, probeBytes, result, results } from './probe-helper.ts';

test('§10.4 get_header_map_value returns the first occurrence; request.headers.<h> property joins all with ","', () => {
  const p = loadProbe();
  p.http().sendRequestHeaders([...GET('/', 'reqh.get:0:x-m;reqh.prop:request.headers.x-m'), ['x-m', 'a'], ['X-M', 'b']], { endOfStream: true });
  assert.equal(result(p, 'get', 'reqh').value, 'a');
  assert.equal(hexToString(result(p, 'prop', 'reqh').value), 'a,b');
});

test('§10.7 malformed pairs to set_header_map_pairs clear the map and return Ok', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.setpairs:0:!bad'), { endOfStream: true });
  assert.equal(result(p, 'setpairs', 'reqh').status, R.Ok);
  assert.deepEqual(s.requestHeaders(), []);
  const t = p.http();
  t.sendRequestHeaders(GET('/', 'reqh.setpairs:0:A=1,b=2'), { endOfStream: true });
  assert.deepEqual(t.requestHeaders(), [['a', '1'], ['b', '2']], 'keys lower-cased');
});

test('§10.8 keys lower-cased on write and lookup; values not validated; :status replaceable', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.add:0:X-Up=V;reqh.get:0:X-UP;resh.rep:2:^status=418'), { endOfStream: true });
  assert.equal(result(p, 'get', 'reqh').value, 'V');
  assert.equal(s.requestHeader('x-up'), 'V');
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(s.responseHeader(':status'), '418');
});

test('§10.11 content-length is not fixed up by the host when the body length changes (host side: forwarded as the filter left it)', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders([...GET('/', 'reqb.setb:0:0:0:XX'), ['content-length', '3']]);
  s.sendRequestBody('abc', { endOfStream: true });
  assert.equal(s.requestHeader('content-length'), '3');
  assert.equal(s.requestBody(), 'XXabc');
});

test('§10.15/§6.7 http_call: cluster, pseudo-headers, timeout checks; tokens 4,8; response on the ROOT id; body is buffer 4; maps 6/7 only inside', () => {
  const p = loadProbe({ strict: { allow: ['proxy_get_header_map_value:NotFound', 'proxy_http_call:BadArgument', 'proxy_get_buffer_status:NotFound', 'proxy_get_header_map_value:BadArgument'] } });
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.callout:nope;reqh.calloutnopath:auth;reqh.callout:auth:4294967295;reqh.callout:auth:0;reqh.callout:auth:100:/x:BODY;reqh.bstat:4;call.body:4;call.get:6:^status;call.get:7:t;call.status'), { endOfStream: true });
  assert.deepEqual(results(p, 'callout', 'reqh').map((r) => [r.status, r.value]), [[R.BadArgument, '0'], [R.BadArgument, '0'], [R.Ok, '4'], [R.Ok, '8']]);
  assert.deepEqual([result(p, 'calloutnopath', 'reqh').status, result(p, 'calloutnopath', 'reqh').value], [R.BadArgument, '0'], 'missing :path; token written as 0');
  assert.equal(result(p, 'bstat', 'reqh').status, R.NotFound);
  const calls = p.pendingHttpCalls();
  assert.deepEqual(calls.map((c) => [c.token, c.cluster, c.timeoutMs]), [[4, 'auth', 0], [8, 'auth', 100]]);
  assert.equal(new Map(calls[1].headers).get('content-length'), '4', 'non-empty body sets content-length');
  p.respondHttpCall(4, { headers: { ':status': '201' }, body: 'hello', trailers: { t: 'v' } });
  const cb = p.callbacks({ name: 'proxy_on_http_call_response' })[0];
  assert.deepEqual(cb.args, [1, 4, 1, 5, 1], 'root id, token, headers, body size, trailers');
  assert.deepEqual(results(p, 'body', 'call').map((r) => r.value), ['hello']);
  assert.deepEqual(results(p, 'get', 'call').map((r) => r.value), ['201', 'v']);
  // timeout 100 → 504 local reply from the async client [inferred]
  p.advance(100);
  assert.deepEqual(p.callbacks({ name: 'proxy_on_http_call_response' })[1].args.slice(0, 2), [1, 8]);
  assert.equal(results(p, 'get', 'call')[2].value, '504');
  assert.equal(p.pendingHttpCalls().length, 0);
});

test('§6.7 http_call failure → callback with zeros and get_status (11, "reset")', () => {
  const p = loadProbe();
  p.http().sendRequestHeaders(GET('/', 'reqh.callout:auth;call.status;call.bstat:4'), { endOfStream: true });
  p.failHttpCall(4);
  assert.deepEqual(p.callbacks({ name: 'proxy_on_http_call_response' })[0].args, [1, 4, 0, 0, 0]);
  assert.equal(result(p, 'status', 'call').value, '11:reset');
});

test('§6.7 CalloutHandler answers calls (sync answers are deferred until the VM call returns)', async () => {
  const seen: string[] = [];
  const p = Emulator.loadSync({
    wasm: probeBytes(), clusters: ['auth'],
    callouts: { httpCall: (req) => { seen.push(req.cluster); return { headers: { ':status': '200' }, body: 'sync' }; } },
  });
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.callout:auth;reqh.ret:1;call.body:4;call.eff:self;call.cont:0'), { endOfStream: true });
  assert.deepEqual(seen, ['auth']);
  assert.equal(result(p, 'body', 'call').value, 'sync');
  assert.ok(s.requestHeadersForwarded);
  const seq = p.callbacks().map((c) => c.name);
  assert.ok(seq.indexOf('proxy_on_http_call_response') > seq.indexOf('proxy_on_request_headers'));
});

test('§6.8 gRPC: tokens 5,9 (call) / 6,10 (stream); ParseFailure for unknown cluster; GrpcService proto accepted; callbacks on root', () => {
  const p = loadProbe({ clusters: ['auth', 'grpc_backend'] });
  p.http().sendRequestHeaders(GET('/', 'reqh.grpc:nope;reqh.grpc:auth;reqh.grpcs:auth;reqh.grpc:auth;reqh.gsend:6:m1;reqh.gsend:5:x;reqh.gclose:101;reqh.gclose:99;reqh.gcancel:4;gmsg.body:5;gclose.status;gmd.get:4:k;gtr.get:5:t'), { endOfStream: true });
  assert.deepEqual(results(p, 'grpc', 'reqh').map((r) => [r.status, r.value]), [[R.ParseFailure, '0'], [R.Ok, '5'], [R.Ok, '9']]);
  assert.equal(result(p, 'grpcs', 'reqh').value, '6');
  assert.deepEqual(results(p, 'gsend', 'reqh').map((r) => r.status), [R.Ok, R.BadArgument]);
  assert.deepEqual(results(p, 'gclose', 'reqh').map((r) => r.status), [R.NotFound, R.BadArgument], 'unknown call token / not a gRPC token');
  assert.equal(result(p, 'gcancel', 'reqh').status, R.BadArgument);
  const pend = p.pendingGrpcCalls();
  assert.deepEqual(pend.map((c) => [c.kind, c.token, c.method, c.serviceName]), [['grpc-call', 5, 'Check', 'probe.Svc'], ['grpc-stream', 6, 'Check', 'probe.Svc'], ['grpc-call', 9, 'Check', 'probe.Svc']]);
  assert.equal(Buffer.from(pend[0].message).toString(), 'hello');
  assert.equal(Buffer.from(pend[1].sent[0].message).toString(), 'm1');
  p.respondGrpcCall(5, 'reply');
  assert.deepEqual(p.callbacks({ name: 'proxy_on_grpc_receive' })[0].args, [1, 5, 5]);
  assert.equal(result(p, 'body', 'gmsg').value, 'reply');
  p.respondGrpcCall(9, { status: 7, message: 'denied' });
  assert.deepEqual(p.callbacks({ name: 'proxy_on_grpc_close' })[0].args, [1, 9, 7]);
  assert.equal(result(p, 'status', 'gclose').value, '7:denied');
  p.grpcStreamEvent(6, { type: 'initialMetadata', metadata: { k: 'v' } });
  p.grpcStreamEvent(6, { type: 'message', message: 'sm' });
  p.grpcStreamEvent(6, { type: 'trailingMetadata', metadata: { t: 'w' } });
  p.closeGrpc(6, 0, '');
  assert.deepEqual(p.callbacks().filter((c) => c.name.startsWith('proxy_on_grpc')).map((c) => c.name.replace('proxy_on_grpc_', '')),
    ['receive', 'close', 'receive_initial_metadata', 'receive', 'receive_trailing_metadata', 'close']);
  assert.equal(result(p, 'get', 'gmd').value, 'v');
  assert.equal(result(p, 'get', 'gtr').value, 'w');
  // a serialized GrpcService { envoy_grpc { cluster_name: "grpc_backend" } }
  const svc = protoField(1, protoField(1, 'grpc_backend'));
  assert.equal(grpcCluster(svc, new Set(['grpc_backend'])), 'grpc_backend');
  assert.equal(grpcCluster(protoConcat(protoField(1, protoField(1, 'x'))), new Set(['grpc_backend'])), null);
});

test('§10.18 shared data across 4 worker VMs: namespace = vm_id, CAS from one global counter, CAS ignored for missing keys', () => {
  const p = loadProbe({ workers: 4, canary: false, pluginConfig: 'reqh.cas:k' });
  for (let w = 0; w < 4; w++) p.http({ worker: w }).sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.deepEqual(results(p, 'cas', 'reqh').map((r) => r.status), [R.Ok, R.Ok, R.Ok, R.Ok]);
  assert.equal(p.sharedData('k')!.value, 'xxxx');
  assert.equal(p.sharedData('k')!.cas, 4, 'one global counter starting at 1');
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.sset:k:v:1;reqh.sset:new:v:77;reqh.sset:k:v2:0;reqh.sget:k;reqh.sget:missing'), { endOfStream: true });
  assert.deepEqual(results(p, 'sset', 'reqh').map((r) => r.status), [R.CasMismatch, R.Ok, R.Ok]);
  assert.deepEqual(results(p, 'sget', 'reqh').map((r) => [r.status, r.value]), [[R.Ok, 'v2:7'], [R.NotFound, '']]);
  // another vm_id in the same process does not see it
  const other = Emulator.loadSync({ wasm: probeBytes(), vmId: 'vm2', process: p.runtime.process, pluginConfig: 'conf.sget:k' });
  assert.equal(result(other, 'sget', 'conf').status, R.NotFound);
});

test('§10.19 shared queues: same token for the same name, last registrant gets on_queue_ready, delivery is asynchronous', () => {
  const p = loadProbe({ workers: 3, canary: false, pluginConfig: 'conf.qreg:q;queue.qdeq:$q;queue.qdeq:$q' });
  assert.deepEqual(results(p, 'qreg', 'conf').map((r) => r.value), ['1', '1', '1']);
  const s = p.http({ worker: 0 });
  s.sendRequestHeaders(GET('/', 'reqh.qres::q;reqh.qenq:1:item;reqh.qenq:77:x;reqh.qres::nope'), { endOfStream: true });
  assert.deepEqual(results(p, 'qres', 'reqh').map((r) => r.status), [R.Ok, R.NotFound]);
  assert.deepEqual(results(p, 'qenq', 'reqh').map((r) => r.status), [R.Ok, R.NotFound]);
  const ready = p.callbacks({ name: 'proxy_on_queue_ready' });
  assert.deepEqual(ready.map((c) => [c.worker, c.args]), [[2, [1, 1]]], 'delivered to the last registrant (worker 2)');
  const seq = p.callbacks().map((c) => c.name);
  assert.ok(seq.indexOf('proxy_on_queue_ready') > seq.indexOf('proxy_on_request_headers'), 'posted, not re-entrant');
  assert.deepEqual(results(p, 'qdeq', 'queue').map((r) => [r.status, r.value]), [[R.Ok, 'item'], [R.Empty, '']]);
});

test('§10.20 metrics: counter delta ≤ 0 BadArgument, record on counter adds, histogram get BadArgument, ids by type, wasmcustom. names', () => {
  const p = loadProbe({ pluginConfig: 'reqh.metric:0:c;reqh.metric:1:g;reqh.metric:2:h;reqh.metric:9:x;reqh.inc:c:0;reqh.inc:c:-1;reqh.inc:c:5;reqh.rec:c:2;reqh.inc:g:-3;reqh.rec:h:10;reqh.inc:h:1;reqh.getm:c;reqh.getm:g;reqh.getm:h;reqh.inc:none:1', canary: false });
  p.http().sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.deepEqual(results(p, 'metric', 'reqh').map((r) => [r.status, r.value]), [[R.Ok, '4'], [R.Ok, '5'], [R.Ok, '6'], [R.BadArgument, '6']]);
  assert.deepEqual(results(p, 'inc', 'reqh').map((r) => r.status), [R.BadArgument, R.BadArgument, R.Ok, R.Ok, R.BadArgument, R.NotFound]);
  assert.deepEqual(results(p, 'getm', 'reqh').map((r) => [r.status, r.value]), [[R.Ok, '7'], [R.Ok, String(2n ** 64n - 3n)], [R.BadArgument, '']]);
  assert.equal(p.metric('c'), 7);
  assert.equal(p.metricInfo('h')!.samples.length, 1);
  assert.ok(p.runtime.process.stats.has('wasmcustom.c'));
});

test('§10.21 ticks: per root, first after period, re-armed, 0 disables, set from a stream applies to its root', () => {
  const p = loadProbe({ pluginConfig: 'conf.tick:100' });
  p.advance(99);
  assert.equal(p.callbacks({ name: 'proxy_on_tick', worker: 0 }).length, 0);
  p.advance(1);
  p.advance(250);
  const ticks = p.callbacks({ name: 'proxy_on_tick', worker: 0 });
  assert.equal(ticks.length, 3);
  assert.deepEqual(ticks[0].args, [1]);
  p.http().sendRequestHeaders(GET('/', 'reqh.tick:0'), { endOfStream: true });
  p.advance(1000);
  assert.equal(p.callbacks({ name: 'proxy_on_tick', worker: 0 }).length, 3, 'disabled from a stream of that root');
  assert.equal(p.callbacks({ name: 'proxy_on_tick', worker: -2 }).length, 0, 'dropped canary never ticks');
});

test('§10.22 properties: NUL-separated paths, whole objects SerializationFailure, legacy names NotFound, plugin_* in root callbacks, attributes', () => {
  const p = loadProbe({
    name: 'my_plugin', rootId: 'r', vmId: 'v', properties: { 'xds.route_name': 'rt', 'xds.node': { type: 'proto', value: protoField(1, 'node-id') } },
    pluginConfig: 'conf.prop:plugin_name;conf.prop:plugin_vm_id;conf.prop:source.address;conf.prop:xds.node',
  });
  assert.deepEqual(results(p, 'prop', 'conf').filter((r) => r.worker === 0).map((r) => [r.status, r.status === 0 ? r.value : '']),
    [[R.Ok, Buffer.from('my_plugin').toString('hex')], [R.Ok, Buffer.from('v').toString('hex')], [R.NotFound, ''], [R.Ok, Buffer.from(protoField(1, 'node-id')).toString('hex')]]);
  const s = p.http({ properties: { 'source.address': '10.0.0.1:5000', 'source.port': 5000, 'connection.mtls': true } });
  s.sendRequestHeaders(GET('/a?b=c', 'reqh.prop:request;reqh.rawprop:request.path;reqh.prop:route_name;reqh.prop:request.url_path;reqh.prop:request.query;reqh.prop:source.address;reqh.prop:source.port;reqh.prop:connection.mtls;reqh.prop:xds.route_name;reqh.prop:request.time;reqh.prop:source'), { endOfStream: true });
  const r = results(p, 'prop', 'reqh');
  assert.deepEqual(r.map((x) => x.status), [R.SerializationFailure, R.NotFound, R.Ok, R.Ok, R.Ok, R.Ok, R.Ok, R.Ok, R.Ok, R.SerializationFailure]);
  assert.equal(result(p, 'rawprop', 'reqh').status, R.NotFound, '"request.path" as one segment is not split');
  assert.equal(hexToString(r[2].value), '/a');
  assert.equal(hexToString(r[3].value), 'b=c');
  assert.equal(hexToString(r[4].value), '10.0.0.1:5000');
  assert.equal(hexToI64(r[5].value), 5000n);
  assert.equal(r[6].value, '01');
  assert.equal(hexToString(r[7].value), 'rt');
  assert.equal(hexToU64(r[8].value), BigInt(p.nowMs()) * 1_000_000n);
});

test('§10.23 set_property: stream only (root → NotFound); readable back via get_property and filter_state; set_envoy_filter_state stored', () => {
  const p = loadProbe({ pluginConfig: 'conf.setprop:a:1' });
  assert.equal(result(p, 'setprop', 'conf').status, R.NotFound);
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.setprop:mykey:val;reqh.prop:mykey;reqh.prop:filter_state/wasm.mykey;reqh.fs:envoy.string:hello:1'), { endOfStream: true });
  assert.equal(result(p, 'setprop', 'reqh').status, R.Ok);
  assert.deepEqual(results(p, 'prop', 'reqh').map((r) => hexToString(r.value)), ['val', 'val']);
  assert.equal(s.property('mykey'), 'val');
  assert.equal(result(p, 'fs', 'reqh').status, R.Ok);
  assert.deepEqual(s.envoyFilterState('envoy.string'), { value: 'hello', span: 1 });
});

test('§10.24 proxy_log level > 5 → BadArgument; get_log_level reports the configured level; logs below it are not emitted', () => {
  const p = loadProbe({ logLevel: 'warn', pluginConfig: 'conf.badlevel;conf.loglevel;conf.log:1:dbg;conf.log:4:err;conf.oob' });
  assert.equal(result(p, 'badlevel', 'conf').status, R.BadArgument);
  assert.equal(result(p, 'loglevel', 'conf').value, '3');
  assert.equal(result(p, 'oob', 'conf').status, R.InvalidMemoryAccess, 'out-of-bounds pointer');
  assert.ok(p.logMessages().includes('err'));
  assert.ok(!p.logMessages().includes('dbg'));
  assert.ok(p.logMessages({ includeSuppressed: true }).includes('dbg'));
  const e = p.logs({ contains: 'err' }).find((x) => x.worker === 0)!;
  assert.equal(e.line, 'wasm log  vm1: err'.replace('  ', ' probe_root '));
});

test('§4.1 log prefix: stream contexts carry the plugin name, root contexts omit it; WASI fd_write → info/error', () => {
  const p = loadProbe({ canary: false });
  p.http().sendRequestHeaders(GET('/', 'reqh.log:2:hi;reqh.fdw:out;reqh.fde:err'), { endOfStream: true });
  assert.equal(p.logs({ contains: 'hi' })[0].line, 'wasm log probe probe_root vm1: hi');
  assert.equal(p.logs({ source: 'stdout' })[0].level, 2);
  assert.equal(p.logs({ source: 'stdout' })[0].message, 'out', 'trailing newline stripped');
  assert.equal(p.logs({ source: 'stderr' })[0].level, 4);
});

test('§10.26 missing import or wrong signature → module refused at load (host/wasm check wired into the loader)', () => {
  const bytes = probeBytes().slice();
  // rename the import "proxy_log" to "proxy_lag" (same length) → missing import
  const i = Buffer.from(bytes).indexOf('proxy_log');
  bytes[i + 7] = 'a'.charCodeAt(0);
  assert.throws(() => Emulator.loadSync({ wasm: bytes }), (e: unknown) => e instanceof EnvoyLoadError && /missing import: env.proxy_lag/.test(e.message));
});

test('§10.27 hostcalls from a wasm start section: no current context → treated as a trap [inferred]; the probe exports _initialize instead', () => {
  const p = loadProbe();
  assert.equal(p.callbacks({ worker: 0 })[0].name, '_initialize');
  assert.ok(!p.runtime.check.info!.hasStartSection);
});

test('§10.29 the trailing-metadata callback Envoy calls is proxy_on_grpc_receive_trailing_metadata', () => {
  const p = loadProbe();
  p.http().sendRequestHeaders(GET('/', 'reqh.grpcs:auth'), { endOfStream: true });
  p.grpcStreamEvent(6, { type: 'trailingMetadata', metadata: { a: 'b' } });
  assert.deepEqual(p.callbacks({ name: 'proxy_on_grpc_receive_trailing_metadata' }).map((c) => c.args), [[1, 6, 1]]);
});

test('§10.30 empty results come back as (0,0) without an allocator call', () => {
  const p = loadProbe({ envVars: { PROBE_MALLOC: 'malloc.log:0:alloc' } });
  const s = p.http();
  const allocs = () => p.logMessages({ includeSuppressed: true }).filter((m) => m === 'alloc').length;
  const before = allocs();
  s.sendRequestHeaders([[':path', '/'], ['x-probe', 'reqh.get:0:x-empty'], ['x-empty', '']], { endOfStream: true });
  const r = result(p, 'get', 'reqh');
  assert.deepEqual([r.status, r.value], [R.Ok, '']);
  const after = allocs();
  // one allocation: the x-probe header value; none for the empty value
  assert.equal(after - before, 1);
});

test('§10.32 malloc preferred; memory growth inside guest calls is handled (views re-created)', () => {
  const p = loadProbe();
  assert.equal(p.runtime.check.allocator, 'malloc');
  const s = p.http();
  const pages = p.memoryPages();
  s.sendRequestHeaders(GET('/', 'reqh.grow:20;reqh.get:0:^path;reqh.addbig:0:2000000'), { endOfStream: true });
  assert.ok(p.memoryPages() >= pages + 20);
  assert.equal(result(p, 'get', 'reqh').value, '/');
  assert.equal(s.requestHeader('x-big')!.length, 2_000_000);
});

test('§10.33 time: proxy_get_current_time_nanoseconds and WASI clocks follow the virtual clock (not frozen per callback)', () => {
  const p = loadProbe({ pluginConfig: 'conf.tick:1000;tick.time;tick.wtime:0;tick.wtime:1' });
  const t0 = p.nowMs();
  p.advance(1000);
  const [a, b, c] = results(p, 'time', 'tick').concat(results(p, 'wtime', 'tick')).map((r) => BigInt(r.value));
  assert.equal(a, BigInt(t0 + 1000) * 1_000_000n);
  assert.equal(b, a);
  assert.equal(c, 1000n * 1_000_000n);
});

test('malformed input never traps: NUL and invalid UTF-8 values, 1 MiB value, 1000 headers, empty maps', () => {
  const p = loadProbe({ workers: 1 });
  const odd = Buffer.from([0x61, 0x00, 0xff, 0xfe, 0x62]).toString('latin1');
  const s = p.http();
  s.stream.headers('request', new HeaderMap([[':path', '/'], ['x-probe', 'reqh.get:0:x-odd;reqh.pairs:0;reqh.prop:request.headers'], ['x-odd', odd]]), true);
  assert.equal(result(p, 'get', 'reqh').status, R.Ok);
  assert.ok(!p.failed());
  const big = p.http();
  big.sendRequestHeaders([...GET('/', 'reqh.pairs:0;reqh.get:0:x-big'), ['x-big', 'v'.repeat(1024 * 1024)]], { endOfStream: true });
  assert.equal(result(p, 'get', 'reqh').value.length, 1024 * 1024);
  const many = p.http();
  const hs: Array<[string, string]> = [...GET('/', 'reqh.pairs:0;reqh.addn:0:50')];
  for (let i = 0; i < 1000; i++) hs.push([`x-h${i}`, String(i)]);
  many.sendRequestHeaders(hs, { endOfStream: true });
  assert.equal(result(p, 'pairs', 'reqh').value.split(':')[0], '1005');
  assert.equal(many.requestHeaders().length, 1055);
  const empty = p.http();
  empty.sendRequestHeaders([], { endOfStream: true });
  empty.sendResponseHeaders([], { endOfStream: true });
  empty.complete();
  const e2 = p.http();
  e2.sendRequestHeaders(GET('/', 'reqh.setpairs:0:!empty;reqh.pairs:0'), { endOfStream: true });
  assert.deepEqual(e2.requestHeaders(), []);
  assert.equal(result(p, 'pairs', 'reqh').value, '0:0');
  assert.ok(!p.failed());
  assert.equal(p.traps.length, 0);
});

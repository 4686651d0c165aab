// §6.3–§6.9: HTTP stream call order, availability windows, pausing, bodies, local replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmResult as R } from '../../host/index.ts';
import { GET, hexToString, loadProbe, result, results } from './probe-helper.ts';

const streamCalls = (p: ReturnType<typeof loadProbe>, id: number) =>
  p.callbacks({ worker: 0 }).filter((c) => c.args[0] === id && c.name !== 'proxy_on_context_create' || (c.name === 'proxy_on_context_create' && c.args[0] === id)).map((c) => `${c.name.replace('proxy_on_', '')}(${c.args.slice(1)})`);

test('§6.3 happy path order: create at decodeHeaders … on_log before on_done before on_delete (§10.14)', () => {
  const p = loadProbe({ strict: { allow: ['proxy_get_header_map_value:NotFound'] } });
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET('/')), 'Continue');
  assert.equal(s.sendRequestBody('ab'), 'Continue');
  assert.equal(s.sendRequestBody('cde', { endOfStream: true }), 'Continue');
  assert.equal(s.sendResponseHeaders([[':status', '200']]), 'Continue');
  assert.equal(s.sendResponseBody('xyz', { endOfStream: true }), 'Continue');
  s.complete();
  assert.deepEqual(streamCalls(p, s.id), [
    'context_create(1)', 'request_headers(4,0)', 'request_body(2,0)', 'request_body(3,1)',
    'response_headers(1,0)', 'response_body(3,1)', 'log()', 'done()', 'delete()',
  ]);
  assert.equal(s.requestBody(), 'abcde');
  assert.equal(s.responseBody(), 'xyz');
});

test('§6.3 end_of_stream on headers → no body callbacks; trailers: last body eos=0 then on_request_trailers', () => {
  const p = loadProbe();
  const a = p.http();
  a.sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.ok(a.requestComplete);
  const b = p.http();
  b.sendRequestHeaders(GET('/'));
  b.sendRequestBody('x');
  assert.equal(b.sendRequestTrailers([['x-t', '1']]), 'Continue');
  assert.deepEqual(streamCalls(p, b.id), ['context_create(1)', 'request_headers(4,0)', 'request_body(1,0)', 'request_trailers(1)']);
  assert.deepEqual(b.requestTrailers(), [['x-t', '1']]);
});

test('§6.3 an earlier filter replied before decodeHeaders: create → on_log → on_done → on_delete', () => {
  const p = loadProbe();
  const s = p.http();
  s.replyBeforeFilter();
  assert.deepEqual(streamCalls(p, s.id), ['context_create(1)', 'log()', 'done()', 'delete()']);
});

test('§10.3/§10.5/§10.6 availability: request headers gone after Continue (get BadArgument, pairs Ok+empty, size BadArgument); on_log read-only snapshot', () => {
  const p = loadProbe();
  const s = p.http();
  const cmds = ['reqh.size:0', 'reqh.pairs:0', 'resh.get:0:^path', 'resh.pairs:0', 'resh.size:0', 'resh.prop:request.path', 'resh.get:2:^status',
    'log.get:0:^path', 'log.get:1:x', 'log.size:0', 'log.add:0:a=b', 'log.prop:request.path', 'log.get:2:^status'].join(';');
  s.sendRequestHeaders(GET('/p', cmds), { endOfStream: true });
  s.sendResponseHeaders([[':status', '201']], { endOfStream: true });
  s.complete();
  const size = result(p, 'size', 'reqh');
  assert.equal(size.status, R.Ok);
  const bytes = GET('/p', cmds).reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert.equal(Number(size.value), bytes, 'byteSize = sum of key and value lengths, not entry count');
  assert.equal(result(p, 'pairs', 'reqh').value.split(':')[0], '5');
  assert.deepEqual(results(p, 'get', 'resh').map((r) => r.status), [R.BadArgument, R.Ok], 'request headers gone after Continue; response headers there');
  assert.deepEqual([result(p, 'pairs', 'resh').status, result(p, 'pairs', 'resh').value], [R.Ok, '0:0'], 'pairs: Ok + empty');
  assert.equal(result(p, 'size', 'resh').status, R.BadArgument);
  assert.equal(result(p, 'prop', 'resh').status, R.NotFound, 'header-derived properties follow the same window');
  assert.deepEqual(results(p, 'get', 'log').map((r) => [r.status, r.value]), [[R.Ok, '/p'], [R.NotFound, ''], [R.Ok, '201']]);
  assert.equal(result(p, 'size', 'log').status, R.BadArgument, 'size fails in on_log');
  assert.equal(result(p, 'add', 'log').status, R.BadArgument, 'writes fail in on_log');
  assert.equal(hexToString(result(p, 'prop', 'log').value), '/p', 'request.path available again in on_log');
});

test('§6.4/§10.1 Pause on headers: body not delivered, then delivered in ONE call after continue_stream (from a callout, with set_effective_context)', () => {
  const p = loadProbe({ strict: true });
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET('/', 'reqh.callout:auth;reqh.ret:1;call.eff:self;call.rep:0:x-user=u1;call.cont:0;reqb.body:0')), 'StopAllIterationAndWatermark');
  assert.equal(s.sendRequestBody('abc'), 'NotDelivered');
  assert.equal(s.sendRequestBody('def', { endOfStream: true }), 'NotDelivered');
  assert.equal(p.callbacks({ name: 'proxy_on_request_body' }).length, 0);
  assert.ok(!s.requestHeadersForwarded);
  const [call] = p.pendingHttpCalls();
  assert.equal(call.token, 4);
  p.respondHttpCall(call.token, { headers: { ':status': '200' }, body: 'ok' });
  assert.deepEqual(p.callbacks({ name: 'proxy_on_request_body' }).map((c) => c.args), [[s.id, 6, 1]]);
  assert.equal(result(p, 'body', 'reqb').value, 'abcdef');
  assert.ok(s.requestHeadersForwarded);
  assert.equal(s.requestHeader('x-user'), 'u1', 'headers still writable while paused, from the callout callback');
  assert.equal(s.requestBody(), 'abcdef');
});

test('§6.4 allowOnHeadersStopIteration: StopIteration keeps headers writable while body is delivered; body Continue releases both', () => {
  const p = loadProbe({ allowOnHeadersStopIteration: true });
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET('/', 'reqh.ret:1;reqb.add:0:x-from-body=1')), 'StopIteration');
  assert.equal(s.sendRequestBody('abc', { endOfStream: true }), 'Continue');
  assert.equal(result(p, 'add', 'reqb').status, R.Ok);
  assert.equal(s.requestHeader('x-from-body'), '1');
  assert.ok(s.requestHeadersForwarded);
});

test('§6.4/§6.5 body buffering: after returning 1 the next callback sees the total; get_buffer_bytes returns all; 1 on eos needs continue', () => {
  const p = loadProbe({ pluginConfig: 'conf.tick:10;tick.eff:last;tick.cont:0' });
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqb.ret:1;reqb.body:0;reqb.bstat:0'));
  assert.equal(s.sendRequestBody('abc'), 'StopIterationAndBuffer');
  assert.equal(s.sendRequestBody('def'), 'StopIterationAndBuffer');
  assert.equal(s.sendRequestBody('ghi', { endOfStream: true }), 'StopIterationAndBuffer');
  assert.deepEqual(p.callbacks({ name: 'proxy_on_request_body' }).map((c) => c.args.slice(1)), [[3, 0], [6, 0], [9, 1]]);
  assert.deepEqual(results(p, 'body', 'reqb').map((r) => r.value), ['abc', 'abcdef', 'abcdefghi']);
  assert.deepEqual(results(p, 'bstat', 'reqb').map((r) => r.value), ['3:0', '6:0', '9:0'], 'flags always 0');
  assert.equal(s.requestBody(), '', 'nothing forwarded yet');
  p.advance(10);
  assert.equal(s.requestBody(), 'abcdefghi');
  assert.ok(s.requestComplete);
});

test('§10.10 set_buffer_bytes: prepend (0,0), replace-all (0,≥len), append (start≥len), middle → BadArgument; config buffers read-only', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqb.setb:0:0:0:P;reqb.setb:0:99:0:E;reqb.setb:0:1:0:X;reqb.setb:6:0:0:Z;reqb.body:0'));
  s.sendRequestBody('abc', { endOfStream: true });
  assert.deepEqual(results(p, 'setb', 'reqb').map((r) => r.status), [R.Ok, R.Ok, R.BadArgument, R.BadArgument]);
  assert.equal(result(p, 'body', 'reqb').value, 'PabcE');
  assert.equal(s.requestBody(), 'PabcE');
  const q = p.http();
  q.sendRequestHeaders(GET('/', 'reqb.setb:0:0:2:N;reqb.body:0'));
  q.sendRequestBody('abc', { endOfStream: true });
  assert.equal(result(p, 'body', 'reqb').value, 'Nc', 'start 0 drains `size` bytes then prepends (current Envoy)');
  const r = p.http();
  r.sendRequestHeaders(GET('/', 'reqb.setb:0:0:100:ALL'));
  r.sendRequestBody('abc', { endOfStream: true });
  assert.equal(r.requestBody(), 'ALL');
});

test('§6.3 trailers can be created in the last body callback only', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqb.add:1:x-t=1'));
  s.sendRequestBody('a');
  s.sendRequestBody('b', { endOfStream: true });
  assert.deepEqual(results(p, 'add', 'reqb').map((r) => r.status), [R.BadArgument, R.Ok]);
  assert.deepEqual(s.requestTrailers(), [['x-t', '1']]);
});

test('§6.9/§10.2 local reply: deferred, forces Stop, appends headers, spaces→_, runs through own on_response_headers, then log/done/delete', () => {
  const p = loadProbe();
  const s = p.http();
  const a = s.sendRequestHeaders(GET('/', 'reqh.local:403:denied:not allowed here;reqh.ret:0;resh.get:2:^status;resh.get:2:x-local;resb.body:1'));
  assert.equal(a, 'StopAllIterationAndWatermark', 'Continue overridden to Stop');
  const lr = s.localReply!;
  assert.equal(lr.status, 403);
  assert.equal(lr.body, 'denied');
  assert.equal(lr.details, 'not_allowed_here');
  assert.equal(lr.grpcStatus, null, '-1 → no grpc status');
  assert.deepEqual(lr.extraHeaders, [['x-local', '1']]);
  assert.deepEqual(lr.headers, [[':status', '403'], ['content-length', '6'], ['content-type', 'text/plain'], ['x-local', '1']]);
  assert.deepEqual(results(p, 'get', 'resh').map((r) => r.value), ['403', '1'], 'own on_response_headers sees the reply [inferred]');
  assert.equal(result(p, 'body', 'resb').value, 'denied');
  assert.deepEqual(streamCalls(p, s.id), ['context_create(1)', 'request_headers(5,0)', 'response_headers(4,0)', 'response_body(6,1)', 'log()', 'done()', 'delete()']);
  assert.equal(s.sendRequestBody('late', { endOfStream: true }), 'Ignored', 'decoder side stopped');
  assert.ok(s.finished);
});

test('§10.2 local reply grpc_status only 0..16; gRPC requests get a trailers-only reply [inferred]', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders([...GET('/svc/M', 'reqh.localg:401:nope::16'), ['content-type', 'application/grpc']], { endOfStream: true });
  assert.equal(s.localReply!.grpcStatus, 16);
  assert.equal(new Map(s.localReply!.headers).get('grpc-status'), '16');
  assert.equal(new Map(s.localReply!.headers).get(':status'), '200');
  const t = p.http();
  t.sendRequestHeaders(GET('/', 'reqh.localg:401:nope::17'), { endOfStream: true });
  assert.equal(t.localReply!.grpcStatus, null);
});

test('§10.2 send_local_response on a root context: silent Ok no-op', () => {
  const p = loadProbe({ pluginConfig: 'conf.local:500' });
  assert.equal(result(p, 'local', 'conf').status, R.Ok);
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET('/'), { endOfStream: true }), 'Continue');
});

test('§10.16 effective context: continue_stream from a callout callback without set_effective_context does nothing; deleted stream → BadArgument', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.callout:auth;reqh.ret:1;call.cont:0'), { endOfStream: true });
  p.respondHttpCall(4, {});
  assert.equal(result(p, 'cont', 'call').status, R.Ok);
  assert.ok(!s.requestHeadersForwarded, 'still paused');
  const t = p.http();
  t.sendRequestHeaders(GET('/', 'reqh.callout:auth;call.eff:self'), { endOfStream: true });
  t.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  t.complete();
  p.respondHttpCall(8, {});
  assert.equal(result(p, 'eff', 'call').status, R.BadArgument, 'callout outlives the stream; stream gone');
});

test('§10.17 continue_stream(UPSTREAM) Unimplemented, >3 BadArgument; close_stream resets (details wasm_close_stream)', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.cont:3;reqh.cont:9;reqh.cont:2;reqh.close:9;reqh.close:0'));
  assert.deepEqual(results(p, 'cont', 'reqh').map((r) => r.status), [R.Unimplemented, R.BadArgument, R.Ok]);
  assert.deepEqual(results(p, 'close', 'reqh').map((r) => r.status), [R.BadArgument, R.Ok]);
  assert.equal(s.resetReason, 'wasm_close_stream');
  assert.ok(s.finished);
  assert.deepEqual(streamCalls(p, s.id).slice(-3), ['log()', 'done()', 'delete()']);
});

test('§10.9 route cache: every request-header mutation (ABI ≤ 0.2.1) and clear_route_cache are recorded distinctly', () => {
  const p = loadProbe();
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.rep:0:^path=/new;reqh.add:0:x-a=1;reqh.ff:clear_route_cache;reqh.add:2:x=1'), { endOfStream: true });
  assert.equal(s.requestHeader(':path'), '/new', 'request headers read back mutated');
  assert.deepEqual(p.routeCacheClears(s).map((c) => c.kind), ['mutation', 'mutation', 'foreign']);
});

test('§6.6 buffers: HTTP-call body NotFound outside the callback; VM config always; config buffers not writable; bad type → BadArgument', () => {
  const p = loadProbe({ vmConfig: 'VMCFG' });
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqh.bstat:4;reqh.body:6;reqh.setb:6:0:0:x;reqh.bstat:9;reqh.bstat:1;reqh.bstat:5'), { endOfStream: true });
  assert.equal(result(p, 'bstat', 'reqh').status, R.Ok);
  assert.deepEqual(results(p, 'bstat', 'reqh').map((r) => r.status), [R.NotFound, R.BadArgument, R.Ok, R.Ok]);
  assert.equal(result(p, 'body', 'reqh').value, 'VMCFG');
  assert.equal(result(p, 'setb', 'reqh').status, R.BadArgument);
});

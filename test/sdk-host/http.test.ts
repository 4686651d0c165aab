// SDK HTTP surface through the real host: header maps, bodies, trailers, local replies, stream
// control — observed on the emulator's side of the ABI (what Envoy would forward / reply).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmResult as R } from '../../host/index.ts';
import { calls, load, out, outs, req } from './helper.ts';

test('header map get / getAll / has / set / add / remove / pairs / size / byteSize on request headers', () => {
  const p = load({ strict: { allow: ['proxy_get_header_map_value:NotFound'] } });
  const s = p.http();
  s.sendRequestHeaders([...req('/h', 'headers'), ['X-Multi', 'a'], ['x-multi', 'b'], ['x-replace', 'old'], ['x-replace', 'old2'], ['x-remove', 'r1'], ['x-remove', 'r2']], { endOfStream: true });
  const h = s.requestHeaders();
  const get = (k: string) => h.filter(([n]) => n === k).map(([, v]) => v);
  assert.deepEqual(get('x-get'), ['a'], 'get (case-insensitive name) returns the first value');
  assert.deepEqual(get('x-getall'), ['a|b'], 'getAll returns every value in order');
  assert.deepEqual(get('x-has'), ['true,false']);
  assert.deepEqual(get('x-missing-get'), [`null:${R.NotFound}`], 'absent → null, lastStatus NotFound');
  assert.deepEqual(get('x-added'), ['1', '2'], 'add appends, key lower-cased');
  assert.deepEqual(get('x-replace'), ['new'], 'set replaces every value');
  assert.deepEqual(get('x-remove'), [], 'remove drops every value');
  assert.deepEqual(get('x-illegal'), [], 'CR/LF/NUL values are refused by the SDK (never sent to the host)');
  assert.deepEqual(get('x-illegal-result'), ['false,false']);
  assert.equal(calls(p, 'proxy_replace_header_map_value', 'x-illegal').length, 0);
  assert.equal(calls(p, 'proxy_add_header_map_value', 'x-illegal').length, 0);
  // size / byteSize / pairs were taken after all the mutations above
  const before = h;
  assert.equal(out(p, 'headers.size'), String(before.length));
  assert.equal(out(p, 'headers.bytesize'), String(before.reduce((n, [k, v]) => n + k.length + v.length, 0)), "Envoy's byteSize");
  assert.equal(out(p, 'headers.pairs'), before.map(([k, v]) => `${k}:${v}`).join(','), 'pairs() = the map in order, pseudo-headers included');
  assert.equal(p.traps.length, 0);
});

test('setPairs replaces the whole map (keys lower-cased, duplicates kept); illegal entries refuse the whole call', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders([...req('/sp', 'setpairs'), ['x-drop', '1'], ['x-keep', 'k']], { endOfStream: true });
  assert.equal(out(p, 'setpairs'), 'true');
  assert.equal(out(p, 'setpairs.illegal'), 'false');
  assert.deepEqual(s.requestHeaders(), [
    [':method', 'GET'], [':path', '/sp'], [':authority', 'example.com'], [':scheme', 'http'], ['x-do', 'setpairs'],
    ['x-keep', 'k'], ['x-setpairs', 'yes'], ['x-dup', '1'], ['x-dup', '2'],
  ]);
  assert.equal(calls(p, 'proxy_set_header_map_pairs').length, 1, 'the refused setPairs made no hostcall');
});

test('response headers set / add / remove / getAll', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/r', 'resp-headers'), { endOfStream: true });
  s.sendResponseHeaders([[':status', '200'], ['server', 'up'], ['x-u', '1']], { endOfStream: true });
  assert.deepEqual(s.responseHeaders(), [[':status', '200'], ['x-u', '1'], ['x-resp', '1'], ['x-resp-multi', 'a'], ['x-resp-multi', 'b']]);
  assert.equal(out(p, 'resh.getall'), 'a|b');
  assert.equal(out(p, 'resh'), '3:200');
});

for (const [action, expected] of [
  ['body-append', 'hello world+END'],
  ['body-prepend', 'START+hello world'],
  ['body-replace', 'replaced'],
  ['body-replace-bytes', '<hi!'],
] as const) {
  test(`request body: buffer until end of stream, get/getString slices, ${action}`, () => {
    const p = load({ strict: true });
    const s = p.http();
    s.sendRequestHeaders(req('/b', action));
    s.sendRequestBody('hello ');
    assert.equal(s.requestBody(), '', 'StopIterationAndBuffer holds the first chunk');
    s.sendRequestBody('world', { endOfStream: true });
    assert.equal(s.requestBody(), expected);
    assert.deepEqual(outs(p, 'reqb'), ['6:0:6', '11:1:11'], 'body_size is the buffered total; size() agrees');
    assert.equal(out(p, 'body.whole'), 'hello world');
    assert.equal(out(p, 'body.slice'), 'ell', 'getString(1, 3)');
    assert.equal(out(p, 'body.past'), '', 'start past the end → empty, not null');
    assert.equal(out(p, 'body.bytes'), '6865');
    assert.equal(out(p, 'body.op'), `${action.replace('body-', '')}:true:${Buffer.byteLength(expected)}`);
  });
}

test('response body replace after buffering; body size in the headers phase is 0 (empty buffer, not unavailable)', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/rb', 'resp-body', 'body-buffer'));
  assert.equal(out(p, 'body.size.headers'), '0');
  s.sendRequestBody('q', { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']]);
  s.sendResponseBody('up');
  s.sendResponseBody('stream', { endOfStream: true });
  assert.equal(out(p, 'resb'), 'upstream');
  assert.equal(s.responseBody(), '[upstream]');
});

test('trailers: get / getAll / set / remove / add on request and response trailers', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/t', 'trailers'));
  s.sendRequestBody('x');
  s.sendRequestTrailers([['x-t', 'one'], ['x-t', 'two'], ['x-gone', 'g']]);
  assert.equal(out(p, 'reqt'), '3:one:one|two');
  assert.deepEqual(s.requestTrailers(), [['x-t', 'one'], ['x-t', 'two'], ['x-t2', 'v2'], ['x-t', 'added']]);
  s.sendResponseHeaders([[':status', '200']]);
  s.sendResponseBody('y');
  s.sendResponseTrailers([['grpc-status', '0']]);
  assert.equal(out(p, 'rest'), '1:0');
  assert.deepEqual(s.responseTrailers(), [['grpc-status', '0'], ['x-rt', '1'], ['grpc-message', 'ok']]);
});

test('local reply with status, body, extra headers (appended), grpc status and details; callback result forced to stop', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/deny', 'local-reply'), { endOfStream: true });
  assert.equal(out(p, 'local-reply'), 'true');
  const lr = s.localReply!;
  assert.ok(lr, 'a local reply was sent');
  assert.equal(lr.status, 403);
  assert.equal(lr.body, 'denied\n');
  assert.deepEqual(lr.extraHeaders, [['x-lr', '1'], ['x-lr', '2'], ['content-type', 'text/x-cov']]);
  assert.equal(lr.grpcStatus, 7);
  assert.equal(lr.details, 'cov_denied', 'spaces in details become _');
  assert.equal(s.requestHeadersForwarded, false);
  // the reply goes through this filter's on_response_headers
  assert.equal(out(p, 'resh').split(':')[1], '403');
});

test('local reply: no grpc status (-1) and a binary body; illegal extra header refused without a hostcall', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/bin', 'local-reply-illegal', 'local-reply-bytes'), { endOfStream: true });
  assert.equal(out(p, 'local-reply-illegal'), 'false');
  assert.equal(calls(p, 'proxy_send_local_response').length, 1);
  const lr = s.localReply!;
  assert.equal(lr.status, 200);
  assert.equal(lr.grpcStatus, null);
  assert.deepEqual([...lr.bodyBytes], [0x00, 0xff, 0x41]);
});

test('local reply from on_response_headers replaces the upstream response', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/up', 'resp-local-reply'), { endOfStream: true });
  s.sendResponseHeaders([[':status', '500']], { endOfStream: true });
  assert.equal(s.localReply?.status, 502);
  assert.deepEqual(s.localReply?.extraHeaders, [['x-hidden', '1']]);
});

test('resetStream → proxy_close_stream(HTTP_REQUEST): the stream is reset', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/c', 'close'), { endOfStream: true });
  assert.equal(out(p, 'close'), 'true');
  assert.ok(s.resetReason, 'stream reset');
  assert.deepEqual(calls(p, 'proxy_close_stream').map((h) => h.args), [[0]]);
});

test('stream end: on_log (headers readable) → on_done → on_delete reach the HttpContext', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/end'), { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  s.complete();
  assert.deepEqual(outs(p, 'onlog'), [`${s.id}:/end`]);
  assert.deepEqual(outs(p, 'ondone'), [String(s.id)]);
  assert.deepEqual(outs(p, 'ondelete'), [String(s.id)]);
  const names = p.callbacks({ worker: 0 }).map((c) => c.name).filter((n) => /on_(log|done|delete)$/.test(n));
  assert.deepEqual(names, ['proxy_on_log', 'proxy_on_done', 'proxy_on_delete']);
});

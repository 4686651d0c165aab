// Runs examples/http-callout-auth/build/http-callout-auth.wasm in the host emulator.
//   node --import tsx --test examples/http-callout-auth/http-callout-auth.test.ts   (build first)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Emulator, HeaderMap, Plugin, type EmulatorOptions, type HttpStreamHandle, type EmulatedPlugin, type HeadersInit } from '../../host/index.ts';
import { envoyPluginConfig } from '../envoy-config.ts';

const WASM = new URL('./build/http-callout-auth.wasm', import.meta.url).pathname;
const ROOT_ID = 'http-callout-auth';
const CONFIG = { cluster: 'auth', path: '/check', timeout_ms: 500, forward_headers: ['authorization', 'cookie'], copy_headers: ['x-user', 'x-roles'] };
// Absent headers (get → NotFound) are normal for this filter; everything else must be Ok.
const STRICT = { allow: ['proxy_get_header_map_value:NotFound'] };

const load = (config: object = CONFIG, o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({ wasm: WASM, rootId: ROOT_ID, vmId: 'auth', pluginConfig: JSON.stringify(config), clusters: ['auth', 'backend'], strict: STRICT, logLevel: 'debug', ...o });

const REQ = (extra: Array<[string, string]> = [], auth = 'Bearer good'): Array<[string, string]> =>
  [[':method', 'POST'], [':path', '/api/items'], [':authority', 'example'], [':scheme', 'http'], ['authorization', auth], ...extra];

/** Send request headers; the filter must pause and issue exactly one callout. */
function start(p: EmulatedPlugin, headers: HeadersInit = REQ(), o: { worker?: number; eos?: boolean } = {}) {
  const s = p.http({ worker: o.worker });
  const before = new Set(p.pendingHttpCalls().map((c) => `${c.worker}#${c.token}`));
  assert.equal(s.sendRequestHeaders(headers, { endOfStream: o.eos ?? true }), 'StopAllIterationAndWatermark');
  assert.equal(s.requestHeadersForwarded, false);
  const calls = p.pendingHttpCalls().filter((c) => !before.has(`${c.worker}#${c.token}`));
  assert.equal(calls.length, 1);
  return { s, call: calls[0] };
}

const replyJson = (s: HttpStreamHandle) => JSON.parse(s.localReply!.body);
const replyHeader = (s: HttpStreamHandle, n: string) => s.localReply!.headers.find(([k]) => k === n)?.[1];

test('the callout: GET <path> on the cluster with the configured timeout and forwarded headers only', async () => {
  const p = await load();
  const { call } = start(p, REQ([['cookie', 'sid=1'], ['x-other', 'no']]));
  assert.equal(call.cluster, 'auth');
  assert.equal(call.timeoutMs, 500);
  const h = Object.fromEntries(call.headers);
  assert.deepEqual(h, { ':method': 'GET', ':path': '/check', ':authority': 'auth', authorization: 'Bearer good', cookie: 'sid=1' });
  assert.equal(call.body.length, 0);
});

test('2xx: copies x-user/x-roles from the auth response into the request and continues; body buffered meanwhile', async () => {
  const p = await load();
  const { s, call } = start(p, REQ(), { eos: false });
  assert.equal(s.sendRequestBody('{"a":1}', { endOfStream: true }), 'NotDelivered', 'paused: body held by Envoy');
  assert.equal(s.requestBody(), '');
  p.respondHttpCall(call.token, { headers: { ':status': '200', 'x-user': 'alice', 'x-roles': 'admin,dev', 'x-not-copied': '1' } });
  assert.equal(s.requestHeadersForwarded, true);
  assert.equal(s.requestHeader('x-user'), 'alice');
  assert.equal(s.requestHeader('x-roles'), 'admin,dev');
  assert.equal(s.requestHeader('x-not-copied'), undefined);
  assert.equal(s.requestBody(), '{"a":1}');
  assert.equal(s.requestComplete, true);
  assert.equal(s.localReply, null);
  assert.ok(p.logMessages({ level: 'debug' }).includes(`http-callout-auth: allowed stream ${s.id}`));
});

test('client-sent identity headers are removed, even when the auth service does not set them', async () => {
  const p = await load();
  const { s, call } = start(p, REQ([['x-user', 'mallory'], ['x-roles', 'admin'], ['x-user', 'again']]));
  assert.equal(Object.fromEntries(call.headers)['x-user'], undefined, 'not forwarded to the auth service either');
  p.respondHttpCall(call.token, { headers: { ':status': '204', 'x-user': 'bob' } });
  assert.equal(s.requestHeader('x-user'), 'bob');
  assert.equal(s.requestHeader('x-roles'), undefined);
});

test('401 from the auth service → local reply 401 with a JSON body and its www-authenticate', async () => {
  const p = await load();
  const { s, call } = start(p);
  p.respondHttpCall(call.token, { headers: { ':status': '401', 'www-authenticate': 'Bearer realm="api"' }, body: 'nope' });
  assert.equal(s.requestHeadersForwarded, false);
  assert.equal(s.localReply?.status, 401);
  assert.deepEqual(replyJson(s), { error: 'unauthorized', status: 401 });
  assert.equal(replyHeader(s, 'content-type'), 'application/json');
  assert.equal(replyHeader(s, 'www-authenticate'), 'Bearer realm="api"');
  assert.equal(s.localReply?.details, 'http_callout_auth_unauthorized');
});

for (const status of ['403', '400', '404', '429']) {
  test(`${status} from the auth service → local reply 403 {"error":"forbidden"}`, async () => {
    const p = await load();
    const { s, call } = start(p);
    p.respondHttpCall(call.token, { headers: { ':status': status, 'x-user': 'alice' } });
    assert.equal(s.localReply?.status, 403);
    assert.deepEqual(replyJson(s), { error: 'forbidden', status: 403 });
    assert.equal(replyHeader(s, 'www-authenticate'), undefined);
    assert.equal(s.requestHeadersForwarded, false);
  });
}

test('fail closed: auth 5xx, a reset and a timeout (Envoy answers 504) each give 503 {"error":"auth_unavailable"}', async () => {
  const p = await load();
  const a = start(p);
  p.respondHttpCall(a.call.token, { headers: { ':status': '500' } });
  const b = start(p);
  p.failHttpCall(b.call.token);
  const c = start(p);
  p.advance(499);
  assert.equal(c.s.localReply, null, 'not yet timed out');
  p.advance(1);
  const d = start(p);
  p.respondHttpCall(d.call.token, { headers: { 'x-no-status': '1' } });
  for (const { s } of [a, b, c, d]) {
    assert.equal(s.localReply?.status, 503);
    assert.deepEqual(replyJson(s), { error: 'auth_unavailable', status: 503 });
    assert.equal(s.requestHeadersForwarded, false);
  }
  assert.equal(p.logs({ level: 'warn', contains: 'auth call failed' }).length, 1);
  assert.equal(p.logs({ level: 'warn', contains: 'answered 504' }).length, 1);
});

test('failure_mode_allow: an unavailable auth service lets the request through, without identity headers', async () => {
  const p = await load({ ...CONFIG, failure_mode_allow: true });
  const a = start(p, REQ([['x-user', 'mallory']]));
  p.failHttpCall(a.call.token);
  const b = start(p);
  p.respondHttpCall(b.call.token, { headers: { ':status': '503', 'x-user': 'ignored' } });
  for (const { s } of [a, b]) {
    assert.equal(s.localReply, null);
    assert.equal(s.requestHeadersForwarded, true);
    assert.equal(s.requestHeader('x-user'), undefined);
  }
  // a denial is still a denial
  const c = start(p);
  p.respondHttpCall(c.call.token, { headers: { ':status': '403' } });
  assert.equal(c.s.localReply?.status, 403);
});

test('the callout cannot be sent (cluster unknown to Envoy) → 503, or continue with failure_mode_allow', async () => {
  const strict = { allow: [...STRICT.allow, 'proxy_http_call:BadArgument'] };
  const p = await load({ ...CONFIG, cluster: 'missing' }, { strict });
  const s = p.http();
  assert.equal(s.sendRequestHeaders(REQ(), { endOfStream: true }), 'StopAllIterationAndWatermark');
  assert.equal(s.localReply?.status, 503);
  assert.equal(p.pendingHttpCalls().length, 0);
  const q = await load({ ...CONFIG, cluster: 'missing', failure_mode_allow: true }, { strict });
  const t = q.http();
  assert.equal(t.sendRequestHeaders(REQ(), { endOfStream: true }), 'Continue');
  assert.equal(t.localReply, null);
});

test('allow_on_headers_stop_iteration: true changes nothing — the body is not released before the answer', async () => {
  const p = await load(CONFIG, { allowOnHeadersStopIteration: true });
  const { s, call } = start(p, REQ(), { eos: false });
  s.sendRequestBody('chunk1');
  s.sendRequestBody('chunk2', { endOfStream: true });
  assert.equal(s.requestHeadersForwarded, false);
  assert.equal(s.requestBody(), '');
  p.respondHttpCall(call.token, { headers: { ':status': '200', 'x-user': 'alice' } });
  assert.equal(s.requestBody(), 'chunk1chunk2');
  assert.equal(s.requestHeader('x-user'), 'alice');
});

test('the stream ends before the auth answer: the late answer is dropped without a trap', async () => {
  const p = await load();
  const { s, call } = start(p);
  s.complete();
  p.respondHttpCall(call.token, { headers: { ':status': '200', 'x-user': 'alice' } });
  assert.equal(s.localReply, null);
  assert.equal(p.traps.length, 0);
  assert.equal(p.logs({ level: 'debug', contains: 'stream ended before the auth answer' }).length, 1);
});

test('four workers with interleaved answers: each answer reaches its own stream', async () => {
  const p = await load(CONFIG, { workers: 4 });
  const started = [0, 1, 2, 3].map((w) => ({ w, ...start(p, REQ([], `Bearer u${w}`), { worker: w }) }));
  for (const { w, call } of [...started].reverse()) {
    assert.equal(call.worker, w);
    assert.equal(Object.fromEntries(call.headers).authorization, `Bearer u${w}`);
    p.respondHttpCall(call.token, w % 2 ? { headers: { ':status': '403' } } : { headers: { ':status': '200', 'x-user': `u${w}` } }, w);
  }
  for (const { w, s } of started) {
    if (w % 2) assert.equal(s.localReply?.status, 403);
    else assert.equal(s.requestHeader('x-user'), `u${w}`);
  }
});

test('malformed input never traps: NUL and invalid UTF-8 in forwarded values, auth headers with CR/LF, empty map, 1,000 headers', async () => {
  const strict = { allow: [...STRICT.allow] };
  const p = await load(CONFIG, { strict });
  // NUL in a forwarded value: the SDK refuses to put it into the callout → fail closed.
  const a = p.http();
  a.sendRequestHeaders(new HeaderMap([[':method', 'GET'], [':path', '/'], [':authority', 'x'], ['authorization', 'a\u0000b']]), { endOfStream: true });
  assert.equal(a.localReply?.status, 503);
  // Invalid UTF-8: forwarded (the SDK decodes to U+FFFD and re-encodes, so the bytes change).
  const b = start(p, new HeaderMap([[':method', 'GET'], [':path', '/\xff'], [':authority', 'x'], ['authorization', 'Bearer \xff\xfe']]));
  assert.equal(Object.fromEntries(b.call.headers).authorization, 'Bearer \ufffd\ufffd', 'SDK header values are strings: invalid bytes become U+FFFD');
  p.respondHttpCall(b.call.token, { headers: new HeaderMap([[':status', '200'], ['x-user', 'al\u0000ice'], ['x-roles', '\xc3\x28']]) });
  assert.equal(b.s.requestHeadersForwarded, true);
  assert.equal(b.s.requestHeader('x-user'), undefined, 'a NUL in an auth header value is not copied');
  assert.ok(p.logs({ level: 'warn', contains: 'x-user not copied' }).length === 1);
  // 401 whose www-authenticate has CR/LF: reply still sent, without that header.
  const c = start(p);
  p.respondHttpCall(c.call.token, { headers: new HeaderMap([[':status', '401'], ['www-authenticate', 'x\r\nset-cookie: a=b']]) });
  assert.equal(c.s.localReply?.status, 401);
  assert.equal(replyHeader(c.s, 'www-authenticate'), undefined);
  // An empty request header map; an empty auth response map (no :status) → 503.
  const d = start(p, []);
  p.respondHttpCall(d.call.token, { headers: new HeaderMap([]) });
  assert.equal(d.s.localReply?.status, 503);
  // 1,000 request headers.
  const many = REQ(Array.from({ length: 1000 }, (_, i) => [`x-h${i}`, `v${i}`] as [string, string]));
  const e = start(p, many);
  p.respondHttpCall(e.call.token, { headers: { ':status': '200', 'x-user': 'z' } });
  assert.equal(e.s.requestHeaders().length, 1006);
  assert.equal(p.traps.length, 0);
});

function startFails(config: unknown): { error: unknown; logs: string[] } {
  const pl = new Plugin({ wasm: new Uint8Array(readFileSync(WASM)), rootId: ROOT_ID, pluginConfig: typeof config === 'string' ? config : JSON.stringify(config), clusters: ['auth'] });
  let error: unknown = null;
  try { pl.start(); } catch (e) { error = e; }
  return { error, logs: pl.logs.filter((l) => l.levelName === 'error' || l.level === 4).map((l) => l.message) };
}

for (const [name, config, field] of [
  ['missing cluster', {}, "config field 'cluster': required field missing"],
  ['empty cluster', { cluster: '' }, "config field 'cluster': must not be empty"],
  ['timeout_ms as a string', { cluster: 'auth', timeout_ms: '5s' }, "config field 'timeout_ms': expected an unsigned integer, got string"],
  ['timeout_ms out of range', { cluster: 'auth', timeout_ms: 0 }, "config field 'timeout_ms': must be between 1 and 60000, got 0"],
  ['path without /', { cluster: 'auth', path: 'check' }, "config field 'path': must start with '/'"],
  ['upper-case header name', { cluster: 'auth', forward_headers: ['Authorization'] }, "config field 'forward_headers': entry 0 (\"Authorization\") is not a lower-case header name"],
  ['pseudo-header', { cluster: 'auth', copy_headers: ['x-user', ':path'] }, "config field 'copy_headers': entry 1"],
  ['non-string entry', { cluster: 'auth', copy_headers: ['x-user', 7] }, "config field 'copy_headers[1]': expected a string, got"],
  ['unknown field (typo)', { cluster: 'auth', timeout: 5 }, "config field 'timeout': unknown field"],
  ['failure_mode_allow as a string', { cluster: 'auth', failure_mode_allow: 'yes' }, "config field 'failure_mode_allow': expected a boolean"],
  ['invalid JSON', '{"cluster": "auth",}', 'config: invalid JSON at byte'],
  ['not an object', '["auth"]', 'config: expected a JSON object, got array'],
] as const) {
  test(`bad config rejected (${name}): onConfigure returns false and the error log names the field`, () => {
    const { error, logs } = startFails(config);
    assert.match(String(error), /proxy_on_configure returned false/);
    assert.ok(logs.some((m) => m.startsWith('http-callout-auth: ') && m.includes(field)), `expected "${field}" in ${JSON.stringify(logs)}`);
  });
}

test('a good config loads and logs what it checks with; defaults apply', async () => {
  const p = await load({ cluster: 'auth' });
  assert.ok(p.logMessages({ level: 'info', worker: 0 }).includes('http-callout-auth: checking requests with cluster auth/check'));
  const { s, call } = start(p);
  assert.equal(call.timeoutMs, 1000);
  assert.deepEqual(Object.fromEntries(call.headers), { ':method': 'GET', ':path': '/check', ':authority': 'auth', authorization: 'Bearer good' });
  p.respondHttpCall(call.token, { headers: { ':status': '200', 'x-user': 'ignored: not configured' } });
  assert.equal(s.requestHeader('x-user'), undefined);
});

test('the configuration in envoy.yaml loads and is used', async () => {
  const y = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await Emulator.load({ wasm: WASM, rootId: y.rootId, vmId: y.vmId, pluginConfig: y.configuration, clusters: ['auth', 'backend'], strict: STRICT });
  const { s, call } = start(p, REQ([['cookie', 'c=1']]));
  assert.deepEqual(Object.fromEntries(call.headers), { ':method': 'GET', ':path': '/check', ':authority': 'auth.local', authorization: 'Bearer good', cookie: 'c=1' });
  p.respondHttpCall(call.token, { headers: { ':status': '200', 'x-user': 'a', 'x-roles': 'r' } });
  assert.equal(s.requestHeader('x-roles'), 'r');
});

test('memory is stable: 20,000 authorised and denied requests leave the same number of pages', async () => {
  const p = await load(CONFIG, { strict: false, logLevel: 'warn', recordLimit: 0 });
  const one = (i: number) => {
    const s = p.http();
    s.sendRequestHeaders(REQ(), { endOfStream: true });
    const [call] = p.pendingHttpCalls();
    p.respondHttpCall(call.token, i % 3 ? { headers: { ':status': '200', 'x-user': 'u' + i } } : { headers: { ':status': '401', 'www-authenticate': 'Bearer' } });
    if (!s.localReply) s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    s.complete();
  };
  for (let i = 0; i < 2000; i++) one(i);
  const warm = p.memoryPages();
  for (let i = 0; i < 20000; i++) one(i);
  assert.equal(p.memoryPages(), warm);
  assert.equal(p.pendingHttpCalls().length, 0);
  assert.equal(p.traps.length, 0);
});

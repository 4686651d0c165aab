// Runs examples/hello-world/build/hello-world.wasm in the host emulator.
//   node --import tsx --test examples/hello-world/hello-world.test.ts   (build first: node scripts/build.mjs examples)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, HeaderMap, type EmulatorOptions } from '../../host/index.ts';
import { envoyPluginConfig } from '../envoy-config.ts';

const WASM = new URL('./build/hello-world.wasm', import.meta.url).pathname;
const load = (o: Partial<EmulatorOptions> = {}) => Emulator.load({ wasm: WASM, rootId: 'hello', vmId: 'hello', strict: true, ...o });
const GET: Array<[string, string]> = [[':method', 'GET'], [':path', '/'], [':authority', 'example'], [':scheme', 'http']];

test('adds x-hello: world to the response and logs one info line naming the stream', async () => {
  const p = await load();
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET, { endOfStream: true }), 'Continue');
  assert.equal(s.sendResponseHeaders([[':status', '200'], ['content-type', 'text/plain']], { endOfStream: true }), 'Continue');
  s.complete();
  assert.equal(s.responseHeader('x-hello'), 'world');
  assert.equal(s.responseHeader('content-type'), 'text/plain', 'other headers untouched');
  assert.equal(s.requestHeader('x-hello'), undefined, 'request is not touched');
  assert.deepEqual(p.logMessages({ level: 'info', worker: 0 }), [`said hello on ${s.id}`]);
});

test('add() appends: an upstream x-hello is kept and ours follows it', async () => {
  const p = await load();
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  s.sendResponseHeaders([[':status', '200'], ['x-hello', 'upstream']], { endOfStream: true });
  assert.deepEqual(s.responseHeaders().filter(([k]) => k === 'x-hello'), [['x-hello', 'upstream'], ['x-hello', 'world']]);
});

test('a response with a body: headers get the header, body passes through unchanged', async () => {
  const p = await load();
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']]);
  assert.equal(s.sendResponseBody('part1,'), 'Continue');
  assert.equal(s.sendResponseBody('part2', { endOfStream: true }), 'Continue');
  assert.equal(s.responseHeader('x-hello'), 'world');
  assert.equal(s.responseBody(), 'part1,part2');
});

test('log level warn: no info line, and no proxy_log hostcall at all (isLogEnabled guards the string)', async () => {
  const p = await load({ logLevel: 'warn' });
  const before = p.hostcalls({ name: 'proxy_log', worker: 0 }).length;
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  s.sendResponseHeaders([[':status', '204']], { endOfStream: true });
  assert.equal(s.responseHeader('x-hello'), 'world');
  assert.equal(p.logs({ level: 'info', includeSuppressed: true, worker: 0 }).length, 0);
  assert.equal(p.hostcalls({ name: 'proxy_log', worker: 0 }).length, before);
});

test('four workers: every worker VM says hello on its own streams', async () => {
  const p = await load({ workers: 4 });
  for (let w = 0; w < 4; w++) {
    const s = p.http({ worker: w });
    s.sendRequestHeaders(GET, { endOfStream: true });
    s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    assert.equal(s.responseHeader('x-hello'), 'world');
    assert.equal(p.logMessages({ level: 'info', worker: w }).length, 1);
  }
});

test('error responses get x-hello too (the filter does not look at :status)', async () => {
  const p = await load();
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  s.sendResponseHeaders([[':status', '503']], { endOfStream: true });
  assert.equal(s.responseHeader('x-hello'), 'world');
});

test('malformed input never traps: NUL bytes and invalid UTF-8 in values, empty maps, 1,000 headers', async () => {
  const p = await load();
  const junk = new HeaderMap([[':status', '200'], ['x-nul', 'a\u0000b'], ['x-bad-utf8', '\xff\xfe\xc3'], ['x-ctl', '\r\n']]);
  const cases: Array<HeaderMap | Array<[string, string]>> = [
    junk,
    [],
    Array.from({ length: 1000 }, (_, i) => [`x-h${i}`, 'v'.repeat(i % 50)] as [string, string]),
  ];
  for (const res of cases) {
    const s = p.http();
    s.sendRequestHeaders(new HeaderMap([[':path', '\xff\u0000'], ['x', '\xc0\xaf']]), { endOfStream: true });
    assert.equal(s.sendResponseHeaders(res, { endOfStream: true }), 'Continue');
    s.complete();
    assert.equal(s.responseHeader('x-hello'), 'world');
  }
  assert.equal(p.traps.length, 0);
  assert.equal(p.failed(), false);
});

test('the configuration in envoy.yaml loads (root_id selects this filter)', async () => {
  const y = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await Emulator.load({ wasm: WASM, rootId: y.rootId, vmId: y.vmId, pluginConfig: y.configuration, strict: true });
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(s.responseHeader('x-hello'), 'world');
});

test('memory is stable: 20,000 requests after warm-up leave the same number of pages', async () => {
  const p = await load({ strict: false, logLevel: 'warn', recordLimit: 0 });
  const one = () => {
    const s = p.http();
    s.sendRequestHeaders(GET, { endOfStream: true });
    s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    s.complete();
  };
  for (let i = 0; i < 2000; i++) one();
  const warm = p.memoryPages();
  for (let i = 0; i < 20000; i++) one();
  assert.equal(p.memoryPages(), warm);
  assert.equal(p.traps.length, 0);
});

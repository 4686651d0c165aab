// Runs examples/metrics/build/metrics.wasm in the host emulator.
//   node --import tsx --test examples/metrics/metrics.test.ts   (build first)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Emulator, HeaderMap, Plugin, type EmulatorOptions, type EmulatedPlugin, type HeadersInit } from '../../host/index.ts';
import { envoyPluginConfig } from '../envoy-config.ts';

const WASM = new URL('./build/metrics.wasm', import.meta.url).pathname;
const STRICT = { allow: ['proxy_get_header_map_value:NotFound'] };
const load = (config: object = {}, o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({ wasm: WASM, rootId: 'metrics', vmId: 'metrics', pluginConfig: JSON.stringify(config), strict: STRICT, ...o });

const req = (method: string, path = '/'): Array<[string, string]> => [[':method', method], [':path', path], [':authority', 'example']];
const counter = (method: string, cls: string, prefix = 'http') => `${prefix}_requests.method=${method}.class=${cls}`;
const samples = (p: EmulatedPlugin, name: string) => (p.metricInfo(name)?.samples ?? []).map(Number);

/** One full exchange. */
function exchange(p: EmulatedPlugin, method: string | HeadersInit, status: string | HeadersInit, body: string[] = [], worker = 0) {
  const s = p.http({ worker });
  s.sendRequestHeaders(typeof method === 'string' ? req(method) : method, { endOfStream: body.length === 0 });
  body.forEach((b, i) => s.sendRequestBody(b, { endOfStream: i === body.length - 1 }));
  s.sendResponseHeaders(typeof status === 'string' ? [[':status', status]] : status, { endOfStream: true });
  s.complete();
  return s;
}

test('a counter per method and response class, with the tags encoded in the name', async () => {
  const p = await load();
  exchange(p, 'GET', '200');
  exchange(p, 'GET', '204');
  exchange(p, 'POST', '404', ['abc', 'defg']);
  exchange(p, 'DELETE', '503');
  exchange(p, 'PUT', '302');
  exchange(p, 'OPTIONS', '101');
  assert.equal(p.metric(counter('GET', '2xx')), 2);
  assert.equal(p.metric(counter('POST', '4xx')), 1);
  assert.equal(p.metric(counter('DELETE', '5xx')), 1);
  assert.equal(p.metric(counter('PUT', '3xx')), 1);
  assert.equal(p.metric(counter('OPTIONS', '1xx')), 1);
  assert.equal(p.metric(counter('GET', '5xx')), undefined, 'an unused series is never defined on the host');
  assert.equal(p.metricInfo(counter('GET', '2xx'))?.type, 'counter');
});

test('histogram of request body sizes: chunk sizes summed per request, 0 for a bodiless request', async () => {
  const p = await load();
  exchange(p, 'POST', '200', ['abc', 'defg']);
  exchange(p, 'GET', '200');
  exchange(p, 'PUT', '200', ['x'.repeat(1000), '', 'y']);
  assert.equal(p.metricInfo('http_request_body_bytes')?.type, 'histogram');
  assert.deepEqual(samples(p, 'http_request_body_bytes'), [7, 0, 1001]);
});

test('histogram of request duration in ms from host time (virtual clock)', async () => {
  const p = await load();
  const s = p.http();
  s.sendRequestHeaders(req('GET'), { endOfStream: true });
  p.advance(250);
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  p.advance(5);
  s.complete();
  exchange(p, 'GET', '200');
  assert.deepEqual(samples(p, 'http_request_duration_ms'), [255, 0]);
});

test('in-flight gauge: up at request headers, down exactly once at stream end (completed, reset, local reply)', async () => {
  const p = await load();
  const a = p.http(); a.sendRequestHeaders(req('GET'), { endOfStream: true });
  const b = p.http(); b.sendRequestHeaders(req('POST'));
  const c = p.http(); c.sendRequestHeaders(req('GET'), { endOfStream: true });
  assert.equal(p.metric('http_requests_active'), 3);
  assert.equal(p.metricInfo('http_requests_active')?.type, 'gauge');
  a.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  a.complete();
  assert.equal(p.metric('http_requests_active'), 2);
  b.stream.resetStream('downstream_remote_disconnect'); // client went away mid-request
  assert.equal(p.metric('http_requests_active'), 1);
  assert.equal(p.metric(counter('POST', 'none')), 1, 'no response → class none');
  c.complete(); c.complete(); // idempotent end
  assert.equal(p.metric('http_requests_active'), 0);
  const d = p.http(); d.replyBeforeFilter(); // an earlier filter answered: no headers seen, nothing counted
  assert.equal(p.metric('http_requests_active'), 0);
  assert.equal(p.metric(counter('GET', 'none')), 1);
});

test('bounded cardinality: unknown or odd methods count as OTHER, odd statuses as none', async () => {
  const p = await load();
  for (const m of ['get', 'BREW', 'GET ', '', 'G\u00e9T']) exchange(p, m, '200');
  exchange(p, [[':path', '/'], [':authority', 'x']], '200'); // no :method
  assert.equal(p.metric(counter('OTHER', '2xx')), 6);
  for (const st of ['abc', '99', '600', '', '2000', '0200']) exchange(p, 'GET', st);
  exchange(p, 'GET', []); // no :status
  assert.equal(p.metric(counter('GET', 'none')), 7);
  const names = [...p.runtime.process.stats.keys()].filter((k) => k.includes('_requests.'));
  assert.deepEqual(names.sort(), ['wasmcustom.' + counter('GET', 'none'), 'wasmcustom.' + counter('OTHER', '2xx')]);
});

test('metrics are defined once per worker VM (proxy_define_metric never on the request path after first use)', async () => {
  const p = await load({}, { workers: 2 });
  for (let i = 0; i < 50; i++) { exchange(p, 'GET', '200', [], 0); exchange(p, 'POST', '500', ['x'], 1); }
  const defs = (w: number) => p.hostcalls({ name: 'proxy_define_metric', worker: w }).length;
  const before = [defs(0), defs(1)];
  assert.deepEqual(before, [4, 4], 'one counter + gauge + 2 histograms per worker');
  for (let i = 0; i < 200; i++) { exchange(p, 'GET', '200', [], 0); exchange(p, 'POST', '500', ['x'], 1); }
  assert.deepEqual([defs(0), defs(1)], before);
});

test('four workers report into the same process-wide metrics', async () => {
  const p = await load({}, { workers: 4 });
  const open = [0, 1, 2, 3].map((w) => { const s = p.http({ worker: w }); s.sendRequestHeaders(req('GET'), { endOfStream: true }); return s; });
  assert.equal(p.metric('http_requests_active'), 4);
  for (const s of open) { s.sendResponseHeaders([[':status', '200']], { endOfStream: true }); s.complete(); }
  assert.equal(p.metric('http_requests_active'), 0);
  assert.equal(p.metric(counter('GET', '2xx')), 4);
  assert.equal(samples(p, 'http_request_body_bytes').length, 4);
});

test('a custom prefix', async () => {
  const p = await load({ prefix: 'edge_api' });
  exchange(p, 'PATCH', '422');
  assert.equal(p.metric(counter('PATCH', '4xx', 'edge_api')), 1);
  assert.equal(p.metric('edge_api_requests_active'), 0);
  assert.equal(p.metric(counter('PATCH', '4xx')), undefined);
});

test('malformed input never traps: NUL / invalid UTF-8 in :method and :status, empty maps, 1,000 headers', async () => {
  const p = await load();
  exchange(p, new HeaderMap([[':method', 'GE\u0000T'], [':path', '\xff']]), new HeaderMap([[':status', '2\u000000']]));
  exchange(p, new HeaderMap([[':method', '\xff\xfe\xfd']]), new HeaderMap([[':status', '\xc3\xa9\xc3']]));
  exchange(p, [], []);
  exchange(p, [...req('GET'), ...Array.from({ length: 1000 }, (_, i) => [`x-${i}`, 'v'.repeat(20)] as [string, string])], '200');
  assert.equal(p.metric(counter('OTHER', 'none')), 3);
  assert.equal(p.metric(counter('GET', '2xx')), 1);
  assert.equal(p.metric('http_requests_active'), 0);
  assert.equal(p.traps.length, 0);
});

for (const [name, config, field] of [
  ['empty prefix', { prefix: '' }, "config field 'prefix': must be 1-64 characters of a-z, 0-9 and _"],
  ['prefix with a dot', { prefix: 'a.b' }, "config field 'prefix': must be"],
  ['prefix with =', { prefix: 'a=b' }, "config field 'prefix': must be"],
  ['prefix not a string', { prefix: 3 }, "config field 'prefix': expected a string, got"],
  ['unknown field', { prefx: 'x' }, "config field 'prefx': unknown field"],
  ['invalid JSON', '{prefix: "x"}', 'config: invalid JSON at byte'],
] as const) {
  test(`bad config rejected (${name}): onConfigure false, error log names the field`, () => {
    const pl = new Plugin({ wasm: new Uint8Array(readFileSync(WASM)), rootId: 'metrics', pluginConfig: typeof config === 'string' ? config : JSON.stringify(config) });
    assert.throws(() => pl.start(), /proxy_on_configure returned false/);
    const errors = pl.logs.filter((l) => l.levelName === 'error').map((l) => l.message);
    assert.ok(errors.some((m) => m.startsWith(`metrics: ${field}`)), JSON.stringify(errors));
  });
}

test('an empty configuration (as the demo passes) is valid', async () => {
  const p = await Emulator.load({ wasm: WASM, rootId: 'metrics', pluginConfig: '', strict: STRICT });
  exchange(p, 'GET', '200');
  assert.equal(p.metric(counter('GET', '2xx')), 1);
});

test('the configuration in envoy.yaml loads and is used', async () => {
  const y = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await Emulator.load({ wasm: WASM, rootId: y.rootId, vmId: y.vmId, pluginConfig: y.configuration, strict: STRICT });
  exchange(p, 'HEAD', '200');
  assert.equal(p.metric(counter('HEAD', '2xx')), 1);
});

test('memory is stable: 20,000 requests leave the page count unchanged', async () => {
  const p = await load({}, { strict: false, recordLimit: 0 });
  const methods = ['GET', 'POST', 'PUT', 'BREW'];
  const run = (k: number) => { for (let i = 0; i < k; i++) exchange(p, methods[i & 3], String(100 + (i % 500)), i % 3 ? [] : ['body']); };
  run(2000);
  const warm = p.memoryPages();
  run(20000);
  assert.equal(p.memoryPages(), warm);
  assert.equal(p.metric('http_requests_active'), 0);
  assert.equal(p.traps.length, 0);
});

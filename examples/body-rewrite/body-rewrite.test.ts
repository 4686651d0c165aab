// Runs examples/body-rewrite/build/body-rewrite.wasm in the host emulator.
//   node --import tsx --test examples/body-rewrite/body-rewrite.test.ts   (build first)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Emulator, HeaderMap, Plugin, type EmulatorOptions, type EmulatedPlugin, type HeadersInit } from '../../host/index.ts';
import { envoyPluginConfig } from '../envoy-config.ts';

const WASM = new URL('./build/body-rewrite.wasm', import.meta.url).pathname;
const CONFIG = { from: 'world', to: 'there' };
const STRICT = { allow: ['proxy_get_header_map_value:NotFound'] };
const GET: Array<[string, string]> = [[':method', 'GET'], [':path', '/'], [':authority', 'example']];

const load = (config: object = CONFIG, o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({ wasm: WASM, rootId: 'body-rewrite', vmId: 'rewrite', pluginConfig: JSON.stringify(config), strict: STRICT, logLevel: 'debug', ...o });

/** A response through the filter; returns the stream and the actions of each body chunk. */
function respond(p: EmulatedPlugin, headers: HeadersInit, chunks: Array<string | Uint8Array>, trailers?: HeadersInit) {
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  const h = s.sendResponseHeaders(headers, { endOfStream: chunks.length === 0 && !trailers });
  const actions = chunks.map((c, i) => s.sendResponseBody(c, { endOfStream: i === chunks.length - 1 && !trailers }));
  if (trailers) s.sendResponseTrailers(trailers);
  s.complete();
  const body = Buffer.concat(s.stream.res.forwardedBody);
  return { s, h, actions, body, text: body.toString('utf8') };
}
const HTML = (len?: number): Array<[string, string]> => [[':status', '200'], ['content-type', 'text/html; charset=utf-8'], ...(len === undefined ? [] : [['content-length', String(len)] as [string, string]])];

test('replaces every occurrence, removes content-length in the headers phase, counts', async () => {
  const p = await load();
  const body = '<p>hello world, wonderful world</p>';
  const r = respond(p, HTML(body.length), [body]);
  assert.equal(r.h, 'Continue');
  assert.equal(r.text, '<p>hello there, wonderful there</p>');
  assert.equal(r.s.responseHeader('content-length'), undefined, 'length changes: content-length must go');
  assert.equal(r.s.responseHeader('content-type'), 'text/html; charset=utf-8');
  assert.equal(p.metric('body_rewrite.rewritten'), 1);
  assert.equal(p.metric('body_rewrite.replacements'), 2);
  assert.ok(p.logMessages({ level: 'debug' }).includes(`body-rewrite: 2 replacement(s) in stream ${r.s.id}`));
});

test('buffers until end_of_stream: nothing leaves early, and a match split across chunks is found', async () => {
  const p = await load();
  const s = p.http();
  s.sendRequestHeaders(GET, { endOfStream: true });
  s.sendResponseHeaders(HTML(), { endOfStream: false });
  assert.equal(s.sendResponseBody('hello wo'), 'StopIterationAndBuffer');
  assert.equal(s.responseBody(), '');
  assert.equal(s.sendResponseBody('rld and wor'), 'StopIterationAndBuffer');
  assert.equal(s.sendResponseBody('ld!', { endOfStream: true }), 'Continue');
  assert.equal(s.responseBody(), 'hello there and there!');
  assert.equal(s.responseComplete, true);
});

test('a final empty data frame ends the body like any other end_of_stream', async () => {
  const p = await load();
  const r = respond(p, HTML(), ['world', '']);
  assert.deepEqual(r.actions, ['StopIterationAndBuffer', 'Continue']);
  assert.equal(r.text, 'there');
});

test('with trailers the body is rewritten in onResponseTrailers, and the trailers pass', async () => {
  const p = await load();
  const r = respond(p, HTML(), ['a world', ' b world'], [['x-checksum', 'abc']]);
  assert.deepEqual(r.actions, ['StopIterationAndBuffer', 'StopIterationAndBuffer']);
  assert.equal(r.text, 'a there b there');
  assert.deepEqual(r.s.responseTrailers(), [['x-checksum', 'abc']]);
});

test('content types: params and case are ignored, "text/" is a prefix, unlisted types pass untouched', async () => {
  const p = await load({ ...CONFIG, content_types: ['text/', 'application/json'] });
  for (const ct of ['TEXT/CSS', 'text/plain;charset=x', ' application/json ']) {
    assert.equal(respond(p, [[':status', '200'], ['content-type', ct]], ['world']).text, 'there', ct);
  }
  for (const ct of ['application/javascript', 'image/svg+xml', 'textual/x', '']) {
    const r = respond(p, [[':status', '200'], ['content-type', ct], ['content-length', '5']], ['world']);
    assert.equal(r.text, 'world', ct);
    assert.deepEqual(r.actions, ['Continue'], 'not buffered');
    assert.equal(r.s.responseHeader('content-length'), '5', 'kept when not rewriting');
  }
  const none = respond(p, [[':status', '200']], ['world']);
  assert.equal(none.text, 'world', 'no content-type at all');
});

test('compressed bodies are not touched (content-encoding other than identity); identity is', async () => {
  const p = await load();
  const gz = respond(p, [...HTML(5), ['content-encoding', 'gzip']], ['world']);
  assert.equal(gz.text, 'world');
  assert.equal(gz.s.responseHeader('content-length'), '5');
  assert.equal(respond(p, [...HTML(5), ['content-encoding', 'Identity']], ['world']).text, 'there');
});

test('no body (end_of_stream on headers): headers untouched', async () => {
  const p = await load();
  const r = respond(p, HTML(0), []);
  assert.equal(r.s.responseHeader('content-length'), '0');
});

test('no match: the body is forwarded as it was, nothing counted', async () => {
  const p = await load();
  assert.equal(respond(p, HTML(), ['wor', 'l', 'd?']).text, 'there?', 'split match still found');
  const r = respond(p, HTML(), ['nothing here']);
  assert.equal(r.text, 'nothing here');
  assert.equal(p.metric('body_rewrite.rewritten'), 1);
});

test('bytes, not text: invalid UTF-8 around a match survives; multi-byte from/to; deletion; growth', async () => {
  const p = await load({ from: 'hello', to: 'bye' });
  const r = respond(p, HTML(), [new Uint8Array([0xff, ...Buffer.from('hello'), 0xfe, 0x00, ...Buffer.from('hello')])]);
  assert.deepEqual([...r.body], [0xff, ...Buffer.from('bye'), 0xfe, 0x00, ...Buffer.from('bye')]);
  const q = await load({ from: 'ü', to: 'ue' });
  assert.equal(respond(q, HTML(), ['Grüße, Müller']).text, 'Grueße, Mueller');
  const d = await load({ from: 'secret', to: '' });
  assert.equal(respond(d, HTML(), ['a secret b secretsecret']).text, 'a  b ');
  const g = await load({ from: 'a', to: 'aaaa' });
  assert.equal(respond(g, HTML(), ['aaa']).text, 'a'.repeat(12), 'non-overlapping, left to right; no re-scan of output');
});

test('a body over max_body_bytes is passed on unchanged, with a warning and a metric', async () => {
  const p = await load({ ...CONFIG, max_body_bytes: 10 });
  const r = respond(p, HTML(), ['world ', 'world ', 'world']);
  assert.deepEqual(r.actions, ['StopIterationAndBuffer', 'Continue', 'Continue']);
  assert.equal(r.text, 'world world world');
  assert.equal(p.metric('body_rewrite.too_large'), 1);
  assert.equal(p.logs({ level: 'warn', contains: 'larger than max_body_bytes (12 bytes)' }).length, 1);
  assert.equal(respond(p, HTML(), ['world']).text, 'there', 'small bodies still rewritten');
});

test('the request body is never touched', async () => {
  const p = await load();
  const s = p.http();
  s.sendRequestHeaders([[':method', 'POST'], [':path', '/'], [':authority', 'x'], ['content-type', 'text/plain']]);
  assert.equal(s.sendRequestBody('hello world', { endOfStream: true }), 'Continue');
  assert.equal(s.requestBody(), 'hello world');
});

test('four workers rewrite independently', async () => {
  const p = await load(CONFIG, { workers: 4 });
  for (let w = 0; w < 4; w++) {
    const s = p.http({ worker: w });
    s.sendRequestHeaders(GET, { endOfStream: true });
    s.sendResponseHeaders(HTML());
    s.sendResponseBody(`worker ${w} world`, { endOfStream: true });
    assert.equal(s.responseBody(), `worker ${w} there`);
  }
});

test('malformed input never traps: NUL / invalid UTF-8 in header values, empty maps, 1,000 headers', async () => {
  const p = await load();
  const cases: HeadersInit[] = [
    new HeaderMap([[':status', '200'], ['content-type', 'text/html\u0000\xff'], ['content-encoding', '\xc3']]),
    new HeaderMap([[':status', '200'], ['content-type', '\xff\xfe; text/html']]),
    [],
    [[':status', '200'], ['content-type', 'text/plain'], ...Array.from({ length: 1000 }, (_, i) => [`x-${i}`, 'v'] as [string, string])],
  ];
  const out = cases.map((h) => respond(p, h, ['hello world']).text);
  assert.deepEqual(out, ['hello world', 'hello world', 'hello world', 'hello there']);
  assert.equal(p.traps.length, 0);
});

for (const [name, config, field] of [
  ['missing from', { to: 'x' }, "config field 'from': required field missing"],
  ['empty from', { from: '' }, "config field 'from': must not be empty"],
  ['to as a number', { from: 'a', to: 1 }, "config field 'to': expected a string, got"],
  ['empty content_types', { from: 'a', content_types: [] }, "config field 'content_types': must list at least one"],
  ['upper-case content type', { from: 'a', content_types: ['Text/HTML'] }, "config field 'content_types': entry 0 (\"Text/HTML\")"],
  ['content type without /', { from: 'a', content_types: ['text/html', 'html'] }, "config field 'content_types': entry 1 (\"html\")"],
  ['max_body_bytes 0', { from: 'a', max_body_bytes: 0 }, "config field 'max_body_bytes': must be between 1 and 67108864, got 0"],
  ['unknown field', { from: 'a', content_type: 'text/html' }, "config field 'content_type': unknown field"],
  ['empty configuration', '', "config field 'from': required field missing"],
] as const) {
  test(`bad config rejected (${name}): onConfigure false, error log names the field`, () => {
    const pl = new Plugin({ wasm: new Uint8Array(readFileSync(WASM)), rootId: 'body-rewrite', pluginConfig: typeof config === 'string' ? config : JSON.stringify(config) });
    assert.throws(() => pl.start(), /proxy_on_configure returned false/);
    const errors = pl.logs.filter((l) => l.levelName === 'error').map((l) => l.message);
    assert.ok(errors.some((m) => m.startsWith(`body-rewrite: ${field}`)), JSON.stringify(errors));
  });
}

test('the configuration in envoy.yaml loads and is used', async () => {
  const y = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await Emulator.load({ wasm: WASM, rootId: y.rootId, vmId: y.vmId, pluginConfig: y.configuration, strict: STRICT });
  const r = respond(p, [[':status', '200'], ['content-type', 'application/json']], ['{"self":"http://internal.example/a"}']);
  assert.equal(r.text, '{"self":"https://www.example.com/a"}');
});

test('memory is stable: 20,000 rewritten 1 KiB responses in 3 chunks leave the page count unchanged', async () => {
  const p = await load(CONFIG, { strict: false, logLevel: 'warn', recordLimit: 0 });
  const chunk = 'x'.repeat(300) + ' world ';
  const run = (k: number) => { for (let i = 0; i < k; i++) respond(p, HTML(), [chunk, chunk, chunk + i]); };
  run(2000);
  const warm = p.memoryPages();
  run(20000);
  assert.equal(p.memoryPages(), warm);
  assert.equal(p.traps.length, 0);
});

// Runs filters/request-id/build/request-id.wasm in the host emulator.
//   node --import tsx --test filters/request-id/request-id.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Emulator, HeaderMap, type EmulatorOptions, type EmulatedPlugin, type HttpStreamHandle, type HeadersInit } from '../../host/index.ts';
import { PluginStartError } from '../../host/runtime/plugin.ts';
import { moduleBytes } from '../../test/lib/modules.ts';
import { envoyPluginConfig } from '../../examples/envoy-config.ts';
import { leanModule } from '../../bench/lib/lean-driver.ts';

// REQUEST_ID_WASM: test a module built elsewhere (e.g. while sdk/ is mid-edit in the shared checkout).
const WASM = process.env.REQUEST_ID_WASM ? new Uint8Array(readFileSync(process.env.REQUEST_ID_WASM)) : moduleBytes('filters/request-id');
const ROOT_ID = 'request-id';
const SCHEMA = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8'));
// Absent headers (get → NotFound) are normal for this filter; everything else must be Ok.
const STRICT = { allow: ['proxy_get_header_map_value:NotFound'] };

const load = (config: object | string | Uint8Array = {}, o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({ wasm: WASM, rootId: ROOT_ID, vmId: 'request-id', strict: STRICT, logLevel: 'info', ...o,
    pluginConfig: typeof config === 'string' || config instanceof Uint8Array ? config : JSON.stringify(config) });

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const BASE: Array<[string, string]> = [[':method', 'GET'], [':path', '/api'], [':authority', 'example'], [':scheme', 'http']];

/** Request headers (+ optional response headers), returns the stream. */
function request(p: EmulatedPlugin, extra: HeadersInit = [], o: { worker?: number; response?: HeadersInit | null } = {}): HttpStreamHandle {
  const s = p.http({ worker: o.worker });
  const h = extra instanceof HeaderMap ? extra : new HeaderMap([...BASE, ...(Array.isArray(extra) ? extra : Object.entries(extra))]);
  assert.equal(s.sendRequestHeaders(h, { endOfStream: true }), 'Continue');
  if (o.response !== null) assert.equal(s.sendResponseHeaders(o.response ?? [[':status', '200']], { endOfStream: true }), 'Continue');
  s.complete();
  return s;
}
const all = (s: HttpStreamHandle, name: string) => s.stream.req.headers!.getAll(name);
const m = (p: EmulatedPlugin, outcome: string, kind: string) => p.metric(`request_id.${outcome}.kind=${kind}`) ?? 0;
const validTp = (t: string) => { const x = TP.exec(t); return !!x && !/^0+$/.test(x[1]) && !/^0+$/.test(x[2]); };

// ------------------------------------------------------------------ request id

test('no incoming id: a UUIDv4 is generated, sent upstream once, echoed on the response, put in filter state', async () => {
  const p = await load();
  const s = request(p);
  const id = s.requestHeader('x-request-id')!;
  assert.match(id, UUID4);
  assert.equal(all(s, 'x-request-id').length, 1);
  assert.equal(s.responseHeader('x-request-id'), id);
  assert.deepEqual(s.envoyFilterState('envoy.string'), { value: id, span: 0 });
  assert.equal(m(p, 'generated', 'request_id'), 1);
  assert.equal(m(p, 'kept', 'request_id'), 0);
});

test('a valid incoming id is kept (both directions); an upstream response id is overwritten with it', async () => {
  const p = await load();
  for (const id of ['abc-123', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'A.b_c~d+e/f=g:h@i', 'x'.repeat(128)]) {
    const s = request(p, [['x-request-id', id]], { response: [[':status', '200'], ['x-request-id', 'from-upstream']] });
    assert.equal(s.requestHeader('x-request-id'), id);
    assert.equal(s.responseHeader('x-request-id'), id);
    assert.equal(s.envoyFilterState('envoy.string')?.value, id);
  }
  assert.equal(m(p, 'kept', 'request_id'), 4);
});

test('an invalid incoming id is replaced, never passed on, and counted', async () => {
  const p = await load();
  const bad = ['x'.repeat(129), '', 'has space', 'a"b', 'a<script>', 'a\tb', 'a,b', 'é', 'id;drop', 'a\u0000b', '\u2028'];
  for (const v of bad) {
    const s = request(p, [['x-request-id', v]]);
    const out = s.requestHeader('x-request-id')!;
    assert.match(out, UUID4, JSON.stringify(v));
    assert.equal(s.responseHeader('x-request-id'), out);
  }
  assert.equal(m(p, 'replaced_invalid', 'request_id'), bad.length);
  assert.equal(m(p, 'generated', 'request_id'), 0);
});

test('max_length is configurable; header_name is configurable', async () => {
  const p = await load({ max_length: 8, header_name: 'x-correlation-id' });
  const a = request(p, [['x-correlation-id', '12345678']]);
  assert.equal(a.requestHeader('x-correlation-id'), '12345678');
  const b = request(p, [['x-correlation-id', '123456789'], ['x-request-id', 'untouched']]);
  assert.match(b.requestHeader('x-correlation-id')!, UUID4);
  assert.equal(b.requestHeader('x-request-id'), 'untouched');
  assert.equal(b.responseHeader('x-correlation-id'), b.requestHeader('x-correlation-id'));
  assert.equal(b.responseHeader('x-request-id'), undefined);
});

test('repeated x-request-id headers: the first decides, exactly one value goes upstream', async () => {
  const p = await load();
  const a = request(p, [['x-request-id', 'first'], ['x-request-id', 'evil\u0000']]);
  assert.deepEqual(all(a, 'x-request-id'), ['first']);
  const b = request(p, [['x-request-id', 'bad value'], ['x-request-id', 'good']]);
  assert.equal(all(b, 'x-request-id').length, 1);
  assert.match(b.requestHeader('x-request-id')!, UUID4);
});

test('keep_incoming: false generates a fresh id for every request (edge of the trust domain)', async () => {
  const p = await load({ keep_incoming: false });
  const s = request(p, [['x-request-id', 'client-chosen']]);
  assert.match(s.requestHeader('x-request-id')!, UUID4);
  assert.equal(m(p, 'generated', 'request_id'), 1);
  assert.equal(m(p, 'kept', 'request_id'), 0);
});

test('echo_request_id: false leaves the response alone; filter_state_key "" makes no foreign call', async () => {
  const p = await load({ echo_request_id: false, filter_state_key: '' });
  const s = request(p, [], { response: [[':status', '200'], ['x-request-id', 'upstream']] });
  assert.equal(s.responseHeader('x-request-id'), 'upstream');
  assert.equal(p.hostcalls({ name: 'proxy_call_foreign_function' }).length, 0);
  const q = await load({ filter_state_key: 'my.factory' });
  const t = request(q);
  assert.equal(t.envoyFilterState('my.factory')?.value, t.requestHeader('x-request-id'));
});

// ------------------------------------------------------------------ local replies, workers

test('a local reply by another filter (after this filter saw the request) carries the id and traceparent', async () => {
  const p = await load({ echo_traceparent: true });
  const s = p.http();
  s.sendRequestHeaders([...BASE, ['x-request-id', 'rid-1']], { endOfStream: true });
  // the router or a later filter answers 403 itself: Envoy runs the encoder chain, so this filter sees it
  assert.equal(s.sendResponseHeaders([[':status', '403'], ['content-type', 'text/plain']], { endOfStream: false }), 'Continue');
  s.sendResponseBody('denied', { endOfStream: true });
  s.complete();
  assert.equal(s.responseHeader('x-request-id'), 'rid-1');
  assert.equal(s.responseHeader('traceparent'), s.requestHeader('traceparent'));
  assert.equal(s.responseBody(), 'denied');
});

test('a reply made before this filter ran (earlier filter): context created and destroyed, nothing breaks', async () => {
  const p = await load();
  const s = p.http();
  s.replyBeforeFilter();
  assert.equal(p.traps.length, 0);
  assert.equal(m(p, 'generated', 'request_id'), 0);
  request(p); // the VM is fine afterwards
});

test('a response that reaches the filter without a request phase still gets a valid id', async () => {
  const p = await load();
  const s = p.http();
  s.sendResponseHeaders([[':status', '502']], { endOfStream: true });
  assert.match(s.responseHeader('x-request-id')!, UUID4);
});

test('several worker VMs: every worker generates distinct ids; streams interleave across workers', async () => {
  const p = await load({}, { workers: 4 });
  const seen = new Set<string>();
  const open: HttpStreamHandle[] = [];
  for (let i = 0; i < 200; i++) {
    const s = p.http({ worker: i % 4 });
    s.sendRequestHeaders(i % 3 ? BASE : [...BASE, ['x-request-id', `keep-${i}`]], { endOfStream: true });
    open.push(s);
  }
  for (const [i, s] of open.entries()) {
    s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    s.complete();
    const id = s.requestHeader('x-request-id')!;
    assert.equal(s.responseHeader('x-request-id'), id);
    if (i % 3 === 0) assert.equal(id, `keep-${i}`);
    else assert.match(id, UUID4);
    seen.add(id);
    seen.add(s.requestHeader('traceparent')!.slice(3, 35));
  }
  assert.equal(seen.size, 400);
  for (let w = 0; w < 4; w++) assert.ok(p.hostcalls({ worker: w, name: 'random_get' }).length > 0 || p.hostcalls({ worker: w }).some((h) => h.name.includes('random')), `worker ${w} used WASI random`);
});

// ------------------------------------------------------------------ trace context

test('a valid traceparent keeps trace id and flags, gets a fresh parent id; tracestate kept', async () => {
  const p = await load();
  const tid = '4bf92f3577b34da6a3ce929d0e0e4736', pid = '00f067aa0ba902b7';
  for (const flags of ['01', '00', '03', 'ff']) {
    const s = request(p, [['traceparent', `00-${tid}-${pid}-${flags}`], ['tracestate', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7']]);
    const [, t, sp, f] = TP.exec(s.requestHeader('traceparent')!)!;
    assert.equal(t, tid);
    assert.notEqual(sp, pid);
    assert.notEqual(sp, '0'.repeat(16));
    assert.equal(f, flags);
    assert.equal(s.requestHeader('tracestate'), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    assert.equal(s.responseHeader('traceparent'), undefined, 'not echoed by default');
  }
  assert.equal(m(p, 'kept', 'traceparent'), 4);
});

// Valid / invalid tables from the W3C Trace Context rules (version, lengths, hex case, zero ids, flags).
const T = '4bf92f3577b34da6a3ce929d0e0e4736', P = '00f067aa0ba902b7';
const VALID_TP: string[] = [
  `00-${T}-${P}-01`, `00-${T}-${P}-00`, `00-${T}-${P}-09`,
  `01-${T}-${P}-01`,                       // a higher version: first four fields parsed
  `cc-${T}-${P}-01-what-the-future-holds`, // higher version, longer, '-' after flags
  `fe-${T}-${P}-00`,
  `00-${'0'.repeat(31)}1-${'0'.repeat(15)}1-01`,
];
const INVALID_TP: string[] = [
  `ff-${T}-${P}-01`,                       // version ff is forbidden
  `00-${'0'.repeat(32)}-${P}-01`,          // all-zero trace id
  `00-${T}-${'0'.repeat(16)}-01`,          // all-zero parent id
  `00-${T.toUpperCase()}-${P}-01`,         // upper-case hex
  `00-${T}-${P.toUpperCase()}-01`,
  `00-${T}-${P}-0A`, `00-${T}-${P}-0g`, `00-${T}-${P}-1`, // bad flags
  `0-${T}-${P}-01`, `0x-${T}-${P}-01`, `g0-${T}-${P}-01`, // bad version
  `00-${T}-${P}-01-extra`,                 // version 00 must be exactly 55 long
  `00-${T}-${P}-01 `,
  `01-${T}-${P}-01x`,                      // higher version: after the flags only '-'
  `00-${T.slice(1)}-${P}-01`, `00-${T}a-${P}-01`, `00-${T}-${P.slice(1)}-01`,
  `00_${T}-${P}-01`, `00-${T}_${P}-01`, `00-${T}-${P}_01`, `00-${T}-${P}-01`.replace(/-/g, ''),
  '', 'garbage', ' '.repeat(55), `00-${T}-${P}-0\u00e9`,
];

test('traceparent validity follows the W3C rules (tables); invalid → a new trace, tracestate dropped', async () => {
  const p = await load();
  for (const v of VALID_TP) {
    const s = request(p, [['traceparent', v], ['tracestate', 'a=b']]);
    const out = s.requestHeader('traceparent')!;
    assert.ok(validTp(out), out);
    assert.equal(out.slice(3, 35), v.slice(3, 35), `trace id kept for ${v}`);
    assert.equal(out.slice(53, 55), v.slice(53, 55), `flags kept for ${v}`);
    assert.equal(s.requestHeader('tracestate'), 'a=b');
  }
  for (const v of INVALID_TP) {
    const s = request(p, [['traceparent', v], ['tracestate', 'a=b']]);
    const out = s.requestHeader('traceparent')!;
    assert.ok(validTp(out), `${JSON.stringify(v)} → ${out}`);
    assert.notEqual(out.slice(3, 35), v.slice(3, 35), `new trace id for ${JSON.stringify(v)}`);
    assert.equal(out.slice(53), '01', 'new trace sampled (sample_rate 1)');
    assert.equal(s.requestHeader('tracestate'), undefined, `tracestate dropped for ${JSON.stringify(v)}`);
  }
  assert.equal(m(p, 'kept', 'traceparent'), VALID_TP.length);
  assert.equal(m(p, 'replaced_invalid', 'traceparent'), INVALID_TP.length);
});

test('no traceparent: a new one (version 00, random non-zero ids); a stray tracestate is removed', async () => {
  const p = await load();
  const s = request(p, [['tracestate', 'orphan=1']]);
  assert.ok(validTp(s.requestHeader('traceparent')!));
  assert.equal(s.requestHeader('tracestate'), undefined);
  assert.equal(m(p, 'generated', 'traceparent'), 1);
});

test('sample_rate decides the sampled flag of new traces only', async () => {
  const never = await load({ sample_rate: 0 });
  for (let i = 0; i < 50; i++) assert.equal(request(never).requestHeader('traceparent')!.slice(53), '00');
  assert.equal(request(never, [['traceparent', `00-${T}-${P}-01`]]).requestHeader('traceparent')!.slice(53), '01', 'received flag kept');
  const half = await load({ sample_rate: 0.5 });
  let sampled = 0;
  for (let i = 0; i < 400; i++) if (request(half).requestHeader('traceparent')!.endsWith('-01')) sampled++;
  assert.ok(sampled > 140 && sampled < 260, `sampled ${sampled}/400 at 0.5`);
});

test('echo_traceparent: the traceparent sent upstream is echoed; trace_context: false leaves both headers alone', async () => {
  const p = await load({ echo_traceparent: true });
  const s = request(p, [['traceparent', `00-${T}-${P}-01`]]);
  assert.equal(s.responseHeader('traceparent'), s.requestHeader('traceparent'));
  const off = await load({ trace_context: false });
  const t = request(off, [['traceparent', 'garbage'], ['tracestate', 'x=1']]);
  assert.equal(t.requestHeader('traceparent'), 'garbage');
  assert.equal(t.requestHeader('tracestate'), 'x=1');
  const u = request(off);
  assert.equal(u.requestHeader('traceparent'), undefined);
});

// ------------------------------------------------------------------ X-Road

test('x_road_headers: X-Road-Id / X-Road-Request-Id set to the request id when absent, kept when valid, replaced when invalid', async () => {
  const p = await load({ x_road_headers: true });
  const a = request(p, [['x-request-id', 'rid-a']]);
  assert.equal(a.requestHeader('x-road-id'), 'rid-a');
  assert.equal(a.requestHeader('x-road-request-id'), 'rid-a');
  const b = request(p, [['x-request-id', 'rid-b'], ['x-road-id', 'xr-b'], ['x-road-request-id', 'xrr-b']]);
  assert.equal(b.requestHeader('x-request-id'), 'rid-b', 'sender not trusted: its X-Road-Id is not the request id');
  assert.equal(b.requestHeader('x-road-id'), 'xr-b');
  assert.equal(b.requestHeader('x-road-request-id'), 'xrr-b');
  const c = request(p, [['x-road-id', 'bad id\u0000'], ['x-road-request-id', 'x'.repeat(200)]]);
  const id = c.requestHeader('x-request-id')!;
  assert.match(id, UUID4);
  assert.equal(c.requestHeader('x-road-id'), id);
  assert.equal(c.requestHeader('x-road-request-id'), id);
  assert.equal(m(p, 'generated', 'x_road'), 1);
  assert.equal(m(p, 'kept', 'x_road'), 1);
  assert.equal(m(p, 'replaced_invalid', 'x_road'), 2);
});

test('trust_x_road_id: a valid X-Road-Id becomes the request id; an invalid one is ignored and not passed on', async () => {
  const p = await load({ trust_x_road_id: true });
  const a = request(p, [['x-request-id', 'client'], ['x-road-id', 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6']]);
  assert.equal(a.requestHeader('x-request-id'), 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6');
  assert.equal(a.responseHeader('x-request-id'), 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6');
  assert.equal(a.requestHeader('x-road-id'), 'f81d4fae-7dec-41d0-a765-00a0c91e6bf6');
  const b = request(p, [['x-request-id', 'client'], ['x-road-id', 'bad id']]);
  assert.equal(b.requestHeader('x-request-id'), 'client');
  assert.equal(b.requestHeader('x-road-id'), undefined);
  assert.equal(b.requestHeader('x-road-request-id'), undefined, 'mapping is x_road_headers\' job');
  const both = await load({ trust_x_road_id: true, x_road_headers: true });
  const c = request(both, [['x-road-id', 'XR-1']]);
  assert.equal(c.requestHeader('x-request-id'), 'XR-1');
  assert.equal(c.requestHeader('x-road-request-id'), 'XR-1');
});

// ------------------------------------------------------------------ malformed input, properties, memory

test('malformed input never traps and always yields a valid id: NUL, 64 KiB values, repeats, invalid UTF-8', async () => {
  const p = await load({ x_road_headers: true, trust_x_road_id: true, echo_traceparent: true });
  const big = 'a'.repeat(65536);
  const cases: Array<Array<[string, string]>> = [
    [['x-request-id', big], ['traceparent', big], ['x-road-id', big], ['tracestate', big]],
    [['x-request-id', '\u0000'], ['traceparent', `00-${T}-${P}-0\u0000`], ['x-road-id', '\u0000\u0000']],
    [['x-request-id', 'a'], ['x-request-id', 'b'], ['traceparent', `00-${T}-${P}-01`], ['traceparent', 'x']],
    [['x-request-id', '-'.repeat(128)]],
  ];
  for (const c of cases) {
    const s = request(p, c);
    assert.ok(validTp(s.requestHeader('traceparent')!));
    assert.equal(all(s, 'x-request-id').length, 1);
  }
  // raw invalid UTF-8 bytes (latin1 strings in a HeaderMap are bytes)
  const raw = new HeaderMap([...BASE, ['x-request-id', '\xff\xfe\xc3'], ['traceparent', '\xc3' + `0-${T}-${P}-01`], ['x-road-id', 'ok\x80']]);
  const s = request(p, raw);
  assert.match(s.requestHeader('x-request-id')!, UUID4);
  assert.equal(s.requestHeader('x-road-id'), s.requestHeader('x-request-id'));
  const junk = new HeaderMap([...BASE, ...Array.from({ length: 1000 }, (_, i) => [`x-h${i}`, 'v'] as [string, string])]);
  assert.match(request(p, junk).requestHeader('x-request-id')!, UUID4);
  assert.equal(p.traps.length, 0);
});

/** Checks a batch of generated ids and traceparents; returns the variant-nibble histogram. */
function checkIds(ids: string[], tps: string[]) {
  const seenIds = new Set(ids), seenTraces = new Set(tps.map((t) => t.slice(3, 35)));
  assert.equal(seenIds.size, ids.length, 'ids distinct');
  assert.equal(seenTraces.size, tps.length, 'trace ids distinct');
  const variants = new Map<string, number>();
  for (const id of ids) {
    if (!UUID4.test(id)) assert.fail(`not a UUIDv4: ${id}`);
    variants.set(id[19], (variants.get(id[19]) ?? 0) + 1);
  }
  for (const t of tps) if (!validTp(t)) assert.fail(`bad traceparent ${t}`);
  // the two random bits of the variant nibble are unbiased: 8, 9, a, b each ≈ 1/4
  for (const v of ['8', '9', 'a', 'b']) assert.ok(Math.abs((variants.get(v) ?? 0) / ids.length - 0.25) < 0.02, `variant ${v}: ${variants.get(v)}`);
}

test('property: 1,000,000 generated ids are distinct, valid UUIDv4 (and traceparents valid, distinct trace ids)', { timeout: 600_000 }, async () => {
  // The emulator costs ~90 µs per request, so the million runs on the same .wasm through the lean
  // driver (bench/lib/lean-driver.ts: direct export calls, real header maps, WASI random_get from node:crypto); the
  // emulator run below checks the same properties through the faithful host on a smaller sample.
  const N = Number(process.env.REQUEST_ID_PROPERTY_N ?? 1_000_000);
  const d = await leanModule('request-id', WASM, { rootId: ROOT_ID, pluginConfig: '{}' });
  const ids: string[] = new Array(N), tps: string[] = new Array(N);
  for (let i = 0; i < N; i++) {
    d.request();
    ids[i] = d.header('request', 'x-request-id')!;
    tps[i] = d.header('request', 'traceparent')!;
    if (d.header('response', 'x-request-id') !== ids[i]) assert.fail('echo differs');
  }
  checkIds(ids, tps);
  // 16 (uuid) + 8 (span) + 20 (trace id, sampling) bytes per request, drawn from a 1 KiB pool that one
  // random_get refills (the tail too short for the next draw is dropped, never reused)
  assert.ok(d.counts.randomBytes >= N * 44 && d.counts.randomBytes <= Math.ceil(N * 44 / 1000) * 1024, `random bytes ${d.counts.randomBytes}`);
  assert.equal(d.counts.randomBytes % 1024, 0, 'random_get is called for whole 1 KiB refills only');
});

test('property, through the emulator: 20,000 ids over 4 workers distinct and valid', async () => {
  const p = await load({}, { workers: 4, strict: false, logLevel: 'warn' });
  const h = new HeaderMap(BASE);
  const ids: string[] = [], tps: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const s = p.http({ worker: i & 3 });
    s.sendRequestHeaders(h, { endOfStream: true });
    ids.push(s.stream.req.headers!.get('x-request-id')!);
    tps.push(s.stream.req.headers!.get('traceparent')!);
    s.complete();
    if ((i & 1023) === 0) { p.runtime.hostcalls.length = 0; p.runtime.callbacks.length = 0; }
  }
  checkIds(ids, tps);
  assert.equal(p.traps.length, 0);
});

test('memory stays flat over 20,000 requests', async () => {
  const p = await load({ x_road_headers: true, echo_traceparent: true });
  for (let i = 0; i < 2000; i++) request(p, i & 1 ? [['x-request-id', 'keep-me'], ['traceparent', `00-${T}-${P}-01`]] : []);
  const warm = p.memoryPages();
  for (let i = 0; i < 20000; i++) request(p, i & 1 ? [['x-request-id', 'keep-me'], ['traceparent', `00-${T}-${P}-01`]] : [['x-request-id', 'x'.repeat(300)]]);
  assert.equal(p.memoryPages(), warm);
});

// ------------------------------------------------------------------ configuration

test('bad configurations are rejected with a log line naming the field', async () => {
  const bad: Array<[string, string]> = [
    ['{"header_nme":"x"}', "config field 'header_nme': unknown field"],
    ['{"header_name":5}', "config field 'header_name': expected a string, got 5"],
    ['{"header_name":"X-Request-Id"}', "config field 'header_name': must be a lower-case header name"],
    ['{"header_name":""}', "config field 'header_name'"],
    ['{"header_name":"traceparent"}', "config field 'header_name': must not be a trace-context header"],
    ['{"header_name":"x-road-id","x_road_headers":true}', "config field 'header_name'"],
    ['{"max_length":0}', "config field 'max_length': must be between 1 and 4096, got 0"],
    ['{"max_length":"128"}', "config field 'max_length': expected an unsigned integer, got string"],
    ['{"keep_incoming":"yes"}', "config field 'keep_incoming': expected a boolean, got string"],
    ['{"echo_request_id":1}', "config field 'echo_request_id': expected a boolean"],
    ['{"trace_context":null,"echo_traceparent":0}', "config field 'echo_traceparent': expected a boolean"],
    ['{"sample_rate":1.5}', "config field 'sample_rate': must be between 0.0 and 1.0, got 1.5"],
    ['{"sample_rate":"all"}', "config field 'sample_rate': expected a number, got string"],
    ['{"x_road_headers":[]}', "config field 'x_road_headers': expected a boolean, got array"],
    ['{"trust_x_road_id":{}}', "config field 'trust_x_road_id': expected a boolean, got object"],
    ['{"filter_state_key":false}', "config field 'filter_state_key': expected a string"],
    ['[]', 'config: expected a JSON object, got array'],
    ['{"max_length":12', 'config: invalid JSON'],
  ];
  for (const [cfg, msg] of bad) {
    await assert.rejects(load(cfg), (e: unknown) => {
      assert.ok(e instanceof PluginStartError, cfg);
      const lines = e.logs!.filter((l) => l.level >= 4).map((l) => l.message);
      assert.equal(lines.length, 1, `${cfg}: ${lines.join(' | ')}`);
      assert.ok(lines[0].startsWith('request-id: ' + msg), `${cfg}: ${lines[0]}`);
      return true;
    });
  }
});

// The configuration is read by the SDK's FlatConfig (sdk/config/flat.ts): strict JSON, one flat object.
const rejection = async (cfg: string | Uint8Array): Promise<string> => {
  let line = '';
  await assert.rejects(load(cfg), (e: unknown) => {
    assert.ok(e instanceof PluginStartError, String(cfg));
    const lines = e.logs!.filter((l) => l.level >= 4).map((l) => l.message);
    assert.equal(lines.length, 1, `${cfg}: ${lines.join(' | ')}`);
    line = lines[0];
    return true;
  });
  return line;
};

test('configuration JSON: whitespace, escapes (keys and values, \\u incl. surrogate pairs), BOM, numbers as exponents, null = default', async () => {
  const p = await load('\ufeff {\n\t"header\\u005fname" : "x-corr\\u0065lation-id" ,\r\n "max_length": 1e1, "sample_rate": 25e-2,\n' +
    ' "filter_state_key": "k.\\u00e9\\ud83d\\ude00\\/x\\\\y", "echo_traceparent": true, "trace_context": null }\n');
  const a = request(p, [['x-correlation-id', '0123456789']]);
  assert.equal(a.requestHeader('x-correlation-id'), '0123456789', 'max_length 1e1 = 10');
  assert.equal(a.envoyFilterState('k.\u00e9\u{1F600}/x\\y')?.value, '0123456789', 'key decoded to UTF-8');
  assert.equal(a.responseHeader('traceparent'), a.requestHeader('traceparent'), 'trace_context null = default (on)');
  assert.match(request(p, [['x-correlation-id', '01234567890']]).requestHeader('x-correlation-id')!, UUID4);
  for (const ok of ['', '  \n', '{}', ' { } ', '{"max_length":128.0}', '{"max_length":1.28e2}', '{"max_length":12800e-2}',
    '{"sample_rate":-0.0}', '{"sample_rate":1E0}', '{"sample_rate":0.000000000000000000000000001}', '{"max_length":null}']) {
    const q = await load(ok);
    assert.equal(request(q, [['x-request-id', 'x'.repeat(128)]]).requestHeader('x-request-id'), 'x'.repeat(128), JSON.stringify(ok));
  }
});

test('configuration JSON: malformed input is "invalid JSON" (and wins over a field error); nested values are validated, never used', async () => {
  const invalid: Array<[string | Uint8Array, string]> = [
    ['{"max_length":1,}', 'unexpected character'], ['{"max_length":1} x', 'unexpected character'],
    ['{"max_length":1', 'unexpected end of input'], ['{"header_name":"a\\x"}', 'invalid string'],
    ['{"header_name":"\\ud800"}', 'invalid string'], ['{"header_name":"\\udc00\\ud800"}', 'invalid string'],
    ['{"header_name":"a\tb"}', 'invalid string'], ['{"header_name":"\\u12g4"}', 'invalid string'],
    ['{"max_length":01}', 'invalid number'], ['{"max_length":1.}', 'invalid number'], ['{"max_length":-}', 'invalid number'],
    ['{"max_length":1e}', 'invalid number'], ['{"max_length":+1}', 'unexpected character'], ['{"max_length":8,"max_length":9}', 'duplicate key'],
    ['{"x_road_headers":tru}', 'unexpected character'], ['{"x_road_headers":' + '['.repeat(100) + ']'.repeat(100) + '}', 'nesting too deep'],
    ['{"max_length":0, "x": }', 'unexpected character'], ["{'max_length':1}", 'unexpected character'],
    [new Uint8Array([...Buffer.from('{"filter_state_key":"a'), 0xff, ...Buffer.from('"}')]), 'invalid string'],
    [new Uint8Array([...Buffer.from('{"filter_state_key":"a'), 0xc0, 0x80, ...Buffer.from('"}')]), 'invalid string'],
    [new Uint8Array([...Buffer.from('{"filter_state_key":"a'), 0xed, 0xa0, 0x80, ...Buffer.from('"}')]), 'invalid string'],
  ];
  for (const [cfg, reason] of invalid) {
    const line = await rejection(cfg);
    assert.match(line, /^request-id: config: invalid JSON at byte \d+: /, line);
    assert.ok(line.endsWith(reason), `${cfg}: ${line}`);
  }
  assert.equal(await rejection('{"max_length":1,}'), 'request-id: config: invalid JSON at byte 16: unexpected character');
  // syntactically valid nested values: the field's type error
  assert.equal(await rejection('{"x_road_headers":[1,{"a":[true,null,"s\\n"]},-2.5e3]}'),
    "request-id: config field 'x_road_headers': expected a boolean, got array");
  assert.equal(await rejection('5'), 'request-id: config: expected a JSON object, got number');
  assert.equal(await rejection('"{}"'), 'request-id: config: expected a JSON object, got string');
});

test('configuration JSON: numbers — integers exactly, range errors quote the value as written', async () => {
  const cases: Array<[string, string]> = [
    ['{"max_length":12.5}', "config field 'max_length': expected an unsigned integer, got 12.5"],
    ['{"max_length":1e-1}', "config field 'max_length': expected an unsigned integer, got 1e-1"],
    ['{"max_length":4097}', "config field 'max_length': must be between 1 and 4096, got 4097"],
    ['{"max_length":-1}', "config field 'max_length': must be between 1 and 4096, got -1"],
    ['{"max_length":1e30}', "config field 'max_length': must be between 1 and 4096, got 1e30"],
    ['{"max_length":18446744073709551617}', "config field 'max_length': must be between 1 and 4096, got 18446744073709551617"],
    ['{"max_length":4096.0000000000000000001}', "config field 'max_length': expected an unsigned integer, got 4096.0000000000000000001"],
    ['{"max_length":true}', "config field 'max_length': expected an unsigned integer, got boolean"],
    ['{"sample_rate":-0.01}', "config field 'sample_rate': must be between 0.0 and 1.0, got -0.01"],
    ['{"sample_rate":1e999}', "config field 'sample_rate': must be between 0.0 and 1.0, got 1e999"],
    ['{"sample_rate":1.0000000000000002}', "config field 'sample_rate': must be between 0.0 and 1.0, got 1.0000000000000002"],
    ['{"header_name":"x-a","header_name":"x-b"}', 'config: invalid JSON at byte 21: duplicate key'],
    ['{"header_name":"X-Request-Id"}', "config field 'header_name': must be a lower-case header name, got \"X-Request-Id\""],
  ];
  for (const [cfg, msg] of cases) assert.equal(await rejection(cfg), 'request-id: ' + msg, cfg);
  const q = await load('{"max_length":4096.000, "sample_rate":0.5e0}');
  assert.equal(request(q, [['x-request-id', 'y'.repeat(4096)]]).requestHeader('x-request-id'), 'y'.repeat(4096));
});

test('an unknown field: the log line lists the known ones', async () => {
  await assert.rejects(load({ sampling: 1 }), (e: PluginStartError) => {
    const line = e.logs!.find((l) => l.message.includes("'sampling'"))!.message;
    for (const k of Object.keys(SCHEMA.properties)) assert.ok(line.includes(k), `${k} listed`);
    return true;
  });
});

test('config.schema.json: every property accepted (default and an example value), an unknown one rejected', async () => {
  assert.equal(SCHEMA.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(SCHEMA.additionalProperties, false);
  for (const [k, prop] of Object.entries<any>(SCHEMA.properties)) {
    assert.ok('default' in prop && typeof prop.description === 'string' && prop.description.length > 10 && prop.type, k);
    await load({ [k]: prop.default });
    for (const ex of prop.examples ?? []) await load({ [k]: ex });
  }
  await assert.rejects(load({ not_in_schema: true }), PluginStartError);
});

test('config.schema.json: the documented defaults are the behaviour of {}', async () => {
  const defaults = Object.fromEntries(Object.entries<any>(SCHEMA.properties).map(([k, v]) => [k, v.default]));
  const scenarios: Array<Array<[string, string]>> = [
    [], [['x-request-id', 'keep']], [['x-request-id', 'x'.repeat(129)]], [['x-request-id', 'x'.repeat(128)]],
    [['traceparent', `00-${T}-${P}-00`], ['tracestate', 'a=1']], [['traceparent', 'bad'], ['tracestate', 'a=1']],
    [['x-road-id', 'xr'], ['x-road-request-id', 'bad id']], [['x-road-id', 'xr-2']],
  ];
  // Random parts differ between runs; compare the shape (random hex → '#').
  const shape = (v: string | undefined) => v?.replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, 'UUID').replace(/-[0-9a-f]{16}-/g, '-SPAN-').replace(/^00-[0-9a-f]{32}/, (x) => x.includes(T) ? x : '00-TRACE');
  const observe = async (cfg: object) => {
    const p = await load(cfg);
    return scenarios.map((sc) => {
      const s = request(p, sc, { response: [[':status', '200']] });
      return JSON.stringify({
        req: s.requestHeaders().filter(([k]) => !k.startsWith(':')).map(([k, v]) => [k, shape(v)]),
        res: s.responseHeaders().map(([k, v]) => [k, shape(v)]),
        fs: shape(s.envoyFilterState('envoy.string')?.value),
      });
    }).concat(JSON.stringify(Object.fromEntries(['generated', 'kept', 'replaced_invalid'].flatMap((o) => ['request_id', 'traceparent', 'x_road'].map((k) => [`${o}.${k}`, m(p, o, k)])))));
  };
  assert.deepEqual(await observe(defaults), await observe({}));
  // and the filter's own documented defaults: header x-request-id, 128, echo on, trace context on, sampled
  const p = await load({});
  const s = request(p, [['x-request-id', 'x'.repeat(128)]]);
  assert.equal(s.requestHeader('x-request-id'), 'x'.repeat(128));
  assert.equal(defaults.max_length, 128);
  assert.equal(defaults.header_name, 'x-request-id');
});

test('the configuration written in envoy.yaml loads and works', async () => {
  const y = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  assert.equal(y.rootId, ROOT_ID);
  const p = await load(y.configuration);
  const s = request(p);
  assert.match(s.requestHeader('x-request-id')!, UUID4);
  assert.equal(s.envoyFilterState('envoy.string')?.value, s.requestHeader('x-request-id'));
});

test('the root logs one info line per start; nothing per request at info', async () => {
  const p = await load({}, { workers: 2 });
  const starts = p.logMessages({ level: 'info' }).filter((l) => l.startsWith('request-id: header x-request-id'));
  assert.ok(starts.length >= 2);
  const before = p.logs().length;
  request(p);
  assert.equal(p.logs().length, before);
});

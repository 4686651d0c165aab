// SDK state / environment APIs through the real host: typed properties, set_property, shared data
// with CAS (and the update() retry helper under forced conflicts), metrics, foreign functions
// (clear_route_cache, set_envoy_filter_state, compress), lazy logging, time and randomness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmResult as R } from '../../host/index.ts';
import { calls, load, out, outs, req } from './helper.ts';

const STREAM_PROPS = {
  'source.address': '10.0.0.7:5555',
  'source.port': 5555,
  'connection.mtls': true,
  'connection.id': { type: 'uint', value: 42n },
  'custom.big': { type: 'uint', value: 18446744073709551615n },
  'custom.neg': -5n,
  'custom.ratio': 0.25,
  'custom.bytes': Uint8Array.of(1, 2, 0, 255),
  'custom.map': { inner: 'iv', other: 'ov' },
};

test('typed property decoders against the attributes the host serializes (string, int64, uint64, bool, double, bytes, map, timestamp)', () => {
  const p = load({ strict: { allow: ['proxy_get_property:NotFound', 'proxy_get_property:SerializationFailure'] } });
  const s = p.http({ properties: STREAM_PROPS, connectionId: 9 });
  s.sendRequestHeaders([...req('/p/q?x=1', 'property'), ['x-multi', 'a'], ['x-multi', 'b']], { endOfStream: true });
  const v = (k: string) => out(p, k);
  assert.equal(v('p.path'), '/p/q?x=1', 'dotted name split into segments');
  assert.equal(v('p.path.array'), '/p/q?x=1');
  assert.equal(v('p.path.undotted'), `null:${R.NotFound}`, '["request.path"] is one segment → NotFound');
  assert.equal(v('p.method'), 'GET');
  assert.equal(v('p.header'), 'a,b', 'request.headers.<h> joins repeated values');
  assert.equal(v('p.header.pairsget'), 'a,b');
  assert.equal(v('p.headers.map'), '6:/p/q?x=1:a,b', 'map (one entry per distinct header) decoded from pairs; pairsGet / pairsGetAll');
  assert.equal(v('p.srcport'), '5555', 'int64');
  assert.equal(v('p.srcaddr'), '10.0.0.7:5555');
  assert.equal(v('p.connid'), '9', 'connection_id uint64');
  assert.equal(v('p.connid2'), '42', 'connection.id uint64');
  assert.equal(v('p.mtls'), 'true', 'bool (default passed was true, value read is true)');
  assert.equal(v('p.big'), '18446744073709551615', 'uint64 max survives');
  assert.equal(v('p.neg'), '-5', 'int64 two’s complement');
  assert.equal(v('p.ratio'), '0.25', 'double');
  assert.equal(v('p.bytes'), '010200ff', 'bytes (with a NUL) raw');
  assert.equal(v('p.raw'), '010200ff');
  assert.equal(BigInt(v('p.time')), BigInt(p.nowMs()) * 1_000_000n, 'request.time timestamp (virtual clock)');
  assert.equal(v('p.nested'), 'iv', 'map key traversal');
  assert.equal(v('p.map'), 'inner:iv,other:ov');
  // wrong sizes → the caller's default, never a trap
  assert.equal(v('p.wrong.bool'), 'true', '8-byte value read as bool → default');
  assert.equal(v('p.wrong.int'), '-5', '3-byte string read as int64 → default');
  assert.equal(v('p.wrong.uint'), '77', '1-byte bool read as uint64 → default');
  assert.equal(v('p.wrong.map'), '0', 'string read as map → empty');
  assert.equal(v('p.absent'), `null:${R.NotFound}`);
  assert.equal(v('p.absent.int'), '123');
  assert.equal(v('p.object'), `null:${R.SerializationFailure}`, 'whole "request" is not serializable');
  assert.equal(v('p.plugin'), 'cov_plugin|cov|cov_vm');
  assert.equal(v('p.pairsbuf'), '1');
  // the path bytes the SDK sent: NUL-separated, no trailing NUL
  const gp = calls(p, 'proxy_get_property', 'request.path');
  assert.ok(gp.length >= 2, 'request.path was sent as two segments');
  assert.equal(gp[0].args[1], 'request\0path'.length);
});

test('setProperty / setPropertyString then read back through get_property; stored as filter state "wasm.<path>"', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders([...req('/sp', 'set-property'), ['x-prop-value', 'pv']], { endOfStream: true });
  assert.equal(out(p, 'setprop'), 'true');
  assert.equal(out(p, 'getprop.back'), 'pv');
  assert.equal(s.property('cov_key'), 'pv');
  assert.equal(out(p, 'setprop.bytes'), 'true');
  assert.equal(out(p, 'getprop.bytes'), '6201');
  assert.equal(out(p, 'setprop.nested'), 'true');
  assert.equal(s.property('cov\0nested'), 'n', 'a segment path is stored with NUL separators');
});

test('set_envoy_filter_state foreign function: path, value and lifespan reach the host; readable as filter_state.<key>', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/fs', 'filter-state'), { endOfStream: true });
  assert.equal(out(p, 'filterstate'), 'true');
  assert.deepEqual(s.envoyFilterState('envoy.tcp_proxy.cluster'), { value: 'c1', span: 1 });
  assert.deepEqual(s.envoyFilterState('envoy.string'), { value: 's', span: 0 }, 'default lifespan FilterChain');
  assert.equal(out(p, 'filterstate.read'), 'c1');
});

test('clear_route_cache foreign function (HttpContext.clearRouteCache and the free function)', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/rc', 'clear-route-cache'), { endOfStream: true });
  assert.equal(out(p, 'clearroute'), 'true');
  assert.equal(out(p, 'clearroute.fn'), 'true');
  assert.deepEqual(p.routeCacheClears(s).map((c) => c.kind), ['foreign', 'foreign']);
  assert.deepEqual(calls(p, 'proxy_call_foreign_function').map((h) => h.note), ['clear_route_cache', 'clear_route_cache']);
});

test('callForeignFunction: compress/uncompress round trip; unknown name → null with NotFound', () => {
  const p = load({ strict: { allow: ['proxy_call_foreign_function:NotFound'] } });
  p.http().sendRequestHeaders(req('/ff', 'foreign'), { endOfStream: true });
  assert.equal(out(p, 'foreign.roundtrip'), 'a'.repeat(32));
  assert.equal(out(p, 'foreign.unknown'), `null:${R.NotFound}`);
});

test('shared data: get on a missing key, set, CAS accepted when current, CasMismatch when stale, CAS 0 unconditional', () => {
  const p = load({ strict: { allow: ['proxy_get_shared_data:NotFound', 'proxy_set_shared_data:CasMismatch'] } });
  p.http().sendRequestHeaders(req('/cas', 'shared-cas'), { endOfStream: true });
  assert.equal(out(p, 'cas.miss'), `null:${R.NotFound}`);
  assert.equal(out(p, 'cas.set1'), '0');
  assert.equal(out(p, 'cas.get1'), 'v1:cas');
  assert.equal(out(p, 'cas.set2'), '0');
  assert.equal(out(p, 'cas.stale'), String(R.CasMismatch));
  assert.equal(out(p, 'cas.get2'), 'v2:newer');
  assert.equal(out(p, 'cas.uncond'), '0');
  assert.equal(out(p, 'cas.final'), 'v4');
  assert.equal(p.sharedData('cas.k')?.value, 'v4', 'namespaced by vm_id, visible to the host');
});

test('SharedData.update retries on CasMismatch: 3 forced conflicts with 8 retries → Ok, 4 attempts', () => {
  const p = load({ strict: { allow: ['proxy_set_shared_data:CasMismatch'] } });
  p.setSharedData('cas.counter', '5');
  p.http().sendRequestHeaders([...req('/u', 'shared-update'), ['x-conflicts', '3']], { endOfStream: true });
  assert.equal(out(p, 'update'), '0:3:101', 'Ok after 3 conflicting writes; the last write saw 100 and stored 101');
  const sets = calls(p, 'proxy_set_shared_data', 'cas.counter').map((h) => h.status);
  // each attempt: the interfering unconditional write (Ok), then the CAS write
  assert.deepEqual(sets, [R.Ok, R.CasMismatch, R.Ok, R.CasMismatch, R.Ok, R.CasMismatch, R.Ok]);
  assert.equal(calls(p, 'proxy_get_shared_data', 'cas.counter').length, 5, '4 attempts + the final read');
});

test('SharedData.update gives up with CasMismatch after maxRetries+1 attempts', () => {
  const p = load({ strict: { allow: ['proxy_set_shared_data:CasMismatch'] } });
  p.setSharedData('cas.counter', '5');
  p.http().sendRequestHeaders([...req('/u', 'shared-update'), ['x-conflicts', '9'], ['x-retries', '2']], { endOfStream: true });
  assert.equal(out(p, 'update'), `${R.CasMismatch}:3:100`, 'three attempts (maxRetries 2), all conflicting; value left by the other writer');
  assert.equal(calls(p, 'proxy_set_shared_data', 'cas.counter').filter((h) => h.status === R.CasMismatch).length, 3);
});

test('SharedData.update on a missing key inserts with CAS 0 (Envoy ignores CAS for a missing key: a concurrent insert is overwritten)', () => {
  const p = load({ strict: { allow: ['proxy_get_shared_data:NotFound'] } });
  p.http().sendRequestHeaders([...req('/u', 'shared-update'), ['x-conflicts', '1']], { endOfStream: true });
  assert.equal(out(p, 'update'), '0:1:1');
});

test('metrics: each name defined once (define_metric once per name per VM) across many requests; counter / gauge / histogram values', () => {
  const p = load({ strict: true });
  for (let i = 0; i < 5; i++) p.http().sendRequestHeaders(req('/m', 'metrics'), { endOfStream: true });
  assert.deepEqual(outs(p, 'metric.counter'), ['1', '2', '3', '4', '5']);
  const defs = calls(p, 'proxy_define_metric').map((h) => h.note).sort();
  assert.deepEqual(defs, ['cov_gauge', 'cov_hist', 'cov_requests', 'cov_tagged.route=a_b.code=200']);
  assert.equal(p.metric('cov_requests'), 5);
  assert.equal(p.metric('cov_tagged.route=a_b.code=200'), 10);
  assert.equal(out(p, 'metric.taggedname'), 'cov_tagged.route=a_b.code=200', "'.' in tag values becomes '_'");
  assert.equal(p.metric('cov_gauge'), 12);
  assert.deepEqual(outs(p, 'metric.gauge'), ['12', '12', '12', '12', '12']);
  assert.equal(p.metric('cov_hist'), 10, 'histogram sample count');
  assert.deepEqual(outs(p, 'metric.same'), ['true', 'true', 'true', 'true', 'true']);
  assert.ok(calls(p, 'proxy_increment_metric').every((h) => h.args[1] !== 0n), 'increment(0) makes no hostcall (Envoy would reject it)');
  assert.ok(calls(p, 'proxy_increment_metric').some((h) => h.args[1] === -3n), 'gauge add(-3) passes a negative i64');
});

test('lazy logging at level warn: disabled levels never reach proxy_log and the guarded string is never built', () => {
  const p = load({ logLevel: 'warn', strict: true });
  for (let i = 0; i < 3; i++) p.http().sendRequestHeaders(req('/l', 'log'), { endOfStream: true });
  const levels = calls(p, 'proxy_log').map((h) => h.args[0] as number);
  assert.ok(levels.length > 0 && levels.every((l) => l >= 3), `only warn and above are sent: ${levels}`);
  assert.equal(calls(p, 'proxy_get_property', 'lazy.marker').length, 0, 'costlyDebugString() was not evaluated');
  assert.deepEqual(outs(p, 'loglevel', 0), ['3:info-off', '3:info-off', '3:info-off']);
  const msgs = p.logMessages();
  assert.ok(msgs.includes('plain warn') && msgs.includes('plain error') && msgs.includes('plain critical'));
  assert.ok(!msgs.includes('plain info') && !msgs.includes('plain debug'));
});

test('lazy logging at level trace: every level reaches proxy_log and the guarded string is built', () => {
  const p = load({ logLevel: 'trace', strict: { allow: ['proxy_get_property:NotFound'] } });
  p.http().sendRequestHeaders(req('/l', 'log'), { endOfStream: true });
  assert.equal(calls(p, 'proxy_get_property', 'lazy.marker').length, 1);
  const msgs = p.logMessages();
  for (const m of ['lazy costly null', 'plain debug', 'plain trace', 'plain info', 'generic info']) assert.ok(msgs.includes(m), m);
  assert.deepEqual(new Set(calls(p, 'proxy_log').map((h) => h.args[0])), new Set([0, 1, 2, 3, 4, 5]));
});

test('log level is read through proxy_get_log_level at root callbacks only (not per request), and refreshed on tick', () => {
  const p = load({ logLevel: 'warn', strict: { allow: ['proxy_get_property:NotFound'] } });
  const before = calls(p, 'proxy_get_log_level').length;
  assert.ok(before > 0);
  for (let i = 0; i < 4; i++) p.http().sendRequestHeaders(req('/l', 'log'), { endOfStream: true });
  assert.equal(calls(p, 'proxy_get_log_level').length, before, 'no proxy_get_log_level per request');
  p.setLogLevel('debug');
  p.http().sendRequestHeaders(req('/l', 'log'), { endOfStream: true });
  assert.ok(!p.logMessages().includes('plain debug'), 'cached level still warn (documented: refreshed at vm start / configure / tick)');
  p.http().sendRequestHeaders([...req('/t', 'tick'), ['x-period', '10']], { endOfStream: true });
  p.advance(10);
  assert.equal(calls(p, 'proxy_get_log_level').length, before + 1, 'tick re-reads the level');
  assert.ok(p.logMessages().includes('debug after tick 1'));
  p.http().sendRequestHeaders(req('/l', 'log'), { endOfStream: true });
  assert.ok(p.logMessages().includes('plain debug'));
  assert.ok(!p.logMessages().includes('plain trace'));
});

test('time: proxy_get_current_time_nanoseconds follows the virtual clock (ns and ms)', () => {
  const p = load({ strict: true });
  p.http().sendRequestHeaders(req('/t', 'time'), { endOfStream: true });
  const t0 = p.nowMs();
  assert.equal(out(p, 'time.ns'), String(BigInt(t0) * 1_000_000n));
  assert.equal(out(p, 'time.ms'), String(t0));
  p.advance(1234);
  p.http().sendRequestHeaders(req('/t', 'time'), { endOfStream: true });
  assert.equal(out(p, 'time.ms'), String(t0 + 1234));
});

test('randomness: WASI random_get (chunks ≤ 64 KiB), values differ between requests', () => {
  const p = load({ strict: true });
  p.http().sendRequestHeaders(req('/r', 'random'), { endOfStream: true });
  p.http().sendRequestHeaders(req('/r', 'random'), { endOfStream: true });
  const rg = calls(p, 'random_get');
  assert.ok(rg.length >= 8, `random_get calls: ${rg.length}`);
  assert.ok(rg.every((h) => (h.args[1] as number) <= 65536 && h.status === 0), 'never above Envoy’s 64 KiB limit');
  assert.deepEqual(outs(p, 'random.big'), ['70000', '70000']);
  for (const k of ['random.u32', 'random.u64', 'random.bytes']) {
    const [a, b] = outs(p, k);
    assert.notEqual(a, b, k);
  }
  assert.match(out(p, 'random.bytes'), /^[0-9a-f]{32}$/);
});

// §6.1 start sequence, §6.2 config updates, shutdown, restricted phases, failure policies (§6.12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginStartError, WasmResult } from '../../host/index.ts';
import { GET, loadProbe, probeBytes, result, results } from './probe-helper.ts';

test('§6.1 start: base + canary + N workers → _initialize N+2, on_vm_start/on_configure N+1, canary dropped without on_done', () => {
  const p = loadProbe({ workers: 4, vmConfig: 'vmstart.log:2:vm', pluginConfig: 'conf.log:2:cfg' });
  const names = (n: string) => p.callbacks({ name: n });
  assert.equal(names('_initialize').length, 6);
  assert.equal(names('proxy_on_vm_start').length, 5);
  assert.equal(names('proxy_on_configure').length, 5);
  assert.equal(p.logMessages({ contains: 'cfg' }).filter((m) => m === 'cfg').length, 5, 'side effects happen N+1 times (§10.13)');
  // order on each VM: context_create(1,0) → vm_start(1, vm_cfg_len) → configure(1, plugin_cfg_len)
  for (const w of [-2, 0, 1, 2, 3]) {
    const seq = p.callbacks({ worker: w }).map((c) => `${c.name}(${c.args})`);
    assert.deepEqual(seq, ['_initialize()', 'proxy_on_context_create(1,0)', 'proxy_on_vm_start(1,16)', 'proxy_on_configure(1,14)']);
  }
  assert.deepEqual(p.callbacks({ worker: -1 }).map((c) => c.name), ['_initialize'], 'no root context in the base VM');
  p.shutdown();
  assert.equal(p.callbacks({ name: 'proxy_on_done' }).length, 4, 'the canary root never gets on_done');
  assert.equal(p.callbacks({ name: 'proxy_on_done', worker: -2 }).length, 0);
});

test('§6.1 canary: false → no canary VM (N+1 _initialize)', () => {
  const p = loadProbe({ workers: 2, canary: false });
  assert.equal(p.callbacks({ name: '_initialize' }).length, 3);
  assert.equal(p.callbacks({ name: 'proxy_on_vm_start' }).length, 2);
});

test('§6.1 plugin configuration readable only in on_configure; VM configuration always (§10.12)', () => {
  const p = loadProbe({ vmConfig: 'vmstart.bstat:7;vmstart.bstat:6', pluginConfig: 'conf.bstat:7;reqh.bstat:7;reqh.bstat:6;tick.bstat:7;conf.tick:10' });
  assert.deepEqual(results(p, 'bstat', 'vmstart').filter((r) => r.worker === 0).map((r) => r.status), [WasmResult.NotFound, WasmResult.Ok]);
  assert.equal(result(p, 'bstat', 'conf').status, WasmResult.Ok);
  p.http().sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.deepEqual(results(p, 'bstat', 'reqh').map((r) => r.status), [WasmResult.NotFound, WasmResult.Ok]);
  p.advance(10);
  assert.equal(result(p, 'bstat', 'tick').status, WasmResult.NotFound);
});

test('§6.1 config rejected when on_vm_start or on_configure returns 0, or traps (canary first)', () => {
  assert.throws(() => loadProbe({ vmConfig: 'vmstart.ret:0' }), (e: unknown) => e instanceof PluginStartError && /on_vm_start returned false \(canary0\)/.test(e.message));
  assert.throws(() => loadProbe({ pluginConfig: 'conf.ret:0' }), /on_configure returned false/);
  assert.throws(() => loadProbe({ pluginConfig: 'conf.trap' }), (e: unknown) => e instanceof PluginStartError && /trapped/.test(e.message) && !!e.trap?.stack);
  assert.throws(() => loadProbe({ pluginConfig: 'conf.ret:0', canary: false }), /on_configure returned false \(worker0\)/);
});

test('§10.25 restricted: only proxy_log + some WASI in _initialize and in malloc; anything else traps (restricted_callback)', () => {
  // allowed: proxy_log and WASI clock/random during _initialize
  const ok = loadProbe({ envVars: { PROBE_INIT: 'init.log:2:hi;init.wtime:0;init.rand:8' } });
  assert.deepEqual(results(ok, 'log', 'init').map((r) => r.status), [0, 0, 0]);
  assert.equal(results(ok, 'wtime', 'init')[0].status, 0);
  // forbidden: shared data during _initialize → trap → config rejected
  assert.throws(() => loadProbe({ envVars: { PROBE_INIT: 'init.sget:x' } }), /restricted_callback: env.proxy_get_shared_data/);
  // forbidden inside the allocator
  const p = loadProbe({ envVars: { PROBE_MALLOC: 'malloc.log:2:in-malloc' }, pluginConfig: 'conf.log:2:x' });
  assert.ok(p.logMessages().includes('in-malloc'), 'proxy_log is allowed inside malloc');
  assert.throws(() => loadProbe({ envVars: { PROBE_MALLOC: 'malloc.time' }, pluginConfig: 'x' }), /restricted_callback: env.proxy_get_current_time_nanoseconds/);
});

test('§6.2 config update: same VMs, new root id (canary first); in-flight streams keep the old root; old root gets on_done after drain', () => {
  const p = loadProbe({ workers: 2, pluginConfig: 'reqh.prop:plugin_root_id' });
  const inflight = p.http({ worker: 0 });
  inflight.sendRequestHeaders(GET('/', 'reqh.ret:1'));
  const before = p.callbacks({ name: '_initialize' }).length;
  p.reconfigure({ pluginConfig: 'conf.log:2:v2', rootId: 'root2' });
  assert.equal(p.callbacks({ name: '_initialize' }).length, before + 1, 'only a new canary instance is created');
  assert.equal(p.rootContextId(0), 3, 'ids continue on the same VM (1 root, 2 stream, 3 new root)');
  assert.equal(p.rootContextId(1), 2);
  const created = p.callbacks({ worker: 0, name: 'proxy_on_context_create' }).map((c) => c.args);
  assert.deepEqual(created, [[1, 0], [2, 1], [3, 0]]);
  const s2 = p.http({ worker: 0 });
  s2.sendRequestHeaders(GET('/', 'reqh.prop:plugin_root_id'), { endOfStream: true });
  assert.equal(Buffer.from(result(p, 'prop', 'reqh').value, 'hex').toString(), 'root2');
  assert.equal(p.callbacks({ worker: 0, name: 'proxy_on_context_create' }).at(-1)!.args[1], 3);
  inflight.complete();
  p.drainOldRoots();
  // stream 2 (in flight on old root 1) completes, then old root 1 at drain (stream 4 is still open)
  assert.deepEqual(p.callbacks({ worker: 0, name: 'proxy_on_done' }).map((c) => c.args[0]), [2, 1]);
  assert.ok(p.callbacks({ worker: 0, name: 'proxy_on_done' }).some((c) => c.args[0] === 1), 'old root 1 got on_done');
  assert.ok(p.callbacks({ worker: 0, name: 'proxy_on_delete' }).some((c) => c.args[0] === 1));
  assert.ok(!p.callbacks({ worker: 0, name: 'proxy_on_done' }).some((c) => c.args[0] === 3), 'new root untouched');
});

test('§10.31 shutdown: on_done false → pending until proxy_done; proxy_done otherwise NotFound; on_delete after the call returns', () => {
  const p = loadProbe({ pluginConfig: 'done.ret:0;tick.done;conf.done;conf.tick:5' });
  assert.equal(result(p, 'done', 'conf').status, WasmResult.NotFound, 'not pending yet');
  p.shutdown();
  assert.equal(p.callbacks({ worker: 0, name: 'proxy_on_delete' }).length, 0, 'pending shutdown');
  p.advance(5); // the root is still alive: ticks keep coming; the tick calls proxy_done
  assert.equal(result(p, 'done', 'tick').status, WasmResult.Ok);
  const seq = p.callbacks({ worker: 0 }).map((c) => c.name);
  assert.deepEqual(seq.slice(-2), ['proxy_on_tick', 'proxy_on_delete'], 'on_delete right after the VM call that called proxy_done');
  p.advance(50);
  assert.equal(p.callbacks({ worker: 0, name: 'proxy_on_tick' }).length, 1, 'no ticks after delete');
});

test('§10.14 roots get no on_log at shutdown; on_done return value matters only for roots', () => {
  const p = loadProbe({ pluginConfig: 'done.ret:0' });
  const s = p.http();
  s.sendRequestHeaders(GET('/'), { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  s.complete();
  assert.ok(p.callbacks({ worker: 0, name: 'proxy_on_delete' }).some((c) => c.args[0] === s.id), 'stream deleted although on_done returned 0');
  p.shutdown();
  assert.ok(!p.callbacks({ worker: 0, name: 'proxy_on_log' }).some((c) => c.args[0] === 1));
});

test('§10.28 / §6.12 trap: VM failed for good; FAIL_CLOSED → 503 wasm_fail_stream for in-flight and new streams', () => {
  const p = loadProbe({ workers: 2, failurePolicy: 'FAIL_CLOSED' });
  const s = p.http({ worker: 0 });
  assert.equal(s.sendRequestHeaders(GET('/', 'reqh.trap')), 'StopAllIterationAndWatermark');
  assert.equal(s.localReply?.status, 503);
  assert.equal(s.localReply?.details, 'wasm_fail_stream');
  assert.equal(s.localReply?.grpcStatus, 14);
  assert.ok(p.failed(0));
  assert.equal(p.traps.length, 1);
  assert.match(p.traps[0].stack, /unreachable|RuntimeError/);
  assert.equal(p.traps[0].callback, 'proxy_on_request_headers');
  const s2 = p.http({ worker: 0 });
  s2.sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.equal(s2.localReply?.status, 503, 'every request on that worker fails');
  const s3 = p.http({ worker: 1 });
  assert.equal(s3.sendRequestHeaders(GET('/'), { endOfStream: true }), 'Continue', 'other workers keep running');
});

test('§6.12 FAIL_OPEN: the failing stream continues; new streams skip the filter', () => {
  const p = loadProbe({ failurePolicy: 'FAIL_OPEN' });
  const s = p.http();
  s.sendRequestHeaders(GET('/', 'reqb.trap'));
  assert.equal(s.sendRequestBody('abc', { endOfStream: true }), 'Continue');
  assert.equal(s.requestBody(), 'abc');
  assert.equal(s.localReply, null);
  const before = p.callbacks().length;
  const s2 = p.http();
  assert.equal(s2.sendRequestHeaders(GET('/'), { endOfStream: true }), 'Continue');
  assert.equal(p.callbacks().length, before, 'filter not inserted: no callbacks');
});

test('§6.12 FAIL_RELOAD: a fresh VM for the next request (after the backoff)', () => {
  const p = loadProbe({ failurePolicy: 'FAIL_RELOAD', reloadBackoffMs: 1000 });
  p.http().sendRequestHeaders(GET('/', 'reqh.trap'));
  assert.ok(p.failed(0));
  const early = p.http();
  early.sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.equal(early.localReply?.status, 503, 'within the backoff the failed VM answers 503');
  p.advance(1000);
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET('/'), { endOfStream: true }), 'Continue');
  assert.ok(!p.failed(0));
  assert.equal(p.rootContextId(0), 1, 'new instance: ids restart at 1');
  assert.equal(p.callbacks({ name: '_initialize' }).length, 4);
});

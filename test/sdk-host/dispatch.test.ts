// SDK dispatcher through the real host: root selection by plugin_root_id, stream contexts,
// callouts (HTTP, gRPC call, gRPC stream) routed back to the originating stream with
// set_effective_context, responses for gone streams, timers, queues, delayed root deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmResult as R, ProcessState } from '../../host/index.ts';
import { calls, load, out, outs, req } from './helper.ts';

test('root chosen by plugin_root_id: "cov" and "alt" roots live in one VM; each stream uses its root', () => {
  const p = load({ strict: true });
  const a = p.http();
  a.sendRequestHeaders(req('/one'), { endOfStream: true });
  assert.equal(out(p, 'reqh').split(':')[3], 'cov');
  p.reconfigure({ rootId: 'alt' });
  const b = p.http();
  b.sendRequestHeaders(req('/two'), { endOfStream: true });
  const h = new Map(b.requestHeaders());
  assert.equal(h.get('x-root'), 'alt');
  assert.equal(h.get('x-root-id'), 'alt', 'RootContext.rootId is filled from plugin_root_id');
  // both root contexts exist on worker 0 (ids 1 and a later one), created with parent 0
  const creates = p.callbacks({ worker: 0, name: 'proxy_on_context_create' }).map((c) => c.args);
  const roots = creates.filter(([, parent]) => parent === 0).map(([id]) => id);
  assert.equal(roots.length, 2);
  assert.deepEqual(creates.filter(([id]) => id === b.id), [[b.id, roots[1]]], 'stream b created under the alt root');
  assert.equal(outs(p, 'vmstart', 0).length, 1, 'AltRoot has no onVmStart output: the cov factory was not used for it');
});

test('a root id without a registered factory is rejected at start (onVmStart false)', () => {
  assert.throws(() => load({ rootId: 'unknown' }), /on_vm_start returned false|Unable to create/);
});

test('stream contexts: one HttpContext per stream, ids from the host, parent = root', () => {
  const p = load({ strict: true, workers: 2 });
  const s1 = p.http({ worker: 0 });
  const s2 = p.http({ worker: 1 });
  const s3 = p.http({ worker: 0 });
  for (const s of [s1, s2, s3]) s.sendRequestHeaders(req('/'), { endOfStream: true });
  assert.deepEqual(outs(p, 'reqh').map((l) => l.split(':').slice(0, 2).join(':')), [`${s1.id}:4`, `${s2.id}:4`, `${s3.id}:4`]);
  assert.notEqual(s1.id, s3.id);
});

test('HTTP callout pauses the request; the response (on the root id) reaches the stream via set_effective_context and continues it', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders([...req('/auth', 'pause-callout'), ['x-callout-body', 'question']], { endOfStream: true });
  assert.equal(out(p, 'callout.start'), '0:4:true');
  assert.equal(s.requestHeadersForwarded, false, 'paused');
  const [c] = p.pendingHttpCalls();
  assert.equal(c.cluster, 'auth');
  assert.equal(c.timeoutMs, 1000);
  assert.equal(Buffer.from(c.body).toString(), 'question');
  assert.deepEqual(c.trailers, [['x-req-trailer', 't1']]);
  assert.equal(new Map(c.headers).get('x-from'), String(s.id));
  p.respondHttpCall(4, { headers: { ':status': '200', 'x-user': 'alice' }, body: 'ok-body', trailers: { 'x-t': 'tv' } });
  const cb = p.callbacks({ name: 'proxy_on_http_call_response' });
  assert.deepEqual(cb[0].args, [p.rootContextId(0), 4, 2, 7, 1], 'delivered on the root id');
  assert.deepEqual(calls(p, 'proxy_set_effective_context').map((h) => h.args), [[s.id]]);
  assert.equal(out(p, 'callout.response'), '4:200:2:7:1');
  assert.equal(out(p, 'callout.continue'), 'true');
  assert.equal(s.requestHeadersForwarded, true, 'continued');
  const h = new Map(s.requestHeaders());
  assert.equal(h.get('x-auth-user'), 'alice');
  assert.equal(h.get('x-auth-body'), 'ok-body');
  assert.equal(h.get('x-auth-bodylen'), '7');
  assert.equal(h.get('x-auth-trailer'), 'tv');
  assert.equal(h.get('x-auth-hdrs'), '2');
});

test('HTTP callout denied: local reply sent from the callout callback', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/auth', 'pause-callout'), { endOfStream: true });
  p.respondHttpCall(4, { headers: { ':status': '401' } });
  assert.equal(s.localReply?.status, 403);
  assert.equal(s.localReply?.body, 'denied by auth 401');
  assert.deepEqual(s.localReply?.extraHeaders, [['x-denied', '1']]);
});

test('HTTP callout failure: (0,0,0) response, get_status → (11 BrokenConnection, "reset")', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/auth', 'pause-callout'), { endOfStream: true });
  p.failHttpCall(4);
  assert.equal(out(p, 'callout.failed'), '4:11:reset');
  assert.equal(calls(p, 'proxy_get_status').length, 1);
  assert.equal(s.localReply?.status, 503);
  assert.equal(s.localReply?.body, 'callout failed 11 reset');
});

test('callout answered after the stream is gone: dropped (onStreamGone), no trap, no set_effective_context, VM keeps serving', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/gone', 'callout-gone'), { endOfStream: true });
  s.complete();
  assert.deepEqual(outs(p, 'ondelete'), [String(s.id)]);
  p.respondHttpCall(4, { headers: { ':status': '200' } });
  assert.deepEqual(outs(p, 'callout.gone'), ['4']);
  assert.deepEqual(outs(p, 'callout.response'), [], 'the user callback was not called');
  assert.equal(calls(p, 'proxy_set_effective_context').length, 0);
  assert.equal(p.traps.length, 0);
  assert.equal(p.failed(0), false);
  const t = p.http();
  t.sendRequestHeaders(req('/after'), { endOfStream: true });
  assert.equal(t.requestHeadersForwarded, true);
});

test('callout start failures: unknown cluster / missing pseudo-headers → BadArgument and token 0; illegal header refused before the hostcall', () => {
  const p = load({ strict: { allow: ['proxy_http_call:BadArgument'] } });
  const s = p.http();
  s.sendRequestHeaders(req('/bad', 'callout-bad'), { endOfStream: true });
  assert.equal(out(p, 'callout.badcluster'), `${R.BadArgument}:0`);
  assert.equal(out(p, 'callout.illegal'), `${R.BadArgument}:0`);
  assert.equal(out(p, 'callout.nopath'), `${R.BadArgument}:0`);
  assert.equal(calls(p, 'proxy_http_call').length, 2, 'the CR/LF header never reached the host');
  assert.equal(p.pendingHttpCalls().length, 0);
  assert.equal(s.requestHeadersForwarded, true);
});

test('gRPC unary call: request recorded, reply message delivered to the stream, which continues', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/g', 'grpc-call'), { endOfStream: true });
  assert.equal(out(p, 'grpc.start'), '0:5');
  const [g] = p.pendingGrpcCalls();
  assert.equal(g.kind, 'grpc-call');
  assert.deepEqual([g.cluster, g.serviceName, g.method, Buffer.from(g.message).toString(), g.timeoutMs], ['grpc_cluster', 'cov.Service', 'Check', 'ping', 500]);
  assert.deepEqual(g.metadata, [['md', '1']]);
  p.respondGrpcCall(5, 'pong');
  assert.equal(out(p, 'grpc.message'), `5:4:pong:${Buffer.from('pong').toString('hex')}`);
  assert.equal(new Map(s.requestHeaders()).get('x-grpc-reply'), 'pong');
  assert.equal(s.requestHeadersForwarded, true);
  assert.deepEqual(calls(p, 'proxy_set_effective_context').map((h) => h.args), [[s.id]]);
});

test('gRPC unary call failure: on_grpc_close with status; statusMessage via get_status; local reply carries the grpc status', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/g', 'grpc-call'), { endOfStream: true });
  p.respondGrpcCall(5, { status: 14, message: 'unavailable' });
  assert.equal(out(p, 'grpc.close'), '5:14:unavailable');
  assert.equal(s.localReply?.status, 500);
  assert.equal(s.localReply?.grpcStatus, 14);
});

test('gRPC cancel: no further callbacks; unknown cluster → ParseFailure; stream open failure → null', () => {
  const p = load({ strict: { allow: ['proxy_grpc_call:ParseFailure', 'proxy_grpc_stream:ParseFailure'] } });
  const s = p.http();
  s.sendRequestHeaders(req('/g', 'grpc-cancel', 'grpc-bad'), { endOfStream: true });
  assert.equal(out(p, 'grpc.cancel'), '5:true');
  assert.equal(p.pendingGrpcCalls().length, 0);
  assert.equal(out(p, 'grpc.bad'), `${R.ParseFailure}:0`);
  assert.equal(out(p, 'grpc.badstream'), `null:${R.ParseFailure}`);
});

test('gRPC stream: send, initial metadata, messages (echoed back), trailing metadata, close → stream continues', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/gs', 'grpc-stream'), { endOfStream: true });
  assert.equal(out(p, 'grpc.stream'), '6:true');
  p.grpcStreamEvent(6, { type: 'initialMetadata', metadata: { im: 'iv' } });
  assert.equal(out(p, 'grpc.initial'), '6:1:iv');
  p.grpcStreamEvent(6, { type: 'message', message: 'm1' });
  p.grpcStreamEvent(6, { type: 'message', message: 'm2' });
  assert.deepEqual(outs(p, 'grpc.message').map((m) => m.split(':').slice(0, 3).join(':')), ['6:2:m1', '6:2:m2']);
  assert.deepEqual(outs(p, 'grpc.send'), ['true', 'true']);
  const [g] = p.pendingGrpcCalls();
  assert.equal(g.kind, 'grpc-stream');
  assert.deepEqual(g.metadata, [['sm', '2']]);
  assert.deepEqual(g.sent.map((x) => Buffer.from(x.message).toString()), ['hello', 'echo:m1', 'echo:m2']);
  p.grpcStreamEvent(6, { type: 'message', message: 'close-local' });
  assert.equal(out(p, 'grpc.localclose'), 'true');
  p.grpcStreamEvent(6, { type: 'trailingMetadata', metadata: { tm: 'tv' } });
  assert.equal(out(p, 'grpc.trailing'), '6:1:tv');
  p.closeGrpc(6, 0, 'bye');
  assert.equal(out(p, 'grpc.close'), '6:0:bye');
  assert.equal(new Map(s.requestHeaders()).get('x-grpc-closed'), '0');
  assert.equal(s.requestHeadersForwarded, true);
  const names = p.callbacks({ worker: 0 }).map((c) => c.name).filter((n) => n.includes('grpc'));
  assert.deepEqual(names, ['proxy_on_grpc_receive_initial_metadata', 'proxy_on_grpc_receive', 'proxy_on_grpc_receive', 'proxy_on_grpc_receive', 'proxy_on_grpc_receive_trailing_metadata', 'proxy_on_grpc_close']);
});

test('gRPC stream events after the stream is gone are dropped (onStreamGone once), no trap', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/gs', 'grpc-stream'), { endOfStream: true });
  s.complete();
  p.grpcStreamEvent(6, { type: 'message', message: 'late' });
  assert.deepEqual(outs(p, 'grpc.gone'), ['6']);
  assert.deepEqual(outs(p, 'grpc.message'), []);
  assert.equal(p.traps.length, 0);
});

test('gRPC stream cancel from the guest', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders(req('/gs', 'grpc-stream-cancel'), { endOfStream: true });
  assert.equal(out(p, 'grpc.streamcancel'), '6:true');
  assert.equal(p.pendingGrpcCalls().length, 0);
});

test('timers: tick period set from a stream belongs to the root; ticks every period; 0 disables', () => {
  const p = load({ strict: true });
  const s = p.http();
  s.sendRequestHeaders([...req('/t', 'tick'), ['x-period', '50']], { endOfStream: true });
  assert.equal(out(p, 'tick.set'), 'true');
  const t0 = p.nowMs();
  p.advance(49);
  assert.equal(outs(p, 'tick').length, 0, 'first tick one period later');
  p.advance(1);
  p.advance(200);
  assert.deepEqual(outs(p, 'tick', 0), [`1@${t0 + 50}`, `2@${t0 + 100}`, `3@${t0 + 150}`], 'stops after the root set the period to 0');
  const ticks = p.callbacks({ worker: 0, name: 'proxy_on_tick' });
  assert.ok(ticks.every((c) => c.args[0] === p.rootContextId(0)), 'on the root id');
  assert.equal(p.metric('cov_ticks'), 3);
});

test('queues: registered in onConfigure, resolved + enqueued from a stream, on_queue_ready dequeues until Empty; external enqueue too', () => {
  const p = load({ strict: { allow: ['proxy_resolve_shared_queue:NotFound', 'proxy_enqueue_shared_queue:NotFound', 'proxy_dequeue_shared_queue:Empty'] } });
  const token = Number(out(p, 'queue.register', 0));
  assert.ok(token > 0);
  const s = p.http();
  s.sendRequestHeaders([...req('/q', 'queue'), ['x-item', 'first']], { endOfStream: true });
  assert.equal(out(p, 'queue.resolve'), `${token}:${token}`);
  assert.equal(out(p, 'queue.enqueue'), '0');
  assert.equal(out(p, 'queue.resolve.missing'), `0:${R.NotFound}`);
  assert.equal(out(p, 'queue.enqueue.bad'), String(R.NotFound));
  assert.deepEqual(outs(p, 'queue.item'), [`${token}:first`]);
  assert.equal(out(p, 'queue.empty'), String(R.Empty));
  p.enqueue(token, 'external');
  assert.deepEqual(outs(p, 'queue.item'), [`${token}:first`, `${token}:external`]);
  const qr = p.callbacks({ name: 'proxy_on_queue_ready' });
  assert.ok(qr.length >= 2 && qr.every((c) => c.args[0] === p.rootContextId(0) && c.args[1] === token));
});

test('two plugins sharing a process: the last registrant of a queue gets on_queue_ready', () => {
  const process = new ProcessState();
  const a = load({ strict: true, process });
  const b = load({ strict: { allow: ['proxy_dequeue_shared_queue:Empty'] }, process });
  const token = Number(out(b, 'queue.register', 0));
  assert.equal(Number(out(a, 'queue.register', 0)), token, 'same vm_id + name → same token');
  a.enqueue(token, 'x');
  assert.deepEqual(outs(b, 'queue.item'), [`${token}:x`]);
  assert.deepEqual(outs(a, 'queue.item'), []);
});

test('root onDone returning false delays on_delete until the root calls done() (proxy_done) from a later tick', () => {
  const p = load({ pluginConfig: 'delay-done', strict: { allow: ['proxy_done:NotFound'] } });
  p.shutdown();
  assert.deepEqual(outs(p, 'root.done', 0), ['cov']);
  assert.equal(out(p, 'done.early'), `false:${R.NotFound}`, 'proxy_done inside on_done → NotFound');
  assert.deepEqual(outs(p, 'root.delete', 0), [], 'not deleted yet');
  p.advance(10);
  assert.equal(out(p, 'done'), 'true');
  assert.deepEqual(outs(p, 'root.delete', 0), ['cov']);
  assert.deepEqual(calls(p, 'proxy_done').map((h) => h.status), [R.NotFound, R.Ok]);
});

test('configuration: VM config and plugin config readable in onVmStart / onConfigure; false rejects the plugin', () => {
  const p = load({ vmConfig: 'vm-cfg', pluginConfig: 'plug-cfg', strict: true });
  assert.equal(out(p, 'vmstart', 0), 'cov|vm-cfg|6');
  assert.equal(out(p, 'configure', 0), 'cov|plug-cfg|8');
  assert.throws(() => load({ pluginConfig: 'reject' }), /on_configure returned false/);
  assert.throws(() => load({ vmConfig: 'reject-vm' }), /on_vm_start returned false/);
});

test('set_property from a root context: false with NotFound (no stream info)', () => {
  const p = load({ pluginConfig: 'root-setprop', strict: { allow: ['proxy_set_property:NotFound'] } });
  assert.equal(out(p, 'root.setprop', 0), `false:${R.NotFound}`);
});

test('concurrent callouts from several streams (and two workers with the same token numbers) each reach their own stream', () => {
  const p = load({ strict: true, workers: 2 });
  const a = p.http({ worker: 0 });
  const b = p.http({ worker: 0 });
  const c = p.http({ worker: 1 });
  for (const s of [a, b, c]) s.sendRequestHeaders(req('/auth', 'pause-callout'), { endOfStream: true });
  const pending = p.pendingHttpCalls().map((x) => [x.worker, x.token, new Map(x.headers).get('x-from')]);
  assert.deepEqual(pending, [[0, 4, String(a.id)], [0, 8, String(b.id)], [1, 4, String(c.id)]]);
  // answer in reverse order; worker 1's token 4 first
  p.respondHttpCall(4, { headers: { ':status': '200', 'x-user': 'carol' } }, 1);
  p.respondHttpCall(8, { headers: { ':status': '200', 'x-user': 'bob' } }, 0);
  p.respondHttpCall(4, { headers: { ':status': '200', 'x-user': 'alice' } }, 0);
  assert.equal(new Map(a.requestHeaders()).get('x-auth-user'), 'alice');
  assert.equal(new Map(b.requestHeaders()).get('x-auth-user'), 'bob');
  assert.equal(new Map(c.requestHeaders()).get('x-auth-user'), 'carol');
  assert.ok([a, b, c].every((s) => s.requestHeadersForwarded));
  assert.deepEqual(calls(p, 'proxy_set_effective_context').map((h) => [h.worker, h.args[0]]), [[1, c.id], [0, b.id], [0, a.id]]);
});

test('a callout response while another stream of the same VM is mid-request still goes to the originating stream', () => {
  const p = load({ strict: true });
  const a = p.http();
  a.sendRequestHeaders(req('/auth', 'pause-callout'), { endOfStream: true });
  const b = p.http();
  b.sendRequestHeaders(req('/other', 'body-append'));
  p.respondHttpCall(4, { headers: { ':status': '200', 'x-user': 'alice' } });
  b.sendRequestBody('x', { endOfStream: true });
  assert.equal(new Map(a.requestHeaders()).get('x-auth-user'), 'alice');
  assert.equal(new Map(b.requestHeaders()).get('x-auth-user'), undefined);
  assert.equal(b.requestBody(), 'x+END');
});

// Root "recycle" (fixture RecyRoot/RecyHttp): createHttpContext returns recycledHttpContext(id) || new RecyHttp;
// RecyHttp.recycle() resets its per-stream field and gives the object back.
function recyStart(p: ReturnType<typeof load>) {
  const s = p.http();
  s.sendRequestHeaders(req('/'), { endOfStream: true });
  const h = new Map(s.requestHeaders());
  return { s, instance: h.get('x-instance'), contextId: h.get('x-context-id'), before: h.get('x-requests-before') };
}
const recyEnd = (s: { sendResponseHeaders: Function; complete: Function }) => {
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  s.complete();
};

test('recycled stream contexts: a finished stream\'s object serves the next stream, rebound to its id, per-stream state reset', () => {
  const p = load({ strict: true, rootId: 'recycle' });
  const a = recyStart(p);
  recyEnd(a.s);
  const b = recyStart(p);
  recyEnd(b.s);
  assert.equal(b.instance, a.instance, 'the same object');
  assert.equal(a.contextId, String(a.s.id));
  assert.equal(b.contextId, String(b.s.id), 'contextId rebound to the new stream');
  assert.notEqual(a.s.id, b.s.id);
  assert.deepEqual([a.before, b.before], ['0', '0'], 'recycle() reset the per-stream field');
  // streams in flight at the same time each have their own object; both are reused afterwards
  const c = recyStart(p), d = recyStart(p);
  assert.notEqual(c.instance, d.instance);
  recyEnd(c.s); recyEnd(d.s);
  const e = recyStart(p), f = recyStart(p);
  assert.deepEqual(new Set([e.instance, f.instance]), new Set([c.instance, d.instance]));
  assert.deepEqual([c.before, d.before, e.before, f.before], ['0', '0', '0', '0']);
  recyEnd(e.s); recyEnd(f.s);
  // callbacks reach the recycled object under its new id only
  const g = recyStart(p);
  assert.equal(g.contextId, String(g.s.id));
  recyEnd(g.s);
});

test('recycled stream contexts belong to their root: a new root after a config update makes its own; the old root releases its spares', () => {
  const p = load({ strict: true, rootId: 'recycle' });
  const inFlight = recyStart(p);
  p.reconfigure({ pluginConfig: 'v2' });
  recyEnd(inFlight.s); // deleted under the old root, which is still draining
  const next = recyStart(p);
  assert.notEqual(next.instance, inFlight.instance, 'the new root does not take the old root\'s spare');
  recyEnd(next.s);
  p.drainOldRoots();
  const again = recyStart(p);
  assert.equal(again.instance, next.instance);
  recyEnd(again.s);
  p.shutdown();
});

test('recycled stream contexts: many streams, one object, memory stable', () => {
  const p = load({ rootId: 'recycle' });
  const first = recyStart(p);
  recyEnd(first.s);
  const pages = p.runtime.workers[0].vm.pages();
  for (let i = 0; i < 3000; i++) {
    const x = recyStart(p);
    if (x.instance !== first.instance || x.before !== '0') assert.fail(`stream ${i}: instance ${x.instance}, requests before ${x.before}`);
    recyEnd(x.s);
  }
  assert.equal(p.runtime.workers[0].vm.pages(), pages);
});

test('recycled stream contexts: a spare the root takes but does not return is collectable (memory stable)', () => {
  // root "recycle-drop": createHttpContext calls recycledHttpContext(id) and returns a new object instead
  const p = load({ rootId: 'recycle-drop' });
  for (let i = 0; i < 200; i++) recyEnd(recyStart(p).s);
  const pages = p.runtime.workers[0].vm.pages();
  const seen = new Set<string | undefined>();
  for (let i = 0; i < 5000; i++) {
    const x = recyStart(p);
    seen.add(x.instance);
    if (x.before !== '0' || x.contextId !== String(x.s.id)) assert.fail(`stream ${i}: ${JSON.stringify(x)}`);
    recyEnd(x.s);
  }
  assert.equal(seen.size, 5000, 'every stream got the new object the root made');
  assert.equal(p.runtime.workers[0].vm.pages(), pages, 'the dropped spares were released to the collector');
});

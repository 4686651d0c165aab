// The whole scenario set on one plugin, then: the union of hostcalls the host observed covers EVERY
// import the SDK-built module declares, and every callback it exports was called.
// TCP callbacks, on_*_metadata and on_foreign_function have no driver in the emulator (it models
// HTTP filters only; Envoy never calls proxy_on_foreign_function for its built-ins), so this test
// calls those exports directly on the worker VM (WasmVm.callExport: same recording, same
// current/effective-context handling as the emulator's own calls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calls, coverageBytes, load, out, outs, req } from './helper.ts';

const ALLOW = [
  'proxy_get_header_map_value:NotFound', 'proxy_get_property:NotFound', 'proxy_get_property:SerializationFailure',
  'proxy_http_call:BadArgument', 'proxy_grpc_call:ParseFailure', 'proxy_grpc_stream:ParseFailure',
  'proxy_resolve_shared_queue:NotFound', 'proxy_enqueue_shared_queue:NotFound', 'proxy_dequeue_shared_queue:Empty',
  'proxy_get_shared_data:NotFound', 'proxy_set_shared_data:CasMismatch', 'proxy_call_foreign_function:NotFound',
  'proxy_done:NotFound', 'proxy_set_property:NotFound',
];

test('every env/WASI import of the module is exercised and every exported callback is called', () => {
  const bytes = coverageBytes();
  const mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(mod).filter((i) => i.kind === 'function');
  const exports = WebAssembly.Module.exports(mod).filter((e) => e.kind === 'function').map((e) => e.name);

  const p = load({ pluginConfig: 'delay-done', vmConfig: 'vm', strict: { allow: ALLOW }, properties: { 'xds.cluster_name': 'c' } });
  const w = p.runtime.workers[0];
  let allocs = 0;
  const realAlloc = w.vm.alloc.bind(w.vm);
  w.vm.alloc = (n: number) => { allocs++; return realAlloc(n); };

  const props = { 'source.port': 1, 'connection.mtls': false, 'custom.map': { inner: 'x' } };
  // HTTP surface
  let s = p.http({ properties: props });
  s.sendRequestHeaders([...req('/a', 'headers', 'setpairs', 'property', 'set-property', 'filter-state', 'clear-route-cache', 'foreign',
    'metrics', 'log', 'time', 'random', 'queue', 'shared-cas', 'shared-update', 'callout-bad', 'grpc-cancel', 'grpc-bad',
    'grpc-stream-cancel', 'local-reply-illegal', 'body-replace-bytes', 'trailers', 'resp-headers', 'resp-body'), ['x-multi', '1']]);
  s.sendRequestBody('abc');
  s.sendRequestBody('def', { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']]);
  s.sendResponseBody('r');
  s.sendResponseBody('s', { endOfStream: true });
  assert.equal(s.requestBody(), '<hi!');
  assert.equal(s.responseBody(), '[rs]');
  // metadata callbacks: raw, on the live stream
  w.vm.enter(() => {
    w.vm.callExport('proxy_on_request_metadata', s.id, [s.id, 2]);
    w.vm.callExport('proxy_on_response_metadata', s.id, [s.id, 3]);
  });
  assert.equal(out(p, 'reqmd'), '2');
  assert.equal(out(p, 'resmd'), '3');
  s.complete();
  // trailers (a body followed by trailers never has end_of_stream on the body)
  s = p.http();
  s.sendRequestHeaders(req('/tr', 'trailers'));
  s.sendRequestBody('x');
  s.sendRequestTrailers([['x-t', '1']]);
  s.sendResponseHeaders([[':status', '200']]);
  s.sendResponseBody('y');
  s.sendResponseTrailers([['grpc-status', '0']]);
  s.complete();
  // local replies, stream reset
  p.http().sendRequestHeaders(req('/lr', 'local-reply'), { endOfStream: true });
  p.http().sendRequestHeaders(req('/lrb', 'local-reply-bytes'), { endOfStream: true });
  p.http().sendRequestHeaders(req('/c', 'close'), { endOfStream: true });
  // callouts: success, failure, gone stream
  s = p.http();
  s.sendRequestHeaders(req('/auth', 'pause-callout'), { endOfStream: true });
  p.respondHttpCall(p.pendingHttpCalls()[0].token, { headers: { ':status': '200', 'x-user': 'u' }, body: 'b', trailers: { 'x-t': 't' } });
  s = p.http();
  s.sendRequestHeaders(req('/auth', 'pause-callout'), { endOfStream: true });
  p.failHttpCall(p.pendingHttpCalls()[0].token);
  s = p.http();
  s.sendRequestHeaders(req('/gone', 'callout-gone'), { endOfStream: true });
  s.complete();
  p.respondHttpCall(p.pendingHttpCalls()[0].token, { headers: { ':status': '200' } });
  // gRPC unary + stream
  s = p.http();
  s.sendRequestHeaders(req('/g', 'grpc-call'), { endOfStream: true });
  p.respondGrpcCall(p.pendingGrpcCalls()[0].token, 'pong');
  s = p.http();
  s.sendRequestHeaders(req('/gs', 'grpc-stream'), { endOfStream: true });
  const gs = p.pendingGrpcCalls()[0].token;
  p.grpcStreamEvent(gs, { type: 'initialMetadata', metadata: { im: '1' } });
  p.grpcStreamEvent(gs, { type: 'message', message: 'close-local' });
  p.grpcStreamEvent(gs, { type: 'trailingMetadata', metadata: { tm: '1' } });
  p.closeGrpc(gs, 0, 'done');
  // timers, external queue item
  p.http().sendRequestHeaders([...req('/t', 'tick'), ['x-period', '20']], { endOfStream: true });
  p.advance(100);
  p.enqueue(Number(out(p, 'queue.register', 0)), 'ext');
  // second and third root ids on the same VM
  p.reconfigure({ rootId: 'alt' });
  p.http().sendRequestHeaders(req('/alt'), { endOfStream: true });
  p.reconfigure({ rootId: 'tcp' });
  const tcpRoot = w.root.id;
  const conn = w.vm.allocContextId();
  w.vm.enter(() => {
    w.vm.callExport('proxy_on_context_create', conn, [conn, tcpRoot]);
    w.vm.callExport('proxy_on_new_connection', conn, [conn]);
    w.vm.callExport('proxy_on_downstream_data', conn, [conn, 5, 0]);
    w.vm.callExport('proxy_on_upstream_data', conn, [conn, 7, 1]);
    w.vm.callExport('proxy_on_upstream_connection_close', conn, [conn, 0]);
    w.vm.callExport('proxy_on_downstream_connection_close', conn, [conn, 2]);
    w.vm.callExport('proxy_on_done', conn, [conn]);
    w.vm.callExport('proxy_on_log', conn, [conn]);
    w.vm.callExport('proxy_on_delete', conn, [conn]);
    w.vm.callExport('proxy_on_foreign_function', tcpRoot, [tcpRoot, 7, 0]);
  });
  assert.deepEqual(['tcp.new', 'tcp.down', 'tcp.up', 'tcp.upclose', 'tcp.downclose', 'tcp.done', 'tcp.log', 'tcp.delete'].map((k) => out(p, k)),
    [String(conn), '5:0', '7:1', '0', '2', String(conn), String(conn), String(conn)]);
  const upResult = p.callbacks({ name: 'proxy_on_upstream_data' })[0].result;
  assert.equal(upResult, 1, 'FilterStatus.StopIteration returned to the host');
  // foreign function reaches only a root with onForeignFunction overridden (TcpRoot has none) → raw on the cov root too
  const covRoot = p.runtime.workers[0].oldRoots[0].id;
  w.vm.enter(() => { w.vm.callExport('proxy_on_foreign_function', covRoot, [covRoot, 9, 4]); });
  assert.equal(out(p, 'foreign'), '9:4');
  // shutdown; the cov root delays deletion until proxy_done from a tick
  p.shutdown();
  p.advance(50);
  assert.ok(outs(p, 'root.delete', 0).includes('cov'));
  assert.equal(p.traps.length, 0, JSON.stringify(p.traps));

  // ---- the union
  const called = new Set(p.hostcalls().map((h) => h.name));
  const missingImports = imports.filter((i) => !called.has(i.name)).map((i) => `${i.module}.${i.name}`);
  assert.deepEqual(missingImports, [], 'imports never called');
  const cbs = new Set(p.callbacks().map((c) => c.name));
  const notCallbacks = new Set(['proxy_abi_version_0_2_1' /* the ABI marker: never called by Envoy */, 'proxy_on_memory_allocate']);
  const missingCallbacks = exports.filter((e) => !notCallbacks.has(e) && !cbs.has(e));
  assert.deepEqual(missingCallbacks, [], 'exported callbacks never called');
  assert.ok(allocs > 0 && calls(p, 'proxy_get_header_map_pairs').length > 0, 'proxy_on_memory_allocate (the allocator) was used by the host');
  assert.ok(imports.length >= 40, `the module declares ${imports.length} imports`);
  assert.ok(exports.length >= 30, `the module exports ${exports.length} functions`);
});

// host/net/grpc-upstream.ts: a guest's gRPC callouts reach a real gRPC server (raw bytes both ways),
// with the call's timeout as deadline, its initial metadata, and Envoy's statuses on failure.
//   node --import tsx --test test/host/grpc-upstream.test.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { grpcUpstream } from '../../host/net/grpc-upstream.ts';
import type { GrpcCallRequest, GrpcStreamEvent } from '../../host/runtime/callouts.ts';

const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
const SVC: grpc.ServiceDefinition = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, ...raw },
  Slow: { path: '/test.Echo/Slow', requestStream: false, responseStream: false, ...raw },
  Fail: { path: '/test.Echo/Fail', requestStream: false, responseStream: false, ...raw },
  Chat: { path: '/test.Echo/Chat', requestStream: true, responseStream: true, ...raw },
};
let server: grpc.Server;
let addr = '';
let lastMetadata: grpc.Metadata | null = null;

before(async () => {
  server = new grpc.Server();
  server.addService(SVC, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => { lastMetadata = call.metadata; cb(null, Buffer.concat([Buffer.from('echo:'), call.request])); },
    Slow: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => { setTimeout(() => cb(null, Buffer.from('late')), 1000).unref(); },
    Fail: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb({ code: grpc.status.PERMISSION_DENIED, details: 'nope' } as grpc.ServiceError),
    Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      const md = new grpc.Metadata();
      md.set('x-hello', 'there');
      call.sendMetadata(md);
      call.on('data', (b: Buffer) => call.write(Buffer.concat([Buffer.from('re:'), b])));
      call.on('end', () => { const t = new grpc.Metadata(); t.set('x-bye', '1'); call.end(t); });
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  addr = `127.0.0.1:${port}`;
});
after(() => server.forceShutdown());

const req = (method: string, o: Partial<GrpcCallRequest> = {}): GrpcCallRequest => ({
  kind: 'grpc-call', token: 1, worker: 0, vmLabel: 'w0', rootContextId: 1, cluster: 'up', serviceName: 'test.Echo', method,
  metadata: [], message: new Uint8Array(Buffer.from('hi')), sent: [], timeoutMs: 0, localClosed: false, ...o,
});

test('unary: the message goes as raw bytes, the answer comes back as raw bytes, with initial metadata', async () => {
  const up = grpcUpstream({ clusters: { up: addr } });
  const r = await up.grpcCall!(req('Echo', { metadata: [['x-tenant', 'acme'], [':authority', 'skipped']] }));
  assert.ok(r instanceof Uint8Array);
  assert.equal(Buffer.from(r).toString(), 'echo:hi');
  assert.deepEqual(lastMetadata?.get('x-tenant'), ['acme']);
  up.close();
});

test('failures carry gRPC statuses: the server\'s own, DEADLINE_EXCEEDED on the timeout, UNAVAILABLE when down or unconfigured', async () => {
  const up = grpcUpstream({ clusters: { up: addr, down: '127.0.0.1:1' } });
  assert.deepEqual(await up.grpcCall!(req('Fail')), { status: grpc.status.PERMISSION_DENIED, message: 'nope' });
  const t0 = Date.now();
  const slow = await up.grpcCall!(req('Slow', { timeoutMs: 100 })) as { status: number };
  assert.equal(slow.status, grpc.status.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - t0 < 900);
  assert.equal((await up.grpcCall!(req('Echo', { cluster: 'down' })) as { status: number }).status, grpc.status.UNAVAILABLE);
  assert.equal((await up.grpcCall!(req('Echo', { cluster: 'nowhere' })) as { status: number }).status, grpc.status.UNAVAILABLE);
  up.close();
});

test('only loopback addresses are accepted', () => {
  assert.throws(() => grpcUpstream({ clusters: { x: '10.0.0.1:80' } }), /not a loopback/);
  assert.throws(() => grpcUpstream({ clusters: { x: 'example.com:443' } }), /not a loopback/);
  assert.doesNotThrow(() => grpcUpstream({ clusters: { x: 'localhost:80', y: '[::1]:80' } }).close());
});

test('streams: initial metadata, messages, trailing metadata and close, in order', async () => {
  const up = grpcUpstream({ clusters: { up: addr } });
  const events: GrpcStreamEvent[] = [];
  const closed = new Promise<void>((res) => {
    const r = req('Chat', { kind: 'grpc-stream' });
    up.grpcStream!(r, (e) => { events.push(e); if (e.type === 'close') res(); });
    up.grpcSend!(r, new Uint8Array(Buffer.from('a')), false);
    up.grpcSend!(r, new Uint8Array(Buffer.from('b')), true);
  });
  await closed;
  const kinds = events.map((e) => e.type);
  assert.deepEqual(kinds, ['initialMetadata', 'message', 'message', 'trailingMetadata', 'close']);
  assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => Buffer.from((e as { message: Uint8Array }).message).toString()), ['re:a', 're:b']);
  assert.ok((events[0] as { metadata: Array<[string, string]> }).metadata.some(([k, v]) => k === 'x-hello' && v === 'there'));
  assert.ok((events[3] as { metadata: Array<[string, string]> }).metadata.some(([k, v]) => k === 'x-bye' && v === '1'));
  assert.equal((events[4] as { status: number }).status, grpc.status.OK);
  up.close();
});

// host/net/http-upstream.ts: one request to a loopback endpoint as Envoy's router sends it, and the
// three ways of getting no response (UF connect failure, UT timeout, UC reset).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpUpstream, UpstreamError } from '../../host/net/http-upstream.ts';

let server: http.Server;
let port = 0;
const seen: Array<{ raw: string[]; body: string }> = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ raw: req.rawHeaders, body });
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000).unref();
      if (req.url === '/reset') return void req.socket.destroy();
      res.writeHead(201, [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['connection', 'keep-alive'], ['x-up', 'yes']].flat());
      res.end('made');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => { await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }); });

test('pseudo-headers become the request line and Host; hop-by-hop headers are dropped both ways; repeated headers kept in order', async () => {
  const r = await httpUpstream({ host: '127.0.0.1', port }, {
    headers: [[':method', 'POST'], [':path', '/items?x=1'], [':authority', 'registry.local'], ['x-a', '1'], ['x-a', '2'], ['connection', 'close'], ['te', 'trailers']],
    body: new Uint8Array(Buffer.from('payload')),
  });
  assert.equal(r.status, 201);
  assert.equal(r.body.toString(), 'made');
  assert.deepEqual(r.headers.filter(([k]) => k === 'set-cookie' || k === 'x-up'), [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-up', 'yes']]);
  assert.equal(r.headers.find(([k]) => k === 'connection'), undefined);
  const last = seen.at(-1)!;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < last.raw.length; i += 2) pairs.push([last.raw[i].toLowerCase(), last.raw[i + 1]]);
  assert.deepEqual(pairs.filter(([k]) => k === 'host' || k === 'x-a' || k === 'content-length'), [['host', 'registry.local'], ['x-a', '1'], ['x-a', '2'], ['content-length', '7']]);
  assert.equal(pairs.find(([k]) => k === 'te'), undefined);
  assert.equal(last.body, 'payload');
});

test('no response: connection refused → UF, too slow → UT, reset → UC', async () => {
  const flag = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof UpstreamError ? e.flag : String(e)));
  assert.equal(await flag(httpUpstream({ host: '127.0.0.1', port: 1 }, { headers: [[':path', '/']] })), 'UF');
  assert.equal(await flag(httpUpstream({ host: '127.0.0.1', port }, { headers: [[':path', '/slow']], timeoutMs: 100 })), 'UT');
  assert.equal(await flag(httpUpstream({ host: '127.0.0.1', port }, { headers: [[':path', '/reset']] })), 'UC');
});

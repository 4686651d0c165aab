// The loopback dev server behind `npm start`: real HTTP through a chain of filters in the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer } from '../../host/gateway/dev-server.ts';
import { DEMO_FILTERS } from '../../host/gateway/demo.ts';
import { moduleBytes } from '../lib/modules.ts';

test('demo chain: request reaches the echo upstream, response carries the hello header, metrics count it', async () => {
  moduleBytes('examples/metrics'); // make sure the demo's modules are built
  moduleBytes('examples/hello-world');
  const lines: string[] = [];
  const srv = await startDevServer(DEMO_FILTERS, { log: (l) => lines.push(l) });
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${srv.url}/items?x=1`, { method: 'POST', body: 'abc', headers: { 'x-client': 'test' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-hello'), 'world');
    const echo = await r.json() as { method: string; path: string; headers: Record<string, string>; body: string };
    assert.equal(echo.method, 'POST');
    assert.equal(echo.path, '/items?x=1');
    assert.equal(echo.headers['x-client'], 'test');
    assert.equal(echo.body, 'abc');
    const metrics = srv.plugins[0];
    const total = ['GET', 'POST'].reduce((n, m) => n + (metrics.metric(`http_requests.method=${m}.class=2xx`) ?? 0), 0);
    assert.equal(total, 1, 'the metrics filter counted the request once');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^\[access\] POST \/items\?x=1 200 /);
  } finally {
    await srv.close();
  }
});

test('a local reply from the first filter short-circuits the chain and the upstream', async () => {
  const srv = await startDevServer([
    { label: 'cov', wasm: moduleBytes('test/fixtures/sdk-coverage'), rootId: 'cov', vmId: 'cov_vm', clusters: ['auth', 'grpc_cluster'] },
    ...DEMO_FILTERS.slice(1),
  ], { log: () => {} });
  try {
    const r = await fetch(`${srv.url}/x`, { headers: { 'x-do': 'local-reply' } });
    const body = await r.text();
    assert.notEqual(r.status, 200);
    assert.ok(!body.includes('"upstream": "echo"'), 'the upstream was not called');
    assert.equal(r.headers.get('x-hello'), null, 'filters after the replying one never saw the stream');
  } finally {
    await srv.close();
  }
});

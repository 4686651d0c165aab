// Runs filters/header-routing/build/header-routing.wasm in the host emulator (built on demand).
//   node --import tsx --test filters/header-routing/*.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, HeaderMap, PluginStartError, type EmulatorOptions, type EmulatedPlugin, type HttpStreamHandle } from '../../host/index.ts';
import { envoyPluginConfig } from '../../examples/envoy-config.ts';
import { moduleBytes } from '../../test/lib/modules.ts';

const WASM = moduleBytes('filters/header-routing');
const ROOT_ID = 'header-routing';
// Absent headers (get → NotFound) and an unset xds.route_name are normal; everything else must be Ok.
const STRICT = { allow: ['proxy_get_header_map_value:NotFound', 'proxy_get_property:NotFound'] };

type Cfg = Record<string, unknown>;
const load = (config: Cfg | string, o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({ wasm: WASM, rootId: ROOT_ID, vmId: 'hr', pluginConfig: typeof config === 'string' ? config : JSON.stringify(config), strict: STRICT, logLevel: 'info', ...o });

const REQ = (path = '/api/items', extra: Array<[string, string]> = [], method = 'GET', authority = 'example.com'): Array<[string, string]> =>
  [[':method', method], [':path', path], [':authority', authority], [':scheme', 'http'], ...extra];

/** Runs one request; returns the stream (request headers continued) with its route header. */
function send(p: EmulatedPlugin, headers: Array<[string, string]> | HeaderMap = REQ(), o: { routeName?: string; worker?: number } = {}): HttpStreamHandle {
  const s = p.http({ worker: o.worker, properties: o.routeName === undefined ? {} : { 'xds.route_name': o.routeName } });
  assert.equal(s.sendRequestHeaders(headers, { endOfStream: true }), 'Continue');
  return s;
}
/** Headers whose values are raw bytes (latin1 strings: one char per byte), e.g. invalid UTF-8. */
const RAW = (extra: Array<[string, string]>) => new HeaderMap([...REQ('/'), ...extra]);
const routeOf = (s: HttpStreamHandle) => s.requestHeader('x-route-cluster');
const foreignClears = (p: EmulatedPlugin, s: HttpStreamHandle) => p.routeCacheClears(s).filter((c) => c.kind === 'foreign').length;

/** One rule routing to "hit" when `cond` holds, default cluster "miss". */
const oneRule = (cond: Cfg | Cfg[]) => ({
  default_cluster: 'miss',
  rules: [{ name: 'r', match: Array.isArray(cond) ? cond : [cond], actions: [{ type: 'route', cluster: 'hit' }] }],
});

async function expectRoute(cond: Cfg | Cfg[], cases: Array<[Array<[string, string]>, 'hit' | 'miss', string?]>) {
  const p = await load(oneRule(cond));
  for (const [h, want, routeName] of cases) {
    const s = send(p, h, { routeName });
    assert.equal(routeOf(s), want, `${JSON.stringify(cond)} on ${JSON.stringify(h.filter(([k]) => k !== ':scheme'))}`);
  }
}

// ------------------------------------------------------------------------------------------ conditions

test('header conditions: exact, prefix, suffix, contains, glob, present, absent; names case-insensitive', async () => {
  const H = (v?: string) => REQ('/', v === undefined ? [] : [['x-tenant', v]]);
  await expectRoute({ source: 'header', name: 'X-Tenant', exact: 'acme' }, [[H('acme'), 'hit'], [H('acme2'), 'miss'], [H('ACME'), 'miss'], [H(), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', prefix: 'ac' }, [[H('acme'), 'hit'], [H('xac'), 'miss'], [H(), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', suffix: 'me' }, [[H('acme'), 'hit'], [H('mea'), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', contains: 'cm' }, [[H('acme'), 'hit'], [H('ace'), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', glob: 'a*e' }, [[H('acme'), 'hit'], [H('ae'), 'hit'], [H('a/e'), 'miss'], [H('acm'), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', present: true }, [[H(''), 'hit'], [H('x'), 'hit'], [H(), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', absent: true }, [[H(), 'hit'], [H(''), 'miss']]);
  // the client's header name case does not matter either (Envoy lower-cases keys)
  await expectRoute({ source: 'header', name: 'x-tenant', exact: 'acme' }, [[REQ('/', [['X-TENANT', 'acme']]), 'hit']]);
});

test('invert negates any condition (including on an absent subject); ignore_case folds value and operand', async () => {
  const H = (v?: string) => REQ('/', v === undefined ? [] : [['x-tenant', v]]);
  await expectRoute({ source: 'header', name: 'x-tenant', exact: 'acme', invert: true }, [[H('acme'), 'miss'], [H('other'), 'hit'], [H(), 'hit']]);
  await expectRoute({ source: 'header', name: 'x-tenant', present: true, invert: true }, [[H(), 'hit'], [H('x'), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', exact: 'ACME', ignore_case: true }, [[H('acme'), 'hit'], [H('AcMe'), 'hit'], [H('acm'), 'miss']]);
  await expectRoute({ source: 'header', name: 'x-tenant', glob: 'A*', ignore_case: true, invert: true }, [[H('abc'), 'miss'], [H('bcd'), 'hit']]);
});

test('method and path (prefix, glob; the query string is not part of the path)', async () => {
  await expectRoute({ source: 'method', exact: 'POST' }, [[REQ('/', [], 'POST'), 'hit'], [REQ('/', [], 'GET'), 'miss']]);
  await expectRoute({ source: 'path', prefix: '/api/' }, [[REQ('/api/x'), 'hit'], [REQ('/apix'), 'miss'], [REQ('/other?/api/'), 'miss']]);
  await expectRoute({ source: 'path', glob: '/api/*/items' }, [[REQ('/api/v1/items'), 'hit'], [REQ('/api/v1/items?x=1'), 'hit'], [REQ('/api/v1/v2/items'), 'miss']]);
  await expectRoute({ source: 'path', glob: '/api/**' }, [[REQ('/api/a/b/c'), 'hit'], [REQ('/api/'), 'hit'], [REQ('/ap'), 'miss']]);
  await expectRoute({ source: 'path', exact: '/a' }, [[REQ('/a#frag'), 'hit'], [REQ('/a?q'), 'hit']]);
});

test('query parameters: decoded names and values, first occurrence, flags without "="', async () => {
  await expectRoute({ source: 'query', name: 'version', exact: 'v 2' }, [
    [REQ('/x?a=1&version=v+2'), 'hit'], [REQ('/x?version=v%202&version=v1'), 'hit'], [REQ('/x?version=v1&version=v%202'), 'miss'],
    [REQ('/x?%76ersion=v%202'), 'hit'], [REQ('/x'), 'miss'], [REQ('/x?version'), 'miss'], [REQ('/x#version=v+2'), 'miss'],
  ]);
  await expectRoute({ source: 'query', name: 'debug', present: true }, [[REQ('/x?debug'), 'hit'], [REQ('/x?debug='), 'hit'], [REQ('/x?debugger=1'), 'miss']]);
  await expectRoute({ source: 'query', name: 'q', exact: 'é' }, [[REQ('/x?q=%C3%A9'), 'hit'], [REQ('/x?q=%E9'), 'miss']]);
});

test('verified client id from the configured header (default x-road-client-verified), never from X-Road-Client', async () => {
  const c = { source: 'client_id', glob: 'EE/GOV/*/*' };
  await expectRoute(c, [
    [REQ('/', [['x-road-client-verified', 'EE/GOV/70000001/population']]), 'hit'],
    [REQ('/', [['x-road-client-verified', 'EE/COM/1/app']]), 'miss'],
    [REQ('/', [['x-road-client', 'EE/GOV/70000001/population']]), 'miss'],
    [REQ('/', [['x-road-client-verified', 'EE/GOV/70000001']]), 'miss'],
  ]);
  const p = await load({ ...oneRule({ source: 'client_id', exact: 'EE/GOV/1/a' }), client_id_header: 'X-Client-Id' });
  assert.equal(routeOf(send(p, REQ('/', [['x-client-id', 'EE/GOV/1/a']]))), 'hit');
  assert.equal(routeOf(send(p, REQ('/', [['x-road-client-verified', 'EE/GOV/1/a']]))), 'miss');
});

test('X-Road service id of an /r1/ path: INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE, parts percent-decoded', async () => {
  await expectRoute({ source: 'service_id', exact: 'EE/GOV/70000001/population/persons' }, [
    [REQ('/r1/EE/GOV/70000001/population/persons'), 'hit'],
    [REQ('/r1/EE/GOV/70000001/population/persons/v1/p/1?x=1'), 'hit'],
    [REQ('/r1/EE/GOV/70000001/population/persons?x=1'), 'hit'],
    [REQ('/r1/EE/GOV/70000001/popul%61tion/persons'), 'hit'],
    [REQ('/r1/EE/GOV/70000001/population'), 'miss'],
    [REQ('/r1/EE/GOV//population/persons'), 'miss'],
    [REQ('/r2/EE/GOV/70000001/population/persons'), 'miss'],
  ]);
  await expectRoute({ source: 'service_id', absent: true }, [[REQ('/r1/EE/GOV/1'), 'hit'], [REQ('/r1/A/B/C/D/E'), 'miss']]);
  await expectRoute({ source: 'service_id', glob: 'EE/GOV/*/*/persons' }, [[REQ('/r1/EE/GOV/1/s/persons/x'), 'hit'], [REQ('/r1/EE/COM/1/s/persons'), 'miss']]);
});

test(':authority with wildcards, the port ignored', async () => {
  await expectRoute({ source: 'authority', glob: '*.example.com' }, [
    [REQ('/', [], 'GET', 'api.example.com'), 'hit'], [REQ('/', [], 'GET', 'a.b.example.com:8443'), 'hit'],
    [REQ('/', [], 'GET', 'example.com'), 'miss'], [REQ('/', [], 'GET', 'example.com.evil.net'), 'miss'],
  ]);
  await expectRoute({ source: 'authority', exact: '[::1]' }, [[REQ('/', [], 'GET', '[::1]:80'), 'hit'], [REQ('/', [], 'GET', '[::1]'), 'hit']]);
});

test("Envoy's route name (xds.route_name) scopes a rule per route", async () => {
  await expectRoute({ source: 'route_name', exact: 'r1' }, [[REQ(), 'hit', 'r1'], [REQ(), 'miss', 'r2'], [REQ(), 'miss', undefined]]);
  await expectRoute({ source: 'route_name', absent: true }, [[REQ(), 'hit', undefined], [REQ(), 'miss', 'r1']]);
});

test('all conditions of a rule must hold; a rule without conditions always matches', async () => {
  const both = [{ source: 'method', exact: 'GET' }, { source: 'path', prefix: '/a' }];
  await expectRoute(both, [[REQ('/a', [], 'GET'), 'hit'], [REQ('/a', [], 'POST'), 'miss'], [REQ('/b', [], 'GET'), 'miss']]);
  await expectRoute([], [[REQ('/anything'), 'hit']]);
});

test('priorities: rules are tried in order, the first match wins; per-rule and unmatched counters', async () => {
  const p = await load({
    rules: [
      { name: 'canary', match: [{ source: 'header', name: 'x-canary', exact: 'true' }], actions: [{ type: 'route', cluster: 'v2' }] },
      { name: 'api', match: [{ source: 'path', prefix: '/api/' }], actions: [{ type: 'route', cluster: 'api' }] },
      { name: 'api-shadowed', match: [{ source: 'path', prefix: '/api/v1/' }], actions: [{ type: 'route', cluster: 'never' }] },
    ],
  });
  assert.equal(routeOf(send(p, REQ('/api/v1/x', [['x-canary', 'true']]))), 'v2');
  assert.equal(routeOf(send(p, REQ('/api/v1/x'))), 'api');
  assert.equal(routeOf(send(p, REQ('/api/v1/y'))), 'api');
  const none = send(p, REQ('/other'));
  assert.equal(routeOf(none), undefined);
  assert.equal(p.metric('header_routing_matches.rule=canary'), 1);
  assert.equal(p.metric('header_routing_matches.rule=api'), 2);
  assert.equal(p.metric('header_routing_matches.rule=api-shadowed') ?? 0, 0);
  assert.equal(p.metric('header_routing_unmatched'), 1);
});

// ------------------------------------------------------------------------------------------ actions

test('route header: configurable name; the client cannot choose the cluster (overwritten or stripped)', async () => {
  const p = await load({ route_header: 'X-Upstream', rules: [{ name: 'a', match: [{ source: 'path', prefix: '/a' }], actions: [{ type: 'route', cluster: 'ca' }] }] });
  const a = send(p, REQ('/a', [['x-upstream', 'admin-cluster'], ['x-upstream', 'other']]));
  assert.deepEqual(a.requestHeaders().filter(([k]) => k === 'x-upstream'), [['x-upstream', 'ca']]);
  const b = send(p, REQ('/b', [['x-upstream', 'admin-cluster']]));
  assert.equal(b.requestHeader('x-upstream'), undefined, 'no rule, no default: the client value is removed');
  assert.equal(foreignClears(p, b), 1);
  const q = await load({ strip_incoming_route_header: false });
  const c = send(q, REQ('/b', [['x-route-cluster', 'kept']]));
  assert.equal(routeOf(c), 'kept');
  assert.equal(foreignClears(q, c), 0);
});

test('default_cluster applies when no rule matched or the matched rule chose no cluster', async () => {
  const p = await load({ default_cluster: 'v1', rules: [{ name: 'hdr', match: [{ source: 'path', prefix: '/h' }], actions: [{ type: 'add_header', name: 'x-a', value: '1' }] }] });
  assert.equal(routeOf(send(p, REQ('/x'))), 'v1');
  const h = send(p, REQ('/h'));
  assert.equal(routeOf(h), 'v1');
  assert.equal(h.requestHeader('x-a'), '1');
});

test('header actions run in order: add, set, remove, rename (all values moved); pseudo-headers untouched', async () => {
  const p = await load({
    rules: [{
      name: 'h', actions: [
        { type: 'add_header', name: 'X-Added', value: 'a1' },
        { type: 'add_header', name: 'x-added', value: 'a2' },
        { type: 'set_header', name: 'x-set', value: 's' },
        { type: 'remove_header', name: 'x-drop' },
        { type: 'rename_header', from: 'x-old', to: 'x-new' },
        { type: 'rename_header', from: 'x-missing', to: 'x-never' },
      ],
    }],
  });
  const s = send(p, REQ('/', [['x-set', 'old1'], ['x-set', 'old2'], ['x-drop', '1'], ['x-drop', '2'], ['x-old', 'o1'], ['x-old', 'o2'], ['x-keep', 'k']]));
  const h = s.requestHeaders();
  assert.deepEqual(h.filter(([k]) => k === 'x-added'), [['x-added', 'a1'], ['x-added', 'a2']]);
  assert.deepEqual(h.filter(([k]) => k === 'x-set'), [['x-set', 's']]);
  assert.equal(s.requestHeader('x-drop'), undefined);
  assert.equal(s.requestHeader('x-old'), undefined);
  assert.deepEqual(h.filter(([k]) => k === 'x-new'), [['x-new', 'o1'], ['x-new', 'o2']]);
  assert.equal(s.requestHeader('x-never'), undefined);
  assert.equal(s.requestHeader('x-keep'), 'k');
  assert.equal(s.requestHeader(':path'), '/');
  assert.equal(foreignClears(p, s), 1, 'one explicit clear for the whole request');
});

test('rewrite_prefix changes :path (query kept) only when it starts with the prefix; set_authority', async () => {
  const p = await load({
    rules: [{
      name: 'rw', match: [{ source: 'path', prefix: '/r1/' }], actions: [
        { type: 'rewrite_prefix', prefix: '/r1/EE/GOV/1/pop/persons/', replacement: '/persons/' },
        { type: 'set_authority', value: 'persons.internal' },
        { type: 'route', cluster: 'tenant-ee' },
      ],
    }],
  });
  const a = send(p, REQ('/r1/EE/GOV/1/pop/persons/v1/42?full=1'));
  assert.equal(a.requestHeader(':path'), '/persons/v1/42?full=1');
  assert.equal(a.requestHeader(':authority'), 'persons.internal');
  assert.equal(routeOf(a), 'tenant-ee');
  const b = send(p, REQ('/r1/EE/GOV/1/pop/other/x'));
  assert.equal(b.requestHeader(':path'), '/r1/EE/GOV/1/pop/other/x');
  assert.equal(b.requestHeader(':authority'), 'persons.internal');
});

test('echo_header: the chosen cluster on the response, only when configured and a cluster was chosen', async () => {
  const p = await load({ echo_header: 'x-routed-to', rules: [{ name: 'a', match: [{ source: 'path', prefix: '/a' }], actions: [{ type: 'route', cluster: 'ca' }] }] });
  const a = send(p, REQ('/a'));
  a.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(a.responseHeader('x-routed-to'), 'ca');
  const b = send(p, REQ('/b'));
  b.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(b.responseHeader('x-routed-to'), undefined);
  const q = await load(oneRule([]));
  const c = send(q, REQ('/a'));
  c.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(c.responseHeader('x-routed-to'), undefined);
});

// ------------------------------------------------------------------------------------------ route cache

test('route cache: clear_route_cache called once per changed request, never for unchanged ones', async () => {
  const p = await load({
    default_cluster: 'v1',
    rules: [
      { name: 'hdr', match: [{ source: 'path', prefix: '/h' }], actions: [{ type: 'set_header', name: 'x-a', value: '1' }, { type: 'add_header', name: 'x-b', value: '2' }, { type: 'route', cluster: 'v2' }] },
      { name: 'rm', match: [{ source: 'path', prefix: '/rm' }], actions: [{ type: 'remove_header', name: 'x-gone' }] },
    ],
  });
  const changed = send(p, REQ('/h'));
  assert.equal(foreignClears(p, changed), 1);
  assert.ok(p.routeCacheClears(changed).filter((c) => c.kind === 'mutation').length >= 3, 'ABI 0.2.1: Envoy also clears on each mutation');
  // already routed to the right cluster by an earlier hop: nothing to change
  const same = send(p, REQ('/x', [['x-route-cluster', 'v1']]));
  assert.equal(routeOf(same), 'v1');
  assert.deepEqual(p.routeCacheClears(same), [], 'no mutation and no explicit clear');
  // remove_header of an absent header is not a change
  const noop = send(p, REQ('/rm', [['x-route-cluster', 'v1']]));
  assert.deepEqual(p.routeCacheClears(noop), []);
  const rm = send(p, REQ('/rm', [['x-route-cluster', 'v1'], ['x-gone', '1']]));
  assert.equal(foreignClears(p, rm), 1);
  // a no-rule, no-default config never touches anything
  const q = await load({});
  const s = send(q, REQ('/'));
  assert.deepEqual(q.routeCacheClears(s), []);
  assert.equal(p.metric('header_routing_route_cache_clears'), 2);
});

test('the explicit clear is the foreign function clear_route_cache, not proxy_clear_route_cache', async () => {
  const p = await load(oneRule([]));
  send(p, REQ('/'));
  assert.equal(p.hostcalls({ name: 'proxy_clear_route_cache' }).length, 0);
  const ff = p.hostcalls({ name: 'proxy_call_foreign_function' });
  assert.equal(ff.length, 1);
});

// ------------------------------------------------------------------------------------------ split

/** FNV-1a 32 over UTF-8 bytes, as documented in the README. */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}
const SPLIT = (hash: Cfg, w = [90, 10]) => ({
  rules: [{ name: 's', actions: [{ type: 'split', ...hash, clusters: [{ cluster: 'v1', weight: w[0] }, { cluster: 'v2', weight: w[1] }, ...(w.length > 2 ? [{ cluster: 'v3', weight: w[2] }] : [])] }] }],
});

test('weighted split, random (WASI): 100,000 requests within 1% of the weights 70/20/10', async () => {
  const p = await load(SPLIT({}, [70, 20, 10]));
  const n = 100_000;
  const count: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = send(p, REQ('/'));
    const c = routeOf(s)!;
    count[c] = (count[c] ?? 0) + 1;
    s.complete();
  }
  for (const [c, w] of [['v1', 0.7], ['v2', 0.2], ['v3', 0.1]] as const) {
    assert.ok(Math.abs(count[c] / n - w) < 0.01, `${c}: ${count[c]} of ${n}`);
  }
  assert.equal(p.metric('header_routing_matches.rule=s'), n);
});

test('weighted split sticky by request id: 100,000 ids within 1% of 90/10, and exactly the documented FNV-1a bucket', async () => {
  const p = await load(SPLIT({ hash_on: 'request_id' }));
  const n = 100_000;
  let v2 = 0;
  for (let i = 0; i < n; i++) {
    const id = `${(i * 2654435761 >>> 0).toString(16)}-4a7e-9b1c-${i.toString(16).padStart(12, '0')}`;
    const s = send(p, REQ('/', [['x-request-id', id]]));
    const want = fnv1a32(id) % 100 < 90 ? 'v1' : 'v2';
    const got = routeOf(s);
    if (got !== want) assert.fail(`request id ${id}: ${got}, documented hash says ${want}`);
    if (got === 'v2') v2++;
    s.complete();
  }
  assert.ok(Math.abs(v2 / n - 0.1) < 0.01, `v2: ${v2} of ${n}`);
});

test('sticky by a chosen header: same value → same cluster on every worker; non-ASCII hashed as UTF-8; missing key → random', async () => {
  const p = await load(SPLIT({ hash_on: 'header', header: 'X-User' }, [50, 50]), { workers: 3 });
  for (const user of ['alice', 'bob', 'carol', 'dave', 'émile', '日本', 'x'.repeat(5000)]) {
    const want = fnv1a32(user) % 100 < 50 ? 'v1' : 'v2';
    for (let w = 0; w < 3; w++) for (let k = 0; k < 3; k++) assert.equal(routeOf(send(p, REQ('/', [['x-user', user]]), { worker: w })), want, user.slice(0, 10));
  }
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(routeOf(send(p, REQ('/')))!);
  assert.deepEqual([...seen].sort(), ['v1', 'v2'], 'no key: random');
  assert.ok(p.hostcalls({ name: 'random_get' }).length >= 200);
});

test('weights of 0 never receive traffic; a single cluster gets everything', async () => {
  const p = await load(SPLIT({}, [0, 1]));
  for (let i = 0; i < 500; i++) assert.equal(routeOf(send(p, REQ('/'))), 'v2');
});

// ------------------------------------------------------------------------------------------ envoy.yaml

test('envoy/canary/envoy.yaml: x-canary: true → v2 always; ~10% of the rest → v2, echoed in x-routed-to', async () => {
  const cfg = envoyPluginConfig(new URL('../../envoy/canary/envoy.yaml', import.meta.url));
  assert.equal(cfg.rootId, ROOT_ID);
  const p = await load(cfg.configuration, { rootId: cfg.rootId, vmId: cfg.vmId });
  for (const v of ['true', 'TRUE', 'True']) {
    const s = send(p, REQ('/', [['x-canary', v], ['x-request-id', 'r-' + v]]));
    assert.equal(routeOf(s), 'v2');
    s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    assert.equal(s.responseHeader('x-routed-to'), 'v2');
  }
  let v2 = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const s = send(p, REQ('/', [['x-canary', 'false'], ['x-request-id', `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`]]));
    if (routeOf(s) === 'v2') v2++;
    s.complete();
  }
  assert.ok(Math.abs(v2 / n - 0.1) < 0.01, `${v2} of ${n}`);
  assert.equal(p.metric('header_routing_matches.rule=canary-opt-in'), 3);
  assert.equal(p.metric('header_routing_matches.rule=canary-10pct'), n);
});

test('filters/header-routing/envoy.yaml: X-Road service to its tenant with the prefix rewritten; green 20% sticky per client', async () => {
  const cfg = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await load(cfg.configuration, { rootId: cfg.rootId, vmId: cfg.vmId });
  const t = send(p, REQ('/r1/EE/GOV/70000001/population/persons/v1/1', [['x-road-client-verified', 'EE/GOV/1/app']]), { routeName: 'xroad' });
  assert.equal(routeOf(t), 'tenant-ee');
  assert.equal(t.requestHeader(':path'), '/persons/v1/1');
  assert.equal(t.requestHeader('x-tenant'), 'ee');
  const clients = Array.from({ length: 2000 }, (_, i) => `EE/COM/${i}/app`);
  let green = 0;
  for (const c of clients) {
    const a = routeOf(send(p, REQ('/r1/EE/COM/5/x/svc', [['x-road-client-verified', c]]), { routeName: 'xroad' }));
    assert.equal(routeOf(send(p, REQ('/other', [['x-road-client-verified', c]]), { routeName: 'xroad' })), a, 'sticky');
    if (a === 'provider-green') green++;
  }
  assert.ok(Math.abs(green / clients.length - 0.2) < 0.03, `${green}`);
  assert.equal(routeOf(send(p, REQ('/x'), { routeName: 'xroad' })), 'provider', 'no verified client: default');
});

// ------------------------------------------------------------------------------------------ bad input

test('bad input never traps: malformed query strings, huge values, invalid UTF-8, CR/LF in sticky keys', async () => {
  const p = await load({
    default_cluster: 'd',
    rules: [
      { name: 'q', match: [{ source: 'query', name: 'a', exact: 'x' }], actions: [{ type: 'route', cluster: 'q' }] },
      { name: 'g', match: [{ source: 'header', name: 'x-big', glob: '**a*b*c' }], actions: [{ type: 'route', cluster: 'g' }] },
      { name: 's', match: [{ source: 'service_id', present: true }], actions: [{ type: 'route', cluster: 's' }] },
      { name: 'u', match: [{ source: 'header', name: 'x-u', contains: '\uFFFD' }], actions: [{ type: 'route', cluster: 'u' }] },
      { name: 'split', match: [{ source: 'header', name: 'x-k', present: true }], actions: [{ type: 'split', hash_on: 'header', header: 'x-k', clusters: [{ cluster: 'k1', weight: 1 }, { cluster: 'k2', weight: 1 }] }] },
    ],
  }, { workers: 1 });
  const queries = ['?', '?&&&', '?=', '?==x', '?a', '?a=%', '?a=%4', '?a=%zz', '?a=%%78', '?%=x', '?a=x%', '?a=%C3', '?a=%ff%fe', '?a=' + '%'.repeat(10000),
    '?' + 'a=1&'.repeat(20000), '?a=x#', '??a=x', '?a=x&a=y', '?a=%78'];
  const want: Record<string, string> = { '?a=%78': 'q', '?a=x#': 'q', '?a=x&a=y': 'q', '??a=x': 'd' };
  for (const q of queries) assert.equal(routeOf(send(p, REQ('/p' + q))), want[q] ?? 'd', q.slice(0, 20));
  const huge = 'a'.repeat(1 << 20);
  assert.equal(routeOf(send(p, REQ('/', [['x-big', huge]]))), 'd', 'no b/c: glob fails without blowing up');
  assert.equal(routeOf(send(p, REQ('/', [['x-big', 'z'.repeat(100000) + 'abc']]))), 'g');
  assert.equal(routeOf(send(p, REQ('/r1/' + '%zz/'.repeat(4) + 'x'.repeat(100000)))), 's');
  assert.equal(routeOf(send(p, REQ('/r1/%C3/%/a/b/c'))), 's');
  assert.equal(routeOf(send(p, RAW([['x-u', '\xff\xfeok']]))), 'u', 'invalid UTF-8 decodes to U+FFFD');
  assert.equal(routeOf(send(p, RAW([['x-u', '\xc3\xa9']]))), 'd', 'valid UTF-8 é');
  assert.ok(['k1', 'k2'].includes(routeOf(send(p, RAW([['x-k', '\xff\x80\xc0']])))!));
  assert.ok(['k1', 'k2'].includes(routeOf(send(p, REQ('/', [['x-k', 'x'.repeat(1 << 20)]])))!));
  assert.equal(routeOf(send(p, REQ('/' + '/'.repeat(100000), [], 'X'.repeat(100000), 'h'.repeat(100000) + ':99999999999')))!, 'd');
  // missing pseudo-headers entirely
  const s = p.http();
  assert.equal(s.sendRequestHeaders([], { endOfStream: true }), 'Continue');
  assert.equal(routeOf(s), 'd');
  assert.equal(p.traps.length, 0);
  assert.equal(p.failed(0), false);
});

test('memory is stable over 20,000 requests with every kind of action', async () => {
  const cfg = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await load(cfg.configuration);
  const run = (i: number) => {
    const s = send(p, REQ(i % 2 ? `/r1/EE/GOV/70000001/population/persons/${i}?q=${i}` : `/x/${i}`, [['x-road-client-verified', `EE/COM/${i}/a`], ['x-route-cluster', 'spoof']]), { routeName: 'xroad' });
    s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    s.complete();
  };
  for (let i = 0; i < 2000; i++) run(i);
  const before = p.memoryPages();
  for (let i = 0; i < 20000; i++) run(i);
  assert.equal(p.memoryPages(), before);
});

// ------------------------------------------------------------------------------------------ bad configs

const BAD: Array<[string, unknown, RegExp]> = [
  ['not JSON', '{rules: []}', /config: /],
  ['not an object', '[]', /expected a JSON object/],
  ['unknown top-level field', { rulez: [] }, /'rulez': unknown field/],
  ['rules not an array', { rules: {} }, /'rules': expected an array/],
  ['unknown action', { rules: [{ actions: [{ type: 'redirect', cluster: 'x' }] }] }, /'rules\[0\]\.actions\[0\]\.type': expected one of route, split/],
  ['action without type', { rules: [{ actions: [{ cluster: 'x' }] }] }, /'rules\[0\]\.actions\[0\]\.type': required field missing/],
  ['empty weight set', { rules: [{ actions: [{ type: 'split', clusters: [] }] }] }, /'rules\[0\]\.actions\[0\]\.clusters': the weight set must not be empty/],
  ['all weights 0', { rules: [{ actions: [{ type: 'split', clusters: [{ cluster: 'a', weight: 0 }] }] }] }, /weights must not all be 0/],
  ['weight too big', { rules: [{ actions: [{ type: 'split', clusters: [{ cluster: 'a', weight: 1000001 }] }] }] }, /'rules\[0\]\.actions\[0\]\.clusters\[0\]\.weight': must be between 0 and 1000000/],
  ['negative weight', { rules: [{ actions: [{ type: 'split', clusters: [{ cluster: 'a', weight: -1 }] }] }] }, /weight': expected an unsigned integer/],
  ['split without weight', { rules: [{ actions: [{ type: 'split', clusters: [{ cluster: 'a' }] }] }] }, /weight': required field missing/],
  ['sticky header missing', { rules: [{ actions: [{ type: 'split', hash_on: 'header', clusters: [{ cluster: 'a', weight: 1 }] }] }] }, /'rules\[0\]\.actions\[0\]\.header': required/],
  ['bad hash_on', { rules: [{ actions: [{ type: 'split', hash_on: 'cookie', clusters: [{ cluster: 'a', weight: 1 }] }] }] }, /hash_on': expected one of random, header, request_id/],
  ['field of another action', { rules: [{ actions: [{ type: 'set_header', name: 'x', value: 'v', cluster: 'c' }] }] }, /'rules\[0\]\.actions\[0\]\.cluster': unknown field/],
  ['two route actions', { rules: [{ actions: [{ type: 'route', cluster: 'a' }, { type: 'route', cluster: 'b' }] }] }, /at most one route or split action/],
  ['no actions', { rules: [{ actions: [] }] }, /'rules\[0\]\.actions': must not be empty/],
  ['actions missing', { rules: [{ match: [] }] }, /'rules\[0\]\.actions': required field missing/],
  ['empty cluster', { rules: [{ actions: [{ type: 'route', cluster: '' }] }] }, /cluster': must not be empty/],
  ['unknown source', { rules: [{ match: [{ source: 'cookie', exact: 'x' }], actions: [{ type: 'route', cluster: 'a' }] }] }, /'rules\[0\]\.match\[0\]\.source': expected one of header, query/],
  ['two operators', { rules: [{ match: [{ source: 'method', exact: 'GET', prefix: 'G' }], actions: [{ type: 'route', cluster: 'a' }] }] }, /'rules\[0\]\.match\[0\]': exactly one of exact, prefix.*got 2/],
  ['no operator', { rules: [{ match: [{ source: 'method' }], actions: [{ type: 'route', cluster: 'a' }] }] }, /got 0/],
  ['present: false', { rules: [{ match: [{ source: 'header', name: 'x', present: false }], actions: [{ type: 'route', cluster: 'a' }] }] }, /present': must be true/],
  ['header condition without name', { rules: [{ match: [{ source: 'header', exact: 'x' }], actions: [{ type: 'route', cluster: 'a' }] }] }, /match\[0\]\.name': /],
  ['name on a method condition', { rules: [{ match: [{ source: 'method', name: 'x', exact: 'GET' }], actions: [{ type: 'route', cluster: 'a' }] }] }, /match\[0\]\.name': unknown field/],
  ['bad header name', { rules: [{ actions: [{ type: 'add_header', name: 'x y', value: '1' }] }] }, /name': "x y" is not a valid header name/],
  ['pseudo-header in an action', { rules: [{ actions: [{ type: 'set_header', name: ':path', value: '/' }] }] }, /pseudo-headers not allowed/],
  ['header action on the route header', { rules: [{ actions: [{ type: 'set_header', name: 'X-Route-Cluster', value: 'admin' }] }] }, /route header is written by route\/split actions only/],
  ['CR/LF in a value', { rules: [{ actions: [{ type: 'add_header', name: 'x', value: 'a\r\nb: c' }] }] }, /value': must not contain CR, LF or NUL/],
  ['rewrite prefix not absolute', { rules: [{ actions: [{ type: 'rewrite_prefix', prefix: 'api', replacement: '/' }] }] }, /prefix': must start with '\/'/],
  ['duplicate rule names', { rules: [{ name: 'a', actions: [{ type: 'route', cluster: 'x' }] }, { name: 'a', actions: [{ type: 'route', cluster: 'y' }] }] }, /'rules\[1\]\.name': duplicate rule name "a"/],
  ['bad rule name', { rules: [{ name: 'a.b', actions: [{ type: 'route', cluster: 'x' }] }] }, /'rules\[0\]\.name': must be 1-64 characters/],
  ['route_header pseudo', { route_header: ':authority' }, /'route_header': .*pseudo-headers not allowed/],
  ['strip not a bool', { strip_incoming_route_header: 'yes' }, /'strip_incoming_route_header': expected a boolean/],
  ['wrong type of ignore_case', { rules: [{ match: [{ source: 'method', exact: 'GET', ignore_case: 1 }], actions: [{ type: 'route', cluster: 'a' }] }] }, /ignore_case': expected a boolean/],
];

for (const [what, cfg, re] of BAD) {
  test(`bad config rejected with a named field: ${what}`, async () => {
    await assert.rejects(load(typeof cfg === 'string' ? cfg : JSON.stringify(cfg)), (e: unknown) => {
      assert.ok(e instanceof PluginStartError, String(e));
      const errs = e.logs!.filter((l) => l.message.startsWith('header-routing: ')).map((l) => l.message);
      assert.equal(errs.length, 1, errs.join(' | '));
      assert.match(errs[0], re);
      return true;
    });
  });
}

test('an empty configuration is valid: no rules, nothing changed', async () => {
  const p = await load('');
  const s = send(p, REQ('/', [['x-route-cluster', 'client']]));
  assert.equal(routeOf(s), undefined, 'stripped');
  assert.ok(p.logMessages({ level: 'info' }).some((m) => m.startsWith('header-routing: 0 rule(s)')));
});

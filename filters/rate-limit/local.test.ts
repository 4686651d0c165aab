// filters/rate-limit in local mode: its real .wasm in the host emulator with several worker VMs sharing
// one process (shared data, virtual clock).
//   node --import tsx --test filters/rate-limit/local.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, PluginStartError, WasmResult, type EmulatedPlugin, type EmulatorOptions, type HttpStreamHandle, type HostcallRecord } from '../../host/index.ts';
import { moduleBytes } from '../../test/lib/modules.ts';

const WASM = moduleBytes('filters/rate-limit');
// absent headers, slots created at configure, CAS mismatches the tests force: expected statuses
const STRICT = { allow: ['proxy_get_header_map_value:NotFound', 'proxy_get_shared_data:NotFound', 'proxy_set_shared_data:CasMismatch', 'proxy_get_property:NotFound'] };
type Cfg = Record<string, unknown>;

const load = (config: Cfg, o: Partial<EmulatorOptions> = {}): EmulatedPlugin =>
  Emulator.loadSync({ wasm: WASM, rootId: 'rate-limit', vmId: 'rl', pluginConfig: JSON.stringify(config), strict: STRICT, logLevel: 'info', ...o });

/** One rule on the verified client id, `rpu` per `unit`. */
const perClient = (rpu: number, unit = 'minute', extra: Cfg = {}, rule: Cfg = {}): Cfg => ({
  actions: [{ source: 'client_id' }],
  descriptors: [{ name: 'per-client', entries: [{ key: 'client_id' }], rate_limit: { requests_per_unit: rpu, unit }, ...rule }],
  max_keys: 64,
  ...extra,
});

const REQ = (client = 'EE/GOV/70000001/app', extra: Array<[string, string]> = []): Array<[string, string]> =>
  [[':method', 'GET'], [':path', '/r1/EE/GOV/70000002/reg/getPerson/v1'], [':authority', 'ss'], ['x-road-client-verified', client], ...extra];

/** Runs a request on `worker`; true when it was let through (headers continued), false on a 429. */
function send(p: EmulatedPlugin, worker = 0, h = REQ()): { ok: boolean; s: HttpStreamHandle } {
  const s = p.http({ worker });
  const a = s.sendRequestHeaders(h, { endOfStream: true });
  if (a === 'Continue') {
    s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    s.complete();
    return { ok: true, s };
  }
  assert.equal(s.localReply?.status, 429, `unexpected answer ${a} / ${JSON.stringify(s.localReply)}`);
  s.complete();
  return { ok: false, s };
}

/** Deterministic PRNG (mulberry32) so a failing interleaving can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Calls `hook` after every hostcall (keeping the emulator's strict-mode observer). */
function onHostcall(p: EmulatedPlugin, hook: (r: HostcallRecord) => void) {
  const prev = p.runtime.onHostcall;
  p.runtime.onHostcall = (r) => { prev?.(r); hook(r); };
}

// ------------------------------------------------------------------------------------------ exactness

test('4 worker VMs, 100/minute, one key: exactly 100 allowed under every interleaving tried', () => {
  const orders: Array<[string, (i: number, r: () => number) => number]> = [
    ['one worker', () => 0],
    ['round robin', (i) => i % 4],
    ['blocks of 7', (i) => Math.floor(i / 7) % 4],
    ['random', (_i, r) => Math.floor(r() * 4)],
  ];
  for (const [name, worker] of orders) {
    for (const seed of [1, 2, 3]) {
      const p = load(perClient(100), { workers: 4 });
      const r = rng(seed);
      let allowed = 0;
      for (let i = 0; i < 250; i++) if (send(p, worker(i, r)).ok) allowed++;
      assert.equal(allowed, 100, `${name} (seed ${seed})`);
      assert.equal(p.metric('rate_limit.allowed'), 100);
      assert.equal(p.metric('rate_limit.limited'), 150);
      if (name === 'one worker') break;
    }
  }
});

test('CAS mismatches forced between a worker\'s read and write: each retried, still exactly 100', () => {
  for (const seed of [7, 8, 9, 10]) {
    const p = load(perClient(100), { workers: 4 });
    const r = rng(seed);
    let allowed = 0, nested = 0;
    const busy: number[] = []; // workers in the middle of a callback (a worker thread runs one at a time)
    // After a worker read the bucket slot, another worker runs a whole request before the first one
    // writes: the first one's write then misses its CAS and must re-read (a real interleaving of two
    // Envoy worker threads). Nested requests may themselves be interrupted (by a worker not already mid-callback).
    onHostcall(p, (h) => {
      if (h.name !== 'proxy_get_shared_data' || !h.note?.startsWith('rate-limit.slot.') || h.status !== 0) return;
      const free = [0, 1, 2, 3].filter((w) => w !== h.worker && !busy.includes(w));
      if (busy.length >= 2 || free.length === 0 || r() < 0.5) return;
      const other = free[Math.floor(r() * free.length)];
      busy.push(h.worker);
      if (send(p, other).ok) allowed++;
      nested++;
      busy.pop();
    });
    for (let i = 0; i < 200; i++) if (send(p, Math.floor(r() * 4)).ok) allowed++;
    assert.equal(allowed, 100, `seed ${seed}`);
    assert.ok(nested > 20, `the test interleaved ${nested} requests`);
    const mismatches = p.hostcalls({ name: 'proxy_set_shared_data' }).filter((c) => c.status === WasmResult.CasMismatch).length;
    assert.ok(mismatches > 0, 'CAS mismatches happened');
    assert.equal(p.metric('rate_limit.cas_retries'), mismatches, 'every mismatch is one counted retry');
    assert.equal(p.metric('rate_limit.local_failures.reason=cas_exhausted') ?? 0, 0);
  }
});

test('refill over the virtual clock, to the token (100/minute = one token every 600 ms)', () => {
  const p = load(perClient(100), { workers: 2 });
  let allowed = 0;
  for (let i = 0; i < 120; i++) if (send(p, i % 2).ok) allowed++;
  assert.equal(allowed, 100);
  p.advance(599);
  assert.equal(send(p, 0).ok, false, '599 ms: no token yet');
  p.advance(1);
  assert.equal(send(p, 1).ok, true, '600 ms: one token');
  assert.equal(send(p, 0).ok, false, 'and only one');
  p.advance(6000);
  let n = 0;
  for (let i = 0; i < 20; i++) if (send(p, i % 2).ok) n++;
  assert.equal(n, 10, '6 s: ten tokens');
  p.advance(3_600_000);
  n = 0;
  for (let i = 0; i < 150; i++) if (send(p, i % 2).ok) n++;
  assert.equal(n, 100, 'an hour later: full again, never above capacity');
});

test('7/second: refill rounds to the millisecond, burst adds capacity, not rate', () => {
  const p = load(perClient(7, 'second', {}, { rate_limit: { requests_per_unit: 7, unit: 'second', burst: 3 } }));
  let n = 0;
  for (let i = 0; i < 20; i++) if (send(p).ok) n++;
  assert.equal(n, 10, 'capacity = requests_per_unit + burst');
  p.advance(142);
  assert.equal(send(p).ok, false, '142 ms × 7 < 1000');
  p.advance(1);
  assert.equal(send(p).ok, true, '143 ms × 7 ≥ 1000: one token');
});

test('keys are separate buckets; another client is not limited by the first', () => {
  const p = load(perClient(2));
  assert.deepEqual([send(p, 0, REQ('A')).ok, send(p, 0, REQ('A')).ok, send(p, 0, REQ('A')).ok], [true, true, false]);
  assert.deepEqual([send(p, 0, REQ('B')).ok, send(p, 0, REQ('B')).ok, send(p, 0, REQ('B')).ok], [true, true, false]);
});

// ------------------------------------------------------------------------------------------ answers

test('headers on allowed and limited answers (draft-03), 429 with Retry-After', () => {
  const p = load(perClient(2));
  const a = send(p).s;
  assert.equal(a.responseHeader('x-ratelimit-limit'), '2, 2;w=60');
  assert.equal(a.responseHeader('x-ratelimit-remaining'), '1');
  assert.equal(a.responseHeader('x-ratelimit-reset'), '30', 'next token in 30 s');
  p.advance(10_000);
  const b = send(p).s;
  assert.equal(b.responseHeader('x-ratelimit-remaining'), '0');
  assert.equal(b.responseHeader('x-ratelimit-reset'), '20');
  const c = send(p);
  assert.equal(c.ok, false);
  const lr = c.s.localReply!;
  assert.equal(lr.status, 429);
  const h = new Map(lr.headers);
  assert.equal(h.get('retry-after'), '20');
  assert.equal(h.get('x-ratelimit-limit'), '2, 2;w=60');
  assert.equal(h.get('x-ratelimit-remaining'), '0');
  assert.equal(h.get('x-ratelimit-reset'), '20');
  assert.equal(h.get('x-envoy-ratelimited'), 'true');
  assert.equal(lr.details, 'local_rate_limited');
  assert.equal(lr.body, 'local_rate_limited');
  assert.deepEqual(lr.extraHeaders, [['x-ratelimit-limit', '2, 2;w=60'], ['x-ratelimit-remaining', '0'], ['x-ratelimit-reset', '20'], ['retry-after', '20'], ['x-envoy-ratelimited', 'true']], 'the 429\'s own headers, in order, nothing else');
  assert.equal(c.s.requestHeadersForwarded, false);
});

test('enable_x_ratelimit_headers OFF: no x-ratelimit-* headers, 429 still has Retry-After', () => {
  const p = load(perClient(1, 'minute', { enable_x_ratelimit_headers: 'OFF' }));
  assert.equal(send(p).s.responseHeader('x-ratelimit-limit'), undefined);
  const c = send(p);
  assert.equal(c.ok, false);
  const h = new Map(c.s.localReply!.headers);
  assert.equal(h.get('retry-after'), '60');
  assert.equal(h.get('x-ratelimit-limit'), undefined);
  assert.deepEqual(c.s.localReply!.extraHeaders, [['retry-after', '60'], ['x-envoy-ratelimited', 'true']]);
});

test('shadow mode: counted and logged, never denied, no headers', () => {
  const p = load(perClient(2, 'minute', {}, { shadow_mode: true }));
  const oks = Array.from({ length: 5 }, () => send(p));
  assert.ok(oks.every((x) => x.ok));
  assert.equal(p.metric('rate_limit.shadow_limited'), 3);
  assert.equal(p.metric('rate_limit.limited') ?? 0, 0);
  assert.equal(oks[0].s.responseHeader('x-ratelimit-limit'), undefined);
  assert.ok(p.logMessages({ contains: 'shadow' }).length >= 3);
});

test('enforce_percentage: 0 lets everything through (counted), 100 denies, 50 denies about half', () => {
  const p0 = load(perClient(1, 'minute', { enforce_percentage: 0 }));
  for (let i = 0; i < 10; i++) assert.equal(send(p0).ok, true);
  assert.equal(p0.metric('rate_limit.not_enforced'), 9);
  const p100 = load(perClient(1, 'minute', { enforce_percentage: 100 }));
  assert.deepEqual([send(p100).ok, send(p100).ok], [true, false]);
  const p50 = load(perClient(1, 'minute', { enforce_percentage: 50 }));
  let denied = 0;
  for (let i = 0; i < 401; i++) if (!send(p50).ok) denied++;
  // binomial(400, 0.5): outside 120..280 has probability < 1e-15
  assert.ok(denied > 120 && denied < 280, `${denied} of 400 enforced`);
});

// ------------------------------------------------------------------------------------------ rules

test('the most specific rule wins: valued entries, then more entries, then config order', () => {
  const p = load({
    actions: [{ source: 'client_id' }, { source: 'method' }, { source: 'service_id' }],
    descriptors: [
      { name: 'any-client', entries: [{ key: 'client_id' }], rate_limit: { requests_per_unit: 1, unit: 'minute' } },
      { name: 'client+method', entries: [{ key: 'client_id' }, { key: 'method' }], rate_limit: { requests_per_unit: 2, unit: 'minute' } },
      { name: 'vip', entries: [{ key: 'client_id', value: 'VIP' }], rate_limit: { requests_per_unit: 5, unit: 'minute' } },
      { name: 'vip-service', entries: [{ key: 'client_id', value: 'VIP' }, { key: 'service_id', value: 'EE/GOV/70000002/reg/getPerson' }], rate_limit: { requests_per_unit: 3, unit: 'minute' } },
    ],
    max_keys: 64,
  });
  const count = (h: Array<[string, string]>) => { let n = 0; for (let i = 0; i < 10; i++) if (send(p, 0, h).ok) n++; return n; };
  assert.equal(count(REQ('VIP')), 3, 'VIP on the named service: two valued entries');
  assert.equal(count(REQ('VIP').map(([k, v]) => [k, k === ':path' ? '/r1/EE/GOV/70000002/reg/other' : v])), 5, 'VIP elsewhere');
  assert.equal(count(REQ('someone')), 2, 'client+method (two entries) over any-client');
  assert.equal(count(REQ('someone').filter(([k]) => k !== ':method')), 1, 'no method: any-client');
});

test('service_id is percent-decoded: a re-encoded /r1/ path shares the bucket (no dodging the limit)', () => {
  const p = load({
    actions: [{ source: 'service_id' }],
    descriptors: [{ name: 'per-service', entries: [{ key: 'service_id' }], rate_limit: { requests_per_unit: 2, unit: 'minute' } }],
    max_keys: 64,
  });
  const at = (path: string) => REQ().map(([k, v]): [string, string] => [k, k === ':path' ? path : v]);
  assert.ok(send(p, 0, at('/r1/EE/GOV/70000002/reg/getPerson/v1')).ok);
  assert.ok(send(p, 0, at('/r1/EE/GOV/7000%30002/r%65g/getPerson/v1?x=1')).ok, 'same service, other spelling');
  assert.equal(send(p, 0, at('/r1/%45E/GOV/70000002/reg/get%50erson')).ok, false, 'third request of the service is limited');
  assert.ok(send(p, 0, at('/r1/EE/GOV/70000002/reg/other/v1')).ok, 'another service has its own bucket');
});

test('entry sources: request header, remote address (port removed), path prefix, generic key; unmatched passes', () => {
  const p = load({
    actions: [
      { source: 'request_header', header_name: 'X-Api-Key', descriptor_key: 'api_key' },
      { source: 'remote_address' },
      { source: 'path_prefix', prefixes: ['/api', '/api/v2'] },
      { source: 'generic_key', descriptor_value: 'all' },
    ],
    descriptors: [
      { entries: [{ key: 'api_key' }], rate_limit: { requests_per_unit: 1, unit: 'hour' } },
      { entries: [{ key: 'path_prefix', value: '/api/v2' }, { key: 'remote_address' }], rate_limit: { requests_per_unit: 2, unit: 'hour' } },
      { entries: [{ key: 'generic_key' }], rate_limit: { requests_per_unit: 4, unit: 'day' } },
    ],
    max_keys: 64,
  });
  const run = (path: string, addr: string, extra: Array<[string, string]> = []) => {
    const s = p.http({ properties: { 'source.address': addr } });
    return s.sendRequestHeaders([[':method', 'GET'], [':path', path], [':authority', 'a'], ...extra], { endOfStream: true }) === 'Continue';
  };
  assert.deepEqual([run('/x', '10.0.0.1:1', [['x-api-key', 'k']]), run('/x', '10.0.0.1:2', [['x-api-key', 'k']])], [true, false]);
  // /api/v2/… by address (port not part of the key): 2 per address
  assert.deepEqual([run('/api/v2/a', '10.0.0.1:1'), run('/api/v2/b', '10.0.0.1:2'), run('/api/v2/c', '10.0.0.1:3')], [true, true, false]);
  assert.equal(run('/api/v2/a', '[::1]:5'), true, 'another address');
  // everything else: the generic key, 4 per day in total
  const rest = [run('/api/v1', '10.0.0.9:1'), run('/', '10.0.0.8:1'), run('/b', '10.0.0.7:1'), run('/c', '10.0.0.6:1'), run('/d', '10.0.0.5:1')];
  assert.deepEqual(rest, [true, true, true, true, false]);
  const q = load(perClient(1));
  const s = q.http();
  assert.equal(s.sendRequestHeaders([[':method', 'GET'], [':path', '/'], [':authority', 'a']], { endOfStream: true }), 'Continue');
  assert.equal(q.metric('rate_limit.unmatched'), 1, 'no client id: no rule applies');
});

// ------------------------------------------------------------------------------------------ bounds

test('max_keys bounds the keys; a full bucket is reclaimed; past the bound is counted and allowed (or 500 with failure_mode_deny)', () => {
  const p = load(perClient(1, 'second', { max_keys: 4 }));
  for (let i = 0; i < 4; i++) assert.equal(send(p, 0, REQ(`c${i}`)).ok, true);
  // 4 slots hold 4 buckets still refilling: a fifth key has no slot
  assert.equal(send(p, 0, REQ('c4')).ok, true);
  assert.equal(p.metric('rate_limit.local_failures.reason=key_overflow'), 1);
  assert.ok(p.logMessages({ level: 'warn', contains: 'max_keys' }).length === 1);
  p.advance(1000);
  // refilled: the slots are reclaimed by new keys
  for (let i = 5; i < 9; i++) assert.equal(send(p, 0, REQ(`c${i}`)).ok, true);
  assert.equal(p.metric('rate_limit.keys_reclaimed'), 8);
  assert.equal(send(p, 0, REQ('c5')).ok, false, 'a reclaimed slot is a real bucket');
  const keys = p.runtime.process.sharedDataKeys('rl');
  assert.deepEqual(keys.filter((k) => k !== 'rate-limit.slots').length, 4, `max_keys slots and nothing else: ${keys}`);
  assert.ok(keys.includes('rate-limit.slots'), 'the marker that lets later VMs skip creating the table');

  const d = load(perClient(1, 'second', { max_keys: 1, failure_mode_deny: true }));
  assert.equal(send(d, 0, REQ('a')).ok, true);
  const s = d.http();
  assert.notEqual(s.sendRequestHeaders(REQ('b'), { endOfStream: true }), 'Continue');
  assert.equal(s.localReply?.status, 500);
  assert.equal(d.metric('rate_limit.failure_denied'), 1);
});

test('a key search stops at the first empty slot: a new key costs one slot read; keys behind others are still found, exactly', () => {
  const p = load(perClient(1, 'second', { max_keys: 64 }));
  const slotCalls = (fn: () => void, on = p) => {
    const before = on.hostcalls().length;
    fn();
    const calls = on.hostcalls().slice(before).filter((h) => h.note?.startsWith('rate-limit.slot.'));
    return { gets: calls.filter((h) => h.name === 'proxy_get_shared_data').length, sets: calls.filter((h) => h.name === 'proxy_set_shared_data').length };
  };
  assert.deepEqual(slotCalls(() => assert.equal(send(p, 0, REQ('new')).ok, true)), { gets: 1, sets: 1 }, 'an empty table: the home slot is empty, nothing further to read');
  // 4 slots, 3 keys: some keys sit behind another key's slot, and one slot stays empty
  const q = load(perClient(1, 'second', { max_keys: 4 }), { vmId: 'rl4' });
  let behind = 0;
  for (let round = 0; round < 3; round++) {
    const keys = round < 2 ? ['k0', 'k1', 'k2'] : ['k3', 'k0', 'k2', 'k1']; // round 2: a 4th key takes over full buckets' slots
    for (const k of keys) assert.equal(send(q, 0, REQ(k)).ok, true, `round ${round}: ${k} allowed once`);
    for (const k of keys) {
      const { gets } = slotCalls(() => assert.equal(send(q, 0, REQ(k)).ok, false, `round ${round}: ${k} found again (not re-inserted further on)`), q);
      behind = Math.max(behind, gets);
    }
    q.advance(1000);
  }
  assert.ok(behind >= 2, 'some key was found behind another key\'s slot (else this test shows nothing)');
  assert.equal(q.metric('rate_limit.local_failures.reason=key_overflow') ?? 0, 0);
});

test('bad input: NUL bytes, control characters and 64 KiB values share one "<invalid>" bucket, never trap', () => {
  const p = load(perClient(2));
  const big = 'x'.repeat(65536);
  const oks = [send(p, 0, REQ('a\u0000b')).ok, send(p, 0, REQ(big)).ok, send(p, 0, REQ('tab\there')).ok];
  assert.deepEqual(oks, [true, true, false]);
  assert.equal(p.metric('rate_limit.invalid_values'), 3);
  assert.equal(send(p, 0, REQ('a')).ok, true, 'valid clients are unaffected');
  assert.equal(p.traps.length, 0);
  const near = 'y'.repeat(256);
  assert.equal(send(p, 0, REQ(near)).ok, true);
  assert.equal(p.metric('rate_limit.invalid_values'), 3, 'max_value_length (256) itself is fine');
  assert.deepEqual([send(p, 0, REQ(near)).ok, send(p, 0, REQ(near)).ok], [true, false], 'a 256-character id has its own bucket');
  assert.equal(send(p, 0, REQ('y'.repeat(257))).ok, false, 'one character more is "<invalid>" (its bucket is spent)');
  assert.equal(p.metric('rate_limit.invalid_values'), 4);
  // values outside printable ASCII take the string path: DEL is a control character, UTF-8 is a value
  assert.equal(send(p, 0, REQ('del\u007f')).ok, false, '"<invalid>" again');
  const utf8 = 'EE/GOV/70000001/k\u00e4ik';
  assert.deepEqual([send(p, 0, REQ(utf8)).ok, send(p, 0, REQ(utf8)).ok, send(p, 0, REQ(utf8)).ok], [true, true, false], 'a non-ASCII id has its own bucket');
  assert.equal(p.metric('rate_limit.invalid_values'), 5);
});

// ------------------------------------------------------------------------------------------ config

test('config errors name the field', () => {
  const bad = (cfg: Cfg, msg: RegExp) => {
    assert.throws(() => load(cfg), (e: unknown) => e instanceof PluginStartError && msg.test(e.message), `${JSON.stringify(cfg)} → ${msg}`);
  };
  const rule = (rl: Cfg) => ({ actions: [{ source: 'client_id' }], descriptors: [{ entries: [{ key: 'client_id' }], rate_limit: rl }] });
  bad(rule({ requests_per_unit: 0, unit: 'minute' }), /'descriptors\[0\]\.rate_limit\.requests_per_unit': must be between 1/);
  bad(rule({ requests_per_unit: -5, unit: 'minute' }), /'descriptors\[0\]\.rate_limit\.requests_per_unit'/);
  bad(rule({ requests_per_unit: 5, unit: 'fortnight' }), /'descriptors\[0\]\.rate_limit\.unit': expected one of/);
  bad(rule({ requests_per_unit: 5, unit: 'minute', burst: -1 }), /'descriptors\[0\]\.rate_limit\.burst'/);
  bad(rule({ requests_per_unit: 5 }), /'descriptors\[0\]\.rate_limit\.unit': required field missing/);
  bad({ actions: [{ source: 'client_id' }], descriptors: [{ entries: [{ key: 'nope' }], rate_limit: { requests_per_unit: 1, unit: 'second' } }] }, /'descriptors\[0\]\.entries\[0\]\.key': no action produces/);
  bad({ actions: [{ source: 'client_id' }], descriptors: [{ entries: [{ key: 'client_id' }] }] }, /'descriptors\[0\]\.rate_limit': required field missing/);
  bad({ actions: [{ source: 'cookie' }], descriptors: [] }, /'actions\[0\]\.source': expected one of/);
  bad({ actions: [{ source: 'request_header', header_name: 'x' }], descriptors: [] }, /'actions\[0\]\.descriptor_key': required for source request_header/);
  bad({ ...perClient(1), max_keys: 0 }, /'max_keys': must be between 1/);
  bad({ ...perClient(1), enforce_percentage: 101 }, /'enforce_percentage'/);
  bad({ ...perClient(1), mode: 'global' }, /'domain': required field missing/);
  bad({ ...perClient(1), domain: 'x' }, /'domain': only for mode global/);
  bad({ ...perClient(1), burst: 1 }, /'burst': unknown field/);
  bad({ ...perClient(1), descriptors: [{ entries: [{ key: 'client_id', value: '' }], rate_limit: { requests_per_unit: 1, unit: 'second' } }] }, /'descriptors\[0\]\.entries\[0\]\.value': must not be empty/);
});

test('max_cas_retries exhausted (every read interrupted): counted as a failure, allowed by default, 500 with failure_mode_deny', () => {
  for (const deny of [false, true]) {
    const p = load(perClient(100, 'minute', { max_cas_retries: 2, failure_mode_deny: deny }), { workers: 2 });
    let inside = false, nested = 0;
    onHostcall(p, (h) => {
      if (inside || h.worker !== 0 || h.name !== 'proxy_get_shared_data' || !h.note?.startsWith('rate-limit.slot.')) return;
      inside = true;
      nested++;
      send(p, 1);
      inside = false;
    });
    const s = p.http({ worker: 0 });
    const a = s.sendRequestHeaders(REQ(), { endOfStream: true });
    assert.equal(p.metric('rate_limit.local_failures.reason=cas_exhausted'), 1);
    assert.equal(p.metric('rate_limit.cas_retries'), 2);
    assert.equal(p.metric('rate_limit.allowed'), nested, 'only the interrupting requests (on worker 1) got a token');
    if (deny) assert.equal(s.localReply?.status, 500);
    else assert.equal(a, 'Continue');
  }
});

test('the slot table is created once per proxy: the first VM to configure creates max_keys slots, the others find the marker', () => {
  const p = load(perClient(100, 'minute', { max_keys: 500 }), { workers: 4 });
  // at configure (no request yet), by VM: Envoy's canary VM configures first, then one VM per worker
  const byVm = (name: string) => {
    const m = new Map<string, number>();
    for (const h of p.hostcalls({ name })) m.set(h.vmLabel, (m.get(h.vmLabel) ?? 0) + 1);
    return m;
  };
  const sets = byVm('proxy_set_shared_data'), gets = byVm('proxy_get_shared_data');
  assert.equal(gets.size, 5, `canary + 4 workers configured: ${[...gets.keys()]}`);
  assert.deepEqual([...sets.values()], [501], `one VM wrote the 500 slots and the marker: ${[...sets]}`);
  const [creator] = sets.keys();
  for (const [vm, n] of gets) if (vm !== creator) assert.equal(n, 1, `${vm} read only the marker`);
  assert.equal(p.runtime.process.sharedDataKeys('rl').length, 501);
  // every worker still shares the buckets: 100 per minute across the 4 VMs
  let ok = 0;
  for (let i = 0; i < 120; i++) if (send(p, i % 4).ok) ok++;
  assert.equal(ok, 100);
  // a configuration with a larger table creates only what is missing
  p.reconfigure({ pluginConfig: JSON.stringify(perClient(100, 'minute', { max_keys: 600 })) });
  assert.equal(p.runtime.process.sharedDataKeys('rl').length, 601);
});

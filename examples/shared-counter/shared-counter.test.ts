// Runs examples/shared-counter/build/shared-counter.wasm in the host emulator.
//   node --import tsx --test examples/shared-counter/shared-counter.test.ts   (build first)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Emulator, HeaderMap, Plugin, ProcessState, type EmulatorOptions, type EmulatedPlugin, type HeadersInit } from '../../host/index.ts';
import { envoyPluginConfig } from '../envoy-config.ts';

const WASM = new URL('./build/shared-counter.wasm', import.meta.url).pathname;
const KEY = 'shared_counter.requests';
// Expected non-Ok statuses: the canary finds the key missing once; conflicts are the point of the tests.
const STRICT = { allow: ['proxy_get_shared_data:NotFound', 'proxy_set_shared_data:CasMismatch'] };
const GET: Array<[string, string]> = [[':method', 'GET'], [':path', '/'], [':authority', 'example']];

const load = (config: object = {}, o: Partial<EmulatorOptions> = {}) =>
  Emulator.load({ wasm: WASM, rootId: 'shared-counter', vmId: 'counter', pluginConfig: JSON.stringify(config), strict: STRICT, logLevel: 'info', ...o });

function request(p: EmulatedPlugin, worker = 0, headers: HeadersInit = GET) {
  const s = p.http({ worker });
  assert.equal(s.sendRequestHeaders(headers, { endOfStream: true }), 'Continue');
  return s;
}
function respond(s: ReturnType<typeof request>) {
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  s.complete();
  return s.responseHeader('x-request-count');
}

/**
 * Another member of the process writing the key right after the guest's proxy_get_shared_data and
 * before its proxy_set_shared_data (the hook runs synchronously inside the hostcall record): the guest's
 * CAS is then stale. `when(n)` decides for the n-th guest read; each interference adds 1.
 */
function interfere(p: EmulatedPlugin, when: (n: number) => boolean) {
  const state = { reads: 0, writes: 0 };
  const strictHook = p.runtime.onHostcall;
  p.runtime.onHostcall = (r) => {
    strictHook?.(r);
    if (r.name !== 'proxy_get_shared_data' || r.note !== KEY || r.worker < 0) return;
    if (!when(state.reads++)) return;
    const cur = Number(p.sharedData(KEY)!.value);
    p.setSharedData(KEY, String(cur + 1));
    state.writes++;
  };
  return state;
}

test('the key is created once, by the canary, before any worker starts; workers leave it alone', async () => {
  const p = await load({}, { workers: 4 });
  assert.equal(p.sharedData(KEY)?.value, '0');
  const sets = p.hostcalls({ name: 'proxy_set_shared_data' });
  assert.deepEqual(sets.map((h) => h.worker), [-2], 'one write, from the canary (worker -2)');
  assert.equal(p.logMessages({ level: 'info', contains: 'created' }).length, 1);
});

test('each request gets the next number in x-request-count; the response header is set, not appended', async () => {
  const p = await load();
  for (let i = 1; i <= 5; i++) {
    const s = request(p);
    s.sendResponseHeaders([[':status', '200'], ['x-request-count', 'spoofed']], { endOfStream: true });
    assert.equal(s.responseHeader('x-request-count'), String(i));
  }
  assert.equal(p.sharedData(KEY)?.value, '5');
});

test('4 workers, 2,000 interleaved requests: numbers are unique, 1..2000, and the total is exact', async () => {
  const p = await load({}, { workers: 4 });
  const open: Array<ReturnType<typeof request>> = [];
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    open.push(request(p, (i * 7) % 4));
    // answer in a scrambled order, several streams open at once on every worker
    if (open.length >= 9) seen.add(respond(open.splice((i * 5) % open.length, 1)[0])!);
  }
  for (const s of open) seen.add(respond(s)!);
  assert.equal(seen.size, 2000);
  assert.deepEqual([...seen].map(Number).sort((a, b) => a - b), Array.from({ length: 2000 }, (_, i) => i + 1));
  assert.equal(p.sharedData(KEY)?.value, '2000');
  assert.equal(p.metric('shared_counter.cas_retries'), undefined, 'no conflicts without interference: never defined');
});

test('forced CAS conflicts: a writer between get and set on every 3rd read → retries, and the total stays exact', async () => {
  const p = await load({}, { workers: 4 });
  const ext = interfere(p, (n) => n % 3 === 0);
  const got: number[] = [];
  for (let i = 0; i < 1200; i++) got.push(Number(respond(request(p, i % 4))));
  assert.ok(ext.writes >= 400, `interfered ${ext.writes} times`);
  assert.equal(Number(p.sharedData(KEY)!.value), 1200 + ext.writes, 'guest increments + external increments');
  assert.equal(new Set(got).size, 1200, 'every request got its own number');
  assert.ok(got.every((n) => n >= 1 && n <= 1200 + ext.writes));
  // Each interference costs exactly one retry; the counter is per worker VM in the host, summed here.
  assert.equal(p.metric('shared_counter.cas_retries'), ext.writes);
  assert.equal(p.metric('shared_counter.dropped'), undefined);
});

test('bounded retries: a writer that wins every time → the guest gives up after max_retries+1 attempts, no header, dropped metric, warn', async () => {
  const p = await load({ max_retries: 2 });
  const ext = interfere(p, () => true);
  const s = request(p);
  assert.equal(respond(s), undefined);
  assert.equal(ext.writes, 3);
  assert.equal(p.sharedData(KEY)?.value, '3', 'only the external increments landed');
  assert.equal(p.metric('shared_counter.cas_retries'), 2);
  assert.equal(p.metric('shared_counter.dropped'), 1);
  assert.deepEqual(p.logMessages({ level: 'warn' }), [`shared-counter: increment of ${KEY} gave up after 3 attempts`]);
  // the next request, without interference, counts normally
  ext.writes = 0;
  p.runtime.onHostcall = null;
  assert.equal(respond(request(p)), '4');
});

test('plugins with the same vm_id share the counter; another vm_id has its own', async () => {
  const process = new ProcessState();
  const a = await load({}, { process, vmId: 'counter', workers: 2 });
  const b = await load({}, { process, vmId: 'counter', workers: 2 });
  const c = await load({}, { process, vmId: 'other' });
  assert.equal(respond(request(a, 1)), '1');
  assert.equal(respond(request(b, 0)), '2');
  assert.equal(respond(request(a, 0)), '3');
  assert.equal(respond(request(c)), '1');
  assert.equal(a.sharedData(KEY, 'counter')?.value, '3');
  assert.equal(c.sharedData(KEY, 'other')?.value, '1');
});

test('a custom key/header, and a key that holds garbage: restart at 1 with a warning, never a trap', async () => {
  const p = await load({ key: 'hits', header: 'x-hits', max_retries: 0 });
  const s = request(p);
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  assert.equal(s.responseHeader('x-hits'), '1');
  assert.equal(p.sharedData('hits')?.value, '1');
  for (const junk of ['abc', '', '-5', '99999999999999999999', '\u0000\u0001', new Uint8Array([0xff, 0xfe, 0x00])]) {
    p.setSharedData('hits', junk as string | Uint8Array);
    const t = request(p);
    t.sendResponseHeaders([[':status', '200']], { endOfStream: true });
    assert.equal(t.responseHeader('x-hits'), '1');
  }
  assert.equal(p.logs({ level: 'warn', contains: 'does not hold a number' }).length, 6);
  assert.equal(p.traps.length, 0);
});

test('malformed input never traps: NUL and invalid UTF-8 in headers, empty maps, 1,000 headers', async () => {
  const p = await load();
  const inputs: HeadersInit[] = [
    new HeaderMap([[':path', '/\u0000'], ['x', '\xff\xfe'], ['y', '\xc3']]),
    [],
    Array.from({ length: 1000 }, (_, i) => [`x-${i}`, 'v'] as [string, string]),
  ];
  let n = 0;
  for (const h of inputs) {
    const s = request(p, 0, h);
    s.sendResponseHeaders(new HeaderMap([[':status', '200'], ['x-bad', '\xff\u0000']]), { endOfStream: true });
    assert.equal(s.responseHeader('x-request-count'), String(++n));
    s.sendResponseHeaders([], { endOfStream: true }); // ignored: headers already went downstream
  }
  const e = request(p);
  e.sendResponseHeaders([], { endOfStream: true }); // an empty response map
  assert.equal(e.responseHeader('x-request-count'), '4');
  assert.equal(p.traps.length, 0);
});

for (const [name, config, field] of [
  ['empty key', { key: '' }, "config field 'key': must not be empty"],
  ['upper-case header', { header: 'X-Count' }, "config field 'header': must be a lower-case header name"],
  ['pseudo-header', { header: ':status' }, "config field 'header': must be a lower-case header name"],
  ['negative max_retries', { max_retries: -1 }, "config field 'max_retries': expected an unsigned integer, got"],
  ['max_retries too large', { max_retries: 5000 }, "config field 'max_retries': must be between 0 and 1000, got 5000"],
  ['key as a number', { key: 7 }, "config field 'key': expected a string, got"],
  ['unknown field', { retries: 3 }, "config field 'retries': unknown field"],
] as const) {
  test(`bad config rejected (${name}): onConfigure false, error log names the field`, () => {
    const pl = new Plugin({ wasm: new Uint8Array(readFileSync(WASM)), rootId: 'shared-counter', vmId: 'counter', pluginConfig: JSON.stringify(config) });
    assert.throws(() => pl.start(), /proxy_on_configure returned false/);
    const errors = pl.logs.filter((l) => l.levelName === 'error').map((l) => l.message);
    assert.ok(errors.some((m) => m === `shared-counter: ${field}` || m.startsWith(`shared-counter: ${field}`)), JSON.stringify(errors));
  });
}

test('the configuration in envoy.yaml loads and is used', async () => {
  const y = envoyPluginConfig(new URL('./envoy.yaml', import.meta.url));
  const p = await Emulator.load({ wasm: WASM, rootId: y.rootId, vmId: y.vmId, pluginConfig: y.configuration, workers: 4, strict: STRICT });
  assert.equal(respond(request(p, 3)), '1');
  assert.equal(p.sharedData(KEY, 'shared-counter')?.value, '1');
});

test('memory is stable: 20,000 requests over 2 workers (with conflicts) leave the page count unchanged', async () => {
  const p = await load({}, { workers: 2, strict: false, logLevel: 'warn', recordLimit: 0 });
  interfere(p, (n) => n % 10 === 0);
  const run = (k: number) => { for (let i = 0; i < k; i++) respond(request(p, i & 1)); };
  run(2000);
  const warm = [p.memoryPages(0), p.memoryPages(1)];
  run(20000);
  assert.deepEqual([p.memoryPages(0), p.memoryPages(1)], warm);
  assert.equal(p.traps.length, 0);
});

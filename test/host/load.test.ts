// Envoy load check (host/wasm): hand-made modules must be refused exactly where Envoy refuses them.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  EnvoyLoadError,
  WasmFormatError,
  assertLoadable,
  formatSignature,
  parseModule,
  validateModule,
  hostImports,
  callbackSignatures,
  ENV_IMPORTS_BY_ABI,
  type ModuleCheck,
} from '../../host/wasm/index.ts';
import { HEADER, VOID, bytes, leb, moduleWat, section, sig, str, wasm, type ModuleSpec } from '../fixtures/load/modules.ts';

const check = (spec: ModuleSpec | string, opts?: { newestCppHost?: boolean }) => validateModule(wasm(spec), opts);

function refused(c: ModuleCheck, ...fragments: string[]) {
  assert.equal(c.ok, false, `expected refusal, got ok (warnings: ${c.warnings.join('; ')})`);
  for (const f of fragments) {
    assert.ok(c.errors.some((e) => e.includes(f)), `no error contains ${JSON.stringify(f)}; errors: ${JSON.stringify(c.errors)}`);
  }
}

function loads(c: ModuleCheck) {
  assert.deepEqual(c.errors, [], 'expected the module to load');
  assert.equal(c.ok, true);
}

describe('load check: positive', () => {
  test('minimal 0.2.1 module loads', () => {
    const c = check({ imports: [{ name: 'proxy_log', params: ['i32', 'i32', 'i32'], results: ['i32'] }] });
    loads(c);
    assert.equal(c.abiVersion, '0.2.1');
    assert.equal(c.allocator, 'malloc');
    assert.deepEqual(c.startFunctions, ['_initialize']);
    assert.deepEqual(c.warnings, []);
  });

  test('a 0.2.1 module with a typical SDK import/export surface loads', () => {
    const c = check({
      imports: [
        { name: 'proxy_log', ...sig(3) },
        { name: 'proxy_get_header_map_value', ...sig(5) },
        { name: 'proxy_send_local_response', ...sig(8) },
        { name: 'proxy_http_call', ...sig(10) },
        { name: 'proxy_grpc_call', ...sig(12) },
        { name: 'proxy_increment_metric', params: ['i32', 'i64'], results: ['i32'] },
        { name: 'proxy_record_metric', params: ['i32', 'i64'], results: ['i32'] },
        { name: 'proxy_continue_stream', ...sig(1) },
        { name: 'proxy_close_stream', ...sig(1) },
        { name: 'proxy_get_log_level', ...sig(1) },
        { name: 'proxy_done', ...sig(0) },
        { name: 'emscripten_notify_memory_growth', ...sig(1, VOID) },
        { module: 'wasi_snapshot_preview1', name: 'fd_write', ...sig(4) },
        { module: 'wasi_snapshot_preview1', name: 'proc_exit', ...sig(1, VOID) },
        { module: 'wasi_snapshot_preview1', name: 'random_get', ...sig(2) },
        { module: 'wasi_snapshot_preview1', name: 'clock_time_get', params: ['i32', 'i64', 'i32'], results: ['i32'] },
        { module: 'wasi_unstable', name: 'fd_write', ...sig(4) },
      ],
      exports: {
        proxy_on_context_create: sig(2, VOID),
        proxy_on_vm_start: sig(2),
        proxy_on_configure: sig(2),
        proxy_on_request_headers: sig(3),
        proxy_on_request_body: sig(3),
        proxy_on_request_trailers: sig(2),
        proxy_on_response_headers: sig(3),
        proxy_on_http_call_response: sig(5, VOID),
        proxy_on_grpc_receive_trailing_metadata: sig(3, VOID),
        proxy_on_foreign_function: sig(3, VOID),
        proxy_on_tick: sig(1, VOID),
        proxy_on_done: sig(1),
        proxy_on_log: sig(1, VOID),
        proxy_on_delete: sig(1, VOID),
        envoy_on_resolve_dns: sig(3, VOID),
        // not looked up by Envoy, so any signature is accepted
        proxy_on_grpc_trailing_metadata: sig(1, VOID),
        free: sig(1, VOID),
      },
    });
    loads(c);
  });

  test('every import and callback of the 0.2.1 tables is accepted with its own signature', () => {
    const imports = [...hostImports('0.2.1')].map(([k, s]) => {
      const dot = k.indexOf('.');
      return { module: k.slice(0, dot), name: k.slice(dot + 1), params: s.params as never, results: s.results as never };
    });
    const exports = Object.fromEntries([...callbackSignatures('0.2.1')].map(([n, s]) => [n, s as never]));
    loads(check({ imports, exports }));
  });

  test('a 0.2.0 module loads (continue_stream, 3-arg headers callback)', () => {
    const c = check({
      abi: '0.2.0',
      imports: [{ name: 'proxy_continue_stream', ...sig(1) }, { name: 'proxy_close_stream', ...sig(1) }],
      exports: { proxy_on_request_headers: sig(3) },
    });
    loads(c);
    assert.equal(c.abiVersion, '0.2.0');
  });

  test('a 0.1.0 module loads (0.1.0-only imports, 2-arg headers callback, continue_request () -> i32)', () => {
    const c = check({
      abi: '0.1.0',
      imports: [
        { name: 'proxy_get_configuration', ...sig(2) },
        { name: 'proxy_continue_request', ...sig(0) },
        { name: 'proxy_continue_response', ...sig(0) },
        { name: 'proxy_clear_route_cache', ...sig(0) },
      ],
      exports: { proxy_on_request_headers: sig(2), proxy_on_response_headers: sig(2), proxy_on_foreign_function: sig(1) },
    });
    loads(c); // proxy_on_foreign_function is not looked up for 0.1.0
    assert.equal(c.abiVersion, '0.1.0');
  });

  test('malloc is preferred over proxy_on_memory_allocate', () => {
    const c = check({ allocators: ['proxy_on_memory_allocate', 'malloc'] });
    loads(c);
    assert.equal(c.allocator, 'malloc');
  });

  test('proxy_on_memory_allocate alone is enough', () => {
    const c = check({ allocators: ['proxy_on_memory_allocate'] });
    loads(c);
    assert.equal(c.allocator, 'proxy_on_memory_allocate');
  });

  test('start functions: _initialize + main, _start alone', () => {
    assert.deepEqual(check({ exports: { main: sig(2) } }).startFunctions, ['_initialize', 'main']);
    const s = check({ start: '_start' });
    loads(s);
    assert.deepEqual(s.startFunctions, ['_start']);
  });

  test('__main_void is only used (and checked) by the newest cpp-host', () => {
    loads(check({ exports: { __main_void: sig(1, VOID) } }));
    refused(check({ exports: { __main_void: sig(1, VOID) } }, { newestCppHost: true }), 'Bad function signature for: __main_void');
    assert.deepEqual(check({ exports: { __main_void: sig(0) } }, { newestCppHost: true }).startFunctions, ['_initialize', '__main_void']);
  });

  test('a wasm start section is a warning, not an error', () => {
    const c = check({ startSection: true });
    loads(c);
    assert.ok(c.warnings.some((w) => w.includes('start section')));
  });

  test('first exported function marker wins', () => {
    const c = check({ abi: '0.2.0', exports: { proxy_abi_version_0_2_1: {} }, imports: [{ name: 'proxy_get_log_level', ...sig(1) }] });
    assert.equal(c.abiVersion, '0.2.0');
    refused(c, 'missing import: env.proxy_get_log_level');
  });

  test('assertLoadable returns the check for a good module', () => {
    assert.equal(assertLoadable(wasm()).abiVersion, '0.2.1');
  });
});

describe('load check: imports', () => {
  test('unknown env import', () => {
    refused(check({ imports: [{ name: 'proxy_foo', ...sig(1) }] }), 'missing import: env.proxy_foo');
  });

  test('AssemblyScript default env.abort is refused', () => {
    refused(check({ imports: [{ name: 'abort', ...sig(4, VOID) }] }), 'missing import: env.abort');
  });

  test('unknown import module', () => {
    refused(check({ imports: [{ module: 'foo', name: 'proxy_log', ...sig(3) }] }), 'missing import: foo.proxy_log');
  });

  test('proxy_log with 2 params', () => {
    refused(
      check({ imports: [{ name: 'proxy_log', ...sig(2) }] }),
      'import type mismatch for env.proxy_log: expected (i32,i32,i32)->i32, got (i32,i32)->i32',
    );
  });

  test('proxy_log without a result', () => {
    refused(check({ imports: [{ name: 'proxy_log', ...sig(3, VOID) }] }), 'import type mismatch for env.proxy_log: expected (i32,i32,i32)->i32, got (i32,i32,i32)->()');
  });

  test('proxy_increment_metric with i32 instead of i64', () => {
    refused(
      check({ imports: [{ name: 'proxy_increment_metric', ...sig(2) }] }),
      'import type mismatch for env.proxy_increment_metric: expected (i32,i64)->i32, got (i32,i32)->i32',
    );
  });

  test('emscripten_notify_memory_growth must return nothing', () => {
    refused(check({ imports: [{ name: 'emscripten_notify_memory_growth', ...sig(1) }] }), 'import type mismatch for env.emscripten_notify_memory_growth');
  });

  test('0.1.0 proxy_continue_request declared () -> () fails the type check', () => {
    refused(check({ abi: '0.1.0', imports: [{ name: 'proxy_continue_request', ...sig(0, VOID) }] }), 'import type mismatch for env.proxy_continue_request: expected ()->i32, got ()->()');
  });

  test('WASI clock_time_get with an i32 precision', () => {
    refused(
      check({ imports: [{ module: 'wasi_snapshot_preview1', name: 'clock_time_get', ...sig(3) }] }),
      'import type mismatch for wasi_snapshot_preview1.clock_time_get: expected (i32,i64,i32)->i32',
    );
  });

  test('imported global is refused', () => {
    refused(check({ rawImports: '(import "env" "g" (global i32))' }), 'missing import: env.g', 'imported globals');
  });

  test('imported memory and table are accepted (created by the host)', () => {
    const text = moduleWat({ memory: false, rawImports: '(import "env" "memory" (memory 1)) (import "env" "table" (table 1 funcref))' });
    const c = check(text);
    loads(c);
    assert.equal(c.info!.memory.imported, true);
  });

  test('0.2.1 module importing a 0.1.0-only name (proxy_clear_route_cache)', () => {
    refused(check({ imports: [{ name: 'proxy_clear_route_cache', ...sig(0) }] }), 'missing import: env.proxy_clear_route_cache', 'only registered for ABI 0.1.0');
  });

  test('0.2.1 module importing proxy_get_configuration / proxy_continue_request', () => {
    refused(
      check({ imports: [{ name: 'proxy_get_configuration', ...sig(2) }, { name: 'proxy_continue_request', ...sig(0) }] }),
      'missing import: env.proxy_get_configuration',
      'missing import: env.proxy_continue_request',
    );
  });

  test('0.2.0 module importing proxy_get_log_level', () => {
    refused(check({ abi: '0.2.0', imports: [{ name: 'proxy_get_log_level', ...sig(1) }] }), 'missing import: env.proxy_get_log_level');
  });

  test('0.1.0 module importing proxy_continue_stream', () => {
    refused(check({ abi: '0.1.0', imports: [{ name: 'proxy_continue_stream', ...sig(1) }] }), 'missing import: env.proxy_continue_stream');
  });

  test('newest-cpp-host WASI stubs are refused by default, accepted with newestCppHost', () => {
    const spec: ModuleSpec = { imports: [{ module: 'wasi_snapshot_preview1', name: 'fd_tell', ...sig(2) }] };
    refused(check(spec), 'missing import: wasi_snapshot_preview1.fd_tell');
    loads(check(spec, { newestCppHost: true }));
  });

  test("path_link with real WASI's 7 params does not match the host's 6", () => {
    refused(
      check({ imports: [{ module: 'wasi_unstable', name: 'path_link', ...sig(7) }] }, { newestCppHost: true }),
      'import type mismatch for wasi_unstable.path_link: expected (i32,i32,i32,i32,i32,i32)->i32',
    );
  });

  test('every problem is reported, in pipeline order', () => {
    const c = check({ allocators: [], imports: [{ name: 'nope', ...sig(0) }, { name: 'proxy_log', ...sig(1) }] });
    assert.equal(c.errors.length, 3);
    assert.match(c.errors[0], /missing import: env\.nope/);
    assert.match(c.errors[1], /import type mismatch for env\.proxy_log/);
    assert.match(c.errors[2], /Wasm module is missing malloc function/);
  });
});

describe('load check: ABI marker and exports', () => {
  test('no ABI marker', () => {
    const c = check({ abi: null });
    refused(c, 'Missing or unknown Proxy-Wasm ABI version');
    assert.equal(c.errors.length, 1);
    assert.equal(c.abiVersion, null);
  });

  test('proxy_abi_version_0_x_x marker only', () => {
    refused(check({ abi: 'proxy_abi_version_0_x_x' }), 'Missing or unknown Proxy-Wasm ABI version', 'not recognised');
  });

  test('a marker exported as a global does not count', () => {
    refused(
      check({ abi: null, extra: '(global $g i32 (i32.const 0)) (export "proxy_abi_version_0_2_1" (global $g))' }),
      'Missing or unknown Proxy-Wasm ABI version',
    );
  });

  test('no allocator', () => {
    const c = check({ allocators: [] });
    refused(c, 'Wasm module is missing malloc function');
    assert.equal(c.allocator, null);
  });

  test('malloc with a bad signature fails even when proxy_on_memory_allocate is fine', () => {
    const c = check({ allocators: ['proxy_on_memory_allocate'], exports: { malloc: sig(2) } });
    refused(c, 'Bad function signature for: malloc');
    assert.equal(c.allocator, 'proxy_on_memory_allocate');
  });

  test('wrong callback signature: proxy_on_request_headers with 2 params in 0.2.1', () => {
    refused(
      check({ exports: { proxy_on_request_headers: sig(2) } }),
      'Bad function signature for: proxy_on_request_headers, expected (i32,i32,i32)->i32, got (i32,i32)->i32',
    );
  });

  test('0.1.0 headers callback with 3 params is refused', () => {
    refused(check({ abi: '0.1.0', exports: { proxy_on_response_headers: sig(3) } }), 'Bad function signature for: proxy_on_response_headers');
  });

  test('proxy_on_vm_start without a result / proxy_on_log with one', () => {
    refused(check({ exports: { proxy_on_vm_start: sig(2, VOID), proxy_on_log: sig(1) } }), 'Bad function signature for: proxy_on_vm_start', 'Bad function signature for: proxy_on_log');
  });

  test('envoy_on_resolve_dns and proxy_on_foreign_function are checked', () => {
    refused(check({ exports: { envoy_on_resolve_dns: sig(3), proxy_on_foreign_function: sig(2, VOID) } }), 'envoy_on_resolve_dns', 'proxy_on_foreign_function');
  });

  test('_initialize and main signatures', () => {
    refused(check({ start: null, exports: { _initialize: sig(0) } }), 'Bad function signature for: _initialize');
    refused(check({ exports: { main: sig(0) } }), 'Bad function signature for: main');
    // without _initialize, main is never looked up
    loads(check({ start: '_start', exports: { main: sig(0) } }));
  });

  test('assertLoadable throws EnvoyLoadError with every message', () => {
    assert.throws(
      () => assertLoadable(wasm({ allocators: [], imports: [{ name: 'proxy_foo', ...sig(0) }] })),
      (e: unknown) => {
        assert.ok(e instanceof EnvoyLoadError);
        assert.equal(e.errors.length, 2);
        assert.match(e.message, /missing import: env\.proxy_foo/);
        assert.match(e.message, /missing malloc/);
        return true;
      },
    );
  });
});

describe('load check: malformed bytes', () => {
  test('empty, short and garbage input', () => {
    for (const b of [new Uint8Array(0), Uint8Array.from([0, 0x61, 0x73]), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])]) {
      const c = validateModule(b);
      refused(c, 'Failed to parse corrupted Wasm module');
      assert.equal(c.info, null);
    }
  });

  test('bad magic / version', () => {
    assert.throws(() => parseModule(Uint8Array.from([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0])), /bad magic/);
    assert.throws(() => parseModule(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0])), /version 2/);
  });

  test('every truncation of a valid module is refused without crashing', () => {
    const good = wasm({ imports: [{ name: 'proxy_log', ...sig(3) }], exports: { proxy_on_request_headers: sig(3) } });
    loads(validateModule(good));
    for (let n = 0; n < good.length; n++) {
      const c = validateModule(good.subarray(0, n));
      assert.equal(c.ok, false, `prefix of ${n} bytes loaded`);
      try {
        parseModule(good.subarray(0, n));
      } catch (e) {
        assert.ok(e instanceof WasmFormatError, `prefix ${n}: ${e}`);
      }
    }
  });

  test('random byte flips never crash the parser or the check', () => {
    const good = wasm({ imports: [{ name: 'proxy_log', ...sig(3) }], exports: { proxy_on_request_headers: sig(3), proxy_on_vm_start: sig(2) } });
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from(good);
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) b[8 + Math.floor(rnd() * (b.length - 8))] = Math.floor(rnd() * 256);
      try {
        parseModule(b);
      } catch (e) {
        assert.ok(e instanceof WasmFormatError, `iteration ${i}: ${(e as Error).stack}`);
      }
      validateModule(b); // must not throw
    }
  });

  test('section larger than the file', () => {
    assert.throws(() => parseModule(bytes(HEADER, [1, 0x20, 0x00])), (e: unknown) => e instanceof WasmFormatError && /type section declares 32 bytes/.test(e.message));
  });

  test('LEB128 longer than 5 bytes', () => {
    assert.throws(() => parseModule(bytes(HEADER, [1, 6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])), /LEB128/);
  });

  test('unknown section id and duplicate sections', () => {
    assert.throws(() => parseModule(bytes(HEADER, section(42, []))), /unknown section id 42/);
    assert.throws(() => parseModule(bytes(HEADER, section(1, [0]), section(1, [0]))), /duplicate type section/);
    assert.throws(() => parseModule(bytes(HEADER, section(3, [0]), section(1, [0]))), /out of order/);
  });

  test('export index out of range', () => {
    const b = bytes(HEADER, section(7, [...leb(1), ...str('proxy_abi_version_0_2_1'), 0x00, ...leb(5)]));
    assert.throws(() => parseModule(b), /refers to func index 5, but the module has 0 funcs/);
    refused(validateModule(b), 'Failed to parse corrupted Wasm module');
  });

  test('import type index out of range', () => {
    const b = bytes(HEADER, section(1, [0]), section(2, [1, ...str('env'), ...str('proxy_log'), 0x00, 3]));
    assert.throws(() => parseModule(b), /uses type index 3, but the module has 0 types/);
  });

  test('invalid UTF-8 in a name', () => {
    const b = bytes(HEADER, section(7, [1, 2, 0xff, 0xfe, 0x00, 0x00]));
    assert.throws(() => parseModule(b), /not valid UTF-8/);
  });

  test('section content shorter than declared size', () => {
    // type section: 1 type ()->() = 60 00 00, declared 4 bytes with one trailing byte
    assert.throws(() => parseModule(bytes(HEADER, section(1, [1, 0x60, 0, 0, 0]))), /size mismatch/);
  });

  test('invalid function body is refused at compile (V8) stage', () => {
    const b = bytes(
      HEADER,
      section(1, [1, 0x60, 0, 0]),
      section(3, [1, 0]),
      section(7, [1, ...str('proxy_abi_version_0_2_1'), 0x00, 0]),
      section(10, [1, 2, 0, 0xff]), // body: no locals, bogus opcode, no `end`
    );
    assert.equal(parseModule(b).exports[0].name, 'proxy_abi_version_0_2_1');
    refused(validateModule(b), 'Failed to load Wasm bytecode');
  });

  test('initial memory above Envoy 1 GiB limit', () => {
    refused(check({ memory: false, extra: '(memory (export "memory") 16385)' }), 'Failed to create new Wasm instance');
  });
});

describe('binary parser: module info', () => {
  test('reports types, imports, exports, memory, start and names', () => {
    const info = parseModule(
      wasm({
        imports: [{ name: 'proxy_log', ...sig(3) }, { module: 'wasi_snapshot_preview1', name: 'clock_time_get', params: ['i32', 'i64', 'i32'], results: ['i32'] }],
        exports: { proxy_on_vm_start: sig(2) },
        startSection: true,
        memory: false,
        extra: '(memory (export "memory") 2 17)',
      }),
    );
    assert.equal(info.importedFunctionCount, 2);
    assert.deepEqual(info.imports.map((i) => `${i.module}.${i.name}:${i.kind}:${formatSignature(i.type!)}`), [
      'env.proxy_log:func:(i32,i32,i32)->i32',
      'wasi_snapshot_preview1.clock_time_get:func:(i32,i64,i32)->i32',
    ]);
    const vmStart = info.exports.find((e) => e.name === 'proxy_on_vm_start')!;
    assert.equal(vmStart.kind, 'func');
    assert.equal(formatSignature(vmStart.type!), '(i32,i32)->i32');
    assert.equal(info.hasStartSection, true);
    assert.deepEqual(
      { min: info.memory.minPages, max: info.memory.maxPages, exportedAs: info.memory.exportedAs },
      { min: 2, max: 17, exportedAs: ['memory'] },
    );
    assert.ok(info.sections.some((s) => s.name === 'code'));
  });

  test('ABI-specific tables are as documented', () => {
    assert.deepEqual(Object.keys(ENV_IMPORTS_BY_ABI['0.2.1']).sort(), ['proxy_close_stream', 'proxy_continue_stream', 'proxy_get_log_level']);
    assert.deepEqual(Object.keys(ENV_IMPORTS_BY_ABI['0.2.0']).sort(), ['proxy_close_stream', 'proxy_continue_stream']);
    assert.deepEqual(Object.keys(ENV_IMPORTS_BY_ABI['0.1.0']).sort(), ['proxy_clear_route_cache', 'proxy_continue_request', 'proxy_continue_response', 'proxy_get_configuration']);
    assert.equal(formatSignature(callbackSignatures('0.1.0').get('proxy_on_request_headers')!), '(i32,i32)->i32');
    assert.equal(formatSignature(callbackSignatures('0.2.1').get('proxy_on_request_headers')!), '(i32,i32,i32)->i32');
    assert.equal(callbackSignatures('0.1.0').has('proxy_on_foreign_function'), false);
  });
});

describe('check CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'load-cli-'));
  const good = join(dir, 'good.wasm');
  const bad = join(dir, 'bad.wasm');
  writeFileSync(good, wasm());
  writeFileSync(bad, wasm({ imports: [{ name: 'abort', ...sig(4, VOID) }] }));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'host/cli/check.ts', ...args], { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });

  test('OK line and exit 0', () => {
    const r = run(good);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^OK  ${good.replace(/[.\\/]/g, '\\$&')}  \\d+ B  abi 0\\.2\\.1$`, 'm'));
  });

  test('FAIL line and exit 1', () => {
    const r = run(good, bad);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^FAIL .*bad\.wasm: Failed to load Wasm module due to a missing import: env\.abort/m);
    assert.match(r.stdout, /^OK  .*good\.wasm/m);
  });

  test('--budget', () => {
    const size = wasm().length;
    assert.equal(run('--budget', String(size), good).status, 0);
    const r = run('--budget', String(size - 1), good);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /exceeds the budget/);
    assert.equal(run('--budget', 'lots', good).status, 2);
  });

  test('usage error without files', () => {
    assert.equal(run().status, 2);
  });
});

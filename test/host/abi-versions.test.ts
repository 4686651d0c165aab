// §13: the host runs 0.2.0 (and 0.1.0) modules the way Envoy does; strict mode reporting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, EnvoyLoadError, StrictModeError, WasmResult as R } from '../../host/index.ts';
import { wasm } from '../fixtures/load/modules.ts';
import { GET, loadProbe } from './probe-helper.ts';

// A tiny guest: on_request_headers adds "x-abi: <marker>" and stores the status of a lookup of a
// missing header (get_header_map_value) into header "x-missing".
const guest = (abi: '0.1.0' | '0.2.0', extraImport = '') => `(module
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_value" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  ${extraImport}
  (memory (export "memory") 1)
  (data (i32.const 16) "x-abi${abi}x-missingx-nope0123456789")
  (global $heap (mut i32) (i32.const 4096))
  (func (export "malloc") (param i32) (result i32) (local i32)
    global.get $heap local.set 1  global.get $heap local.get 0 i32.add global.set $heap  local.get 1)
  (func (export "_initialize"))
  (func (export "proxy_abi_version_${abi.replace(/\./g, '_')}"))
  (func (export "proxy_on_request_headers") (param i32 i32 ${abi === '0.1.0' ? '' : 'i32'}) (result i32) (local $st i32)
    (drop (call $add (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 21) (i32.const 5)))
    (local.set $st (call $get (i32.const 0) (i32.const 35) (i32.const 6) (i32.const 1024) (i32.const 1028)))
    (drop (call $add (i32.const 0) (i32.const 26) (i32.const 9) (i32.add (i32.const 41) (local.get $st)) (i32.const 1)))
    (i32.const 0)))`;

test('§13 ABI 0.2.0 module: loads and runs with 0.2.x semantics (missing header → NotFound)', () => {
  const p = Emulator.loadSync({ wasm: wasm(guest('0.2.0')) });
  assert.equal(p.runtime.abi, '0.2.0');
  const s = p.http();
  assert.equal(s.sendRequestHeaders(GET('/'), { endOfStream: true }), 'Continue');
  assert.equal(s.requestHeader('x-abi'), '0.2.0');
  assert.equal(s.requestHeader('x-missing'), String(R.NotFound));
  assert.deepEqual(p.callbacks({ name: 'proxy_on_request_headers', worker: 0 })[0].args.length, 3);
});

test('§13 ABI 0.2.0 module importing proxy_get_log_level is refused (0.2.1 only)', () => {
  const bytes = wasm(guest('0.2.0', '(import "env" "proxy_get_log_level" (func (param i32) (result i32)))'));
  assert.throws(() => Emulator.loadSync({ wasm: bytes }), (e: unknown) => e instanceof EnvoyLoadError && /proxy_get_log_level/.test(e.message));
});

test('§13 ABI 0.1.0 module: on_request_headers(ctx, n); missing header → Ok + empty', () => {
  const p = Emulator.loadSync({ wasm: wasm(guest('0.1.0')) });
  const s = p.http();
  s.sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.equal(s.requestHeader('x-missing'), String(R.Ok));
  assert.deepEqual(p.callbacks({ name: 'proxy_on_request_headers', worker: 0 })[0].args.length, 2);
});

test('strict mode: unexpected non-Ok statuses and traps fail the driving call with the call name and args; whitelist works', () => {
  const p = loadProbe({ strict: true, pluginConfig: 'reqh.sget:nothing' }).allowStatus('proxy_get_header_map_value', 'NotFound');
  assert.throws(() => p.http().sendRequestHeaders(GET('/'), { endOfStream: true }),
    (e: unknown) => e instanceof StrictModeError && /proxy_get_shared_data\(.*\) → NotFound \[nothing\]/.test(e.message));
  p.allowStatus('proxy_get_shared_data:NotFound');
  p.http().sendRequestHeaders(GET('/'), { endOfStream: true });
  assert.throws(() => p.http().sendRequestHeaders(GET('/', 'reqh.trap'), { endOfStream: true }),
    (e: unknown) => e instanceof StrictModeError && /trap in proxy_on_request_headers/.test(e.message) && /wasm/.test(e.message));
});

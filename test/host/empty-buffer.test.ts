// cpp-host's get_buffer_bytes copies only when the clamped window is non-empty; an empty window
// (no plugin configuration, start at the end, max 0) returns Ok and leaves *ptr_out / *size_out as
// they were. Guests rely on it: @solo-io/proxy-runtime (ABI 0.2.0) passes the configuration size as
// size_out, i.e. address 0 when there is no configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emulator, WasmResult as R } from '../../host/index.ts';
import { wasm } from '../fixtures/load/modules.ts';

// on_configure: fill the two out-slots (1024, 1028) with 0xAAAAAAAA, call
// get_buffer_bytes(7 plugin configuration, start, max=$size, 1024, 1028); record the status and both
// slots as response headers x-st / x-ptr / x-len on every request (decimal digits via a tiny itoa).
const guest = (start: number) => `(module
  (import "env" "proxy_get_buffer_bytes" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "x-stx-ptrx-len")
  (global $heap (mut i32) (i32.const 8192))
  (global $st (mut i32) (i32.const -1))
  (func (export "malloc") (param i32) (result i32) (local i32)
    global.get $heap local.set 1  global.get $heap local.get 0 i32.add global.set $heap  local.get 1)
  (func (export "_initialize"))
  (func (export "proxy_abi_version_0_2_0"))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (i32.store (i32.const 1024) (i32.const 0xAAAAAAAA))
    (i32.store (i32.const 1028) (i32.const 0xAAAAAAAA))
    (global.set $st (call $get (i32.const 7) (i32.const ${start}) (local.get 1) (i32.const 1024) (i32.const 1028)))
    (i32.const 1))
  ;; writes the decimal digits of $v at 2048, returns their count
  (func $itoa (param $v i32) (result i32) (local $n i32) (local $t i32)
    (local.set $t (local.get $v))
    (loop $c (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10))) (br_if $c (local.get $t)))
    (local.set $t (local.get $n))
    (loop $w (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (i32.add (i32.const 2048) (local.get $t)) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10))) (br_if $w (local.get $t)))
    (local.get $n))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (drop (call $add (i32.const 2) (i32.const 16) (i32.const 4) (i32.const 2048) (call $itoa (global.get $st))))
    (drop (call $add (i32.const 2) (i32.const 20) (i32.const 5) (i32.const 2048) (call $itoa (i32.load (i32.const 1024)))))
    (drop (call $add (i32.const 2) (i32.const 25) (i32.const 5) (i32.const 2048) (call $itoa (i32.load (i32.const 1028)))))
    (i32.const 0)))`;

function configureAndRead(start: number, pluginConfig: string) {
  const p = Emulator.loadSync({ wasm: wasm(guest(start)), pluginConfig, canary: false });
  const s = p.http();
  s.sendRequestHeaders([[':method', 'GET'], [':path', '/'], [':authority', 'x']], { endOfStream: true });
  s.sendResponseHeaders([[':status', '200']], { endOfStream: true });
  return { st: Number(s.responseHeader('x-st')), ptr: Number(s.responseHeader('x-ptr')), len: Number(s.responseHeader('x-len')) };
}

const UNTOUCHED = 0xaaaaaaaa;

test('get_buffer_bytes: no plugin configuration → Ok and the out-slots are left untouched', () => {
  assert.deepEqual(configureAndRead(0, ''), { st: R.Ok, ptr: UNTOUCHED, len: UNTOUCHED });
});

test('get_buffer_bytes: start at the end of the buffer → Ok and the out-slots are left untouched', () => {
  assert.deepEqual(configureAndRead(5, 'bench'), { st: R.Ok, ptr: UNTOUCHED, len: UNTOUCHED });
});

test('get_buffer_bytes: a non-empty window is copied through the guest allocator (pointer and size written)', () => {
  const r = configureAndRead(1, 'bench');
  assert.equal(r.st, R.Ok);
  assert.equal(r.len, 4);
  assert.ok(r.ptr >= 8192 && r.ptr !== UNTOUCHED, `pointer from malloc, got ${r.ptr}`);
});

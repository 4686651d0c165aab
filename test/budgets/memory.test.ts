// Memory stability: every filter and example, with the production configuration of its envoy.yaml and
// a representative request (test/budgets/workloads.ts), runs 100,000 requests in one VM; its linear
// memory after warm-up (1,000 requests) must equal its memory at the end. A module whose memory keeps
// growing under steady traffic leaks, and in Envoy a long-lived VM that leaks ends at the 1 GiB cap and
// fails closed. (bench/peer/memory.ts runs the same workloads to 1,000,000 and prints both figures.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloads, runner, pagesOverRun } from './workloads.ts';
import { leanModule } from '../../bench/lib/lean-driver.ts';
import { wasm } from '../fixtures/load/modules.ts';

const WARMUP = 1_000;
const REQUESTS = 100_000;

for (const w of workloads()) {
  if ('missing' in w) {
    test(`${w.dir}: memory stable over ${REQUESTS.toLocaleString('en-US')} requests`, { skip: `no workload yet: add ${w.missing}` }, () => {});
    continue;
  }
  test(`${w.dir}: memory stable over ${REQUESTS.toLocaleString('en-US')} requests (pages after warm-up == pages at the end)`, async () => {
    const r = await runner(w);
    r.request();
    assert.equal(r.failed(), false, 'the VM failed on the first request');
    if (w.shape.expectHeader) assert.ok(r.responseHeader(w.shape.expectHeader) !== undefined, `the workload does not reach the module's work: no ${w.shape.expectHeader} response header`);
    assert.equal(r.localReplied(), false, 'the production workload was answered by a local reply');
    const { warm, end } = pagesOverRun(r, WARMUP - 1, REQUESTS - 1);
    assert.equal(r.failed(), false, 'the VM failed');
    assert.equal(end, warm, `${w.dir} (${r.driver} driver): ${warm} pages after ${WARMUP} requests, ${end} after ${REQUESTS}`);
  });
}

// The check itself: a guest that keeps 64 bytes of every request (a bump allocator that never frees)
// grows by a page every 1,024 requests, and the same measurement sees it.
test('the measurement catches a guest that leaks 64 bytes a request', async () => {
  const leaky = wasm(`(module
    (memory (export "memory") 1)
    (global $top (mut i32) (i32.const 1024))
    (func $alloc (export "malloc") (param $n i32) (result i32) (local $p i32)
      (local.set $p (global.get $top))
      (global.set $top (i32.add (global.get $top) (local.get $n)))
      (if (i32.gt_u (global.get $top) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.const 1)))))
      (local.get $p))
    (func (export "_initialize"))
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "proxy_on_context_create") (param i32 i32) (drop (call $alloc (i32.const 64))))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
    (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
    (func (export "proxy_on_log") (param i32))
    (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
    (func (export "proxy_on_delete") (param i32)))`);
  const m = await leanModule('leaky', leaky);
  const { warm, end } = pagesOverRun(m, WARMUP, 20_000);
  assert.ok(end > warm, `a leaking guest must show growth: ${warm} → ${end} pages`);
});

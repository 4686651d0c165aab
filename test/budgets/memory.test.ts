// Memory stability: every filter and example, with the production configuration of its envoy.yaml and
// a representative request (test/budgets/workloads.ts), runs 100,000 requests in one VM; its linear
// memory after warm-up (1,000 requests) must equal its memory at the end. A module whose memory keeps
// growing under steady traffic leaks, and in Envoy a long-lived VM that leaks ends at the 1 GiB cap and
// fails closed. (bench/peer/memory.ts runs the same workloads to 1,000,000 and prints both figures.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloads, runner } from './workloads.ts';

const WARMUP = 1_000;
const REQUESTS = 100_000;

for (const w of workloads()) {
  if ('missing' in w) {
    test(`${w.dir}: memory stable over ${REQUESTS.toLocaleString('en-US')} requests`, { skip: `no workload yet: add ${w.missing}` }, () => {});
    continue;
  }
  test(`${w.dir}: memory stable over ${REQUESTS.toLocaleString('en-US')} requests (pages after warm-up == pages at the end)`, async () => {
    const r = await runner(w);
    for (let i = 0; i < WARMUP; i++) r.request();
    assert.equal(r.failed(), false, 'the VM failed during warm-up');
    if (w.shape.expectHeader) assert.ok(r.responseHeader(w.shape.expectHeader) !== undefined, `the workload does not reach the module's work: no ${w.shape.expectHeader} response header`);
    assert.equal(r.localReplied(), false, 'the production workload was answered by a local reply');
    const warm = r.pages();
    for (let i = WARMUP; i < REQUESTS; i++) r.request();
    assert.equal(r.failed(), false, 'the VM failed');
    assert.equal(r.pages(), warm, `${w.dir} (${r.driver} driver): ${warm} pages after ${WARMUP} requests, ${r.pages()} after ${REQUESTS}`);
  });
}

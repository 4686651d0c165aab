// Memory stability of every filter and example of ours: each runs 1,000,000 requests with the
// production configuration of its envoy.yaml and a representative request (test/budgets/workloads.ts,
// the same workloads as the 100,000-request test in test/budgets/memory.test.ts); linear memory in
// 64 KiB pages after warm-up (1,000 requests) and at the end. Equal figures = no growth under steady
// traffic. The lean driver runs modules it fully serves, the host emulator the others (callouts,
// bodies, shared data); the row says which.
// Usage: node --import tsx bench/peer/memory.ts [--quick]     (--quick: 100,000 requests)
import type { Row } from "../sdk/run.ts";
import { workloads, runner } from "../../test/budgets/workloads.ts";

export async function runMemoryBench(quick = false): Promise<Row[]> {
  const total = quick ? 100_000 : 1_000_000, warmup = 1_000;
  const rows: Row[] = [];
  for (const w of workloads()) {
    if ("missing" in w) { rows.push({ what: `memory pages: ${w.dir}`, figures: "not measured", note: `no workload: ${w.missing} missing` }); continue; }
    const r = await runner(w);
    for (let i = 0; i < warmup; i++) r.request();
    const warm = r.pages();
    const t0 = process.hrtime.bigint();
    for (let i = warmup; i < total; i++) r.request();
    const us = Number(process.hrtime.bigint() - t0) / 1000 / (total - warmup);
    const end = r.pages();
    rows.push({
      what: `memory pages: ${w.dir}`,
      figures: `${warm} after ${warmup.toLocaleString("en-US")} → ${end} after ${total.toLocaleString("en-US")}${end === warm ? " (stable)" : " (GREW)"}${r.failed() ? " — VM FAILED" : ""}`,
      note: `${r.driver} driver, ${us.toFixed(1)} µs/request`,
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await runMemoryBench(process.argv.includes("--quick"))) console.log(`${r.what.padEnd(40)} ${r.figures}   (${r.note})`);
}

// bench/request-id: what filters/request-id costs per request next to the SDK no-op filter
// (bench/sdk/noop), side by side in one run, plus its module size.
// Two drivers:
//   - the lean driver (bench/lib/lean-driver.ts): direct export calls, real header maps,
//     WASI random_get — guest cost plus the cheapest Envoy-like answers to the filter's hostcalls;
//   - the host emulator (Envoy's semantics for every hostcall).
// Two request shapes: "generate" (no x-request-id / traceparent: UUIDv4 + new trace) and "keep"
// (valid x-request-id and traceparent: kept, fresh span id).
// A lifecycle is: context create, request headers (eos), response headers (eos), on_log, on_done, on_delete.
// A third candidate, the hostcall floor (bench/request-id/floor: the SDK no-op plus exactly request-id's
// hostcalls with constant values), splits the gap: request-id / floor is request-id's own guest work,
// floor / noop is what its hostcalls cost in that driver.
// Usage: node --import tsx bench/request-id/run.ts [--quick]
import { statSync } from "node:fs";
import { join } from "node:path";
import { leanModule } from "../lib/lean-driver.ts";
import { sideBySide, fmtUs, type Figures } from "../lib/measure.ts";
import type { Row } from "../sdk/run.ts";
import { Emulator } from "../../host/index.ts";
import { moduleBytes, ROOT } from "../../test/lib/modules.ts";

const NOOP = { name: "sdk noop", dir: "bench/sdk/noop", rootId: "noop" };
const RID = { name: "request-id", dir: "filters/request-id", rootId: "request-id" };
const FLOOR = { name: "hostcall floor", dir: "bench/request-id/floor", rootId: "floor" };
const BASE: [string, string][] = [[":method", "GET"], [":path", "/"], [":authority", "bench"]];
const SHAPES: Array<{ shape: string; headers: [string, string][] }> = [
  { shape: "generate", headers: BASE },
  { shape: "keep", headers: [...BASE, ["x-request-id", "f81d4fae-7dec-41d0-a765-00a0c91e6bf6"], ["traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]] },
];
const RES: [string, string][] = [[":status", "200"]];

export async function runRequestIdBench(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const noopBytes = moduleBytes(NOOP.dir), ridBytes = moduleBytes(RID.dir), floorBytes = moduleBytes(FLOOR.dir);
  const size = (d: string) => statSync(join(ROOT, d, "build", d.split("/").pop() + ".wasm")).size;
  rows.push({ what: "module size: request-id", figures: `${size(RID.dir)} B`, note: "goal < 20 KB" });
  rows.push({ what: "module size: sdk noop", figures: `${size(NOOP.dir)} B` });
  rows.push({ what: "module size: hostcall floor", figures: `${size(FLOOR.dir)} B` });

  for (const { shape, headers } of SHAPES) {
    // lean driver
    const noop = await leanModule(NOOP.name, noopBytes, { rootId: NOOP.rootId, requestHeaders: headers });
    const rid = await leanModule(RID.name, ridBytes, { rootId: RID.rootId, pluginConfig: "{}", requestHeaders: headers });
    const floor = await leanModule(FLOOR.name, floorBytes, { rootId: FLOOR.rootId, requestHeaders: headers });
    rid.request();
    if (!rid.header("request", "x-request-id") || !rid.header("response", "x-request-id")) throw new Error("request-id wrote no header: the benchmark is not measuring the work");
    const lean = sideBySide([{ name: NOOP.name, run: noop.request }, { name: FLOOR.name, run: floor.request }, { name: RID.name, run: rid.request }],
      quick ? { batches: 30, batchSize: 2000 } : { batches: 200, batchSize: 5000 });
    rows.push(...figureRows(`lean driver, ${shape}`, lean), ...ratioRows(`lean driver, ${shape}`, lean));

    // host emulator (log level info, Envoy's default)
    const mods = [NOOP, FLOOR, RID];
    const plugins = mods.map((m) => Emulator.loadSync({ wasm: m === NOOP ? noopBytes : m === RID ? ridBytes : floorBytes, rootId: m.rootId, vmId: "bench", pluginConfig: m === RID ? "{}" : "", logLevel: "info", canary: false, recordLimit: 0 }));
    const host = sideBySide(plugins.map((p, i) => ({
      name: mods[i].name,
      run: () => {
        const s = p.http();
        s.sendRequestHeaders(headers, { endOfStream: true });
        s.sendResponseHeaders(RES, { endOfStream: true });
        s.complete();
      },
    })), quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });
    rows.push(...figureRows(`host emulator, ${shape}`, host), ...ratioRows(`host emulator, ${shape}`, host));
  }
  return rows;
}

function figureRows(driver: string, figs: Figures[]): Row[] {
  return figs.map((f) => ({ what: `per request, ${driver}: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${f.batches} batches × ${f.batchSize}` }));
}
function ratioRows(driver: string, figs: Figures[]): Row[] {
  const med = (n: string) => figs.find((f) => f.name === n)!.medianNs;
  const r = (a: string, b: string) => `${(med(a) / med(b)).toFixed(2)}×`;
  return [
    { what: `ratio request-id / sdk noop (${driver}, medians)`, figures: r(RID.name, NOOP.name), note: "goal ≤ 1.3×" },
    { what: `ratio hostcall floor / sdk noop (${driver})`, figures: r(FLOOR.name, NOOP.name), note: "the same hostcalls, no other work" },
    { what: `ratio request-id / hostcall floor (${driver})`, figures: r(RID.name, FLOOR.name), note: "request-id's own guest work" },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runRequestIdBench(process.argv.includes("--quick"));
  for (const r of rows) console.log(`${r.what.padEnd(62)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

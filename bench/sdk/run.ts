// bench/sdk: what the SDK costs per request, side by side in one run.
//   (a) raw-noop / raw-hello — hand-written ABI guests with no SDK (the floor)
//   (b) noop                 — the SDK's no-op filter; noop-recycled: the same with recycled stream contexts
//   (c) hello-world          — examples/hello-world (one response header + one info log line)
// Two drivers: the lean driver (guest cost alone: direct export calls, cheapest Envoy-correct imports)
// and the full host emulator (what a filter author's test sees: every hostcall with Envoy's semantics).
// A lifecycle is: context create, request headers (eos), response headers (eos), on_log, on_done, on_delete.
// Usage: node --import tsx bench/sdk/run.ts [--quick]   (figures are printed and returned as rows)
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { leanModule } from "../lib/lean-driver.ts";
import { sideBySide, fmtUs, type Figures } from "../lib/measure.ts";
import { Emulator } from "../../host/index.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const MODULES = [
  { name: "raw-noop (floor)", file: "bench/sdk/raw-noop/build/raw-noop.wasm", rootId: "noop" },
  { name: "sdk noop", file: "bench/sdk/noop/build/noop.wasm", rootId: "noop" },
  { name: "sdk noop, recycled contexts", file: "bench/sdk/noop-recycled/build/noop-recycled.wasm", rootId: "noop" },
  { name: "raw-hello (floor)", file: "bench/sdk/raw-hello/build/raw-hello.wasm", rootId: "hello" },
  { name: "sdk hello-world", file: "examples/hello-world/build/hello-world.wasm", rootId: "hello" },
];

export interface Row { what: string; figures: string; note?: string }

export async function runSdkBench(quick = false): Promise<Row[]> {
  const rows: Row[] = [];
  const bytes = MODULES.map((m) => new Uint8Array(readFileSync(join(ROOT, m.file))));
  for (const [i, m] of MODULES.entries()) rows.push({ what: `module size: ${m.name}`, figures: `${statSync(join(ROOT, m.file)).size} B` });

  // Guest cost: lean driver.
  const lean = await Promise.all(MODULES.map((m, i) => leanModule(m.name, bytes[i], { rootId: m.rootId })));
  const leanFig = sideBySide(lean.map((l) => ({ name: l.name, run: l.request })), quick ? { batches: 30, batchSize: 2000 } : { batches: 300, batchSize: 5000 });
  for (const l of lean) if (l.name.includes("hello") && l.counts.headerWrites === 0) throw new Error(`${l.name} added no header: the benchmark is not measuring the work`);
  rows.push(...figureRows("lean driver", leanFig));
  rows.push(ratioRow("lean driver", leanFig, "sdk noop", "raw-noop (floor)"));
  rows.push(ratioRow("lean driver", leanFig, "sdk noop, recycled contexts", "raw-noop (floor)"));
  rows.push(ratioRow("lean driver", leanFig, "sdk hello-world", "raw-hello (floor)"));

  // Whole host: the emulator with Envoy's semantics for every hostcall (log level info, as Envoy's default).
  const plugins = await Promise.all(MODULES.map((m, i) => Emulator.load({ wasm: bytes[i], rootId: m.rootId, vmId: "bench", logLevel: "info", canary: false, recordLimit: 0 })));
  const reqH: [string, string][] = [[":method", "GET"], [":path", "/"], [":authority", "bench"]];
  const resH: [string, string][] = [[":status", "200"]];
  const hostFig = sideBySide(plugins.map((p, i) => ({
    name: MODULES[i].name,
    run: () => { const s = p.http(); s.sendRequestHeaders(reqH, { endOfStream: true }); s.sendResponseHeaders(resH, { endOfStream: true }); s.complete(); },
  })), quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });
  rows.push(...figureRows("host emulator", hostFig));
  rows.push(ratioRow("host emulator", hostFig, "sdk noop", "raw-noop (floor)"));
  rows.push(ratioRow("host emulator", hostFig, "sdk noop, recycled contexts", "raw-noop (floor)"));
  return rows;
}

function figureRows(driver: string, figs: Figures[]): Row[] {
  return figs.map((f) => ({ what: `per request, ${driver}: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${f.batches} batches × ${f.batchSize}` }));
}
function ratioRow(driver: string, figs: Figures[], a: string, b: string): Row {
  const fa = figs.find((f) => f.name === a)!, fb = figs.find((f) => f.name === b)!;
  return { what: `ratio ${a} / ${b} (${driver}, medians)`, figures: `${(fa.medianNs / fb.medianNs).toFixed(2)}×` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runSdkBench(process.argv.includes("--quick"));
  for (const r of rows) console.log(`${r.what.padEnd(58)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

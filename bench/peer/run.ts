// bench/peer: our SDK next to the AssemblyScript incumbent, @solo-io/proxy-runtime 0.1.8 (ABI 0.2.0,
// built with AssemblyScript 0.17 by bench/peer/build.mjs), and a raw hand-written ABI guest (the floor),
// on the same three filters:
//   add-header — add `x-bench: add-header` to every response
//   deny       — read request header `x-api-key`; not "let-me-in" → local reply 403 (every request here)
//   count      — increment the counter `bench_requests` on every request
// Plus, for deny, the same filter on our SDK's byte API (bench/peer/ours-bytes/deny: getRaw, constants
// encoded once), to show what strings cost on that path.
// All builds run in one process, in the same host, with the same inputs (plugin configuration
// "bench", the same request and response headers, log level info as Envoy's default):
//   - per-request cost, median and p99 of the batch means, in the lean driver (guest cost) and the
//     host emulator (every hostcall with Envoy's semantics); candidates of a filter interleaved;
//   - module size;
//   - linear memory (64 KiB pages) after warm-up and after 1,000,000 requests (lean driver).
// Every build is checked to do the work (header written, local reply sent, counter at N) before it is
// timed, so a build that silently does nothing cannot look cheap.
// A lifecycle is: context create, request headers (eos), response headers (eos), on_log, on_done, on_delete.
// Usage: node --import tsx bench/peer/run.ts [--quick]     (prints the table: runPeerBench's rows, then
// runMemoryBench's — every filter and example through 1,000,000 requests, bench/peer/memory.ts)
import { readFileSync, statSync } from "node:fs";
import { leanModule } from "../lib/lean-driver.ts";
import { sideBySide, fmtUs, type Figures } from "../lib/measure.ts";
import type { Row } from "../sdk/run.ts";
import { Emulator, type EmulatedPlugin, type HttpStream } from "../../host/index.ts";
import { moduleBytes, modulePath } from "../../test/lib/modules.ts";
import { runRequest, type RequestShape } from "../../test/budgets/workloads.ts";
// @ts-expect-error: a plain .mjs build script without types
import { buildPeer, soloWasm } from "./build.mjs";

export type Sdk = "raw" | "ours" | "solo" | "ours-bytes";
export const LABELS: Record<Sdk, string> = {
  raw: "raw ABI (floor)",
  ours: "our SDK",
  solo: "proxy-runtime 0.1.8",
  "ours-bytes": "our SDK, byte API",
};
const ALL: Sdk[] = ["raw", "ours", "solo"];
const CONFIG = "bench"; // the incumbent needs a non-empty configuration (see README.md)
const RES: Array<[string, string]> = [[":status", "200"]];
const REQ: Array<[string, string]> = [[":method", "GET"], [":path", "/"], [":authority", "bench"], ["x-api-key", "not-the-key"]];
const SHAPE: RequestShape = { request: REQ, response: RES };

interface FilterSpec {
  name: string;
  /** The builds compared: floor, ours, incumbent, then extra variants of ours. */
  builds: Sdk[];
  /** Throws unless the build did the filter's work on the emulated stream / plugin after `n` requests. */
  verify(p: EmulatedPlugin, last: HttpStream, n: number): void;
}
export const FILTERS: FilterSpec[] = [
  { name: "add-header", builds: ALL, verify: (_p, s) => { if (s.res.headers?.get("x-bench") !== "add-header") throw new Error("no x-bench response header"); } },
  // deny also on the SDK's byte API (getRaw + pre-encoded constants): what strings cost on this path
  { name: "deny", builds: [...ALL, "ours-bytes"], verify: (_p, s) => { if (s.localReply?.status !== 403 || s.localReply.body !== "denied") throw new Error(`no 403 local reply (${JSON.stringify(s.localReply)})`); } },
  { name: "count", builds: ALL, verify: (p, _s, n) => { if (p.metric("bench_requests") !== n) throw new Error(`bench_requests = ${p.metric("bench_requests")}, want ${n}`); } },
];

/** Path of a build; ours and raw through scripts/build.mjs (when stale), the incumbent's through build.mjs. */
export function peerWasm(sdk: Sdk, filter: string): string {
  return sdk === "solo" ? soloWasm(filter) : modulePath(`bench/peer/${sdk}/${filter}`);
}
export function peerBytes(sdk: Sdk, filter: string): Uint8Array {
  return sdk === "solo" ? new Uint8Array(readFileSync(soloWasm(filter))) : moduleBytes(`bench/peer/${sdk}/${filter}`);
}

/** One emulated request through a plugin, as Envoy runs it (a local reply skips the upstream response). */
const emulatedRequest = (p: EmulatedPlugin) => runRequest(p, SHAPE);

export async function runPeerBench(quick = false): Promise<Row[]> {
  buildPeer({ quiet: true });
  const rows: Row[] = [];
  const memRequests = quick ? 100_000 : 1_000_000;
  const summary: Row[] = [];
  for (const f of FILTERS) {
    const bytes = f.builds.map((sdk) => peerBytes(sdk, f.name));
    const label = (i: number) => `${f.name}: ${LABELS[f.builds[i]]}`;
    const sizes = f.builds.map((sdk) => statSync(peerWasm(sdk, f.name)).size);
    for (const [i, sdk] of f.builds.entries()) rows.push({ what: `module size, ${label(i)}`, figures: `${sizes[i]} B`, note: sdk === "solo" ? "asc 0.17.14 -O3 --noAssert, runtime full" : "asc 0.28 release (asconfig.json)" });
    summary.push({ what: `${f.name}, module size: incumbent / ours`, figures: `${(sizes[2] / sizes[1]).toFixed(2)}×`, note: "goal > 1× (ours smaller)" });

    // Host emulator: the work is verified on each build before timing.
    const plugins = bytes.map((b) => Emulator.loadSync({ wasm: b, rootId: f.name, vmId: "bench", pluginConfig: CONFIG, logLevel: "info", canary: false, recordLimit: 0 }));
    for (const [i, p] of plugins.entries()) {
      try { f.verify(p, emulatedRequest(p), 1); } catch (e) { throw new Error(`${label(i)} does not do the work: ${(e as Error).message}`); }
    }
    const host = sideBySide(plugins.map((p, i) => ({ name: label(i), run: () => { emulatedRequest(p); } })),
      quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });

    // Lean driver: guest cost.
    const lean = await Promise.all(bytes.map((b, i) => leanModule(label(i), b, { rootId: f.name, pluginConfig: CONFIG, requestHeaders: REQ, responseHeaders: RES })));
    for (const l of lean) {
      l.request();
      const did = f.name === "add-header" ? l.header("response", "x-bench") === "add-header" : f.name === "deny" ? l.counts.localReplies === 1 : true;
      if (!did) throw new Error(`${l.name} did not do the work in the lean driver`);
    }
    const leanFig = sideBySide(lean.map((l) => ({ name: l.name, run: l.request })), quick ? { batches: 30, batchSize: 2000 } : { batches: 200, batchSize: 5000 });

    rows.push(...figureRows("lean driver", leanFig), ...figureRows("host emulator", host));
    for (const [driver, figs] of [["lean driver", leanFig], ["host emulator", host]] as const) {
      const [raw, ours, solo, ...extra] = figs;
      summary.push({ what: `${f.name}, ${driver}: incumbent / ours`, figures: `${(solo.medianNs / ours.medianNs).toFixed(2)}×`, note: "goal ≥ 5×, medians" });
      summary.push({ what: `${f.name}, ${driver}: ours / floor`, figures: `${(ours.medianNs / raw.medianNs).toFixed(2)}×`, note: "goal ≤ 1.5×, medians" });
      // the most any guest could show against the incumbent here: the floor does the work with no SDK at all
      summary.push({ what: `${f.name}, ${driver}: incumbent / floor`, figures: `${(solo.medianNs / raw.medianNs).toFixed(2)}×`, note: "ceiling of incumbent / ours, medians" });
      for (const [k, x] of extra.entries()) {
        const variant = LABELS[f.builds[3 + k]];
        summary.push({ what: `${f.name}, ${driver}: incumbent / ${variant}`, figures: `${(solo.medianNs / x.medianNs).toFixed(2)}×`, note: "medians" });
        summary.push({ what: `${f.name}, ${driver}: ${variant} / floor`, figures: `${(x.medianNs / raw.medianNs).toFixed(2)}×`, note: "medians" });
      }
    }

    // Linear memory after warm-up and after memRequests requests (fresh instances, lean driver).
    for (const [i, b] of bytes.entries()) {
      const m = await leanModule(label(i), b, { rootId: f.name, pluginConfig: CONFIG, requestHeaders: REQ, responseHeaders: RES });
      for (let k = 0; k < 1000; k++) m.request();
      const warm = m.pages();
      for (let k = 1000; k < memRequests; k++) m.request();
      rows.push({ what: `memory pages, ${label(i)}`, figures: `${warm} after 1,000 → ${m.pages()} after ${memRequests.toLocaleString("en-US")}`, note: "64 KiB pages, lean driver" });
    }
  }
  return [...rows, ...summary];
}

function figureRows(driver: string, figs: Figures[]): Row[] {
  return figs.map((f) => ({ what: `per request, ${driver}: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${f.batches} batches × ${f.batchSize}` }));
}

export { runMemoryBench } from "./memory.ts";

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes("--quick");
  const rows = await runPeerBench(quick);
  rows.push(...await (await import("./memory.ts")).runMemoryBench(quick));
  for (const r of rows) console.log(`${r.what.padEnd(64)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

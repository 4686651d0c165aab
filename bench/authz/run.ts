// bench/authz: the authz filter's per-request cost with policies of 10, 1,000 and 100,000 rights,
// side by side with the SDK no-op filter, in the lean driver (the guest's own cost: direct export
// calls, cheapest imports) and in the host emulator (the full host); on_configure time and memory
// pages per policy size; module size. Goal (issue 4): per-request cost flat in the number of rights
// (≤ 1.5× the no-op at 100,000) and configure of 100,000 rights under 500 ms.
// A further candidate, the hostcall floor (bench/authz/floor: the SDK no-op plus exactly authz's hostcalls
// for an allowed request, constant values), splits the gap: authz / floor is authz's own guest work,
// floor / no-op what its hostcalls cost in that driver.
// Usage: node --import tsx bench/authz/run.ts [--quick]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sideBySide, fmtUs, type Figures } from "../lib/measure.ts";
import { leanModule } from "../lib/lean-driver.ts";
import type { Row } from "../sdk/run.ts";
import { Emulator, type EmulatedPlugin } from "../../host/index.ts";
import { moduleBytes } from "../../test/lib/modules.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const NOOP = "bench/sdk/noop/build/noop.wasm";
const FLOOR = "hostcall floor";
const SIZES = [10, 1000, 100000];
const CLIENTS = 1000;

/** A policy with `n` rights: 100 per service, services spread over 10 providers, 1,000 HTTP clients. */
export function policyOf(n: number): string {
  const providers: Record<string, Record<string, unknown>> = {};
  const services = Math.max(1, Math.ceil(n / 100));
  let made = 0;
  for (let s = 0; s < services; s++) {
    const prov = `DEV:GOV:${1000 + (s % 10)}:provider`;
    const rights = [];
    for (let k = 0; k < 100 && made < n; k++, made++) {
      rights.push({ id: `ar-${made}`, ep: k % 2 ? "ep-get" : "ep-base", clients: [`DEV:GOV:c${made % CLIENTS}:app`], mode: "ENFORCE" });
    }
    (providers[prov] ??= {})[`svc${s}`] = {
      disabledNotice: null,
      endpoints: [{ id: "ep-base", m: "*", p: "**" }, { id: "ep-get", m: "GET", p: "/v1/items/*" }],
      rights,
    };
  }
  const clients: Record<string, unknown> = {};
  for (let c = 0; c < CLIENTS; c++) clients[`DEV:GOV:c${c}:app`] = { connectionType: "HTTP" };
  return JSON.stringify({ rev: 1, instance: "DEV", clients, providers });
}

// right ar-1 (client c1, GET /v1/items/*) lives in svc0; the last service holds the newest rights
const REQUEST: [string, string][] = [[":method", "GET"], [":path", "/r1/DEV/GOV/1000/provider/svc0/v1/items/1"], [":authority", "bench"], ["x-road-client", "DEV/GOV/c1/app"], ["x-request-id", "r"]];
const RESPONSE: [string, string][] = [[":status", "200"]];

const mib = (pages: number) => `${(pages / 16).toFixed(1)} MiB`;

export async function runAuthzBench(quick = false): Promise<Row[]> {
  const rows: Row[] = [];
  const authz = moduleBytes("filters/authz");
  const noopBytes = new Uint8Array(readFileSync(join(ROOT, NOOP)));
  rows.push({ what: "module size: filters/authz", figures: `${authz.length} B` });
  const configs = SIZES.map((n) => ({ n, cfg: policyOf(n) }));

  // Lean driver: the guest's own cost. Configure time = instantiate + on_configure (the lean driver
  // does both in leanModule; a bare instantiate is measured apart and subtracted).
  const t00 = performance.now();
  const lean = [await leanModule("sdk noop", noopBytes, { rootId: "noop", requestHeaders: REQUEST, responseHeaders: RESPONSE })];
  const bare = performance.now() - t00;
  const floorBytes = moduleBytes("bench/authz/floor");
  lean.push(await leanModule(FLOOR, floorBytes, { rootId: "floor", requestHeaders: REQUEST, responseHeaders: RESPONSE }));
  // wall time suffers from whatever else runs on the machine; the process's CPU time much less
  for (const { n, cfg } of configs) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = await leanModule(`authz ${n.toLocaleString("en")} rights`, authz, { rootId: "authz", pluginConfig: cfg, requestHeaders: REQUEST, responseHeaders: RESPONSE });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    rows.push({ what: `configure (lean): ${n.toLocaleString("en")} rights`, figures: `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${ms.toFixed(0)} ms wall) compile + instantiate + on_configure, ${m.pages()} pages (${mib(m.pages())})`, note: `${(cfg.length / 1024).toFixed(0)} KiB JSON; noop compile + instantiate ${bare.toFixed(0)} ms wall` });
    lean.push(m);
  }
  for (const l of lean.slice(2)) { // the work is really done: allowed, verified header set, rev on the response
    l.request();
    if (l.header("request", "x-road-client-verified") !== "DEV/GOV/c1/app" || l.header("response", "x-road-policy-rev") !== "1") throw new Error(`${l.name} (lean): not allowed`);
  }
  { // where the time goes besides the guest's own work: the hostcalls of one allowed request
    const l = lean[2], r0 = { ...l.counts };
    l.request();
    rows.push({ what: "hostcalls per allowed request (lean)", figures: `${l.counts.headerReads - r0.headerReads} header read (all pairs), ${l.counts.headerWrites - r0.headerWrites} header writes (remove the client header, set the verified one, rev on the response), 1 metric increment; noop: none` });
  }
  const leanFig = sideBySide(lean.map((l) => ({ name: l.name, run: l.request })), quick ? { batches: 20, batchSize: 500, warmupBatches: 5 } : { batches: 200, batchSize: 2000 });
  rows.push(...figureRows("lean driver", leanFig));
  rows.push({ what: "lean driver memory pages after the run", figures: lean.slice(2).map((l) => `${l.name}: ${l.pages()}`).join(", ") });
  lean.length = 0;

  // Host emulator: on_configure alone is a reconfigure on the same VM (new root context).
  const noop = await Emulator.load({ wasm: noopBytes, rootId: "noop", vmId: "bench", logLevel: "info", canary: false, recordLimit: 0 });
  const floor = await Emulator.load({ wasm: floorBytes, rootId: "floor", vmId: "bench", logLevel: "info", canary: false, recordLimit: 0 });
  const plugins: Array<{ n: number; p: EmulatedPlugin }> = [];
  for (const { n, cfg } of configs) {
    const p = await Emulator.load({ wasm: authz, rootId: "authz", vmId: "bench", pluginConfig: cfg, logLevel: "info", canary: false, recordLimit: 0 });
    const pages0 = p.memoryPages();
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    p.reconfigure({ pluginConfig: cfg });
    const confMs = performance.now() - t1;
    const cpu = process.cpuUsage(c1);
    rows.push({ what: `configure (emulator): ${n.toLocaleString("en")} rights`, figures: `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (${confMs.toFixed(0)} ms wall) on_configure, ${pages0} pages after the first load (${mib(pages0)}), ${p.memoryPages()} after a second` });
    plugins.push({ n, p });
  }
  const lifecycle = (p: EmulatedPlugin) => () => {
    const s = p.http();
    s.sendRequestHeaders(REQUEST, { endOfStream: true });
    if (s.localReply) throw new Error(`bench request denied: ${s.localReply.body}`);
    s.sendResponseHeaders(RESPONSE, { endOfStream: true });
    s.complete();
  };
  const emuFig = sideBySide([
    { name: "sdk noop", run: lifecycle(noop) },
    { name: FLOOR, run: lifecycle(floor) },
    ...plugins.map(({ n, p }) => ({ name: `authz ${n.toLocaleString("en")} rights`, run: lifecycle(p) })),
  ], quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });
  rows.push(...figureRows("host emulator", emuFig));
  rows.push({ what: "emulator memory pages after the run", figures: plugins.map(({ n, p }) => `${n.toLocaleString("en")}: ${p.memoryPages()}`).join(", ") });
  return rows;
}

function figureRows(driver: string, figs: Figures[]): Row[] {
  const base = figs[0], floor = figs.find((f) => f.name === FLOOR)!;
  return figs.map((f) => ({
    what: `per request, ${driver}: ${f.name}`,
    figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`,
    note: `${(f.medianNs / base.medianNs).toFixed(2)}× noop` + (f.name.startsWith("authz") ? `, ${(f.medianNs / floor.medianNs).toFixed(2)}× floor` : "") +
      `, +${fmtUs(f.medianNs - base.medianNs)}; ${f.batches} batches × ${f.batchSize}`,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runAuthzBench(process.argv.includes("--quick"));
  for (const r of rows) console.log(`${r.what.padEnd(52)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

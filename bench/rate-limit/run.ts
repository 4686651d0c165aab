// bench/rate-limit: what filters/rate-limit costs per request in local mode next to the SDK no-op filter
// (bench/sdk/noop), side by side in one run, plus its module size.
// Two drivers:
//   - the host emulator (Envoy's semantics for every hostcall, shared data with CAS, virtual clock);
//   - the lean driver (bench/lib/lean-driver.ts: direct export calls, one VM's shared data with Envoy's CAS
//     rules, the wall clock): the guest's own cost plus the cheapest Envoy-like answers.
// A third candidate, the hostcall floor (bench/rate-limit/floor: the SDK no-op plus exactly rate-limit's
// hostcalls for an allowed request, constant values), splits the gap: rate-limit / floor is rate-limit's
// own guest work, floor / no-op what its hostcalls cost in that driver.
// Shapes (one worker VM, Envoy's default log level info):
//   - one key: every request has the same verified client id (one bucket, found at its home slot);
//   - 10,000 keys: client ids cycle through 10,000 values (max_keys 20,000: every key keeps its bucket);
//   - one key, x-ratelimit headers OFF: the same without the three response-header writes;
//   - one key, limited: the bucket is empty, every request is answered 429 (no shared-data write).
// A lifecycle is: context create, request headers (eos), response headers (eos), on_log, on_done, on_delete.
// Usage: node --import tsx bench/rate-limit/run.ts [--quick]
import { statSync } from "node:fs";
import { join } from "node:path";
import { sideBySide, fmtUs, type Figures } from "../lib/measure.ts";
import { leanModule } from "../lib/lean-driver.ts";
import type { Row } from "../sdk/run.ts";
import { Emulator, type EmulatedPlugin } from "../../host/index.ts";
import { moduleBytes, ROOT } from "../../test/lib/modules.ts";

const NOOP = { name: "sdk noop", dir: "bench/sdk/noop", rootId: "noop" };
const RL = { dir: "filters/rate-limit", rootId: "rate-limit" };
const FLOOR = { name: "hostcall floor", dir: "bench/rate-limit/floor", rootId: "floor" };
const HEADERS_OFF = (cfg: string) => cfg.replace("{", '{"enable_x_ratelimit_headers":"OFF",');
const RES: [string, string][] = [[":status", "200"]];
const KEYS = 10_000;

const config = (rpu: number, unit: string, maxKeys: number) => JSON.stringify({
  actions: [{ source: "client_id" }],
  descriptors: [{ name: "per-client", entries: [{ key: "client_id" }], rate_limit: { requests_per_unit: rpu, unit } }],
  max_keys: maxKeys,
});

const headersFor = (client: string): [string, string][] =>
  [[":method", "GET"], [":path", "/r1/EE/GOV/70000002/reg/getPerson/v1"], [":authority", "bench"], ["x-road-client-verified", client]];

function lifecycle(p: EmulatedPlugin, h: [string, string][], expect: "allowed" | "limited"): () => void {
  return () => {
    const s = p.http();
    const a = s.sendRequestHeaders(h, { endOfStream: true });
    if ((a === "Continue") !== (expect === "allowed")) throw new Error(`expected ${expect}, got ${a}: the benchmark is not measuring what it says`);
    if (a === "Continue") s.sendResponseHeaders(RES, { endOfStream: true });
    s.complete();
  };
}

export async function runRateLimitBench(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const noopBytes = moduleBytes(NOOP.dir), rlBytes = moduleBytes(RL.dir), floorBytes = moduleBytes(FLOOR.dir);
  const size = (d: string) => statSync(join(ROOT, d, "build", d.split("/").pop() + ".wasm")).size;
  rows.push({ what: "module size: rate-limit", figures: `${size(RL.dir)} B` });
  rows.push({ what: "module size: sdk noop", figures: `${size(NOOP.dir)} B` });
  rows.push({ what: "module size: hostcall floor", figures: `${size(FLOOR.dir)} B` });
  const h1 = headersFor("EE/GOV/70000001/app");

  // lean driver: one key, headers off, limited (the driver sends the same request every time)
  const lean = async (name: string, bytes: Uint8Array, rootId: string, cfg: string) => {
    const m = await leanModule(name, bytes, { rootId, pluginConfig: cfg, requestHeaders: h1 });
    m.request();
    return m;
  };
  const lNoop = await lean(NOOP.name, noopBytes, NOOP.rootId, "");
  const lFloor = await lean(FLOOR.name, floorBytes, FLOOR.rootId, "");
  const lOne = await lean("rate-limit, one key", rlBytes, RL.rootId, config(1_000_000_000, "second", 10_000));
  const lOff = await lean("rate-limit, one key, x-ratelimit headers OFF", rlBytes, RL.rootId, HEADERS_OFF(config(1_000_000_000, "second", 10_000)));
  const lLimited = await lean("rate-limit, one key, limited (429)", rlBytes, RL.rootId, config(1, "day", 10_000));
  if (lOne.header("response", "x-ratelimit-remaining") === undefined) throw new Error("lean: rate-limit wrote no x-ratelimit headers: the benchmark is not measuring the work");
  const replies = lLimited.counts.localReplies;
  lLimited.request();
  if (lLimited.counts.localReplies !== replies + 1) throw new Error("lean: the limited shape was not answered 429");
  const leanFigs = sideBySide([lNoop, lFloor, lOne, lOff, lLimited].map((m) => ({ name: m.name, run: m.request })),
    quick ? { batches: 30, batchSize: 2000 } : { batches: 200, batchSize: 5000 });
  rows.push(...figureRows("lean driver", leanFigs));

  const load = (bytes: Uint8Array, rootId: string, cfg: string) =>
    Emulator.loadSync({ wasm: bytes, rootId, vmId: "bench-" + rootId + cfg.length, pluginConfig: cfg, logLevel: "info", canary: false, recordLimit: 0 });
  const noop = load(noopBytes, NOOP.rootId, "");
  const one = load(rlBytes, RL.rootId, config(1_000_000_000, "second", 10_000));
  const many = load(rlBytes, RL.rootId, config(1_000_000_000, "second", 2 * KEYS));
  const limited = load(rlBytes, RL.rootId, config(1, "day", 10_000));
  const noHeaders = load(rlBytes, RL.rootId, HEADERS_OFF(config(1_000_000_000, "second", 10_000)));
  const floor = load(floorBytes, FLOOR.rootId, "");
  lifecycle(limited, h1, "allowed")();

  const hk = Array.from({ length: KEYS }, (_, i) => headersFor(`EE/GOV/7${String(i).padStart(7, "0")}/app`));
  let i = 0;
  const manyRuns = hk.map((h) => lifecycle(many, h, "allowed"));
  for (const r of manyRuns) r(); // every key has its bucket before timing
  const figs = sideBySide([
    { name: NOOP.name, run: lifecycle(noop, h1, "allowed") },
    { name: FLOOR.name, run: lifecycle(floor, h1, "allowed") },
    { name: "rate-limit, one key", run: lifecycle(one, h1, "allowed") },
    { name: "rate-limit, one key, x-ratelimit headers OFF", run: lifecycle(noHeaders, h1, "allowed") },
    { name: `rate-limit, ${KEYS} keys`, run: () => manyRuns[i++ % KEYS]() },
    { name: "rate-limit, one key, limited (429)", run: lifecycle(limited, h1, "limited") },
  ], quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });
  rows.push(...figureRows("host emulator", figs));
  // hostcalls per request (what the emulator's per-call cost multiplies): a short recorded run per shape
  for (const [name, cfg, h] of [["one key", config(1_000_000_000, "second", 100), h1], ["one key, headers OFF", HEADERS_OFF(config(1_000_000_000, "second", 100)), h1]] as const) {
    const p = Emulator.loadSync({ wasm: rlBytes, rootId: RL.rootId, vmId: "count", pluginConfig: cfg, logLevel: "info", canary: false });
    lifecycle(p, h, "allowed")();
    const before = p.hostcalls().length;
    lifecycle(p, h, "allowed")();
    const calls = p.hostcalls().slice(before).map((c) => c.name.replace(/^proxy_/, ""));
    rows.push({ what: `hostcalls per request: rate-limit, ${name}`, figures: `${calls.length}`, note: calls.join(" ") });
  }
  // on_configure cost: the first VM of a proxy creates the max_keys slots; later VMs (one per worker) find
  // the marker. Load time with 1 and 4 worker VMs (compile included, no canary), best of 3.
  const loadMs = (workers: number) => {
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = process.hrtime.bigint();
      Emulator.loadSync({ wasm: rlBytes, rootId: RL.rootId, vmId: `cfg${workers}-${r}`, pluginConfig: config(100, "minute", 10_000), logLevel: "info", canary: false, recordLimit: 0, workers });
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return best;
  };
  rows.push({ what: "configure (emulator), max_keys 10,000: load with 1 worker VM", figures: `${loadMs(1).toFixed(1)} ms`, note: "compile + instantiate + on_configure; the VM creates the 10,000 slots" });
  rows.push({ what: "configure (emulator), max_keys 10,000: load with 4 worker VMs", figures: `${loadMs(4).toFixed(1)} ms`, note: "the first creates the slots, the other three read the marker" });
  const slotsUsed = many.runtime.process.sharedDataKeys(many.runtime.info.vmId).length;
  rows.push({ what: `shared-data slots of the ${KEYS}-key plugin`, figures: `${slotsUsed}`, note: "max_keys slots + the marker, created at configure by the first VM" });
  if (many.metric("rate_limit.local_failures.reason=key_overflow")) throw new Error("keys overflowed: the 10,000-key figure would measure the failure path");
  return rows;
}

/** Per-request rows, then each rate-limit shape against the no-op and against the hostcall floor. */
function figureRows(driver: string, figs: Figures[]): Row[] {
  const rows: Row[] = [];
  const noop = figs.find((f) => f.name === NOOP.name)!, floor = figs.find((f) => f.name === FLOOR.name)!;
  for (const f of figs) rows.push({ what: `per request, ${driver}: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${f.batches} batches × ${f.batchSize}` });
  rows.push({ what: `ratio hostcall floor / sdk noop (${driver}, medians)`, figures: `${(floor.medianNs / noop.medianNs).toFixed(2)}×`, note: "the same hostcalls as one key, no other work" });
  for (const f of figs) {
    if (!f.name.startsWith("rate-limit")) continue;
    rows.push({ what: `ratio ${f.name} / sdk noop (${driver}, medians)`, figures: `${(f.medianNs / noop.medianNs).toFixed(2)}×`, note: f.name.endsWith("one key") ? "goal ≤ 2×" : undefined });
    if (f.name.endsWith("one key")) rows.push({ what: `ratio ${f.name} / hostcall floor (${driver}, medians)`, figures: `${(f.medianNs / floor.medianNs).toFixed(2)}×`, note: "rate-limit's own guest work" });
  }
  return rows;
}

function printRows(rows: Row[]) {
  for (const r of rows) console.log(`${r.what.padEnd(66)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

if (import.meta.url === `file://${process.argv[1]}`) printRows(await runRateLimitBench(process.argv.includes("--quick")));

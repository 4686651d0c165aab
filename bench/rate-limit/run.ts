// bench/rate-limit: what filters/rate-limit costs per request in local mode next to the SDK no-op filter
// (bench/sdk/noop), side by side in one run, plus its module size and its configure cost.
// Two drivers:
//   - the host emulator (Envoy's semantics for every hostcall, shared data with CAS, virtual clock);
//   - the lean driver (bench/lib/lean-driver.ts: direct export calls, one VM's shared data with Envoy's CAS
//     rules, the wall clock): the guest's own cost plus the cheapest Envoy-like answers.
// Each rate-limit shape also runs beside its hostcall floor (bench/rate-limit/floor: the SDK no-op plus
// exactly the hostcalls rate-limit makes in that shape, constant values, no other work), which splits the
// gap: rate-limit / floor is rate-limit's own guest work, floor / no-op what its hostcalls cost there.
// Shapes (one worker VM, Envoy's default log level info):
//   - one key: every request has the same verified client id (one bucket, found at its home slot);
//   - one key, x-ratelimit headers OFF: the same without the three response-header writes;
//   - 10,000 keys: client ids cycle through 10,000 values (max_keys 20,000: every key keeps its bucket,
//     found after 1.5 slot reads on average);
//   - one key, limited: the bucket is empty, every request is answered 429 (no shared-data write).
// A lifecycle is: context create, request headers (eos), response headers (eos), on_log, on_done, on_delete.
// Usage: node --import tsx bench/rate-limit/run.ts [--quick]
import { statSync } from "node:fs";
import { join } from "node:path";
import { sideBySide, fmtUs, type Figures } from "../lib/measure.ts";
import { leanModule, type LeanModule } from "../lib/lean-driver.ts";
import type { Row } from "../sdk/run.ts";
import { Emulator, type EmulatedPlugin } from "../../host/index.ts";
import { moduleBytes, ROOT } from "../../test/lib/modules.ts";

const NOOP = { name: "sdk noop", dir: "bench/sdk/noop", rootId: "noop" };
const RL = { dir: "filters/rate-limit", rootId: "rate-limit" };
const FLOOR = { dir: "bench/rate-limit/floor", rootId: "floor" };
const HEADERS_OFF = (cfg: string) => cfg.replace("{", '{"enable_x_ratelimit_headers":"OFF",');
const RES: [string, string][] = [[":status", "200"]];
const KEYS = 10_000;

const config = (rpu: number, unit: string, maxKeys: number) => JSON.stringify({
  actions: [{ source: "client_id" }],
  descriptors: [{ name: "per-client", entries: [{ key: "client_id" }], rate_limit: { requests_per_unit: rpu, unit } }],
  max_keys: maxKeys,
});
const ONE = config(1_000_000_000, "second", 10_000);
// 100,000/day: a touched bucket takes 0.86 s per token to refill, so the 10,000 buckets stay in use (not
// reclaimable) under the lean driver's wall clock too, as the keys of active clients do
const MANY = config(100_000, "day", 2 * KEYS);
const LIMITED = config(1, "day", 10_000);

/** The shapes: rate-limit's configuration, its floor's configuration (see floor/assembly/index.ts). */
const SHAPES = [
  { shape: "one key", rl: ONE, floor: "" },
  { shape: "one key, x-ratelimit headers OFF", rl: HEADERS_OFF(ONE), floor: "headers_off" },
  { shape: `${KEYS} keys`, rl: MANY, floor: `keys:${2 * KEYS}` },
  { shape: "one key, limited (429)", rl: LIMITED, floor: "limited" },
];
const rlName = (shape: string) => `rate-limit, ${shape}`;
const floorName = (shape: string) => `hostcall floor, ${shape}`;

const headersFor = (client: string): [string, string][] =>
  [[":method", "GET"], [":path", "/r1/EE/GOV/70000002/reg/getPerson/v1"], [":authority", "bench"], ["x-road-client-verified", client]];
const CLIENTS = Array.from({ length: KEYS }, (_, i) => `EE/GOV/7${String(i).padStart(7, "0")}/app`);
const clientOf = (i: number) => CLIENTS[i];

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

  // lean driver. It sends the same header list every request, copying the list (not the pairs) per
  // request: the 10,000-key shape changes the client value in its one pair before each request.
  const leanCands: { name: string; run: () => void }[] = [];
  const lean = (name: string, bytes: Uint8Array, rootId: string, cfg: string, h: [string, string][]) =>
    leanModule(name, bytes, { rootId, pluginConfig: cfg, requestHeaders: h });
  const lNoop = await lean(NOOP.name, noopBytes, NOOP.rootId, "", headersFor(clientOf(0)));
  leanCands.push({ name: NOOP.name, run: lNoop.request });
  for (const s of SHAPES) {
    const many = s.rl === MANY;
    const h = headersFor(clientOf(0));
    const fl = await lean(floorName(s.shape), floorBytes, FLOOR.rootId, s.floor, h);
    const rl = await lean(rlName(s.shape), rlBytes, RL.rootId, s.rl, h);
    rl.request(); // the limited shape's one token goes here
    let run = rl.request;
    if (many) {
      let i = 0;
      run = () => { h[3][1] = clientOf(i++ % KEYS); rl.request(); };
      for (let k = 0; k < KEYS; k++) run(); // every key has its bucket before timing
    }
    checkLean(s.shape, rl, h);
    leanCands.push({ name: fl.name, run: fl.request }, { name: rl.name, run });
  }
  await checkLeanKeys(rlBytes);
  const leanFigs = sideBySide(leanCands, quick ? { batches: 30, batchSize: 1000 } : { batches: 200, batchSize: 5000 });
  rows.push(...figureRows("lean driver", leanFigs));

  const load = (bytes: Uint8Array, rootId: string, cfg: string, vmId: string) =>
    Emulator.loadSync({ wasm: bytes, rootId, vmId, pluginConfig: cfg, logLevel: "info", canary: false, recordLimit: 0 });
  const h1 = headersFor(clientOf(0));
  const cands: { name: string; run: () => void }[] = [{ name: NOOP.name, run: lifecycle(load(noopBytes, NOOP.rootId, "", "bench-noop"), h1, "allowed") }];
  let many: EmulatedPlugin | null = null;
  SHAPES.forEach((s, n) => {
    const limited = s.rl === LIMITED;
    const fl = load(floorBytes, FLOOR.rootId, s.floor, `bench-floor-${n}`);
    const rl = load(rlBytes, RL.rootId, s.rl, `bench-rl-${n}`);
    let run = lifecycle(rl, h1, limited ? "limited" : "allowed");
    if (limited) lifecycle(rl, h1, "allowed")(); // takes the one token
    if (s.rl === MANY) {
      many = rl;
      const runs = Array.from({ length: KEYS }, (_, k) => lifecycle(rl, headersFor(clientOf(k)), "allowed"));
      for (const r of runs) r(); // every key has its bucket before timing
      let i = 0;
      run = () => runs[i++ % KEYS]();
    }
    cands.push({ name: floorName(s.shape), run: lifecycle(fl, h1, limited ? "limited" : "allowed") }, { name: rlName(s.shape), run });
  });
  const figs = sideBySide(cands, quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });
  rows.push(...figureRows("host emulator", figs));
  const m = many as EmulatedPlugin | null;
  if (m === null || m.metric("rate_limit.local_failures.reason=key_overflow")) throw new Error("keys overflowed: the 10,000-key figure would measure the failure path");
  rows.push(...hostcallRows(rlBytes));
  rows.push(...configureRows(rlBytes));
  rows.push({ what: `shared-data slots of the ${KEYS}-key plugin`, figures: `${m.runtime.process.sharedDataKeys(m.runtime.info.vmId).length}`, note: "max_keys slots + the marker, created at configure by the first VM" });
  return rows;
}

/** The lean shapes do the work they stand for (headers written; the limited shape answers 429). */
function checkLean(shape: string, m: LeanModule, h: [string, string][]): void {
  const replies = m.counts.localReplies;
  m.request();
  const limited = shape.includes("limited");
  if (limited !== (m.counts.localReplies === replies + 1)) throw new Error(`lean ${shape}: expected ${limited ? "a 429" : "no local reply"}`);
  const headers = !limited && !shape.includes("OFF");
  if (headers !== (m.header("response", "x-ratelimit-remaining") !== undefined)) throw new Error(`lean ${shape}: x-ratelimit headers ${headers ? "missing" : "unexpected"}`);
  h[3][1] = clientOf(0);
}

/** The lean 10,000-key trick (changing the pair's value) really gives 10,000 buckets: at 1/day, each
 *  client passes once and the first one is then limited. */
async function checkLeanKeys(rlBytes: Uint8Array): Promise<void> {
  const h = headersFor(clientOf(0));
  const m = await leanModule("keys check", rlBytes, { rootId: RL.rootId, pluginConfig: config(1, "day", 2 * KEYS), requestHeaders: h });
  for (let k = 0; k < KEYS; k++) { h[3][1] = clientOf(k); m.request(); }
  const passed = m.counts.localReplies === 0;
  h[3][1] = clientOf(0);
  m.request();
  if (!passed || m.counts.localReplies !== 1) throw new Error("lean: the 10,000-key shape does not give one bucket per client");
}

/** Hostcalls per request in each shape (what the emulator's per-call cost multiplies), from a recorded run. */
function hostcallRows(rlBytes: Uint8Array): Row[] {
  const rows: Row[] = [];
  for (const s of SHAPES) {
    const p = Emulator.loadSync({ wasm: rlBytes, rootId: RL.rootId, vmId: "count", pluginConfig: s.rl, logLevel: "info", canary: false, recordLimit: 10_000_000 });
    const limited = s.rl === LIMITED;
    const n = s.rl === MANY ? KEYS : 1;
    const runs = Array.from({ length: n }, (_, k) => lifecycle(p, headersFor(clientOf(k)), "allowed"));
    for (const r of runs) r();
    if (limited) lifecycle(p, headersFor(clientOf(0)), "limited")(); // defines the limited counter
    const before = p.hostcalls().length;
    if (limited) lifecycle(p, headersFor(clientOf(0)), "limited")();
    else for (const r of runs) r();
    const calls = p.hostcalls().slice(before).map((c) => c.name.replace(/^proxy_/, ""));
    if (n === 1) rows.push({ what: `hostcalls per request: ${rlName(s.shape)}`, figures: `${calls.length}`, note: calls.join(" ") });
    else {
      const gets = calls.filter((c) => c === "get_shared_data").length;
      rows.push({ what: `hostcalls per request: ${rlName(s.shape)}`, figures: `${(calls.length / n).toFixed(2)}`, note: `mean; get_shared_data ${(gets / n).toFixed(2)} (slots probed: linear probing at load 0.5)` });
    }
  }
  return rows;
}

/** on_configure: the first VM of a proxy creates the max_keys slots; later VMs (one per worker) find
 *  the marker. Load times (compile, instantiate, on_configure; no canary), best of 5; the per-VM figures
 *  are differences of loads. */
function configureRows(rlBytes: Uint8Array): Row[] {
  const loadMs = (workers: number, maxKeys: number) => {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      Emulator.loadSync({ wasm: rlBytes, rootId: RL.rootId, vmId: `cfg${workers}-${maxKeys}-${r}`, pluginConfig: config(100, "minute", maxKeys), logLevel: "info", canary: false, recordLimit: 0, workers });
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return best;
  };
  const small = loadMs(1, 16), one = loadMs(1, KEYS), nine = loadMs(9, KEYS);
  return [
    { what: "configure (emulator): load, 1 worker VM, max_keys 16", figures: `${small.toFixed(2)} ms`, note: "compile + instantiate + on_configure with a table of 16 slots: the baseline" },
    { what: `configure (emulator): load, 1 worker VM, max_keys ${KEYS}`, figures: `${one.toFixed(2)} ms`, note: `the first VM creates the ${KEYS} slots` },
    { what: `configure (emulator): load, 9 worker VMs, max_keys ${KEYS}`, figures: `${nine.toFixed(2)} ms`, note: "the first creates the slots, the other eight read the marker" },
    { what: "configure (emulator): first VM, creating the slot table", figures: `≈ ${(one - small).toFixed(2)} ms`, note: `load with max_keys ${KEYS} − load with 16` },
    { what: "configure (emulator): each later VM (instantiate + on_configure)", figures: `≈ ${((nine - one) / 8).toFixed(2)} ms`, note: "(9 VMs − 1 VM) / 8: one shared-data read, no slot created" },
  ];
}

/** Per-request rows, then the ratios: each floor / the no-op, each rate-limit shape / the no-op and / its floor. */
function figureRows(driver: string, figs: Figures[]): Row[] {
  const rows: Row[] = [];
  const by = (name: string) => figs.find((f) => f.name === name)!;
  const noop = by(NOOP.name);
  for (const f of figs) rows.push({ what: `per request, ${driver}: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${f.batches} batches × ${f.batchSize}` });
  for (const s of SHAPES) {
    const rl = by(rlName(s.shape)), fl = by(floorName(s.shape));
    const ratio = (a: Figures, b: Figures) => `${(a.medianNs / b.medianNs).toFixed(2)}×`;
    rows.push({ what: `ratio, ${driver}, ${s.shape}: floor / noop`, figures: ratio(fl, noop), note: "what the hostcalls cost" });
    rows.push({ what: `ratio, ${driver}, ${s.shape}: rate-limit / noop`, figures: ratio(rl, noop), note: s.shape === "one key" ? "goal ≤ 2×" : undefined });
    rows.push({ what: `ratio, ${driver}, ${s.shape}: rate-limit / floor`, figures: ratio(rl, fl), note: "rate-limit's own guest work" });
  }
  return rows;
}

function printRows(rows: Row[]) {
  for (const r of rows) console.log(`${r.what.padEnd(66)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

if (import.meta.url === `file://${process.argv[1]}`) printRows(await runRateLimitBench(process.argv.includes("--quick")));

// bench/authz: the authz filter's per-request cost with policies of 10, 1,000 and 100,000 rights,
// side by side with the SDK no-op filter in the host emulator; on_configure time and memory pages per
// policy size; module size. Goal (issue 4): per-request cost flat in the number of rights (≤ 1.5× the
// no-op at 100,000) and configure of 100,000 rights under 500 ms.
// Usage: node --import tsx bench/authz/run.ts [--quick]
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sideBySide, fmtUs } from "../lib/measure.ts";
import type { Row } from "../sdk/run.ts";
import { Emulator, type EmulatedPlugin } from "../../host/index.ts";
import { moduleBytes } from "../../test/lib/modules.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const NOOP = "bench/sdk/noop/build/noop.wasm";
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

export async function runAuthzBench(quick = false): Promise<Row[]> {
  const rows: Row[] = [];
  const authz = moduleBytes("filters/authz");
  rows.push({ what: "module size: filters/authz", figures: `${authz.length} B` });
  const noop = await Emulator.load({ wasm: new Uint8Array(readFileSync(join(ROOT, NOOP))), rootId: "noop", vmId: "bench", logLevel: "info", canary: false });
  const plugins: Array<{ n: number; p: EmulatedPlugin }> = [];
  for (const n of SIZES) {
    const cfg = policyOf(n);
    const t0 = performance.now();
    const p = await Emulator.load({ wasm: authz, rootId: "authz", vmId: "bench", pluginConfig: cfg, logLevel: "info", canary: false });
    const loadMs = performance.now() - t0;
    // on_configure alone: a reconfigure on the same VM (new root context) with the same policy
    const t1 = performance.now();
    p.reconfigure({ pluginConfig: cfg });
    const confMs = performance.now() - t1;
    const guest = p.logMessages({ level: "info" }).filter((m) => m.startsWith("authz: policy rev=")).pop()?.match(/\((\d+) ms\)/)?.[1];
    rows.push({ what: `configure: ${n.toLocaleString("en")} rights`, figures: `${confMs.toFixed(0)} ms on_configure (guest-measured ${guest} ms), ${p.memoryPages()} pages (${(p.memoryPages() / 16).toFixed(1)} MiB)`, note: `${(cfg.length / 1024).toFixed(0)} KiB JSON; first load incl. VM start ${loadMs.toFixed(0)} ms` });
    plugins.push({ n, p });
  }
  const reqH = (s: number): [string, string][] => [[":method", "GET"], [":path", `/r1/DEV/GOV/${1000 + (s % 10)}/provider/svc${s}/v1/items/1`], [":authority", "bench"], ["x-road-client", "DEV/GOV/c1/app"], ["x-request-id", "r"]];
  const resH: [string, string][] = [[":status", "200"]];
  const lifecycle = (p: EmulatedPlugin, h: [string, string][]) => () => {
    const s = p.http();
    s.sendRequestHeaders(h, { endOfStream: true });
    if (s.localReply) throw new Error(`bench request denied: ${s.localReply.body}`);
    s.sendResponseHeaders(resH, { endOfStream: true });
    s.complete();
  };
  const figs = sideBySide([
    { name: "sdk noop", run: lifecycle(noop, reqH(1)) },
    // right ar-1 (client c1, GET /v1/items/*) lives in svc0; the last service holds the newest rights
    ...plugins.map(({ n, p }) => ({ name: `authz ${n.toLocaleString("en")} rights`, run: lifecycle(p, reqH(0)) })),
  ], quick ? { batches: 20, batchSize: 200 } : { batches: 100, batchSize: 1000 });
  const base = figs.find((f) => f.name === "sdk noop")!;
  for (const f of figs) {
    rows.push({ what: `per request, host emulator: ${f.name}`, figures: `median ${fmtUs(f.medianNs)}, p99 ${fmtUs(f.p99Ns)}`, note: `${(f.medianNs / base.medianNs).toFixed(2)}× noop; ${f.batches} batches × ${f.batchSize}` });
  }
  // memory after the run (stable pages = no per-request growth)
  rows.push({ what: "memory pages after the run", figures: plugins.map(({ n, p }) => `${n.toLocaleString("en")}: ${p.memoryPages()}`).join(", ") });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runAuthzBench(process.argv.includes("--quick"));
  for (const r of rows) console.log(`${r.what.padEnd(48)} ${r.figures}${r.note ? `   (${r.note})` : ""}`);
}

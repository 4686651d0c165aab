// bench/config: ConfigReader (tape, count/item iteration) vs the JsonValue tree (Json.parse) reading the
// same authz-shaped policy (bench/authz/run.ts policyOf: 1,000 clients, 100 rights per service) at 1,000
// and 100,000 rights, in the host emulator: on_configure time (a reconfigure on a loaded VM: the JSON is
// parsed and every field read; nothing is kept) and the VM's memory pages.
// Usage: node --import tsx bench/config/run.ts
import { Emulator } from "../../host/index.ts";
import { moduleBytes } from "../../test/lib/modules.ts";
import { policyOf } from "../authz/run.ts";

const MODS = [{ name: "ConfigReader (tape)", dir: "bench/config/reader" }, { name: "Json.parse (tree)", dir: "bench/config/tree" }];

export async function runConfigBench(): Promise<Array<{ what: string; figures: string }>> {
  const rows: Array<{ what: string; figures: string }> = [];
  for (const n of [1000, 100000]) {
    const cfg = policyOf(n);
    for (const m of MODS) {
      const p = await Emulator.load({ wasm: moduleBytes(m.dir), rootId: "config-bench", vmId: "bench", pluginConfig: cfg, logLevel: "info", canary: false });
      const pages0 = p.memoryPages();
      let best = Infinity, cpuBest = Infinity;
      for (let i = 0; i < 3; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        p.reconfigure({ pluginConfig: cfg });
        best = Math.min(best, performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpuBest = Math.min(cpuBest, (c.user + c.system) / 1000);
      }
      rows.push({ what: `${m.name}, ${n.toLocaleString("en")} rights (${(cfg.length / 1024).toFixed(0)} KiB JSON)`, figures: `on_configure best of 3: ${best.toFixed(0)} ms wall, ${cpuBest.toFixed(0)} ms CPU; ${pages0} pages (${(pages0 / 16).toFixed(1)} MiB) after the first load, ${p.memoryPages()} after 3 more` });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await runConfigBench()) console.log(`${r.what.padEnd(58)} ${r.figures}`);
}

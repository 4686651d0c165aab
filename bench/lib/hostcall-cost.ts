// Host-side cost of single hostcalls in the host runtime (host/runtime): each import function as the
// emulator links it (the same wrapper: restricted-phase gate, error mapping, records when kept) called
// from JS in a loop, inside a stream context whose request headers are available, with arguments in
// the guest's memory. What it leaves out is the wasm→JS transition itself (tens of ns), which every
// host pays alike; bench/request-id's "hostcall floor" measures hostcalls through wasm.
// Usage: node --import tsx bench/lib/hostcall-cost.ts [--records]   (--records: a plugin that keeps
// hostcall records, the emulator's default; without it recordLimit 0, as the benchmarks run it)
import { Plugin } from "../../host/runtime/plugin.ts";
import { buildHostcalls } from "../../host/runtime/hostcalls.ts";
import { buildWasi } from "../../host/runtime/wasi.ts";
import { toHeaderMap } from "../../host/runtime/headers.ts";
import { moduleBytes } from "../../test/lib/modules.ts";
import { hostImports } from "../../host/wasm/envoy-abi.ts";

const records = process.argv.includes("--records");
const plugin = new Plugin({ wasm: moduleBytes("bench/sdk/noop"), rootId: "noop", vmId: "bench", canary: false, logLevel: "info", recordLimit: records ? 100_000 : 0 }).start();
const vm = plugin.workers[0].vm;
// the import functions exactly as instantiate() links them (wrap is private: reached for the benchmark only)
const wrap = (vm as unknown as { wrap(key: string, impl: Function, voidResult: boolean, arity: number): Function }).wrap.bind(vm);
const env = buildHostcalls(vm), wasi = buildWasi(vm);
const sigs = hostImports("0.2.1", { newestCppHost: false });
const link = (mod: string, name: string) => {
  const sig = sigs.get(`${mod}.${name}`);
  if (!sig) throw new Error(`Envoy has no ${mod}.${name}`);
  return wrap(`${mod}.${name}`, mod === "env" ? env[name] : wasi[name], sig.results.length === 0, sig.params.length);
};

// a stream in on_request_headers: context current and effective, request headers available
const s = plugin.newStream(0);
vm.contexts.set(s.id, s.ctx);
s.req.headers = toHeaderMap([[":method", "GET"], [":path", "/"], [":authority", "bench"], ["x-request-id", "f81d4fae-7dec-41d0-a765-00a0c91e6bf6"]]);
s.req.headersAvail = true;
vm.current = vm.effective = s.id;

const scratch = vm.alloc(4096);
let at = scratch;
const put = (b: string | Uint8Array) => { const bytes = typeof b === "string" ? Buffer.from(b, "latin1") : b; const p = at; vm.write(p, bytes); at += bytes.length + 8; return [p, bytes.length] as const; };
const [kp, kl] = put("x-request-id");
const [vp, vl] = put("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
const [sk, skl] = put("rl:EE/GOV/70000001/app");
const [sv, svl] = put(new Uint8Array(16));
const [fn, fnl] = put("set_envoy_filter_state");
const [fa, fal] = put("\n\x0cenvoy.string\x12\x24f81d4fae-7dec-41d0-a765-00a0c91e6bf6");
const [mn, mnl] = put("bench.counter");
const out = at, out2 = at + 4, out3 = at + 8;

const get = link("env", "proxy_get_header_map_value"), replace = link("env", "proxy_replace_header_map_value");
const remove = link("env", "proxy_remove_header_map_value"), now = link("env", "proxy_get_current_time_nanoseconds");
const getSd = link("env", "proxy_get_shared_data"), setSd = link("env", "proxy_set_shared_data");
const defineMetric = link("env", "proxy_define_metric"), incr = link("env", "proxy_increment_metric");
const foreign = link("env", "proxy_call_foreign_function"), random = link("wasi_snapshot_preview1", "random_get");
const pairs = link("env", "proxy_get_header_map_pairs");

const [nop, nopl] = put("x-absent");
if (defineMetric(0, mn, mnl, out3) !== 0) throw new Error("define_metric failed");
const metricId = new DataView(new Uint8Array(vm.read(out3, 4)).buffer).getUint32(0, true);
if (setSd(sk, skl, sv, svl, 0) !== 0) throw new Error("set_shared_data failed");

const cases: Array<[string, () => unknown]> = [
  ["get_header_map_value (present)", () => get(0, kp, kl, out, out2)],
  ["replace_header_map_value", () => replace(0, kp, kl, vp, vl)],
  ["remove_header_map_value (absent)", () => remove(0, nop, nopl)],
  ["get_header_map_pairs (4 headers)", () => pairs(0, out, out2)],
  ["get_current_time_nanoseconds", () => now(out)],
  ["get_shared_data", () => getSd(sk, skl, out, out2, out3)],
  ["set_shared_data (cas 0)", () => setSd(sk, skl, sv, svl, 0)],
  ["increment_metric", () => incr(metricId, 1n)],
  ["random_get (16 bytes)", () => random(out, 16)],
  ["call_foreign_function (set_envoy_filter_state)", () => foreign(fn, fnl, fa, fal, 0, 0)],
];
for (const [name, f] of cases) if (f() !== 0) throw new Error(`${name}: status ${f()}`);

const N = 20_000, ROUNDS = 15;
console.log(`per hostcall, host side (${records ? "records kept" : "recordLimit 0"}); median of ${ROUNDS} rounds × ${N}:`);
for (const [name, f] of cases) {
  const t: number[] = [];
  for (let r = 0; r < ROUNDS + 3; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f();
    if (r >= 3) t.push(Number(process.hrtime.bigint() - t0) / N);
  }
  t.sort((a, b) => a - b);
  console.log(`  ${name.padEnd(48)} ${(t[t.length >> 1] / 1000).toFixed(3)} µs`);
}

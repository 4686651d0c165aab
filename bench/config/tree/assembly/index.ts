// The same policy read through Json.parse's JsonValue tree (what filters did before ConfigReader stopped
// building one), for the side-by-side in bench/config/run.ts.
import { RootContext, registerRootContext, Json, JsonOptions, JsonValue, logError, logInfo, decimal } from "../../../../sdk";
export * from "../../../../sdk/abi/exports";

const OPTS = new JsonOptions();
OPTS.maxBytes = 64 << 20;

function len(v: JsonValue | null): i64 { return v == null ? 0 : v.asString().length; }

class Root extends RootContext {
  onConfigure(size: u32): bool {
    const b = this.getPluginConfiguration();
    const res = Json.parse(b == null ? new ArrayBuffer(0) : b!, OPTS);
    if (!res.ok) {
      logError(res.error!);
      return false;
    }
    const root = res.value!;
    let n: i64 = 0;
    const clients = root.get("clients")!;
    for (let i = 0; i < clients.length; i++) n += clients.keyAt(i).length + len(clients.valueAt(i)!.get("connectionType"));
    const providers = root.get("providers")!;
    for (let i = 0; i < providers.length; i++) {
      const p = providers.valueAt(i)!;
      for (let j = 0; j < p.length; j++) {
        const s = p.valueAt(j)!;
        const eps = s.get("endpoints")!;
        for (let k = 0; k < eps.length; k++) {
          const ep = eps.at(k)!;
          n += len(ep.get("id")) + len(ep.get("m")) + len(ep.get("p"));
        }
        const rights = s.get("rights")!;
        for (let k = 0; k < rights.length; k++) {
          const rt = rights.at(k)!;
          n += len(rt.get("id")) + len(rt.get("ep")) + (rt.get("mode")!.asString() == "DRY_RUN" ? 1 : 0) + rt.get("clients")!.length;
        }
      }
    }
    logInfo("read " + decimal(n));
    return true;
  }
}
registerRootContext((id: u32): RootContext => new Root(id), "config-bench");

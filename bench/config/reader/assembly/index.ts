// bench/config: reads an authz-shaped policy (bench/authz/run.ts policyOf) with ConfigReader's
// non-allocating iteration (count/item, memberCount/member), every field, then finish(). Nothing is
// kept: the figure is the reader's own cost (parse to the tape + typed reads + unknown-field check).
import { RootContext, registerRootContext, ConfigReader, JsonOptions, logError, logInfo, decimal } from "../../../../sdk";
export * from "../../../../sdk/abi/exports";

const OPTS = new JsonOptions();
OPTS.maxBytes = 64 << 20;

class Root extends RootContext {
  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration(), OPTS);
    r.u32("rev", 0);
    r.string("instance", "");
    let n: i64 = 0;
    for (let i = 0, c = r.count("clients"); i < c; i++) {
      const cl = r.item("clients", i);
      n += cl.key.length + cl.string("connectionType", "").length;
    }
    for (let i = 0, c = r.count("providers"); i < c; i++) {
      const p = r.item("providers", i);
      for (let j = 0, m = p.memberCount(); j < m; j++) {
        const s = p.member(j);
        s.string("disabledNotice", "");
        for (let k = 0, e = s.count("endpoints"); k < e; k++) {
          const ep = s.item("endpoints", k);
          n += ep.string("id", "").length + ep.string("m", "").length + ep.string("p", "").length;
        }
        for (let k = 0, e = s.count("rights"); k < e; k++) {
          const rt = s.item("rights", k);
          n += rt.requireString("id").length + rt.string("ep", "").length + rt.oneOfIndex("mode", ["ENFORCE", "DRY_RUN"], 0);
          n += rt.stringArray("clients").length;
        }
      }
    }
    r.finish();
    if (!r.ok) {
      logError(r.error!);
      return false;
    }
    logInfo("read " + decimal(n));
    return true;
  }
}
registerRootContext((id: u32): RootContext => new Root(id), "config-bench");

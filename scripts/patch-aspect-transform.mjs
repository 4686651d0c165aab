// as-pect 8.1.0's transform hard-codes AssemblyScript NodeKind numbers; AS 0.28.17 inserted
// NodeKind.TupleType and shifted every later kind by one, so the transform silently skipped classes.
// Rewrite each hard-coded `<n> /* NodeKind.X */` with the installed compiler's value. Idempotent.
import fs from "node:fs";
import { NodeKind } from "assemblyscript/dist/assemblyscript.js";
const dir = "node_modules/@as-pect/transform/lib/";
if (fs.existsSync(dir)) {
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".js"))) {
    const src = fs.readFileSync(dir + f, "utf8");
    const out = src.replace(/\b\d+ \/\* NodeKind\.(\w+) \*\//g, (_, k) => `${NodeKind[k]} /* NodeKind.${k} */`);
    if (out !== src) fs.writeFileSync(dir + f, out);
  }
}

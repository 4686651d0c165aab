// as-pect configuration for the SDK specs. Run under tsx so the real host loads:
//   node --import tsx node_modules/@as-pect/cli/lib/test.js --config as-pect.config.js   (npm test does this)
// Compile settings: ./as-pect.asconfig.json (asp's default). It does not extend asconfig.json: specs keep
// as-pect's own env.abort/trace instead of the SDK's proxyAbort replacement.
import { createSpecHost } from "./test/sdk/host-imports.js";

export default {
  entries: ["test/sdk/**/*.spec.ts"],
  include: ["test/sdk/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    // Each spec file gets its own host; the spec module exports its own memory (the `memory` argument is unused).
    const spec = createSpecHost(binary);
    const loaded = await instantiate(binary, createImports(spec.imports));
    spec.attach(loaded.instance);
    return loaded; // must be the loader result, not loaded.instance
  },
  outputBinary: false,
};

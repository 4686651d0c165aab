// as-pect configuration for the SDK specs: `npx asp --config as-pect.config.js` (npm test runs it too).
// ESM because package.json has "type": "module".
import { buildHostImports, fillMissingImports } from "./test/sdk/host-imports.js";

// Compile settings: ./as-pect.asconfig.json (asp's default). It does not extend asconfig.json: specs keep
// as-pect's own env.abort/trace instead of the SDK's proxyAbort replacement.

export default {
  entries: ["test/sdk/**/*.spec.ts"],
  include: ["test/sdk/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let loaded; // late-bound: the spec module exports its own memory (the `memory` argument is unused)
    const imports = createImports(buildHostImports(() => loaded.exports.memory));
    fillMissingImports(binary, imports);
    loaded = await instantiate(binary, imports);
    return loaded; // must be the loader result, not loaded.instance
  },
  outputBinary: false,
};

// as-pect configuration for the SDK specs: `npx asp --config as-pect.config.js` (npm test runs it too).
// ESM because package.json has "type": "module".
import { existsSync } from "node:fs";
import { buildHostImports, fillMissingImports } from "./test/sdk/host-imports.js";

// The as-pect compile settings live in test/sdk/as-pect.asconfig.json (it must not extend the release
// asconfig.json, whose `use: abort=…` would replace as-pect's env.abort). asp's default is
// ./as-pect.asconfig.json; when that file does not exist and no -a/--as-config was given, point asp at ours.
// (asp parses its options before importing this file and reads them afterwards, through commander's
// shared option object.)
const ASCONFIG = "./test/sdk/as-pect.asconfig.json";
if (!existsSync("./as-pect.asconfig.json") && !process.argv.some((a) => a === "-a" || a.startsWith("--as-config"))) {
  try {
    const { program } = await import("commander");
    const opts = program.opts();
    if (opts.asConfig === "./as-pect.asconfig.json") opts.asConfig = ASCONFIG;
  } catch {
    // fall through: asp then reports the missing asconfig; pass `-a test/sdk/as-pect.asconfig.json`
  }
}

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

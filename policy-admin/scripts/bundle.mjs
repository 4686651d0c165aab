// Production bundle: one ESM file, policy-admin/dist/policy-admin.mjs, run with plain `node` (no tsx).
//   node policy-admin/scripts/bundle.mjs
// better-sqlite3 stays external (a native addon; ship node_modules/better-sqlite3 beside the bundle), as does
// pg-native (optional, unused).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, '..', 'dist', 'policy-admin.mjs');
const result = await build({
  entryPoints: [join(here, '..', 'src', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: true,
  metafile: true,
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies bundled into ESM still call require() for node built-ins.
  banner: { js: "import { createRequire as __pa_createRequire } from 'node:module'; const require = __pa_createRequire(import.meta.url);" },
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundle: ${outfile} (${(bytes / 1024).toFixed(0)} KB)`);

// `npm run bench`: build, then run every benchmark (bench/run.ts), which prints the figures and writes bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);

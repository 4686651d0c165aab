// `npm start`: build every module (incremental), then run the demo (host/gateway/demo.ts).
import { spawnSync } from 'node:child_process';
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const demo = spawnSync(process.execPath, ['--import', 'tsx', 'host/gateway/demo.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(demo.status ?? 1);

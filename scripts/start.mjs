// `npm start`: build what is missing (scripts/build.mjs is incremental), then run the demo security
// server (security-server/main.ts): policy-admin + ADS, two building blocks, the dev gateway on
// 127.0.0.1:10000 fed over ECDS. `node scripts/start.mjs --smoke` starts it on ephemeral ports, checks
// a few requests and a revoke/re-grant, stops, and exits 0/1.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(process.execPath, ['--import', 'tsx', 'security-server/main.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; a plain kill of this process is passed on
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// `npm start`: the demo on its embedded defaults — a loopback HTTP server running the example filters
// (metrics, then hello-world) on 2 worker VMs each, in front of an echo upstream.
//   node --import tsx host/gateway/demo.ts [--port N] [--smoke]
// --smoke sends a few requests to itself, prints what came back and exits (used by the tests).
import { join } from 'node:path';
import { startDevServer, type FilterSpec } from './dev-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const DEMO_FILTERS: FilterSpec[] = [
  { label: 'metrics', wasm: join(ROOT, 'examples/metrics/build/metrics.wasm'), name: 'metrics', rootId: 'metrics', vmId: 'demo', workers: 2, logLevel: 'info', pluginConfig: '{}' },
  { label: 'hello-world', wasm: join(ROOT, 'examples/hello-world/build/hello-world.wasm'), name: 'hello', rootId: 'hello', vmId: 'demo', workers: 2, logLevel: 'info', pluginConfig: '{}' },
];

async function main() {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : smoke ? 0 : Number(process.env.PORT ?? 8080);
  const srv = await startDevServer(DEMO_FILTERS, { port });
  console.log(`demo: listening on ${srv.url} — filters: ${DEMO_FILTERS.map((f) => f.label).join(' → ')} → echo upstream`);
  if (!smoke) {
    console.log(`try:  curl -i ${srv.url}/hello`);
    const stop = () => { srv.close().then(() => process.exit(0)); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  for (const path of ['/hello', '/api/items?x=1']) {
    const r = await fetch(srv.url + path);
    console.log(`GET ${path} -> ${r.status} x-hello=${r.headers.get('x-hello')}`);
    await r.text();
  }
  await srv.close();
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((e) => { console.error(e); process.exit(1); });

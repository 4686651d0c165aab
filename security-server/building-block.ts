// A sample building block on its own (envoy/docker-compose.yaml runs two of these): answers JSON with
// the request it received — its name, path, x-request-id, the verified client header and all headers.
//   node --import tsx security-server/building-block.ts --name civil-registry-v1 [--host 0.0.0.0] [--port 8080]
import { parseArgs } from 'node:util';
import { startSampleUpstream } from '../host/gateway/demo.ts';

const { values } = parseArgs({ options: { name: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8080' } } });
if (!values.name) { console.error('building-block: --name is required'); process.exit(2); }
const u = await startSampleUpstream(values.name, values.host!, Number(values.port));
console.log(`${values.name} on ${values.host}:${u.port}`);
const stop = () => { u.close().then(() => process.exit(0)); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

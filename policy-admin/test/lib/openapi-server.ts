/**
 * A throwaway HTTP server on 127.0.0.1 (ephemeral port) serving OpenAPI descriptions, for tests that add
 * OPENAPI3 service descriptions (policy-admin reads them by URL, as X-Road does). Stops with `close()`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DescriptionServer { base: string; requests: string[]; close(): Promise<void> }

/** `files`: path → body (served as JSON when it starts with `{`, else YAML); anything else answers 404. */
export async function serveDescriptions(files: Record<string, string>): Promise<DescriptionServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const body = files[req.url ?? ''];
    if (body === undefined) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': body.trimStart().startsWith('{') ? 'application/json' : 'application/yaml' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`, requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

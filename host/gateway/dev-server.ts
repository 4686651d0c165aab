// A small real HTTP server on loopback that runs every request through a chain of proxy-wasm filters
// in the host, as Envoy's HTTP connection manager would (request path in chain order, response path
// in reverse), in front of a built-in echo upstream. It is what `npm start` runs until the dev gateway
// that reads an envoy.yaml lands; it uses only the emulator's public API.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Emulator, type EmulatedPlugin, type EmulatorOptions, type HttpStreamHandle } from '../emulator/emulator.ts';
import type { StreamAction } from '../runtime/http-stream.ts';

export interface FilterSpec extends Omit<EmulatorOptions, 'strict'> { label: string }

export interface DevServer {
  url: string;
  close(): Promise<void>;
  plugins: EmulatedPlugin[];
}

type Pairs = Array<[string, string]>;
const paused = (a: StreamAction) => a !== 'Continue';

/** The echo upstream: answers with what reached it (method, path, headers after the filters, body). */
function echoUpstream(req: Pairs, body: Buffer): { headers: Pairs; body: string } {
  const get = (n: string) => req.find(([k]) => k === n)?.[1] ?? '';
  const out = JSON.stringify({ upstream: 'echo', method: get(':method'), path: get(':path'), headers: Object.fromEntries(req.filter(([k]) => !k.startsWith(':'))), body: body.toString('utf8') }, null, 2) + '\n';
  return { headers: [[':status', '200'], ['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(out))]], body: out };
}

function localReplyResponse(s: HttpStreamHandle): { status: number; headers: Pairs; body: string } {
  const r = s.localReply!;
  return { status: r.status, headers: r.headers.filter(([k]) => !k.startsWith(':')), body: r.body };
}

export async function startDevServer(filters: FilterSpec[], opts: { port?: number; host?: string; log?: (line: string) => void } = {}): Promise<DevServer> {
  const plugins = await Promise.all(filters.map(({ label: _l, ...o }) => Emulator.load(o)));
  const log = opts.log ?? ((l: string) => console.log(l));
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t0 = process.hrtime.bigint();
      const reqBody = Buffer.concat(chunks);
      let headers: Pairs = [[':method', req.method ?? 'GET'], [':path', req.url ?? '/'], [':authority', req.headers.host ?? 'localhost'], [':scheme', 'http']];
      for (const [k, v] of Object.entries(req.headers)) if (k !== 'host') for (const x of Array.isArray(v) ? v : [v ?? '']) headers.push([k, x]);
      const worker = next++ % plugins[0].workers; // round-robin over the worker VMs, as Envoy's listener does over threads
      const streams = plugins.map((p) => p.http({ worker, properties: { 'source.address': `${req.socket.remoteAddress}:${req.socket.remotePort}` } }));
      let status = 502, outHeaders: Pairs = [], outBody = '';
      try {
        // Request path, in chain order. A filter that pauses without a callout cannot be resumed here.
        let body = reqBody;
        let replied: HttpStreamHandle | null = null;
        for (const s of streams) {
          const a = s.sendRequestHeaders(headers, { endOfStream: body.length === 0 });
          if (s.localReply) { replied = s; break; }
          if (body.length > 0) s.sendRequestBody(body, { endOfStream: true });
          if (s.localReply) { replied = s; break; }
          if (paused(a) && !s.requestHeadersForwarded) throw new Error(`filter paused the request (${a}) and the dev server has no callouts to resume it`);
          headers = s.requestHeaders();
          if (body.length > 0) body = Buffer.from(s.requestBodyBytes());
        }
        let resp: { status: number; headers: Pairs; body: string };
        if (replied) resp = localReplyResponse(replied);
        else {
          const up = echoUpstream(headers, body);
          resp = { status: 200, headers: up.headers.filter(([k]) => k !== ':status'), body: up.body };
        }
        // Response path, in reverse order, through the filters that saw the request.
        let rh: Pairs = [[':status', String(resp.status)], ...resp.headers];
        let rb = resp.body;
        const upto = replied ? streams.indexOf(replied) : streams.length - 1;
        for (let i = upto; i >= 0; i--) {
          const s = streams[i];
          if (s === replied) { rh = s.responseHeaders(); rb = s.responseBody(); continue; }
          s.sendResponseHeaders(rh, { endOfStream: rb.length === 0 });
          if (s.localReply && s !== replied) { const l = localReplyResponse(s); rh = [[':status', String(l.status)], ...l.headers]; rb = l.body; continue; }
          if (rb.length > 0) s.sendResponseBody(rb, { endOfStream: true });
          rh = s.responseHeaders();
          if (rb.length > 0) rb = s.responseBody();
        }
        status = Number(rh.find(([k]) => k === ':status')?.[1] ?? 200);
        outHeaders = rh.filter(([k]) => !k.startsWith(':'));
        outBody = rb;
      } catch (e) {
        status = 500; outHeaders = [['content-type', 'text/plain']]; outBody = `dev server: ${(e as Error).message}\n`;
      } finally {
        for (const s of streams) s.complete();
      }
      const fixed = outHeaders.filter(([k]) => k !== 'content-length');
      res.writeHead(status, [...fixed.flat(), 'content-length', String(Buffer.byteLength(outBody))]);
      res.end(outBody);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      log(`[access] ${req.method} ${req.url} ${status} ${outHeaders.find(([k]) => k === 'x-request-id')?.[1] ?? '-'} ${us.toFixed(0)}µs`);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}`,
    plugins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Test fixtures for the xDS server: a server on 127.0.0.1 with a fixed node → security-server map, and a
// raw ADS stream client that shows every response (for protocol-level assertions).
import * as grpc from '@grpc/grpc-js';
import { SnapshotCache, securityServerResolver } from '../../policy-admin/src/xds/cache.ts';
import { XdsServer } from '../../policy-admin/src/xds/server.ts';
import { InMemoryNodeStatus } from '../../policy-admin/src/xds/status.ts';
import { wasmExtensionConfig, DEFAULT_WASM_FILTERS } from '../../policy-admin/src/xds/publish.ts';
import { adsService, ecdsService, type DiscoveryRequest, type DiscoveryResponse } from '../../host/xds/protos.ts';
import type { JsonObject } from '../../host/xds/codec.ts';

export const SS1 = 'DEV:GOV:1001:ss1';
export const SS2 = 'DEV:GOV:1002:ss2';

export interface TestServer {
  server: XdsServer;
  cache: SnapshotCache;
  status: InMemoryNodeStatus;
  port: number;
  address: string;
  close(): Promise<void>;
}

/** Nodes `envoy-a*` and `grpc-a1` belong to SS1, `envoy-b*` to SS2. */
export async function startServer(port = 0): Promise<TestServer> {
  const cache = new SnapshotCache(
    securityServerResolver({
      nodeIds: () => new Map([['envoy-a1', SS1], ['envoy-a2', SS1], ['envoy-b1', SS2], ['grpc-a1', SS1]]),
      securityServers: () => new Set([SS1, SS2]),
    }),
  );
  const status = new InMemoryNodeStatus();
  const server = new XdsServer({ cache, status, controlPlaneId: 'policy-admin-test' });
  const bound = await server.listen('127.0.0.1', port);
  return { server, cache, status, port: bound, address: `127.0.0.1:${bound}`, close: () => server.close() };
}

/** One authz ECDS resource whose configuration is `{"rev": rev, …extra}`. */
export function authzResource(rev: number, extra: JsonObject = {}): JsonObject {
  return wasmExtensionConfig(DEFAULT_WASM_FILTERS.authz, JSON.stringify({ rev, ...extra }));
}
export function routingResource(rev: number): JsonObject {
  return wasmExtensionConfig(DEFAULT_WASM_FILTERS['header-routing'], JSON.stringify({ rev, rules: [] }));
}

export interface RawStream {
  send(req: DiscoveryRequest): void;
  /** next response (rejects after `ms`) */
  next(ms?: number): Promise<DiscoveryResponse>;
  /** resolves true if no response arrives within `ms` */
  quiet(ms?: number): Promise<boolean>;
  /** the stream's end status, once it ends */
  ended: Promise<grpc.StatusObject>;
  close(): void;
}

export function rawStream(address: string, kind: 'ads' | 'ecds' = 'ads'): RawStream {
  const Ctor = kind === 'ads' ? adsService() : ecdsService();
  const client = new Ctor(address, grpc.credentials.createInsecure());
  const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>>)[kind === 'ads' ? 'StreamAggregatedResources' : 'StreamExtensionConfigs']();
  const queue: DiscoveryResponse[] = [];
  const waiters: ((r: DiscoveryResponse) => void)[] = [];
  call.on('data', (r: DiscoveryResponse) => {
    const w = waiters.shift();
    if (w) w(r);
    else queue.push(r);
  });
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', resolve);
    call.on('error', () => {});
  });
  return {
    send: (req) => call.write(req),
    next(ms = 3000) {
      const q = queue.shift();
      if (q) return Promise.resolve(q);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no xDS response within ${ms} ms`));
        }, ms);
        const w = (r: DiscoveryResponse) => {
          clearTimeout(t);
          resolve(r);
        };
        waiters.push(w);
      });
    },
    async quiet(ms = 300) {
      if (queue.length) return false;
      try {
        await this.next(ms).then((r) => queue.unshift(r));
        return false;
      } catch {
        return true;
      }
    },
    ended,
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** Polls `cond` until true (or fails after `ms`). */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

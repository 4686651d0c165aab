// The policy-admin's xDS server: one @grpc/grpc-js server offering
//   envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources (SotW ADS, every type)
//   envoy.service.extension.v3.ExtensionConfigDiscoveryService/StreamExtensionConfigs (SotW ECDS only)
//   envoy.service.extension.v3.ExtensionConfigDiscoveryService/FetchExtensionConfigs (unary ECDS)
// over snapshots from a SnapshotCache. Delta variants answer UNIMPLEMENTED (Envoy then needs
// `api_type: GRPC` / SotW in its config source, which is what envoy/xds/bootstrap.yaml uses).
//
// Transport security: insecure credentials by default (loopback/dev); pass ServerCredentials with client
// certificate checking in production and bind node.id to the peer certificate with `verifyPeer`.
import * as grpc from '@grpc/grpc-js';
import { adsService, ecdsService, TypeUrl, type DiscoveryRequest, type DiscoveryResponse, type Node } from '../../../host/xds/protos.ts';
import type { SnapshotCache } from './cache.ts';
import type { NodeStatusSink } from './status.ts';
import { StreamError, XdsStream } from './stream.ts';

export interface XdsServerOptions {
  cache: SnapshotCache;
  status: NodeStatusSink;
  /** shown to clients as `control_plane.identifier` */
  controlPlaneId?: string;
  credentials?: grpc.ServerCredentials;
  /**
   * Binds the self-asserted node identity to the transport (reference B.3): called once per stream with
   * the node, the group it resolved to and the gRPC auth context (with mTLS: `sslPeerCertificate`, whose
   * subjectaltname should name the node or its security server). Return null to accept, or the reason
   * to refuse (the stream ends with PERMISSION_DENIED). Unset = every mapped node is accepted.
   */
  verifyPeer?: (node: Node, group: string, auth: AuthContext) => string | null;
  /** called for errors that end a stream (bad first request, unknown or refused node, internal errors) */
  onStreamError?: (err: Error, peer: string) => void;
}

type BidiCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
/** grpc-js' AuthContext (not exported by name): transportSecurityType, sslPeerCertificate */
export type AuthContext = ReturnType<BidiCall['getAuthContext']>;

/** Ends a server stream with a status: grpc-js turns an 'error' event into the trailers (destroy() would
 *  drop the stream without any status, leaving the client waiting). */
function fail(call: BidiCall, code: grpc.status, details: string): void {
  call.emit('error', { code, details, metadata: new grpc.Metadata() });
}

export class XdsServer {
  private readonly server = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1 });
  private readonly streams = new Set<{ stream: XdsStream; call: BidiCall }>();
  private port = 0;

  constructor(private readonly opts: XdsServerOptions) {
    const unimplemented = (_call: unknown, cb?: grpc.sendUnaryData<unknown>) => {
      const err = { code: grpc.status.UNIMPLEMENTED, details: 'delta xDS is not served: use the state-of-the-world variant (api_type: GRPC)' };
      if (cb) cb(err, null);
      else fail(_call as BidiCall, err.code, err.details);
    };
    this.server.addService(adsService().service, {
      StreamAggregatedResources: (call: BidiCall) => this.serve(call),
      DeltaAggregatedResources: unimplemented,
    });
    this.server.addService(ecdsService().service, {
      StreamExtensionConfigs: (call: BidiCall) => this.serve(call, TypeUrl.TypedExtensionConfig),
      DeltaExtensionConfigs: unimplemented,
      FetchExtensionConfigs: (call: grpc.ServerUnaryCall<DiscoveryRequest, DiscoveryResponse>, cb: grpc.sendUnaryData<DiscoveryResponse>) => this.fetch(call, cb),
    });
  }

  /** Binds `host:port` (port 0 = ephemeral) and returns the bound port. */
  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    const creds = this.opts.credentials ?? grpc.ServerCredentials.createInsecure();
    this.port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p)));
    });
    return this.port;
  }

  /** Ends every open stream (clients see UNAVAILABLE and reconnect) and stops the server. */
  async close(): Promise<void> {
    for (const { stream, call } of this.streams) {
      stream.close();
      fail(call, grpc.status.UNAVAILABLE, 'xDS server shutting down');
    }
    this.streams.clear();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  /** Open streams (for tests and metrics). */
  openStreams(): number {
    return this.streams.size;
  }

  private serve(call: BidiCall, onlyType?: string): void {
    const peer = call.getPeer();
    const stream = new XdsStream(
      { send: (r) => call.write(r) },
      {
        cache: this.opts.cache, status: this.opts.status, onlyType, peer, controlPlaneId: this.opts.controlPlaneId,
        verifyPeer: this.opts.verifyPeer && ((node, group) => this.opts.verifyPeer!(node, group, call.getAuthContext())),
      },
    );
    const entry = { stream, call };
    this.streams.add(entry);
    const end = () => {
      if (!this.streams.delete(entry)) return;
      stream.close();
    };
    call.on('data', (req: DiscoveryRequest) => {
      try {
        stream.onRequest(req);
      } catch (e) {
        // a protocol error ends this stream with its status; anything else (a bug) ends it with INTERNAL
        // rather than taking the whole control plane down
        const err = e instanceof Error ? e : new Error(String(e));
        this.opts.onStreamError?.(err, peer);
        end();
        fail(call, e instanceof StreamError ? grpc.status[e.code] : grpc.status.INTERNAL, err.message);
      }
    });
    call.on('end', () => {
      end();
      call.end();
    });
    call.on('error', end);
    call.on('cancelled', end);
    call.on('close', end);
  }

  /** FetchExtensionConfigs: the current ECDS resources named in the request (REST-style polling). */
  private fetch(call: grpc.ServerUnaryCall<DiscoveryRequest, DiscoveryResponse>, cb: grpc.sendUnaryData<DiscoveryResponse>): void {
    const req = call.request;
    let group = req.node?.id ? this.opts.cache.resolveGroup(req.node) : null;
    const refused = group && this.opts.verifyPeer?.(req.node!, group, call.getAuthContext());
    if (refused) group = null;
    if (!group) {
      cb({ code: grpc.status.PERMISSION_DENIED, details: `node.id ${JSON.stringify(req.node?.id ?? '')} is not mapped to any security server` }, null);
      return;
    }
    const snap = this.opts.cache.getSnapshot(group);
    const all = snap?.resources.get(TypeUrl.TypedExtensionConfig);
    if (!snap || !all) {
      cb({ code: grpc.status.UNAVAILABLE, details: `no snapshot for security server ${group} yet` }, null);
      return;
    }
    const names = (req.resource_names ?? []).filter((n) => n !== '*');
    const picked = names.length ? names.filter((n) => all.has(n)).sort() : [...all.keys()].sort();
    cb(null, {
      version_info: snap.versions.get(TypeUrl.TypedExtensionConfig)!,
      resources: picked.map((n) => all.get(n)!.any),
      type_url: TypeUrl.TypedExtensionConfig,
      nonce: '',
    });
  }
}

// gRPC callouts to real gRPC servers: a CalloutHandler (host/runtime/callouts.ts) that sends a guest's
// proxy_grpc_call / proxy_grpc_stream for cluster X to the server configured for X, with @grpc/grpc-js
// and raw Buffer (de)serializers (the guest already holds the encoded protobuf messages).
//
//   const up = grpcUpstream({ clusters: { ratelimit: '127.0.0.1:8081' } });
//   const p = Emulator.loadSync({ wasm, clusters: ['ratelimit'], callouts: up, ... });
//   …
//   up.close();
//
// What the guest sees follows Envoy's async gRPC client:
//   - a unary success → proxy_on_grpc_receive with the response message (no close);
//   - a unary failure → proxy_on_grpc_close with the gRPC status: UNAVAILABLE (14) when the server is
//     down or the cluster has no configured address, DEADLINE_EXCEEDED (4) when the call's timeout
//     passed (the timeout becomes the gRPC deadline, 0 = none), or the server's own status;
//   - streams: initial metadata, messages, trailing metadata, close, as they arrive.
// The call's initial metadata is sent as gRPC metadata (keys grpc-js refuses, e.g. pseudo-headers, are
// left out). Only loopback addresses are accepted: the dev host never sends callouts off the machine.
import * as grpc from '@grpc/grpc-js';
import type { CalloutHandler, GrpcCallRequest, GrpcStreamEvent, PendingCallout } from '../runtime/callouts.ts';

export interface GrpcUpstreamOptions {
  /** Cluster name → "127.0.0.1:port" (also "localhost:port", "[::1]:port"). */
  clusters: Record<string, string>;
}

export interface GrpcUpstream extends CalloutHandler {
  /** Close every channel (pending calls end with CANCELLED, delivered as such if still wanted). */
  close(): void;
}

const UNAVAILABLE = grpc.status.UNAVAILABLE;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]):\d{1,5}$/;
const raw = (b: Buffer) => b;

function metadataOf(pairs: Array<[string, string]>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of pairs) {
    try {
      if (k.endsWith('-bin')) md.add(k, Buffer.from(v, 'latin1'));
      else md.add(k, Buffer.from(v, 'latin1').toString('utf8'));
    } catch { /* not a valid gRPC metadata key (e.g. ":authority"): not sent */ }
  }
  return md;
}

function pairsOf(md: grpc.Metadata): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, vs] of Object.entries(md.toJSON())) for (const v of vs) out.push([k, Buffer.isBuffer(v) ? v.toString('latin1') : String(v)]);
  return out;
}

export function grpcUpstream(opts: GrpcUpstreamOptions): GrpcUpstream {
  for (const [cluster, addr] of Object.entries(opts.clusters)) {
    if (!LOOPBACK.test(addr)) throw new Error(`grpcUpstream: cluster ${cluster}: ${addr} is not a loopback host:port`);
  }
  const clients = new Map<string, grpc.Client>();
  const calls = new Map<GrpcCallRequest, { cancel(): void }>();
  const streams = new Map<GrpcCallRequest, grpc.ClientDuplexStream<Buffer, Buffer>>();

  const client = (cluster: string): grpc.Client | null => {
    const addr = opts.clusters[cluster];
    if (addr === undefined) return null;
    let c = clients.get(cluster);
    if (!c) clients.set(cluster, (c = new grpc.Client(addr, grpc.credentials.createInsecure())));
    return c;
  };
  const deadline = (ms: number): grpc.CallOptions => (ms > 0 ? { deadline: new Date(Date.now() + ms) } : {});
  const path = (req: GrpcCallRequest) => `/${req.serviceName}/${req.method}`;

  return {
    grpcCall(req) {
      const c = client(req.cluster);
      if (!c) return { status: UNAVAILABLE, message: `no upstream address for cluster ${req.cluster}` };
      return new Promise((resolve) => {
        const call = c.makeUnaryRequest(path(req), raw, raw, Buffer.from(req.message), metadataOf(req.metadata), deadline(req.timeoutMs),
          (err: grpc.ServiceError | null, value?: Buffer) => {
            calls.delete(req);
            if (err) resolve({ status: err.code ?? grpc.status.UNKNOWN, message: err.details ?? err.message });
            else resolve(new Uint8Array(value ?? Buffer.alloc(0)));
          });
        calls.set(req, call);
      });
    },

    grpcStream(req, emit: (e: GrpcStreamEvent) => void) {
      const c = client(req.cluster);
      if (!c) {
        setImmediate(() => emit({ type: 'close', status: UNAVAILABLE, message: `no upstream address for cluster ${req.cluster}` }));
        return;
      }
      const s = c.makeBidiStreamRequest(path(req), raw, raw, metadataOf(req.metadata), {});
      streams.set(req, s);
      s.on('metadata', (md: grpc.Metadata) => emit({ type: 'initialMetadata', metadata: pairsOf(md) }));
      s.on('data', (b: Buffer) => emit({ type: 'message', message: new Uint8Array(b) }));
      s.on('status', (st: grpc.StatusObject) => {
        streams.delete(req);
        const trailing = pairsOf(st.metadata);
        if (trailing.length) emit({ type: 'trailingMetadata', metadata: trailing });
        emit({ type: 'close', status: st.code, message: st.details });
      });
      s.on('error', () => { /* reported through 'status' */ });
    },

    grpcSend(req, message, endStream) {
      const s = streams.get(req);
      if (!s) return;
      if (message.length) s.write(Buffer.from(message));
      if (endStream) s.end();
    },

    cancelled(req: PendingCallout) {
      if (req.kind === 'http') return;
      calls.get(req)?.cancel();
      calls.delete(req);
      streams.get(req)?.cancel();
      streams.delete(req);
    },

    close() {
      for (const c of calls.values()) c.cancel();
      for (const s of streams.values()) s.cancel();
      calls.clear();
      streams.clear();
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

// One SotW xDS stream (ADS, or standalone ECDS limited to one type): the state machine of reference B.1.
//
//   * The first request must carry `node`; the node is mapped to its group once, for the stream's life.
//   * Nonces are per stream and per response. A request whose `response_nonce` is not the latest one sent
//     for its type is stale and ignored. A request echoing it answers that response: `error_detail` set =
//     NACK (the node keeps its old config; we record it and do not resend the same content), else ACK.
//   * Like go-control-plane, at most one response per type is in flight: while one waits for its
//     ACK/NACK, a new snapshot only marks the type for re-evaluation when the answer comes.
//   * A response is sent only when the content for this client's subscription differs from what it was
//     last sent (or, on a fresh stream, from the content of the version it reports): identical content is
//     never pushed again. LDS/CDS carry every resource of the type (wildcard, absence = deletion); other
//     types carry the subscribed names that exist; a name that does not exist yet is remembered and sent
//     when a snapshot brings it (SotW cannot say "does not exist").
//   * On a snapshot change, types are re-evaluated in PUSH_ORDER (CDS, EDS, ECDS, LDS, RDS).
import { randomBytes } from 'node:crypto';
import type { DiscoveryRequest, DiscoveryResponse, Node } from '../../../host/xds/protos.ts';
import { TypeUrl } from '../../../host/xds/protos.ts';
import type { SnapshotCache } from './cache.ts';
import { FULL_STATE_TYPES, PUSH_ORDER, type Snapshot } from './snapshot.ts';
import type { NodeStatusSink } from './status.ts';

/** Types for which an initial request with no names is a (legacy) wildcard subscription. */
const LEGACY_WILDCARD = new Set<string>([TypeUrl.Listener, TypeUrl.Cluster]);

interface TypeState {
  wildcard: boolean;
  names: Set<string>;
  /** latest nonce sent for this type ('' = none yet) */
  nonce: string;
  awaiting: boolean;
  /** what the client was last sent (or is known to run): version and name → hash */
  last: { version: string; hashes: Map<string, string> } | null;
  reportedVersion: string;
  /** the client ever named resources explicitly (then empty = unsubscribe, not legacy wildcard) */
  explicit: boolean;
  /** `last` was NACKed: the client runs something older */
  nacked: boolean;
}

export class StreamError extends Error {
  constructor(readonly code: 'INVALID_ARGUMENT' | 'PERMISSION_DENIED', message: string) {
    super(message);
  }
}

export interface StreamIo {
  send(response: DiscoveryResponse): void;
}

export interface StreamOptions {
  cache: SnapshotCache;
  status: NodeStatusSink;
  /** types this stream serves (ECDS service: TypedExtensionConfig only); undefined = all */
  onlyType?: string;
  peer?: string;
  controlPlaneId?: string;
  /** checks the transport identity against the node's claim (see XdsServerOptions.verifyPeer) */
  verifyPeer?: (node: Node, group: string) => string | null;
}

let streamSeq = 0;

export class XdsStream {
  readonly id = `${(++streamSeq).toString(36)}.${randomBytes(3).toString('hex')}`;
  private nonceSeq = 0;
  private node: Node | null = null;
  nodeId = '';
  group = '';
  private readonly types = new Map<string, TypeState>();
  private unwatch: (() => void) | null = null;
  private closed = false;

  constructor(private readonly io: StreamIo, private readonly opts: StreamOptions) {}

  /** Handles one request; throws StreamError when the stream must end with that status. */
  onRequest(req: DiscoveryRequest): void {
    if (this.closed) return;
    const typeUrl = req.type_url ?? '';
    if (!this.node) this.bind(req.node);
    if (this.opts.onlyType && typeUrl !== this.opts.onlyType) {
      throw new StreamError('INVALID_ARGUMENT', `type_url ${JSON.stringify(typeUrl)} is not served on this stream (expected ${this.opts.onlyType})`);
    }
    if (!typeUrl) throw new StreamError('INVALID_ARGUMENT', 'type_url is empty (required on every request of an aggregated stream)');
    const names = req.resource_names ?? [];
    let st = this.types.get(typeUrl);
    const nonce = req.response_nonce ?? '';
    if (st && nonce !== '' && nonce !== st.nonce) return; // stale: superseded by a newer response
    if (!st) {
      st = { wildcard: false, names: new Set(), nonce: '', awaiting: false, last: null, reportedVersion: '', explicit: false, nacked: false };
      this.types.set(typeUrl, st);
    }
    if (nonce !== '' && st.awaiting) {
      st.awaiting = false;
      const version = st.last!.version;
      if (req.error_detail) {
        st.nacked = true;
        // NACK: the node keeps what it had; `last` stays = the rejected content, so it is not resent
        this.opts.status.nacked(this.nodeId, typeUrl, version, nonce, req.error_detail.message ?? '', req.error_detail.code ?? null);
      } else {
        this.opts.status.acked(this.nodeId, typeUrl, version, st.last!.hashes);
      }
    }
    // subscription: '*' anywhere, or the first request of LDS/CDS with no names (legacy wildcard)
    st.wildcard = names.includes('*') || (names.length === 0 && !st.explicit && LEGACY_WILDCARD.has(typeUrl));
    if (names.length > 0) st.explicit = true;
    st.names = new Set(names.filter((n) => n !== '*'));
    st.reportedVersion = req.version_info ?? '';
    this.opts.status.requested(this.nodeId, typeUrl, st.wildcard ? ['*', ...st.names] : [...st.names], st.reportedVersion);
    this.respond(typeUrl, st);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    if (this.nodeId) this.opts.status.streamClosed(this.nodeId);
  }

  private bind(node: Node | null | undefined): void {
    if (!node || !node.id) throw new StreamError('INVALID_ARGUMENT', 'the first request of a stream must carry node.id');
    const group = this.opts.cache.resolveGroup(node);
    if (!group) throw new StreamError('PERMISSION_DENIED', `node.id ${JSON.stringify(node.id)} is not mapped to any security server`);
    const refused = this.opts.verifyPeer?.(node, group);
    if (refused) throw new StreamError('PERMISSION_DENIED', `node.id ${JSON.stringify(node.id)}: ${refused}`);
    this.node = node;
    this.nodeId = node.id;
    this.group = group;
    const ua = [node.user_agent_name, node.user_agent_version].filter(Boolean).join('/');
    this.opts.status.streamOpened(this.nodeId, group, { peer: this.opts.peer, userAgent: ua || undefined });
    this.unwatch = this.opts.cache.watch(group, (snap) => this.onSnapshot(snap));
  }

  private onSnapshot(_snap: Snapshot): void {
    if (this.closed) return;
    const ordered = [...PUSH_ORDER, ...[...this.types.keys()].filter((t) => !PUSH_ORDER.includes(t as never))];
    for (const t of ordered) {
      const st = this.types.get(t);
      if (st) this.respond(t, st);
    }
  }

  /** The resources of `typeUrl` this client gets from `snap`: name → hash (sorted by name). */
  private subset(snap: Snapshot, typeUrl: string, st: TypeState): Map<string, string> | null {
    const all = snap.resources.get(typeUrl);
    if (!all) return null; // a type this server does not hold: never answered
    const out = new Map<string, string>();
    if (st.wildcard || FULL_STATE_TYPES.has(typeUrl)) {
      // LDS/CDS: every subscribed resource in each response (absence = deletion, reference B.1)
      for (const name of [...all.keys()].sort()) if (st.wildcard || st.names.has(name)) out.set(name, all.get(name)!.hash);
      return st.wildcard || out.size > 0 ? out : null;
    }
    for (const name of [...st.names].sort()) {
      const r = all.get(name);
      if (r) out.set(name, r.hash);
    }
    return out.size > 0 ? out : null;
  }

  private respond(typeUrl: string, st: TypeState): void {
    if (st.awaiting) return; // re-evaluated when the ACK/NACK arrives
    const snap = this.opts.cache.getSnapshot(this.group);
    if (!snap) return;
    const want = this.subset(snap, typeUrl, st);
    if (!want) return;
    const version = snap.versions.get(typeUrl)!;
    if (st.last && sameHashes(st.last.hashes, want)) {
      // nothing new for this client; if it runs that content, it runs the current version too
      if (st.last.version !== version && !st.nacked) {
        st.last = { version, hashes: want };
        this.opts.status.current(this.nodeId, typeUrl, version, want);
      }
      return;
    }
    if (!st.last && st.reportedVersion) {
      // fresh stream (reconnect): the client says which version it runs; skip if that content is current
      const then = this.opts.cache.findVersion(this.group, typeUrl, st.reportedVersion);
      const had = then && this.subset(then, typeUrl, st);
      if (had && sameHashes(had, want)) {
        st.last = { version, hashes: want };
        this.opts.status.current(this.nodeId, typeUrl, version, want);
        return;
      }
    }
    const all = snap.resources.get(typeUrl)!;
    const nonce = `${this.id}.${(++this.nonceSeq).toString(36)}`;
    st.nonce = nonce;
    st.awaiting = true;
    st.last = { version, hashes: want };
    st.nacked = false;
    this.opts.status.sent(this.nodeId, typeUrl, version, nonce);
    this.io.send({
      version_info: version,
      resources: [...want.keys()].map((name) => all.get(name)!.any),
      type_url: typeUrl,
      nonce,
      ...(this.opts.controlPlaneId ? { control_plane: { identifier: this.opts.controlPlaneId } } : {}),
    });
  }
}

function sameHashes(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

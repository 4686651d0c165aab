// Per-node distribution status, fed by the ADS streams (go-control-plane's server callbacks: stream
// open/close, response sent, ACK, NACK) and read by the distribution API. In memory: it describes live
// connections, which end with the process anyway. The server only sees the NodeStatusSink side, the API
// only the NodeStatusView side, so a shared store (several policy-admin replicas) can replace it.

export interface TypeStatus {
  /** version the node runs for this type: the last ACKed one, or a newer one whose content for the
   *  node's resources is identical (not resent, reference B.1 "send only when content changes") */
  version: string | null;
  /** `version_info` the node last reported itself */
  reportedVersion: string | null;
  ackedAt: string | null;
  /** resource names the node subscribes to (["*"] = wildcard) */
  subscribed: string[];
  /** the resources of this type the node runs: per name, the version in which the content it runs was
   *  first sent (a resource unchanged across versions keeps its older version) and its SHA-256 */
  resources: Record<string, { version: string; sha256: string }>;
  /** last response sent, waiting for its ACK/NACK (null when answered) */
  pending: { version: string; nonce: string; sentAt: string } | null;
}

export interface NackRecord {
  typeUrl: string;
  /** the version that was rejected (the node keeps running `TypeStatus.version`) */
  version: string;
  nonce: string;
  message: string;
  code: number | null;
  at: string;
}

export interface NodeStatus {
  nodeId: string;
  group: string;
  connected: boolean;
  /** open xDS streams of this node (ADS and/or ECDS) */
  streams: number;
  connectedAt: string | null;
  disconnectedAt: string | null;
  lastRequestAt: string | null;
  peer: string | null;
  userAgent: string | null;
  types: Record<string, TypeStatus>;
  lastNack: NackRecord | null;
}

export interface NodeStatusSink {
  streamOpened(nodeId: string, group: string, info: { peer?: string; userAgent?: string }): void;
  streamClosed(nodeId: string): void;
  requested(nodeId: string, typeUrl: string, subscribed: string[], reportedVersion: string): void;
  sent(nodeId: string, typeUrl: string, version: string, nonce: string): void;
  /** `resources`: name → content hash of what the ACKed response carried (all the node has of the type) */
  acked(nodeId: string, typeUrl: string, version: string, resources: ReadonlyMap<string, string>): void;
  /** the node runs `version`'s content without having been sent it (unchanged content, or resumed) */
  current(nodeId: string, typeUrl: string, version: string, resources: ReadonlyMap<string, string>): void;
  nacked(nodeId: string, typeUrl: string, version: string, nonce: string, message: string, code: number | null): void;
}

export interface NodeStatusView {
  list(): NodeStatus[];
  get(nodeId: string): NodeStatus | undefined;
}

/** The per-resource view after the node took `version` holding `hashes` (name → sha256). */
function runs(before: TypeStatus['resources'], version: string, hashes: ReadonlyMap<string, string>): TypeStatus['resources'] {
  const out: TypeStatus['resources'] = {};
  for (const [name, sha256] of hashes) out[name] = before[name]?.sha256 === sha256 ? before[name] : { version, sha256 };
  return out;
}

export class InMemoryNodeStatus implements NodeStatusSink, NodeStatusView {
  private readonly nodes = new Map<string, NodeStatus>();
  constructor(private readonly now: () => Date = () => new Date()) {}

  private ts(): string {
    return this.now().toISOString();
  }
  private type(nodeId: string, typeUrl: string): TypeStatus | undefined {
    const n = this.nodes.get(nodeId);
    if (!n) return undefined;
    return (n.types[typeUrl] ??= { version: null, reportedVersion: null, ackedAt: null, subscribed: [], resources: {}, pending: null });
  }

  streamOpened(nodeId: string, group: string, info: { peer?: string; userAgent?: string }): void {
    const n = this.nodes.get(nodeId);
    const at = this.ts();
    if (n) {
      // a node that moved group (or reconnects) keeps its history only within the same group
      if (n.group !== group) {
        n.group = group;
        n.types = {};
        n.lastNack = null;
      }
      n.streams++;
      n.connected = true;
      if (n.streams === 1) n.connectedAt = at;
      n.peer = info.peer ?? n.peer;
      n.userAgent = info.userAgent ?? n.userAgent;
      return;
    }
    this.nodes.set(nodeId, {
      nodeId, group, connected: true, streams: 1, connectedAt: at, disconnectedAt: null, lastRequestAt: null,
      peer: info.peer ?? null, userAgent: info.userAgent ?? null, types: {}, lastNack: null,
    });
  }
  streamClosed(nodeId: string): void {
    const n = this.nodes.get(nodeId);
    if (!n) return;
    n.streams = Math.max(0, n.streams - 1);
    if (n.streams === 0) {
      n.connected = false;
      n.disconnectedAt = this.ts();
      for (const t of Object.values(n.types)) t.pending = null;
    }
  }
  requested(nodeId: string, typeUrl: string, subscribed: string[], reportedVersion: string): void {
    const t = this.type(nodeId, typeUrl);
    if (!t) return;
    t.subscribed = subscribed;
    t.reportedVersion = reportedVersion || null;
    this.nodes.get(nodeId)!.lastRequestAt = this.ts();
  }
  sent(nodeId: string, typeUrl: string, version: string, nonce: string): void {
    const t = this.type(nodeId, typeUrl);
    if (t) t.pending = { version, nonce, sentAt: this.ts() };
  }
  acked(nodeId: string, typeUrl: string, version: string, resources: ReadonlyMap<string, string>): void {
    const t = this.type(nodeId, typeUrl);
    if (!t) return;
    t.version = version;
    t.ackedAt = this.ts();
    t.pending = null;
    t.resources = runs(t.resources, version, resources);
  }
  current(nodeId: string, typeUrl: string, version: string, resources: ReadonlyMap<string, string>): void {
    const t = this.type(nodeId, typeUrl);
    if (!t) return;
    t.version = version;
    t.ackedAt ??= this.ts();
    t.resources = runs(t.resources, version, resources);
  }
  nacked(nodeId: string, typeUrl: string, version: string, nonce: string, message: string, code: number | null): void {
    const t = this.type(nodeId, typeUrl);
    if (!t) return;
    t.pending = null;
    this.nodes.get(nodeId)!.lastNack = { typeUrl, version, nonce, message, code, at: this.ts() };
  }

  list(): NodeStatus[] {
    return [...this.nodes.values()].sort((a, b) => a.nodeId.localeCompare(b.nodeId)).map((n) => structuredClone(n));
  }
  get(nodeId: string): NodeStatus | undefined {
    const n = this.nodes.get(nodeId);
    return n && structuredClone(n);
  }
}

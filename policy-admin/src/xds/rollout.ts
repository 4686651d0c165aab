// A revision's roll-out state: which nodes run it (ACKed it or a later version), which rejected it, which
// have not answered. Derived from the SnapshotCache history and the node status; nothing stored.
//
// A node runs revision R for one type when the version it runs (NodeStatus.types[t].version) is that
// type's version in some kept snapshot of its group with revision ≥ R (an unchanged type keeps its
// version across revisions, and a node whose resources did not change is advanced without a push).
import type { SnapshotCache } from './cache.ts';
import type { Snapshot } from './snapshot.ts';
import type { NackRecord, NodeStatus, NodeStatusView } from './status.ts';

export type NodeRolloutState = 'ACKED' | 'NACKED' | 'PENDING' | 'DISCONNECTED';

export interface NodeRollout {
  nodeId: string;
  state: NodeRolloutState;
  connected: boolean;
  /** per type the node subscribes to and this group serves: the version it runs */
  versions: Record<string, string | null>;
  lastNack: NackRecord | null;
}

export interface RevisionRollout {
  rev: number;
  /** every node of every targeted group runs it (and there is at least one node) */
  inForce: boolean;
  summary: Record<NodeRolloutState, number> & { nodes: number };
  groups: {
    securityServerId: string;
    /** the revision of the group's snapshot that carries `rev` (≥ rev: a group unchanged by a revision
     *  keeps the content it had) */
    snapshotRevision: number;
    nodes: NodeRollout[];
  }[];
}

function relevant(node: NodeStatus, typeUrl: string, latest: Snapshot): boolean {
  const res = latest.resources.get(typeUrl);
  const t = node.types[typeUrl];
  if (!res || !t) return false;
  return t.subscribed.includes('*') ? true : t.subscribed.some((n) => res.has(n));
}

/** The roll-out of revision `rev`, or null if no group has reached it. */
export function revisionRollout(rev: number, cache: SnapshotCache, status: NodeStatusView): RevisionRollout | null {
  const summary = { nodes: 0, ACKED: 0, NACKED: 0, PENDING: 0, DISCONNECTED: 0 };
  const groups: RevisionRollout['groups'] = [];
  const nodes = status.list();
  for (const group of cache.groups()) {
    const snaps = cache.snapshots(group);
    const target = snaps.find((s) => s.revision >= rev);
    if (!target) continue;
    const latest = snaps[snaps.length - 1];
    const carrying = snaps.filter((s) => s.revision >= rev);
    const out: NodeRollout[] = [];
    for (const n of nodes.filter((x) => x.group === group)) {
      const types = [...latest.versions.keys()].filter((t) => relevant(n, t, latest));
      const versions = Object.fromEntries(types.map((t) => [t, n.types[t].version]));
      const runs = types.length > 0 && types.every((t) => carrying.some((s) => s.versions.get(t) === n.types[t].version));
      const nackHit = n.lastNack && carrying.some((s) => s.versions.get(n.lastNack!.typeUrl) === n.lastNack!.version);
      const state: NodeRolloutState = runs ? 'ACKED' : nackHit ? 'NACKED' : n.connected ? 'PENDING' : 'DISCONNECTED';
      summary[state]++;
      summary.nodes++;
      out.push({ nodeId: n.nodeId, state, connected: n.connected, versions, lastNack: n.lastNack });
    }
    groups.push({ securityServerId: group, snapshotRevision: target.revision, nodes: out });
  }
  if (!groups.length) return null;
  return { rev, inForce: summary.nodes > 0 && summary.ACKED === summary.nodes, summary, groups };
}

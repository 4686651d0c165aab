// SnapshotCache: one snapshot per node group (= security server), as go-control-plane's SnapshotCache /
// java-control-plane's SimpleCache<NodeGroup>. Setting a snapshot swaps it atomically and wakes every
// stream watching that group; the streams decide what each client still needs (server.ts).
//
// Rules kept here:
//   * a group's revision never goes backwards: a snapshot for an older revision is refused, and one for
//     the same revision must carry the same content (a revision is immutable) — then it is a no-op;
//   * versions are per type and never reused (snapshot.ts);
//   * the last HISTORY snapshots of each group are kept so a reconnecting client's `version_info` can be
//     matched to content, and a revision's roll-out can be judged from the versions nodes acked.
import { buildSnapshot, sameContent, type Snapshot, type SnapshotInput } from './snapshot.ts';
import type { Node } from '../../../host/xds/protos.ts';

/** Maps an xDS node (id, cluster, metadata) to its group (security-server id); null = not allowed. */
export type NodeGroupResolver = (node: Node) => string | null;

export type SnapshotListener = (snapshot: Snapshot) => void;

const HISTORY = 64;

export class SnapshotCache {
  private readonly history = new Map<string, Snapshot[]>(); // oldest first; last = current
  private readonly watchers = new Map<string, Set<SnapshotListener>>();

  constructor(readonly resolveGroup: NodeGroupResolver) {}

  /**
   * Builds and installs the snapshot of `group` for `input`, then notifies the group's streams.
   * Returns the installed snapshot (the current one, unchanged, when `input` repeats the current
   * revision with the same content). Throws SnapshotError for invalid input or a revision going back.
   */
  setSnapshot(group: string, input: SnapshotInput): Snapshot {
    const current = this.getSnapshot(group);
    if (current && input.revision < current.revision) {
      throw new RevisionOrderError(group, input.revision, current.revision);
    }
    const next = buildSnapshot(group, input, current);
    if (current && input.revision === current.revision) {
      if (sameContent(current, next)) return current;
      throw new RevisionOrderError(group, input.revision, current.revision, 'a revision is immutable: the same revision with different content');
    }
    const list = this.history.get(group) ?? [];
    list.push(next);
    if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
    this.history.set(group, list);
    for (const w of [...(this.watchers.get(group) ?? [])]) w(next);
    return next;
  }

  getSnapshot(group: string): Snapshot | undefined {
    const list = this.history.get(group);
    return list?.[list.length - 1];
  }

  /** Kept snapshots of `group`, oldest first. */
  snapshots(group: string): readonly Snapshot[] {
    return this.history.get(group) ?? [];
  }

  groups(): string[] {
    return [...this.history.keys()].sort();
  }

  /** The kept snapshot of `group` whose `typeUrl` version is `version` (the newest such), if any. */
  findVersion(group: string, typeUrl: string, version: string): Snapshot | undefined {
    const list = this.history.get(group) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i].versions.get(typeUrl) === version) return list[i];
    return undefined;
  }

  /** Calls `listener` with every snapshot installed for `group` from now on; returns the cancel function. */
  watch(group: string, listener: SnapshotListener): () => void {
    let set = this.watchers.get(group);
    if (!set) this.watchers.set(group, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }
}

export class RevisionOrderError extends Error {
  constructor(readonly group: string, readonly revision: number, readonly current: number, why = 'versions never go backwards') {
    super(`revision: ${revision} for node group ${JSON.stringify(group)} refused, the group is at revision ${current} (${why})`);
    this.name = 'RevisionOrderError';
  }
}

/**
 * The usual resolver: a node id listed for a security server (SecurityServer.xdsNodeIds in the policy
 * model) belongs to it; otherwise `node.metadata.securityServerId` (reference G.3) is taken if it names a
 * known security server. Anything else is refused (null). node.id and metadata are self-asserted: bind
 * them to the mTLS peer before trusting them in production (see README).
 */
export function securityServerResolver(source: { nodeIds(): ReadonlyMap<string, string>; securityServers(): ReadonlySet<string> }): NodeGroupResolver {
  return (node) => {
    const byId = node.id ? source.nodeIds().get(node.id) : undefined;
    if (byId) return byId;
    // protobufjs' built-in google.protobuf.Value names its fields in lowerCamel even with keepCase
    const md = node.metadata?.fields?.securityServerId as { string_value?: string; stringValue?: string } | undefined;
    const claimed = md?.stringValue ?? md?.string_value;
    return typeof claimed === 'string' && source.securityServers().has(claimed) ? claimed : null;
  };
}

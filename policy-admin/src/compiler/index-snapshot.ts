// One pass over a revision's content into lookup maps. Accessors return rows sorted by id (the snapshot
// arrays already are; rows grouped from them keep that order), so compiled configs never depend on the
// order in which the store produced them.
import { byString } from './canonical-json.ts';
import { CompileError } from './errors.ts';
import type {
  AccessRight, BlockRule, Group, Instance, Member, PolicySnapshot, RevisionContent, RoutingRule,
  SecurityServer, Service, Subsystem,
} from './input.ts';

export class UnknownSecurityServer extends Error {
  constructor(readonly id: string) { super(`unknown security server "${id}"`); this.name = 'UnknownSecurityServer'; }
}

// X-Road: only registered clients send or serve requests (SAVED / in-progress / disabled ones do not).
const registered = (status: string) => status === 'REGISTERED';

function groupBy<T>(rows: T[], key: (r: T) => string, cmp: (a: T, b: T) => number): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(r);
  }
  for (const l of m.values()) l.sort(cmp);
  return m;
}
function byId<T extends { id: string }>(rows: T[], what: string): Map<string, T> {
  const m = new Map<string, T>();
  for (const r of rows) {
    if (m.has(r.id)) throw new CompileError(`${what}[${r.id}]`, 'duplicate id');
    m.set(r.id, r);
  }
  return m;
}
const byIdCmp = (a: { id: string }, b: { id: string }) => byString(a.id, b.id);

export class Index {
  readonly rev: number;
  readonly sha256: string;
  readonly content: PolicySnapshot;
  readonly instances: Map<string, Instance>;
  readonly members: Map<string, Member>;
  readonly subsystems: Map<string, Subsystem>;
  readonly securityServers: Map<string, SecurityServer>;
  readonly groups: Map<string, Group>;
  readonly blockRules: BlockRule[];
  private readonly services: Map<string, Service[]>;
  private readonly rights: Map<string, AccessRight[]>;
  private readonly routing: Map<string, RoutingRule[]>;
  private readonly onServer = new Map<string, Subsystem[]>();

  constructor(rc: RevisionContent) {
    const c = rc.content;
    this.rev = rc.rev;
    this.sha256 = rc.sha256;
    this.content = c;
    this.instances = byId(c.instances, 'instances');
    this.members = byId(c.members, 'members');
    this.subsystems = byId(c.subsystems, 'subsystems');
    this.securityServers = byId(c.securityServers, 'securityServers');
    this.groups = byId(c.groups, 'groups');
    this.blockRules = [...c.blockRules].sort(byIdCmp);
    this.services = groupBy(c.services, (s) => s.subsystemId, (a, b) => byString(a.serviceCode, b.serviceCode));
    for (const [pid, l] of this.services) {
      for (let i = 1; i < l.length; i++) if (l[i].serviceCode === l[i - 1].serviceCode) throw new CompileError(`services[${l[i].id}].serviceCode`, `service code "${l[i].serviceCode}" twice in ${pid}`);
    }
    this.rights = groupBy(c.accessRights, (r) => `${r.providerSubsystemId}\n${r.serviceCode}`, byIdCmp);
    this.routing = groupBy(c.routingRules, (r) => r.target.providerSubsystemId, (a, b) => a.priority - b.priority || byString(a.id, b.id));
    for (const s of c.subsystems) {
      if (!registered(s.status)) continue;
      for (const ss of s.securityServerIds) {
        let l = this.onServer.get(ss);
        if (!l) this.onServer.set(ss, (l = []));
        l.push(s);
      }
    }
    for (const l of this.onServer.values()) l.sort(byIdCmp);
  }

  securityServer(id: string): SecurityServer {
    const s = this.securityServers.get(id);
    if (!s) throw new UnknownSecurityServer(id);
    return s;
  }
  /** Registered subsystems on a security server, sorted by id: the providers it serves and the
   *  clients whose information systems connect to it. */
  subsystemsOn(ssId: string): Subsystem[] { return this.onServer.get(ssId) ?? []; }
  /** Security servers a client is registered on: a subsystem's own list; a member-level client is
   *  hosted by the security servers its member owns. Unregistered or disabled clients: none. */
  serversHosting(clientId: string): string[] {
    const s = this.subsystems.get(clientId);
    if (s) return registered(s.status) ? s.securityServerIds : [];
    const m = this.members.get(clientId);
    if (!m || m.status !== 'REGISTERED') return [];
    return [...this.securityServers.values()].filter((x) => x.ownerMemberId === m.id).map((x) => x.id);
  }
  servicesOf(providerId: string): Service[] { return this.services.get(providerId) ?? []; }
  rightsOf(providerId: string, serviceCode: string): AccessRight[] { return this.rights.get(`${providerId}\n${serviceCode}`) ?? []; }
  /** Routing rules targeting one service (or its whole provider), priority ascending, then id. */
  routingOf(providerId: string, serviceCode: string): RoutingRule[] {
    return (this.routing.get(providerId) ?? []).filter((r) => r.target.serviceCode === undefined || r.target.serviceCode === serviceCode);
  }
}

// Snapshot → the authz filter's configuration for one security server (filters/authz/config.schema.json).
// X-Road semantics (reference §A.4): allow-list, default deny; a right's subject is a subsystem, a
// member, a global group or a local group of the provider; blocks override rights; validity windows
// and modes are evaluated by the filter against its clock, so expiry does not wait for a push.
import { byString } from './canonical-json.ts';
import { CompileError, type CompileWarning } from './errors.ts';
import type { AuthzBlock, AuthzConfig, AuthzRight, AuthzService } from './filter-configs.ts';
import { certRef, idParts, instanceOf } from './ids.ts';
import type { Index } from './index-snapshot.ts';
import type { ConnectionType, RuleMode } from './input.ts';

export interface AuthzOptions {
  /** Write group members into each right's `clients` instead of referring to `groups` (the filter expands
   *  them at load either way; by reference the payload grows with rights + members, not rights × members). */
  expandGroups?: boolean;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
function timestamp(v: string | undefined, field: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!TIMESTAMP.test(v)) throw new CompileError(field, `"${v}" is not an RFC 3339 timestamp`);
  return v;
}
const mode = (m: RuleMode | undefined): RuleMode => (m === 'DRY_RUN' ? 'DRY_RUN' : 'ENFORCE');
// the admin API spells it HTTPS_NO_AUTH, the filter HTTPS_NOAUTH
const connectionType = (t: ConnectionType): 'HTTP' | 'HTTPS' | 'HTTPS_NOAUTH' => (t === 'HTTPS_NO_AUTH' ? 'HTTPS_NOAUTH' : t);

export function compileAuthz(ix: Index, ssId: string, warnings: CompileWarning[], opts: AuthzOptions = {}): AuthzConfig {
  const ss = ix.securityServer(ssId);
  const instance = ix.instances.get(instanceOf(ss.id));
  const groupsUsed = new Set<string>();
  const subjectsUsed = new Set<string>();
  const checked = new Set<string>(); // subject ids already validated (thousands of rights share a few)
  // a group's members, deduplicated and sorted once however many rights name it
  const memberLists = new Map<string, string[]>();
  const membersOf = (gid: string): string[] => {
    let l = memberLists.get(gid);
    if (!l) {
      l = [...new Set(ix.groups.get(gid)!.members)].sort(byString);
      for (const m of l) subjectsUsed.add(m);
      memberLists.set(gid, l);
    }
    return l;
  };

  // ---- providers: subsystems registered on this server, with their services, endpoints and rights
  const providers: AuthzConfig['providers'] = {};
  const providerIds = ix.subsystemsOn(ss.id).map((s) => s.id);
  for (const pid of providerIds) {
    const services: Record<string, AuthzService> = {};
    for (const svc of ix.servicesOf(pid)) {
      const endpoints = [...svc.endpoints].sort((a, b) => byString(a.id, b.id)).map((e) => ({ id: e.id, m: e.method, p: e.path }));
      const epIds = new Set(endpoints.map((e) => e.id));
      const rights: AuthzRight[] = [];
      for (const r of ix.rightsOf(pid, svc.serviceCode)) {
        const field = `accessRights[${r.id}]`;
        if (!epIds.has(r.endpointId)) throw new CompileError(`${field}.endpointId`, `no endpoint "${r.endpointId}" in service ${svc.id}`);
        const right: AuthzRight = { id: r.id, ep: r.endpointId, mode: mode(r.mode) };
        const s = r.subject;
        if (s.type === 'SUBSYSTEM' || s.type === 'MEMBER') {
          const n = s.type === 'MEMBER' ? 3 : 4;
          if (!checked.has(s.type + s.id)) { idParts(s.id, `${field}.subject.id`, n, n); checked.add(s.type + s.id); }
          right.clients = [s.id];
          subjectsUsed.add(s.id);
        } else {
          const g = ix.groups.get(s.id);
          if (!g) throw new CompileError(`${field}.subject.id`, `unknown group "${s.id}"`);
          // X-Road: a local group belongs to one client and only grants access to that client's services
          if (s.type === 'LOCALGROUP' && g.ownerSubsystemId !== pid) {
            warnings.push({ field, message: `local group "${g.id}" belongs to ${g.ownerSubsystemId ?? 'nobody'}, not provider ${pid}: right left out` });
            continue;
          }
          const members = membersOf(g.id);
          if (opts.expandGroups) {
            if (members.length === 0) {
              warnings.push({ field, message: `group "${g.id}" has no members: right left out` });
              continue;
            }
            right.clients = members;
          } else {
            right.groups = [g.id];
            groupsUsed.add(g.id);
          }
        }
        right.notBefore = timestamp(r.validFrom, `${field}.validFrom`);
        right.notAfter = timestamp(r.validUntil, `${field}.validUntil`);
        if (r.agreementRef) right.agreementRef = r.agreementRef;
        rights.push(right);
      }
      services[svc.serviceCode] = { disabledNotice: svc.disabled ? (svc.disabledNotice ?? '') : null, endpoints, rights };
    }
    if (Object.keys(services).length > 0) providers[pid] = services; // a client that serves nothing
  }

  // ---- blocks that can apply here: all providers, or one served here
  const blocks: AuthzBlock[] = [];
  const served = new Set(providerIds);
  for (const b of ix.blockRules) {
    const field = `blockRules[${b.id}]`;
    if (b.providerSubsystemId && !served.has(b.providerSubsystemId)) continue;
    if (b.serviceCode && !b.providerSubsystemId) throw new CompileError(`${field}.serviceCode`, 'a service code needs providerSubsystemId');
    const out: AuthzBlock = { id: b.id, subject: { type: b.subject.type }, reason: b.reason ?? '', mode: mode(b.mode) };
    if (b.subject.type !== 'ANY') {
      const sid = (b.subject as { id: string }).id;
      out.subject.id = sid;
      if (b.subject.type === 'GLOBALGROUP' || b.subject.type === 'LOCALGROUP') {
        if (!ix.groups.has(sid)) throw new CompileError(`${field}.subject.id`, `unknown group "${sid}"`);
        groupsUsed.add(sid);
      }
    }
    if (b.providerSubsystemId) out.providerSubsystemId = b.providerSubsystemId;
    if (b.serviceCode) out.serviceCode = b.serviceCode;
    out.expiresAt = timestamp(b.expiresAt, `${field}.expiresAt`);
    blocks.push(out);
  }

  // ---- groups referred to by rights or blocks, members flat and sorted
  const groups: Record<string, string[]> = {};
  for (const gid of [...groupsUsed].sort(byString)) {
    groups[gid] = membersOf(gid);
  }

  // ---- clients registered here (how their client header is proven) and peers (subjects hosted on other
  //      security servers: the auth certificates of those servers prove them)
  const clients: AuthzConfig['clients'] = {};
  for (const c of ix.subsystemsOn(ss.id)) {
    const reg: AuthzConfig['clients'][string] = { connectionType: connectionType(c.connectionType) };
    if (c.connectionType === 'HTTPS') {
      const certs = new Set<string>();
      c.isTlsCerts.forEach((x, i) => { if (x.status === 'ACTIVE') certs.add(certRef(x.sha256, `subsystems[${c.id}].isTlsCerts[${i}]`)); });
      reg.certs = [...certs].sort(byString);
    }
    clients[c.id] = reg;
  }
  const peers: Record<string, string[]> = {};
  for (const id of [...subjectsUsed].sort(byString)) {
    const certs = new Set<string>();
    for (const otherId of ix.serversHosting(id)) {
      if (otherId === ss.id) continue;
      const other = ix.securityServers.get(otherId);
      if (!other) continue;
      other.authCerts.forEach((x, i) => { if (x.status === 'ACTIVE') certs.add(certRef(x.sha256, `securityServers[${other.id}].authCerts[${i}]`)); });
    }
    if (certs.size > 0) peers[id] = [...certs].sort(byString);
  }

  const cfg: AuthzConfig = { rev: ix.rev, sha256: ix.sha256, instance: instanceOf(ss.id), clients, peers, groups, providers, blocks };
  const headers = instance?.clientHeaderNames;
  if (headers && headers.length > 0) cfg.clientHeaders = [...headers];
  return cfg;
}

/**
 * Identity registry (X-Road central-server + security-server client data): instances, member classes,
 * members, clients (subsystems) with their IS TLS certificates, security servers with auth certificates and
 * Envoy node ids. Clients use X-Road's admin-API shapes (snake_case); the others, which X-Road's security-server
 * API does not have, use the revision model's own shapes (model/snapshot.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ClientStatus, ConnectionType, Instance, Member, MemberClass, SecurityServer, Subsystem, CertRef } from '../model/snapshot.ts';
import { requireScope } from '../http/context.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { IdParams, Id, Timestamp } from './schemas.ts';
import { checkPart, memberIdOf, parseClientId } from './ids.ts';
import { acceptBinary, certFromBody, clean, mustGet, mustNotExist } from './util.ts';
import type { PolicyTx } from '../repo/policy-tx.ts';

const CLIENT_STATUS = ['SAVED', 'REGISTRATION_IN_PROGRESS', 'REGISTERED', 'DISABLED', 'DELETION_IN_PROGRESS'] as const;
const CONNECTION = ['HTTP', 'HTTPS_NO_AUTH', 'HTTPS'] as const;
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

/** X-Road admin API `Client` (plus our extensions under their own names). */
export function toXroadClient(s: Subsystem, member?: Member) {
  const [instance_id, member_class, member_code, subsystem_code] = s.id.split(':');
  return {
    id: s.id, instance_id, member_class, member_code, subsystem_code, member_name: member?.name ?? '',
    subsystem_name: s.name, status: s.status, connection_type: s.connectionType, owner: false,
    is_tls_certificates: s.isTlsCerts.map((c) => c.sha256), security_server_ids: s.securityServerIds,
    message_log_mode: s.messageLogMode,
  };
}

/** X-Road admin API `Client` for a member acting as a client itself (no subsystem_code). */
export function toXroadMemberClient(m: Member) {
  return {
    id: m.id, instance_id: m.instanceId, member_class: m.memberClass, member_code: m.memberCode, member_name: m.name,
    status: m.status, connection_type: m.connectionType ?? 'HTTPS', owner: false, is_tls_certificates: [], security_server_ids: [],
  };
}

const XroadCert = (c: CertRef) => clean({ hash: c.sha256, subject_distinguished_name: c.subject, not_after: c.notAfter, status: c.status });

export async function registryRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  acceptBinary(root);
  const read = { permission: 'read' as const };

  // ---------- instances ----------
  api.get('/instances', { config: read }, async (req) => (await req.server.policy.snapshots.snapshot()).content.instances);
  api.post('/instances', {
    config: { permission: 'fleet', auditEvent: 'Add instance' },
    schema: { body: Type.Object({ id: Id, name: Type.String({ minLength: 1, maxLength: 255 }), clientHeaderNames: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9._-]+$' }), { minItems: 1, maxItems: 10 })) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body;
    checkPart(b.id, 'body.id');
    requireScope(req, undefined);
    const inst: Instance = { id: b.id, name: b.name, clientHeaderNames: b.clientHeaderNames ?? ['X-Road-Client', 'X-GovStack-Client', 'Information-Mediator-Client'] };
    await req.server.policy.mutate(req, reply, { event: 'Add instance', data: { id: b.id } }, async (tx) => {
      await mustNotExist(tx, 'instances', b.id, 'instance');
      await tx.put('instances', inst);
    });
    return reply.code(201).send(inst);
  });

  // ---------- member classes ----------
  api.get('/member-classes', { config: read }, async (req) => (await req.server.policy.snapshots.snapshot()).content.memberClasses);
  api.post('/member-classes', {
    config: { permission: 'fleet', auditEvent: 'Add member class' },
    schema: { body: Type.Object({ instanceId: Id, code: Type.String({ minLength: 1, maxLength: 255 }), description: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body;
    checkPart(b.code, 'body.code');
    requireScope(req, undefined);
    const mc: MemberClass = { id: `${b.instanceId}:${b.code}`, instanceId: b.instanceId, code: b.code, description: b.description };
    await req.server.policy.mutate(req, reply, { event: 'Add member class', data: { id: mc.id } }, async (tx) => {
      await mustGet(tx, 'instances', b.instanceId, 'instance');
      await mustNotExist(tx, 'memberClasses', mc.id, 'member_class');
      await tx.put('memberClasses', mc);
    });
    return reply.code(201).send(mc);
  });

  // ---------- members ----------
  api.get('/members', { config: read }, async (req) => (await req.server.policy.snapshots.snapshot()).content.members);
  api.get('/members/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    const m = (await req.server.policy.snapshots.snapshot()).content.members.find((x) => x.id === req.params.id);
    if (!m) throw notFound('member', req.params.id);
    return m;
  });
  api.post('/members', {
    config: { permission: 'registry', auditEvent: 'Add member' },
    schema: { body: Type.Object({ instanceId: Id, memberClass: Id, memberCode: Id, name: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body;
    checkPart(b.memberCode, 'body.memberCode');
    const m: Member = { id: `${b.instanceId}:${b.memberClass}:${b.memberCode}`, instanceId: b.instanceId, memberClass: b.memberClass, memberCode: b.memberCode, name: b.name, status: 'REGISTERED' };
    requireScope(req, m.id);
    await req.server.policy.mutate(req, reply, { event: 'Add member', data: { id: m.id } }, async (tx) => {
      await mustGet(tx, 'memberClasses', `${b.instanceId}:${b.memberClass}`, 'member_class');
      await mustNotExist(tx, 'members', m.id, 'member');
      await tx.put('members', m);
    });
    return reply.code(201).send(m);
  });
  api.patch('/members/:id', {
    config: { permission: 'registry', auditEvent: 'Edit member' },
    schema: { params: IdParams, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), status: Type.Optional(lit(['REGISTERED', 'DISABLED'] as const)) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    requireScope(req, req.params.id);
    return req.server.policy.mutate(req, reply, { event: 'Edit member', data: { id: req.params.id, ...req.body } }, async (tx) => {
      const m = await mustGet<Member>(tx, 'members', req.params.id, 'member');
      const next = { ...m, ...clean({ ...req.body }) };
      await tx.put('members', next);
      return next;
    });
  });

  // ---------- clients (subsystems), X-Road shapes ----------
  const clientOut = async (req: FastifyRequest, s: Subsystem) => toXroadClient(s, (await req.server.policy.snapshots.snapshot()).content.members.find((m) => m.id === s.memberId));
  api.get('/clients', {
    config: read,
    schema: { querystring: Type.Object({ instance: Type.Optional(Type.String()), member_class: Type.Optional(Type.String()), member_code: Type.Optional(Type.String()), subsystem_code: Type.Optional(Type.String()) }) },
  }, async (req) => {
    const snap = (await req.server.policy.snapshots.snapshot()).content;
    const q = req.query;
    const members = new Map(snap.members.map((m) => [m.id, m]));
    return snap.subsystems.map((s) => toXroadClient(s, members.get(s.memberId))).filter((c) =>
      (!q.instance || c.instance_id === q.instance) && (!q.member_class || c.member_class === q.member_class) &&
      (!q.member_code || c.member_code === q.member_code) && (!q.subsystem_code || c.subsystem_code === q.subsystem_code));
  });
  api.get('/clients/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    const s = (await req.server.policy.snapshots.snapshot()).content.subsystems.find((x) => x.id === req.params.id);
    if (!s) throw notFound('client', req.params.id);
    return clientOut(req, s);
  });
  api.post('/clients', {
    config: { permission: 'registry', auditEvent: 'Add client' },
    schema: {
      body: Type.Object({
        client: Type.Object({
          instance_id: Type.Optional(Id), member_class: Id, member_code: Id, subsystem_code: Id,
          subsystem_name: Type.Optional(Type.String({ maxLength: 255 })), connection_type: Type.Optional(lit(CONNECTION)),
        }),
        ignore_warnings: Type.Optional(Type.Boolean()),
      }),
    },
  }, async (req, reply) => {
    const c = req.body.client;
    checkPart(c.subsystem_code, 'body.client.subsystem_code');
    const s = await req.server.policy.mutate(req, reply, { event: 'Add client' }, async (tx) => {
      let instance = c.instance_id;
      if (!instance) {
        const all = await tx.list<Instance>('instances');
        if (all.length !== 1) throw badRequest('body.client.instance_id', 'required when the registry has more than one instance (or none)');
        instance = all[0].id;
      }
      const memberId = `${instance}:${c.member_class}:${c.member_code}`;
      const id = `${memberId}:${c.subsystem_code}`;
      requireScope(req, id);
      await mustGet(tx, 'members', memberId, 'member');
      await mustNotExist(tx, 'subsystems', id, 'client');
      const sub: Subsystem = {
        id, memberId, subsystemCode: c.subsystem_code, name: c.subsystem_name ?? c.subsystem_code, status: 'SAVED',
        connectionType: c.connection_type ?? 'HTTPS', isTlsCerts: [], securityServerIds: [], messageLogMode: 'METADATA',
      };
      await tx.put('subsystems', sub);
      return sub;
    });
    return reply.code(201).send(await clientOut(req, s));
  });
  api.patch('/clients/:id', {
    config: { permission: 'registry', auditEvent: 'Edit client' },
    schema: {
      params: IdParams,
      body: Type.Object({
        connection_type: Type.Optional(lit(CONNECTION)), status: Type.Optional(lit(CLIENT_STATUS)),
        subsystem_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        message_log_mode: Type.Optional(lit(['FULL', 'METADATA', 'NONE'] as const)),
        security_server_ids: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
      }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    requireScope(req, req.params.id);
    const b = req.body;
    if (parseClientId(req.params.id, 'id').subsystemCode === undefined) return patchMemberClient(req, reply);
    const s = await req.server.policy.mutate(req, reply, { event: 'Edit client', data: { clientIdentifier: req.params.id, ...b } }, async (tx) => {
      const cur = await mustGet<Subsystem>(tx, 'subsystems', req.params.id, 'client');
      if (b.security_server_ids) for (const ss of b.security_server_ids) await mustGet(tx, 'securityServers', ss, 'security_server');
      const next: Subsystem = {
        ...cur,
        connectionType: (b.connection_type as any as ConnectionType) ?? cur.connectionType,
        status: (b.status as any as ClientStatus) ?? cur.status,
        name: b.subsystem_name ?? cur.name,
        messageLogMode: b.message_log_mode ?? cur.messageLogMode,
        securityServerIds: b.security_server_ids ? [...b.security_server_ids].sort() : cur.securityServerIds,
      };
      await tx.put('subsystems', next);
      return next;
    });
    return clientOut(req, s);
  });
  /** PATCH /clients/{member id}: X-Road's owner-member client; only its connection_type (ConnectionTypeWrapper). */
  async function patchMemberClient(req: any, reply: any) {
    const b = req.body as Record<string, unknown>;
    const extra = Object.keys(b).find((k) => k !== 'connection_type');
    if (extra) throw badRequest(`body.${extra}`, 'a member client takes only connection_type');
    const m = await req.server.policy.mutate(req, reply, { event: 'Edit client', data: { clientIdentifier: req.params.id, ...b } }, async (tx: PolicyTx) => {
      const cur = await mustGet<Member>(tx, 'members', req.params.id, 'client');
      const next: Member = clean({ ...cur, connectionType: (b.connection_type as ConnectionType | undefined) ?? cur.connectionType });
      await tx.put('members', next);
      return next;
    });
    return toXroadMemberClient(m);
  }
  api.get('/clients/:id/tls-certificates', { config: read, schema: { params: IdParams } }, async (req) => {
    requireScope(req, req.params.id);
    const s = (await req.server.policy.snapshots.snapshot()).content.subsystems.find((x) => x.id === req.params.id);
    if (!s) throw notFound('client', req.params.id);
    return s.isTlsCerts.map(XroadCert);
  });
  api.post('/clients/:id/tls-certificates', {
    config: { permission: 'certificates', auditEvent: 'Add client internal certificate' },
    schema: { params: IdParams },
  }, async (req, reply) => {
    requireScope(req, req.params.id);
    const cert = certFromBody(req.body);
    await req.server.policy.mutate(req, reply, { event: 'Add client internal certificate', data: { clientIdentifier: req.params.id, certHash: cert.sha256 } }, async (tx) => {
      const s = await mustGet<Subsystem>(tx, 'subsystems', req.params.id, 'client');
      if (s.isTlsCerts.some((c) => c.sha256 === cert.sha256)) throw conflict('certificate_already_exists', `certificate ${cert.sha256} is already registered for ${s.id}`, [cert.sha256]);
      await tx.put('subsystems', { ...s, isTlsCerts: [...s.isTlsCerts, cert].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)) });
    });
    return reply.code(201).send(XroadCert(cert));
  });
  api.delete('/clients/:id/tls-certificates/:hash', {
    config: { permission: 'certificates', auditEvent: 'Delete client internal certificate' },
    schema: { params: Type.Object({ id: Id, hash: Type.String({ maxLength: 100 }) }) },
  }, async (req, reply) => {
    requireScope(req, req.params.id);
    const hash = req.params.hash.replace(/:/g, '').toLowerCase();
    await req.server.policy.mutate(req, reply, { event: 'Delete client internal certificate', data: { clientIdentifier: req.params.id, certHash: hash } }, async (tx) => {
      const s = await mustGet<Subsystem>(tx, 'subsystems', req.params.id, 'client');
      if (!s.isTlsCerts.some((c) => c.sha256 === hash)) throw notFound('certificate', hash);
      await tx.put('subsystems', { ...s, isTlsCerts: s.isTlsCerts.filter((c) => c.sha256 !== hash) });
    });
    return reply.code(204).send();
  });

  // ---------- security servers ----------
  const ServerBody = {
    address: Type.String({ minLength: 1, maxLength: 255 }),
    xdsNodeIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100, uniqueItems: true })),
    labels: Type.Optional(Type.Record(Type.String({ maxLength: 63 }), Type.String({ maxLength: 255 }))),
  };
  const nodeIdsFree = async (tx: PolicyTx, ids: string[], self: string) => {
    for (const other of await tx.list<SecurityServer>('securityServers')) {
      if (other.id === self) continue;
      const clash = other.xdsNodeIds.find((n) => ids.includes(n));
      if (clash) throw conflict('node_id_in_use', `Envoy node id ${clash} is already bound to ${other.id}`, [clash, other.id]);
    }
  };
  api.get('/security-servers', { config: read }, async (req) => (await req.server.policy.snapshots.snapshot()).content.securityServers);
  api.get('/security-servers/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    const s = (await req.server.policy.snapshots.snapshot()).content.securityServers.find((x) => x.id === req.params.id);
    if (!s) throw notFound('security_server', req.params.id);
    return s;
  });
  api.post('/security-servers', {
    config: { permission: 'fleet', auditEvent: 'Add security server' },
    schema: { body: Type.Object({ ownerMemberId: Id, serverCode: Id, ...ServerBody }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body;
    checkPart(b.serverCode, 'body.serverCode');
    parseClientId(b.ownerMemberId, 'body.ownerMemberId');
    const ss: SecurityServer = clean({ id: `${b.ownerMemberId}:${b.serverCode}`, ownerMemberId: b.ownerMemberId, serverCode: b.serverCode, address: b.address, authCerts: [], xdsNodeIds: [...(b.xdsNodeIds ?? [])].sort(), labels: b.labels ?? {} });
    requireScope(req, b.ownerMemberId);
    await req.server.policy.mutate(req, reply, { event: 'Add security server', data: { id: ss.id } }, async (tx) => {
      await mustGet(tx, 'members', b.ownerMemberId, 'member');
      await mustNotExist(tx, 'securityServers', ss.id, 'security_server');
      await nodeIdsFree(tx, ss.xdsNodeIds, ss.id);
      await tx.put('securityServers', ss);
    });
    return reply.code(201).send(ss);
  });
  api.patch('/security-servers/:id', {
    config: { permission: 'fleet', auditEvent: 'Edit security server' },
    schema: { params: IdParams, body: Type.Partial(Type.Object(ServerBody), { additionalProperties: false }) },
  }, async (req, reply) => {
    const b = req.body;
    return req.server.policy.mutate(req, reply, { event: 'Edit security server', data: { id: req.params.id, ...b } }, async (tx) => {
      const cur = await mustGet<SecurityServer>(tx, 'securityServers', req.params.id, 'security_server');
      requireScope(req, cur.ownerMemberId);
      const next: SecurityServer = { ...cur, address: b.address ?? cur.address, xdsNodeIds: b.xdsNodeIds ? [...b.xdsNodeIds].sort() : cur.xdsNodeIds, labels: b.labels ?? cur.labels };
      await nodeIdsFree(tx, next.xdsNodeIds, cur.id);
      await tx.put('securityServers', next);
      return next;
    });
  });
  api.post('/security-servers/:id/auth-certificates', {
    config: { permission: 'certificates', auditEvent: 'Add authentication certificate' },
    schema: { params: IdParams },
  }, async (req, reply) => {
    const cert = certFromBody(req.body);
    await req.server.policy.mutate(req, reply, { event: 'Add authentication certificate', data: { id: req.params.id, certHash: cert.sha256 } }, async (tx) => {
      const cur = await mustGet<SecurityServer>(tx, 'securityServers', req.params.id, 'security_server');
      requireScope(req, cur.ownerMemberId);
      if (cur.authCerts.some((c) => c.sha256 === cert.sha256)) throw conflict('certificate_already_exists', `certificate ${cert.sha256} already registered`, [cert.sha256]);
      await tx.put('securityServers', { ...cur, authCerts: [...cur.authCerts, cert].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)) });
    });
    return reply.code(201).send(cert);
  });
  api.delete('/security-servers/:id/auth-certificates/:hash', {
    config: { permission: 'certificates', auditEvent: 'Delete authentication certificate' },
    schema: { params: Type.Object({ id: Id, hash: Type.String({ maxLength: 100 }) }) },
  }, async (req, reply) => {
    const hash = req.params.hash.replace(/:/g, '').toLowerCase();
    await req.server.policy.mutate(req, reply, { event: 'Delete authentication certificate', data: { id: req.params.id, certHash: hash } }, async (tx) => {
      const cur = await mustGet<SecurityServer>(tx, 'securityServers', req.params.id, 'security_server');
      requireScope(req, cur.ownerMemberId);
      if (!cur.authCerts.some((c) => c.sha256 === hash)) throw notFound('certificate', hash);
      await tx.put('securityServers', { ...cur, authCerts: cur.authCerts.filter((c) => c.sha256 !== hash) });
    });
    return reply.code(204).send();
  });
  void memberIdOf; void Timestamp;
}

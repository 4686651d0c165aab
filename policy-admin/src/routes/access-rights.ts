/**
 * Access rights, X-Road admin-API compatible (GovStack's provisioning playbooks run unchanged):
 *   GET  /clients/{id}/service-clients                         ServiceClient[]
 *   GET  /clients/{id}/service-clients/{sc_id}                 ServiceClient
 *   GET  /clients/{id}/service-clients/{sc_id}/access-rights   AccessRight[]           (service level)
 *   POST /clients/{id}/service-clients/{sc_id}/access-rights   {items:[{service_code}]} → 201 AccessRight[] (added)
 *   POST /clients/{id}/service-clients/{sc_id}/access-rights/delete                     → 204
 *   GET|POST /services/{id}/service-clients (+ /delete)        service level, by service
 *   GET|POST /endpoints/{id}/service-clients (+ /delete)       endpoint level
 * Our extensions are optional fields of the items: mode (ENFORCE|DRY_RUN), valid_from, valid_until,
 * agreement_ref; X-Road clients never send them and get X-Road's behaviour.
 * A service client id is a subsystem (INST:CLASS:MEMBER:SUB), a member (INST:CLASS:MEMBER, REST allows it),
 * a global group (INST:CODE) or a local group of the provider (its numeric id).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessRight, Group, Member, Service, SubjectRef, Subsystem } from '../model/snapshot.ts';
import { PolicyTx } from '../repo/policy-tx.ts';
import { sha256hex } from '../model/content-hash.ts';
import { requireScope } from '../http/context.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { Id, Mode, Timestamp } from './schemas.ts';
import { parseClientId, parseServiceId } from './ids.ts';
import { baseEndpoint, serviceOfEndpoint } from './services.ts';
import { clean, mustGet } from './util.ts';

export const rightId = (provider: string, serviceCode: string, endpointId: string, s: SubjectRef) =>
  'ar-' + sha256hex([provider, serviceCode, endpointId, s.type, s.id].join('\n')).slice(0, 24);

/** What kind of subject a service-client id names (no lookups). */
export function subjectOf(scId: string, field: string): SubjectRef {
  if (/^[0-9]+$/.test(scId)) return { type: 'LOCALGROUP', id: scId };
  const parts = scId.split(':');
  if (parts.length === 2) return { type: 'GLOBALGROUP', id: scId };
  const p = parseClientId(scId, field);
  return { type: p.subsystemCode ? 'SUBSYSTEM' : 'MEMBER', id: scId };
}

/** The subject must exist (404) and a local group must belong to the provider (400, as X-Road). */
async function checkSubject(tx: PolicyTx, s: SubjectRef, provider: string, field: string) {
  if (s.type === 'SUBSYSTEM') await mustGet(tx, 'subsystems', s.id, 'client');
  else if (s.type === 'MEMBER') await mustGet(tx, 'members', s.id, 'member');
  else {
    const g = await mustGet<Group>(tx, 'groups', s.id, s.type === 'LOCALGROUP' ? 'local_group' : 'global_group');
    if (g.kind !== (s.type === 'LOCALGROUP' ? 'LOCAL' : 'GLOBAL')) throw notFound(s.type === 'LOCALGROUP' ? 'local_group' : 'global_group', s.id);
    if (g.kind === 'LOCAL' && g.ownerSubsystemId !== provider) throw badRequest(field, `local group ${s.id} belongs to ${g.ownerSubsystemId}, not ${provider}`, 'local_group_not_owned');
  }
}

const Extensions = {
  mode: Type.Optional(Mode),
  valid_from: Type.Optional(Timestamp),
  valid_until: Type.Optional(Timestamp),
  agreement_ref: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
};
type Ext = { mode?: 'ENFORCE' | 'DRY_RUN'; valid_from?: string; valid_until?: string; agreement_ref?: string };

function checkWindow(e: Ext, field: string) {
  if (e.valid_from && e.valid_until && Date.parse(e.valid_from) >= Date.parse(e.valid_until)) throw badRequest(`${field}.valid_until`, 'must be after valid_from');
}

function makeRight(req: FastifyRequest, provider: string, serviceCode: string, endpointId: string, subject: SubjectRef, e: Ext, now: string): AccessRight {
  return clean({
    id: rightId(provider, serviceCode, endpointId, subject), providerSubsystemId: provider, serviceCode, endpointId, subject,
    mode: e.mode ?? 'ENFORCE', validFrom: e.valid_from ? new Date(e.valid_from).toISOString() : undefined,
    validUntil: e.valid_until ? new Date(e.valid_until).toISOString() : undefined, agreementRef: e.agreement_ref,
    grantedBy: req.auth ? `api-key:${req.auth.keyId}` : 'SYSTEM', grantedAt: now,
  });
}

/** X-Road AccessRight (+ extensions). */
const xroadRight = (r: AccessRight, s?: Service) => clean({
  service_code: r.serviceCode, service_title: s?.title ?? '', rights_given_at: r.grantedAt,
  mode: r.mode, valid_from: r.validFrom, valid_until: r.validUntil, agreement_ref: r.agreementRef,
});

/** Reads current entities by index (not through a whole snapshot): what the X-Road read views need. */
type Reader = Pick<PolicyTx, 'get' | 'list'>;
export const readerOf = (req: FastifyRequest): Reader => new PolicyTx({ conn: req.server.policy.db.kysely, headRev: -1, headSha: '' });

/** X-Road ServiceClient. MEMBER is our extension of service_client_type (REST's member-level clients). */
async function xroadServiceClient(s: SubjectRef, rd: Reader, rightsGivenAt: string) {
  let name = '';
  let local_group_code: string | undefined;
  if (s.type === 'SUBSYSTEM') name = (await rd.get<Subsystem>('subsystems', s.id))?.name ?? '';
  else if (s.type === 'MEMBER') name = (await rd.get<Member>('members', s.id))?.name ?? '';
  else {
    const g = await rd.get<Group>('groups', s.id);
    name = g?.description ?? '';
    if (s.type === 'LOCALGROUP') local_group_code = g?.code;
  }
  return clean({ id: s.id, name, local_group_code, service_client_type: s.type, rights_given_at: rightsGivenAt });
}

/** Distinct subjects of `rights`, each with its earliest grant time. */
async function serviceClientsOf(rights: AccessRight[], rd: Reader) {
  const first = new Map<string, { s: SubjectRef; at: string }>();
  for (const r of rights) {
    const k = r.subject.type + '\0' + r.subject.id;
    const cur = first.get(k);
    if (!cur || r.grantedAt < cur.at) first.set(k, { s: r.subject, at: r.grantedAt });
  }
  const out = [];
  for (const x of [...first.values()].sort((a, b) => (a.s.id < b.s.id ? -1 : 1))) out.push(await xroadServiceClient(x.s, rd, x.at));
  return out;
}

const Items = Type.Object({
  items: Type.Array(Type.Object({ service_code: Type.String({ minLength: 1, maxLength: 255 }), service_title: Type.Optional(Type.String()), rights_given_at: Type.Optional(Type.String()), ...Extensions }), { minItems: 1, maxItems: 1000 }),
});
const ScItems = Type.Object({
  items: Type.Array(Type.Object({ id: Id, service_client_type: Type.Optional(Type.String()), name: Type.Optional(Type.String()), local_group_code: Type.Optional(Type.String()), rights_given_at: Type.Optional(Type.String()), ...Extensions }), { minItems: 1, maxItems: 1000 }),
});
const ClientSc = Type.Object({ id: Id, sc_id: Id });

export async function accessRightRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const read = { permission: 'read' as const };

  // ---------- client view (service level); index reads, so they stay fast with 100,000 rights ----------
  const providerRights = async (rd: Reader, provider: string, subjectId?: string) => {
    if (!(await rd.get('subsystems', provider))) throw notFound('client', provider);
    const rights = subjectId === undefined
      ? await rd.list<AccessRight>('accessRights', { ref1: provider })
      : await rd.list<AccessRight>('accessRights', { ref1: provider, ref2: subjectId });
    return rights;
  };
  api.get('/clients/:id/service-clients', { config: read, schema: { params: Type.Object({ id: Id }) } }, async (req) => {
    requireScope(req, req.params.id);
    const rd = readerOf(req);
    return serviceClientsOf(await providerRights(rd, req.params.id), rd);
  });
  api.get('/clients/:id/service-clients/:sc_id', { config: read, schema: { params: ClientSc } }, async (req) => {
    requireScope(req, req.params.id);
    const rd = readerOf(req);
    const list = await serviceClientsOf(await providerRights(rd, req.params.id, req.params.sc_id), rd);
    if (!list.length) throw notFound('service_client', req.params.sc_id);
    return list[0];
  });
  api.get('/clients/:id/service-clients/:sc_id/access-rights', { config: read, schema: { params: ClientSc } }, async (req) => {
    requireScope(req, req.params.id);
    const rd = readerOf(req);
    const out = [];
    for (const r of await providerRights(rd, req.params.id, req.params.sc_id)) {
      const s = await rd.get<Service>('services', `${req.params.id}:${r.serviceCode}`);
      if (s && baseEndpoint(s).id === r.endpointId) out.push(xroadRight(r, s));
    }
    return out;
  });

  api.post('/clients/:id/service-clients/:sc_id/access-rights', {
    config: { permission: 'services', auditEvent: 'Add access rights to subject' }, schema: { params: ClientSc, body: Items },
  }, async (req, reply) => {
    const provider = req.params.id;
    parseClientId(provider, 'id', { subsystemOnly: true });
    requireScope(req, provider);
    const subject = subjectOf(req.params.sc_id, 'sc_id');
    req.body.items.forEach((it, i) => checkWindow(it, `body.items.${i}`));
    const codes = req.body.items.map((i) => i.service_code);
    if (new Set(codes).size !== codes.length) throw badRequest('body.items', 'a service_code appears twice');
    const added = await req.server.policy.mutate(req, reply, {
      event: 'Add access rights to subject', data: { clientIdentifier: provider, subjectId: subject.id, serviceCodes: codes },
    }, async (tx) => {
      await mustGet<Subsystem>(tx, 'subsystems', provider, 'client');
      await checkSubject(tx, subject, provider, 'sc_id');
      const now = new Date().toISOString();
      const out = [];
      for (const it of req.body.items) {
        const s = await tx.get<Service>('services', `${provider}:${it.service_code}`);
        if (!s) throw notFound('service', `${provider}:${it.service_code}`);
        const r = makeRight(req, provider, it.service_code, baseEndpoint(s).id, subject, it, now);
        if (await tx.get('accessRights', r.id)) throw conflict('duplicate_accessright', `${subject.id} already has access to ${it.service_code}`, [it.service_code]);
        await tx.put('accessRights', r);
        out.push(xroadRight(r, s));
      }
      return out;
    });
    return reply.code(201).send(added);
  });

  api.post('/clients/:id/service-clients/:sc_id/access-rights/delete', {
    config: { permission: 'services', auditEvent: 'Remove access rights from subject' }, schema: { params: ClientSc, body: Items },
  }, async (req, reply) => {
    const provider = req.params.id;
    requireScope(req, provider);
    const subject = subjectOf(req.params.sc_id, 'sc_id');
    const codes = req.body.items.map((i) => i.service_code);
    await req.server.policy.mutate(req, reply, {
      event: 'Remove access rights from subject', data: { clientIdentifier: provider, subjectId: subject.id, serviceCodes: codes },
    }, async (tx) => {
      await mustGet<Subsystem>(tx, 'subsystems', provider, 'client');
      for (const code of codes) {
        const s = await tx.get<Service>('services', `${provider}:${code}`);
        if (!s) throw notFound('service', `${provider}:${code}`);
        // Removing the service-level right also removes this subject's endpoint-level rights on the service (X-Road).
        if (!(await tx.remove('accessRights', rightId(provider, code, baseEndpoint(s).id, subject)))) {
          throw notFound('access_right', `${subject.id} → ${code}`);
        }
        for (const e of s.endpoints) await tx.remove('accessRights', rightId(provider, code, e.id, subject));
      }
    });
    return reply.code(204).send();
  });

  // ---------- service view and endpoint view ----------
  const bySubjects = (level: 'service' | 'endpoint') => {
    const resolve = async (tx: PolicyTx, id: string) => {
      if (level === 'service') {
        parseServiceId(id, 'id');
        const s = await mustGet<Service>(tx, 'services', id, 'service');
        return { service: s, endpointId: baseEndpoint(s).id };
      }
      const { service, endpoint } = await serviceOfEndpoint(tx, id);
      return { service, endpointId: endpoint.id };
    };
    const addEvent = level === 'service' ? 'Add access rights to service' : 'Add access rights to endpoint';
    const delEvent = level === 'service' ? 'Remove access rights from service' : 'Remove access rights from endpoint';
    const base = level === 'service' ? '/services/:id/service-clients' : '/endpoints/:id/service-clients';

    api.get(base, { config: read, schema: { params: Type.Object({ id: Id }) } }, async (req) => {
      const rd = readerOf(req);
      const { service, endpointId } = await resolve(rd as PolicyTx, req.params.id);
      requireScope(req, service.subsystemId);
      const rights = await rd.list<AccessRight>('accessRights', { ref1: service.subsystemId });
      return serviceClientsOf(rights.filter((r) => r.serviceCode === service.serviceCode && r.endpointId === endpointId), rd);
    });
    api.post(base, { config: { permission: 'services', auditEvent: addEvent }, schema: { params: Type.Object({ id: Id }), body: ScItems } }, async (req, reply) => {
      req.body.items.forEach((it, i) => checkWindow(it, `body.items.${i}`));
      const out = await req.server.policy.mutate(req, reply, { event: addEvent, data: { id: req.params.id, subjectIds: req.body.items.map((i) => i.id) } }, async (tx) => {
        const { service, endpointId } = await resolve(tx, req.params.id);
        requireScope(req, service.subsystemId);
        const now = new Date().toISOString();
        for (const [i, it] of req.body.items.entries()) {
          const subject = subjectOf(it.id, `body.items.${i}.id`);
          if (it.service_client_type && it.service_client_type !== subject.type && !(subject.type === 'MEMBER' && it.service_client_type === 'SUBSYSTEM')) {
            throw badRequest(`body.items.${i}.service_client_type`, `does not match the id (a ${subject.type} id)`);
          }
          await checkSubject(tx, subject, service.subsystemId, `body.items.${i}.id`);
          const r = makeRight(req, service.subsystemId, service.serviceCode, endpointId, subject, it, now);
          if (await tx.get('accessRights', r.id)) throw conflict('duplicate_accessright', `${subject.id} already has this access right`, [subject.id]);
          await tx.put('accessRights', r);
        }
        const rights = await tx.list<AccessRight>('accessRights', { ref1: service.subsystemId });
        return rights.filter((r) => r.serviceCode === service.serviceCode && r.endpointId === endpointId);
      });
      return reply.code(201).send(await serviceClientsOf(out, readerOf(req)));
    });
    api.post(`${base}/delete`, { config: { permission: 'services', auditEvent: delEvent }, schema: { params: Type.Object({ id: Id }), body: ScItems } }, async (req, reply) => {
      await req.server.policy.mutate(req, reply, { event: delEvent, data: { id: req.params.id, subjectIds: req.body.items.map((i) => i.id) } }, async (tx) => {
        const { service, endpointId } = await resolve(tx, req.params.id);
        requireScope(req, service.subsystemId);
        for (const [i, it] of req.body.items.entries()) {
          const subject = subjectOf(it.id, `body.items.${i}.id`);
          if (!(await tx.remove('accessRights', rightId(service.subsystemId, service.serviceCode, endpointId, subject)))) throw notFound('access_right', subject.id);
          if (level === 'service') for (const e of service.endpoints) await tx.remove('accessRights', rightId(service.subsystemId, service.serviceCode, e.id, subject));
        }
      });
      return reply.code(204).send();
    });
  };
  bySubjects('service');
  bySubjects('endpoint');
}

export type { FastifyReply };

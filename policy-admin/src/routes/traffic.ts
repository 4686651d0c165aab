/**
 * Traffic policy and block rules (extensions beyond X-Road; model shapes of model/snapshot.ts):
 *   GET|POST /rate-limit-policies, GET|PUT|DELETE /rate-limit-policies/{id}
 *   GET|POST /routing-rules,       GET|PUT|DELETE /routing-rules/{id}
 *   GET|POST /block-rules,         GET|PUT|DELETE /block-rules/{id}
 *   GET|PUT  /request-id-policy
 * Routing conditions and actions are the header-routing filter's own vocabulary, validated against the schema
 * the filter ships (filters/header-routing/config.schema.json), so what is stored is what the filter accepts.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider, type TSchema } from '@fastify/type-provider-typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import headerRoutingSchema from '../../../filters/header-routing/config.schema.json' with { type: 'json' };
import type { BlockRule, EntityKind, RequestIdPolicy, Service } from '../model/snapshot.ts';
import type { PolicyTx } from '../repo/policy-tx.ts';
import { requireScope } from '../http/context.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { Id, IdParams, Mode, SubjectRef, Timestamp } from './schemas.ts';
import { parseClientId } from './ids.ts';
import { clean, mustGet, mustNotExist } from './util.ts';
import type { Group } from '../model/snapshot.ts';

const ajv = new Ajv2020({ strict: false, allErrors: false });
const validateRouting = ajv.compile({
  $defs: (headerRoutingSchema as any).$defs,
  type: 'object',
  properties: {
    match: { type: 'array', maxItems: 100, items: { $ref: '#/$defs/condition' } },
    actions: { type: 'array', minItems: 1, maxItems: 100, items: { $ref: '#/$defs/action' } },
  },
});

const lit = (xs: string[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const PolicyId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const Target = Type.Object({ providerSubsystemId: Id, serviceCode: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), endpointId: Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: false });

const RateLimitBody = Type.Object({
  id: Type.Optional(PolicyId),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  target: Target,
  per: Type.Union([lit(['EACH_CLIENT', 'ALL_CLIENTS']), Type.Object({ subject: SubjectRef }, { additionalProperties: false })]),
  unit: lit(['second', 'minute', 'hour', 'day']),
  requestsPerUnit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  burst: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  enforcement: Type.Optional(lit(['LOCAL_PER_PROXY', 'LOCAL_SPLIT', 'GLOBAL'])),
  mode: Type.Optional(lit(['ENFORCE', 'SHADOW'])),
  failureMode: Type.Optional(lit(['FAIL_OPEN', 'FAIL_CLOSED'])),
}, { additionalProperties: false });

const RoutingBody = Type.Object({
  id: Type.Optional(PolicyId),
  name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  target: Type.Object({ providerSubsystemId: Id, serviceCode: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false }),
  priority: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  match: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 100 })),
  actions: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 100 }),
}, { additionalProperties: false });

const BlockBody = Type.Object({
  id: Type.Optional(PolicyId),
  subject: Type.Union([SubjectRef, Type.Object({ type: Type.Literal('ANY') }, { additionalProperties: false })]),
  providerSubsystemId: Type.Optional(Id),
  serviceCode: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  reason: Type.String({ minLength: 1, maxLength: 1024 }),
  mode: Type.Optional(Mode),
  expiresAt: Type.Optional(Timestamp),
}, { additionalProperties: false });

const RequestIdBody = Type.Object({
  headerName: Type.Optional(Type.String({ pattern: '^[a-z0-9._-]+$', maxLength: 256 })),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  keepIncoming: Type.Optional(Type.Boolean()),
  echoRequestId: Type.Optional(Type.Boolean()),
  traceContext: Type.Optional(Type.Boolean()),
  echoTraceparent: Type.Optional(Type.Boolean()),
  sampleRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  xRoadHeaders: Type.Optional(Type.Boolean()),
  trustXRoadId: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

/** Provider / service / endpoint references of a target must exist (404). */
async function checkTarget(tx: PolicyTx, t: { providerSubsystemId: string; serviceCode?: string; endpointId?: string }, field: string) {
  parseClientId(t.providerSubsystemId, `${field}.providerSubsystemId`, { subsystemOnly: true });
  await mustGet(tx, 'subsystems', t.providerSubsystemId, 'client');
  if (t.endpointId !== undefined && t.serviceCode === undefined) throw badRequest(`${field}.serviceCode`, 'required with endpointId');
  if (t.serviceCode !== undefined) {
    const s = await mustGet<Service>(tx, 'services', `${t.providerSubsystemId}:${t.serviceCode}`, 'service');
    if (t.endpointId !== undefined && !s.endpoints.some((e) => e.id === t.endpointId)) throw notFound('endpoint', t.endpointId);
  }
}

async function checkSubjectRef(tx: PolicyTx, s: { type: string; id?: string }) {
  if (s.type === 'SUBSYSTEM') await mustGet(tx, 'subsystems', s.id!, 'client');
  else if (s.type === 'MEMBER') await mustGet(tx, 'members', s.id!, 'member');
  else if (s.type === 'GLOBALGROUP' || s.type === 'LOCALGROUP') {
    const g = await mustGet<Group>(tx, 'groups', s.id!, 'group');
    if (g.kind !== (s.type === 'LOCALGROUP' ? 'LOCAL' : 'GLOBAL')) throw notFound('group', s.id!);
  }
}

interface CrudSpec {
  path: string;
  kind: EntityKind;
  what: string;
  idPrefix: string;
  body: TSchema;
  permission: 'services' | 'blocks';
  events: { add: string; edit: string; remove: string };
  scopeOf: (e: any) => string | undefined;
  /** Validates references and fills defaults; returns the entity to store. */
  build: (tx: PolicyTx, body: any, id: string) => Promise<{ id: string }>;
}

function crud(root: FastifyInstance, spec: CrudSpec) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  api.get(spec.path, { config: { permission: 'read' } }, async (req) => {
    const snap = (await req.server.policy.snapshots.snapshot()).content as any;
    return snap[spec.kind];
  });
  api.get(`${spec.path}/:id`, { config: { permission: 'read' }, schema: { params: IdParams } }, async (req) => {
    const e = ((await req.server.policy.snapshots.snapshot()).content as any)[spec.kind].find((x: any) => x.id === req.params.id);
    if (!e) throw notFound(spec.what, req.params.id);
    return e;
  });
  api.post(spec.path, { config: { permission: spec.permission, auditEvent: spec.events.add }, schema: { body: spec.body } }, async (req, reply) => {
    const body = req.body as any;
    const e = await req.server.policy.mutate(req, reply, { event: spec.events.add, data: body }, async (tx) => {
      const id = body.id ?? `${spec.idPrefix}-${await tx.nextId(spec.kind)}`;
      await mustNotExist(tx, spec.kind, id, spec.what);
      const e = await spec.build(tx, body, id);
      requireScope(req, spec.scopeOf(e));
      await tx.put(spec.kind, e);
      return e;
    });
    return reply.code(201).send(e);
  });
  api.put(`${spec.path}/:id`, { config: { permission: spec.permission, auditEvent: spec.events.edit }, schema: { params: IdParams, body: spec.body } }, async (req, reply) => {
    const body = req.body as any;
    if (body.id !== undefined && body.id !== req.params.id) throw badRequest('body.id', 'differs from the id in the path');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(req.params.id)) throw badRequest('id', 'expected [A-Za-z0-9_.-]{1,64}');
    return req.server.policy.mutate(req, reply, { event: spec.events.edit, data: { id: req.params.id, ...body } }, async (tx) => {
      const cur = await tx.get<any>(spec.kind, req.params.id);
      if (cur) requireScope(req, spec.scopeOf(cur));
      const e = await spec.build(tx, body, req.params.id);
      requireScope(req, spec.scopeOf(e));
      await tx.put(spec.kind, e);
      return e;
    });
  });
  api.delete(`${spec.path}/:id`, { config: { permission: spec.permission, auditEvent: spec.events.remove }, schema: { params: IdParams } }, async (req, reply) => {
    await req.server.policy.mutate(req, reply, { event: spec.events.remove, data: { id: req.params.id } }, async (tx) => {
      const cur = await mustGet<any>(tx, spec.kind, req.params.id, spec.what);
      requireScope(req, spec.scopeOf(cur));
      await tx.remove(spec.kind, req.params.id);
    });
    return reply.code(204).send();
  });
}

export async function trafficRoutes(root: FastifyInstance) {
  crud(root, {
    path: '/rate-limit-policies', kind: 'rateLimitPolicies', what: 'rate_limit_policy', idPrefix: 'rl', body: RateLimitBody, permission: 'services',
    events: { add: 'Add rate limit policy', edit: 'Edit rate limit policy', remove: 'Delete rate limit policy' },
    scopeOf: (e) => e.target.providerSubsystemId,
    build: async (tx, b, id) => {
      await checkTarget(tx, b.target, 'body.target');
      if (typeof b.per === 'object') await checkSubjectRef(tx, b.per.subject);
      if (b.burst !== undefined && b.burst < b.requestsPerUnit) throw badRequest('body.burst', 'must be at least requestsPerUnit');
      return clean({
        id, name: b.name, target: clean({ ...b.target }), per: b.per, unit: b.unit, requestsPerUnit: b.requestsPerUnit, burst: b.burst,
        enforcement: b.enforcement ?? 'LOCAL_PER_PROXY', mode: b.mode ?? 'ENFORCE', failureMode: b.failureMode ?? 'FAIL_OPEN',
      });
    },
  });
  crud(root, {
    path: '/routing-rules', kind: 'routingRules', what: 'routing_rule', idPrefix: 'rr', body: RoutingBody, permission: 'services',
    events: { add: 'Add routing rule', edit: 'Edit routing rule', remove: 'Delete routing rule' },
    scopeOf: (e) => e.target.providerSubsystemId,
    build: async (tx, b, id) => {
      const candidate = { match: b.match ?? [], actions: b.actions };
      if (!validateRouting(candidate)) {
        const err = validateRouting.errors![0];
        const field = 'body' + err.instancePath.replace(/\//g, '.');
        throw badRequest(field, `${err.message ?? 'invalid'} (header-routing filter schema)`);
      }
      if (candidate.actions.filter((a: any) => a.type === 'route' || a.type === 'split').length > 1) throw badRequest('body.actions', 'at most one route or split action');
      await checkTarget(tx, b.target, 'body.target');
      return { id, name: b.name, target: clean({ ...b.target }), priority: b.priority, match: candidate.match, actions: candidate.actions };
    },
  });
  crud(root, {
    path: '/block-rules', kind: 'blockRules', what: 'block_rule', idPrefix: 'br', body: BlockBody, permission: 'blocks',
    events: { add: 'Add block rule', edit: 'Edit block rule', remove: 'Delete block rule' },
    scopeOf: (e) => e.providerSubsystemId,
    build: async (tx, b, id): Promise<BlockRule> => {
      if (b.subject.type !== 'ANY') await checkSubjectRef(tx, b.subject);
      if (b.serviceCode !== undefined && b.providerSubsystemId === undefined) throw badRequest('body.providerSubsystemId', 'required with serviceCode');
      if (b.providerSubsystemId !== undefined) await checkTarget(tx, { providerSubsystemId: b.providerSubsystemId, serviceCode: b.serviceCode }, 'body');
      return clean({ id, subject: b.subject, providerSubsystemId: b.providerSubsystemId, serviceCode: b.serviceCode, reason: b.reason, mode: b.mode ?? 'ENFORCE', expiresAt: b.expiresAt ? new Date(b.expiresAt).toISOString() : undefined });
    },
  });

  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/request-id-policy', { config: { permission: 'read' } }, async (req) => {
    const p = (await req.server.policy.snapshots.snapshot()).content.requestIdPolicy;
    if (!p) throw notFound('request_id_policy', 'default');
    return p;
  });
  api.put('/request-id-policy', { config: { permission: 'fleet', auditEvent: 'Edit request id policy' }, schema: { body: RequestIdBody } }, async (req, reply) => {
    requireScope(req, undefined);
    return req.server.policy.mutate(req, reply, { event: 'Edit request id policy', data: req.body }, async (tx) => {
      // Defaults are the request-id filter's own (filters/request-id/config.schema.json).
      const b = req.body;
      const p: RequestIdPolicy = {
        id: 'default', headerName: b.headerName ?? 'x-request-id', maxLength: b.maxLength ?? 128, keepIncoming: b.keepIncoming ?? true,
        echoRequestId: b.echoRequestId ?? true, traceContext: b.traceContext ?? true, echoTraceparent: b.echoTraceparent ?? false,
        sampleRate: b.sampleRate ?? 1, xRoadHeaders: b.xRoadHeaders ?? false, trustXRoadId: b.trustXRoadId ?? false,
      };
      if (['traceparent', 'tracestate'].includes(p.headerName)) throw badRequest('body.headerName', 'must not be a trace-context header');
      await tx.put('requestIdPolicy', p);
      return p;
    });
  });
}

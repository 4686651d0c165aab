/**
 * API keys, X-Road style: POST /api-keys with a JSON array of role names (X-Road's XROAD_* names or ours)
 * → {id, key, roles}; the key is shown only in this response. Our extension: an object body
 * {roles, scope?: {memberId?|subsystemId?}, name?}. DELETE revokes (the row stays, for the audit trail).
 * Besides API keys (SYSTEM_ADMINISTRATOR), these routes take HTTP Basic from a local admin user on a loopback
 * peer (app.ts, auth/users.ts), as X-Road's key-management API does.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { insertKey, toInfo, type ApiKeyInfo } from '../auth/keys.ts';
import { parseRole, XROAD_NAME_OF, type Role } from '../auth/roles.ts';
import { actorOf, requireScope } from '../http/context.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { parseClientId } from './ids.ts';
import { clean } from './util.ts';

const RoleNames = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10, uniqueItems: true });
const Body = Type.Union([
  RoleNames,
  Type.Object({
    roles: RoleNames,
    scope: Type.Optional(Type.Object({ memberId: Type.Optional(Type.String()), subsystemId: Type.Optional(Type.String()) }, { additionalProperties: false })),
    name: Type.Optional(Type.String({ maxLength: 255 })),
  }, { additionalProperties: false }),
]);
const KeyParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,10}$' }) });

function roles(names: string[], field: string): Role[] {
  return names.map((n, i) => {
    const r = parseRole(n);
    if (!r) throw badRequest(`${field}.${i}`, `unknown role ${n}`);
    return r;
  });
}
const view = (k: ApiKeyInfo) => clean({ id: k.id, roles: k.roles.map((r) => XROAD_NAME_OF[r]), name: k.name || undefined, scope: k.scope, created_at: k.created_at, revoked_at: k.revoked_at ?? undefined });

export async function apiKeyRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const cfg = (auditEvent?: string) => ({ permission: 'keys' as const, auditEvent });
  api.get('/me', { config: { permission: 'read' } }, async (req) => ({ id: req.auth!.keyId, roles: req.auth!.roles, scope: req.auth!.scope }));
  // X-Road answers 200 to every key-management call (create, update, revoke), whatever its OpenAPI says.
  api.get('/api-keys', { config: cfg() }, async (req) => {
    requireScope(req, undefined);
    return (await req.server.policy.db.kysely.selectFrom('api_keys').selectAll().where('revoked_at', 'is', null).orderBy('id').execute()).map((r) => view(toInfo(r)));
  });
  api.get('/api-keys/:id', { config: cfg(), schema: { params: KeyParams } }, async (req) => {
    requireScope(req, undefined);
    const r = await req.server.policy.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', Number(req.params.id)).where('revoked_at', 'is', null).executeTakeFirst();
    if (!r) throw notFound('api_key', req.params.id);
    return view(toInfo(r));
  });
  api.post('/api-keys', { config: cfg('API key create'), schema: { body: Body } }, async (req, reply) => {
    requireScope(req, undefined);
    const b = Array.isArray(req.body) ? { roles: req.body as string[] } : (req.body as { roles: string[]; scope?: { memberId?: string; subsystemId?: string }; name?: string });
    const rs = roles(b.roles, Array.isArray(req.body) ? 'body' : 'body.roles');
    const scope = clean({ ...(b.scope ?? {}) });
    if (scope.memberId && scope.subsystemId) throw badRequest('body.scope', 'give memberId or subsystemId, not both');
    if (scope.memberId) parseClientId(scope.memberId, 'body.scope.memberId');
    if (scope.subsystemId) parseClientId(scope.subsystemId, 'body.scope.subsystemId', { subsystemOnly: true });
    const made = await req.server.policy.audited(req, { event: 'API key create', data: { roles: rs, scope, name: b.name ?? '' } }, async (tx) => {
      const m = await insertKey(tx.conn, rs, scope, b.name ?? '', actorOf(req).actorId);
      return { result: m, after: view(m.info) };
    });
    return reply.code(200).send({ ...view(made.info), key: made.key });
  });
  api.put('/api-keys/:id', { config: cfg('API key update'), schema: { params: KeyParams, body: RoleNames } }, async (req) => {
    requireScope(req, undefined);
    const rs = roles(req.body, 'body');
    return req.server.policy.audited(req, { event: 'API key update', data: { id: Number(req.params.id), roles: rs } }, async (tx) => {
      const cur = await tx.conn.selectFrom('api_keys').selectAll().where('id', '=', Number(req.params.id)).where('revoked_at', 'is', null).executeTakeFirst();
      if (!cur) throw notFound('api_key', req.params.id);
      await tx.conn.updateTable('api_keys').set({ roles: JSON.stringify(rs) }).where('id', '=', Number(req.params.id)).execute();
      const next = { ...toInfo(cur), roles: rs };
      return { result: view(next), before: view(toInfo(cur)), after: view(next) };
    });
  });
  api.delete('/api-keys/:id', { config: cfg('API key remove'), schema: { params: KeyParams } }, async (req, reply) => {
    requireScope(req, undefined);
    await req.server.policy.audited(req, { event: 'API key remove', data: { id: Number(req.params.id) } }, async (tx) => {
      const cur = await tx.conn.selectFrom('api_keys').selectAll().where('id', '=', Number(req.params.id)).where('revoked_at', 'is', null).executeTakeFirst();
      if (!cur) throw notFound('api_key', req.params.id);
      await tx.conn.updateTable('api_keys').set({ revoked_at: new Date().toISOString() }).where('id', '=', Number(req.params.id)).execute();
      return { result: undefined, before: view(toInfo(cur)) };
    });
    return reply.code(200).send();
  });
}

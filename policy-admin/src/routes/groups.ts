/**
 * Local groups (X-Road admin API: /clients/{id}/local-groups, /local-groups/{id}, …/members, …/members/delete)
 * and global groups (central-server data; our model shape). Deleting a group revokes every right granted to it.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessRight, Group } from '../model/snapshot.ts';
import type { PolicyTx } from '../repo/policy-tx.ts';
import { requireScope } from '../http/context.ts';
import { conflict, notFound } from '../http/errors.ts';
import { Id, IdParams } from './schemas.ts';
import { checkPart, parseClientId } from './ids.ts';
import { clean, mustGet, mustNotExist } from './util.ts';

const xroadLocalGroup = (g: Group) => ({
  id: g.id, code: g.code, description: g.description, member_count: g.members.length,
  members: g.members.map((id) => ({ id, name: id })),
});

async function checkMembers(tx: PolicyTx, ids: string[]) {
  for (const [i, id] of ids.entries()) {
    const p = parseClientId(id, `body.items.${i}`);
    await mustGet(tx, p.subsystemCode ? 'subsystems' : 'members', id, p.subsystemCode ? 'client' : 'member');
  }
}

async function revokeGroupRights(tx: PolicyTx, g: Group) {
  for (const r of await tx.list<AccessRight>('accessRights', { ref2: g.id })) {
    if (r.subject.type === (g.kind === 'LOCAL' ? 'LOCALGROUP' : 'GLOBALGROUP')) await tx.remove('accessRights', r.id);
  }
}

const Members = Type.Object({ items: Type.Array(Id, { minItems: 1, maxItems: 1000 }) });

export async function groupRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const read = { permission: 'read' as const };

  const getGroup = async (tx: PolicyTx, id: string, kind: 'LOCAL' | 'GLOBAL') => {
    const g = await tx.get<Group>('groups', id);
    if (!g || g.kind !== kind) throw notFound(kind === 'LOCAL' ? 'local_group' : 'global_group', id);
    return g;
  };
  const editMembers = (kind: 'LOCAL' | 'GLOBAL', add: boolean) => async (req: any, reply: any) => {
    const event = add ? 'Add members to group' : 'Remove members from group';
    const out = await req.server.policy.mutate(req, reply, { event, data: { groupId: req.params.id, memberIds: req.body.items } }, async (tx: PolicyTx) => {
      const g = await getGroup(tx, req.params.id, kind);
      requireScope(req, g.ownerSubsystemId);
      const set = new Set(g.members);
      if (add) {
        await checkMembers(tx, req.body.items);
        for (const m of req.body.items) { if (set.has(m)) throw conflict('member_already_exists', `${m} is already a member`, [m]); set.add(m); }
      } else {
        for (const m of req.body.items) { if (!set.delete(m)) throw notFound('group_member', m); }
      }
      const next = { ...g, members: [...set].sort() };
      await tx.put('groups', next);
      return next;
    });
    return add ? reply.code(201).send(kind === 'LOCAL' ? xroadLocalGroup(out).members : out.members) : reply.code(204).send();
  };

  // ---------- local groups ----------
  api.get('/clients/:id/local-groups', { config: read, schema: { params: IdParams } }, async (req) => {
    requireScope(req, req.params.id);
    const snap = (await req.server.policy.snapshots.snapshot()).content;
    if (!snap.subsystems.some((s) => s.id === req.params.id)) throw notFound('client', req.params.id);
    return snap.groups.filter((g) => g.kind === 'LOCAL' && g.ownerSubsystemId === req.params.id).map(xroadLocalGroup);
  });
  api.post('/clients/:id/local-groups', {
    config: { permission: 'services', auditEvent: 'Add group' },
    schema: { params: IdParams, body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 255 }), description: Type.String({ minLength: 1, maxLength: 255 }) }) },
  }, async (req, reply) => {
    requireScope(req, req.params.id);
    checkPart(req.body.code, 'body.code');
    const g = await req.server.policy.mutate(req, reply, { event: 'Add group', data: { clientIdentifier: req.params.id, groupCode: req.body.code } }, async (tx) => {
      await mustGet(tx, 'subsystems', req.params.id, 'client');
      const mine = await tx.list<Group>('groups', { ref1: req.params.id });
      if (mine.some((x) => x.code === req.body.code)) throw conflict('local_group_code_already_exists', `local group ${req.body.code} already exists`, [req.body.code]);
      const g: Group = { id: await tx.nextId('local_group'), kind: 'LOCAL', code: req.body.code, description: req.body.description, ownerSubsystemId: req.params.id, members: [] };
      await tx.put('groups', g);
      return g;
    });
    return reply.code(201).send(xroadLocalGroup(g));
  });
  api.get('/local-groups/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    const g = (await req.server.policy.snapshots.snapshot()).content.groups.find((x) => x.id === req.params.id && x.kind === 'LOCAL');
    if (!g) throw notFound('local_group', req.params.id);
    requireScope(req, g.ownerSubsystemId);
    return xroadLocalGroup(g);
  });
  api.patch('/local-groups/:id', {
    config: { permission: 'services', auditEvent: 'Edit group description' },
    schema: { params: IdParams, body: Type.Object({ description: Type.String({ minLength: 1, maxLength: 255 }) }) },
  }, async (req, reply) => {
    const g = await req.server.policy.mutate(req, reply, { event: 'Edit group description', data: { groupId: req.params.id, description: req.body.description } }, async (tx) => {
      const g = await getGroup(tx, req.params.id, 'LOCAL');
      requireScope(req, g.ownerSubsystemId);
      const next = { ...g, description: req.body.description };
      await tx.put('groups', next);
      return next;
    });
    return xroadLocalGroup(g);
  });
  api.delete('/local-groups/:id', { config: { permission: 'services', auditEvent: 'Delete group' }, schema: { params: IdParams } }, async (req, reply) => {
    await req.server.policy.mutate(req, reply, { event: 'Delete group', data: { groupId: req.params.id } }, async (tx) => {
      const g = await getGroup(tx, req.params.id, 'LOCAL');
      requireScope(req, g.ownerSubsystemId);
      await revokeGroupRights(tx, g);
      await tx.remove('groups', g.id);
    });
    return reply.code(204).send();
  });
  api.post('/local-groups/:id/members', { config: { permission: 'services', auditEvent: 'Add members to group' }, schema: { params: IdParams, body: Members } }, editMembers('LOCAL', true));
  api.post('/local-groups/:id/members/delete', { config: { permission: 'services', auditEvent: 'Remove members from group' }, schema: { params: IdParams, body: Members } }, editMembers('LOCAL', false));

  // ---------- global groups ----------
  api.get('/global-groups', { config: read }, async (req) => (await req.server.policy.snapshots.snapshot()).content.groups.filter((g) => g.kind === 'GLOBAL'));
  api.get('/global-groups/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    const g = (await req.server.policy.snapshots.snapshot()).content.groups.find((x) => x.id === req.params.id && x.kind === 'GLOBAL');
    if (!g) throw notFound('global_group', req.params.id);
    return g;
  });
  api.post('/global-groups', {
    config: { permission: 'fleet', auditEvent: 'Add global group' },
    schema: { body: Type.Object({ instanceId: Id, code: Type.String({ minLength: 1, maxLength: 255 }), description: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    requireScope(req, undefined);
    checkPart(req.body.code, 'body.code');
    const g: Group = { id: `${req.body.instanceId}:${req.body.code}`, kind: 'GLOBAL', code: req.body.code, description: req.body.description, members: [] };
    await req.server.policy.mutate(req, reply, { event: 'Add global group', data: { groupId: g.id } }, async (tx) => {
      await mustGet(tx, 'instances', req.body.instanceId, 'instance');
      await mustNotExist(tx, 'groups', g.id, 'global_group');
      await tx.put('groups', clean(g));
    });
    return reply.code(201).send(g);
  });
  api.delete('/global-groups/:id', { config: { permission: 'fleet', auditEvent: 'Delete global group' }, schema: { params: IdParams } }, async (req, reply) => {
    requireScope(req, undefined);
    await req.server.policy.mutate(req, reply, { event: 'Delete global group', data: { groupId: req.params.id } }, async (tx) => {
      const g = await getGroup(tx, req.params.id, 'GLOBAL');
      await revokeGroupRights(tx, g);
      await tx.remove('groups', g.id);
    });
    return reply.code(204).send();
  });
  api.post('/global-groups/:id/members', { config: { permission: 'fleet', auditEvent: 'Add members to global group' }, schema: { params: IdParams, body: Members } }, editMembers('GLOBAL', true));
  api.post('/global-groups/:id/members/delete', { config: { permission: 'fleet', auditEvent: 'Remove members from global group' }, schema: { params: IdParams, body: Members } }, editMembers('GLOBAL', false));
}

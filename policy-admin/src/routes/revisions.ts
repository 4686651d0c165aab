/**
 * Revisions: list, one, content, diff between any two, rollback (= a new revision with the old content).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { diffRevisions } from '../repo/revisions.ts';
import type { Change } from '../repo/policy-tx.ts';
import { requireScope } from '../http/context.ts';
import { conflict, notFound } from '../http/errors.ts';

const RevParams = Type.Object({ rev: Type.String({ pattern: '^[0-9]{1,10}$' }) });
const opOf = (c: Change) => (c.before === null ? 'add' : c.after === null ? 'remove' : 'replace');

export async function revisionRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const read = { permission: 'read' as const };
  api.get('/revisions', {
    config: read,
    schema: { querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })), before: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })) }) },
  }, async (req) => req.server.policy.snapshots.list(Math.min(Number(req.query.limit ?? 100), 1000), req.query.before === undefined ? undefined : Number(req.query.before)));
  api.get('/revisions/:rev', { config: read, schema: { params: RevParams } }, async (req) => req.server.policy.snapshots.revision(Number(req.params.rev)));
  api.get('/revisions/:rev/content', { config: read, schema: { params: RevParams } }, async (req, reply) => {
    const r = await req.server.policy.snapshots.snapshot(Number(req.params.rev));
    reply.header('etag', `"${r.sha256}"`);
    return r;
  });
  api.get('/revisions/:rev/diff', {
    config: read,
    schema: { params: RevParams, querystring: Type.Object({ against: Type.Optional(Type.String({ pattern: '^([0-9]{1,10}|head|previous)$' })) }) },
  }, async (req) => {
    const rev = Number(req.params.rev);
    const a = req.query.against;
    const against = a === undefined || a === 'previous' ? Math.max(rev - 1, 0) : a === 'head' ? (await req.server.policy.snapshots.head()).rev : Number(a);
    const changes = await req.server.policy.snapshots.diff(against, rev);
    return { from: against, to: rev, changes: changes.map((c) => ({ op: opOf(c), kind: c.kind, id: c.id, before: c.before, after: c.after })) };
  });
  api.post('/revisions/:rev/rollback', {
    config: { permission: 'revisions', auditEvent: 'Roll back policy' }, schema: { params: RevParams },
  }, async (req, reply) => {
    requireScope(req, undefined);
    const target = Number(req.params.rev);
    await req.server.policy.snapshots.revision(target).catch(() => { throw notFound('revision', req.params.rev); });
    const rev = await req.server.policy.mutate(req, reply, { event: 'Roll back policy', data: { to: target }, message: `rollback to r${target}`, rollbackOf: target }, async (tx) => {
      const changes = await diffRevisions(tx.conn, tx.headRev, target);
      if (!changes.length) throw conflict('no_changes', `the head revision already has the content of r${target}`, [String(target)]);
      for (const c of changes) {
        if (c.after === null) await tx.remove(c.kind, c.id);
        else await tx.put(c.kind, c.after as { id: string });
      }
      return tx.newRev;
    });
    return reply.code(201).send(await req.server.policy.snapshots.revision(rev));
  });
}

/**
 * The audit log, read-only over HTTP: list, export (JSON lines with the hash chain, verifiable offline with
 * `policy-admin audit verify --file`), verify.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auditRows, verifyAuditChain, type AuditRow } from '../audit/log.ts';
import { requireScope } from '../http/context.ts';

export const auditView = (r: AuditRow) => ({
  ...r, roles: JSON.parse(r.roles), data: r.data === null ? null : JSON.parse(r.data),
  before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after),
});

export async function auditRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const cfg = { permission: 'audit' as const };
  api.get('/audit-events', {
    config: cfg,
    schema: {
      querystring: Type.Object({
        after_seq: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })), limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
        event: Type.Optional(Type.String({ maxLength: 255 })), outcome: Type.Optional(Type.Union([Type.Literal('SUCCESS'), Type.Literal('FAILURE')])),
        correlation_id: Type.Optional(Type.String({ maxLength: 128 })),
      }),
    },
  }, async (req) => {
    requireScope(req, undefined);
    const q = req.query;
    let sel = req.server.policy.db.kysely.selectFrom('audit_events').selectAll().where('seq', '>', Number(q.after_seq ?? 0)).orderBy('seq').limit(Math.min(Number(q.limit ?? 100), 1000));
    if (q.event) sel = sel.where('event', '=', q.event);
    if (q.outcome) sel = sel.where('outcome', '=', q.outcome);
    if (q.correlation_id) sel = sel.where('correlation_id', '=', q.correlation_id);
    return (await sel.execute()).map((r) => auditView({ ...r, seq: Number(r.seq), rev: r.rev === null ? null : Number(r.rev) }));
  });
  api.get('/audit-events/export', { config: cfg }, async (req, reply) => {
    requireScope(req, undefined);
    reply.header('content-type', 'application/x-ndjson');
    let out = '';
    for await (const r of auditRows(req.server.policy.db.kysely)) out += JSON.stringify(r) + '\n';
    return out;
  });
  api.get('/audit-events/verify', { config: cfg }, async (req) => {
    requireScope(req, undefined);
    return verifyAuditChain(req.server.policy.db.kysely);
  });
}

// The distribution API (fastify plugin), for the app factory to register under /api/v1:
//   GET /distribution/nodes            every xDS node seen: connection, version per type, last NACK
//   GET /distribution/revisions/{rev}  a revision's roll-out: which nodes run it, rejected it, pending
//
//   await app.register(distributionRoutes, { prefix: '/api/v1', cache, status, authorize })
//
// `authorize(req)` runs before each handler (throw to refuse); the app passes its own role check (e.g.
// `(req) => requirePermission(req.auth!, 'read')`). Errors use X-Road's admin-API ErrorInfo shape.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, FastifySchema } from 'fastify';
import type { SnapshotCache } from './cache.ts';
import { revisionRollout } from './rollout.ts';
import type { NodeStatusView } from './status.ts';

export interface DistributionRoutesOptions {
  cache: SnapshotCache;
  status: NodeStatusView;
  authorize?: (req: FastifyRequest) => void | Promise<void>;
}

const NODE_LIST = {
  type: 'object',
  properties: {
    nodes: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export const distributionRoutes: FastifyPluginAsync<DistributionRoutesOptions> = async (app: FastifyInstance, opts) => {
  const { cache, status, authorize } = opts;
  if (authorize) app.addHook('preHandler', async (req) => authorize(req));

  app.get('/distribution/nodes', {
    // summary/tags are read by @fastify/swagger when the app has it
    schema: { summary: 'xDS nodes: connection, running version per resource type, last NACK', tags: ['distribution'], response: { 200: NODE_LIST } } as FastifySchema,
  }, async () => ({
    nodes: status.list().map((n) => ({ ...n, snapshotRevision: cache.getSnapshot(n.group)?.revision ?? null })),
  }));

  app.get<{ Params: { rev: string } }>('/distribution/revisions/:rev', {
    schema: {
      summary: "A revision's roll-out: nodes that run it (ACKED), rejected it (NACKED), not yet (PENDING/DISCONNECTED)",
      tags: ['distribution'],
      params: { type: 'object', properties: { rev: { type: 'string', pattern: '^[0-9]{1,15}$' } }, required: ['rev'] },
    } as FastifySchema,
  }, async (req, reply) => {
    const rev = Number(req.params.rev);
    const r = revisionRollout(rev, cache, status);
    if (!r) {
      return reply.code(404).send({
        status: 404,
        error: { code: 'revision_not_distributed', metadata: [String(rev)] },
        message: `revision ${rev} has not been published to any security server`,
      });
    }
    return r;
  });
};

/**
 * Compiled filter configurations of one security server, for static Envoy deployments and debugging
 * (reference §G.2: the bundle endpoint beside ECDS push):
 *   GET /bundles/{securityServerId}[?rev=N]            {securityServerId, rev, revSha256, sha256, configs: {authz, header-routing, request-id}, warnings}
 *   GET /bundles/{securityServerId}/{filter}[?rev=N]   that filter's configuration alone (what goes under `configuration:`)
 * Strong ETag = sha256 of the body; If-None-Match (a list, W/ tags, or *) → 304. Ids are colon form,
 * URL-encoded in the path. Head revision unless ?rev.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FILTERS, type CompiledServer, type FilterName } from '../compiler/index.ts';
import { compiledOr404, type CompileCache } from '../compiler/cache.ts';
import { notFound } from '../http/errors.ts';
import { requireScope } from '../http/context.ts';

const Params = Type.Object({ securityServerId: Type.String({ minLength: 1, maxLength: 1279 }) });
const FilterParams = Type.Object({ securityServerId: Type.String({ minLength: 1, maxLength: 1279 }), filter: Type.String({ minLength: 1, maxLength: 64 }) });
// rev as digits: the host app's ajv may not coerce query strings
const Query = Type.Object({ rev: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Revision; default head' })) });
const revOf = (q: { rev?: string }) => (q.rev === undefined ? undefined : Number(q.rev));

/** The bundle body: canonical JSON built around the configs' own bytes (no re-serialisation). */
export function bundleBody(s: CompiledServer): string {
  const configs = FILTERS.map((f) => `${JSON.stringify(f)}:${s.configs[f].json}`).join(',');
  return `{"configs":{${configs}},"rev":${s.rev},"revSha256":${JSON.stringify(s.revSha256)},"securityServerId":${JSON.stringify(s.securityServerId)},`
    + `"sha256":${JSON.stringify(s.sha256)},"warnings":${JSON.stringify(s.warnings)}}`;
}

/** true when If-None-Match names `etag` (or is *): the client's copy is current. */
export function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

function send(req: FastifyRequest, reply: FastifyReply, body: string) {
  const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (notModified(req.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(body);
}

export async function bundleRoutes(root: FastifyInstance, cache: CompileCache) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const config = { permission: 'read' as const };

  api.get('/bundles/:securityServerId', { config, schema: { params: Params, querystring: Query, tags: ['bundles'], summary: 'Compiled filter configurations of a security server' } }, async (req, reply) => {
    if (req.auth) requireScope(req, req.params.securityServerId);
    return send(req, reply, bundleBody(await compiledOr404(cache, req.params.securityServerId, revOf(req.query))));
  });

  api.get('/bundles/:securityServerId/:filter', { config, schema: { params: FilterParams, querystring: Query, tags: ['bundles'], summary: "One filter's compiled configuration" } }, async (req, reply) => {
    if (req.auth) requireScope(req, req.params.securityServerId);
    if (!(FILTERS as readonly string[]).includes(req.params.filter)) throw notFound('filter', req.params.filter);
    const s = await compiledOr404(cache, req.params.securityServerId, revOf(req.query));
    return send(req, reply, s.configs[req.params.filter as FilterName].json);
  });
}

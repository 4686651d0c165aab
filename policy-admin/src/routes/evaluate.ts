/**
 * What-if:
 *   POST /evaluate {client, service, method, path, peerCertSha256?, at?, rev?, securityServerId?, tls?}
 *     → {decision, reason, matchedRight, rev, securityServerId, at, status, error, block, dryRun}
 * computed by the real authz filter on the compiled configuration (policy-admin/src/evaluate). A read:
 * not audited, changes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Evaluator } from '../evaluate/evaluator.ts';
import { requireScope } from '../http/context.ts';
import { badRequest, forbidden } from '../http/errors.ts';

const Body = Type.Object({
  client: Type.String({ minLength: 1, maxLength: 1279, description: 'Client id, colon form (INSTANCE:CLASS:MEMBER[:SUBSYSTEM])' }),
  service: Type.String({ minLength: 1, maxLength: 1279, description: 'Service id, colon form (INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE)' }),
  method: Type.String({ minLength: 1, maxLength: 20 }),
  path: Type.String({ maxLength: 4096, description: 'Path after the service code, e.g. /v1/births/1' }),
  peerCertSha256: Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$', description: 'TLS peer certificate (IS certificate or peer security server auth certificate)' })),
  at: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 instant; default now' })),
  rev: Type.Optional(Type.Integer({ minimum: 0, description: 'Revision; default head' })),
  securityServerId: Type.Optional(Type.String({ minLength: 1, maxLength: 1279, description: 'Default: the first security server serving the provider' })),
  tls: Type.Optional(Type.Boolean({ description: 'TLS connection without client certificate (HTTPS_NO_AUTH); default: peerCertSha256 given' })),
}, { additionalProperties: false });

const Result = Type.Object({
  decision: Type.Union([Type.Literal('ALLOW'), Type.Literal('DENY')]),
  reason: Type.String(),
  matchedRight: Type.Union([Type.String(), Type.Null()]),
  rev: Type.Integer(),
  securityServerId: Type.String(),
  at: Type.String(),
  status: Type.Integer(),
  error: Type.Union([Type.Object({ type: Type.String(), message: Type.String() }), Type.Null()]),
  block: Type.Union([Type.String(), Type.Null()]),
  dryRun: Type.Object({ right: Type.Union([Type.String(), Type.Null()]), block: Type.Union([Type.String(), Type.Null()]) }),
});

export async function evaluateRoutes(root: FastifyInstance, evaluator: Evaluator) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const fields = new Set(Object.keys(Body.properties));
  api.post('/evaluate', {
    config: { permission: 'read' },
    // unknown fields are an error whatever the host app's ajv does with additionalProperties (fastify's
    // default silently removes them)
    preValidation: async (req) => {
      const b = req.body;
      if (b && typeof b === 'object' && !Array.isArray(b)) for (const k of Object.keys(b)) if (!fields.has(k)) throw badRequest(`body.${k}`, 'unknown field');
    },
    schema: { body: Body, response: { 200: Result }, tags: ['evaluate'], summary: 'What-if: the authz decision the filter would take' },
  }, async (req) => {
    req.auditDone = true; // a read: the core's onSend hook audits POSTs otherwise
    const b = req.body;
    if (req.auth) {
      // a scoped key may ask about its own services or about its own client's access
      const provider = b.service.split(':').slice(0, 4).join(':');
      try { requireScope(req, provider); } catch { try { requireScope(req, b.client); } catch { throw forbidden(`the key's scope covers neither ${provider} nor ${b.client}`); } }
    }
    return evaluator.evaluate(b);
  });
}

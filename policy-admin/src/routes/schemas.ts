/** Shared TypeBox schemas (typebox 1.x as re-exported by @fastify/type-provider-typebox). */
import { Type } from '@fastify/type-provider-typebox';

export const Id = Type.String({ minLength: 1, maxLength: 1279 });
export const IdParams = Type.Object({ id: Id });
export const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });
export const Sha256 = Type.String({ pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$', description: 'SHA-256 digest, hex (":" separators allowed)' });
export const Mode = Type.Union([Type.Literal('ENFORCE'), Type.Literal('DRY_RUN')]);
export const Method = Type.Union(['*', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'].map((m) => Type.Literal(m)));
export const CertRef = Type.Object({
  hash: Sha256,
  subject: Type.Optional(Type.String({ maxLength: 1024 })),
  sans: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 })),
  not_after: Type.Optional(Timestamp),
}, { additionalProperties: false });
export const SubjectRef = Type.Object({
  type: Type.Union([Type.Literal('SUBSYSTEM'), Type.Literal('MEMBER'), Type.Literal('GLOBALGROUP'), Type.Literal('LOCALGROUP')]),
  id: Id,
}, { additionalProperties: false });
export const ErrorInfo = Type.Object({
  status: Type.Integer(),
  error: Type.Object({ code: Type.String(), metadata: Type.Optional(Type.Array(Type.String())), validation_errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))) }),
  message: Type.Optional(Type.String()),
});

/** Normalised digest: lower-case hex without separators (what Envoy's sha256_peer_certificate_digest gives). */
export const normSha = (h: string) => h.replace(/:/g, '').toLowerCase();

/** Small helpers the route files share. */
import { X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { PolicyTx } from '../repo/policy-tx.ts';
import type { EntityKind, CertRef } from '../model/snapshot.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { normSha } from './schemas.ts';

/** The current entity or 404 `<what>_not_found`. */
export async function mustGet<T>(tx: PolicyTx, kind: EntityKind, id: string, what: string): Promise<T> {
  const e = await tx.get<T>(kind, id);
  if (!e) throw notFound(what, id);
  return e;
}

export async function mustNotExist(tx: PolicyTx, kind: EntityKind, id: string, what: string) {
  if (await tx.get(kind, id)) throw conflict(`${what}_already_exists`, `${what.replace(/_/g, ' ')} already exists: ${id}`, [id]);
}

/** Drops undefined members so entities stay plain JSON (snapshot rule). */
export function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** A certificate from an upload (PEM or DER, as X-Road's admin API takes it) or from {hash, subject?, …}. */
export function certFromBody(body: unknown): CertRef {
  if (Buffer.isBuffer(body)) {
    let cert: X509Certificate;
    try { cert = new X509Certificate(body); } catch { throw badRequest('body', 'not a PEM or DER X.509 certificate', 'invalid_certificate'); }
    return clean({
      sha256: normSha(cert.fingerprint256), subject: cert.subject.replace(/\n/g, ', '),
      sans: cert.subjectAltName ? cert.subjectAltName.split(', ') : undefined,
      notAfter: new Date(cert.validTo).toISOString(), status: 'ACTIVE' as const,
    });
  }
  const b = body as { hash?: string; sha256?: string; subject?: string; sans?: string[]; not_after?: string; notAfter?: string } | undefined;
  const h = b?.hash ?? b?.sha256;
  if (!h || !/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/.test(h)) throw badRequest('body.hash', 'expected a SHA-256 digest (64 hex digits) or a certificate upload');
  return clean({ sha256: normSha(h), subject: b!.subject, sans: b!.sans, notAfter: b!.not_after ?? b!.notAfter, status: 'ACTIVE' as const });
}

/** Lets certificate routes take application/octet-stream and PEM bodies as Buffers. */
export function acceptBinary(api: FastifyInstance) {
  for (const type of ['application/octet-stream', 'application/x-pem-file', 'application/pkix-cert']) {
    if (!api.hasContentTypeParser(type)) api.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
}

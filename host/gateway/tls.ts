// TLS listeners: node:tls options from the DownstreamTlsContext, and the connection attributes Envoy
// exposes to Wasm for a TLS connection (connection.tls_version, connection.sha256_peer_certificate_digest,
// connection.uri_san_peer_certificate, connection.subject_peer_certificate, …) — the ones the authz
// filter reads to prove a client.
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket, TlsOptions } from 'node:tls';
import type { TlsConfig } from './config/types.ts';

export function tlsServerOptions(t: TlsConfig): TlsOptions {
  return {
    cert: t.certChain,
    key: t.privateKey,
    ca: t.trustedCa ?? undefined,
    // Envoy asks for a certificate whenever a validation context exists, and insists on one only with
    // require_client_certificate; an invalid certificate is always refused.
    requestCert: t.trustedCa !== null || t.requireClientCertificate,
    rejectUnauthorized: true,
    minVersion: t.minVersion ?? 'TLSv1.2',
    maxVersion: t.maxVersion ?? 'TLSv1.3',
  };
}

/** RFC 2253 form, as Envoy prints subjects (X509_NAME_print_ex with XN_FLAG_RFC2253): last RDN first, comma-joined. */
export function rfc2253(subject: string): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1').replace(/ $/, '\\ ');
  return subject.split('\n').filter(Boolean).reverse().map((rdn) => {
    const i = rdn.indexOf('=');
    return `${rdn.slice(0, i)}=${esc(rdn.slice(i + 1))}`;
  }).join(',');
}

/** First SAN of a kind ("URI" / "DNS") from node's `subjectAltName` ("DNS:a, URI:b"). */
function firstSan(c: X509Certificate | undefined, kind: string): string | undefined {
  for (const part of (c?.subjectAltName ?? '').split(', ')) if (part.startsWith(kind + ':')) return part.slice(kind.length + 1);
  return undefined;
}

/** Dotted property keys for a TLS connection (absent values are left out, as Envoy returns NotFound). */
export function tlsConnectionProperties(s: TLSSocket): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => { if (v !== undefined && v !== '') out[k] = v; };
  const peer = s.authorized ? s.getPeerX509Certificate() : undefined;
  const local = s.getX509Certificate();
  set('connection.tls_version', s.getProtocol() ?? undefined);
  set('connection.requested_server_name', (s as TLSSocket & { servername?: string | false }).servername || undefined);
  out['connection.mtls'] = peer !== undefined;
  if (peer) {
    set('connection.sha256_peer_certificate_digest', peer.fingerprint256.replace(/:/g, '').toLowerCase());
    set('connection.subject_peer_certificate', rfc2253(peer.subject));
    set('connection.uri_san_peer_certificate', firstSan(peer, 'URI'));
    set('connection.dns_san_peer_certificate', firstSan(peer, 'DNS'));
  }
  if (local) {
    set('connection.subject_local_certificate', rfc2253(local.subject));
    set('connection.uri_san_local_certificate', firstSan(local, 'URI'));
    set('connection.dns_san_local_certificate', firstSan(local, 'DNS'));
  }
  return out;
}

// Table-driven decision cases against ./policy.ts (loaded once). `status` 0 = allowed (request
// continues); otherwise the local reply status. `type` is the X-Road-Error value when denied.
import { CLIENTS as C, P_WIRE, SHA_B, SHA_PEER, SHA_OTHER } from './policy.ts';

export interface Case {
  name: string;
  client?: string | null;          // X-Road-Client value; null = no header
  method?: string;                 // default GET
  service?: string;                // default 'births'
  provider?: string;               // default P_WIRE
  rest?: string;                   // path after the service code, default '/v1/births/1'
  raw?: string;                    // whole :path instead of provider/service/rest
  props?: Record<string, string | boolean>;
  status: number;
  type?: string;
  reason?: string;                 // metric reason
  right?: string;                  // for allowed: the right id in the debug log
}

const TLS = (sha: string) => ({ 'connection.sha256_peer_certificate_digest': sha, 'connection.mtls': true, 'connection.tls_version': 'TLSv1.3' });
const DENIED = 'Server.ServerProxy.access_denied';
const UNAUTH = 'Server.ServerProxy.ssl_auth_failed';
const BAD = 'Client.invalid_request';

export const CASES: Case[] = [
  // --- subject kinds
  { name: 'subsystem client (HTTP) on its endpoint', client: C.http, status: 0, right: 'ar-http', reason: 'allowed' },
  { name: 'subsystem client, other subsystem of the same member is not it', client: 'DEV/GOV/1002/other', status: 401, type: UNAUTH },
  { name: 'member-level client on its endpoint', client: C.member, method: 'POST', rest: '/v1/births', status: 0, right: 'ar-member' },
  { name: 'member-level client: GET not granted', client: C.member, rest: '/v1/births', status: 403, type: DENIED, reason: 'no_right' },
  { name: 'subsystem of a granted member is not the member', client: 'DEV/COM/2001/sub', method: 'POST', rest: '/v1/births', status: 401, type: UNAUTH },
  { name: 'global group member', client: C.global, rest: '/v1/records/a/b/c', status: 0, right: 'ar-global' },
  { name: 'local group member', client: C.local, rest: '/v1/x/summary', status: 0, right: 'ar-local' },
  { name: 'right naming two groups and a client: global member', client: C.global, method: 'DELETE', rest: '/v1/open/1', status: 0, right: 'ar-open' },
  { name: 'right naming two groups and a client: local member', client: C.local, method: 'PUT', rest: '/v1/open/1', status: 0, right: 'ar-open' },
  { name: 'right naming two groups and a client: the client', client: C.http, method: 'PATCH', rest: '/v1/open/1', status: 0, right: 'ar-open' },
  { name: 'group member outside its grants', client: C.local, rest: '/v1/records/a', status: 403, type: DENIED },
  { name: 'registered client without any right on the service', client: C.global, rest: '/v1/births/1', status: 403, type: DENIED },
  // --- glob forms
  { name: '* matches one segment', client: C.http, rest: '/v1/births/123', status: 0 },
  { name: '* does not cross a segment', client: C.http, rest: '/v1/births/1/2', status: 403, type: DENIED },
  { name: '* needs the segment (prefix only is not enough)', client: C.http, rest: '/v1/births', status: 403 },
  { name: '* matches an empty segment at the end', client: C.http, rest: '/v1/births/', status: 0 },
  { name: '** spans segments', client: C.global, rest: '/v1/records/x/y/z/w', status: 0 },
  { name: '** with empty rest after the slash', client: C.global, rest: '/v1/records/', status: 0 },
  { name: '** glob is anchored at the start', client: C.global, rest: '/x/v1/records/a', status: 403 },
  { name: '* in the middle', client: C.local, rest: '/v1/anything/summary', status: 0 },
  { name: '* in the middle does not span', client: C.local, rest: '/v1/a/b/summary', status: 403 },
  { name: 'anchored at the end', client: C.local, rest: '/v1/a/summary/more', status: 403 },
  { name: 'exact path (no wildcard)', client: C.member, method: 'POST', rest: '/v1/births', status: 0 },
  { name: 'exact path: trailing slash differs', client: C.member, method: 'POST', rest: '/v1/births/', status: 403 },
  { name: 'escaped \\* is a literal star', client: C.http, rest: '/v1/lit*', status: 0, right: 'ar-http-lit' },
  { name: 'escaped \\* is not a wildcard', client: C.http, rest: '/v1/litx', status: 403 },
  { name: 'literal star percent-encoded', client: C.http, rest: '/v1/lit%2A', status: 0 },
  { name: 'base endpoint ** covers any path', client: C.tls, rest: '/anything/at/all', props: TLS(SHA_B), status: 0, right: 'ar-tls' },
  { name: 'base endpoint covers the empty rest', client: C.tls, rest: '', props: TLS(SHA_B), status: 0 },
  { name: 'query string is not part of the match', client: C.http, rest: '/v1/births/1?x=/../&y=2', status: 0 },
  { name: 'percent-decoded before matching', client: C.http, rest: '/v1/%62irths/7', status: 0 },
  { name: 'UTF-8 literal in the glob, percent-encoded in the request', client: C.http, rest: '/v1/n%C3%A4me/1', status: 0, right: 'ar-http-utf8' },
  { name: 'double slash is collapsed', client: C.http, rest: '/v1//births/1', status: 0 },
  { name: 'single dot segment is dropped', client: C.http, rest: '/v1/./births/1', status: 0 },
  { name: 'encoded slash splits a segment', client: C.http, rest: '/v1/births/a%2Fb', status: 403 },
  // --- methods
  { name: 'method equal', client: C.http, method: 'GET', status: 0 },
  { name: 'method differs', client: C.http, method: 'POST', status: 403, type: DENIED },
  { name: 'method compared ignoring case (request)', client: C.http, method: 'get', status: 0 },
  { name: 'method compared ignoring case (policy "get")', client: C.local, method: 'GET', rest: '/v1/a/summary', status: 0 },
  { name: 'method * allows any method', client: C.http, method: 'OPTIONS', rest: '/v1/open/x', status: 0 },
  { name: 'HEAD is not GET', client: C.http, method: 'HEAD', status: 403 },
  // --- dry run, blocks, disabled, unknown
  { name: 'DRY_RUN right does not allow', client: C.shadow, status: 403, type: DENIED, reason: 'no_right' },
  { name: 'blocked client (ENFORCE) overrides its right', client: C.rogue, rest: '/x', status: 403, type: DENIED, reason: 'blocked' },
  { name: 'block scoped to a provider: other provider still allowed', client: C.rogue, provider: 'DEV/GOV/1009/land-registry', service: 'deeds', rest: '/a', status: 0, right: 'ar-deeds' },
  { name: 'expired block no longer applies', client: C.http, provider: 'DEV/GOV/1009/land-registry', service: 'deeds', rest: '/a', status: 0 },
  { name: 'DRY_RUN block does not deny', client: C.shadow, service: 'deaths', rest: '/x', status: 503, type: 'Server.ServerProxy.service_disabled' },
  { name: 'disabled service answers its notice to an allowed client', client: C.http, service: 'deaths', rest: '/x', status: 503, type: 'Server.ServerProxy.service_disabled', reason: 'service_disabled' },
  { name: 'disabled service: a client without a right gets 403, not the notice', client: C.global, service: 'deaths', rest: '/x', status: 403, type: DENIED },
  { name: 'unknown service code', client: C.http, service: 'nosuch', status: 404, type: 'Server.ServerProxy.unknown_service', reason: 'unknown_service' },
  { name: 'unknown provider', client: C.http, provider: 'DEV/GOV/1001/other', status: 404, type: 'Server.ServerProxy.unknown_service' },
  { name: 'service ids are case-sensitive', client: C.http, service: 'Births', status: 404 },
  { name: 'service with no rights', client: C.http, service: 'empty', status: 403, type: DENIED },
  { name: 'percent-encoded service id parts', client: C.http, raw: '/r1/DEV/GOV/%31001/civil-registry/births/v1/births/1', status: 0 },
  // --- windows (clock starts 2025-01-01T00:00Z)
  { name: 'right not yet valid', client: C.http, service: 'permits', rest: '/x', status: 403, type: DENIED, reason: 'outside_window' },
  { name: 'right still valid before notAfter (offset form)', client: C.global, service: 'permits', rest: '/x', status: 0, right: 'ar-until' },
  // --- trust
  { name: 'HTTPS client with its certificate (sha256, case-insensitive)', client: C.tls, props: TLS(SHA_B), status: 0 },
  { name: 'HTTPS client without a certificate', client: C.tls, status: 401, type: UNAUTH, reason: 'untrusted_client' },
  { name: 'HTTPS client with another certificate', client: C.tls, props: TLS(SHA_OTHER), status: 401, type: UNAUTH },
  { name: 'HTTPS client by URI SAN', client: C.tlsUri, props: { ...TLS(SHA_OTHER), 'connection.uri_san_peer_certificate': 'spiffe://dev/court' }, status: 0 },
  { name: 'HTTPS client, wrong URI SAN', client: C.tlsUri, props: { ...TLS(SHA_OTHER), 'connection.uri_san_peer_certificate': 'spiffe://dev/other' }, status: 401 },
  { name: 'HTTPS client by subject', client: C.tlsSubj, props: { ...TLS(SHA_OTHER), 'connection.subject_peer_certificate': 'CN=police,O=DEV' }, status: 0 },
  { name: 'HTTPS_NOAUTH client over TLS', client: C.noauth, props: { 'connection.tls_version': 'TLSv1.3' }, status: 0 },
  { name: 'HTTPS_NOAUTH client over plain HTTP', client: C.noauth, status: 401, type: UNAUTH },
  { name: 'peer security server hosting the client', client: C.peer, props: TLS(SHA_PEER), status: 0, right: 'ar-peer' },
  { name: 'peer security server not hosting the client', client: C.tls, props: TLS(SHA_PEER), status: 401 },
  { name: 'client hosted by a peer, wrong peer certificate', client: C.peer, props: TLS(SHA_B), status: 401 },
  { name: 'client hosted by a peer, no certificate', client: C.peer, status: 401 },
  { name: 'unregistered client', client: C.unknown, status: 401, type: UNAUTH },
  { name: 'HTTP client with a certificate is still fine', client: C.http, props: TLS(SHA_OTHER), status: 0 },
  // --- bad input
  { name: 'no client header', client: null, status: 400, type: BAD, reason: 'missing_client' },
  { name: 'client id with two parts', client: 'DEV/GOV', status: 400, type: 'Client.invalid_client_identifier', reason: 'bad_client_id' },
  { name: 'client id with five parts', client: 'DEV/GOV/1/2/3', status: 400, type: 'Client.invalid_client_identifier' },
  { name: 'client id with an illegal character', client: 'DEV/GOV/1002/patient_records', status: 400 },
  { name: 'client id percent-encoded', client: 'DEV/GOV/%31002/patient-records', status: 0 },
  { name: 'client id with an encoded slash', client: 'DEV/GOV/1002%2Fx/patient-records', status: 400 },
  { name: 'client id with a broken escape', client: 'DEV/GOV/1002/patient-records%4', status: 400 },
  { name: 'client id with an empty part', client: 'DEV//1002/patient-records', status: 400 },
  { name: 'not an /r1 path', client: C.http, raw: '/api/v1/births', status: 400, type: BAD, reason: 'bad_request' },
  { name: '/r1 with too few parts', client: C.http, raw: '/r1/DEV/GOV/1001/civil-registry', status: 400 },
  { name: '/r2 is not /r1', client: C.http, raw: '/r2/DEV/GOV/1001/civil-registry/births/v1/births/1', status: 400 },
  { name: '.. segment', client: C.http, rest: '/v1/births/../births/1', status: 400 },
  { name: '%2e%2e segment', client: C.http, rest: '/v1/births/%2e%2e/x', status: 400 },
  { name: '%2E%2E segment upper-case', client: C.http, rest: '/v1/%2E%2E/births/1', status: 400 },
  { name: '.%2e segment', client: C.http, rest: '/v1/.%2e/births/1', status: 400 },
  { name: '%2e. segment', client: C.http, rest: '/v1/%2e./births/1', status: 400 },
  { name: '.. at the end', client: C.http, rest: '/v1/births/..', status: 400 },
  { name: '.. behind an encoded slash', client: C.http, rest: '/v1/births%2F..%2Fx', status: 400 },
  { name: '..%00 (NUL)', client: C.http, rest: '/v1/births/%00', status: 400 },
  { name: 'broken escape %zz', client: C.http, rest: '/v1/births/%zz', status: 400 },
  { name: 'truncated escape at the end', client: C.http, rest: '/v1/births/%4', status: 400 },
  { name: 'encoded backslash', client: C.http, rest: '/v1/births/%5c..', status: 400 },
  { name: 'encoded invalid UTF-8', client: C.http, rest: '/v1/births/%ff', status: 400 },
  { name: 'encoded overlong UTF-8', client: C.http, rest: '/v1/births/%c0%af', status: 400 },
  { name: 'encoded lone surrogate', client: C.http, rest: '/v1/births/%ed%a0%80', status: 400 },
  { name: 'raw space in the path', client: C.http, rest: '/v1/births/a b', status: 400 },
  { name: 'ids: .. as a service code is not an id', client: C.http, raw: '/r1/DEV/GOV/1001/civil-registry/%2e%2e/x', status: 404 },
  { name: 'ids: encoded slash in an id part', client: C.http, raw: '/r1/DEV/GOV/1001%2Fx/civil-registry/births/v1/births/1', status: 400 },
];

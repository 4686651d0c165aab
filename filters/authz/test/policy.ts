// The policy the tests load: one provider subsystem with several services and every kind of subject,
// connection type, glob form, mode, window, block and notice. Shaped exactly like the policy-admin
// service's compiled authz payload (../config.schema.json).
export const P = 'DEV:GOV:1001:civil-registry';
export const P_WIRE = 'DEV/GOV/1001/civil-registry';
export const P2 = 'DEV:GOV:1009:land-registry';
export const SHA_B = 'b'.repeat(64);
export const SHA_PEER = 'c'.repeat(64);
export const SHA_OTHER = 'd'.repeat(64);

export const CLIENTS = {
  http: 'DEV/GOV/1002/patient-records',   // connectionType HTTP
  tls: 'DEV/GOV/1003/tax',                // HTTPS, certificate sha256 bbbb…
  tlsUri: 'DEV/GOV/1010/court',           // HTTPS, certificate by URI SAN
  tlsSubj: 'DEV/GOV/1011/police',         // HTTPS, certificate by subject
  noauth: 'DEV/GOV/1012/stats',           // HTTPS_NOAUTH
  member: 'DEV/COM/2001',                 // member-level client, HTTP
  global: 'DEV/GOV/1004/clinic',          // member of global group DEV:health, HTTP
  local: 'DEV/GOV/1005/lab',              // member of local group lg-7, HTTP
  peer: 'DEV/GOV/1006/remote',            // hosted on a peer security server (cert cccc…)
  rogue: 'DEV/GOV/1007/rogue',            // HTTP, right on births but blocked (ENFORCE)
  shadow: 'DEV/GOV/1008/shadow',          // HTTP, only a DRY_RUN right; DRY_RUN block on deaths
  unknown: 'DEV/GOV/9999/nobody',         // not registered anywhere
} as const;

export function basePolicy(): any {
  return {
    rev: 42,
    sha256: 'a'.repeat(64),
    instance: 'DEV',
    clients: {
      'DEV:GOV:1002:patient-records': { connectionType: 'HTTP' },
      'DEV:GOV:1003:tax': { connectionType: 'HTTPS', certs: [`sha256/${SHA_B.toUpperCase()}`] },
      'DEV:GOV:1010:court': { connectionType: 'HTTPS', certs: ['uri/spiffe://dev/court'] },
      'DEV:GOV:1011:police': { connectionType: 'HTTPS', certs: ['subject/CN=police,O=DEV'] },
      'DEV:GOV:1012:stats': { connectionType: 'HTTPS_NOAUTH' },
      'DEV:COM:2001': { connectionType: 'HTTP' },
      'DEV:GOV:1004:clinic': { connectionType: 'HTTP' },
      'DEV:GOV:1005:lab': { connectionType: 'HTTP' },
      'DEV:GOV:1007:rogue': { connectionType: 'HTTP' },
      'DEV:GOV:1008:shadow': { connectionType: 'HTTP' },
    },
    peers: { 'DEV:GOV:1006:remote': [`sha256/${SHA_PEER}`] },
    groups: { 'DEV:health': ['DEV:GOV:1004:clinic'], 'lg-7': ['DEV:GOV:1005:lab'] },
    providers: {
      [P]: {
        births: {
          disabledNotice: null,
          endpoints: [
            { id: 'ep-base', m: '*', p: '**' },
            { id: 'ep-get', m: 'GET', p: '/v1/births/*' },
            { id: 'ep-post', m: 'POST', p: '/v1/births' },
            { id: 'ep-deep', m: 'GET', p: '/v1/records/**' },
            { id: 'ep-mid', m: 'get', p: '/v1/*/summary' },
            { id: 'ep-lit', m: 'GET', p: '/v1/lit\\*' },
            { id: 'ep-open', m: '*', p: '/v1/open/*' },
            { id: 'ep-utf8', m: 'GET', p: '/v1/näme/*' },
          ],
          rights: [
            { id: 'ar-http', ep: 'ep-get', clients: ['DEV:GOV:1002:patient-records'] },
            { id: 'ar-http-lit', ep: 'ep-lit', clients: ['DEV:GOV:1002:patient-records'] },
            { id: 'ar-http-utf8', ep: 'ep-utf8', clients: ['DEV:GOV:1002:patient-records'] },
            { id: 'ar-tls', ep: 'ep-base', clients: ['DEV:GOV:1003:tax', 'DEV:GOV:1010:court', 'DEV:GOV:1011:police', 'DEV:GOV:1012:stats'] },
            { id: 'ar-member', ep: 'ep-post', clients: ['DEV:COM:2001'] },
            { id: 'ar-global', ep: 'ep-deep', groups: ['DEV:health'] },
            { id: 'ar-local', ep: 'ep-mid', groups: ['lg-7'] },
            { id: 'ar-open', ep: 'ep-open', groups: ['DEV:health', 'lg-7'], clients: ['DEV:GOV:1002:patient-records'] },
            { id: 'ar-peer', ep: 'ep-base', clients: ['DEV:GOV:1006:remote'] },
            { id: 'ar-rogue', ep: 'ep-base', clients: ['DEV:GOV:1007:rogue'] },
            { id: 'ar-shadow', ep: 'ep-get', clients: ['DEV:GOV:1008:shadow'], mode: 'DRY_RUN' },
          ],
        },
        deaths: {
          disabledNotice: 'Maintenance until Monday 08:00',
          endpoints: [{ id: 'ep-base', m: '*', p: '**' }],
          rights: [{ id: 'ar-deaths', ep: 'ep-base', clients: ['DEV:GOV:1002:patient-records', 'DEV:GOV:1008:shadow'] }],
        },
        permits: {
          endpoints: [{ id: 'ep-base' }],
          rights: [
            { id: 'ar-window', ep: 'ep-base', clients: ['DEV:GOV:1002:patient-records'], notBefore: '2025-01-02T00:00:00Z', notAfter: '2025-01-03T00:00:00Z' },
            { id: 'ar-until', ep: 'ep-base', clients: ['DEV:GOV:1004:clinic'], notAfter: '2025-01-01T12:00:00+02:00' },
          ],
        },
        empty: { endpoints: [], rights: [] },
      },
      [P2]: {
        deeds: { endpoints: [{ id: 'ep-base', m: '*', p: '**' }], rights: [{ id: 'ar-deeds', ep: 'ep-base', clients: ['DEV:GOV:1002:patient-records', 'DEV:GOV:1007:rogue'] }] },
      },
    },
    blocks: [
      { id: 'blk-rogue', subject: { type: 'SUBSYSTEM', id: 'DEV:GOV:1007:rogue' }, providerSubsystemId: P, reason: 'incident 17', mode: 'ENFORCE' },
      { id: 'blk-shadow', subject: { type: 'SUBSYSTEM', id: 'DEV:GOV:1008:shadow' }, providerSubsystemId: P, serviceCode: 'deaths', reason: 'trial', mode: 'DRY_RUN' },
      { id: 'blk-expired', subject: { type: 'ANY' }, providerSubsystemId: P2, reason: 'old', mode: 'ENFORCE', expiresAt: '2024-06-01T00:00:00Z' },
    ],
  };
}

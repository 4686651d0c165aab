// A small hand-made revision for the compiler and what-if tests: one provider on security server ss1
// with every kind of subject (subsystem, member, global group, local group), endpoint-level and
// service-level rights, a DRY_RUN right, a validity window, blocks, a disabled service, HTTPS clients
// with information-system certificates and a client hosted on a peer security server (ss2).
import { contentSha256 } from '../src/model/content-hash.ts';
import { emptySnapshot, type PolicySnapshot, type RevisionContent, type Subsystem, type AccessRight, type Service } from '../src/model/snapshot.ts';

export const SS1 = 'DEV:GOV:1001:ss1';
export const SS2 = 'DEV:GOV:1002:ss2';
export const PROVIDER = 'DEV:GOV:1001:civil-registry';
export const PROVIDER_WIRE = 'DEV/GOV/1001/civil-registry';
export const SHA_SS1 = 'a'.repeat(64);
export const SHA_SS2 = 'c'.repeat(64);
export const SHA_SS2_REVOKED = 'd'.repeat(64);
export const SHA_TAX = 'b'.repeat(64);
export const SHA_TAX_REVOKED = 'e'.repeat(64);

/** Clients by role, in colon form. */
export const C = {
  clinic: 'DEV:GOV:1001:clinic-app',      // HTTP on ss1; endpoint-level right; global group DEV:health; right on the disabled service
  tax: 'DEV:GOV:1001:tax',                // HTTPS on ss1 with IS cert bbbb… (eeee… revoked); service-level right
  lab: 'DEV:GOV:1001:lab',                // HTTP on ss1; member of local group 10 (owned by the provider)
  shadow: 'DEV:GOV:1001:shadow',          // HTTP on ss1; only a DRY_RUN right
  rogue: 'DEV:GOV:1001:rogue',            // HTTP on ss1; right, but blocked; also in local group 11 (owned by clinic-app)
  temp: 'DEV:GOV:1001:temp',              // HTTP on ss1; right valid in January 2030 only
  saved: 'DEV:GOV:1001:saved',            // SAVED (not registered): not a client anywhere
  noauth: 'DEV:GOV:1001:stats',           // HTTPS_NO_AUTH on ss1; service-level right
  remote: 'DEV:GOV:1002:patient-records', // on ss2 (peer); member of global group DEV:health
  member: 'DEV:GOV:1002',                 // member-level client; owns ss2; endpoint-level right
  stranger: 'DEV:GOV:9999:nobody',        // unknown
} as const;

const sub = (id: string, connectionType: Subsystem['connectionType'], o: Partial<Subsystem> = {}): Subsystem => {
  const [i, cls, m, code] = id.split(':');
  return {
    id, memberId: `${i}:${cls}:${m}`, subsystemCode: code, name: code, status: 'REGISTERED', connectionType,
    isTlsCerts: [], securityServerIds: [SS1], messageLogMode: 'METADATA', ...o,
  };
};
const right = (id: string, serviceCode: string, endpointId: string, subject: AccessRight['subject'], o: Partial<AccessRight> = {}): AccessRight => ({
  id, providerSubsystemId: PROVIDER, serviceCode, endpointId, subject, mode: 'ENFORCE', grantedBy: 'test', grantedAt: '2026-01-01T00:00:00Z', ...o,
});
const service = (code: string, sd: string, endpoints: Service['endpoints'], o: Partial<Service> = {}): Service => ({
  id: `${PROVIDER}:${code}`, subsystemId: PROVIDER, serviceCode: code, serviceDescriptionId: sd, upstreamUrl: `http://${code}.internal:8080/api`,
  timeoutSeconds: 30, verifyUpstreamTls: false, disabled: false, endpoints, ...o,
});
const byId = <T extends { id: string }>(l: T[]): T[] => l.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export function fixtureSnapshot(): PolicySnapshot {
  const s = emptySnapshot();
  s.instances = [{ id: 'DEV', name: 'Development', clientHeaderNames: ['X-Road-Client', 'X-GovStack-Client', 'Information-Mediator-Client'] }];
  s.memberClasses = [{ id: 'DEV:GOV', instanceId: 'DEV', code: 'GOV', description: 'Government' }];
  s.members = byId([
    { id: 'DEV:GOV:1001', instanceId: 'DEV', memberClass: 'GOV', memberCode: '1001', name: 'Registry', status: 'REGISTERED' },
    { id: 'DEV:GOV:1002', instanceId: 'DEV', memberClass: 'GOV', memberCode: '1002', name: 'Hospital', status: 'REGISTERED' },
  ]);
  s.securityServers = byId([
    { id: SS1, ownerMemberId: 'DEV:GOV:1001', serverCode: 'ss1', address: 'ss1.dev', authCerts: [{ sha256: SHA_SS1, status: 'ACTIVE' }], xdsNodeIds: ['ss1-envoy-a', 'ss1-envoy-b'], labels: {} },
    { id: SS2, ownerMemberId: 'DEV:GOV:1002', serverCode: 'ss2', address: 'ss2.dev', authCerts: [{ sha256: SHA_SS2, status: 'ACTIVE' }, { sha256: SHA_SS2_REVOKED, status: 'REVOKED' }], xdsNodeIds: ['ss2-envoy'], labels: {} },
  ]);
  s.subsystems = byId([
    sub(PROVIDER, 'HTTPS'),
    sub(C.clinic, 'HTTP'),
    sub(C.tax, 'HTTPS', { isTlsCerts: [{ sha256: SHA_TAX, status: 'ACTIVE' }, { sha256: SHA_TAX_REVOKED, status: 'REVOKED' }] }),
    sub(C.lab, 'HTTP'),
    sub(C.shadow, 'HTTP'),
    sub(C.rogue, 'HTTP'),
    sub(C.temp, 'HTTP'),
    sub(C.saved, 'HTTP', { status: 'SAVED' }),
    sub(C.noauth, 'HTTPS_NO_AUTH'),
    sub(C.remote, 'HTTPS', { securityServerIds: [SS2] }),
  ]);
  s.serviceDescriptions = [
    { id: '1', subsystemId: PROVIDER, type: 'REST', url: 'http://births.internal:8080/api', disabled: false },
    { id: '2', subsystemId: PROVIDER, type: 'REST', url: 'http://deaths.internal:8080/api', disabled: true, disabledNotice: 'Maintenance until Monday 08:00' },
  ];
  s.services = byId([
    service('births', '1', [
      { id: '1', method: '*', path: '**', generated: false },
      { id: '2', method: 'GET', path: '/v1/births/*', generated: false },
      { id: '3', method: 'GET', path: '/v1/records/**', generated: false },
    ]),
    service('deaths', '2', [{ id: '4', method: '*', path: '**', generated: false }], { disabled: true, disabledNotice: 'Maintenance until Monday 08:00' }),
  ]);
  s.groups = byId([
    { id: 'DEV:health', kind: 'GLOBAL', code: 'health', description: 'Health sector', members: [C.clinic, C.remote].sort() },
    { id: '10', kind: 'LOCAL', code: 'labs', description: 'Labs', ownerSubsystemId: PROVIDER, members: [C.lab] },
    { id: '11', kind: 'LOCAL', code: 'friends', description: "clinic-app's group", ownerSubsystemId: C.clinic, members: [C.rogue] },
  ]);
  s.accessRights = byId([
    right('r-clinic', 'births', '2', { type: 'SUBSYSTEM', id: C.clinic }),
    right('r-health', 'births', '3', { type: 'GLOBALGROUP', id: 'DEV:health' }, { agreementRef: 'DSA-2026-7' }),
    right('r-lab', 'births', '1', { type: 'LOCALGROUP', id: '10' }),
    right('r-foreign-local', 'births', '1', { type: 'LOCALGROUP', id: '11' }),
    right('r-member', 'births', '2', { type: 'MEMBER', id: C.member }),
    right('r-tax', 'births', '1', { type: 'SUBSYSTEM', id: C.tax }),
    right('r-noauth', 'births', '1', { type: 'SUBSYSTEM', id: C.noauth }),
    right('r-shadow', 'births', '2', { type: 'SUBSYSTEM', id: C.shadow }, { mode: 'DRY_RUN' }),
    right('r-rogue', 'births', '1', { type: 'SUBSYSTEM', id: C.rogue }),
    right('r-temp', 'births', '1', { type: 'SUBSYSTEM', id: C.temp }, { validFrom: '2030-01-01T00:00:00Z', validUntil: '2030-01-31T23:59:59Z' }),
    right('r-deaths', 'deaths', '4', { type: 'SUBSYSTEM', id: C.clinic }),
  ]);
  s.blockRules = [
    { id: 'b-rogue', subject: { type: 'SUBSYSTEM', id: C.rogue }, providerSubsystemId: PROVIDER, reason: 'incident 17', mode: 'ENFORCE' },
    { id: 'b-trial', subject: { type: 'GLOBALGROUP', id: 'DEV:health' }, providerSubsystemId: PROVIDER, serviceCode: 'births', reason: 'trial', mode: 'DRY_RUN' },
  ];
  s.routingRules = [
    { id: 'rr-1', name: 'births-canary', target: { providerSubsystemId: PROVIDER, serviceCode: 'births' }, priority: 10,
      match: [{ source: 'header', name: 'x-canary', exact: '1' }], actions: [{ type: 'route', cluster: 'births-v2' }] },
    { id: 'rr-2', name: 'tag-all', target: { providerSubsystemId: PROVIDER }, priority: 20,
      match: [{ source: 'header', name: 'x-tag', present: true }], actions: [{ type: 'set_header', name: 'x-tagged', value: 'yes' }] },
  ];
  const rl = (id: string, o: Partial<PolicySnapshot['rateLimitPolicies'][number]>): PolicySnapshot['rateLimitPolicies'][number] => ({
    id, name: id, target: { providerSubsystemId: PROVIDER, serviceCode: 'births' }, per: 'EACH_CLIENT', unit: 'minute', requestsPerUnit: 100,
    enforcement: 'LOCAL_PER_PROXY', mode: 'ENFORCE', failureMode: 'FAIL_OPEN', ...o,
  });
  s.rateLimitPolicies = [
    rl('rl-each', { burst: 10 }),                                                                  // births: 110 per client, then 429
    rl('rl-lab', { target: { providerSubsystemId: PROVIDER }, per: { subject: { type: 'SUBSYSTEM', id: C.lab } }, unit: 'second', requestsPerUnit: 5, enforcement: 'LOCAL_SPLIT' }), // 5/s over 2 replicas → 2/s
    rl('rl-health', { per: { subject: { type: 'GLOBALGROUP', id: 'DEV:health' } }, requestsPerUnit: 1, mode: 'SHADOW' }), // counted, not denied
    rl('rl-endpoint', { target: { providerSubsystemId: PROVIDER, serviceCode: 'births', endpointId: '2' } }), // not expressible: warning
    rl('rl-elsewhere', { target: { providerSubsystemId: C.remote } }),                            // provider not on ss1
  ];
  s.requestIdPolicy = {
    id: 'default', headerName: 'x-request-id', maxLength: 128, keepIncoming: true, echoRequestId: true, traceContext: true,
    echoTraceparent: false, sampleRate: 1, xRoadHeaders: true, trustXRoadId: false,
  };
  return s;
}

export function fixtureRevision(rev = 7, content = fixtureSnapshot()): RevisionContent {
  return { rev, sha256: contentSha256(content), content };
}

/** Slash form of a colon id (what the X-Road-Client header carries). */
export const wire = (id: string) => id.split(':').map(encodeURIComponent).join('/');

// A synthetic revision for the compiler benchmark (seeded PRNG: every run builds the same content): one
// security server with providers of 10 services × 4 endpoints; 2,000 consumer subsystems (half on a peer
// security server, a quarter HTTPS with an IS certificate); 20 global groups of ~50 members; rights: 80% one
// subsystem, 20% a global group; 10% endpoint level, 5% DRY_RUN, 5% time-boxed; 100 rights per service.
import { contentSha256 } from '../../policy-admin/src/model/content-hash.ts';
import { emptySnapshot, type AccessRight, type PolicySnapshot, type RevisionContent, type Service, type Subsystem } from '../../policy-admin/src/model/snapshot.ts';

export const SS = 'DEV:GOV:1:ss1';
const PEER = 'DEV:GOV:2:ss2';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s + 0x6d2b79f5) >>> 0), (((s ^ (s >>> 15)) * (s | 1)) >>> 0) / 2 ** 32);
}

export function syntheticRevision(rights: number): RevisionContent {
  const rand = rng(rights);
  const pick = <T>(l: T[]) => l[Math.floor(rand() * l.length)];
  const s: PolicySnapshot = emptySnapshot();
  s.instances = [{ id: 'DEV', name: 'dev', clientHeaderNames: ['X-Road-Client'] }];
  s.securityServers = [
    { id: SS, ownerMemberId: 'DEV:GOV:1', serverCode: 'ss1', address: 'ss1', authCerts: [{ sha256: 'a'.repeat(64), status: 'ACTIVE' }], xdsNodeIds: [], labels: {} },
    { id: PEER, ownerMemberId: 'DEV:GOV:2', serverCode: 'ss2', address: 'ss2', authCerts: [{ sha256: 'c'.repeat(64), status: 'ACTIVE' }], xdsNodeIds: [], labels: {} },
  ];
  const sub = (id: string, ss: string, https: boolean): Subsystem => ({
    id, memberId: id.split(':').slice(0, 3).join(':'), subsystemCode: id.split(':')[3], name: id, status: 'REGISTERED',
    connectionType: https ? 'HTTPS' : 'HTTP', isTlsCerts: https ? [{ sha256: (id.length.toString(16) + 'b'.repeat(64)).slice(0, 64), status: 'ACTIVE' }] : [],
    securityServerIds: [ss], messageLogMode: 'METADATA',
  });
  const perService = 100;
  const servicesNeeded = Math.max(1, Math.ceil(rights / perService));
  const providers = Math.max(1, Math.ceil(servicesNeeded / 10));
  const consumers = Array.from({ length: 2000 }, (_, i) => `DEV:GOV:${1000 + (i % 200)}:app${i}`);
  s.subsystems = consumers.map((id, i) => sub(id, i % 2 ? PEER : SS, i % 4 === 0));
  const services: Service[] = [];
  for (let p = 0; p < providers; p++) {
    const pid = `DEV:GOV:1:prov${p}`;
    s.subsystems.push(sub(pid, SS, false));
    for (let k = 0; k < 10 && services.length < servicesNeeded; k++) {
      const code = `svc${k}`;
      s.serviceDescriptions.push({ id: String(services.length + 1), subsystemId: pid, type: 'REST', url: `http://p${p}.internal/`, disabled: false });
      services.push({
        id: `${pid}:${code}`, subsystemId: pid, serviceCode: code, serviceDescriptionId: String(services.length + 1), upstreamUrl: `http://p${p}.internal:8080/${code}`,
        timeoutSeconds: 30, verifyUpstreamTls: false, disabled: false,
        endpoints: [
          { id: `${services.length}0`, method: '*', path: '**', generated: false },
          { id: `${services.length}1`, method: 'GET', path: '/v1/items/*', generated: false },
          { id: `${services.length}2`, method: 'POST', path: '/v1/items', generated: false },
          { id: `${services.length}3`, method: 'GET', path: '/v1/reports/**', generated: false },
        ],
      });
    }
  }
  s.services = services;
  s.groups = Array.from({ length: 20 }, (_, g) => ({ id: `DEV:g${g}`, kind: 'GLOBAL' as const, code: `g${g}`, description: '', members: [...new Set(Array.from({ length: 50 }, () => pick(consumers)))].sort() }));
  const out: AccessRight[] = [];
  for (let i = 0; i < rights; i++) {
    const svc = services[Math.floor(i / perService)];
    const r = rand();
    out.push({
      id: `ar-${String(i).padStart(7, '0')}`, providerSubsystemId: svc.subsystemId, serviceCode: svc.serviceCode,
      endpointId: rand() < 0.1 ? svc.endpoints[1 + Math.floor(rand() * 3)].id : svc.endpoints[0].id,
      subject: rand() < 0.2 ? { type: 'GLOBALGROUP', id: pick(s.groups).id } : { type: 'SUBSYSTEM', id: consumers[(i * 7919) % consumers.length] },
      mode: r < 0.05 ? 'DRY_RUN' : 'ENFORCE',
      ...(r > 0.95 ? { validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' } : {}),
      grantedBy: 'bench', grantedAt: '2026-01-01T00:00:00Z',
    });
  }
  s.accessRights = out;
  s.subsystems.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { rev: 1, sha256: contentSha256(s), content: s };
}


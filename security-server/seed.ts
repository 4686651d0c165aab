// The demo registry, written through the policy-admin's own REST API (fastify inject, the same route
// handlers, validation and audit as a remote admin): every step is an audited change and a revision,
// so the gateway's first configuration is an ordinary published revision, not a side door.
import type { FastifyInstance } from 'fastify';
// the cluster name the compiler gives a service URL: the canary rule must name the same one
import { upstreamOf } from '../policy-admin/src/compiler/index.ts';

export const INSTANCE = 'DEV';
export const SECURITY_SERVER = 'DEV:GOV:1001:SS1';
export const NODE_ID = 'envoy-ss1';
export const PROVIDER = 'DEV:GOV:1001:civil-registry';
export const CONSUMER = 'DEV:GOV:1002:patient-records';
export const SERVICE_CODE = 'births';
/** The X-Road REST path of the demo service and the client header value that is granted it. */
export const SERVICE_PATH = '/r1/DEV/GOV/1001/civil-registry/births/v1/births/42';
export const CONSUMER_HEADER = 'DEV/GOV/1002/patient-records';

export interface SeedOptions {
  /** Base URLs of the civil registry v1 (the service's URL) and v2 (the canary rule's target). */
  v1Url: string;
  v2Url: string;
  /** The rate-limit policy on births, per client per minute. */
  requestsPerMinute: number;
}

export interface SeedIds { rateLimitPolicyId: string; routingRuleId: string }

/** Calls the API as `key`; throws with the route and the answer on anything but 2xx. */
export function apiCaller(app: FastifyInstance, key: string) {
  return async function call(method: string, url: string, body?: unknown): Promise<any> {
    const res = await app.inject({ method: method as 'GET', url, payload: body as object | undefined, headers: { authorization: `X-Road-ApiKey token=${key}` } });
    if (res.statusCode >= 300) throw new Error(`seed: ${method} ${url} → ${res.statusCode} ${res.body}`);
    return res.body ? JSON.parse(res.body) : undefined;
  };
}

export async function seedDemo(app: FastifyInstance, key: string, o: SeedOptions): Promise<SeedIds> {
  const call = apiCaller(app, key);
  const enc = encodeURIComponent;
  await call('POST', '/api/v1/instances', { id: INSTANCE, name: 'Development' });
  await call('POST', '/api/v1/member-classes', { instanceId: INSTANCE, code: 'GOV', description: 'Government' });
  await call('POST', '/api/v1/members', { instanceId: INSTANCE, memberClass: 'GOV', memberCode: '1001', name: 'Civil Registry Office' });
  await call('POST', '/api/v1/members', { instanceId: INSTANCE, memberClass: 'GOV', memberCode: '1002', name: 'Health Agency' });
  await call('POST', '/api/v1/security-servers', { ownerMemberId: 'DEV:GOV:1001', serverCode: 'SS1', address: '127.0.0.1', xdsNodeIds: [NODE_ID] });
  await call('POST', '/api/v1/clients', { client: { member_class: 'GOV', member_code: '1001', subsystem_code: 'civil-registry' } });
  await call('POST', '/api/v1/clients', { client: { member_class: 'GOV', member_code: '1002', subsystem_code: 'patient-records' } });
  // both on this security server: the provider serves here, the consumer's information system calls
  // from the local network with its client header trusted (connection type HTTP, as X-Road allows)
  await call('PATCH', `/api/v1/clients/${enc(PROVIDER)}`, { security_server_ids: [SECURITY_SERVER], status: 'REGISTERED' });
  await call('PATCH', `/api/v1/clients/${enc(CONSUMER)}`, { security_server_ids: [SECURITY_SERVER], status: 'REGISTERED', connection_type: 'HTTP' });
  const sd = await call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-descriptions`, { url: o.v1Url, type: 'REST', rest_service_code: SERVICE_CODE });
  await call('PUT', `/api/v1/service-descriptions/${enc(sd.id)}/enable`); // X-Road adds descriptions disabled
  await call('POST', `/api/v1/services/${enc(`${PROVIDER}:${SERVICE_CODE}`)}/endpoints`, { method: 'GET', path: '/v1/births/*' });
  await call('POST', `/api/v1/clients/${enc(PROVIDER)}/service-clients/${enc(CONSUMER)}/access-rights`, { items: [{ service_code: SERVICE_CODE }] });
  const rl = await call('POST', '/api/v1/rate-limit-policies', {
    name: 'births per client', target: { providerSubsystemId: PROVIDER, serviceCode: SERVICE_CODE },
    per: 'EACH_CLIENT', unit: 'minute', requestsPerUnit: o.requestsPerMinute,
  });
  const rr = await call('POST', '/api/v1/routing-rules', {
    name: 'canary', target: { providerSubsystemId: PROVIDER, serviceCode: SERVICE_CODE }, priority: 10,
    match: [{ source: 'header', name: 'x-canary', exact: 'true' }],
    actions: [{ type: 'route', cluster: upstreamOf(o.v2Url, 'v2Url').cluster }],
  });
  await call('PUT', '/api/v1/request-id-policy', { xRoadHeaders: true, headerName: 'x-request-id' });
  return { rateLimitPolicyId: String(rl.id), routingRuleId: String(rr.id) };
}

/**
 * Services, X-Road style: service descriptions (REST / OPENAPI3) create services; each service has a base
 * endpoint (method *, path **) plus manual endpoints. Shapes follow X-Road's admin API (ServiceDescription,
 * Service, Endpoint). An OPENAPI3 description is read when added (openapi-import.ts): its operations become
 * generated endpoints and its first server URL the service URL, as in X-Road.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessRight, Endpoint, Method as M, Service, ServiceDescription, Subsystem } from '../model/snapshot.ts';
import type { PolicyTx } from '../repo/policy-tx.ts';
import { requireScope } from '../http/context.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { Id, IdParams, Method } from './schemas.ts';
import { checkPart, parseServiceId } from './ids.ts';
import { clean, mustGet } from './util.ts';
import { importOpenApi } from './openapi-import.ts';

export const isBase = (e: Endpoint) => e.method === '*' && e.path === '**';
export const baseEndpoint = (s: Service) => s.endpoints.find(isBase)!;

export const xroadEndpoint = (s: Service, e: Endpoint) => ({ id: e.id, service_code: s.serviceCode, method: e.method, path: e.path, generated: e.generated });
export function xroadService(s: Service, subjectsCount = 0) {
  return {
    id: s.id, full_service_code: s.serviceCode, service_code: s.serviceCode, timeout: s.timeoutSeconds, title: s.title ?? '',
    ssl_auth: s.verifyUpstreamTls, subjects_count: subjectsCount, url: s.upstreamUrl, endpoints: s.endpoints.map((e) => xroadEndpoint(s, e)),
  };
}
export function xroadDescription(d: ServiceDescription, services: Service[]) {
  return {
    id: d.id, url: d.url, type: d.type, disabled: d.disabled, disabled_notice: d.disabledNotice ?? '', refreshed_at: null,
    services: services.map((s) => xroadService(s)), client_id: d.subsystemId,
  };
}

/** The service owning endpoint `id` (endpoint ids are unique across services). */
export async function serviceOfEndpoint(tx: PolicyTx, endpointId: string): Promise<{ service: Service; endpoint: Endpoint }> {
  for (const s of await tx.list<Service>('services')) {
    const e = s.endpoints.find((x) => x.id === endpointId);
    if (e) return { service: s, endpoint: e };
  }
  throw notFound('endpoint', endpointId);
}

/** Removes every right on (provider, serviceCode[, endpoint]). */
export async function revokeRightsOn(tx: PolicyTx, providerId: string, serviceCode: string, endpointId?: string) {
  for (const r of await tx.list<AccessRight>('accessRights', { ref1: providerId })) {
    if (r.serviceCode === serviceCode && (endpointId === undefined || r.endpointId === endpointId)) await tx.remove('accessRights', r.id);
  }
}

/**
 * Backend / description URLs: http or https, scheme in any case (GovStack's playbook sends `HTTP://caddy`, which
 * X-Road accepts as java.net.URL does); stored with the scheme in lower case, the form the compiler expects.
 */
const HttpUrl = Type.String({ minLength: 1, maxLength: 2048, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$' });
const normUrl = (url: string) => url.replace(/^https?:/i, (m) => m.toLowerCase());

const sortEndpoints = (es: Endpoint[]) => es.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

function checkPath(path: string, field: string) {
  if (path !== '**' && !path.startsWith('/')) throw badRequest(field, 'an endpoint path starts with / (or is ** for the whole service)');
  if (/[\s?#]/.test(path)) throw badRequest(field, 'no whitespace, query or fragment in an endpoint path');
}

export async function serviceRoutes(root: FastifyInstance) {
  const api = root.withTypeProvider<TypeBoxTypeProvider>();
  const read = { permission: 'read' as const };

  api.get('/clients/:id/service-descriptions', { config: read, schema: { params: IdParams } }, async (req) => {
    requireScope(req, req.params.id);
    const snap = (await req.server.policy.snapshots.snapshot()).content;
    if (!snap.subsystems.some((s) => s.id === req.params.id)) throw notFound('client', req.params.id);
    return snap.serviceDescriptions.filter((d) => d.subsystemId === req.params.id)
      .map((d) => xroadDescription(d, snap.services.filter((s) => s.serviceDescriptionId === d.id)));
  });

  api.post('/clients/:id/service-descriptions', {
    config: { permission: 'services', auditEvent: 'Add REST service' },
    schema: {
      params: IdParams,
      body: Type.Object({
        url: HttpUrl,
        type: Type.Union([Type.Literal('REST'), Type.Literal('OPENAPI3'), Type.Literal('WSDL')]),
        rest_service_code: Type.String({ minLength: 1, maxLength: 255 }),
        ignore_warnings: Type.Optional(Type.Boolean()),
      }),
    },
  }, async (req, reply) => {
    const b = { ...req.body, url: normUrl(req.body.url) };
    if (b.type === 'WSDL') throw badRequest('body.type', 'WSDL (SOAP) services are not supported by this security server; use REST or OPENAPI3');
    checkPart(b.rest_service_code, 'body.rest_service_code');
    requireScope(req, req.params.id);
    const event = b.type === 'REST' ? 'Add REST service' : 'Add OpenAPI3 service';
    // Read outside the transaction: a slow description server must not hold the writer lock.
    const imported = b.type === 'OPENAPI3' ? await importOpenApi(b.url) : undefined;
    const out = await req.server.policy.mutate(req, reply, { event, data: { clientIdentifier: req.params.id, url: b.url, serviceCode: b.rest_service_code } }, async (tx) => {
      await mustGet<Subsystem>(tx, 'subsystems', req.params.id, 'client');
      const serviceId = `${req.params.id}:${b.rest_service_code}`;
      if (await tx.get('services', serviceId)) throw conflict('service_code_already_exists', `service code ${b.rest_service_code} already exists for ${req.params.id}`, [b.rest_service_code]);
      const d: ServiceDescription = { id: await tx.nextId('service_description'), subsystemId: req.params.id, type: b.type as 'REST' | 'OPENAPI3', url: b.url, disabled: true, disabledNotice: 'Out of order' };
      const s: Service = {
        id: serviceId, subsystemId: req.params.id, serviceCode: b.rest_service_code, serviceDescriptionId: d.id,
        upstreamUrl: imported ? (/^https?:\/\//i.test(imported.baseUrl) ? normUrl(imported.baseUrl) : '') : b.url,
        timeoutSeconds: 60, verifyUpstreamTls: false, disabled: true, disabledNotice: d.disabledNotice,
        endpoints: [{ id: await tx.nextId('endpoint'), method: '*', path: '**', generated: false }],
      };
      const seen = new Set<string>();
      for (const op of imported?.operations ?? []) {
        if (seen.has(`${op.method} ${op.path}`)) continue;
        seen.add(`${op.method} ${op.path}`);
        s.endpoints.push({ id: await tx.nextId('endpoint'), method: op.method, path: op.path, generated: true });
      }
      sortEndpoints(s.endpoints);
      await tx.put('serviceDescriptions', d);
      await tx.put('services', s);
      return xroadDescription(d, [s]);
    });
    return reply.code(201).send(out);
  });

  const setDisabled = (disabled: boolean) => async (req: any, reply: any) => {
    const notice: string | undefined = disabled ? (req.body?.disabled_notice ?? undefined) : undefined;
    await req.server.policy.mutate(req, reply, { event: disabled ? 'Disable service description' : 'Enable service description', data: { id: req.params.id, notice } }, async (tx: PolicyTx) => {
      const d = await mustGet<ServiceDescription>(tx, 'serviceDescriptions', req.params.id, 'service_description');
      requireScope(req, d.subsystemId);
      await tx.put('serviceDescriptions', clean({ ...d, disabled, disabledNotice: disabled ? (notice ?? d.disabledNotice) : undefined }));
      for (const s of await tx.list<Service>('services', { ref1: d.subsystemId })) {
        if (s.serviceDescriptionId === d.id) await tx.put('services', clean({ ...s, disabled, disabledNotice: disabled ? (notice ?? d.disabledNotice) : undefined }));
      }
    });
    // X-Road's OpenAPI documents 204 but its controller answers 200, and GovStack's playbook accepts only 200/201.
    return reply.code(200).send();
  };
  api.put('/service-descriptions/:id/enable', { config: { permission: 'services', auditEvent: 'Enable service description' }, schema: { params: IdParams } }, setDisabled(false));
  api.put('/service-descriptions/:id/disable', {
    config: { permission: 'services', auditEvent: 'Disable service description' },
    schema: { params: IdParams, body: Type.Optional(Type.Object({ disabled_notice: Type.Optional(Type.String({ maxLength: 255 })) })) },
  }, setDisabled(true));
  api.delete('/service-descriptions/:id', { config: { permission: 'services', auditEvent: 'Delete service description' }, schema: { params: IdParams } }, async (req, reply) => {
    await req.server.policy.mutate(req, reply, { event: 'Delete service description', data: { id: req.params.id } }, async (tx) => {
      const d = await mustGet<ServiceDescription>(tx, 'serviceDescriptions', req.params.id, 'service_description');
      requireScope(req, d.subsystemId);
      for (const s of await tx.list<Service>('services', { ref1: d.subsystemId })) {
        if (s.serviceDescriptionId !== d.id) continue;
        await revokeRightsOn(tx, s.subsystemId, s.serviceCode);
        await tx.remove('services', s.id);
      }
      await tx.remove('serviceDescriptions', d.id);
    });
    return reply.code(204).send();
  });

  api.get('/services/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    const { subsystemId } = parseServiceId(req.params.id, 'id');
    requireScope(req, subsystemId);
    const snap = (await req.server.policy.snapshots.snapshot()).content;
    const s = snap.services.find((x) => x.id === req.params.id);
    if (!s) throw notFound('service', req.params.id);
    const subjects = new Set(snap.accessRights.filter((r) => r.providerSubsystemId === s.subsystemId && r.serviceCode === s.serviceCode).map((r) => r.subject.type + r.subject.id));
    return xroadService(s, subjects.size);
  });
  api.patch('/services/:id', {
    config: { permission: 'services', auditEvent: 'Edit service parameters' },
    schema: {
      params: IdParams,
      body: Type.Object({
        url: Type.Optional(HttpUrl),
        timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
        ssl_auth: Type.Optional(Type.Boolean()),
        title: Type.Optional(Type.String({ maxLength: 255 })),
        url_all: Type.Optional(Type.Boolean()), timeout_all: Type.Optional(Type.Boolean()), ssl_auth_all: Type.Optional(Type.Boolean()),
        ignore_warnings: Type.Optional(Type.Boolean()),
      }),
    },
  }, async (req, reply) => {
    const { subsystemId } = parseServiceId(req.params.id, 'id');
    requireScope(req, subsystemId);
    const b = { ...req.body, url: req.body.url === undefined ? undefined : normUrl(req.body.url) };
    return req.server.policy.mutate(req, reply, { event: 'Edit service parameters', data: { serviceId: req.params.id, ...b } }, async (tx) => {
      const s = await mustGet<Service>(tx, 'services', req.params.id, 'service');
      if (b.ssl_auth && (b.url ?? s.upstreamUrl).startsWith('http://')) throw badRequest('body.ssl_auth', 'TLS verification needs an https:// url');
      const next: Service = clean({ ...s, upstreamUrl: b.url ?? s.upstreamUrl, timeoutSeconds: b.timeout ?? s.timeoutSeconds, verifyUpstreamTls: b.ssl_auth ?? s.verifyUpstreamTls, title: b.title ?? s.title });
      await tx.put('services', next);
      return xroadService(next);
    });
  });

  api.post('/services/:id/endpoints', {
    config: { permission: 'services', auditEvent: 'Add rest endpoint' },
    schema: { params: IdParams, body: Type.Object({ method: Method, path: Type.String({ minLength: 1, maxLength: 255 }), service_code: Type.Optional(Type.String()), id: Type.Optional(Type.String()), generated: Type.Optional(Type.Boolean()) }) },
  }, async (req, reply) => {
    const { subsystemId } = parseServiceId(req.params.id, 'id');
    requireScope(req, subsystemId);
    checkPath(req.body.path, 'body.path');
    const out = await req.server.policy.mutate(req, reply, { event: 'Add rest endpoint', data: { serviceId: req.params.id, method: req.body.method, path: req.body.path } }, async (tx) => {
      const s = await mustGet<Service>(tx, 'services', req.params.id, 'service');
      if (s.endpoints.some((e) => e.method === req.body.method && e.path === req.body.path)) throw conflict('endpoint_already_exists', `endpoint ${req.body.method} ${req.body.path} already exists`, [req.body.method, req.body.path]);
      const e: Endpoint = { id: await tx.nextId('endpoint'), method: req.body.method as M, path: req.body.path, generated: false };
      await tx.put('services', { ...s, endpoints: sortEndpoints([...s.endpoints, e]) });
      return xroadEndpoint(s, e);
    });
    return reply.code(201).send(out);
  });
  api.get('/endpoints/:id', { config: read, schema: { params: IdParams } }, async (req) => {
    for (const s of (await req.server.policy.snapshots.snapshot()).content.services) {
      const e = s.endpoints.find((x) => x.id === req.params.id);
      if (e) { requireScope(req, s.subsystemId); return xroadEndpoint(s, e); }
    }
    throw notFound('endpoint', req.params.id);
  });
  api.patch('/endpoints/:id', {
    config: { permission: 'services', auditEvent: 'Edit rest endpoint' },
    schema: { params: IdParams, body: Type.Object({ method: Type.Optional(Method), path: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }) },
  }, async (req, reply) => {
    if (req.body.path !== undefined) checkPath(req.body.path, 'body.path');
    return req.server.policy.mutate(req, reply, { event: 'Edit rest endpoint', data: { id: req.params.id, ...req.body } }, async (tx) => {
      const { service, endpoint } = await serviceOfEndpoint(tx, req.params.id);
      requireScope(req, service.subsystemId);
      if (endpoint.generated || isBase(endpoint)) throw badRequest('id', 'generated endpoints and the base endpoint cannot be edited', 'illegal_generated_endpoint_update');
      const next: Endpoint = { ...endpoint, method: (req.body.method as any as M) ?? endpoint.method, path: req.body.path ?? endpoint.path };
      if (service.endpoints.some((e) => e.id !== next.id && e.method === next.method && e.path === next.path)) throw conflict('endpoint_already_exists', `endpoint ${next.method} ${next.path} already exists`);
      await tx.put('services', { ...service, endpoints: service.endpoints.map((e) => (e.id === next.id ? next : e)) });
      return xroadEndpoint(service, next);
    });
  });
  api.delete('/endpoints/:id', { config: { permission: 'services', auditEvent: 'Delete rest endpoint' }, schema: { params: IdParams } }, async (req, reply) => {
    await req.server.policy.mutate(req, reply, { event: 'Delete rest endpoint', data: { id: req.params.id } }, async (tx) => {
      const { service, endpoint } = await serviceOfEndpoint(tx, req.params.id);
      requireScope(req, service.subsystemId);
      if (endpoint.generated || isBase(endpoint)) throw badRequest('id', 'generated endpoints and the base endpoint cannot be deleted', 'illegal_generated_endpoint_remove');
      await revokeRightsOn(tx, service.subsystemId, service.serviceCode, endpoint.id);
      await tx.put('services', { ...service, endpoints: service.endpoints.filter((e) => e.id !== endpoint.id) });
    });
    return reply.code(204).send();
  });
  void Id;
}

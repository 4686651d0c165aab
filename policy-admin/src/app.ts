/**
 * buildApp({db}): the policy-admin HTTP service (fastify), with every core route registered and a hook for the
 * compiler/evaluator/xDS plugins: they `app.register(plugin)` and find `app.policy` (SnapshotSource, events,
 * mutate). See policy-admin/README.md.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { Db } from './db/connect.ts';
import { RevisionStore } from './repo/revisions.ts';
import { withWriteTx } from './repo/tx.ts';
import { appendAudit } from './audit/log.ts';
import { findKey } from './auth/keys.ts';
import { authenticateUser, USER_NAME_RE, type AdminUser } from './auth/users.ts';
import { ApiError, unauthorized } from './http/errors.ts';
import { actorOf, etagOf, makeContext, requirePermission, type AuthInfo, type PolicyContext } from './http/context.ts';
import { makeMetrics } from './http/metrics.ts';
import { registryRoutes } from './routes/registry.ts';
import { serviceRoutes } from './routes/services.ts';
import { accessRightRoutes } from './routes/access-rights.ts';
import { groupRoutes } from './routes/groups.ts';
import { trafficRoutes } from './routes/traffic.ts';
import { revisionRoutes } from './routes/revisions.ts';
import { auditRoutes } from './routes/audit.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';

export interface BuildAppOptions {
  db: Db;
  /** fastify logger option (pino). Default: off in tests, JSON to stdout from the CLI. */
  logger?: FastifyServerOptions['logger'];
  /** Request body limit in bytes; X-Road's admin API allows 50 KB. */
  bodyLimit?: number;
  /** Collect process metrics (CPU, memory, event loop) too. */
  processMetrics?: boolean;
  /** Test fault injection: runs inside each policy write transaction just before COMMIT. */
  beforeCommit?: () => Promise<void>;
  /**
   * Plugins mounted under /api/v1 after the core routes (compiler/evaluate, distribution …). Each sees
   * `app.policy` (SnapshotSource, events, mutate); its routes need an API key unless `config.public`.
   */
  plugins?: { plugin: FastifyPluginAsync<any>; options?: Record<string, unknown> }[];
  /**
   * Serve HTTPS with this PEM key and certificate (X-Road's admin API is HTTPS on port 4000, and GovStack's
   * playbook calls https://localhost:4000 with validate_certs: no). Default: plain HTTP.
   */
  https?: { key: string | Buffer; cert: string | Buffer };
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** X-Road's key-management API: the only routes that take HTTP Basic (its PAM users). */
const KEY_MANAGEMENT_METHODS = new Set(['POST', 'GET', 'PUT', 'DELETE']);
const isKeyManagement = (method: string, route: string | undefined) =>
  KEY_MANAGEMENT_METHODS.has(method) && (route === '/api/v1/api-keys' || !!route?.startsWith('/api/v1/api-keys/'));
/** 127.0.0.0/8, ::1 and their IPv4-mapped form. */
const isLoopback = (addr: string | undefined) => !!addr && (/^(::ffff:)?127\./.test(addr) || addr === '::1');
const CORRELATION_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  // fastify's type changes with `https`; the routes do not care which server they run on.
  const app = Fastify({
    ...(opts.https ? { https: { key: opts.https.key, cert: opts.https.cert, minVersion: 'TLSv1.2' as const } } : {}),
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 50 * 1024,
    // Colon-form ids are URL-encoded in paths (DEV%3AGOV%3A1001%3Acivil-registry): allow long ones.
    routerOptions: { maxParamLength: 1300 },
    genReqId: (req) => {
      const h = req.headers['x-road-ui-correlation-id'] ?? req.headers['x-correlation-id'];
      return typeof h === 'string' && CORRELATION_RE.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  const db = opts.db;
  const metrics = makeMetrics(opts.processMetrics);
  const snapshots = new RevisionStore(db);
  const events = new EventEmitter();
  const policy: PolicyContext = makeContext({ db, snapshots, events, metrics, beforeCommit: opts.beforeCommit });
  app.decorate('policy', policy);
  metrics.headRevision.set((await snapshots.head()).rev);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'policy-admin (GovStack security server policy administration)', version: '1.0.0',
        description: 'X-Road admin-API compatible access rights, registry, traffic policy, revisions and audit. Errors use X-Road ErrorInfo.',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { xroadApiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'X-Road-ApiKey token=<key>' } } },
      security: [{ xroadApiKey: [] }],
    },
  });

  // --- correlation id, auth (401) and role (403), before body validation ---
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-road-ui-correlation-id', req.id);
    reply.header('x-correlation-id', req.id);
    (req as any).startedAt = performance.now();
    // Every /api/v1 route needs a key (any role = 'read') unless it is marked public; plugins inherit this.
    const cfg = req.routeOptions.config;
    const permission = cfg?.permission ?? (req.url.startsWith('/api/v1/') && !cfg?.public ? 'read' : undefined);
    if (!permission) return;
    const h = req.headers.authorization;
    const keyManagement = isKeyManagement(req.method, req.routeOptions.url);
    const basic = typeof h === 'string' ? /^Basic\s+(\S+)$/i.exec(h.trim()) : null;
    if (basic) {
      req.auth = await basicAuth(req, basic[1], keyManagement);
      requirePermission(req.auth, permission);
      return;
    }
    const m = typeof h === 'string' ? /^X-Road-ApiKey\s+token=(\S+)$/i.exec(h.trim()) : null;
    if (!m) {
      // The challenge makes HTTP clients that send credentials only when asked (Ansible's uri module without
      // force_basic_auth, curl --anyauth) retry with them, as against X-Road's key-management API.
      if (keyManagement) reply.header('www-authenticate', 'Basic realm="policy-admin key management", charset="UTF-8"');
      throw unauthorized();
    }
    const key = await findKey(db.kysely, m[1]);
    if (!key) throw unauthorized('unknown or revoked API key');
    req.auth = { keyId: key.id, name: key.name, roles: key.roles, scope: key.scope };
    requirePermission(req.auth, permission);
  });

  /**
   * HTTP Basic with a local admin user (auth/users.ts), X-Road semantics: only on the key-management routes
   * and only from a loopback peer (the socket's address; forwarded headers are not trusted). Every attempt is
   * audited as X-Road's "Key management API log in"; a failure ends the request with 401 and that one event.
   */
  async function basicAuth(req: FastifyRequest, token: string, keyManagement: boolean): Promise<AuthInfo> {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const name = colon > 0 ? decoded.slice(0, colon) : '';
    let refusal: string | undefined;
    let user: AdminUser | undefined;
    if (!keyManagement) refusal = 'HTTP Basic auth is accepted only on /api/v1/api-keys; use Authorization: X-Road-ApiKey token=<key>';
    else if (!isLoopback(req.socket.remoteAddress)) refusal = 'HTTP Basic auth is accepted only from localhost';
    else if (!(user = await authenticateUser(db, name, colon > 0 ? decoded.slice(colon + 1) : ''))) refusal = 'invalid user name or password';
    const actor = name && USER_NAME_RE.test(name) ? `user:${name}` : 'anonymous';
    await withWriteTx(db, ({ conn }) => appendAudit(conn, {
      actorType: user ? 'USER' : 'ANONYMOUS', actorId: actor, roles: user?.roles ?? [], authType: 'HTTP_BASIC',
      event: 'Key management API log in', method: req.method, url: req.url, correlationId: req.id,
      outcome: user ? 'SUCCESS' : 'FAILURE', reason: refusal ? `401: ${refusal}` : undefined,
      data: { peer: req.socket.remoteAddress },
    }));
    metrics.auditEvents.inc({ outcome: user ? 'SUCCESS' : 'FAILURE' });
    if (!user) {
      req.auditDone = true;
      throw unauthorized(refusal);
    }
    return { keyId: 0, user: user.name, name: user.name, roles: user.roles, scope: {} };
  }

  // --- refused or failed mutations are audited too (successful ones are audited inside their transaction) ---
  app.addHook('onSend', async (req, reply, payload) => {
    // Audited here: refused or failed attempts at audited routes (auditEvent), and any 401/403 on a mutating
    // method. Read-only POSTs (what-if evaluation) are not audit events.
    const refused = reply.statusCode === 401 || reply.statusCode === 403;
    if (MUTATING.has(req.method) && !req.auditDone && req.url.startsWith('/api/v1/') && (req.routeOptions.config?.auditEvent || refused || !req.routeOptions.url)) {
      req.auditDone = true;
      const ok = reply.statusCode < 400;
      let reason: string | undefined;
      if (!ok && typeof payload === 'string') {
        try { reason = JSON.parse(payload).message ?? undefined; } catch { reason = payload.slice(0, 500); }
      }
      try {
        await withWriteTx(db, ({ conn }) => appendAudit(conn, {
          ...actorOf(req), event: req.routeOptions.config?.auditEvent ?? `${req.method} ${req.routeOptions.url ?? req.url}`,
          method: req.method, url: req.url, correlationId: req.id, outcome: ok ? 'SUCCESS' : 'FAILURE',
          reason: ok ? undefined : `${reply.statusCode}: ${reason ?? ''}`,
        }));
        metrics.auditEvents.inc({ outcome: ok ? 'SUCCESS' : 'FAILURE' });
      } catch (err) {
        req.log.error({ err }, 'could not write audit event');
      }
    }
    if (req.method === 'GET' && req.url.startsWith('/api/v1/') && reply.statusCode === 200 && !reply.hasHeader('etag')) {
      reply.header('etag', etagOf((await snapshots.head()).rev));
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const started = (req as any).startedAt as number | undefined;
    if (started !== undefined) {
      metrics.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, (performance.now() - started) / 1000);
    }
  });

  app.setErrorHandler((err: any, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.toJSON());
    if (err.validation) {
      const v = err.validation[0] ?? {};
      const where = err.validationContext ?? 'request';
      const path = [where, ...String(v.instancePath ?? '').split('/').filter(Boolean)];
      if (v.params?.missingProperty) path.push(v.params.missingProperty);
      if (v.params?.additionalProperty) path.push(v.params.additionalProperty);
      const field = path.join('.');
      const msg = v.params?.additionalProperty ? 'unknown field' : (v.message ?? 'invalid');
      return reply.code(400).send(new ApiError(400, 'invalid_request', `${field}: ${msg}`, [field], { [field]: [msg] }).toJSON());
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(new ApiError(413, 'request_too_large', err.message).toJSON());
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send(new ApiError(415, 'unsupported_media_type', err.message).toJSON());
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send(new ApiError(err.statusCode, 'invalid_request', `body: ${err.message}`, ['body']).toJSON());
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(new ApiError(500, 'internal_error', 'internal error; see the server log for correlation id ' + req.id).toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON());
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  await app.register(async (api) => {
    await registryRoutes(api);
    await serviceRoutes(api);
    await accessRightRoutes(api);
    await groupRoutes(api);
    await trafficRoutes(api);
    await revisionRoutes(api);
    await auditRoutes(api);
    await apiKeyRoutes(api);
  }, { prefix: '/api/v1' });
  for (const p of opts.plugins ?? []) await app.register(p.plugin, { prefix: '/api/v1', ...(p.options ?? {}) });

  return app;
}

/**
 * The compiled-policy routes as one fastify plugin: GET /bundles/{securityServerId}[/{filter}] and
 * POST /evaluate, sharing one CompileCache (configs compiled once per revision × security server) and
 * one Evaluator (an authz VM per revision × security server).
 *
 *   await app.register(compiledPolicyPlugin, { prefix: '/api/v1' });              // inside buildApp: source = app.policy.snapshots
 *   await app.register(compiledPolicyPlugin, { prefix: '/api/v1', source, authzWasm }); // anywhere else
 *
 * Errors are ApiError (X-Road ErrorInfo); the plugin answers them itself so it also works on a bare
 * fastify instance. The evaluator's VMs are shut down when the app closes.
 */
import type { FastifyInstance, FastifyPluginOptions } from 'fastify';
import { CompileCache } from '../compiler/cache.ts';
import type { CompileOptions } from '../compiler/index.ts';
import type { SnapshotSource } from '../model/snapshot.ts';
import { ApiError } from '../http/errors.ts';
import { bundleRoutes } from '../routes/bundles.ts';
import { evaluateRoutes } from '../routes/evaluate.ts';
import { Evaluator, type EvaluatorOptions } from './evaluator.ts';

export interface CompiledPolicyOptions extends FastifyPluginOptions, EvaluatorOptions {
  /** Where revisions come from; default `app.policy.snapshots` (buildApp's RevisionStore). */
  source?: SnapshotSource;
  compile?: CompileOptions;
  /** Revisions whose compiled configs are kept. Default 2. */
  maxRevisions?: number;
}

export async function compiledPolicyPlugin(app: FastifyInstance, opts: CompiledPolicyOptions) {
  const source = opts.source ?? (app as FastifyInstance & { policy?: { snapshots?: SnapshotSource } }).policy?.snapshots;
  if (!source) throw new Error('compiledPolicyPlugin: no SnapshotSource (pass `source`, or register it inside buildApp)');
  const cache = new CompileCache(source, { compile: opts.compile, maxRevisions: opts.maxRevisions });
  const evaluator = new Evaluator(cache, opts);
  app.decorate('compiledPolicy', { cache, evaluator });
  app.addHook('onClose', async () => evaluator.close());
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.toJSON());
    throw err; // validation and the rest: the enclosing app's handler
  });
  await bundleRoutes(app, cache);
  await evaluateRoutes(app, evaluator);
}

declare module 'fastify' {
  interface FastifyInstance { compiledPolicy?: { cache: CompileCache; evaluator: Evaluator } }
}

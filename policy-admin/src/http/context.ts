/**
 * The request-side plumbing every route shares: who is calling (API key → roles, scope), the permission and
 * scope checks, and `mutate()`, the one way a route changes policy:
 *   one write transaction = If-Match check + the route's changes + the new revision + the audit event.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventEmitter } from 'node:events';
import type { Db } from '../db/connect.ts';
import type { RevisionStore } from '../repo/revisions.ts';
import { PolicyTx, type Change } from '../repo/policy-tx.ts';
import { withWriteTx } from '../repo/tx.ts';
import { appendAudit, type AuditInput } from '../audit/log.ts';
import { PERMISSIONS, inScope, type KeyScope, type Permission, type Role } from '../auth/roles.ts';
import { forbidden, preconditionFailed } from './errors.ts';
import type { Metrics } from './metrics.ts';

/** Who is calling: an API key, or (key-management routes only) a local admin user by HTTP Basic (`user`, keyId 0). */
export interface AuthInfo { keyId: number; user?: string; name: string; roles: Role[]; scope: KeyScope }

/** Emitted on `events` after a revision is committed. */
export interface RevisionCommitted { rev: number; sha256: string; changes: number; correlationId: string }
export const REVISION_COMMITTED = 'revision committed';

export interface PolicyContext {
  db: Db;
  /** SnapshotSource for plugins (compiler, evaluator, xDS): content of any revision. */
  snapshots: RevisionStore;
  /** 'revision committed' → RevisionCommitted */
  events: EventEmitter;
  metrics: Metrics;
  mutate<T>(req: FastifyRequest, reply: FastifyReply, opts: MutateOptions, fn: (tx: PolicyTx) => Promise<T>): Promise<T>;
  /** Runs `fn` in a write transaction and audits it (for writes that are not policy content, e.g. API keys). */
  audited<T>(req: FastifyRequest, opts: MutateOptions, fn: (tx: PolicyTx) => Promise<{ result: T; before?: unknown; after?: unknown }>): Promise<T>;
}

export interface MutateOptions {
  /** X-Road audit event name, e.g. "Add access rights to subject". */
  event: string;
  /** Event data (X-Road: clientIdentifier, serviceCodes, subjectIds …). */
  data?: unknown;
  /** Revision message; defaults to the event name. */
  message?: string;
  rollbackOf?: number;
}

declare module 'fastify' {
  interface FastifyInstance { policy: PolicyContext }
  interface FastifyRequest { auth?: AuthInfo; auditDone?: boolean }
  interface FastifyContextConfig {
    /** Role set allowed on this route (checked before validation). Absent: 'read' under /api/v1, else public. */
    permission?: Permission;
    /** No API key needed (the OpenAPI document). */
    public?: boolean;
    /** Audit event name for refused attempts on this route. */
    auditEvent?: string;
  }
}

export function requirePermission(auth: AuthInfo, p: Permission) {
  const allowed = PERMISSIONS[p] as readonly Role[];
  if (!auth.roles.some((r) => allowed.includes(r))) {
    throw forbidden(`this operation needs one of the roles ${allowed.join(', ')}; the key has ${auth.roles.join(', ') || 'none'}`);
  }
}

/** 403 unless the key's scope covers `target` (a client or member id; undefined = fleet-wide). */
export function requireScope(req: FastifyRequest, target: string | undefined) {
  const auth = req.auth!;
  if (!inScope(auth.scope, target)) {
    throw forbidden(`the key is scoped to ${auth.scope.subsystemId ?? auth.scope.memberId}; ${target ?? 'this fleet-wide resource'} is outside it`);
  }
}

export const etagOf = (rev: number) => `"r${rev}"`;

/** Keeps audit rows bounded: bulk changes (rollback of thousands of rights) are summarised. */
const MAX_AUDITED_CHANGES = 200;
function beforeAfter(changes: Change[]) {
  if (changes.length > MAX_AUDITED_CHANGES) {
    const counts: Record<string, number> = {};
    for (const c of changes) counts[c.kind] = (counts[c.kind] ?? 0) + 1;
    return { before: { truncated: true, changes: changes.length, kinds: counts }, after: { truncated: true, changes: changes.length, kinds: counts } };
  }
  return {
    before: changes.map((c) => ({ kind: c.kind, id: c.id, value: c.before })),
    after: changes.map((c) => ({ kind: c.kind, id: c.id, value: c.after })),
  };
}

export function actorOf(req: FastifyRequest): Pick<AuditInput, 'actorType' | 'actorId' | 'roles' | 'authType'> {
  const a = req.auth;
  if (a?.user) return { actorType: 'USER', actorId: `user:${a.user}`, roles: a.roles, authType: 'HTTP_BASIC' };
  return a
    ? { actorType: 'API_KEY', actorId: `api-key:${a.keyId}${a.name ? `(${a.name})` : ''}`, roles: a.roles, authType: 'API_KEY' }
    : { actorType: 'ANONYMOUS', actorId: 'anonymous', roles: [], authType: 'NONE' };
}

export interface ContextDeps {
  db: Db;
  snapshots: RevisionStore;
  events: EventEmitter;
  metrics: Metrics;
  /** Fault injection for tests: runs inside the transaction, after all writes, before COMMIT. */
  beforeCommit?: () => Promise<void>;
}

export function makeContext(deps: ContextDeps): PolicyContext {
  const { db, events, metrics } = deps;
  return {
    ...deps,
    async mutate(req, reply, opts, fn) {
      const started = performance.now();
      const out = await withWriteTx(db, async (w) => {
        const ifMatch = req.headers['if-match'];
        if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').map((s) => s.trim()).includes(etagOf(w.headRev))) {
          throw preconditionFailed(etagOf(w.headRev));
        }
        const tx = new PolicyTx(w);
        const result = await fn(tx);
        const committed = await tx.commitRevision({
          author: actorOf(req).actorId, message: opts.message ?? opts.event, correlationId: req.id, rollbackOf: opts.rollbackOf,
        });
        const ba = committed ? beforeAfter(committed.changes) : {};
        await appendAudit(w.conn, {
          ...actorOf(req), event: opts.event, method: req.method, url: req.url, correlationId: req.id,
          outcome: 'SUCCESS', data: opts.data, ...ba, rev: committed?.rev ?? w.headRev,
        });
        if (deps.beforeCommit) await deps.beforeCommit();
        return { result, committed, headRev: w.headRev };
      });
      req.auditDone = true;
      metrics.auditEvents.inc({ outcome: 'SUCCESS' });
      const rev = out.committed?.rev ?? out.headRev;
      reply.header('etag', etagOf(rev));
      if (out.committed) {
        metrics.revisions.inc();
        metrics.headRevision.set(out.committed.rev);
        metrics.commitSeconds.observe((performance.now() - started) / 1000);
        const ev: RevisionCommitted = { rev: out.committed.rev, sha256: out.committed.sha256, changes: out.committed.changes.length, correlationId: req.id };
        events.emit(REVISION_COMMITTED, ev);
      }
      return out.result;
    },
    async audited(req, opts, fn) {
      const out = await withWriteTx(db, async (w) => {
        const tx = new PolicyTx(w);
        const r = await fn(tx);
        await appendAudit(w.conn, {
          ...actorOf(req), event: opts.event, method: req.method, url: req.url, correlationId: req.id,
          outcome: 'SUCCESS', data: opts.data, before: r.before, after: r.after,
        });
        return r.result;
      });
      req.auditDone = true;
      metrics.auditEvents.inc({ outcome: 'SUCCESS' });
      return out;
    },
  };
}

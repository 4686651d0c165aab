/** Prometheus metrics (prom-client), one registry per app so several apps (tests) do not collide. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  revisions: Counter;
  headRevision: Gauge;
  auditEvents: Counter<'outcome'>;
  commitSeconds: Histogram;
}

export function makeMetrics(defaults = false): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'policy_admin_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'policy_admin_http_request_duration_seconds', help: 'Admin API request duration',
      labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
    revisions: new Counter({ name: 'policy_admin_revisions_committed_total', help: 'Revisions committed by this process', registers: [registry] }),
    headRevision: new Gauge({ name: 'policy_admin_head_revision', help: 'Newest committed revision seen by this process', registers: [registry] }),
    auditEvents: new Counter({ name: 'policy_admin_audit_events_total', help: 'Audit events written', labelNames: ['outcome'], registers: [registry] }),
    commitSeconds: new Histogram({
      name: 'policy_admin_commit_duration_seconds', help: 'Write transaction duration for committed revisions',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
    }),
  };
}

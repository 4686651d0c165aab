// Snapshot → the header-routing filter's configuration for one security server
// (filters/header-routing/config.schema.json). Per provider service served here (reference §A.9):
// the routing rules targeting it (or its whole provider) in priority order, each scoped to the service,
// then a default rule; every rule ends up choosing a cluster and stripping the /r1/{service id} prefix,
// so the building block sees its own paths.
import { sha256hex } from './canonical-json.ts';
import { upstreamOf } from './clusters.ts';
import { CompileError } from './errors.ts';
import type { HeaderRoutingConfig, RoutingAction, RoutingCondition } from './filter-configs.ts';
import { slashForm, wireForm } from './ids.ts';
import type { Index } from './index-snapshot.ts';

const MAX_RULES = 10000; // the filter's limit (schema maxItems)

export interface RoutingOptions {
  /** The authz filter's verifiedClientHeader (the routing filter's client_id conditions read it). */
  verifiedClientHeader?: string;
}

export function compileHeaderRouting(ix: Index, ssId: string, opts: RoutingOptions = {}): HeaderRoutingConfig {
  ix.securityServer(ssId);
  const rules: HeaderRoutingConfig['rules'] = [];
  const names = new Set<string>();
  // rule names are unique counter tags; a provider-wide rule is repeated per service, so later copies get a suffix
  const unique = (wanted: string, salt: string): string => {
    let n = wanted;
    if (names.has(n)) n = `${wanted.slice(0, 55)}-${sha256hex(salt).slice(0, 8)}`;
    for (let i = 2; names.has(n); i++) n = `${wanted.slice(0, 52)}-${sha256hex(salt + i).slice(0, 11)}`;
    names.add(n);
    return n;
  };

  for (const provider of ix.subsystemsOn(ssId)) {
    for (const svc of ix.servicesOf(provider.id)) {
      const serviceId = `${provider.id}:${svc.serviceCode}`;
      // service_id is matched on the decoded id parts joined by '/'
      const onService: RoutingCondition = { source: 'service_id', exact: slashForm(serviceId) };
      const base = upstreamOf(svc.upstreamUrl, `services[${svc.id}].upstreamUrl`);
      const toService: RoutingAction = { type: 'route', cluster: base.cluster };
      const rewrite: RoutingAction = { type: 'rewrite_prefix', prefix: `/r1/${wireForm(serviceId)}/`, replacement: `${base.basePath}/` };

      for (const r of ix.routingOf(provider.id, svc.serviceCode)) {
        if (r.actions.length === 0) throw new CompileError(`routingRules[${r.id}].actions`, 'at least one action');
        const actions = [...r.actions] as RoutingAction[];
        // only the first matching rule runs: one that only edits headers must still reach the service
        if (!actions.some((a) => a.type === 'route' || a.type === 'split')) actions.push(toService);
        if (!actions.some((a) => a.type === 'rewrite_prefix')) actions.push(rewrite);
        rules.push({ name: unique(r.name, `${serviceId}\n${r.id}`), match: [onService, ...(r.match as RoutingCondition[])], actions });
      }
      rules.push({ name: unique(`svc-${svc.serviceCode}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64), serviceId), match: [onService], actions: [toService, rewrite] });
    }
  }
  if (rules.length > MAX_RULES) throw new CompileError(`securityServers[${ssId}]`, `${rules.length} routing rules; the header-routing filter takes at most ${MAX_RULES}`);
  const out: HeaderRoutingConfig = { rules };
  if (opts.verifiedClientHeader) out.client_id_header = opts.verifiedClientHeader.toLowerCase();
  return out;
}

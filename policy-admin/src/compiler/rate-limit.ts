// Snapshot → the rate-limit filter's configuration for one security server
// (filters/rate-limit/config.schema.json). Descriptor entries come from three actions: the verified client
// id, the /r1 service id, and (for provider-wide policies) the provider's /r1 path prefix. Each policy on a
// provider served here becomes one descriptor (one per member for a group subject); the filter applies the
// most specific matching one (filters/rate-limit/README.md "Which rule applies").
import { byString } from './canonical-json.ts';
import type { CompileWarning } from './errors.ts';
import { slashForm, wireForm } from './ids.ts';
import type { Index } from './index-snapshot.ts';
import type { RateLimitPolicy } from '../model/snapshot.ts';

export interface RateLimitDescriptor {
  name: string;
  entries: Array<{ key: string; value?: string }>;
  rate_limit: { requests_per_unit: number; unit: RateLimitPolicy['unit']; burst?: number };
  shadow_mode?: boolean;
}
export interface RateLimitConfig {
  mode: 'local';
  actions: Array<{ source: 'client_id' | 'service_id' } | { source: 'path_prefix'; descriptor_key: string; prefixes: string[] }>;
  descriptors: RateLimitDescriptor[];
  failure_mode_deny: boolean;
}

export interface RateLimitOptions { verifiedClientHeader?: string }

/** A rule no request matches (service ids are never "-"): the filter needs at least one, and with no
 *  policy every request must pass. */
const NO_POLICY: RateLimitDescriptor = { name: 'no-rate-limit-policy', entries: [{ key: 'service_id', value: '-' }], rate_limit: { requests_per_unit: 1000000000, unit: 'second' } };

export function compileRateLimit(ix: Index, ssId: string, warnings: CompileWarning[]): RateLimitConfig {
  const ss = ix.securityServer(ssId);
  const served = new Set(ix.subsystemsOn(ssId).map((s) => s.id));
  // LOCAL_SPLIT: the limit is for the security server, shared by its Envoy replicas (one node id each)
  const replicas = Math.max(1, ss.xdsNodeIds.length);
  const descriptors: RateLimitDescriptor[] = [];
  const providerPrefixes = new Set<string>();
  let failClosed = false;

  for (const p of [...ix.content.rateLimitPolicies].sort((a, b) => byString(a.id, b.id))) {
    const field = `rateLimitPolicies[${p.id}]`;
    if (!served.has(p.target.providerSubsystemId)) continue;
    if (p.target.endpointId) {
      warnings.push({ field, message: 'endpoint-level rate limits cannot be expressed with the filter\'s descriptor actions (no method + glob source): policy left out' });
      continue;
    }
    if (p.enforcement === 'GLOBAL') warnings.push({ field, message: 'GLOBAL enforcement needs a rate-limit service the model does not name: compiled as a per-proxy limit' });
    if (p.failureMode === 'FAIL_CLOSED' && p.mode === 'ENFORCE') failClosed = true;

    const target: RateLimitDescriptor['entries'] = [];
    if (p.target.serviceCode) {
      // the filter keys service_id on the percent-decoded id (a re-encoded path cannot dodge a limit)
      target.push({ key: 'service_id', value: slashForm(`${p.target.providerSubsystemId}:${p.target.serviceCode}`) });
    } else {
      const prefix = `/r1/${wireForm(p.target.providerSubsystemId)}/`;
      providerPrefixes.add(prefix);
      target.push({ key: 'provider', value: prefix });
    }
    let rpu = p.requestsPerUnit;
    let burst = p.burst ?? 0;
    if (p.enforcement === 'LOCAL_SPLIT') {
      rpu = Math.max(1, Math.floor(rpu / replicas));
      burst = Math.floor(burst / replicas);
    }
    const rate_limit: RateLimitDescriptor['rate_limit'] = { requests_per_unit: rpu, unit: p.unit };
    if (burst > 0) rate_limit.burst = burst;
    const make = (name: string, client?: { value?: string }): RateLimitDescriptor => {
      const d: RateLimitDescriptor = { name, entries: client ? [{ key: 'client_id', ...client }, ...target] : [...target], rate_limit };
      if (p.mode === 'SHADOW') d.shadow_mode = true;
      return d;
    };
    const per = p.per;
    if (per === 'ALL_CLIENTS') descriptors.push(make(p.id));
    else if (per === 'EACH_CLIENT') descriptors.push(make(p.id, {}));
    else if (per.subject.type === 'SUBSYSTEM' || per.subject.type === 'MEMBER') descriptors.push(make(p.id, { value: slashForm(per.subject.id) }));
    else {
      // a group subject: each member gets its own bucket with this limit
      const g = ix.groups.get(per.subject.id);
      const members = g ? [...new Set(g.members)].sort(byString) : [];
      if (members.length === 0) warnings.push({ field, message: `group "${per.subject.id}" has no members: policy left out` });
      for (const m of members) descriptors.push(make(`${p.id}:${m}`, { value: slashForm(m) }));
    }
  }
  const actions: RateLimitConfig['actions'] = [{ source: 'client_id' }, { source: 'service_id' }];
  if (providerPrefixes.size > 0) actions.push({ source: 'path_prefix', descriptor_key: 'provider', prefixes: [...providerPrefixes].sort(byString) });
  return { mode: 'local', actions, descriptors: descriptors.length > 0 ? descriptors : [NO_POLICY], failure_mode_deny: failClosed };
}

// The compiler: a revision snapshot → per security server, one JSON configuration per filter, exactly
// in each filter's schema. Pure: no database, no clock, no randomness; the same snapshot gives the
// same bytes (canonical JSON), so content hashes, bundle ETags and xDS versions are stable.
import { canonicalJson, sha256hex, byString } from './canonical-json.ts';
import { compileAuthz, type AuthzOptions } from './authz.ts';
import { compileHeaderRouting } from './header-routing.ts';
import { compileRequestId } from './request-id.ts';
import { compileRateLimit } from './rate-limit.ts';
import { Index } from './index-snapshot.ts';
import type { CompileWarning } from './errors.ts';
import type { RevisionContent } from './input.ts';

export { CompileError, type CompileWarning } from './errors.ts';
export { UnknownSecurityServer, Index } from './index-snapshot.ts';
export { upstreamOf } from './clusters.ts';
export { canonicalJson } from './canonical-json.ts';

/** Filter folder names under filters/ (each has config.schema.json), in data-path order. */
export const FILTERS = ['request-id', 'authz', 'rate-limit', 'header-routing'] as const;
export type FilterName = (typeof FILTERS)[number];

export interface CompiledConfig {
  /** The filter's plugin configuration, canonical JSON (what goes into `configuration:` / ECDS). */
  json: string;
  sha256: string;
  sizeBytes: number;
}
export interface CompiledServer {
  securityServerId: string;
  rev: number;
  /** sha256 of the revision's content (from the snapshot), also inside the authz config. */
  revSha256: string;
  configs: Record<FilterName, CompiledConfig>;
  /** sha256 over the configs' hashes in filter order: changes iff any config changes. */
  sha256: string;
  warnings: CompileWarning[];
}
export interface CompileOptions { authz?: AuthzOptions }

function config(value: unknown): CompiledConfig {
  const json = canonicalJson(value);
  return { json, sha256: sha256hex(json), sizeBytes: Buffer.byteLength(json) };
}

/** Compile one security server's configs. Throws UnknownSecurityServer, or CompileError naming the entity. */
export function compileServer(snap: RevisionContent | Index, securityServerId: string, opts: CompileOptions = {}): CompiledServer {
  const ix = snap instanceof Index ? snap : new Index(snap);
  const warnings: CompileWarning[] = [];
  const authz = compileAuthz(ix, securityServerId, warnings, opts.authz);
  const configs: Record<FilterName, CompiledConfig> = {
    authz: config(authz),
    'header-routing': config(compileHeaderRouting(ix, securityServerId, {})),
    'request-id': config(compileRequestId(ix, securityServerId)),
    'rate-limit': config(compileRateLimit(ix, securityServerId, warnings)),
  };
  const sha256 = sha256hex(FILTERS.map((f) => `${f}:${configs[f].sha256}`).join('\n'));
  return { securityServerId, rev: ix.rev, revSha256: ix.sha256, configs, sha256, warnings };
}

/** Compile every security server of the snapshot, sorted by id. */
export function compileSnapshot(snap: RevisionContent, opts: CompileOptions = {}): CompiledServer[] {
  const ix = new Index(snap);
  return [...ix.securityServers.keys()].sort(byString).map((id) => compileServer(ix, id, opts));
}

// The compiler's output in the shape the xDS publisher takes (policy-admin/src/xds/publish.ts
// CompiledRevision): per security server, each filter's configuration JSON under the filter's key.
import type { CompiledRevision } from '../xds/publish.ts';
import { compileSnapshot, FILTERS, type CompileOptions, type CompiledServer } from './index.ts';
import type { RevisionContent } from './input.ts';

export function toCompiledRevision(rev: number, servers: CompiledServer[]): CompiledRevision {
  return {
    rev,
    securityServers: servers.map((s) => ({
      securityServerId: s.securityServerId,
      filters: Object.fromEntries(FILTERS.map((f) => [f, s.configs[f].json])),
    })),
  };
}

/** Compile every security server of a revision for publishRevision(cache, …). */
export const compileForXds = (rc: RevisionContent, opts: CompileOptions = {}): CompiledRevision => toCompiledRevision(rc.rev, compileSnapshot(rc, opts));

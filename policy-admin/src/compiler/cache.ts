// Compiled configs per (revision, security server), computed once and shared by the bundle and what-if
// routes. Revisions are immutable, so a revision number (with its content hash) is a safe key; a few
// recent revisions are kept (least recently used goes first) because a 100,000-right snapshot is large.
import { ApiError, notFound } from '../http/errors.ts';
import { compileServer, type CompileOptions, type CompiledServer } from './index.ts';
import { CompileError } from './errors.ts';
import { Index, UnknownSecurityServer } from './index-snapshot.ts';
import type { SnapshotSource } from './input.ts';

interface Entry { index: Index; servers: Map<string, CompiledServer> }

export class CompileCache {
  private readonly revisions = new Map<string, Promise<Entry>>();

  constructor(
    readonly source: SnapshotSource,
    private readonly opts: { compile?: CompileOptions; maxRevisions?: number } = {},
  ) {}

  /** The head revision's number and hash (cheap). */
  head(): Promise<{ rev: number; sha256: string }> { return this.source.head(); }

  /** The indexed content of `rev` (head when omitted). Rejects like SnapshotSource.snapshot for an unknown rev. */
  async revision(rev?: number): Promise<Index> { return (await this.entry(rev)).index; }

  /** One security server's compiled configs at `rev` (head when omitted). Throws UnknownSecurityServer / CompileError. */
  async server(securityServerId: string, rev?: number): Promise<CompiledServer> {
    const e = await this.entry(rev);
    let s = e.servers.get(securityServerId);
    if (!s) {
      s = compileServer(e.index, securityServerId, this.opts.compile);
      e.servers.set(securityServerId, s);
    }
    return s;
  }

  private async entry(rev?: number): Promise<Entry> {
    const want = rev ?? (await this.source.head()).rev;
    const key = String(want);
    let p = this.revisions.get(key);
    if (p) {
      this.revisions.delete(key); // refresh its place in the LRU order
      this.revisions.set(key, p);
      return p;
    }
    p = this.source.snapshot(want).then((rc) => ({ index: new Index(rc), servers: new Map<string, CompiledServer>() }));
    this.revisions.set(key, p);
    p.catch(() => this.revisions.delete(key)); // an unknown rev is not remembered
    const max = this.opts.maxRevisions ?? 2;
    while (this.revisions.size > max) this.revisions.delete(this.revisions.keys().next().value!);
    return p;
  }
}

/** Compiled configs of a security server, or 404 security_server_not_found / 500 naming what did not compile. */
export async function compiledOr404(cache: CompileCache, ssId: string, rev?: number): Promise<CompiledServer> {
  try {
    return await cache.server(ssId, rev);
  } catch (e) {
    if (e instanceof UnknownSecurityServer) throw notFound('security_server', ssId);
    if (e instanceof CompileError) throw new ApiError(500, 'compile_failed', `revision does not compile: ${e.message}`, [e.field]);
    throw e;
  }
}


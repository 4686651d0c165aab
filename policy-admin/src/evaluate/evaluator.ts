// What-if: would this client get this service endpoint at this instant, under this revision? Answered by
// the real authz filter on the compiled config of the security server serving the provider (one
// implementation of the rules, not two). A loaded VM is kept per (revision, security server).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compiledOr404, type CompileCache } from '../compiler/cache.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { AuthzVm, type AuthzAnswer } from './authz-vm.ts';

export interface EvaluateInput {
  /** Client id, colon form (INSTANCE:CLASS:MEMBER[:SUBSYSTEM]). */
  client: string;
  /** Service id, colon form (INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE). */
  service: string;
  method: string;
  /** Path after the service code, e.g. "/v1/births/1" ("" or "/" = the service root). */
  path: string;
  peerCertSha256?: string;
  /** RFC 3339 instant; default now. */
  at?: string;
  /** Revision; default head. */
  rev?: number;
  /** Security server to ask; default the first (by id) the provider is registered on. */
  securityServerId?: string;
  /** The client's connection is TLS without a client certificate (HTTPS_NO_AUTH); default: peerCertSha256 given. */
  tls?: boolean;
}

export interface EvaluateResult extends AuthzAnswer {
  rev: number;
  securityServerId: string;
  at: string;
}

export interface EvaluatorOptions {
  /** The authz module: bytes or a path. Default $POLICY_ADMIN_AUTHZ_WASM, else filters/authz/build/authz.wasm under the working directory. */
  authzWasm?: Uint8Array | string;
  /** Loaded VMs kept (one per revision × security server); the least recently used is shut down. Default 4. */
  maxVms?: number;
  /** Clock for requests without `at` (tests). */
  now?: () => number;
}

const PART = "[A-Za-z0-9'()+,\\-.=?]+";
const CLIENT_ID = new RegExp(`^${PART}(:${PART}){2,3}$`);
const SERVICE_ID = new RegExp(`^${PART}(:${PART}){4}$`);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const TOKEN = /^[A-Za-z]{1,20}$/;
const SHA256 = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

/** ms since the epoch of an RFC 3339 timestamp, NaN if malformed or not a calendar date (Date.parse rolls
 *  2026-02-30 over to March 2). */
function rfc3339Ms(s: string): number {
  const m = RFC3339.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h, mi, sec] = s.slice(0, 19).split(/[-Tt:]/).map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || sec > 59) return NaN;
  return Date.parse(s);
}

export class Evaluator {
  private wasm: Uint8Array | null;
  private readonly vms = new Map<string, AuthzVm>();

  constructor(readonly compiled: CompileCache, private readonly opts: EvaluatorOptions = {}) {
    this.wasm = opts.authzWasm instanceof Uint8Array ? opts.authzWasm : null;
  }

  async evaluate(q: EvaluateInput): Promise<EvaluateResult> {
    if (!CLIENT_ID.test(q.client)) throw badRequest('client', 'expected INSTANCE:CLASS:MEMBER[:SUBSYSTEM]');
    if (!SERVICE_ID.test(q.service)) throw badRequest('service', 'expected INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE');
    if (!TOKEN.test(q.method)) throw badRequest('method', 'expected an HTTP method such as GET');
    if (q.path !== '' && !q.path.startsWith('/')) throw badRequest('path', 'expected the path after the service code, starting with /');
    if (/[\0\r\n]/.test(q.path)) throw badRequest('path', 'control characters');
    if (q.peerCertSha256 !== undefined && !SHA256.test(q.peerCertSha256)) throw badRequest('peerCertSha256', 'expected a SHA-256 digest (64 hex digits)');
    let atMs = (this.opts.now ?? Date.now)();
    if (q.at !== undefined) {
      atMs = rfc3339Ms(q.at);
      if (Number.isNaN(atMs)) throw badRequest('at', 'expected an RFC 3339 timestamp, e.g. 2026-12-31T23:59:59Z');
    }

    const index = await this.compiled.revision(q.rev);
    const provider = q.service.split(':').slice(0, 4).join(':');
    let ssId = q.securityServerId;
    if (ssId !== undefined) {
      if (!index.securityServers.has(ssId)) throw notFound('security_server', ssId);
    } else {
      ssId = (index.subsystems.get(provider)?.securityServerIds ?? []).filter((id) => index.securityServers.has(id)).sort()[0];
      if (ssId === undefined) throw notFound('service', `${q.service} (no security server serves ${provider} in revision ${index.rev})`);
    }
    const vm = await this.vm(index.rev, ssId);
    const answer = vm.evaluate({
      client: q.client, service: q.service, method: q.method.toUpperCase(), path: q.path,
      peerCertSha256: q.peerCertSha256?.replace(/:/g, ''), tls: q.tls, atMs,
    });
    return { ...answer, rev: index.rev, securityServerId: ssId, at: new Date(atMs).toISOString() };
  }

  /** Keys (rev, security server) of the loaded VMs, least recently used first. */
  loadedVms(): Array<{ rev: number; securityServerId: string }> {
    return [...this.vms.keys()].map((k) => { const [rev, ss] = k.split('\n'); return { rev: Number(rev), securityServerId: ss }; });
  }

  /** Shut every cached VM down. */
  close(): void {
    for (const vm of this.vms.values()) vm.close();
    this.vms.clear();
  }

  private async vm(rev: number, ssId: string): Promise<AuthzVm> {
    const key = `${rev}\n${ssId}`;
    let vm = this.vms.get(key);
    if (vm) {
      this.vms.delete(key);
      this.vms.set(key, vm);
      return vm;
    }
    const server = await compiledOr404(this.compiled, ssId, rev);
    vm = this.vms.get(key); // another request may have loaded it meanwhile
    if (vm) return vm;
    vm = new AuthzVm(this.module(), server.configs.authz.json);
    this.vms.set(key, vm);
    const max = this.opts.maxVms ?? 4;
    while (this.vms.size > max) {
      const [k, old] = this.vms.entries().next().value!;
      this.vms.delete(k);
      old.close();
    }
    return vm;
  }

  private module(): Uint8Array {
    if (!this.wasm) {
      const path = typeof this.opts.authzWasm === 'string' ? this.opts.authzWasm
        : process.env.POLICY_ADMIN_AUTHZ_WASM ?? join(process.cwd(), 'filters', 'authz', 'build', 'authz.wasm');
      this.wasm = new Uint8Array(readFileSync(path));
    }
    return this.wasm;
  }
}

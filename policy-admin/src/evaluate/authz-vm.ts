// One loaded authz filter (the real filters/authz .wasm in the project's proxy-wasm host) with a compiled
// configuration, answering what-if questions by sending it a request. The rules live in the filter
// only: this file maps inputs to a request and reads the decision back from what the filter exposes —
// the local reply (status, X-Road-Error, body, details `authz_<reason>`) and its log lines (matched
// right on allow, block id, dry-run outcomes; see filters/authz/README.md "Logs").
//
// It drives the host runtime's Plugin (what host/emulator wraps) directly: the emulator keeps a handle to
// every stream it ever made, which a long-lived evaluator must not.
import { wireForm } from '../compiler/ids.ts';
import { Plugin, PluginStartError, VirtualClock, ProcessState, toHeaderMap, toPropertyValue, type LogEntry } from '../../../host/index.ts';

/** A wall clock pinned per evaluation to the instant asked about (the filter reads it for validity windows). */
class PinnedClock extends VirtualClock {
  private pinnedMs = Date.UTC(2025, 0, 1);
  pin(ms: number): void { this.pinnedMs = ms; }
  override nowMs(): number { return this.pinnedMs; }
  override nowNs(): bigint { return BigInt(this.pinnedMs) * 1_000_000n; }
}

export interface AuthzQuery {
  /** Client id, colon form (INSTANCE:CLASS:MEMBER[:SUBSYSTEM]). */
  client: string;
  /** Service id, colon form (INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE). */
  service: string;
  method: string;
  /** Path after the service code ("/v1/births/1"), query allowed. */
  path: string;
  /** SHA-256 of the TLS peer certificate on the connection (an IS certificate or a peer security server's auth certificate). */
  peerCertSha256?: string;
  /** The connection is TLS (HTTPS_NO_AUTH clients); default: true when peerCertSha256 is given. */
  tls?: boolean;
  /** Instant of the request, ms since the epoch. */
  atMs: number;
}

export interface AuthzAnswer {
  decision: 'ALLOW' | 'DENY';
  /** The filter's reason: allowed, no_right, outside_window, blocked, service_disabled, unknown_service, untrusted_client, … */
  reason: string;
  /** The right that allowed the request (or that matched a disabled service); null otherwise. */
  matchedRight: string | null;
  /** HTTP status the client would get (200 = passed on to the service). */
  status: number;
  /** X-Road error (type, message) of a denial. */
  error: { type: string; message: string } | null;
  /** ENFORCE block rule that denied the request. */
  block: string | null;
  /** What DRY_RUN rules would have done. */
  dryRun: { right: string | null; block: string | null };
}

// Envoy only hands the filter printable ASCII in :path; anything else is what a client would percent-encode.
const encodePath = (p: string) => p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
const REQUEST_ID = 'what-if';

export class AuthzVm {
  private readonly plugin: Plugin;
  private readonly clock = new PinnedClock();
  /** Client headers the policy accepts; the first is used. */
  private readonly clientHeader: string;

  /** Throws PluginStartError (with the filter's reason) when the filter rejects the configuration. */
  constructor(wasm: Uint8Array, configJson: string) {
    this.plugin = new Plugin({
      wasm, rootId: 'authz', vmId: 'authz-what-if', pluginConfig: configJson, canary: false, workers: 1,
      logLevel: 'debug', process: new ProcessState(this.clock), recordLimit: 1000,
    });
    this.plugin.start();
    const cfg = JSON.parse(configJson) as { clientHeaders?: string[] };
    this.clientHeader = (cfg.clientHeaders?.[0] ?? 'X-Road-Client').toLowerCase();
  }

  evaluate(q: AuthzQuery): AuthzAnswer {
    const p = this.plugin;
    this.clock.pin(q.atMs);
    p.logs.length = 0;
    const props: Record<string, string | boolean> = {};
    if (q.peerCertSha256) {
      props['connection.sha256_peer_certificate_digest'] = q.peerCertSha256.toLowerCase();
      props['connection.mtls'] = true;
    }
    if (q.tls ?? q.peerCertSha256 !== undefined) props['connection.tls_version'] = 'TLSv1.3';
    const s = p.newStream(0, { properties: new Map(Object.entries(props).map(([k, v]) => [k, toPropertyValue(v)])) });
    try {
      s.headers('request', toHeaderMap([
        [':method', q.method], [':path', `/r1/${wireForm(q.service)}${encodePath(q.path)}`], [':authority', 'what-if'], [':scheme', 'https'],
        ['x-request-id', REQUEST_ID], [this.clientHeader, wireForm(q.client)],
      ]), true);
      p.process.drain();
      // the log was emptied before this request: every line is about it
      const logs = p.logs.map((l) => l.message);
      return readAnswer(s.localReply, logs);
    } finally {
      s.finish();
      p.process.drain();
      p.logs.length = 0;
    }
  }

  /** The filter's own log lines since the last evaluation (e.g. for a config rejection). */
  logs(): LogEntry[] { return [...this.plugin.logs]; }

  close(): void { this.plugin.shutdown(); }
}

function readAnswer(reply: { status: number; body: string; headers: Array<[string, string]>; details: string } | null, logs: string[]): AuthzAnswer {
  const find = (re: RegExp) => { for (const m of logs) { const x = re.exec(m); if (x) return x[1]; } return null; };
  const dryRun = { right: find(/^authz: dry-run right (\S+) would allow /), block: find(/^authz: dry-run block (\S+) would deny /) };
  if (reply === null) {
    return { decision: 'ALLOW', reason: 'allowed', matchedRight: find(/^authz: allow .* right=(\S+) /), status: 200, error: null, block: null, dryRun };
  }
  let error: AuthzAnswer['error'] = null;
  try {
    const b = JSON.parse(reply.body) as { type?: unknown; message?: unknown };
    if (typeof b.type === 'string' && typeof b.message === 'string') error = { type: b.type, message: b.message };
  } catch { /* not the filter's JSON: keep the status */ }
  const reason = reply.details.startsWith('authz_') ? reply.details.slice(6) : reply.details;
  return {
    decision: 'DENY', reason, matchedRight: find(/^authz: right (\S+) matched but the service is disabled/), status: reply.status,
    error, block: find(/^authz: block (\S+) \(/), dryRun,
  };
}

export { PluginStartError };

// Envoy's substitution format strings for access logs (the operators the dev gateway knows; any
// other operator is a config error naming it). Missing values print as "-", as in Envoy.
import { appendFileSync } from 'node:fs';
import type { AccessLogConfig } from './config/types.ts';
import { headerValue } from './routing.ts';

type Pairs = Array<[string, string]>;

/** What one finished request looked like, for the formatter. */
export interface AccessLogEntry {
  start: Date;
  durationMs: number;
  requestHeaders: Pairs;
  responseHeaders: Pairs;
  responseCode: number;
  responseCodeDetails: string;
  responseFlags: string;
  bytesReceived: number;
  bytesSent: number;
  protocol: string;
  upstreamHost: string;
  upstreamCluster: string;
  downstreamRemoteAddress: string;
  routeName: string;
  filterState: (key: string) => string | undefined;
}

type Part = string | ((e: AccessLogEntry) => string | undefined);

const SIMPLE: Record<string, (e: AccessLogEntry) => string | undefined> = {
  START_TIME: (e) => e.start.toISOString(),
  DURATION: (e) => String(Math.round(e.durationMs)),
  RESPONSE_CODE: (e) => String(e.responseCode),
  RESPONSE_CODE_DETAILS: (e) => e.responseCodeDetails || undefined,
  RESPONSE_FLAGS: (e) => e.responseFlags || undefined,
  BYTES_RECEIVED: (e) => String(e.bytesReceived),
  BYTES_SENT: (e) => String(e.bytesSent),
  PROTOCOL: (e) => e.protocol,
  UPSTREAM_HOST: (e) => e.upstreamHost || undefined,
  UPSTREAM_CLUSTER: (e) => e.upstreamCluster || undefined,
  DOWNSTREAM_REMOTE_ADDRESS: (e) => e.downstreamRemoteAddress,
  ROUTE_NAME: (e) => e.routeName || undefined,
};

function headerOp(which: 'REQ' | 'RESP', arg: string): (e: AccessLogEntry) => string | undefined {
  const [main, alt] = arg.toLowerCase().split('?');
  return (e) => {
    const h = which === 'REQ' ? e.requestHeaders : e.responseHeaders;
    return headerValue(h, main) ?? (alt ? headerValue(h, alt) : undefined);
  };
}

/** Compiles a format string; throws naming the first operator it does not know. */
export function compileFormat(format: string): (e: AccessLogEntry) => string {
  const parts: Part[] = [];
  const re = /%([A-Z_]+)(?:\(([^)]*)\))?(?::(\d+))?%|%%/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    parts.push(format.slice(last, m.index));
    last = re.lastIndex;
    if (m[0] === '%%') { parts.push('%'); continue; }
    const [, op, arg, max] = m;
    let fn: (e: AccessLogEntry) => string | undefined;
    if (op === 'REQ' || op === 'RESP') fn = headerOp(op, arg ?? '');
    else if (op === 'FILTER_STATE') {
      const [key, fmt] = (arg ?? '').split(':');
      if (fmt !== undefined && fmt !== 'PLAIN') throw new Error(`access log operator %FILTER_STATE(${arg})%: only the PLAIN format is supported by the dev gateway`);
      fn = (e) => e.filterState(key);
    } else if (SIMPLE[op] && arg === undefined) fn = SIMPLE[op];
    else throw new Error(`access log operator %${op}${arg !== undefined ? `(${arg})` : ''}% is not supported by the dev gateway`);
    const limit = max ? Number(max) : 0;
    parts.push((e) => { const v = fn(e); return v !== undefined && limit ? v.slice(0, limit) : v; });
  }
  parts.push(format.slice(last));
  return (e) => parts.map((p) => (typeof p === 'string' ? p : p(e) ?? '-')).join('');
}

export interface AccessLogger { log(e: AccessLogEntry): void }

/** A logger per access_log entry; `sink` (tests) receives every line instead of stdout/stderr/file. */
export function makeAccessLogger(c: AccessLogConfig, sink?: (line: string) => void): AccessLogger {
  const fmt = compileFormat(c.format);
  const write = sink ? (l: string) => sink(l.replace(/\n$/, ''))
    : c.sink === 'stdout' ? (l: string) => process.stdout.write(l)
    : c.sink === 'stderr' ? (l: string) => process.stderr.write(l)
    : (l: string) => appendFileSync((c.sink as { file: string }).file, l);
  return { log: (e) => write(fmt(e)) };
}

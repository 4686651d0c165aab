// The route table as Envoy's router reads it: virtual host by :authority (exact, *.suffix, prefix.*,
// then *), the first route whose match holds, and the upstream cluster of its action.
import type { HeaderMatcher, Route, RouteConfig, VirtualHost } from './config/types.ts';

type Pairs = Array<[string, string]>;

/** All values of a header joined with "," (how Envoy's header matchers see repeated headers). */
export function headerValue(h: Pairs, name: string): string | undefined {
  let v: string | undefined;
  for (const [k, x] of h) if (k === name) v = v === undefined ? x : `${v},${x}`;
  return v;
}

function domainMatches(domain: string, host: string): number {
  if (domain === host) return 4;
  if (domain.startsWith('*') && domain !== '*' && host.endsWith(domain.slice(1)) && host.length > domain.length - 1) return 3;
  if (domain.endsWith('*') && domain !== '*' && host.startsWith(domain.slice(0, -1)) && host.length > domain.length - 1) return 2;
  if (domain === '*') return 1;
  return 0;
}

export function selectVirtualHost(rc: RouteConfig, authority: string): VirtualHost | null {
  const host = authority.toLowerCase();
  let best: VirtualHost | null = null;
  let bestScore = 0;
  for (const vh of rc.virtualHosts) {
    for (const d of vh.domains) {
      const s = domainMatches(d, host);
      // longer wildcard matches win, as in Envoy; ties: first virtual host
      const score = s * 10000 + (s === 2 || s === 3 ? d.length : 0);
      if (s > 0 && score > bestScore) { best = vh; bestScore = score; }
    }
  }
  return best;
}

function headerMatches(m: HeaderMatcher, h: Pairs): boolean {
  const v = headerValue(h, m.name);
  let ok: boolean;
  if (m.kind === 'present') ok = (v !== undefined) === m.present;
  else if (v === undefined) ok = false;
  else {
    const a = m.ignoreCase ? v.toLowerCase() : v;
    const b = m.ignoreCase ? m.value.toLowerCase() : m.value;
    ok = m.kind === 'exact' ? a === b : m.kind === 'prefix' ? a.startsWith(b) : m.kind === 'suffix' ? a.endsWith(b) : a.includes(b);
  }
  return m.invert ? !ok : ok;
}

export function routeMatches(r: Route, h: Pairs): boolean {
  const path = headerValue(h, ':path') ?? '/';
  const cs = r.match.caseSensitive;
  if (r.match.prefix !== undefined) {
    if (!(cs ? path.startsWith(r.match.prefix) : path.toLowerCase().startsWith(r.match.prefix.toLowerCase()))) return false;
  } else if (r.match.path !== undefined) {
    const q = path.search(/[?#]/);
    const p = q < 0 ? path : path.slice(0, q); // path matches ignore the query string
    if (!(cs ? p === r.match.path : p.toLowerCase() === r.match.path.toLowerCase())) return false;
  }
  return r.match.headers.every((m) => headerMatches(m, h));
}

export function selectRoute(rc: RouteConfig, h: Pairs): { vhost: VirtualHost; route: Route } | null {
  const vhost = selectVirtualHost(rc, headerValue(h, ':authority') ?? '');
  if (!vhost) return null;
  const route = vhost.routes.find((r) => routeMatches(r, h));
  return route ? { vhost, route } : null;
}

/** The cluster a (non-direct) route sends to; `random` is the stream's random value (weighted clusters). */
export function routeCluster(r: Route, h: Pairs, random: number): string {
  const a = r.action;
  if (a.kind === 'cluster') return a.cluster;
  if (a.kind === 'cluster_header') return headerValue(h, a.header) ?? '';
  if (a.kind === 'weighted') {
    let x = random % a.total;
    for (const c of a.clusters) {
      if (x < c.weight) return c.name;
      x -= c.weight;
    }
  }
  return '';
}

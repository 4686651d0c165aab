// envoy.config.route.v3.RouteConfiguration (inline in the HCM) → RouteConfig: virtual hosts by domain,
// routes matched by prefix / path and headers, to `cluster`, `cluster_header`, `weighted_clusters` or
// a `direct_response`.
import type { Json } from '../../envoy-config/yaml.ts';
import type { Reader } from './reader.ts';
import type { HeaderMatcher, Route, RouteAction, RouteConfig, VirtualHost } from './types.ts';

function headerMatcher(r: Reader, v: Json, p: string): HeaderMatcher {
  const f = r.fields(v, p, ['name', 'exact_match', 'prefix_match', 'suffix_match', 'contains_match', 'present_match', 'string_match', 'invert_match']);
  const m: HeaderMatcher = { name: r.str(f.name, `${p}.name`).toLowerCase(), kind: 'present', value: '', present: true, ignoreCase: false, invert: r.bool(f.invert_match, `${p}.invert_match`) };
  const legacy = (['exact', 'prefix', 'suffix', 'contains'] as const).find((k) => f[`${k}_match`] !== undefined);
  if (legacy) {
    m.kind = legacy;
    m.value = r.str(f[`${legacy}_match`], `${p}.${legacy}_match`);
  } else if (f.string_match !== undefined) {
    const s = r.fields(f.string_match, `${p}.string_match`, ['exact', 'prefix', 'suffix', 'contains', 'ignore_case']);
    const k = (['exact', 'prefix', 'suffix', 'contains'] as const).find((x) => s[x] !== undefined);
    if (!k) r.error(`${p}.string_match`, 'one of exact, prefix, suffix, contains required by the dev gateway');
    m.kind = k ?? 'exact';
    m.value = r.str(s[m.kind], `${p}.string_match.${m.kind}`);
    m.ignoreCase = r.bool(s.ignore_case, `${p}.string_match.ignore_case`);
  } else if (f.present_match !== undefined) {
    m.present = r.bool(f.present_match, `${p}.present_match`);
  }
  return m;
}

function action(r: Reader, f: Record<string, Json>, ra: Record<string, Json>, p: string): RouteAction {
  if (f.direct_response !== undefined) {
    const d = r.fields(f.direct_response, `${p}.direct_response`, ['status', 'body']);
    const b = r.fields(d.body, `${p}.direct_response.body`, ['inline_string']);
    return { kind: 'direct', status: r.int(d.status, `${p}.direct_response.status`, 200), body: r.str(b.inline_string, `${p}.direct_response.body.inline_string`) };
  }
  if (ra.cluster !== undefined) return { kind: 'cluster', cluster: r.str(ra.cluster, `${p}.route.cluster`) };
  if (ra.cluster_header !== undefined) return { kind: 'cluster_header', header: r.str(ra.cluster_header, `${p}.route.cluster_header`).toLowerCase() };
  if (ra.weighted_clusters !== undefined) {
    const wp = `${p}.route.weighted_clusters`;
    const w = r.fields(ra.weighted_clusters, wp, ['clusters', 'total_weight']);
    const clusters = r.list(w.clusters, `${wp}.clusters`).map((c, i) => {
      const cf = r.fields(c, `${wp}.clusters[${i}]`, ['name', 'weight']);
      return { name: r.str(cf.name, `${wp}.clusters[${i}].name`), weight: r.int(cf.weight, `${wp}.clusters[${i}].weight`) };
    });
    const sum = clusters.reduce((n, c) => n + c.weight, 0);
    const total = w.total_weight !== undefined ? r.int(w.total_weight, `${wp}.total_weight`) : sum;
    if (total !== sum) r.error(`${wp}.total_weight`, `weights add up to ${sum}, not ${total}`); // Envoy rejects this too
    if (sum <= 0) r.error(`${wp}.clusters`, 'weights must add up to more than 0');
    return { kind: 'weighted', clusters, total: sum };
  }
  r.error(`${p}.route`, 'cluster, cluster_header or weighted_clusters required by the dev gateway');
  return { kind: 'direct', status: 503, body: '' };
}

function route(r: Reader, v: Json, p: string): Route {
  const f = r.fields(v, p, ['name', 'match', 'route', 'direct_response', 'request_headers_to_remove', 'request_headers_to_add']);
  const m = r.fields(f.match, `${p}.match`, ['prefix', 'path', 'headers', 'case_sensitive']);
  if (m.prefix === undefined && m.path === undefined) r.error(`${p}.match`, 'prefix or path required by the dev gateway');
  const ra = r.fields(f.route, `${p}.route`, ['cluster', 'cluster_header', 'weighted_clusters', 'timeout', 'prefix_rewrite']);
  return {
    name: r.str(f.name, `${p}.name`),
    match: {
      prefix: m.prefix === undefined ? undefined : r.str(m.prefix, `${p}.match.prefix`),
      path: m.path === undefined ? undefined : r.str(m.path, `${p}.match.path`),
      caseSensitive: r.bool(m.case_sensitive, `${p}.match.case_sensitive`, true),
      headers: r.list(m.headers, `${p}.match.headers`).map((h, i) => headerMatcher(r, h, `${p}.match.headers[${i}]`)),
    },
    action: action(r, f, ra, p),
    timeoutMs: r.durationMs(ra.timeout, `${p}.route.timeout`, 15_000), // Envoy's default route timeout
    prefixRewrite: ra.prefix_rewrite === undefined ? null : r.str(ra.prefix_rewrite, `${p}.route.prefix_rewrite`),
    requestHeadersToRemove: r.list(f.request_headers_to_remove, `${p}.request_headers_to_remove`).map((h, i) => r.str(h, `${p}.request_headers_to_remove[${i}]`).toLowerCase()),
    requestHeadersToAdd: r.list(f.request_headers_to_add, `${p}.request_headers_to_add`).map((h, i) => {
      const hp = `${p}.request_headers_to_add[${i}]`;
      const o = r.fields(h, hp, ['header', 'append_action']);
      const hv = r.fields(o.header, `${hp}.header`, ['key', 'value']);
      const act = r.oneOf(o.append_action, `${hp}.append_action`, ['APPEND_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS_OR_ADD'] as const, 'APPEND_IF_EXISTS_OR_ADD');
      return { key: r.str(hv.key, `${hp}.header.key`).toLowerCase(), value: r.str(hv.value, `${hp}.header.value`), append: act === 'APPEND_IF_EXISTS_OR_ADD' };
    }),
  };
}

export function readRouteConfig(r: Reader, v: Json | undefined, p: string): RouteConfig {
  const f = r.fields(v, p, ['name', 'virtual_hosts']);
  const virtualHosts = r.list(f.virtual_hosts, `${p}.virtual_hosts`).map((vh, i): VirtualHost => {
    const vp = `${p}.virtual_hosts[${i}]`;
    const o = r.fields(vh, vp, ['name', 'domains', 'routes', 'request_headers_to_remove']);
    return {
      name: r.str(o.name, `${vp}.name`),
      domains: r.list(o.domains, `${vp}.domains`).map((d, j) => r.str(d, `${vp}.domains[${j}]`).toLowerCase()),
      routes: r.list(o.routes, `${vp}.routes`).map((x, j) => route(r, x, `${vp}.routes[${j}]`)),
      requestHeadersToRemove: r.list(o.request_headers_to_remove, `${vp}.request_headers_to_remove`).map((h, j) => r.str(h, `${vp}.request_headers_to_remove[${j}]`).toLowerCase()),
    };
  });
  return { name: r.str(f.name, `${p}.name`), virtualHosts };
}

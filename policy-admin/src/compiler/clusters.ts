// Envoy cluster names for upstream URLs. The header-routing config names clusters and the CDS side of
// the control plane (or a static envoy.yaml) must define clusters under the same names: this function
// is the one place that decides them.
import { CompileError } from './errors.ts';

export interface Upstream { cluster: string; scheme: 'http' | 'https'; host: string; port: number; basePath: string }

/** "https://births.internal:8443/api" → cluster "births.internal_8443_tls", base path "/api". */
export function upstreamOf(url: string, field: string): Upstream {
  let u: URL;
  try { u = new URL(url); } catch { throw new CompileError(field, `"${url}" is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CompileError(field, `"${url}": only http and https upstreams`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : 80;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const basePath = u.pathname.replace(/\/+$/, '');
  return { cluster: `${host}_${port}${scheme === 'https' ? '_tls' : ''}`, scheme, host, port, basePath };
}

/**
 * OPENAPI3 service descriptions, as X-Road's admin API handles them: the description is read from its URL when it
 * is added, the service URL is the description's first `servers[].url` (resolved against the description's URL
 * unless it is templated) and every (method, path) operation becomes a generated endpoint, with path parameters
 * `{id}` written as the endpoint glob `*`. The same limits as X-Road: http/https only, 10 MB, OpenAPI 3.0.x or
 * 3.1.0; JSON or YAML.
 *
 * The fetch happens before the write transaction (a slow server never holds the writer lock) and only for
 * callers with the service-administration permission, as in X-Road.
 */
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../http/errors.ts';
import type { Method } from '../model/snapshot.ts';

export const MAX_DESCRIPTION_BYTES = 10 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;
const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface OpenApiImport { baseUrl: string; operations: { method: Method; path: string }[]; warnings: string[] }

/** X-Road's deviation code for a description it cannot read or parse. */
const parsingError = (message: string) => new ApiError(400, 'openapi_parsing', `body.url: ${message}`, ['body.url'], { 'body.url': [message] });

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_DESCRIPTION_BYTES) throw parsingError(`the description is larger than ${MAX_DESCRIPTION_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and parses the description at `url` → service base URL and operations (400 `openapi_parsing` if it cannot). */
export async function importOpenApi(url: string): Promise<OpenApiImport> {
  let text: string;
  try {
    const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json, application/yaml, text/yaml, */*' } });
    if (!res.ok) throw parsingError(`reading the OpenAPI description failed: HTTP ${res.status}`);
    text = await readLimited(res);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw parsingError(`reading the OpenAPI description failed: ${(err as Error).message}`);
  }
  return parseOpenApi(text, url);
}

/** Parses an OpenAPI 3 document (JSON or YAML) read from `url`. Exported for tests. */
export function parseOpenApi(text: string, url: string): OpenApiImport {
  let doc: any;
  try { doc = parseYaml(text, { maxAliasCount: 100 }); } catch (err) { throw parsingError(`not JSON or YAML: ${(err as Error).message.split('\n')[0]}`); }
  if (!doc || typeof doc !== 'object') throw parsingError('not an OpenAPI document');
  const version = typeof doc.openapi === 'string' ? doc.openapi : '';
  if (!version.startsWith('3.0.') && version !== '3.1.0') throw parsingError(`OpenAPI version ${version || '(missing)'} not supported (3.0.x or 3.1.0)`);
  const warnings: string[] = [];
  let baseUrl = typeof doc.servers?.[0]?.url === 'string' ? doc.servers[0].url : '';
  if (!baseUrl.includes('{')) baseUrl = new URL(baseUrl, url).toString();
  const operations: OpenApiImport['operations'] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    if (!item || typeof item !== 'object') continue;
    const glob = path.replace(/\{[^/]*\}/g, '*');
    if (!glob.startsWith('/') || /[\s?#]/.test(glob)) { warnings.push(`skipped path ${path}: not an endpoint path`); continue; }
    for (const m of OPERATION_METHODS) if (item[m]) operations.push({ method: m.toUpperCase() as Method, path: glob });
  }
  return { baseUrl, operations, warnings };
}


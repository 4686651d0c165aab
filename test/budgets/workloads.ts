// Production workloads for every filter and example: the plugin configuration, root_id and vm_id of its
// envoy.yaml (what Envoy would be given) and one representative request, driven through the host like
// Envoy drives it (callouts answered, bodies streamed). Used by the memory-stability test
// (test/budgets/memory.test.ts, 100,000 requests) and benchmark (bench/peer/memory.ts, 1,000,000).
//
// Two drivers, chosen per module (driverFor): the lean driver (bench/lib/lean-driver.ts, ~1 µs a
// request) when it serves every hostcall the module imports with Envoy's answers, else the host
// emulator (~20–50 µs a request: shared data, callouts, bodies), so that 100,000 requests per module stay
// cheap. In the emulator, streams are driven through the runtime (Plugin.newStream) rather than
// EmulatedPlugin.http(), which keeps every stream handle it made (fine for a few requests, not a million).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Emulator, toHeaderMap, toPropertyValue, type EmulatedPlugin, type HttpStream } from '../../host/index.ts';
import { leanModule } from '../../bench/lib/lean-driver.ts';
import { envoyPluginConfig } from '../../examples/envoy-config.ts';
import { moduleBytes, ROOT } from '../lib/modules.ts';

type Pairs = Array<[string, string]>;
export interface RequestShape {
  request: Pairs;
  /** Response headers; with `responseBody` the body follows in one chunk (end of stream). */
  response: Pairs;
  responseBody?: string;
  /** Stream attributes (dotted names), e.g. the mTLS facts authz decides on. */
  properties?: Record<string, string | boolean>;
  /** Status of the reply to each HTTP callout the filter makes (answered at once). */
  calloutStatus?: string;
  /** Upstream clusters the filter may call out to. */
  clusters?: string[];
  /** A response header the module adds on this path (proves the workload reaches the module's work). */
  expectHeader?: string;
}

const GET: Pairs = [[':method', 'GET'], [':path', '/'], [':authority', 'bench'], [':scheme', 'http'], ['user-agent', 'bench']];
const OK: Pairs = [[':status', '200'], ['content-type', 'text/plain']];

/** Request shapes for modules whose work a plain GET would not reach; every other module gets GET → 200. */
const SHAPES: Record<string, RequestShape> = {
  'examples/body-rewrite': {
    request: GET,
    response: [[':status', '200'], ['content-type', 'text/html'], ['content-length', '61']],
    responseBody: '<a href="http://internal.example/a">http://internal.example/b</a>',
  },
  'examples/http-callout-auth': {
    request: [...GET, ['authorization', 'Bearer good']],
    response: OK,
    calloutStatus: '200',
    clusters: ['auth', 'backend'],
  },
  'examples/hello-world': { request: GET, response: OK, expectHeader: 'x-hello' },
  'examples/shared-counter': { request: GET, response: OK, expectHeader: 'x-request-count' },
  'filters/request-id': { request: GET, response: OK, expectHeader: 'x-request-id' },
  'filters/authz': {
    request: [[':method', 'GET'], [':path', '/r1/GOVSTACK-DEV/GOV/1001/civil-registry/births/v1/births/1'], [':authority', 'ss.dev'], [':scheme', 'https'],
      ['x-road-client', 'GOVSTACK-DEV/GOV/1002/patient-records'], ['x-request-id', 'bench-1']],
    response: OK,
    properties: { 'connection.mtls': true, 'connection.sha256_peer_certificate_digest': '0'.repeat(64) },
    expectHeader: 'x-road-policy-rev',
  },
  // the first rule: service id + route name → route, prefix rewrite, set header (and a route-cache clear)
  'filters/header-routing': {
    request: [[':method', 'GET'], [':path', '/r1/EE/GOV/70000001/population/persons/1'], [':authority', 'bench'], [':scheme', 'http'],
      ['x-road-client-verified', 'EE/GOV/70000002/tax']],
    response: OK,
    properties: { 'xds.route_name': 'xroad' },
    expectHeader: 'x-routed-to',
  },
};

export interface Workload {
  dir: string;
  rootId: string;
  vmId: string;
  configuration: string;
  shape: RequestShape;
}

/** Every examples/* and filters/* module (a dir with assembly/index.ts), with its envoy.yaml workload or why it has none. */
export function workloads(): Array<Workload | { dir: string; missing: string }> {
  const out: Array<Workload | { dir: string; missing: string }> = [];
  for (const base of ['examples', 'filters']) {
    for (const name of readdirSync(join(ROOT, base)).sort()) {
      const dir = `${base}/${name}`;
      if (!existsSync(join(ROOT, dir, 'assembly', 'index.ts'))) continue;
      const yaml = join(ROOT, dir, 'envoy.yaml');
      if (!existsSync(yaml)) { out.push({ dir, missing: `${dir}/envoy.yaml (its production configuration)` }); continue; }
      const { rootId, vmId, configuration } = envoyPluginConfig(yaml);
      out.push({ dir, rootId, vmId, configuration, shape: SHAPES[dir] ?? { request: GET, response: OK } });
    }
  }
  return out;
}

/** The module loaded like Envoy loads it for this workload (log level info, Envoy's default; no records kept). */
export function loadWorkload(w: Workload): EmulatedPlugin {
  return Emulator.loadSync({
    wasm: moduleBytes(w.dir), rootId: w.rootId, vmId: w.vmId, pluginConfig: w.configuration,
    clusters: w.shape.clusters, logLevel: 'info', canary: false, recordLimit: 0,
  });
}

/** One request lifecycle in Envoy's order; returns the finished stream (local replies skip the upstream). */
export function runRequest(p: EmulatedPlugin, shape: RequestShape): HttpStream {
  // a Map per stream (filters may set properties); none to build when the shape has no properties
  const s = shape.properties === undefined ? p.runtime.newStream(0)
    : p.runtime.newStream(0, { properties: new Map(Object.entries(shape.properties).map(([k, v]) => [k, toPropertyValue(v)])) });
  s.headers('request', toHeaderMap(shape.request), true);
  if (shape.calloutStatus !== undefined) {
    for (const c of p.pendingHttpCalls()) p.respondHttpCall(c.token, { headers: { ':status': shape.calloutStatus } }, c.worker);
  }
  if (!s.localReply) {
    const body = shape.responseBody;
    s.headers('response', toHeaderMap(shape.response), body === undefined);
    if (body !== undefined) s.data('response', new TextEncoder().encode(body), true);
  }
  s.finish();
  return s;
}

/** Hostcalls the lean driver answers as Envoy would (bench/lib/lean-driver.ts); anything else → emulator. */
const LEAN_HOSTCALLS = new Set([
  'proxy_log', 'proxy_get_log_level', 'proxy_get_current_time_nanoseconds', 'proxy_get_property', 'proxy_get_buffer_bytes', 'proxy_get_header_map_value',
  'proxy_get_header_map_pairs', 'proxy_add_header_map_value', 'proxy_replace_header_map_value', 'proxy_remove_header_map_value',
  'proxy_define_metric', 'proxy_increment_metric', 'proxy_record_metric', 'proxy_get_metric', 'proxy_send_local_response',
  'proxy_call_foreign_function', 'random_get', 'proc_exit', 'fd_write',
]);

/** 'lean' when the module needs nothing the lean driver lacks (no callouts, bodies or shared data), else 'emulator'. */
export function driverFor(w: Workload): 'lean' | 'emulator' {
  if (w.shape.calloutStatus !== undefined || w.shape.responseBody !== undefined) return 'emulator';
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(moduleBytes(w.dir) as Uint8Array<ArrayBuffer>));
  return imports.every((i) => i.kind !== 'function' || LEAN_HOSTCALLS.has(i.name)) ? 'lean' : 'emulator';
}

/** A running module: one request lifecycle per call, its linear memory in 64 KiB pages, what the last request got. */
export interface Runner {
  driver: 'lean' | 'emulator';
  request(): void;
  pages(): number;
  failed(): boolean;
  /** Last request: a response header as the module left it, and whether it was answered by a local reply. */
  responseHeader(name: string): string | undefined;
  localReplied(): boolean;
}

/** Loads the module for its workload with the driver driverFor picks. */
export async function runner(w: Workload): Promise<Runner> {
  const driver = driverFor(w);
  if (driver === 'emulator') {
    const p = loadWorkload(w);
    let last: HttpStream | null = null;
    return {
      driver, request: () => { last = runRequest(p, w.shape); }, pages: () => p.memoryPages(), failed: () => p.failed(),
      responseHeader: (n) => last?.res.headers?.get(n),
      localReplied: () => last?.localReply != null,
    };
  }
  // the lean driver takes properties as strings: a bool is its one-byte encoding
  const properties = Object.fromEntries(Object.entries(w.shape.properties ?? {}).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '\x01' : '\x00') : v]));
  const m = await leanModule(w.dir, moduleBytes(w.dir), { rootId: w.rootId, pluginConfig: w.configuration, requestHeaders: w.shape.request, responseHeaders: w.shape.response, properties });
  let trapped = false, replies = 0, replied = false;
  return {
    driver, pages: m.pages, failed: () => trapped,
    request: () => {
      try { m.request(); } catch (e) { trapped = true; throw e; }
      replied = m.counts.localReplies !== replies;
      replies = m.counts.localReplies;
    },
    responseHeader: (n) => m.header('response', n),
    localReplied: () => replied,
  };
}

/** Pages after `warmup` requests and after `total` (the memory-stability figures of a runner). */
export function pagesOverRun(r: Pick<Runner, 'request' | 'pages'>, warmup: number, total: number): { warm: number; end: number } {
  for (let i = 0; i < warmup; i++) r.request();
  const warm = r.pages();
  for (let i = warmup; i < total; i++) r.request();
  return { warm, end: r.pages() };
}

// Envoy's API protos, loaded with protobufjs on demand.
//
// The .proto files come from `@grpc/grpc-js-xds@1.14.1` (pinned in package.json), which ships them under
// node_modules/@grpc/grpc-js-xds/deps/{envoy-api,googleapis,protoc-gen-validate,xds}. That `deps/`
// directory is an internal layout of that package, not an API: if a version bump moves it, fix PROTO_DIRS
// here (the tests fail loudly: "cannot find Envoy API protos"). The envoy-api tree there is the subset
// grpc-js-xds vendors (≈490 files: bootstrap, listener, cluster, route, core, HCM, router, wasm, … but not
// every extension Envoy has); a `@type` whose proto is not in it is reported as unknown.
//
// google/protobuf/{any,duration,struct,wrappers,timestamp,empty,field_mask}.proto are built into
// protobufjs; descriptor.proto is read from node_modules/protobufjs/google/protobuf/.
//
// One Root per process. It starts with what `envoy/config/bootstrap/v3/bootstrap.proto` imports (≈70
// files, a few hundred ms); a type not in it (a typed_config's `@type`, or another root type) is found
// by turning its package into a directory (`envoy.extensions.filters.http.wasm.v3.Wasm` →
// `envoy/extensions/filters/http/wasm/v3/`) and loading that directory's .proto files of that package.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

function findDeps(): string {
  const pkg = require.resolve('@grpc/grpc-js-xds/package.json');
  const deps = join(dirname(pkg), 'deps');
  if (!existsSync(join(deps, 'envoy-api', 'envoy'))) {
    throw new Error(`cannot find Envoy API protos under ${deps} (internal layout of @grpc/grpc-js-xds changed?)`);
  }
  return deps;
}

const DEPS = findDeps();
export const PROTO_DIRS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d));
const PROTOBUFJS_DIR = dirname(require.resolve('protobufjs/package.json'));

let root: protobuf.Root | null = null;
const triedPackages = new Set<string>();
export const stats = { loadMs: 0, files: 0 };

function newRoot(): protobuf.Root {
  const r = new protobuf.Root();
  r.resolvePath = (_origin: string, target: string) => {
    if (isAbsolute(target)) return target;
    for (const d of PROTO_DIRS) {
      const p = join(d, target);
      if (existsSync(p)) return p;
    }
    const p = join(PROTOBUFJS_DIR, target);
    if (existsSync(p)) return p;
    return target; // protobufjs reports it as missing
  };
  return r;
}

function load(files: string[]): void {
  const t0 = performance.now();
  const r = getRoot();
  r.loadSync(files, { keepCase: true });
  stats.loadMs += performance.now() - t0;
  stats.files = Object.keys((r as unknown as { files: string[] }).files ?? {}).length;
}

export function getRoot(): protobuf.Root {
  if (!root) {
    root = newRoot();
    load(['envoy/config/bootstrap/v3/bootstrap.proto']);
  }
  return root;
}

function lookup(fullName: string): protobuf.Type | protobuf.Enum | null {
  try {
    const t = getRoot().lookup('.' + fullName);
    return t instanceof protobuf.Type || t instanceof protobuf.Enum ? t : null;
  } catch {
    return null;
  }
}

const PACKAGE_RE = /^\s*package\s+([\w.]+)\s*;/m;

/** Loads the .proto files that declare package `pkg` (searched as a directory in every proto dir). */
function loadPackage(pkg: string): void {
  if (triedPackages.has(pkg)) return;
  triedPackages.add(pkg);
  const rel = pkg.split('.').join('/');
  const files: string[] = [];
  for (const d of PROTO_DIRS) {
    const dir = join(d, rel);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.proto')) continue;
      const m = PACKAGE_RE.exec(readFileSync(join(dir, f), 'utf8'));
      if (m && m[1] === pkg) files.push(join(rel, f));
    }
  }
  if (files.length) load(files);
}

/**
 * The message or enum type called `fullName` (no leading dot), loading its package on demand;
 * null if no proto in the tree declares it. Throws if the proto exists but cannot be loaded.
 */
export function resolveType(fullName: string): protobuf.Type | protobuf.Enum | null {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(fullName)) return null;
  let t = lookup(fullName);
  if (t) return t;
  const parts = fullName.split('.');
  // `a.b.v3.Msg` or a nested `a.b.v3.Msg.Inner`: try the longest package first
  for (let i = parts.length - 1; i >= 1; i--) {
    const pkg = parts.slice(0, i).join('.');
    if (triedPackages.has(pkg)) continue;
    loadPackage(pkg);
    t = lookup(fullName);
    if (t) return t;
  }
  return null;
}

// Envoy's load check, reproduced: refuse a module exactly where Envoy (proxy-wasm-cpp-host with V8)
// would refuse it, with Envoy's wording. Pipeline (reference §1):
//   parse → ABI marker → V8 compile → link imports → instantiate → look up start functions,
//   allocator and callbacks with exact signatures.
// Envoy stops at the first failure; we keep going where that is meaningful and report every
// problem, in pipeline order, so `errors[0]` is what Envoy would log. Capability restriction
// (`allowed_capabilities`) is not modelled: it only stubs functions, it never refuses a module.

import {
  WasmFormatError,
  formatSignature,
  parseModule,
  sameSignature,
  type ModuleInfo,
} from './binary.ts';
import {
  ABI_MARKERS,
  ABI_SPECIFIC_IMPORT_VERSIONS,
  ALLOCATOR_EXPORTS,
  ALLOCATOR_SIGNATURE,
  MAX_MEMORY_PAGES,
  START_EXPORTS,
  UNRECOGNISED_ABI_MARKERS,
  WASI_IMPORTS_NEWEST_ONLY,
  WASI_MODULES,
  callbackSignatures,
  hostImports,
  type AbiVersion,
  type HostOptions,
  type Signature,
} from './envoy-abi.ts';

export type ValidateOptions = HostOptions;

export interface ModuleCheck {
  /** True when Envoy would load the module (warnings do not count). */
  ok: boolean;
  abiVersion: AbiVersion | null;
  /** The export the host will use as allocator. */
  allocator: 'malloc' | 'proxy_on_memory_allocate' | null;
  /** Start functions the host will call, in order (e.g. ["_initialize"] or ["_initialize", "main"]). */
  startFunctions: string[];
  /** Envoy's refusal messages, in pipeline order (`errors[0]` is the one Envoy logs). */
  errors: string[];
  /** Things that load but will probably misbehave (e.g. a wasm start section). */
  warnings: string[];
  /** Parsed module; null when the bytes could not be parsed. */
  info: ModuleInfo | null;
}

export class EnvoyLoadError extends Error {
  readonly errors: string[];
  readonly warnings: string[];
  readonly check: ModuleCheck;
  constructor(check: ModuleCheck, label = 'module') {
    super(`Envoy would refuse to load ${label}:\n  ${check.errors.join('\n  ')}`);
    this.name = 'EnvoyLoadError';
    this.errors = check.errors;
    this.warnings = check.warnings;
    this.check = check;
  }
}

export const MSG = {
  corrupted: 'Failed to parse corrupted Wasm module',
  noAbi: 'Missing or unknown Proxy-Wasm ABI version',
  badBytecode: 'Failed to load Wasm bytecode',
  missingImport: 'Failed to load Wasm module due to a missing import: ',
  importMismatch: 'Failed to load Wasm module due to an import type mismatch for ',
  badSignature: 'Bad function signature for: ',
  noMalloc: 'Wasm module is missing malloc function.',
  instance: 'Failed to create new Wasm instance',
} as const;

const mismatch = (want: Signature, got: Signature) =>
  `expected ${formatSignature(want)}, got ${formatSignature(got)}`;

/** Check `bytes` like Envoy's loader would. Never throws. */
export function validateModule(bytes: Uint8Array, opts: ValidateOptions = {}): ModuleCheck {
  const check: ModuleCheck = {
    ok: false,
    abiVersion: null,
    allocator: null,
    startFunctions: [],
    errors: [],
    warnings: [],
    info: null,
  };
  const fail = (msg: string) => check.errors.push(msg);

  // 1. Parse.
  let info: ModuleInfo;
  try {
    info = parseModule(bytes);
  } catch (e) {
    fail(`${MSG.corrupted}: ${e instanceof WasmFormatError ? e.message : String(e)}`);
    return check;
  }
  check.info = info;

  // 2. ABI marker: the first exported *function* among the markers, in export-section order.
  for (const e of info.exports) {
    if (e.kind === 'func' && Object.hasOwn(ABI_MARKERS, e.name)) {
      check.abiVersion = ABI_MARKERS[e.name];
      break;
    }
  }
  if (check.abiVersion === null) {
    const names = new Set(info.exports.map((e) => e.name));
    const vnext = UNRECOGNISED_ABI_MARKERS.filter((n) => names.has(n));
    const nonFunc = info.exports.filter((e) => e.kind !== 'func' && Object.hasOwn(ABI_MARKERS, e.name));
    let hint = '';
    if (vnext.length) hint = ` (${vnext.join(', ')} is not recognised by Envoy; export proxy_abi_version_0_2_1)`;
    else if (nonFunc.length) hint = ` (${nonFunc[0].name} is exported as a ${nonFunc[0].kind}, it must be a function)`;
    else hint = ' (export a function named proxy_abi_version_0_2_1)';
    fail(MSG.noAbi + hint);
    return check;
  }
  const abi = check.abiVersion;

  // 3. V8 compiles the module (validates code bodies, etc.).
  try {
    new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    fail(`${MSG.badBytecode}: ${e instanceof Error ? e.message : String(e)}`);
    return check;
  }

  // 4. Link: every import must be registered with the exact signature; globals are refused.
  const table = hostImports(abi, opts);
  for (const im of info.imports) {
    const key = `${im.module}.${im.name}`;
    switch (im.kind) {
      case 'func': {
        const want = table.get(key);
        if (!want) {
          fail(MSG.missingImport + key + importHint(im.module, im.name, abi, opts));
        } else if (!sameSignature(want, im.type!)) {
          fail(`${MSG.importMismatch}${key}: ${mismatch(want, im.type!)}`);
        }
        break;
      }
      case 'global':
        fail(`${MSG.missingImport}${key} (imported globals are not supported by Envoy)`);
        break;
      case 'tag':
        fail(`${MSG.missingImport}${key} (imported tags are not supported by Envoy)`);
        break;
      case 'memory':
      case 'table':
        break; // created by the host from the declared limits
    }
  }

  // 5. Instantiate.
  if (info.memory.count > 1) fail(`${MSG.instance}: ${info.memory.count} memories (Envoy supports one)`);
  if ((info.memory.minPages ?? 0) > MAX_MEMORY_PAGES) {
    fail(`${MSG.instance}: initial memory of ${info.memory.minPages} pages exceeds Envoy's limit of ${MAX_MEMORY_PAGES} pages (1 GiB)`);
  }
  if (info.hasStartSection) {
    check.warnings.push(
      'module has a wasm start section: it runs during instantiation with no current context in Envoy ' +
        '(hostcalls from it crash); export _initialize instead (asc --exportStart _initialize)',
    );
  }
  if (info.memory.count === 0) {
    check.warnings.push('module has no memory: every hostcall that reads or writes guest memory will fail');
  } else if (!info.memory.imported && info.memory.exportedAs.length === 0) {
    check.warnings.push('module memory is not exported: the host cannot read or write guest memory');
  }

  // 6. Look up exports (only function exports are visible to the host's getFunction).
  const funcs = new Map(info.exports.filter((e) => e.kind === 'func').map((e) => [e.name, e.type!]));
  const lookup = (name: string, want: Signature): boolean => {
    const got = funcs.get(name);
    if (!got) return false;
    if (!sameSignature(want, got)) {
      fail(`${MSG.badSignature}${name}, ${mismatch(want, got)}`);
      return false;
    }
    return true;
  };

  if (lookup('_initialize', START_EXPORTS._initialize)) {
    check.startFunctions.push('_initialize');
    if (lookup('main', START_EXPORTS.main)) check.startFunctions.push('main');
    else if (opts.newestCppHost && lookup('__main_void', START_EXPORTS.__main_void)) check.startFunctions.push('__main_void');
  } else if (lookup('_start', START_EXPORTS._start)) {
    check.startFunctions.push('_start');
  }
  if (check.startFunctions.length === 0 && !funcs.has('_initialize') && !funcs.has('_start')) {
    check.warnings.push('module exports neither _initialize nor _start: no initialisation code will be run by the host');
  }

  for (const name of ALLOCATOR_EXPORTS) {
    if (lookup(name, ALLOCATOR_SIGNATURE)) {
      check.allocator = name as ModuleCheck['allocator'];
      break;
    }
  }
  if (!check.allocator) fail(MSG.noMalloc);

  for (const [name, want] of callbackSignatures(abi)) lookup(name, want);

  check.ok = check.errors.length === 0;
  return check;
}

function importHint(module: string, name: string, abi: AbiVersion, opts: ValidateOptions): string {
  if (module === 'env') {
    const versions = ABI_SPECIFIC_IMPORT_VERSIONS[name];
    if (versions) return ` (only registered for ABI ${versions.join(', ')}; this module is ABI ${abi})`;
    if (name === 'abort' || name === 'seed' || name === 'trace' || name === 'Date.now') {
      return ' (AssemblyScript runtime import: build with the project asconfig.json `use` overrides)';
    }
    return '';
  }
  if (WASI_MODULES.includes(module)) {
    if (!opts.newestCppHost && Object.hasOwn(WASI_IMPORTS_NEWEST_ONLY, name)) {
      return ' (only stubbed by the newest cpp-host, Envoy main 2026; released Envoy lacks it)';
    }
    return '';
  }
  return ` (Envoy provides only the modules env, ${WASI_MODULES.join(', ')})`;
}

/** Throws `EnvoyLoadError` (all messages) unless Envoy would load the module; returns the check otherwise. */
export function assertLoadable(bytes: Uint8Array, opts: ValidateOptions & { label?: string } = {}): ModuleCheck {
  const check = validateModule(bytes, opts);
  if (!check.ok) throw new EnvoyLoadError(check, opts.label);
  return check;
}

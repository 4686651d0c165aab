// One Wasm VM instance (a cpp-host WasmBase clone): memory access, guest allocation, current and
// effective context, restricted phases, the "after VM call" FIFO, failure state.
import type { AbiVersion } from '../wasm/envoy-abi.ts';
import { ALLOCATOR_ALLOWED_HOSTCALLS, START_ALLOWED_HOSTCALLS, hostImports } from '../wasm/envoy-abi.ts';
import { WasmResult } from '../abi/enums.ts';
import type { ProcessState, Stat } from './process.ts';
import type { CallbackRecord, Ctx, HostcallRecord, LogEntry, RootCtx, TrapInfo } from './types.ts';
import { buildHostcalls } from './hostcalls.ts';
import { buildWasi } from './wasi.ts';
import type { CalloutRegistry } from './callouts.ts';
import type { PropertyValue } from '../abi/properties.ts';
import type { HeaderMap } from './headers.ts';

/** Thrown by host code for an out-of-bounds guest pointer; turned into InvalidMemoryAccess. */
export class OutOfBounds extends Error {}
/** A trap the host raises on purpose (restricted_callback). Propagates through the guest. */
export class HostTrap extends Error {}

/** What a VM needs from its plugin/process. */
export interface VmEnv {
  process: ProcessState;
  abi: AbiVersion;
  allocator: 'malloc' | 'proxy_on_memory_allocate';
  vmId: string;
  vmConfig: Uint8Array;
  envVars: Record<string, string>;
  newestCppHost: boolean;
  logLevel(): number;
  log(e: LogEntry): void;
  /** Whether log entries are kept (a record limit above 0); when not, proxy_log skips lines below the level unread. */
  readonly logsRecorded: boolean;
  hostcall(r: HostcallRecord): void;
  callback(r: CallbackRecord): void;
  /**
   * Whether hostcall / callback records are wanted (a record limit above 0, or an observer). When not,
   * the import wrapper and callExport build no record objects and hostcalls compute no notes.
   */
  hostcallsRecorded: boolean;
  readonly callbacksRecorded: boolean;
  trap(t: TrapInfo): void;
  callouts: CalloutRegistry;
  clusters: ReadonlySet<string>;
  /** Attributes visible in every context (xds.*, node, …). */
  globalProperties(): Map<string, PropertyValue>;
  /** Record a route cache clear: kind 'mutation' (§10.9) or 'foreign' (clear_route_cache). */
  routeCacheCleared(streamId: number, kind: 'mutation' | 'foreign'): void;
  /** gRPC / HTTP stream events after the VM failed (fail policy). */
  onVmFailed(vm: WasmVm): void;
}

/** Buffer's own (undocumented, long-stable) codec methods: toString/write without argument parsing. */
type NodeBuffer = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length: number): number;
};

export type CallOutcome = { readonly ok: true; readonly value: number | undefined; readonly missing: boolean } | { readonly ok: false };

// Outcomes are immutable, so the common ones are shared: a callback returning nothing or a small action
// code allocates no outcome (every stream makes six such calls).
const VOID_OUTCOME: CallOutcome = Object.freeze({ ok: true, value: undefined, missing: false });
const SMALL_OUTCOMES: CallOutcome[] = Array.from({ length: 16 }, (_, v) => Object.freeze({ ok: true, value: v, missing: false }));
const FAILED_OUTCOME: CallOutcome = Object.freeze({ ok: false });
const MISSING_OUTCOME: CallOutcome = Object.freeze({ ok: true, value: undefined, missing: true });

export class WasmVm {
  readonly env: VmEnv;
  readonly worker: number;
  readonly label: string;
  instance!: WebAssembly.Instance;
  private exports: Record<string, Function> = {};
  /** The guest allocator export, looked up once. */
  private allocFn: Function | undefined = undefined;
  private memory: WebAssembly.Memory | null = null;

  readonly contexts = new Map<number, Ctx>();
  private nextContextId = 1;
  /** 0 = VM context, -1 = none (no current context, e.g. a start section). */
  current = -1;
  effective = -1;
  /** 'start' (during _initialize/main/_start) or 'alloc' (inside malloc) restricts hostcalls. */
  restricted: 'start' | 'alloc' | null = null;
  depth = 0;
  private fifo: Array<() => void> = [];
  private flushing = false;
  failed = false;
  failure: TrapInfo | null = null;
  /** Current export name (for trap reports). */
  private currentCallback = '';

  // per-VM id spaces
  nextHttpToken = 4;
  nextGrpcCallToken = 5;
  nextGrpcStreamToken = 6;
  nextMetricId = { counter: 4, gauge: 5, histogram: 6 } as Record<string, number>;
  readonly metrics = new Map<number, { name: string; type: 'counter' | 'gauge' | 'histogram'; stat?: Stat; statOf?: ProcessState }>();
  /** Last foreign-function / DNS payload (buffer 8). */
  callData: Uint8Array = new Uint8Array(0);

  constructor(env: VmEnv, worker: number, label: string) {
    this.env = env;
    this.worker = worker;
    this.label = label;
  }

  // ------------------------------------------------------------------ instantiation / start

  /** Instantiate (a wasm start section runs now, with no current context). Returns false on trap. */
  instantiate(module: WebAssembly.Module): boolean {
    const imports = this.importObject(module);
    let instance: WebAssembly.Instance;
    try {
      this.currentCallback = '(start section)';
      instance = new WebAssembly.Instance(module, imports);
    } catch (e) {
      this.markFailed(e, '(instantiate)');
      return false;
    }
    this.adopt(instance);
    return true;
  }

  /**
   * The host's imports for `module`: every hostcall and WASI function it imports, with Envoy's
   * semantics (anything Envoy does not register answers Unimplemented / ENOSYS — the load check has
   * already refused such modules), plus memory/table when imported.
   */
  importObject(module: WebAssembly.Module): WebAssembly.Imports {
    const table = hostImports(this.env.abi, { newestCppHost: this.env.newestCppHost });
    const env = buildHostcalls(this);
    const wasi = buildWasi(this);
    const imports: WebAssembly.Imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      const slot = (imports[imp.module] ??= {}) as Record<string, unknown>;
      if (imp.kind === 'function') {
        const sig = table.get(`${imp.module}.${imp.name}`);
        const impl = imp.module === 'env' ? env[imp.name] : wasi[imp.name];
        const voidResult = sig ? sig.results.length === 0 : false;
        const fallback = () => (imp.module === 'env' ? WasmResult.Unimplemented : 52);
        slot[imp.name] = this.wrap(`${imp.module}.${imp.name}`, impl ?? fallback, voidResult, sig ? sig.params.length : -1);
      } else if (imp.kind === 'memory') {
        const m = new WebAssembly.Memory({ initial: 1, maximum: 16384 });
        slot[imp.name] = m;
        this.memory = m;
      } else if (imp.kind === 'table') {
        slot[imp.name] = new WebAssembly.Table({ initial: 0, element: 'anyfunc' });
      }
    }
    return imports;
  }

  /** Take an instance made from importObject()'s imports (by instantiate(), or by a test runner). */
  adopt(instance: WebAssembly.Instance): void {
    this.instance = instance;
    this.allocFn = undefined;
    for (const [name, v] of Object.entries(instance.exports)) {
      if (typeof v === 'function') this.exports[name] = v as Function;
      else if (v instanceof WebAssembly.Memory && !this.memory) this.memory = v;
    }
    this.contexts.clear();
  }

  /** `_initialize` (+ `main(0,0)` / `__main_void`) or `_start`, restricted (§1 step 6). */
  runStart(): boolean {
    const names = this.exports._initialize
      ? ['_initialize', this.exports.main ? 'main' : this.env.newestCppHost && this.exports.__main_void ? '__main_void' : '']
      : this.exports._start ? ['_start'] : [];
    for (const n of names.filter(Boolean)) {
      const args = n === 'main' ? [0, 0] : [];
      this.restricted = 'start';
      const r = this.callExport(n, 0, args);
      this.restricted = null;
      if (!r.ok) return false;
    }
    return true;
  }

  has(name: string): boolean { return !!this.exports[name]; }

  // ------------------------------------------------------------------ contexts

  allocContextId(): number { return this.nextContextId++; }
  ctx(id: number): Ctx | undefined { return this.contexts.get(id); }
  /** The effective context object (undefined for the VM context / none). */
  effectiveCtx(): Ctx | undefined { return this.contexts.get(this.effective); }
  rootOf(c: Ctx | undefined): RootCtx | undefined { return c ? (c.kind === 'root' ? c : c.root) : undefined; }

  // ------------------------------------------------------------------ calls into the module

  /**
   * Call an export with `ctxId` as current (and effective) context. Never throws: a trap marks
   * the VM failed and returns {ok:false}. Missing export → {ok:true, missing:true}.
   */
  callExport(name: string, ctxId: number, args: number[]): CallOutcome {
    return this.invoke(name, ctxId, args.length, args[0], args[1], args[2], args);
  }

  /**
   * callExport with at most three arguments passed as they are: a stream's callbacks take one to three,
   * and an arguments array per callback was a measurable part of the emulator's cost per request.
   */
  call3(name: string, ctxId: number, argc: 0 | 1 | 2 | 3, a = 0, b = 0, c = 0): CallOutcome {
    return this.invoke(name, ctxId, argc, a, b, c, null);
  }

  private invoke(name: string, ctxId: number, argc: number, a: number, b: number, c: number, args: number[] | null): CallOutcome {
    if (this.failed) return FAILED_OUTCOME;
    const fn = this.exports[name];
    if (!fn) return MISSING_OUTCOME;
    const current = this.current, effective = this.effective, callback = this.currentCallback;
    this.current = ctxId;
    this.effective = ctxId;
    this.currentCallback = name;
    this.begin();
    const rec: CallbackRecord | null = this.env.callbacksRecorded
      ? { worker: this.worker, vmLabel: this.label, name, args: args ?? [a, b, c].slice(0, argc), result: undefined } : null;
    if (rec) this.env.callback(rec);
    try {
      const v = argc === 0 ? fn() : argc === 1 ? fn(a) : argc === 2 ? fn(a, b) : argc === 3 ? fn(a, b, c) : fn(...args!);
      const result = typeof v === 'number' ? v >>> 0 : undefined;
      if (rec) rec.result = result;
      return result === undefined ? VOID_OUTCOME : result < 16 ? SMALL_OUTCOMES[result] : { ok: true, value: result, missing: false };
    } catch (e) {
      if (rec) rec.trapped = true;
      this.markFailed(e, name);
      return FAILED_OUTCOME;
    } finally {
      this.current = current;
      this.effective = effective;
      this.currentCallback = callback;
      this.end();
    }
  }

  /**
   * Host work as one "VM call" unit: begin(), then end() in a finally; deferred actions run when the
   * outermost unit ends. (enter() wraps a closure in the same; hot paths call these directly, no closure.)
   */
  begin(): void {
    this.depth++;
  }
  end(): void {
    this.depth--;
    if (this.depth === 0 && this.fifo.length) this.flush();
  }

  /** Run `work` as one "VM call" unit (begin/end around it). */
  enter<T>(work: () => T): T {
    this.begin();
    try {
      return work();
    } finally {
      this.end();
    }
  }

  /** Queue an action for after the current (outermost) VM call; runs now if the VM is idle. */
  defer(task: () => void): void {
    this.fifo.push(task);
    if (this.depth === 0) this.flush();
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.fifo.length) this.fifo.shift()!();
    } finally {
      this.flushing = false;
    }
  }

  markFailed(e: unknown, callback: string): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const first = !this.failed;
    this.failed = true;
    if (!first) return;
    this.failure = {
      worker: this.worker,
      vmLabel: this.label,
      callback,
      message: err.message,
      stack: err.stack ?? err.message,
    };
    this.env.trap(this.failure);
    this.env.log({
      level: 5, levelName: 'critical', message: `Wasm VM failed ${err.message}`,
      line: `wasm log: Function: ${callback} failed: ${err.message}`, contextId: this.current,
      worker: this.worker, vmLabel: this.label, emitted: true, source: 'host',
    });
    this.env.onVmFailed(this);
  }

  // ------------------------------------------------------------------ memory

  // Views over linear memory, re-made only when the memory grew (memory.buffer is replaced then):
  // making them per call cost more than most hostcalls' own work.
  private viewOf: ArrayBuffer | null = null;
  private u8 = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));
  private buf = Buffer.alloc(0) as NodeBuffer;

  private mem(): Uint8Array {
    // memory.grow detaches the old buffer (its views read length 0): only then look at memory.buffer.
    if (this.u8.length !== 0) return this.u8;
    const m = this.memory;
    if (!m) throw new OutOfBounds('module has no memory');
    const b = m.buffer;
    if (b !== this.viewOf) {
      this.viewOf = b;
      this.u8 = new Uint8Array(b);
      this.dv = new DataView(b);
      this.buf = Buffer.from(b) as NodeBuffer;
    }
    return this.u8;
  }
  /** All of linear memory after checking that [ptr, ptr+len) lies in it (for byte-wise reads in place). */
  memory8(ptr: number, len: number): Uint8Array {
    const m = this.mem();
    if ((ptr >>> 0) + (len >>> 0) > m.length) throw new OutOfBounds(`${ptr >>> 0}+${len >>> 0}`);
    return m;
  }
  pages(): number { return this.memory ? this.memory.buffer.byteLength / 65536 : 0; }

  check(ptr: number, len: number): void {
    ptr >>>= 0; len >>>= 0;
    if (ptr + len > this.mem().length) throw new OutOfBounds(`${ptr}+${len}`);
  }
  /** A copy of guest bytes (the caller may keep it). */
  read(ptr: number, len: number): Uint8Array {
    ptr >>>= 0; len >>>= 0;
    const m = this.mem();
    if (ptr + len > m.length) throw new OutOfBounds(`${ptr}+${len}`);
    return m.slice(ptr, ptr + len);
  }
  /** Guest bytes without a copy: valid only until the guest runs again (or memory grows). */
  view(ptr: number, len: number): Uint8Array {
    ptr >>>= 0; len >>>= 0;
    const m = this.mem();
    if (ptr + len > m.length) throw new OutOfBounds(`${ptr}+${len}`);
    return m.subarray(ptr, ptr + len);
  }
  /** Whether guest bytes [ptr, ptr+len) are the ASCII string s (compared in place; OutOfBounds as read()). */
  bytesAre(ptr: number, len: number, s: string): boolean {
    const m = this.memory8(ptr, len);
    ptr >>>= 0;
    if ((len >>> 0) !== s.length) return false;
    for (let i = 0; i < s.length; i++) if (m[ptr + i] !== s.charCodeAt(i)) return false;
    return true;
  }
  /** UTF-8 decode (invalid sequences → U+FFFD, as Buffer#toString). */
  readString(ptr: number, len: number): string {
    ptr >>>= 0; len >>>= 0;
    const m = this.mem();
    if (ptr + len > m.length) throw new OutOfBounds(`${ptr}+${len}`);
    return len === 0 ? '' : this.buf.utf8Slice(ptr, ptr + len);
  }
  /** One char per byte (lossless). */
  readLatin1(ptr: number, len: number): string {
    ptr >>>= 0; len >>>= 0;
    const m = this.mem();
    const end = ptr + len;
    if (end > m.length) throw new OutOfBounds(`${ptr}+${len}`);
    return len === 0 ? '' : this.buf.latin1Slice(ptr, end);
  }
  /**
   * readLatin1 for the short strings a guest sends again and again (header names and values it writes,
   * shared-data keys): a small direct-mapped table of recent strings, found by length and edge bytes and
   * compared in place, so a repeated string is neither decoded nor hashed again.
   */
  readInterned(ptr: number, len: number): string {
    const m = this.memory8(ptr, len);
    ptr >>>= 0; len >>>= 0;
    if (len === 0) return '';
    if (len > 64) return this.buf.latin1Slice(ptr, ptr + len);
    const slot = (len ^ m[ptr] ^ (m[ptr + len - 1] << 2)) & 31;
    const t = this.interned[slot];
    if (t.length === len) {
      let i = 0;
      while (i < len && m[ptr + i] === t.charCodeAt(i)) i++;
      if (i === len) return t;
    }
    return (this.interned[slot] = this.buf.latin1Slice(ptr, ptr + len));
  }
  private readonly interned: string[] = new Array<string>(32).fill('');
  /**
   * readString for short texts a guest sends again and again (local-reply details): an ASCII text reads
   * the same as UTF-8 and as latin1, so it goes through readInterned's table; anything else is decoded.
   */
  readRepeatedString(ptr: number, len: number): string {
    const m = this.memory8(ptr, len);
    const p = ptr >>> 0, n = len >>> 0;
    for (let i = 0; i < n; i++) if (m[p + i] >= 0x80) return this.readString(ptr, len);
    return this.readInterned(ptr, len);
  }
  write(ptr: number, bytes: Uint8Array): void {
    ptr >>>= 0;
    const m = this.mem();
    if (ptr + bytes.length > m.length) throw new OutOfBounds(`${ptr}+${bytes.length}`);
    m.set(bytes, ptr);
  }
  /** A latin1 string (one byte per char) into guest memory. */
  writeLatin1(ptr: number, s: string): void {
    ptr >>>= 0;
    const m = this.mem();
    const n = s.length;
    if (ptr + n > m.length) throw new OutOfBounds(`${ptr}+${n}`);
    if (n > 16) { this.buf.latin1Write(s, ptr, n); return; }
    for (let i = 0; i < n; i++) m[ptr + i] = s.charCodeAt(i);
  }
  writeU32(ptr: number, v: number): void {
    ptr >>>= 0;
    if (ptr + 4 > this.mem().length) throw new OutOfBounds(`${ptr}+4`);
    this.dv.setUint32(ptr, v >>> 0, true);
  }
  writeU64(ptr: number, v: bigint): void {
    ptr >>>= 0;
    if (ptr + 8 > this.mem().length) throw new OutOfBounds(`${ptr}+8`);
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, v), true);
  }

  /** Guest allocation through malloc / proxy_on_memory_allocate, restricted, VM context current. */
  alloc(size: number): number {
    const fn = this.allocFn ?? (this.allocFn = this.exports[this.env.allocator]);
    if (!fn) return 0;
    const current = this.current, effective = this.effective, restricted = this.restricted;
    this.current = 0;
    this.effective = 0;
    this.restricted = 'alloc';
    try {
      return (fn(size) as number) >>> 0;
    } catch (e) {
      this.markFailed(e, this.env.allocator);
      throw new HostTrap(`allocator trapped: ${e instanceof Error ? e.message : e}`);
    } finally {
      this.current = current;
      this.effective = effective;
      this.restricted = restricted;
    }
  }

  /** Return variable-length data to the guest: (0,0) when empty, else allocate + copy. */
  writeResult(ptrOut: number, sizeOut: number, bytes: Uint8Array): number {
    let p = 0;
    if (bytes.length > 0) {
      p = this.alloc(bytes.length);
      if (p === 0) return WasmResult.InvalidMemoryAccess;
      this.write(p, bytes);
    }
    this.writeU32(ptrOut, p);
    this.writeU32(sizeOut, bytes.length);
    return WasmResult.Ok;
  }

  /** writeResult for a header map in the pairs format, serialized straight into guest memory. */
  writeResultPairs(ptrOut: number, sizeOut: number, map: HeaderMap): number {
    const n = map.serializedSize();
    const p = this.alloc(n);
    if (p === 0) return WasmResult.InvalidMemoryAccess;
    const m = this.mem();
    if (p + n > m.length) throw new OutOfBounds(`${p}+${n}`);
    map.serializeTo(m, p);
    this.writeU32(ptrOut, p);
    this.writeU32(sizeOut, n);
    return WasmResult.Ok;
  }

  /** writeResult for a latin1 string (a header value) without making a byte array first. */
  writeResultLatin1(ptrOut: number, sizeOut: number, s: string): number {
    let p = 0;
    if (s.length > 0) {
      p = this.alloc(s.length);
      if (p === 0) return WasmResult.InvalidMemoryAccess;
      this.writeLatin1(p, s);
    }
    this.writeU32(ptrOut, p);
    this.writeU32(sizeOut, s.length);
    return WasmResult.Ok;
  }

  // ------------------------------------------------------------------ import wrapper

  /** Refuse a hostcall in a restricted phase or with no current context (both trap the guest). */
  private gate(key: string, proxy: boolean): void {
    if (this.restricted) {
      const allowed = this.restricted === 'start' ? START_ALLOWED_HOSTCALLS : ALLOCATOR_ALLOWED_HOSTCALLS;
      if (!allowed.has(key)) {
        throw new HostTrap(`restricted_callback: ${key} called during ${this.restricted === 'start' ? this.currentCallback : 'the allocator'}`);
      }
    }
    if (this.current === -1 && proxy) {
      // A wasm start section: cpp-host dereferences a null current context (§10.27) [inferred: trap].
      throw new HostTrap(`hostcall ${key} from a wasm start section (no current context)`);
    }
  }

  /**
   * Wrap a hostcall implementation: restricted phases, exceptions → status (OutOfBounds →
   * InvalidMemoryAccess / EFAULT, anything else → InternalFailure / ENOSYS; HostTrap traps the guest),
   * `{status, note}` results unwrapped, and a HostcallRecord when records are wanted. The untraced path
   * is one closure of the import's arity (no rest array, no record).
   */
  private wrap(key: string, impl: Function, voidResult: boolean, arity: number): Function {
    const name = key.slice(key.indexOf('.') + 1);
    const env = key.startsWith('env.');
    const proxy = key.startsWith('env.proxy_');
    const failed = (e: unknown): unknown => {
      if (e instanceof OutOfBounds) return voidResult ? undefined : env ? WasmResult.InvalidMemoryAccess : 21;
      if (e instanceof HostTrap) throw e;
      return voidResult ? undefined : env ? WasmResult.InternalFailure : 52;
    };
    const out = (r: unknown): unknown => {
      if (voidResult) return undefined;
      if (typeof r === 'object' && r !== null && 'status' in r) return (r as { status: number }).status;
      return r;
    };
    const traced = (...args: Array<number | bigint>) => {
      if (this.restricted !== null || this.current === -1) this.gate(key, proxy);
      const rec: HostcallRecord = {
        worker: this.worker, vmLabel: this.label, name, args, status: undefined, contextId: this.effective,
      };
      let r: unknown;
      try {
        r = impl(...args);
      } catch (e) {
        if (!(e instanceof OutOfBounds) && !(e instanceof HostTrap)) rec.note = `host error: ${e instanceof Error ? e.stack : e}`;
        r = failed(e);
      }
      if (!voidResult) rec.status = r as number;
      if (typeof r === 'object' && r && 'status' in r) {
        // impl returned {status, note}
        const o = r as { status: number; note?: string };
        rec.status = o.status;
        rec.note = o.note;
        r = o.status;
      }
      this.env.hostcall(rec);
      return voidResult ? undefined : r;
    };
    const vm = this;
    type A = number | bigint;
    switch (arity) {
      case 0: return () => {
        if (vm.env.hostcallsRecorded) return traced();
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl()); } catch (e) { return failed(e); }
      };
      case 1: return (a: A) => {
        if (vm.env.hostcallsRecorded) return traced(a);
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl(a)); } catch (e) { return failed(e); }
      };
      case 2: return (a: A, b: A) => {
        if (vm.env.hostcallsRecorded) return traced(a, b);
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl(a, b)); } catch (e) { return failed(e); }
      };
      case 3: return (a: A, b: A, c: A) => {
        if (vm.env.hostcallsRecorded) return traced(a, b, c);
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl(a, b, c)); } catch (e) { return failed(e); }
      };
      case 4: return (a: A, b: A, c: A, d: A) => {
        if (vm.env.hostcallsRecorded) return traced(a, b, c, d);
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl(a, b, c, d)); } catch (e) { return failed(e); }
      };
      case 5: return (a: A, b: A, c: A, d: A, e5: A) => {
        if (vm.env.hostcallsRecorded) return traced(a, b, c, d, e5);
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl(a, b, c, d, e5)); } catch (e) { return failed(e); }
      };
      case 6: return (a: A, b: A, c: A, d: A, e5: A, f: A) => {
        if (vm.env.hostcallsRecorded) return traced(a, b, c, d, e5, f);
        if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
        try { return out(impl(a, b, c, d, e5, f)); } catch (e) { return failed(e); }
      };
    }
    return (...args: A[]) => {
      if (vm.env.hostcallsRecorded) return traced(...args);
      if (vm.restricted !== null || vm.current === -1) vm.gate(key, proxy);
      try { return out(impl(...args)); } catch (e) { return failed(e); }
    };
  }
}

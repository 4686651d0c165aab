// Shared runtime types: plugin settings, contexts, records.
import type { PropertyValue } from '../abi/properties.ts';
import type { HeaderMap } from './headers.ts';
import type { HttpStream } from './http-stream.ts';

export type FailurePolicy = 'FAIL_CLOSED' | 'FAIL_OPEN' | 'FAIL_RELOAD';

/** What one root context was configured with (§9). */
export interface PluginInfo {
  name: string;
  rootId: string;
  vmId: string;
  vmConfig: Uint8Array;
  pluginConfig: Uint8Array;
  failurePolicy: FailurePolicy;
  allowOnHeadersStopIteration: boolean;
}

export interface RootCtx {
  kind: 'root';
  id: number;
  info: PluginInfo;
  canary: boolean;
  state: 'starting' | 'active' | 'draining' | 'pendingDone' | 'deleted';
  tickPeriodMs: number;
  timerId?: number;
  /** proxy_get_status: last status of the root (gRPC close / HTTP-call failure). */
  status: { code: number; message: string } | null;
  inConfigure: boolean;
  /** Inside proxy_on_http_call_response: maps 6/7, buffer 4. */
  httpCallResponse: { headers: HeaderMap; body: Uint8Array; trailers: HeaderMap } | null;
  /** Inside a gRPC callback: maps 4/5, buffer 5. */
  grpcCurrent: { initial?: HeaderMap; trailing?: HeaderMap; message?: Uint8Array } | null;
}

export interface StreamCtx {
  kind: 'http';
  id: number;
  root: RootCtx;
  stream: HttpStream;
  deleted: boolean;
}

export type Ctx = RootCtx | StreamCtx;

export interface LogEntry {
  level: number;
  levelName: string;
  message: string;
  /** Envoy's line: `wasm log<prefix>: <message>`. */
  line: string;
  contextId: number;
  worker: number; // -1 base VM, -2 canary, ≥0 worker
  vmLabel: string;
  /** false when below the configured log level (Envoy would not print it). */
  emitted: boolean;
  source: 'proxy_log' | 'stdout' | 'stderr' | 'host';
}

export interface HostcallRecord {
  worker: number;
  vmLabel: string;
  name: string;
  args: Array<number | bigint>;
  status: number | undefined;
  contextId: number;
  /** Decoded strings of interest (key, name, …) for diagnostics. */
  note?: string;
}

export interface CallbackRecord {
  worker: number;
  vmLabel: string;
  name: string;
  args: number[];
  result: number | undefined;
  trapped?: boolean;
}

export interface TrapInfo {
  worker: number;
  vmLabel: string;
  callback: string;
  message: string;
  stack: string;
}

/** Test/gateway supplied attributes: dotted path → value (see toPropertyValue). */
export type PropertyMap = Record<string, unknown>;
export type { PropertyValue };

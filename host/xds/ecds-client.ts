// ECDS subscription for the dev gateway: what Envoy does for an HTTP filter with `config_discovery`.
//
// Subscribes over SotW ADS (or the standalone ECDS service) to TypedExtensionConfig resources by name,
// unpacks each wasm filter's PluginConfig (the `configuration` string among it), hands the whole response
// to a callback, and ACKs (callback accepted) or NACKs with the callback's message (`error_detail`), as
// Envoy does when a plugin's configure fails: the caller keeps its last good config, and so does this
// client's `version`. Reconnects with jittered exponential backoff and resumes with the last accepted
// version, so an unchanged server does not resend. See README.md for the API.
import * as grpc from '@grpc/grpc-js';
import { anyToJson, decodeAny, nestedAny, type JsonObject } from './codec.ts';
import {
  adsService, ecdsService, STRING_VALUE_TYPE_URL, TypeUrl, WASM_TYPE_URL,
  type AnyMessage, type DiscoveryRequest, type DiscoveryResponse,
} from './protos.ts';

/** One TypedExtensionConfig as received. `wasm` is set when its typed_config is a wasm HTTP filter. */
export interface ExtensionConfig {
  name: string;
  typeUrl: string;
  wasm: WasmPluginConfig | null;
  /** the typed_config in proto3 JSON with its "@type" (snake_case names), as in an Envoy YAML file:
   *  what host/gateway's applyFilterConfig takes */
  typedConfig: JsonObject;
}

export interface WasmPluginConfig {
  /** PluginConfig.name */
  name: string;
  rootId: string;
  vmId: string;
  runtime: string;
  /** vm_config.code.local.filename, if the code is a local file */
  codeFilename: string | null;
  /** the plugin configuration: StringValue/BytesValue content (UTF-8), '' when absent */
  configuration: string;
  /** PluginConfig as decoded, for fields not lifted above */
  pluginConfig: JsonObject;
}

export interface EcdsUpdate {
  version: string;
  /** every resource of the response, by name */
  configs: Map<string, ExtensionConfig>;
}

export type EcdsDecision = { ok: true } | { ok: false; message: string };
export const accept = (): EcdsDecision => ({ ok: true });
export const reject = (message: string): EcdsDecision => ({ ok: false, message });

export type EcdsState = 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface EcdsClientOptions {
  /** `host:port` of the ADS/ECDS server */
  server: string;
  node: { id: string; cluster?: string; metadata?: Record<string, string> };
  /** ECDS resource names = the HttpFilter names with config_discovery (e.g. govstack.authz) */
  resourceNames: string[];
  /** 'ads' (default; StreamAggregatedResources) or 'ecds' (ExtensionConfigDiscoveryService) */
  transport?: 'ads' | 'ecds';
  credentials?: grpc.ChannelCredentials;
  /** Applies an update; return accept() to ACK or reject(message) to NACK. Errors thrown = reject. */
  onUpdate: (update: EcdsUpdate) => EcdsDecision | Promise<EcdsDecision>;
  onStateChange?: (state: EcdsState, detail?: string) => void;
  /** Only wasm filters are accepted, like Envoy's `type_urls: [...Wasm]` (default true). */
  wasmOnly?: boolean;
  backoff?: { initialMs?: number; maxMs?: number };
}

type Stream = grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

export class EcdsClient {
  private client: grpc.Client | null = null;
  private stream: Stream | null = null;
  private stopped = true;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private _version = '';
  private _configs = new Map<string, ExtensionConfig>();
  private _state: EcdsState = 'stopped';
  /** applies one response at a time, in order */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: EcdsClientOptions) {
    if (!opts.resourceNames.length) throw new Error('resourceNames: name at least one ECDS resource');
  }

  /** Last accepted version ('' before the first accepted update). */
  get version(): string {
    return this._version;
  }
  /** Last accepted configs by resource name. */
  get configs(): ReadonlyMap<string, ExtensionConfig> {
    return this._configs;
  }
  get state(): EcdsState {
    return this._state;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const Ctor = this.opts.transport === 'ecds' ? ecdsService() : adsService();
    this.client = new Ctor(this.opts.server, this.opts.credentials ?? grpc.credentials.createInsecure());
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.stream;
    this.stream = null;
    s?.cancel();
    this.client?.close();
    this.client = null;
    this.setState('stopped');
  }

  private setState(s: EcdsState, detail?: string): void {
    this._state = s;
    this.opts.onStateChange?.(s, detail);
  }

  private request(nonce: string, error?: string): DiscoveryRequest {
    const md = this.opts.node.metadata;
    return {
      version_info: this._version,
      node: {
        id: this.opts.node.id,
        cluster: this.opts.node.cluster ?? '',
        user_agent_name: 'proxy-wasm-assemblyscript-gateway',
        // google.protobuf.Value comes from protobufjs' built-in definitions: lowerCamel field names
        ...(md ? { metadata: { fields: Object.fromEntries(Object.entries(md).map(([k, v]) => [k, { stringValue: v }])) } } : {}),
      },
      resource_names: [...this.opts.resourceNames],
      type_url: TypeUrl.TypedExtensionConfig,
      response_nonce: nonce,
      ...(error !== undefined ? { error_detail: { code: grpc.status.INVALID_ARGUMENT, message: error } } : {}),
    };
  }

  private connect(): void {
    if (this.stopped || !this.client) return;
    this.setState('connecting');
    const method = this.opts.transport === 'ecds' ? 'StreamExtensionConfigs' : 'StreamAggregatedResources';
    const stream = (this.client as unknown as Record<string, () => Stream>)[method]();
    this.stream = stream;
    let done = false;
    const lost = (why: string) => {
      if (done) return;
      done = true;
      if (this.stream === stream) this.stream = null;
      if (!this.stopped) this.scheduleReconnect(why);
    };
    stream.on('data', (res: DiscoveryResponse) => {
      if (this.stream !== stream) return;
      this.attempt = 0;
      if (this._state !== 'connected') this.setState('connected');
      this.chain = this.chain.then(() => this.handle(stream, res));
    });
    stream.on('error', (e: grpc.ServiceError) => lost(`${grpc.status[e.code] ?? e.code}: ${e.details ?? e.message}`));
    stream.on('end', () => lost('stream ended by the server'));
    stream.on('status', (s: grpc.StatusObject) => lost(`${grpc.status[s.code]}: ${s.details}`));
    stream.write(this.request(''));
  }

  private scheduleReconnect(why: string): void {
    const initial = this.opts.backoff?.initialMs ?? 200;
    const max = this.opts.backoff?.maxMs ?? 10_000;
    const base = Math.min(max, initial * 2 ** this.attempt++);
    const delay = Math.round(base / 2 + Math.random() * (base / 2)); // jitter: spread reconnect storms
    this.setState('backoff', `${why}; reconnecting in ${delay} ms`);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private async handle(stream: Stream, res: DiscoveryResponse): Promise<void> {
    if (this.stream !== stream || this.stopped) return;
    let error: string | undefined;
    let update: EcdsUpdate | null = null;
    try {
      if (res.type_url !== TypeUrl.TypedExtensionConfig) throw new Error(`unexpected type_url ${JSON.stringify(res.type_url)}`);
      update = { version: res.version_info, configs: unpackResponse(res.resources, this.opts.wasmOnly ?? true) };
    } catch (e) {
      error = (e as Error).message;
    }
    if (update) {
      try {
        const d = await this.opts.onUpdate(update);
        if (!d.ok) error = d.message;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    if (this.stream !== stream) return; // the stream went away while applying: the reconnect reports the version
    if (error === undefined && update) {
      this._version = update.version;
      this._configs = new Map([...this._configs, ...update.configs]);
    }
    stream.write(this.request(res.nonce, error === undefined ? undefined : error || 'rejected'));
  }
}

/** Unpacks the resources of one ECDS response; throws with a message naming the resource and field. */
export function unpackResponse(resources: AnyMessage[], wasmOnly: boolean): Map<string, ExtensionConfig> {
  const out = new Map<string, ExtensionConfig>();
  resources.forEach((any, i) => {
    const where = `resources[${i}]`;
    if (any.type_url !== TypeUrl.TypedExtensionConfig) throw new Error(`${where}: type ${any.type_url} is not TypedExtensionConfig`);
    const tec = decodeAny(any);
    const name = String(tec.name ?? '');
    if (!name) throw new Error(`${where}.name: empty`);
    if (out.has(name)) throw new Error(`${where}.name: duplicate resource ${JSON.stringify(name)} in one response`);
    const inner = nestedAny(tec.typed_config);
    if (!inner) throw new Error(`${where} (${name}).typed_config: missing`);
    const isWasm = inner.type_url === WASM_TYPE_URL;
    if (!isWasm && wasmOnly) throw new Error(`${where} (${name}).typed_config: type ${inner.type_url} is not allowed (expected ${WASM_TYPE_URL})`);
    out.set(name, { name, typeUrl: inner.type_url, typedConfig: anyToJson(inner), wasm: isWasm ? wasmPlugin(decodeAny(inner), `${where} (${name}).typed_config`) : null });
  });
  return out;
}

function wasmPlugin(wasm: JsonObject, where: string): WasmPluginConfig {
  const pc = (wasm.config ?? {}) as JsonObject;
  const vm = (pc.vm_config ?? {}) as JsonObject;
  const local = ((vm.code as JsonObject | undefined)?.local ?? {}) as JsonObject;
  let configuration = '';
  const cfg = nestedAny(pc.configuration);
  if (cfg) {
    if (cfg.type_url === STRING_VALUE_TYPE_URL) configuration = String(decodeAny(cfg).value ?? '');
    else if (cfg.type_url === 'type.googleapis.com/google.protobuf.BytesValue') configuration = Buffer.from(String(decodeAny(cfg).value ?? ''), 'base64').toString('utf8');
    else throw new Error(`${where}.config.configuration: type ${cfg.type_url} is not supported (use google.protobuf.StringValue)`);
  }
  return {
    name: String(pc.name ?? ''),
    rootId: String(pc.root_id ?? ''),
    vmId: String(vm.vm_id ?? ''),
    runtime: String(vm.runtime ?? ''),
    codeFilename: typeof local.filename === 'string' ? local.filename : null,
    configuration,
    pluginConfig: pc,
  };
}

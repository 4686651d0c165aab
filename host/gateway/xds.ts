// config_discovery for real: one ECDS subscription (host/xds/ecds-client.ts) per config source of the
// gateway's filters — ADS (dynamic_resources.ads_config) or an api_config_source cluster — for the names
// of the HTTP filters that use it. Each update goes through Gateway.applyFilterConfig: every resource
// accepted → ACK; the first one a filter rejects → NACK with `<resource>: <reason>` (resources before it
// in the same response stay applied, their filters already run them; the client keeps its last ACKed
// version, so the server sees the NACK and can resend).
import protobuf from 'protobufjs';
import { resolveType } from '../envoy-config/protos.ts';
import type { Json } from '../envoy-config/yaml.ts';
import { EcdsClient, accept, reject, type ExtensionConfig, type EcdsState } from '../xds/ecds-client.ts';
import { anyToJson } from '../xds/codec.ts';
import type { Gateway } from './gateway.ts';

export interface EcdsSubscriptions {
  clients: EcdsClient[];
  stop(): void;
}

/** The decoded typed_config (protobufjs object form) back to proto3 JSON with its @type, as applyFilterConfig takes it. */
export function typedConfigJson(c: ExtensionConfig): Json {
  const t = resolveType(c.typeUrl.slice(c.typeUrl.lastIndexOf('/') + 1));
  if (!(t instanceof protobuf.Type)) throw new Error(`unknown type ${c.typeUrl}`);
  return anyToJson({ type_url: c.typeUrl, value: t.encode(t.fromObject(c.typedConfig)).finish() }) as Json;
}

/** Node metadata for the client: its string values (the client sends string metadata only). */
function stringMetadata(m: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

export function subscribeEcds(gw: Pick<Gateway, 'config' | 'applyFilterConfig'>, log: (line: string) => void): EcdsSubscriptions {
  const bySource = new Map<string, { cluster: string; transport: 'ads' | 'ecds'; names: Set<string> }>();
  for (const l of gw.config.listeners) {
    for (const f of l.hcm.httpFilters) {
      if (f.kind !== 'wasm' || !f.discovery) continue;
      const s = f.discovery.source;
      const cluster = 'ads' in s ? gw.config.ads!.cluster : s.cluster;
      const transport = 'ads' in s ? 'ads' : 'ecds';
      const key = `${transport}:${cluster}`;
      let e = bySource.get(key);
      if (!e) bySource.set(key, (e = { cluster, transport, names: new Set() }));
      e.names.add(f.discovery.resourceName);
    }
  }
  const node = gw.config.node ?? { id: 'dev-gateway', cluster: '', metadata: {} };
  const clients: EcdsClient[] = [];
  for (const src of bySource.values()) {
    const ep = gw.config.clusters.get(src.cluster)!.endpoints[0];
    const client = new EcdsClient({
      server: `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`,
      node: { id: node.id, cluster: node.cluster, metadata: stringMetadata(node.metadata) },
      resourceNames: [...src.names],
      transport: src.transport,
      onUpdate: (u) => {
        for (const [name, c] of u.configs) {
          if (!src.names.has(name)) continue; // not subscribed here: ignored, as Envoy does
          let json: Json;
          try { json = typedConfigJson(c); } catch (e) { return reject(`${name}: ${(e as Error).message}`); }
          const r = gw.applyFilterConfig(name, json, u.version);
          if (!r.ok) return reject(`${name}: ${r.error}`);
        }
        return accept();
      },
      onStateChange: (s: EcdsState, detail?: string) => log(`[gateway] ECDS ${src.transport} ${src.cluster}: ${s}${detail ? ` (${detail})` : ''}`),
    });
    client.start();
    clients.push(client);
  }
  return { clients, stop: () => { for (const c of clients) c.stop(); } };
}

// The xDS transport protos (SotW ADS and ECDS services, DiscoveryRequest/Response) as gRPC service
// definitions, and the Envoy resource type URLs. Shared by the ECDS client here and the policy-admin's
// ADS server, so both speak from the same .proto files: the ones @grpc/grpc-js-xds ships (the directory
// list comes from host/envoy-config/protos.ts, the one place that knows that package's internal layout).
//
// Loader options follow the usual grpc-js-xds settings: field names as in the .proto (snake_case),
// enums as names, 64-bit ints as strings, oneofs tell which member is set. `google.protobuf.Any` stays
// `{type_url, value: Buffer}` (no `json: true`): resources are encoded and decoded with the protobufjs
// root of host/envoy-config, which loads any Envoy type on demand.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_DIRS } from '../envoy-config/protos.ts';

export const TYPE_PREFIX = 'type.googleapis.com/';

/** xDS resource type URLs (the `type_url` of a DiscoveryRequest/Response and of each resource's Any). */
export const TypeUrl = {
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  TypedExtensionConfig: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig',
} as const;
export type XdsTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** The wasm HTTP filter's config type: what ECDS `type_urls` in an Envoy config names. */
export const WASM_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm';
export const STRING_VALUE_TYPE_URL = 'type.googleapis.com/google.protobuf.StringValue';

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: PROTO_DIRS,
};

// --------------------------------------------------------------------------- message shapes (as loaded)

export interface Node {
  id?: string;
  cluster?: string;
  metadata?: { fields?: Record<string, unknown> };
  user_agent_name?: string;
  user_agent_version?: string;
  [k: string]: unknown;
}
export interface AnyMessage {
  type_url: string;
  value: Buffer | Uint8Array;
}
export interface RpcStatus {
  code?: number;
  message?: string;
}
export interface DiscoveryRequest {
  version_info?: string;
  node?: Node | null;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: RpcStatus | null;
}
export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

let loaded: grpc.GrpcObject | null = null;

/** The loaded gRPC package object (services are constructors carrying `.service`). */
export function xdsGrpcObject(): grpc.GrpcObject {
  if (!loaded) {
    const def = protoLoader.loadSync(
      ['envoy/service/discovery/v3/ads.proto', 'envoy/service/extension/v3/config_discovery.proto'],
      LOADER_OPTIONS,
    );
    loaded = grpc.loadPackageDefinition(def);
  }
  return loaded;
}

function serviceCtor(path: string): grpc.ServiceClientConstructor {
  let o: unknown = xdsGrpcObject();
  for (const part of path.split('.')) o = (o as Record<string, unknown>)[part];
  if (typeof o !== 'function') throw new Error(`xDS protos: service ${path} not found`);
  return o as grpc.ServiceClientConstructor;
}

/** envoy.service.discovery.v3.AggregatedDiscoveryService (StreamAggregatedResources = SotW ADS). */
export const adsService = (): grpc.ServiceClientConstructor => serviceCtor('envoy.service.discovery.v3.AggregatedDiscoveryService');
/** envoy.service.extension.v3.ExtensionConfigDiscoveryService (standalone ECDS). */
export const ecdsService = (): grpc.ServiceClientConstructor => serviceCtor('envoy.service.extension.v3.ExtensionConfigDiscoveryService');

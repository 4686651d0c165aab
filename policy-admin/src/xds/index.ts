// The policy-admin's xDS side: snapshots per security server, the ADS/ECDS gRPC server, node status,
// the distribution API, and publishRevision (compiled revision → snapshots). See README.md here.
export { SnapshotCache, RevisionOrderError, securityServerResolver, type NodeGroupResolver } from './cache.ts';
export { buildSnapshot, SnapshotError, PUSH_ORDER, type Snapshot, type SnapshotInput } from './snapshot.ts';
export { XdsServer, type XdsServerOptions } from './server.ts';
export { InMemoryNodeStatus, type NodeStatus, type NodeStatusSink, type NodeStatusView, type NackRecord } from './status.ts';
export { revisionRollout, type RevisionRollout } from './rollout.ts';
export { distributionRoutes, type DistributionRoutesOptions } from './routes.ts';
export {
  publishRevision, wasmExtensionConfig, DEFAULT_WASM_FILTERS,
  type CompiledRevision, type CompiledSecurityServer, type WasmFilterSpec, type PublishResult,
} from './publish.ts';
export { TypeUrl } from '../../../host/xds/protos.ts';

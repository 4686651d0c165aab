// The compiler's input: a revision's content as the repository hands it out (policy-admin/src/model).
export type {
  AccessRight, BlockRule, CertRef, ConnectionType, Endpoint, Group, Instance, Member, PolicySnapshot,
  RevisionContent, RequestIdPolicy, RoutingRule, RuleMode, SecurityServer, Service, ServiceDescription,
  SnapshotSource, Subsystem,
} from '../model/snapshot.ts';

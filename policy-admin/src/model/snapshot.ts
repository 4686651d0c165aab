/**
 * The content of one policy revision, as plain data.
 *
 * A `PolicySnapshot` is everything a revision holds: the X-Road identity registry (instances, member classes,
 * members, subsystems, security servers), services with their endpoints, local and global groups, access rights
 * (with our extensions), block rules and the traffic policy (rate limits, routing, request id). It is what the
 * compiler turns into per-security-server filter configs and what the what-if evaluator runs on, so it is the
 * contract between the repository (policy-admin/src/db, src/repo) and policy-admin/src/compiler, src/evaluate,
 * src/xds. The shapes follow the reference data model (shared/reference/govstack-security-server.md §E).
 *
 * Rules every snapshot obeys (the repository guarantees them):
 * - Plain JSON data only (no Date, no undefined-valued keys, no Map): `JSON.parse(JSON.stringify(s))` is `s`.
 *   Optional fields are absent, never `null`, unless the type says `| null`.
 * - Every array of entities is sorted by `id` (JavaScript string order, `a < b`), so two snapshots with the same
 *   content are deep-equal and serialise the same way.
 * - Ids use X-Road's admin-API colon form: members `INSTANCE:CLASS:MEMBER`, subsystems (clients)
 *   `INSTANCE:CLASS:MEMBER:SUBSYSTEM`, services `INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE`, global groups
 *   `INSTANCE:GROUPCODE`, security servers `INSTANCE:CLASS:MEMBER:SERVERCODE`. Local groups, endpoints and service
 *   descriptions have numeric string ids ("12"), as X-Road's admin API gives them.
 * - References are resolved at write time: every id a snapshot mentions (subsystem, service code, endpoint,
 *   group...) exists in the same snapshot. The compiler may rely on it.
 * - Timestamps are RFC 3339 UTC strings (`2026-12-31T23:59:59Z` or with milliseconds).
 *
 * The content hash of a revision (`sha256` in {@link SnapshotSource}) is {@link contentSha256} of its snapshot;
 * the repository maintains it incrementally (see policy-admin/src/model/content-hash.ts), and the two agree.
 */

// ---------- shared ----------

/** A certificate the policy refers to, by the SHA-256 digest of its DER encoding (lower-case hex, no separators). */
export interface CertRef {
  sha256: string;
  subject?: string;
  sans?: string[];
  notAfter?: string;
  status: 'ACTIVE' | 'REVOKED';
}

/** HTTP methods an endpoint or a routing match may name; `*` = any. */
export type Method = '*' | 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'TRACE';
export const METHODS: readonly Method[] = ['*', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'];

/** ENFORCE applies a rule; DRY_RUN only logs/counts what it would have done (authz `mode`). */
export type RuleMode = 'ENFORCE' | 'DRY_RUN';

// ---------- identity registry ----------

export interface Instance {
  id: string; // e.g. "DEV"
  name: string;
  /** Request headers that carry the client id (X-Road-Client and its GovStack aliases). */
  clientHeaderNames: string[];
}

export interface MemberClass {
  id: string; // INSTANCE:CODE
  instanceId: string;
  code: string; // GOV, COM, NGO, PRI...
  description: string;
}

export interface Member {
  id: string; // INSTANCE:CLASS:CODE
  instanceId: string;
  memberClass: string;
  memberCode: string;
  name: string;
  status: 'REGISTERED' | 'DISABLED';
  /**
   * X-Road lets the member itself be a client (`PATCH /clients/INSTANCE:CLASS:CODE {connection_type}`, which
   * GovStack's playbook sends). Kept for that API; only subsystems call services here, so no filter reads it.
   */
  connectionType?: ConnectionType;
}

/** X-Road client status (admin API `ClientStatus`). */
export type ClientStatus = 'SAVED' | 'REGISTRATION_IN_PROGRESS' | 'REGISTERED' | 'DISABLED' | 'DELETION_IN_PROGRESS';
/** How the consumer's information system connects to its security server (admin API `ConnectionType`). */
export type ConnectionType = 'HTTP' | 'HTTPS_NO_AUTH' | 'HTTPS';

/** A subsystem = an X-Road client (GovStack "application"). */
export interface Subsystem {
  id: string; // INSTANCE:CLASS:MEMBER:SUBSYSTEM
  memberId: string;
  subsystemCode: string;
  name: string;
  status: ClientStatus;
  connectionType: ConnectionType;
  /** Information-system TLS certificates allowed to act as this client (the authz filter's `peers`). */
  isTlsCerts: CertRef[];
  /** Security servers this client is registered on (consumer and/or provider side), sorted. */
  securityServerIds: string[];
  messageLogMode: 'FULL' | 'METADATA' | 'NONE';
}

export interface SecurityServer {
  id: string; // INSTANCE:CLASS:MEMBER:SERVERCODE
  ownerMemberId: string;
  serverCode: string;
  address: string;
  /** Authentication certificates: peer identity for SS↔SS mTLS. */
  authCerts: CertRef[];
  /** Envoy `node.id`s bound to this security server (the xDS server maps a node to its server by these). */
  xdsNodeIds: string[];
  labels: Record<string, string>;
}

// ---------- services ----------

export interface ServiceDescription {
  id: string; // numeric string
  subsystemId: string;
  type: 'OPENAPI3' | 'REST';
  url: string;
  disabled: boolean;
  /** Returned to callers while disabled (X-Road `disabled_notice`). */
  disabledNotice?: string;
}

/**
 * An endpoint (X-Road `BaseEndpoint`). Path is an X-Road glob anchored at both ends: `*` = any run inside one
 * segment, `**` = anything including `/`. The "base endpoint" (method `*`, path `**`) stands for the whole service;
 * a right on it is a service-level right. Every service has exactly one base endpoint.
 */
export interface Endpoint {
  id: string; // numeric string
  method: Method;
  path: string;
  /** true = generated from an OpenAPI description (read-only in the API). */
  generated: boolean;
}

export interface Service {
  id: string; // INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE
  subsystemId: string; // the provider
  serviceCode: string;
  serviceDescriptionId: string;
  title?: string;
  upstreamUrl: string;
  timeoutSeconds: number;
  verifyUpstreamTls: boolean;
  /** Copied from the service description: disabled services answer with the notice. */
  disabled: boolean;
  disabledNotice?: string;
  /** Sorted by id; the base endpoint included. */
  endpoints: Endpoint[];
}

// ---------- access control ----------

/** Who a right or rule is about. A MEMBER subject is a member-level client id (REST allows it). */
export type SubjectRef =
  | { type: 'SUBSYSTEM'; id: string }
  | { type: 'MEMBER'; id: string }
  | { type: 'GLOBALGROUP'; id: string }
  | { type: 'LOCALGROUP'; id: string };

export interface Group {
  id: string; // GLOBAL: INSTANCE:CODE; LOCAL: numeric string
  kind: 'GLOBAL' | 'LOCAL';
  code: string;
  description: string;
  /** LOCAL only: the client owning the group; usable only for that client's services. */
  ownerSubsystemId?: string;
  /** Client ids (subsystem or member form), sorted. */
  members: string[];
}

/**
 * An allow-list entry (X-Road semantics: default deny, no deny rules). Its id is derived from
 * (provider, serviceCode, endpointId, subject), so one subject has at most one right per endpoint.
 */
export interface AccessRight {
  id: string;
  providerSubsystemId: string;
  serviceCode: string;
  /** The service's base endpoint id ⇒ service-level right. */
  endpointId: string;
  subject: SubjectRef;
  /** Extensions beyond X-Road (absent in X-Road's API): shadow grants, time boxes, agreement evidence. */
  mode: RuleMode;
  validFrom?: string;
  validUntil?: string;
  agreementRef?: string;
  grantedBy: string;
  grantedAt: string;
}

/** Emergency deny that overrides allows (extension beyond X-Road). Absent provider/service = all. */
export interface BlockRule {
  id: string;
  subject: SubjectRef | { type: 'ANY' };
  providerSubsystemId?: string;
  serviceCode?: string;
  reason: string;
  mode: RuleMode;
  expiresAt?: string;
}

// ---------- traffic policy ----------

export interface RateLimitPolicy {
  id: string;
  name: string;
  target: { providerSubsystemId: string; serviceCode?: string; endpointId?: string };
  per: 'EACH_CLIENT' | 'ALL_CLIENTS' | { subject: SubjectRef };
  unit: 'second' | 'minute' | 'hour' | 'day';
  requestsPerUnit: number;
  burst?: number;
  enforcement: 'LOCAL_PER_PROXY' | 'LOCAL_SPLIT' | 'GLOBAL';
  mode: 'ENFORCE' | 'SHADOW';
  failureMode: 'FAIL_OPEN' | 'FAIL_CLOSED';
}

/**
 * One condition of a routing rule, in the header-routing filter's own vocabulary
 * (filters/header-routing/config.schema.json `$defs.condition`): exactly one operator.
 */
export interface RoutingCondition {
  source: 'header' | 'query' | 'method' | 'path' | 'client_id' | 'service_id' | 'authority' | 'route_name';
  name?: string;
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  glob?: string;
  present?: true;
  absent?: true;
  ignore_case?: boolean;
  invert?: boolean;
}

/** One action of a routing rule (header-routing `$defs.action`, validated against that schema on write). */
export type RoutingAction =
  | { type: 'route'; cluster: string }
  | { type: 'split'; clusters: { cluster: string; weight: number }[]; hash_on?: 'random' | 'header' | 'request_id'; header?: string }
  | { type: 'add_header' | 'set_header'; name: string; value: string }
  | { type: 'remove_header'; name: string }
  | { type: 'rename_header'; from: string; to: string }
  | { type: 'rewrite_prefix'; prefix: string; replacement: string }
  | { type: 'set_authority'; value: string };

/** A header-routing rule scoped to a provider service; rules of one target apply in ascending `priority`, then id. */
export interface RoutingRule {
  id: string;
  /** Becomes the filter's rule `name` ([A-Za-z0-9_-]{1,64}). */
  name: string;
  target: { providerSubsystemId: string; serviceCode?: string };
  priority: number;
  match: RoutingCondition[];
  actions: RoutingAction[];
}

/** The request-id filter's settings (filters/request-id/config.schema.json), one policy for the whole fleet. */
export interface RequestIdPolicy {
  id: 'default';
  headerName: string;
  maxLength: number;
  keepIncoming: boolean;
  echoRequestId: boolean;
  traceContext: boolean;
  echoTraceparent: boolean;
  sampleRate: number;
  xRoadHeaders: boolean;
  trustXRoadId: boolean;
}

// ---------- the snapshot ----------

export const SNAPSHOT_FORMAT = 1 as const;

export interface PolicySnapshot {
  format: typeof SNAPSHOT_FORMAT;
  instances: Instance[];
  memberClasses: MemberClass[];
  members: Member[];
  subsystems: Subsystem[];
  securityServers: SecurityServer[];
  serviceDescriptions: ServiceDescription[];
  services: Service[];
  groups: Group[];
  accessRights: AccessRight[];
  blockRules: BlockRule[];
  rateLimitPolicies: RateLimitPolicy[];
  routingRules: RoutingRule[];
  /** null = no policy set (the compiler uses the filter's defaults). */
  requestIdPolicy: RequestIdPolicy | null;
}

/** The entity collections of a snapshot (every key whose value is an id-sorted array). */
export type EntityKind = Exclude<keyof PolicySnapshot, 'format' | 'requestIdPolicy'> | 'requestIdPolicy';
export const ENTITY_KINDS: readonly EntityKind[] = [
  'instances', 'memberClasses', 'members', 'subsystems', 'securityServers', 'serviceDescriptions', 'services',
  'groups', 'accessRights', 'blockRules', 'rateLimitPolicies', 'routingRules', 'requestIdPolicy',
];

export function emptySnapshot(): PolicySnapshot {
  return {
    format: SNAPSHOT_FORMAT, instances: [], memberClasses: [], members: [], subsystems: [], securityServers: [],
    serviceDescriptions: [], services: [], groups: [], accessRights: [], blockRules: [], rateLimitPolicies: [],
    routingRules: [], requestIdPolicy: null,
  };
}

// ---------- how the others read it ----------

/** A committed revision's content. */
export interface RevisionContent {
  rev: number;
  /** contentSha256 of `content` (lower-case hex). Equal content ⇒ equal hash (a rollback repeats an old hash). */
  sha256: string;
  content: PolicySnapshot;
}

/**
 * Read access to revisions for the compiler, evaluator and xDS server. Implemented by the repository
 * (policy-admin/src/repo/snapshot-source.ts); handed to plugins by `buildApp` as `app.policy.snapshots`.
 */
export interface SnapshotSource {
  /** The content of revision `rev`, or of the head revision when omitted. Rejects with NotFoundError for an unknown rev. */
  snapshot(rev?: number): Promise<RevisionContent>;
  /** The head revision number and its hash, without loading the content (cheap; for ETags and polling). */
  head(): Promise<{ rev: number; sha256: string }>;
}

export { contentSha256, canonicalJson } from './content-hash.ts';

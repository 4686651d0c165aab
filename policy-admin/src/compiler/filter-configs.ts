// The filters' configuration shapes, field for field as their JSON Schemas define them
// (filters/*/config.schema.json; tests validate every compiled config against those files).
// Only the fields the compiler writes are listed; everything else keeps the filter's default.

export interface AuthzConfig {
  rev: number;
  sha256: string;
  instance: string;
  clientHeaders?: string[];
  clients: Record<string, { connectionType: 'HTTP' | 'HTTPS' | 'HTTPS_NOAUTH'; certs?: string[] }>;
  peers: Record<string, string[]>;
  groups: Record<string, string[]>;
  providers: Record<string, Record<string, AuthzService>>;
  blocks: AuthzBlock[];
}
export interface AuthzService {
  disabledNotice: string | null;
  endpoints: Array<{ id: string; m: string; p: string }>;
  rights: AuthzRight[];
}
export interface AuthzRight {
  id: string; ep: string; clients?: string[]; groups?: string[];
  mode: 'ENFORCE' | 'DRY_RUN'; notBefore?: string; notAfter?: string; agreementRef?: string;
}
export interface AuthzBlock {
  id: string; subject: { type: 'ANY' | 'SUBSYSTEM' | 'MEMBER' | 'GLOBALGROUP' | 'LOCALGROUP'; id?: string };
  providerSubsystemId?: string; serviceCode?: string; reason: string; mode: 'ENFORCE' | 'DRY_RUN'; expiresAt?: string;
}

// The model stores routing conditions and actions in the header-routing filter's own vocabulary.
export type { RoutingCondition, RoutingAction } from '../model/snapshot.ts';
import type { RoutingCondition, RoutingAction } from '../model/snapshot.ts';
export interface HeaderRoutingConfig {
  route_header?: string;
  client_id_header?: string;
  default_cluster?: string;
  rules: Array<{ name: string; match: RoutingCondition[]; actions: RoutingAction[] }>;
}

export interface RequestIdConfig {
  header_name?: string; max_length?: number; keep_incoming?: boolean; echo_request_id?: boolean;
  trace_context?: boolean; echo_traceparent?: boolean; sample_rate?: number;
  x_road_headers?: boolean; trust_x_road_id?: boolean;
}

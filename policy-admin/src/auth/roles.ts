/**
 * Admin roles (X-Road UG-SS §2.1 plus a separate approver, reference §C.6) and the optional scope of a key
 * (GovStack §6.1 levels: a member or one subsystem).
 */
export const ROLES = [
  'SYSTEM_ADMINISTRATOR', 'SECURITY_OFFICER', 'REGISTRATION_OFFICER', 'SERVICE_ADMINISTRATOR', 'POLICY_APPROVER', 'OBSERVER',
] as const;
export type Role = (typeof ROLES)[number];

/** X-Road's role names (POST /api/v1/api-keys takes them), mapped to ours so GovStack's playbooks work unchanged. */
export const XROAD_ROLE_NAMES: Record<string, Role> = {
  XROAD_SYSTEM_ADMINISTRATOR: 'SYSTEM_ADMINISTRATOR',
  XROAD_SECURITY_OFFICER: 'SECURITY_OFFICER',
  XROAD_REGISTRATION_OFFICER: 'REGISTRATION_OFFICER',
  XROAD_SERVICE_ADMINISTRATOR: 'SERVICE_ADMINISTRATOR',
  XROAD_SECURITYSERVER_OBSERVER: 'OBSERVER',
};
export const XROAD_NAME_OF: Record<Role, string> = {
  SYSTEM_ADMINISTRATOR: 'XROAD_SYSTEM_ADMINISTRATOR', SECURITY_OFFICER: 'XROAD_SECURITY_OFFICER',
  REGISTRATION_OFFICER: 'XROAD_REGISTRATION_OFFICER', SERVICE_ADMINISTRATOR: 'XROAD_SERVICE_ADMINISTRATOR',
  OBSERVER: 'XROAD_SECURITYSERVER_OBSERVER', POLICY_APPROVER: 'POLICY_APPROVER',
};

export function parseRole(name: string): Role | undefined {
  if ((ROLES as readonly string[]).includes(name)) return name as Role;
  return XROAD_ROLE_NAMES[name];
}

/** Which roles may do what. Reads are open to every role. */
export const PERMISSIONS = {
  read: [...ROLES],
  /** Members, subsystems (clients) and their registration. */
  registry: ['SYSTEM_ADMINISTRATOR', 'REGISTRATION_OFFICER'],
  /** Instances, member classes, security servers, global groups: fleet-wide configuration. */
  fleet: ['SYSTEM_ADMINISTRATOR'],
  /** Certificates: IS TLS certs of clients, auth certs of security servers. */
  certificates: ['SYSTEM_ADMINISTRATOR', 'SECURITY_OFFICER'],
  /** Services, endpoints, access rights, local groups, block rules, traffic policy. */
  services: ['SYSTEM_ADMINISTRATOR', 'SERVICE_ADMINISTRATOR'],
  /** Block rules (emergency deny) may also be set by the security officer. */
  blocks: ['SYSTEM_ADMINISTRATOR', 'SERVICE_ADMINISTRATOR', 'SECURITY_OFFICER'],
  /** Rollback to an earlier revision. */
  revisions: ['SYSTEM_ADMINISTRATOR', 'POLICY_APPROVER'],
  /** API keys. */
  keys: ['SYSTEM_ADMINISTRATOR'],
  /** Reading and exporting the audit log. */
  audit: ['SYSTEM_ADMINISTRATOR', 'SECURITY_OFFICER'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export interface KeyScope { memberId?: string; subsystemId?: string }

/** Is client/member id `target` inside `scope`? An unscoped key covers everything. */
export function inScope(scope: KeyScope, target: string | undefined): boolean {
  if (!scope.memberId && !scope.subsystemId) return true;
  if (target === undefined) return false; // fleet-wide resources need an unscoped key
  if (scope.subsystemId) return target === scope.subsystemId;
  return target === scope.memberId || target.startsWith(scope.memberId + ':');
}

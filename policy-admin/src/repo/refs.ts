/**
 * The two indexed reference columns of an entity row (entities.ref1/ref2), so lists like "rights of this
 * provider" or "rights of this subject" are index lookups instead of parsing every entity's JSON.
 */
import type { EntityKind } from '../model/snapshot.ts';

export function refsOf(kind: EntityKind, e: any): [string | null, string | null] {
  switch (kind) {
    case 'accessRights': return [e.providerSubsystemId, e.subject?.id ?? null];
    case 'services': return [e.subsystemId, null];
    case 'serviceDescriptions': return [e.subsystemId, null];
    case 'subsystems': return [e.memberId, null];
    case 'members': return [e.instanceId, null];
    case 'memberClasses': return [e.instanceId, null];
    case 'groups': return [e.ownerSubsystemId ?? null, e.kind];
    case 'blockRules': return [e.providerSubsystemId ?? null, e.subject?.id ?? null];
    case 'rateLimitPolicies': return [e.target?.providerSubsystemId ?? null, null];
    case 'routingRules': return [e.target?.providerSubsystemId ?? null, null];
    case 'securityServers': return [e.ownerMemberId, null];
    default: return [null, null];
  }
}

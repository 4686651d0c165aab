/** X-Road identifiers in colon form (admin API), checked with the character set the authz filter accepts. */
import { badRequest } from '../http/errors.ts';

const PART = /^[A-Za-z0-9'()+,\-.=?_]+$/;

export interface ClientIdParts { instance: string; memberClass: string; memberCode: string; subsystemCode?: string }

export function parseClientId(id: string, field: string, opts: { subsystemOnly?: boolean } = {}): ClientIdParts {
  const parts = id.split(':');
  if ((parts.length !== 3 && parts.length !== 4) || !parts.every((p) => PART.test(p)) || (opts.subsystemOnly && parts.length !== 4)) {
    throw badRequest(field, opts.subsystemOnly
      ? 'expected a subsystem id INSTANCE:CLASS:MEMBER:SUBSYSTEM'
      : 'expected a client id INSTANCE:CLASS:MEMBER[:SUBSYSTEM]', 'invalid_identifier');
  }
  return { instance: parts[0], memberClass: parts[1], memberCode: parts[2], subsystemCode: parts[3] };
}

export const memberIdOf = (p: ClientIdParts) => `${p.instance}:${p.memberClass}:${p.memberCode}`;

/** INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE → provider subsystem + service code. */
export function parseServiceId(id: string, field: string): { subsystemId: string; serviceCode: string } {
  const parts = id.split(':');
  if (parts.length !== 5 || !parts.every((p) => PART.test(p))) {
    throw badRequest(field, 'expected a service id INSTANCE:CLASS:MEMBER:SUBSYSTEM:SERVICECODE', 'invalid_identifier');
  }
  return { subsystemId: parts.slice(0, 4).join(':'), serviceCode: parts[4] };
}

export function checkPart(value: string, field: string) {
  if (!PART.test(value)) throw badRequest(field, "only A-Z a-z 0-9 ' ( ) + , - . = ? _ allowed", 'invalid_identifier');
}

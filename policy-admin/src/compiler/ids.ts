// X-Road identifiers: colon form (admin API, configs) ↔ wire form (slashes, each part percent-encoded,
// as in /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICECODE} and the X-Road-Client header).
import { CompileError } from './errors.ts';

const PART = /^[A-Za-z0-9'()+,\-.=?]+$/;

export function idParts(id: string, field: string, min = 3, max = 4): string[] {
  const parts = id.split(':');
  if (parts.length < min || parts.length > max || !parts.every((p) => PART.test(p))) {
    throw new CompileError(field, `"${id}" is not an X-Road identifier (${min === max ? min : `${min}–${max}`} parts of A-Z a-z 0-9 ' ( ) + , - . = ?)`);
  }
  return parts;
}

/** Wire form of one part, as clients put it in /r1/ paths: of the X-Road character set only '?' must be
 *  escaped in a URL path (' ( ) + , = are path characters, RFC 3986 sub-delims). */
export const wirePart = (p: string): string => p.replace(/\?/g, '%3F');

/** "DEV:GOV:1001:reg" → "DEV/GOV/1001/reg" as sent in a path ('?' escaped). */
export const wireForm = (colonId: string): string => colonId.split(':').map(wirePart).join('/');

/** "DEV:GOV:1001:reg" → "DEV/GOV/1001/reg" decoded: the authz filter's verified client header and the
 *  header-routing filter's service_id subject. */
export const slashForm = (colonId: string): string => colonId.split(':').join('/');

/** The security server's X-Road instance (first part of its id). */
export const instanceOf = (id: string): string => id.split(':')[0];

/** "sha256/<64 lower-case hex>" for the filters' certRef, from a digest with or without ':' separators. */
export function certRef(sha256: string, field: string): string {
  const hex = sha256.replace(/^sha256\//i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new CompileError(field, `"${sha256}" is not a SHA-256 digest (64 hex digits)`);
  return `sha256/${hex}`;
}

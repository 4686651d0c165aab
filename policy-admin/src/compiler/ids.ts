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

/** Wire form of one part: '?' is the only character of the X-Road set that a URL path must escape;
 *  encodeURIComponent also escapes ' ( ) which is allowed and harmless. */
export const wirePart = (p: string): string => encodeURIComponent(p);

/** "DEV:GOV:1001:reg" → "DEV/GOV/1001/reg" (parts percent-encoded). */
export const wireForm = (colonId: string): string => colonId.split(':').map(wirePart).join('/');

/** The security server's X-Road instance (first part of its id). */
export const instanceOf = (id: string): string => id.split(':')[0];

/** "sha256/<64 lower-case hex>" for the filters' certRef, from a digest with or without ':' separators. */
export function certRef(sha256: string, field: string): string {
  const hex = sha256.replace(/^sha256\//i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new CompileError(field, `"${sha256}" is not a SHA-256 digest (64 hex digits)`);
  return `sha256/${hex}`;
}

// Deterministic serialisation and hashing: the model's own canonical JSON (keys sorted, no whitespace),
// so the compiled configs' bytes — their sha256, the bundle ETag and the xDS version r{rev}-{sha8} —
// depend only on the snapshot.
export { canonicalJson, sha256hex } from '../model/content-hash.ts';

/** Code-unit string comparison (locale-independent, the order the snapshot's arrays use). */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

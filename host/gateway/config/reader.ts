// Walking Envoy's proto3-JSON (after host/envoy-config validated it) with the dev gateway's subset in
// mind: every object is read through `fields`, which lists the keys the gateway understands there, so
// anything else — valid Envoy, but not something the gateway would honour — is an error naming its
// path instead of being silently ignored. Keys may be snake_case or lowerCamel (proto3 JSON allows
// both; the validator already rejected a field given both ways).
import { isAbsolute, resolve } from 'node:path';
import type { Json } from '../../envoy-config/yaml.ts';

export type Obj = { [k: string]: Json };

export class ConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`dev gateway: invalid config:\n  ${errors.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects errors; every reader method returns a usable default after an error so all are reported. */
export class Reader {
  readonly errors: string[] = [];
  constructor(private readonly fileOpts: { baseDir?: string; files?: Record<string, string> } = {}) {}

  /** A `filename` from the config → the path to read (relative names: against baseDir, as Envoy uses its cwd). */
  resolveFile(name: string): string {
    const mapped = this.fileOpts.files?.[name];
    if (mapped !== undefined) return resolve(this.fileOpts.baseDir ?? process.cwd(), mapped);
    return isAbsolute(name) ? name : resolve(this.fileOpts.baseDir ?? process.cwd(), name);
  }

  error(path: string, message: string): void { this.errors.push(`${path}: ${message}`); }

  /** The object at `path` with snake_case keys; keys not in `allowed` are reported (null values are unset fields). */
  fields(v: Json | undefined, path: string, allowed: readonly string[]): Obj {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) { this.error(path, 'expected an object'); return {}; }
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) {
      if (val === null) continue;
      const s = k === '@type' ? k : snake(k);
      if (!allowed.includes(s)) {
        this.error(path ? `${path}.${s}` : s, `not supported by the dev gateway (supported here: ${allowed.join(', ')})`);
        continue;
      }
      out[s] = val;
    }
    return out;
  }

  list(v: Json | undefined, path: string): Json[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) { this.error(path, 'expected a list'); return []; }
    return v;
  }

  str(v: Json | undefined, path: string, dflt = ''): string {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string') { this.error(path, 'expected a string'); return dflt; }
    return v;
  }

  bool(v: Json | undefined, path: string, dflt = false): boolean {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') { this.error(path, 'expected a bool'); return dflt; }
    return v;
  }

  /** Integers arrive as numbers or decimal strings (64-bit fields). */
  int(v: Json | undefined, path: string, dflt = 0): number {
    if (v === undefined || v === null) return dflt;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) { this.error(path, 'expected an integer'); return dflt; }
    return n;
  }

  /** google.protobuf.Duration in JSON ("1.5s") → ms. */
  durationMs(v: Json | undefined, path: string, dflt: number): number {
    if (v === undefined || v === null) return dflt;
    const m = typeof v === 'string' ? /^(-?\d+(?:\.\d+)?)s$/.exec(v) : null;
    if (!m) { this.error(path, 'expected a duration like "1.5s"'); return dflt; }
    return Math.round(Number(m[1]) * 1000);
  }

  /** Only the listed enum values are honoured (others are valid Envoy but behave differently). */
  oneOf<T extends string>(v: Json | undefined, path: string, allowed: readonly T[], dflt: T): T {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      this.error(path, `${JSON.stringify(v)} is not supported by the dev gateway (supported: ${allowed.join(', ')})`);
      return dflt;
    }
    return v as T;
  }

  /** An Any whose @type must be one of `types` (by full name); returns the short type name and the object. */
  any(v: Json | undefined, path: string, types: readonly string[]): { type: string; obj: Obj } | null {
    if (!isObj(v)) { this.error(path, 'expected a typed_config'); return null; }
    const url = typeof v['@type'] === 'string' ? v['@type'] : '';
    const type = url.slice(url.lastIndexOf('/') + 1);
    if (!types.includes(type)) {
      this.error(`${path}.@type`, `${type || '(none)'} is not supported by the dev gateway (supported: ${types.join(', ')})`);
      return null;
    }
    return { type, obj: v };
  }

  done(): void {
    if (this.errors.length) throw new ConfigError(this.errors);
  }
}

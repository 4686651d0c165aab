// The request's descriptor entries (one value per action, computed lazily and at most once per
// request) and the rule that applies: the first in specificity order whose entries are all present
// with the required values.
import { HeaderMap, getPropertyString, xroadServiceId } from "../../../sdk";
import {
  Action, Config, Rule, SRC_CLIENT_ID, SRC_REQUEST_HEADER, SRC_REMOTE_ADDRESS, SRC_METHOD, SRC_PATH_PREFIX,
  SRC_SERVICE_ID, SRC_GENERIC_KEY,
} from "./config";

/** Stands in for a value that is too long or has control characters (NUL included); see README. */
export const INVALID_VALUE = "<invalid>";

/** Address without its port: "10.0.0.1:5678" → "10.0.0.1", "[::1]:80" → "::1". */
export function hostOf(a: string): string {
  if (a.startsWith("[")) {
    const close = a.indexOf("]");
    return close > 0 ? a.substring(1, close) : a;
  }
  const colon = a.lastIndexOf(":");
  if (colon < 0 || a.indexOf(":") != colon) return a; // no port, or a bare IPv6 address
  return a.substring(0, colon);
}

function pathPrefixOf(path: string, prefixes: string[]): string | null {
  for (let i = 0; i < prefixes.length; i++) if (path.startsWith(unchecked(prefixes[i]))) return unchecked(prefixes[i]);
  return null;
}

/** A value we put into a key / send: at most `max` characters and no control characters. */
export function clean(v: string, max: u32): bool {
  const n = v.length;
  if (<u32>n > max) return false;
  const p = changetype<usize>(v);
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u16>(p + (<usize>i << 1));
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The bucket key of the last writeKey, as UTF-8 bytes (one buffer, grown as keys need).
let keyBuf: usize = 0;
let keyCap: usize = 0;

/** Address of the key bytes written by the last Entries.writeKey (valid until the next one). */
export function keyBytes(): usize { return keyBuf; }

/** One per configuration, reset for every request (a request's entries never outlive its on_request_headers). */
export class Entries {
  values: Array<string | null>;
  done: StaticArray<bool>;
  /** Values replaced by INVALID_VALUE in this request. */
  invalid: i32 = 0;
  constructor(public config: Config, public headers: HeaderMap) {
    const n = config.actions.length;
    this.values = new Array<string | null>(n);
    this.done = new StaticArray<bool>(n);
  }

  /** Forget the previous request's values. */
  reset(headers: HeaderMap): void {
    this.headers = headers;
    this.invalid = 0;
    const d = this.done;
    for (let i = 0, n = d.length; i < n; i++) unchecked(d[i] = false);
  }

  get(i: i32): string | null {
    if (unchecked(this.done[i])) return unchecked(this.values[i]);
    const a = unchecked(this.config.actions[i]);
    let v = this.compute(a);
    if (v !== null && v.length == 0) v = null; // an empty value is an absent entry (as in Envoy)
    if (v !== null && !clean(v, this.config.maxValueLength)) {
      v = INVALID_VALUE;
      this.invalid++;
    }
    unchecked(this.done[i] = true);
    unchecked(this.values[i] = v);
    return v;
  }

  private compute(a: Action): string | null {
    switch (a.source) {
      case SRC_CLIENT_ID:
      case SRC_REQUEST_HEADER: return this.headers.get(a.arg);
      case SRC_METHOD: return this.headers.get(":method");
      case SRC_GENERIC_KEY: return a.arg;
      case SRC_REMOTE_ADDRESS: {
        const s = getPropertyString("source.address");
        return s === null ? null : hostOf(s);
      }
      case SRC_PATH_PREFIX: {
        const p = this.headers.get(":path");
        return p === null ? null : pathPrefixOf(p, a.prefixes);
      }
      case SRC_SERVICE_ID: {
        const p = this.headers.get(":path");
        return p === null ? null : xroadServiceId(p);
      }
    }
    return null;
  }

  /** The rule that applies, or null. */
  match(): Rule | null {
    const rules = this.config.rules;
    for (let r = 0; r < rules.length; r++) {
      const rule = unchecked(rules[r]);
      let ok = true;
      for (let e = 0; e < rule.actionIndex.length; e++) {
        const v = this.get(unchecked(rule.actionIndex[e]));
        if (v === null || (unchecked(rule.hasValue[e]) && v != unchecked(rule.values[e]))) { ok = false; break; }
      }
      if (ok) return rule;
    }
    return null;
  }

  /**
   * The bucket key of `rule` for this request, as UTF-8 at keyBytes(); its length: the rule prefix, 0x1d,
   * then each value of its any-value entries followed by 0x1f (values hold no control characters).
   */
  writeKey(rule: Rule): usize {
    const prefix = rule.prefix;
    let n: usize = <usize>String.UTF8.byteLength(prefix) + 1;
    for (let e = 0; e < rule.actionIndex.length; e++) {
      if (!unchecked(rule.hasValue[e])) n += <usize>String.UTF8.byteLength(this.get(unchecked(rule.actionIndex[e]))!) + 1;
    }
    if (n > keyCap) {
      if (keyBuf != 0) heap.free(keyBuf);
      let cap: usize = 256;
      while (cap < n) cap <<= 1;
      keyBuf = heap.alloc(cap);
      keyCap = cap;
    }
    let p = keyBuf + <usize>String.UTF8.encodeUnsafe(changetype<usize>(prefix), prefix.length, keyBuf);
    store<u8>(p++, 0x1d);
    for (let e = 0; e < rule.actionIndex.length; e++) {
      if (unchecked(rule.hasValue[e])) continue;
      const v = this.get(unchecked(rule.actionIndex[e]))!;
      p += <usize>String.UTF8.encodeUnsafe(changetype<usize>(v), v.length, p);
      store<u8>(p++, 0x1f);
    }
    return p - keyBuf;
  }
}

// The request's descriptor entries (one value per action, computed lazily and at most once per
// request) and the rule that applies: the first in specificity order whose entries are all present
// with the required values.
import { ReusedBuffer } from "./buffer";
import { HeaderMap, getPropertyString, xroadServiceId, rawValuePtr } from "../../../sdk";
import { decodeUtf8 } from "../../../sdk/runtime/memory";
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
const keyBuf = new ReusedBuffer();

/** Address of the key bytes written by the last Entries.writeKey (valid until the next one). */
export function keyBytes(): usize { return keyBuf.ptr; }

/** The header an action reads (client_id, request_header, method), or null. */
function headerOf(a: Action): string | null {
  if (a.source == SRC_CLIENT_ID || a.source == SRC_REQUEST_HEADER) return a.arg;
  return a.source == SRC_METHOD ? ":method" : null;
}

/** One per configuration, reset for every request (a request's entries never outlive its on_request_headers). */
export class Entries {
  values: Array<string | null>;
  done: StaticArray<bool>;
  /** Values replaced by INVALID_VALUE in this request. */
  invalid: i32 = 0;
  // Header values that are printable ASCII within max_value_length (client ids, API keys: the usual
  // case) are kept as their bytes, copied into `raw` at rawOff[i] (rawLen[i] bytes, -1 = not kept as
  // bytes): the bucket key is written from them, and a string is made only if one is asked for (a rule
  // with a required value, global mode). Their UTF-8 is the UTF-8 of the string: same bucket keys.
  names: Array<ArrayBuffer | null>;
  rawLen: StaticArray<i32>;
  rawOff: StaticArray<u32>;
  raw: usize = 0;
  rawCap: usize = 0;
  rawUsed: usize = 0;
  constructor(public config: Config, public headers: HeaderMap) {
    const n = config.actions.length;
    this.values = new Array<string | null>(n);
    this.done = new StaticArray<bool>(n);
    this.names = new Array<ArrayBuffer | null>(n);
    this.rawLen = new StaticArray<i32>(n);
    this.rawOff = new StaticArray<u32>(n);
    for (let i = 0; i < n; i++) {
      const h = headerOf(unchecked(config.actions[i]));
      unchecked(this.names[i] = h === null ? null : String.UTF8.encode(h));
    }
  }

  /** Forget the previous request's values. */
  reset(headers: HeaderMap): void {
    this.headers = headers;
    this.invalid = 0;
    this.rawUsed = 0;
    const d = this.done;
    for (let i = 0, n = d.length; i < n; i++) unchecked(d[i] = false);
  }

  /** Whether the request has entry `i` (computes it once). */
  has(i: i32): bool {
    if (!unchecked(this.done[i])) this.computeEntry(i);
    return unchecked(this.rawLen[i]) >= 0 || unchecked(this.values[i]) !== null;
  }

  get(i: i32): string | null {
    if (!unchecked(this.done[i])) this.computeEntry(i);
    let v = unchecked(this.values[i]);
    const n = unchecked(this.rawLen[i]);
    if (v === null && n >= 0) unchecked(this.values[i] = v = decodeUtf8(this.raw + <usize>unchecked(this.rawOff[i]), <usize>n));
    return v;
  }

  private computeEntry(i: i32): void {
    unchecked(this.done[i] = true);
    unchecked(this.rawLen[i] = -1);
    const name = unchecked(this.names[i]);
    let v: string | null;
    if (name !== null) {
      const n = this.headers.getRaw(changetype<usize>(name), <usize>name.byteLength);
      if (n <= 0) { unchecked(this.values[i] = null); return; } // absent; an empty value is an absent entry (as in Envoy)
      const p = rawValuePtr();
      if (this.keepBytes(i, p, <usize>n)) { unchecked(this.values[i] = null); return; }
      v = decodeUtf8(p, <usize>n);
    } else {
      v = this.compute(unchecked(this.config.actions[i]));
      if (v !== null && v.length == 0) v = null; // an empty value is an absent entry (as in Envoy)
    }
    if (v !== null && !clean(v, this.config.maxValueLength)) {
      v = INVALID_VALUE;
      this.invalid++;
    }
    unchecked(this.values[i] = v);
  }

  /** Keeps [p, p+n) as entry i's bytes when it is printable ASCII within max_value_length. */
  private keepBytes(i: i32, p: usize, n: usize): bool {
    if (n > <usize>this.config.maxValueLength) return false;
    for (let j: usize = 0; j < n; j++) {
      const c = load<u8>(p + j);
      if (c < 0x20 || c >= 0x7f) return false;
    }
    const need = this.rawUsed + n;
    if (need > this.rawCap) {
      let cap: usize = 256;
      while (cap < need) cap <<= 1;
      const b = heap.alloc(cap);
      if (this.raw != 0) {
        memory.copy(b, this.raw, this.rawUsed);
        heap.free(this.raw);
      }
      this.raw = b;
      this.rawCap = cap;
    }
    memory.copy(this.raw + this.rawUsed, p, n);
    unchecked(this.rawOff[i] = <u32>this.rawUsed);
    unchecked(this.rawLen[i] = <i32>n);
    this.rawUsed = need;
    return true;
  }

  private compute(a: Action): string | null {
    switch (a.source) {
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
        const ai = unchecked(rule.actionIndex[e]);
        if (!this.has(ai) || (unchecked(rule.hasValue[e]) && this.get(ai)! != unchecked(rule.values[e]))) { ok = false; break; }
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
    let pb = rule.prefixBytes;
    if (pb === null) rule.prefixBytes = pb = String.UTF8.encode(rule.prefix + "\x1d");
    const pn = <usize>pb.byteLength;
    let n: usize = pn;
    for (let e = 0; e < rule.actionIndex.length; e++) {
      if (unchecked(rule.hasValue[e])) continue;
      const ai = unchecked(rule.actionIndex[e]);
      const rn = unchecked(this.rawLen[ai]);
      n += (rn >= 0 ? <usize>rn : <usize>String.UTF8.byteLength(this.get(ai)!)) + 1;
    }
    const kb = keyBuf.reserve(n);
    memory.copy(kb, changetype<usize>(pb), pn);
    let p = kb + pn;
    for (let e = 0; e < rule.actionIndex.length; e++) {
      if (unchecked(rule.hasValue[e])) continue;
      const ai = unchecked(rule.actionIndex[e]);
      const rn = unchecked(this.rawLen[ai]);
      if (rn >= 0) {
        memory.copy(p, this.raw + <usize>unchecked(this.rawOff[ai]), <usize>rn);
        p += <usize>rn;
      } else {
        const v = this.get(ai)!;
        p += <usize>String.UTF8.encodeUnsafe(changetype<usize>(v), v.length, p);
      }
      store<u8>(p++, 0x1f);
    }
    return p - kb;
  }
}

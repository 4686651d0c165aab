// Header-based routing: the policy picks the upstream cluster per request, without changing Envoy's
// route table. The route table uses `cluster_header: <route_header>`; this filter writes that header.
//
// Rules are tried in order, first match wins. A rule matches when all of its conditions hold; a
// condition tests one subject of the request (a header, a query parameter, the method, the path, the
// verified client id, the X-Road service id of an `/r1/...` path, the authority, or Envoy's route
// name `xds.route_name`) with one operator (exact, prefix, suffix, contains, glob, present, absent),
// optionally case-insensitive and/or inverted. The matched rule's actions run in order: route to a
// cluster, a weighted split (sticky by FNV-1a 32 of a header or the request id, else WASI random),
// add/set/remove/rename request headers, rewrite the path prefix, set `:authority`.
// When the request was changed, the route cache is cleared once through Envoy's foreign function
// `clear_route_cache` (for ABI 0.2.1 Envoy also clears it on every request-header mutation).
// See ../README.md for the configuration and the exact split hash.
import {
  RootContext, HttpContext, FilterHeadersStatus, ConfigReader, Counter, registerRootContext,
  getPropertyString, randomU32, percentDecode, xroadServiceId, isLogEnabled, LogLevel, logDebug, logInfo, logError,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";

// ---------------------------------------------------------------------------------------------------
// Configuration model
// ---------------------------------------------------------------------------------------------------

const SOURCES: string[] = ["header", "query", "method", "path", "client_id", "service_id", "authority", "route_name"];
const SRC_HEADER = 0, SRC_QUERY = 1, SRC_METHOD = 2, SRC_PATH = 3, SRC_CLIENT_ID = 4, SRC_SERVICE_ID = 5,
  SRC_AUTHORITY = 6, SRC_ROUTE_NAME = 7;

const OPS: string[] = ["exact", "prefix", "suffix", "contains", "glob", "present", "absent"];
const OP_EXACT = 0, OP_PREFIX = 1, OP_SUFFIX = 2, OP_CONTAINS = 3, OP_GLOB = 4, OP_PRESENT = 5, OP_ABSENT = 6;

const ACTIONS: string[] = ["route", "split", "add_header", "set_header", "remove_header", "rename_header",
  "rewrite_prefix", "set_authority"];
const ACT_ROUTE = 0, ACT_SPLIT = 1, ACT_ADD = 2, ACT_SET = 3, ACT_REMOVE = 4, ACT_RENAME = 5,
  ACT_REWRITE = 6, ACT_AUTHORITY = 7;

const HASH_ON: string[] = ["random", "header", "request_id"];
const HASH_RANDOM = 0, HASH_HEADER = 1, HASH_REQUEST_ID = 2;

// Header slots 0..2 are fixed; configured names get slots from 3 on.
const SLOT_PATH = 0, SLOT_METHOD = 1, SLOT_AUTHORITY = 2;

const MAX_RULES: i32 = 10000;
const MAX_WEIGHT: u32 = 1000000;
const MAX_OPERAND: i32 = 4096;

/** Glob over a string: `**` matches any run of characters, `*` any run without `/`. O(n·m), no recursion. */
class Glob {
  kinds: StaticArray<u8>; // 0 literal, 1 star, 2 double star
  chars: StaticArray<u16>;
  cur: StaticArray<bool>;
  next: StaticArray<bool>;
  constructor(pattern: string) {
    let n = 0;
    for (let i = 0; i < pattern.length; i++, n++) {
      if (pattern.charCodeAt(i) == 0x2a && i + 1 < pattern.length && pattern.charCodeAt(i + 1) == 0x2a) {
        i++;
        while (i + 1 < pattern.length && pattern.charCodeAt(i + 1) == 0x2a) i++; // *** = **
      }
    }
    this.kinds = new StaticArray<u8>(n);
    this.chars = new StaticArray<u16>(n);
    this.cur = new StaticArray<bool>(n + 1);
    this.next = new StaticArray<bool>(n + 1);
    let t = 0;
    for (let i = 0; i < pattern.length; i++, t++) {
      const c = pattern.charCodeAt(i);
      if (c == 0x2a) {
        if (i + 1 < pattern.length && pattern.charCodeAt(i + 1) == 0x2a) {
          while (i + 1 < pattern.length && pattern.charCodeAt(i + 1) == 0x2a) i++;
          unchecked((this.kinds[t] = 2));
        } else {
          unchecked((this.kinds[t] = 1));
        }
      } else {
        unchecked((this.kinds[t] = 0));
        unchecked((this.chars[t] = <u16>c));
      }
    }
  }

  private close(s: StaticArray<bool>): void {
    const m = this.kinds.length;
    for (let i = 0; i < m; i++) if (unchecked(s[i]) && unchecked(this.kinds[i]) != 0) unchecked((s[i + 1] = true));
  }

  matches(v: string): bool {
    const m = this.kinds.length;
    let cur = this.cur, next = this.next;
    for (let i = 0; i <= m; i++) unchecked((cur[i] = false));
    unchecked((cur[0] = true));
    this.close(cur);
    for (let p = 0, n = v.length; p < n; p++) {
      const c = <u16>v.charCodeAt(p);
      for (let i = 0; i <= m; i++) unchecked((next[i] = false));
      let any = false;
      for (let i = 0; i < m; i++) {
        if (!unchecked(cur[i])) continue;
        const k = unchecked(this.kinds[i]);
        if (k == 0) {
          if (unchecked(this.chars[i]) == c) { unchecked((next[i + 1] = true)); any = true; }
        } else if (k == 2 || c != 0x2f) {
          unchecked((next[i] = true));
          any = true;
        }
      }
      if (!any) return false;
      this.close(next);
      const t = cur; cur = next; next = t;
    }
    return unchecked(cur[m]);
  }
}

class Condition {
  source: i32 = 0;
  slot: i32 = -1;        // header slot (header, client_id)
  name: string = "";     // header or query parameter name
  op: i32 = 0;
  operand: string = "";
  glob: Glob | null = null;
  ignoreCase: bool = false;
  invert: bool = false;
}

class Split {
  clusters: string[] = [];
  cumulative: u32[] = []; // running sums of the weights
  total: u32 = 0;
  hashOn: i32 = HASH_RANDOM;
  slot: i32 = -1;         // header slot of the sticky key
}

class Action {
  kind: i32 = 0;
  name: string = "";      // cluster (route) / header name / rename source / path prefix
  value: string = "";     // header value / rename target / replacement / authority
  split: Split | null = null;
}

class Rule {
  name: string = "";
  conditions: Condition[] = [];
  actions: Action[] = [];
  counter: Counter | null = null;
}

class RoutingConfig {
  routeHeader: string = "x-route-cluster";
  echoHeader: string = "";
  clientIdHeader: string = "x-road-client-verified";
  requestIdHeader: string = "x-request-id";
  defaultCluster: string = "";
  stripIncoming: bool = true;
  rules: Rule[] = [];
  /** Header names by slot (lower-case). */
  slots: string[] = [":path", ":method", ":authority"];
  routeSlot: i32 = 0;
  usesQuery: bool = false;
  unmatched: Counter | null = null;
  clears: Counter | null = null;

  slotOf(name: string): i32 {
    const s = this.slots;
    for (let i = 0; i < s.length; i++) if (unchecked(s[i]) == name) return i;
    s.push(name);
    return s.length - 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------------

function isTchar(c: i32): bool {
  // RFC 9110 token characters, lower-case letters only (names are lower-cased before the check)
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) return true;
  return c == 0x21 || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x26 || c == 0x27 || c == 0x2a ||
    c == 0x2b || c == 0x2d || c == 0x2e || c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
}

/** Lower-cases a header name; "" when it is not a valid name (pseudo-headers only if allowed). */
function headerName(raw: string, allowPseudo: bool): string {
  const n = raw.toLowerCase();
  if (n.length == 0 || n.length > 256) return "";
  let start = 0;
  if (n.charCodeAt(0) == 0x3a) {
    if (!allowPseudo || n.length == 1) return "";
    start = 1;
  }
  for (let i = start; i < n.length; i++) if (!isTchar(n.charCodeAt(i))) return "";
  return n;
}

function hasCtl(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0 || c == 0x0a || c == 0x0d) return true;
  }
  return false;
}

function validRuleName(s: string): bool {
  if (s.length == 0 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x5f || c == 0x2d)) return false;
  }
  return true;
}

/** Reads a header-name field: lower-cased, validated; "" after recording an error. */
function readHeaderName(r: ConfigReader, field: string, def: string, allowPseudo: bool, allowEmpty: bool): string {
  const raw = r.string(field, def);
  if (!r.ok) return "";
  if (raw.length == 0 && allowEmpty) return "";
  const n = headerName(raw, allowPseudo);
  if (n.length == 0) r.fail(field, "\"" + raw + "\" is not a valid header name" + (allowPseudo ? "" : " (pseudo-headers not allowed)"));
  return n;
}

function readValue(r: ConfigReader, field: string, required: bool): string {
  const v = required ? r.requireString(field) : r.string(field, "");
  if (r.ok && hasCtl(v)) r.fail(field, "must not contain CR, LF or NUL");
  else if (r.ok && v.length > MAX_OPERAND) r.fail(field, "longer than " + MAX_OPERAND.toString() + " characters");
  return v;
}

function readCondition(r: ConfigReader, c: RoutingConfig): Condition {
  const k = new Condition();
  k.source = SOURCES.indexOf(r.requireOneOf("source", SOURCES));
  if (!r.ok) return k;
  if (k.source == SRC_HEADER) {
    k.name = readHeaderName(r, "name", "", true, true);
    if (r.ok && k.name.length == 0) r.fail("name", "required for source header");
    if (r.ok) k.slot = c.slotOf(k.name);
  } else if (k.source == SRC_QUERY) {
    k.name = r.requireString("name");
    if (r.ok && k.name.length == 0) r.fail("name", "must not be empty");
    c.usesQuery = true;
  } else if (k.source == SRC_CLIENT_ID) {
    k.slot = c.slotOf(c.clientIdHeader);
  }
  k.ignoreCase = r.bool("ignore_case", false);
  k.invert = r.bool("invert", false);
  let ops = 0;
  for (let i = 0; i < OPS.length; i++) {
    const op = unchecked(OPS[i]);
    if (!r.has(op)) continue;
    ops++;
    k.op = i;
    if (i == OP_PRESENT || i == OP_ABSENT) {
      if (!r.bool(op, true) && r.ok) r.fail(op, "must be true (use invert to negate)");
    } else {
      k.operand = readValue(r, op, true);
      if (k.ignoreCase) k.operand = k.operand.toLowerCase();
      if (i == OP_GLOB && r.ok) k.glob = new Glob(k.operand);
    }
  }
  if (r.ok && ops != 1) r.failHere("exactly one of exact, prefix, suffix, contains, glob, present, absent is required, got " + ops.toString());
  return k;
}

function readSplit(r: ConfigReader, c: RoutingConfig): Split {
  const s = new Split();
  const items = r.requireArray("clusters");
  if (!r.ok) return s;
  if (items.length == 0) { r.fail("clusters", "the weight set must not be empty"); return s; }
  let total: u64 = 0;
  for (let i = 0; i < items.length; i++) {
    const e = unchecked(items[i]);
    const cl = readValue(e, "cluster", true);
    if (e.ok && cl.length == 0) e.fail("cluster", "must not be empty");
    const w = e.requireU32("weight", 0, MAX_WEIGHT);
    if (!r.ok) return s;
    total += w;
    s.clusters.push(cl);
    s.cumulative.push(<u32>total);
  }
  if (total == 0) { r.fail("clusters", "the weights must not all be 0"); return s; }
  if (total > <u64>u32.MAX_VALUE) { r.fail("clusters", "the weights add up to more than 4294967295"); return s; }
  s.total = <u32>total;
  s.hashOn = r.oneOfIndex("hash_on", HASH_ON, HASH_RANDOM);
  if (s.hashOn == HASH_HEADER) {
    const h = readHeaderName(r, "header", "", true, true);
    if (r.ok && h.length == 0) r.fail("header", "required when hash_on is header");
    if (r.ok) s.slot = c.slotOf(h);
  } else if (s.hashOn == HASH_REQUEST_ID) {
    s.slot = c.slotOf(c.requestIdHeader);
  }
  return s;
}

function readAction(r: ConfigReader, c: RoutingConfig): Action {
  const a = new Action();
  a.kind = r.requireOneOfIndex("type", ACTIONS);
  if (!r.ok) return a;
  if (a.kind == ACT_ROUTE) {
    a.name = readValue(r, "cluster", true);
    if (r.ok && a.name.length == 0) r.fail("cluster", "must not be empty");
  } else if (a.kind == ACT_SPLIT) {
    a.split = readSplit(r, c);
  } else if (a.kind == ACT_ADD || a.kind == ACT_SET || a.kind == ACT_REMOVE) {
    a.name = readHeaderName(r, "name", "", false, true);
    if (r.ok && a.name.length == 0) r.fail("name", "required (a header name)");
    if (a.kind != ACT_REMOVE) a.value = readValue(r, "value", true);
  } else if (a.kind == ACT_RENAME) {
    a.name = readHeaderName(r, "from", "", false, true);
    if (r.ok && a.name.length == 0) r.fail("from", "required (a header name)");
    a.value = readHeaderName(r, "to", "", false, true);
    if (r.ok && a.value.length == 0) r.fail("to", "required (a header name)");
  } else if (a.kind == ACT_REWRITE) {
    a.name = readValue(r, "prefix", true);
    if (r.ok && (a.name.length == 0 || a.name.charCodeAt(0) != 0x2f)) r.fail("prefix", "must start with '/'");
    a.value = readValue(r, "replacement", true);
    if (r.ok && (a.value.length == 0 || a.value.charCodeAt(0) != 0x2f)) r.fail("replacement", "must start with '/'");
  } else if (a.kind == ACT_AUTHORITY) {
    a.value = readValue(r, "value", true);
    if (r.ok && a.value.length == 0) r.fail("value", "must not be empty");
  }
  if (r.ok && (a.kind == ACT_ADD || a.kind == ACT_SET || a.kind == ACT_REMOVE || a.kind == ACT_RENAME)) {
    if (a.name == c.routeHeader || (a.kind == ACT_RENAME && a.value == c.routeHeader)) {
      r.fail(a.kind == ACT_RENAME ? (a.name == c.routeHeader ? "from" : "to") : "name",
        "the route header is written by route/split actions only");
    }
  }
  return a;
}

function readConfig(r: ConfigReader): RoutingConfig {
  const c = new RoutingConfig();
  c.routeHeader = readHeaderName(r, "route_header", c.routeHeader, false, false);
  c.echoHeader = readHeaderName(r, "echo_header", "", false, true);
  c.clientIdHeader = readHeaderName(r, "client_id_header", c.clientIdHeader, false, false);
  c.requestIdHeader = readHeaderName(r, "request_id_header", c.requestIdHeader, false, false);
  c.defaultCluster = readValue(r, "default_cluster", false);
  c.stripIncoming = r.bool("strip_incoming_route_header", true);
  if (!r.ok) return c;
  c.routeSlot = c.slotOf(c.routeHeader);
  const rules = r.array("rules");
  if (r.ok && rules.length > MAX_RULES) r.fail("rules", "more than " + MAX_RULES.toString() + " rules");
  const names = new Set<string>();
  for (let i = 0; i < rules.length && r.ok; i++) {
    const rr = unchecked(rules[i]);
    const rule = new Rule();
    rule.name = rr.string("name", "rule" + i.toString());
    if (rr.ok && !validRuleName(rule.name)) rr.fail("name", "must be 1-64 characters of A-Z, a-z, 0-9, _ and -");
    else if (rr.ok && names.has(rule.name)) rr.fail("name", "duplicate rule name \"" + rule.name + "\"");
    names.add(rule.name);
    const conds = rr.array("match");
    for (let j = 0; j < conds.length && r.ok; j++) rule.conditions.push(readCondition(unchecked(conds[j]), c));
    const acts = rr.requireArray("actions");
    if (rr.ok && acts.length == 0) rr.fail("actions", "must not be empty");
    let routes = 0;
    for (let j = 0; j < acts.length && r.ok; j++) {
      const a = readAction(unchecked(acts[j]), c);
      if (a.kind == ACT_ROUTE || a.kind == ACT_SPLIT) routes++;
      rule.actions.push(a);
    }
    if (r.ok && routes > 1) rr.fail("actions", "at most one route or split action per rule");
    c.rules.push(rule);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Request-side helpers
// ---------------------------------------------------------------------------------------------------

/** FNV-1a 32-bit over the UTF-8 encoding of `s` (lone surrogates as U+FFFD). */
export function fnv1a32(s: string): u32 {
  let h: u32 = 2166136261;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      h = (h ^ c) * 16777619;
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const d = <u32>s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x800) {
      h = (h ^ (0xc0 | (c >> 6))) * 16777619;
    } else if (c < 0x10000) {
      h = (h ^ (0xe0 | (c >> 12))) * 16777619;
      h = (h ^ (0x80 | ((c >> 6) & 0x3f))) * 16777619;
    } else {
      h = (h ^ (0xf0 | (c >> 18))) * 16777619;
      h = (h ^ (0x80 | ((c >> 12) & 0x3f))) * 16777619;
      h = (h ^ (0x80 | ((c >> 6) & 0x3f))) * 16777619;
    }
    h = (h ^ (0x80 | (c & 0x3f))) * 16777619;
  }
  return h;
}

/** `:authority` without a trailing `:port` (`[v6]:port` → `[v6]`). */
function stripPort(a: string): string {
  const colon = a.lastIndexOf(":");
  if (colon < 0 || colon == a.length - 1) return a;
  for (let i = colon + 1; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return a;
  }
  if (colon > 0 && a.charCodeAt(colon - 1) == 0x5d) return a.substring(0, colon); // [v6]:port
  if (a.indexOf(":") != colon) return a;                                          // bare IPv6
  return a.substring(0, colon);
}

// ---------------------------------------------------------------------------------------------------
// Root and stream
// ---------------------------------------------------------------------------------------------------

class RoutingRoot extends RootContext {
  config: RoutingConfig = new RoutingConfig();
  // Per-request lazy lookups (a VM runs one callback at a time, so one scratch per root suffices).
  values: Array<string | null> = [];
  loaded: StaticArray<u32> = new StaticArray<u32>(0);
  gen: u32 = 0;

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const c = readConfig(r);
    r.finish();
    if (!r.ok) {
      logError("header-routing: " + r.error!);
      return false;
    }
    for (let i = 0; i < c.rules.length; i++) {
      const rule = unchecked(c.rules[i]);
      rule.counter = Counter.define("header_routing_matches", ["rule", rule.name]);
    }
    c.unmatched = Counter.define("header_routing_unmatched");
    c.clears = Counter.define("header_routing_route_cache_clears");
    this.config = c;
    const n = c.slots.length;
    this.values = new Array<string | null>(n);
    this.loaded = new StaticArray<u32>(n);
    this.gen = 0;
    if (isLogEnabled(LogLevel.Info)) {
      logInfo("header-routing: " + c.rules.length.toString() + " rule(s), route header " + c.routeHeader +
        (c.defaultCluster.length ? ", default cluster " + c.defaultCluster : ""));
    }
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new RoutingStream(id, this); }
}

class RoutingStream extends HttpContext {
  constructor(id: u32, public root: RoutingRoot) { super(id, root); }
  /** Cluster written to the route header ("" = none), echoed on the response when configured. */
  cluster: string = "";
  // lazily derived from the request as received
  private pathOnly: string | null = null;
  private pathDone: bool = false;
  private serviceId: string | null = null;
  private serviceDone: bool = false;
  private routeName: string | null = null;
  private routeDone: bool = false;
  private qNames: string[] | null = null;
  private qValues: string[] | null = null;

  header(slot: i32): string | null {
    const root = this.root;
    if (unchecked(root.loaded[slot]) == root.gen) return unchecked(root.values[slot]);
    const v = this.requestHeaders.get(unchecked(root.config.slots[slot]));
    unchecked((root.values[slot] = v));
    unchecked((root.loaded[slot] = root.gen));
    return v;
  }

  path(): string | null {
    if (!this.pathDone) {
      this.pathDone = true;
      const p = this.header(SLOT_PATH);
      if (p !== null) {
        let q = p.indexOf("?");
        const h = p.indexOf("#");
        if (h >= 0 && (q < 0 || h < q)) q = h;
        this.pathOnly = q < 0 ? p : p.substring(0, q);
      }
    }
    return this.pathOnly;
  }

  query(name: string): string | null {
    let names = this.qNames, values = this.qValues;
    if (names === null || values === null) {
      names = new Array<string>();
      values = new Array<string>();
      const p = this.header(SLOT_PATH);
      if (p !== null) {
        let q = p.indexOf("?");
        if (q >= 0) {
          let end = p.indexOf("#", q);
          if (end < 0) end = p.length;
          let i = q + 1;
          while (i <= end) {
            let amp = p.indexOf("&", i);
            if (amp < 0 || amp > end) amp = end;
            if (amp > i) {
              let eq = p.indexOf("=", i);
              if (eq < 0 || eq > amp) eq = -1;
              names.push(percentDecode(p, i, eq < 0 ? amp : eq, true));
              values.push(eq < 0 ? "" : percentDecode(p, eq + 1, amp, true));
            }
            i = amp + 1;
          }
        }
      }
      this.qNames = names;
      this.qValues = values;
    }
    for (let i = 0; i < names.length; i++) if (unchecked(names[i]) == name) return unchecked(values[i]);
    return null;
  }

  subject(k: Condition): string | null {
    switch (k.source) {
      case SRC_HEADER:
      case SRC_CLIENT_ID: return this.header(k.slot);
      case SRC_QUERY: return this.query(k.name);
      case SRC_METHOD: return this.header(SLOT_METHOD);
      case SRC_PATH: return this.path();
      case SRC_AUTHORITY: {
        const a = this.header(SLOT_AUTHORITY);
        return a === null ? null : stripPort(a);
      }
      case SRC_SERVICE_ID: {
        if (!this.serviceDone) {
          this.serviceDone = true;
          const p = this.path();
          this.serviceId = p === null ? null : xroadServiceId(p);
        }
        return this.serviceId;
      }
      case SRC_ROUTE_NAME: {
        if (!this.routeDone) {
          this.routeDone = true;
          this.routeName = getPropertyString(ROUTE_NAME_PATH);
        }
        return this.routeName;
      }
    }
    return null;
  }

  holds(k: Condition): bool {
    let v = this.subject(k);
    let r: bool;
    if (v === null) {
      r = k.op == OP_ABSENT;
    } else {
      if (k.ignoreCase) v = v.toLowerCase();
      switch (k.op) {
        case OP_EXACT: r = v == k.operand; break;
        case OP_PREFIX: r = v.startsWith(k.operand); break;
        case OP_SUFFIX: r = v.endsWith(k.operand); break;
        case OP_CONTAINS: r = v.includes(k.operand); break;
        case OP_GLOB: r = k.glob!.matches(v); break;
        case OP_PRESENT: r = true; break;
        default: r = false; // OP_ABSENT
      }
    }
    return k.invert ? !r : r;
  }

  pick(s: Split): string {
    let h: u32;
    if (s.hashOn == HASH_RANDOM) {
      h = randomU32();
    } else {
      const key = this.header(s.slot);
      h = key === null || key.length == 0 ? randomU32() : fnv1a32(key);
    }
    const b = h % s.total;
    const cum = s.cumulative;
    for (let i = 0, n = cum.length; i < n; i++) if (b < unchecked(cum[i])) return unchecked(s.clusters[i]);
    return unchecked(s.clusters[s.clusters.length - 1]);
  }

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const c = root.config;
    if (++root.gen == 0) { // wrapped: forget every cached slot
      for (let i = 0; i < root.loaded.length; i++) unchecked((root.loaded[i] = u32.MAX_VALUE));
      root.gen = 1;
    }
    const req = this.requestHeaders;
    let changed = false;
    let cluster = "";
    let matched: Rule | null = null;
    const rules = c.rules;
    for (let i = 0, nr = rules.length; i < nr; i++) {
      const rule = unchecked(rules[i]);
      const conds = rule.conditions;
      let ok = true;
      for (let j = 0, nc = conds.length; j < nc; j++) {
        if (!this.holds(unchecked(conds[j]))) { ok = false; break; }
      }
      if (ok) { matched = rule; break; }
    }
    if (matched !== null) {
      matched.counter!.increment();
      const acts = matched.actions;
      for (let i = 0, na = acts.length; i < na; i++) {
        const a = unchecked(acts[i]);
        switch (a.kind) {
          case ACT_ROUTE: cluster = a.name; break;
          case ACT_SPLIT: cluster = this.pick(a.split!); break;
          case ACT_ADD: if (req.add(a.name, a.value)) changed = true; break;
          case ACT_SET: if (req.set(a.name, a.value)) changed = true; break;
          case ACT_REMOVE: if (req.has(a.name) && req.remove(a.name)) changed = true; break;
          case ACT_RENAME: {
            const vals = req.getAll(a.name);
            if (vals.length == 0) break;
            req.remove(a.name);
            for (let j = 0; j < vals.length; j++) req.add(a.value, unchecked(vals[j]));
            changed = true;
            break;
          }
          case ACT_REWRITE: {
            const p = req.get(":path");
            if (p !== null && p.startsWith(a.name) && req.set(":path", a.value + p.substring(a.name.length))) changed = true;
            break;
          }
          case ACT_AUTHORITY: {
            const cur = req.get(":authority");
            if ((cur === null || cur != a.value) && req.set(":authority", a.value)) changed = true;
            break;
          }
        }
      }
    } else {
      c.unmatched!.increment();
    }
    if (cluster.length == 0) cluster = c.defaultCluster;
    // The route header: what the policy chose, never what the client sent.
    const sent = this.header(c.routeSlot);
    if (cluster.length > 0) {
      if ((sent === null || sent != cluster) && req.set(c.routeHeader, cluster)) changed = true;
    } else if (sent !== null && c.stripIncoming) {
      if (req.remove(c.routeHeader)) changed = true;
    }
    this.cluster = cluster;
    if (changed) {
      this.clearRouteCache();
      c.clears!.increment();
    }
    if (isLogEnabled(LogLevel.Debug)) {
      logDebug("header-routing: stream " + this.contextId.toString() + " rule " +
        (matched === null ? "(none)" : matched.name) + " cluster " + (cluster.length ? cluster : "(none)") +
        (changed ? ", route cache cleared" : ""));
    }
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const echo = this.root.config.echoHeader;
    if (echo.length > 0 && this.cluster.length > 0) this.responseHeaders.set(echo, this.cluster);
    return FilterHeadersStatus.Continue;
  }
}

const ROUTE_NAME_PATH: string[] = ["xds", "route_name"];

registerRootContext((id: u32): RootContext => new RoutingRoot(id), "header-routing");

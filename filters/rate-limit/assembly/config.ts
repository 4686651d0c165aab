// Configuration: Envoy rate-limit vocabulary. `actions` build the request's descriptor entries (like
// the `actions` of an Envoy route's `rate_limits`); `descriptors` are the rules that match entries and
// name a limit (like envoyproxy/ratelimit's config). Read with ConfigReader: every error names its field.
import { ConfigReader, decimal } from "../../../sdk";

export const MODE_LOCAL = 0, MODE_GLOBAL = 1;
export const MODES: string[] = ["local", "global"];

// entry sources
export const SRC_CLIENT_ID = 0, SRC_REQUEST_HEADER = 1, SRC_REMOTE_ADDRESS = 2, SRC_METHOD = 3,
  SRC_PATH_PREFIX = 4, SRC_SERVICE_ID = 5, SRC_GENERIC_KEY = 6;
export const SOURCES: string[] = ["client_id", "request_header", "remote_address", "method", "path_prefix", "service_id", "generic_key"];

export const UNITS: string[] = ["second", "minute", "hour", "day", "SECOND", "MINUTE", "HOUR", "DAY"];
const UNIT_MS: u64[] = [1000, 60000, 3600000, 86400000];
const UNIT_S: u32[] = [1, 60, 3600, 86400];

/** The verified client id header the authz filter sets (filters/authz/README.md). */
export const DEFAULT_CLIENT_ID_HEADER = "x-road-client-verified";
export const RLS_SERVICE = "envoy.service.ratelimit.v3.RateLimitService";
export const RLS_METHOD = "ShouldRateLimit";
/** Upper bound of requests_per_unit and burst: keeps the scaled bucket arithmetic inside u64. */
export const MAX_REQUESTS = 1000000000;

/** One action: produces the entry `key` from `source`. */
export class Action {
  source: i32 = 0;
  key: string = "";
  /** request_header / client_id: the header; generic_key: the constant value. */
  arg: string = "";
  /** path_prefix: candidate prefixes, longest first. */
  prefixes: string[] = [];
}

export class Limit {
  requestsPerUnit: u32 = 0;
  burst: u32 = 0;
  unit: i32 = 0;
  get unitMs(): u64 { return unchecked(UNIT_MS[this.unit]); }
  get unitSeconds(): u32 { return unchecked(UNIT_S[this.unit]); }
  /** Bucket capacity in scaled units (tokens × unitMs). */
  get capacityScaled(): u64 { return (<u64>this.requestsPerUnit + <u64>this.burst) * this.unitMs; }
}

/** A rule: entries to match (value "" = any value, one bucket per value) and its limit. */
export class Rule {
  name: string = "";
  /** Index into Config.actions of each entry, and the required value ("" = any). */
  actionIndex: i32[] = [];
  values: string[] = [];
  hasValue: bool[] = [];
  limit: Limit | null = null;
  shadow: bool = false;
  /** Bucket identity shared by every key of this rule: limit + entry pattern. */
  prefix: string = "";
  /** prefix + 0x1d as UTF-8: the start of every bucket key of this rule, made on first use. */
  prefixBytes: ArrayBuffer | null = null;
  /** The x-ratelimit-limit value of this rule, UTF-8, made on first use. */
  limitHeaderBytes: ArrayBuffer | null = null;
  /** Specificity: entries with a value, then entries. */
  valued: i32 = 0;
  order: i32 = 0;
}

export class Config {
  mode: i32 = MODE_LOCAL;
  actions: Action[] = [];
  /** Sorted most specific first (see README, "Which rule applies"). */
  rules: Rule[] = [];
  failureModeDeny: bool = false;
  headers: bool = true;
  /** 0..100 as a threshold over a random u32; 100 % = always enforce. */
  enforcePercentage: f64 = 100;
  enforceThreshold: u64 = 0x100000000;
  maxKeys: u32 = 10000;
  maxCasRetries: u32 = 16;
  maxValueLength: u32 = 256;
  domain: string = "";
  cluster: string = "";
  timeoutMs: u32 = 20;
}

const FIELDS = "mode, actions, descriptors, failure_mode_deny, enable_x_ratelimit_headers, enforce_percentage, max_keys, max_cas_retries, max_value_length, domain, rate_limit_service";
export function knownFields(): string { return FIELDS; }

function validKey(s: string): bool {
  if (s.length == 0 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = <u32>s.charCodeAt(i);
    if (!((c - 0x61) < 26 || (c - 0x30) < 10 || c == 0x5f || c == 0x2d || c == 0x2e || c == 0x3a)) return false;
  }
  return true;
}

function validHeaderName(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = <u32>s.charCodeAt(i);
    // lower-case token characters (Envoy keys are lower case); ':' only as the pseudo-header lead
    if (!((c - 0x61) < 26 || (c - 0x30) < 10 || c == 0x2d || c == 0x5f || c == 0x2e || (c == 0x3a && i == 0))) return false;
  }
  return true;
}

function readAction(r: ConfigReader): Action {
  const a = new Action();
  a.source = r.requireOneOfIndex("source", SOURCES);
  if (!r.ok) return a;
  const src = a.source;
  a.key = r.string("descriptor_key", src == SRC_REQUEST_HEADER ? "" : unchecked(SOURCES[src]));
  if (src == SRC_REQUEST_HEADER) {
    a.arg = r.requireString("header_name");
    if (r.ok && a.key.length == 0) r.fail("descriptor_key", "required for source request_header");
  } else if (src == SRC_CLIENT_ID) {
    a.arg = r.string("header_name", DEFAULT_CLIENT_ID_HEADER);
  } else if (src == SRC_GENERIC_KEY) {
    a.arg = r.requireString("descriptor_value");
    if (r.ok && a.arg.length == 0) r.fail("descriptor_value", "must not be empty");
  } else if (src == SRC_PATH_PREFIX) {
    const p = r.stringArray("prefixes", true);
    if (r.ok && p.length == 0) r.fail("prefixes", "must name at least one prefix");
    for (let i = 0; r.ok && i < p.length; i++) {
      const s = unchecked(p[i]);
      if (!s.startsWith("/")) r.fail("prefixes", "each prefix must start with '/', got \"" + s + "\"");
    }
    // longest first, so the longest matching prefix is the entry's value
    a.prefixes = p.sort((x: string, y: string): i32 => y.length - x.length);
  }
  if (r.ok && (src == SRC_REQUEST_HEADER || src == SRC_CLIENT_ID)) {
    a.arg = a.arg.toLowerCase();
    if (!validHeaderName(a.arg)) r.fail("header_name", "must be a header name, got \"" + a.arg + "\"");
  }
  if (r.ok && !validKey(a.key)) r.fail("descriptor_key", "must be 1-64 characters of [a-z0-9_.:-], got \"" + a.key + "\"");
  return a;
}

function readLimit(r: ConfigReader): Limit {
  const l = new Limit();
  l.requestsPerUnit = r.requireU32("requests_per_unit", 1, MAX_REQUESTS);
  l.unit = r.requireOneOfIndex("unit", UNITS) & 3;
  l.burst = r.u32("burst", 0, 0, MAX_REQUESTS);
  return l;
}

function readRule(r: ConfigReader, c: Config, index: i32): Rule {
  const rule = new Rule();
  rule.order = index;
  rule.name = r.string("name", "descriptors[" + decimal(index) + "]");
  const entries = r.requireArray("entries");
  if (r.ok && entries.length == 0) r.fail("entries", "must have at least one entry");
  let pattern = "";
  for (let i = 0; r.ok && i < entries.length; i++) {
    const e = unchecked(entries[i]);
    const key = e.requireString("key");
    const hasValue = e.has("value");
    const value = e.string("value", "");
    if (!e.ok) break;
    let ai = -1;
    for (let j = 0; j < c.actions.length; j++) if (unchecked(c.actions[j]).key == key) { ai = j; break; }
    if (ai < 0) { e.fail("key", "no action produces descriptor key \"" + key + "\""); break; }
    for (let j = 0; j < rule.actionIndex.length; j++) {
      if (unchecked(rule.actionIndex[j]) == ai) { e.fail("key", "descriptor key \"" + key + "\" appears twice in this rule"); break; }
    }
    if (!e.ok) break;
    if (hasValue && value.length == 0) { e.fail("value", "must not be empty (omit it to match any value)"); break; }
    rule.actionIndex.push(ai);
    rule.values.push(value);
    rule.hasValue.push(hasValue);
    if (hasValue) rule.valued++;
    // the pattern is made of config strings; \x1f / \x1e cannot occur in them unescaped in JSON text
    // we accept (control characters are rejected below), so the encoding is unambiguous
    pattern += key + (hasValue ? "=" + value : "") + "\x1e";
  }
  for (let i = 0; r.ok && i < rule.values.length; i++) {
    const v = unchecked(rule.values[i]);
    for (let j = 0; j < v.length; j++) {
      if (v.charCodeAt(j) < 0x20 || v.charCodeAt(j) == 0x7f) { r.fail("entries", "values must not contain control characters"); break; }
    }
  }
  if (c.mode == MODE_LOCAL || r.has("rate_limit")) {
    const lr = r.requireObject("rate_limit");
    if (r.ok) rule.limit = readLimit(lr);
  }
  rule.shadow = r.bool("shadow_mode", false);
  const l = rule.limit;
  rule.prefix = (l !== null ? decimal(l.requestsPerUnit) + "/" + decimal(<i64>l.unitMs) + "/" + decimal(l.burst) : "-") + "|" + pattern;
  return rule;
}

/** More specific first: more entries with a value, then more entries, then config order. */
function bySpecificity(a: Rule, b: Rule): i32 {
  if (a.valued != b.valued) return b.valued - a.valued;
  if (a.actionIndex.length != b.actionIndex.length) return b.actionIndex.length - a.actionIndex.length;
  return a.order - b.order;
}

export function readConfig(r: ConfigReader): Config {
  const c = new Config();
  c.mode = r.oneOfIndex("mode", MODES, MODE_LOCAL);
  const actions = r.requireArray("actions");
  if (r.ok && actions.length == 0) r.fail("actions", "must have at least one action");
  for (let i = 0; r.ok && i < actions.length; i++) {
    const a = readAction(unchecked(actions[i]));
    for (let j = 0; r.ok && j < c.actions.length; j++) {
      if (unchecked(c.actions[j]).key == a.key) unchecked(actions[i]).fail("descriptor_key", "\"" + a.key + "\" is produced by actions[" + decimal(j) + "] already");
    }
    c.actions.push(a);
  }
  if (r.ok) {
    const rules = r.requireArray("descriptors");
    if (r.ok && rules.length == 0) r.fail("descriptors", "must have at least one descriptor");
    for (let i = 0; r.ok && i < rules.length; i++) c.rules.push(readRule(unchecked(rules[i]), c, i));
  }
  c.failureModeDeny = r.bool("failure_mode_deny", false);
  c.headers = r.oneOfIndex("enable_x_ratelimit_headers", ["OFF", "DRAFT_VERSION_03"], 1) == 1;
  c.enforcePercentage = r.f64("enforce_percentage", 100, 0, 100);
  c.enforceThreshold = <u64>(c.enforcePercentage * 42949672.96);
  c.maxKeys = r.u32("max_keys", c.maxKeys, 1, 1000000);
  c.maxCasRetries = r.u32("max_cas_retries", c.maxCasRetries, 0, 1000);
  c.maxValueLength = r.u32("max_value_length", c.maxValueLength, 1, 65536);
  if (c.mode == MODE_GLOBAL) {
    c.domain = r.requireString("domain");
    if (r.ok && c.domain.length == 0) r.fail("domain", "must not be empty");
    const s = r.requireObject("rate_limit_service");
    if (r.ok) {
      c.cluster = s.requireString("cluster");
      if (s.ok && c.cluster.length == 0) s.fail("cluster", "must not be empty");
      c.timeoutMs = s.u32("timeout_ms", c.timeoutMs, 1, 60000);
    }
  } else if (r.ok) {
    if (r.has("domain")) r.fail("domain", "only for mode global");
    else if (r.has("rate_limit_service")) r.fail("rate_limit_service", "only for mode global");
  }
  r.finish();
  if (r.ok) c.rules.sort(bySpecificity);
  return c;
}

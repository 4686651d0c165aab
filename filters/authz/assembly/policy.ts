// The compiled policy (reference §E, schema in ../config.schema.json) and its loader. The loader walks
// the parsed JSON tree directly (large policies: 100,000 rights) and names the field of the first
// error, e.g. `providers["GOV:COM:1:sub"].births.rights[3].ep: no endpoint "ep-9"`.
// Everything per-request is prepared here: services in one hash map keyed "INST:CLASS:MEMBER:SUB:CODE",
// each with a hash map client id → grants (groups already expanded), block rules in a hash map keyed
// by (subject, scope).
import { Json, JsonKind, JsonOptions, JsonValue } from "../../../sdk";
import { checkColonId } from "./ids";
import { Glob } from "./glob";
import { BAD_TIME, parseRfc3339 } from "./isotime";

export const NO_LIMIT_LOW: i64 = i64.MIN_VALUE;
export const NO_LIMIT_HIGH: i64 = i64.MAX_VALUE;

export enum ConnType { HTTP = 0, HTTPS = 1, HTTPS_NOAUTH = 2 }

/** Certificate references: "sha256/<hex>", "uri/<URI SAN>", "subject/<subject DN>". */
export class CertRefs {
  sha256: string[] = [];
  uri: string[] = [];
  subject: string[] = [];
  get empty(): bool { return this.sha256.length == 0 && this.uri.length == 0 && this.subject.length == 0; }
}

export class ClientReg {
  conn: ConnType = ConnType.HTTPS;
  certs: CertRefs = new CertRefs();
}

export class Endpoint {
  constructor(public id: string, public method: string, public glob: Glob) {}
}

export class Grant {
  constructor(public rightId: string, public ep: Endpoint, public dryRun: bool, public notBefore: i64, public notAfter: i64) {}
}

export class Service {
  key: string;
  grants: Map<string, Grant[]> = new Map();
  constructor(public provider: string, public code: string, public disabledNotice: string | null) {
    this.key = provider + ":" + code;
  }
}

export class Block {
  constructor(public id: string, public reason: string, public dryRun: bool, public expiresAt: i64) {}
}

export class Settings {
  clientHeaders: string[] = ["x-road-client", "x-govstack-client", "information-mediator-client"];
  verifiedClientHeader: string = "x-road-client-verified";
  revisionHeader: string = "x-road-policy-rev";
  requestIdHeader: string = "x-request-id";
  maxPathBytes: i32 = 2000;
}

export class Policy {
  rev: i64 = 0;
  revString: string = "0";
  sha256: string = "";
  instance: string = "";
  settings: Settings = new Settings();
  clients: Map<string, ClientReg> = new Map();
  peers: Map<string, CertRefs> = new Map();
  services: Map<string, Service> = new Map();
  blocks: Map<string, Block[]> = new Map();
  blockCount: i32 = 0;
  rightCount: i32 = 0;
  grantCount: i32 = 0;
}

// ------------------------------------------------------------------ loader

class Ctx {
  error: string | null = null;
  fail(path: string, msg: string): void {
    if (this.error === null) this.error = "config field '" + path + "': " + msg;
  }
  get ok(): bool { return this.error === null; }
}

function plainKey(k: string): bool {
  if (k.length == 0) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c == 0x5f || (i > 0 && c >= 0x30 && c <= 0x39);
    if (!ok) return false;
  }
  return true;
}

function quote(s: string): string {
  let o = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) o += "\\" + String.fromCharCode(c);
    else if (c < 0x20) o += "?";
    else o += String.fromCharCode(c);
  }
  return o + "\"";
}

function child(path: string, key: string): string {
  if (plainKey(key)) return path.length == 0 ? key : path + "." + key;
  return path + "[" + quote(key) + "]";
}
function idx(path: string, i: i32): string { return path + "[" + i.toString() + "]"; }

function describe(v: JsonValue): string {
  if (v.kind == JsonKind.String) return "string " + quote(v.asString());
  return v.typeName;
}

/** Object check + unknown-field check. */
function object(c: Ctx, v: JsonValue | null, path: string, allowed: string[] | null): bool {
  if (v === null) return false;
  if (v.kind != JsonKind.Object) { c.fail(path, "expected an object, got " + describe(v)); return false; }
  if (allowed !== null) {
    for (let i = 0; i < v.length; i++) {
      const k = v.keyAt(i);
      if (!allowed.includes(k)) { c.fail(child(path, k), "unknown field"); return false; }
    }
  }
  return true;
}

function field(v: JsonValue, key: string): JsonValue | null {
  const f = v.get(key);
  return f === null || f.kind == JsonKind.Null ? null : f;
}

function str(c: Ctx, v: JsonValue, key: string, path: string, def: string): string {
  const f = field(v, key);
  if (f === null) return def;
  if (f.kind != JsonKind.String) { c.fail(child(path, key), "expected a string, got " + describe(f)); return def; }
  return f.asString();
}

function reqStr(c: Ctx, v: JsonValue, key: string, path: string): string {
  const f = field(v, key);
  if (f === null) { c.fail(child(path, key), "required field missing"); return ""; }
  const s = str(c, v, key, path, "");
  if (c.ok && s.length == 0) c.fail(child(path, key), "must not be empty");
  return s;
}

function strArray(c: Ctx, v: JsonValue, key: string, path: string): string[] {
  const out = new Array<string>();
  const f = field(v, key);
  if (f === null) return out;
  const p = child(path, key);
  if (f.kind != JsonKind.Array) { c.fail(p, "expected an array of strings, got " + describe(f)); return out; }
  return strList(c, f, p);
}

function strList(c: Ctx, f: JsonValue, p: string): string[] {
  const out = new Array<string>();
  if (f.kind != JsonKind.Array) { c.fail(p, "expected an array of strings, got " + describe(f)); return out; }
  for (let i = 0; i < f.length; i++) {
    const e = f.at(i)!;
    if (e.kind != JsonKind.String) { c.fail(idx(p, i), "expected a string, got " + describe(e)); return out; }
    out.push(e.asString());
  }
  return out;
}

function time(c: Ctx, v: JsonValue, key: string, path: string, def: i64): i64 {
  const f = field(v, key);
  if (f === null) return def;
  if (f.kind != JsonKind.String) { c.fail(child(path, key), "expected an RFC 3339 timestamp string, got " + describe(f)); return def; }
  const t = parseRfc3339(f.asString());
  if (t == BAD_TIME) { c.fail(child(path, key), "not an RFC 3339 timestamp (e.g. 2026-12-31T23:59:59Z): " + quote(f.asString())); return def; }
  return t;
}

function mode(c: Ctx, v: JsonValue, path: string): bool {
  const m = str(c, v, "mode", path, "ENFORCE");
  if (m == "ENFORCE") return false;
  if (m == "DRY_RUN") return true;
  c.fail(child(path, "mode"), "expected one of ENFORCE, DRY_RUN, got " + quote(m));
  return false;
}

function headerName(c: Ctx, name: string, path: string): string {
  if (name.length == 0) { c.fail(path, "must not be empty"); return name; }
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    const ok = (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39) || ch == 0x2d || ch == 0x5f || ch == 0x2e;
    if (!ok) { c.fail(path, "not a header name: " + quote(name)); return name; }
  }
  return name.toLowerCase();
}

function isHex(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i) | 0x20;
    if (!((ch >= 0x30 && ch <= 0x39) || (ch >= 0x61 && ch <= 0x66))) return false;
  }
  return true;
}

function certRefs(c: Ctx, f: JsonValue, p: string): CertRefs {
  const r = new CertRefs();
  const list = strList(c, f, p);
  for (let i = 0; i < list.length && c.ok; i++) {
    const s = list[i];
    if (s.startsWith("sha256/")) {
      const hex = s.substring(7).replaceAll(":", "").toLowerCase();
      if (hex.length != 64 || !isHex(hex)) c.fail(idx(p, i), "sha256 digest must be 64 hex digits: " + quote(s));
      else r.sha256.push(hex);
    } else if (s.startsWith("uri/") && s.length > 4) r.uri.push(s.substring(4));
    else if (s.startsWith("subject/") && s.length > 8) r.subject.push(s.substring(8));
    else c.fail(idx(p, i), "expected \"sha256/<hex>\", \"uri/<URI SAN>\" or \"subject/<subject DN>\", got " + quote(s));
  }
  return r;
}

function checkId(c: Ctx, id: string, path: string, minParts: i32, maxParts: i32): void {
  const e = checkColonId(id, minParts, maxParts);
  if (e !== null) c.fail(path, e);
}

const TOP = ["rev", "sha256", "instance", "clientHeaders", "verifiedClientHeader", "revisionHeader", "requestIdHeader",
  "maxPathBytes", "clients", "peers", "groups", "providers", "blocks", "decisionLog"];
const CLIENT = ["connectionType", "certs"];
const SERVICE = ["disabledNotice", "endpoints", "rights"];
const ENDPOINT = ["id", "m", "p"];
const RIGHT = ["id", "ep", "clients", "groups", "mode", "notBefore", "notAfter", "agreementRef"];
const BLOCK = ["id", "subject", "providerSubsystemId", "serviceCode", "reason", "mode", "expiresAt"];
const SUBJECT = ["type", "id"];
const DECISION_LOG = ["sampleAllow", "endpoint"];
const METHODS = ["*", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"];

export class LoadResult {
  policy: Policy | null = null;
  error: string | null = null;
}

const JSON_OPTS = new JsonOptions();
JSON_OPTS.maxBytes = 256 << 20;
JSON_OPTS.maxDepth = 16;

export function loadPolicy(bytes: ArrayBuffer): LoadResult {
  const out = new LoadResult();
  const res = Json.parse(bytes, JSON_OPTS);
  if (!res.ok) { out.error = "config: " + res.error!; return out; }
  const c = new Ctx();
  const pol = build(c, res.value!);
  if (!c.ok) out.error = c.error;
  else out.policy = pol;
  return out;
}

function build(c: Ctx, root: JsonValue): Policy {
  const pol = new Policy();
  if (root.kind != JsonKind.Object) { c.error = "config: expected a JSON object, got " + root.typeName; return pol; }
  if (!object(c, root, "", TOP)) return pol;

  // rev, sha256, instance
  const rv = field(root, "rev");
  if (rv === null) { c.fail("rev", "required field missing"); return pol; }
  if (rv.kind != JsonKind.Int || rv.asI64() < 0) { c.fail("rev", "expected a non-negative integer, got " + describe(rv)); return pol; }
  pol.rev = rv.asI64();
  pol.revString = pol.rev.toString();
  pol.sha256 = str(c, root, "sha256", "", "");
  if (c.ok && pol.sha256.length > 0 && (pol.sha256.length != 64 || !isHex(pol.sha256))) c.fail("sha256", "expected 64 hex digits");
  pol.instance = str(c, root, "instance", "", "");
  if (c.ok && pol.instance.length > 0) checkId(c, pol.instance, "instance", 1, 1);

  // settings
  const st = pol.settings;
  if (field(root, "clientHeaders") !== null) {
    const hs = strArray(c, root, "clientHeaders", "");
    if (c.ok && hs.length == 0) c.fail("clientHeaders", "must name at least one header");
    for (let i = 0; i < hs.length && c.ok; i++) hs[i] = headerName(c, hs[i], idx("clientHeaders", i));
    st.clientHeaders = hs;
  }
  st.verifiedClientHeader = headerName(c, str(c, root, "verifiedClientHeader", "", st.verifiedClientHeader), "verifiedClientHeader");
  const rh = str(c, root, "revisionHeader", "", st.revisionHeader);
  st.revisionHeader = rh.length == 0 ? "" : headerName(c, rh, "revisionHeader");
  st.requestIdHeader = headerName(c, str(c, root, "requestIdHeader", "", st.requestIdHeader), "requestIdHeader");
  const mp = field(root, "maxPathBytes");
  if (mp !== null) {
    if (mp.kind != JsonKind.Int || mp.asI64() < 64 || mp.asI64() > 65536) c.fail("maxPathBytes", "expected an integer between 64 and 65536, got " + describe(mp));
    else st.maxPathBytes = <i32>mp.asI64();
  }
  if (c.ok && st.clientHeaders.includes(st.verifiedClientHeader) && st.clientHeaders.length > 0) {
    // allowed: the verified id then replaces the client's own header of the same name
  }
  if (!c.ok) return pol;

  // clients
  const cl = field(root, "clients");
  if (cl !== null && object(c, cl, "clients", null)) {
    for (let i = 0; i < cl.length && c.ok; i++) {
      const id = cl.keyAt(i);
      const p = child("clients", id);
      checkId(c, id, p, 3, 4);
      const e = cl.at(i)!;
      if (!object(c, e, p, CLIENT)) break;
      const reg = new ClientReg();
      const ct = str(c, e, "connectionType", p, "HTTPS");
      if (ct == "HTTP") reg.conn = ConnType.HTTP;
      else if (ct == "HTTPS") reg.conn = ConnType.HTTPS;
      else if (ct == "HTTPS_NOAUTH") reg.conn = ConnType.HTTPS_NOAUTH;
      else c.fail(child(p, "connectionType"), "expected one of HTTP, HTTPS, HTTPS_NOAUTH, got " + quote(ct));
      const cf = field(e, "certs");
      if (cf !== null) reg.certs = certRefs(c, cf, child(p, "certs"));
      pol.clients.set(id, reg);
    }
  }
  // peers
  const pe = field(root, "peers");
  if (pe !== null && object(c, pe, "peers", null)) {
    for (let i = 0; i < pe.length && c.ok; i++) {
      const id = pe.keyAt(i);
      const p = child("peers", id);
      checkId(c, id, p, 3, 4);
      if (c.ok) pol.peers.set(id, certRefs(c, pe.at(i)!, p));
    }
  }
  // groups (expanded into rights below)
  const groups = new Map<string, string[]>();
  const gr = field(root, "groups");
  if (gr !== null && object(c, gr, "groups", null)) {
    for (let i = 0; i < gr.length && c.ok; i++) {
      const id = gr.keyAt(i);
      const p = child("groups", id);
      if (id.length == 0) { c.fail(p, "group id must not be empty"); break; }
      const members = strList(c, gr.at(i)!, p);
      for (let j = 0; j < members.length && c.ok; j++) checkId(c, members[j], idx(p, j), 3, 4);
      groups.set(id, members);
    }
  }
  if (!c.ok) return pol;

  // providers → services
  const pr = field(root, "providers");
  if (pr !== null && object(c, pr, "providers", null)) {
    for (let i = 0; i < pr.length && c.ok; i++) {
      const prov = pr.keyAt(i);
      const pp = child("providers", prov);
      checkId(c, prov, pp, 4, 4);
      const svcs = pr.at(i)!;
      if (!object(c, svcs, pp, null)) break;
      for (let j = 0; j < svcs.length && c.ok; j++) {
        const code = svcs.keyAt(j);
        const sp = child(pp, code);
        checkId(c, code, sp, 1, 1);
        loadService(c, pol, prov, code, svcs.at(j)!, sp, groups);
      }
    }
  }
  if (!c.ok) return pol;

  // blocks
  const bl = field(root, "blocks");
  if (bl !== null) {
    if (bl.kind != JsonKind.Array) c.fail("blocks", "expected an array, got " + describe(bl));
    else for (let i = 0; i < bl.length && c.ok; i++) loadBlock(c, pol, bl.at(i)!, idx("blocks", i), groups);
  }
  // decisionLog: accepted for the policy-admin service's other consumers; this filter does not ship logs
  const dl = field(root, "decisionLog");
  if (dl !== null && object(c, dl, "decisionLog", DECISION_LOG)) {
    const sa = field(dl, "sampleAllow");
    if (sa !== null && (!sa.isNumber || sa.asF64() < 0 || sa.asF64() > 1)) c.fail("decisionLog.sampleAllow", "expected a number between 0 and 1, got " + describe(sa));
    str(c, dl, "endpoint", "decisionLog", "");
  }
  return pol;
}

function loadService(c: Ctx, pol: Policy, prov: string, code: string, v: JsonValue, sp: string, groups: Map<string, string[]>): void {
  if (!object(c, v, sp, SERVICE)) return;
  let notice: string | null = null;
  const dn = field(v, "disabledNotice");
  if (dn !== null) {
    if (dn.kind != JsonKind.String) { c.fail(child(sp, "disabledNotice"), "expected a string or null, got " + describe(dn)); return; }
    notice = dn.asString();
  }
  const svc = new Service(prov, code, notice);
  const eps = new Map<string, Endpoint>();
  const ef = field(v, "endpoints");
  if (ef !== null) {
    const ep0 = child(sp, "endpoints");
    if (ef.kind != JsonKind.Array) { c.fail(ep0, "expected an array, got " + describe(ef)); return; }
    for (let k = 0; k < ef.length && c.ok; k++) {
      const e = ef.at(k)!;
      const p = idx(ep0, k);
      if (!object(c, e, p, ENDPOINT)) return;
      const id = reqStr(c, e, "id", p);
      let m = str(c, e, "m", p, "*").toUpperCase();
      if (c.ok && !METHODS.includes(m)) c.fail(child(p, "m"), "expected one of " + METHODS.join(", ") + ", got " + quote(m));
      const g = str(c, e, "p", p, "**");
      if (c.ok && g.length == 0) c.fail(child(p, "p"), "must not be empty");
      if (c.ok && eps.has(id)) c.fail(child(p, "id"), "duplicate endpoint id " + quote(id));
      if (!c.ok) return;
      eps.set(id, new Endpoint(id, m, new Glob(g)));
    }
  }
  const rf = field(v, "rights");
  if (rf !== null) {
    const rp0 = child(sp, "rights");
    if (rf.kind != JsonKind.Array) { c.fail(rp0, "expected an array, got " + describe(rf)); return; }
    for (let k = 0; k < rf.length && c.ok; k++) {
      const r = rf.at(k)!;
      const p = idx(rp0, k);
      if (!object(c, r, p, RIGHT)) return;
      const id = reqStr(c, r, "id", p);
      const epId = reqStr(c, r, "ep", p);
      if (!c.ok) return;
      if (!eps.has(epId)) { c.fail(child(p, "ep"), "no endpoint " + quote(epId) + " in this service"); return; }
      const ep = eps.get(epId);
      const dry = mode(c, r, p);
      const nb = time(c, r, "notBefore", p, NO_LIMIT_LOW);
      const na = time(c, r, "notAfter", p, NO_LIMIT_HIGH);
      if (c.ok && nb != NO_LIMIT_LOW && na != NO_LIMIT_HIGH && na < nb) c.fail(child(p, "notAfter"), "is before notBefore");
      str(c, r, "agreementRef", p, "");
      const clients = strArray(c, r, "clients", p);
      const gs = strArray(c, r, "groups", p);
      if (c.ok && clients.length == 0 && gs.length == 0) c.fail(p, "a right must name at least one client or group");
      if (!c.ok) return;
      const grant = new Grant(id, ep, dry, nb, na);
      for (let q = 0; q < clients.length && c.ok; q++) {
        checkId(c, clients[q], idx(child(p, "clients"), q), 3, 4);
        addGrant(pol, svc, clients[q], grant);
      }
      for (let q = 0; q < gs.length && c.ok; q++) {
        const gid = gs[q];
        if (!groups.has(gid)) { c.fail(idx(child(p, "groups"), q), "unknown group " + quote(gid)); return; }
        const members = groups.get(gid);
        for (let z = 0; z < members.length; z++) addGrant(pol, svc, members[z], grant);
      }
      pol.rightCount++;
    }
  }
  pol.services.set(svc.key, svc);
}

function addGrant(pol: Policy, svc: Service, client: string, g: Grant): void {
  const m = svc.grants;
  if (m.has(client)) {
    const list = m.get(client);
    // the same right reached twice (as a client and through a group): keep one
    for (let i = 0; i < list.length; i++) if (list[i] === g) return;
    list.push(g);
  } else {
    m.set(client, [g]);
  }
  pol.grantCount++;
}

function loadBlock(c: Ctx, pol: Policy, v: JsonValue, p: string, groups: Map<string, string[]>): void {
  if (!object(c, v, p, BLOCK)) return;
  const id = reqStr(c, v, "id", p);
  const subj = field(v, "subject");
  if (subj === null) { c.fail(child(p, "subject"), "required field missing"); return; }
  const sp = child(p, "subject");
  if (!object(c, subj, sp, SUBJECT)) return;
  const type = reqStr(c, subj, "type", sp);
  let sid = str(c, subj, "id", sp, "");
  if (!c.ok) return;
  const subjects = new Array<string>();
  if (type == "ANY") subjects.push("*");
  else if (type == "SUBSYSTEM") { checkId(c, sid, child(sp, "id"), 4, 4); subjects.push(sid); }
  else if (type == "MEMBER") { checkId(c, sid, child(sp, "id"), 3, 3); subjects.push(sid); }
  else if (type == "GLOBALGROUP" || type == "LOCALGROUP") {
    if (!groups.has(sid)) { c.fail(child(sp, "id"), "unknown group " + quote(sid)); return; }
    const ms = groups.get(sid);
    for (let i = 0; i < ms.length; i++) subjects.push(ms[i]);
  } else { c.fail(child(sp, "type"), "expected one of ANY, SUBSYSTEM, MEMBER, GLOBALGROUP, LOCALGROUP, got " + quote(type)); return; }
  const prov = str(c, v, "providerSubsystemId", p, "");
  const code = str(c, v, "serviceCode", p, "");
  if (c.ok && prov.length > 0) checkId(c, prov, child(p, "providerSubsystemId"), 4, 4);
  if (c.ok && code.length > 0) {
    if (prov.length == 0) c.fail(child(p, "serviceCode"), "needs providerSubsystemId");
    else checkId(c, code, child(p, "serviceCode"), 1, 1);
  }
  const reason = str(c, v, "reason", p, "");
  const dry = mode(c, v, p);
  const exp = time(c, v, "expiresAt", p, NO_LIMIT_HIGH);
  if (!c.ok) return;
  const scope = prov.length == 0 ? "*" : code.length == 0 ? prov : prov + ":" + code;
  const b = new Block(id, reason, dry, exp);
  for (let i = 0; i < subjects.length; i++) {
    const key = subjects[i] + "|" + scope;
    if (pol.blocks.has(key)) pol.blocks.get(key).push(b);
    else pol.blocks.set(key, [b]);
  }
  pol.blockCount++;
}

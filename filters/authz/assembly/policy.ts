// The compiled policy (reference §E, schema in ../config.schema.json) and its loader.
// The loader reads the configuration with the SDK's ConfigReader (typed getters, errors naming the
// field path, finish() for unknown fields) and builds the request-time lookups as it reads, with no
// intermediate copy of the policy:
//   ids       every client id the policy names (registrations, peer-hosted clients, right and block
//             subjects, group members) → a dense index; per index its wire form, registration, peer certs;
//   services  "INST:CLASS:MEMBER:SUB:CODE" → a dense index; per index its disabled notice;
//   grants    (service, client) → a list of rights, groups already expanded, in policy order;
//   blocks    (scope, subject) → block rules, scope = service | provider | everything.
// Everything that can be as large as the number of rights lives in flat tables (./table.ts), so the
// garbage collector's work and the per-request lookups do not grow with it.
import { ConfigReader, Json, JsonOptions, decimal } from "../../../sdk";
import { asciiCase, checkColonId, wireForm } from "./ids";
import { Glob } from "./glob";
import { BAD_TIME, parseRfc3339 } from "./isotime";
import { IntList, KeyTable, LongList, PairTable, StringPool } from "./table";

export const NO_LIMIT_LOW: i64 = i64.MIN_VALUE;
export const NO_LIMIT_HIGH: i64 = i64.MAX_VALUE;

export enum ConnType { NONE = -1, HTTP = 0, HTTPS = 1, HTTPS_NOAUTH = 2 }
const CONN_TYPES = ["HTTP", "HTTPS", "HTTPS_NOAUTH"];
const MODES = ["ENFORCE", "DRY_RUN"];
const SUBJECT_TYPES = ["ANY", "SUBSYSTEM", "MEMBER", "GLOBALGROUP", "LOCALGROUP"];
const METHODS = ["*", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"];

/** Block scope "everything" and block subject "any client" in the blocks table. */
export const SCOPE_ALL: i32 = 0x7ffffffe;
export const SUBJECT_ANY: i32 = 0x7ffffffe;

/** Certificate references: "sha256/<hex>", "uri/<URI SAN>", "subject/<subject DN>". */
export class CertRefs {
  sha256: string[] = [];
  uri: string[] = [];
  subject: string[] = [];
}

export class Endpoint {
  constructor(public method: string, public glob: Glob) {}
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

  // clients, by id index
  ids: KeyTable = new KeyTable();
  idWire: string[] = [];
  idConn: IntList = new IntList();
  idCerts: Array<CertRefs | null> = [];
  idPeer: Array<CertRefs | null> = [];
  clientCount: i32 = 0;
  peerCount: i32 = 0;

  // services, by service index
  services: KeyTable = new KeyTable();
  svcNotice: Array<string | null> = [];

  // rights, by right index; grants = (service, client) → first grant; grant → right, next grant
  endpoints: Endpoint[] = [];
  rightEp: IntList = new IntList();
  rightDry: IntList = new IntList();
  rightNotBefore: LongList = new LongList();
  rightNotAfter: LongList = new LongList();
  rightIds: StringPool = new StringPool();
  grants: PairTable = new PairTable();
  grantRight: IntList = new IntList();
  grantNext: IntList = new IntList();
  grantCount: i32 = 0;

  // blocks: (scope, subject) → index into blockLists; scope = index in blockScopes or SCOPE_ALL
  blockScopes: KeyTable = new KeyTable();
  blocks: PairTable = new PairTable();
  blockLists: Array<Block[]> = [];
  blockCount: i32 = 0;

  get rightCount(): i32 { return this.rightEp.length; }

  /** Index of a (validated) client id, added when new. */
  idOf(id: string): i32 {
    const i = this.ids.add(id);
    if (i == this.idWire.length) {
      this.idWire.push(wireForm(id));
      this.idConn.push(<i32>ConnType.NONE);
      this.idCerts.push(null);
      this.idPeer.push(null);
    }
    return i;
  }
}

// ------------------------------------------------------------------ loader

/** Errors below a reader's own fields (array elements, computed checks); the first error wins. */
class Ctx {
  error: string | null = null;
  constructor(public root: ConfigReader) {}
  get ok(): bool { return this.error === null && this.root.ok; }
  failAt(path: string, msg: string): void {
    if (this.ok) this.error = "config field '" + path + "': " + msg;
  }
}

// Paths are computed only when reporting an error (a reader's path may cost a walk of the document).

/** Checks id and reports a bad one at reader `r` itself. */
function idHere(r: ConfigReader, id: string, minParts: i32, maxParts: i32): bool {
  const e = checkColonId(id, minParts, maxParts);
  if (e !== null) r.failHere(e);
  return e === null;
}
/** Checks id and reports a bad one at field `name` of reader `r`. */
function idAt(r: ConfigReader, name: string, id: string, minParts: i32, maxParts: i32): bool {
  const e = checkColonId(id, minParts, maxParts);
  if (e !== null) r.fail(name, e);
  return e === null;
}
/** Checks id and reports a bad one at element `i` of field `name` of reader `r`. */
function idAtIndex(c: Ctx, r: ConfigReader, name: string, i: i32, id: string, minParts: i32, maxParts: i32): bool {
  const e = checkColonId(id, minParts, maxParts);
  if (e !== null) c.failAt(idx(sub(r.path, name), i), e);
  return e === null;
}

/** The path of member `key` under `path`, spelled as ConfigReader spells it. */
function sub(path: string, key: string): string {
  let plain = key.length > 0;
  for (let i = 0; i < key.length && plain; i++) {
    const c = key.charCodeAt(i);
    plain = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x5f || c == 0x2d;
  }
  if (!plain) return path + "[" + Json.quote(key) + "]";
  return path.length == 0 ? key : path + "." + key;
}
function idx(path: string, i: i32): string { return path + "[" + decimal(i) + "]"; }

function headerName(c: Ctx, name: string, path: string): string {
  if (name.length == 0) { c.failAt(path, "must not be empty"); return name; }
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    const ok = (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39) || ch == 0x2d || ch == 0x5f || ch == 0x2e;
    if (!ok) { c.failAt(path, "not a header name: " + Json.quote(name)); return name; }
  }
  return asciiCase(name, false);
}

function isHex(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i) | 0x20;
    if (!((ch >= 0x30 && ch <= 0x39) || (ch >= 0x61 && ch <= 0x66))) return false;
  }
  return true;
}

// count()/item() take an array and an object (a map) alike: these tell which one the schema wants.
// (An element's reader has a key exactly when the container is an object; an empty container of the
// other kind reads as empty.)
/** Members of map field `name`; an array with elements is reported. */
function mapCount(r: ConfigReader, name: string): i32 {
  const n = r.count(name);
  if (n > 0 && r.item(name, 0).key.length == 0) { r.fail(name, "expected an object, got array"); return 0; }
  return n;
}
/** Elements of array field `name`; an object with members is reported. */
function arrayCount(r: ConfigReader, name: string): i32 {
  const n = r.count(name);
  if (n > 0 && r.item(name, 0).key.length > 0) { r.fail(name, "expected an array, got object"); return 0; }
  return n;
}

function nonEmpty(r: ConfigReader, name: string): string {
  const s = r.requireString(name);
  if (r.ok && s.length == 0) r.fail(name, "must not be empty");
  return s;
}

/** A default no configuration can spell: tells "absent or null" from any value in one field lookup. */
const ABSENT = "\u0000absent";
@inline function isAbsent(s: string): bool { return changetype<usize>(s) == changetype<usize>(ABSENT); }

/** Timestamp `s` of field `name` of `r` (RFC 3339); a bad one is reported and gives `def`. */
function time(r: ConfigReader, name: string, s: string, def: i64): i64 {
  if (!r.ok) return def;
  const t = parseRfc3339(s);
  if (t == BAD_TIME) { r.fail(name, "not an RFC 3339 timestamp (e.g. 2026-12-31T23:59:59Z): " + Json.quote(s)); return def; }
  return t;
}
/** Certificate references of field `name` of reader `r`. */
function certRefs(c: Ctx, r: ConfigReader, name: string): CertRefs {
  const list = r.stringArray(name);
  const out = new CertRefs();
  for (let i = 0; i < list.length && c.ok; i++) {
    const s = list[i];
    if (s.startsWith("sha256/")) {
      const hex = s.substring(7).replaceAll(":", "");
      const hexLower = asciiCase(hex, false);
      if (hex.length != 64 || !isHex(hex)) c.failAt(idx(sub(r.path, name), i), "sha256 digest must be 64 hex digits: " + Json.quote(s));
      else out.sha256.push(hexLower);
    } else if (s.startsWith("uri/") && s.length > 4) out.uri.push(s.substring(4));
    else if (s.startsWith("subject/") && s.length > 8) out.subject.push(s.substring(8));
    else c.failAt(idx(sub(r.path, name), i), "expected \"sha256/<hex>\", \"uri/<URI SAN>\" or \"subject/<subject DN>\", got " + Json.quote(s));
  }
  return out;
}

export class LoadResult {
  policy: Policy | null = null;
  error: string | null = null;
}

const JSON_OPTS = new JsonOptions();
JSON_OPTS.maxBytes = 256 << 20;
JSON_OPTS.maxDepth = 16;

export function loadPolicy(bytes: ArrayBuffer): LoadResult {
  const out = new LoadResult();
  const r = ConfigReader.parse(bytes, JSON_OPTS);
  const c = new Ctx(r);
  const pol = new Policy();
  if (r.ok) build(c, r, pol);
  if (c.ok) r.finish();
  if (c.error !== null) out.error = c.error;
  else if (!r.ok) out.error = r.error;
  else out.policy = pol;
  return out;
}

function build(c: Ctx, r: ConfigReader, pol: Policy): void {
  // rev, sha256, instance
  const rev = r.requireI64("rev");
  if (!r.ok) return;
  if (rev < 0) { r.fail("rev", "expected a non-negative integer, got " + decimal(rev)); return; }
  pol.rev = rev;
  pol.revString = decimal(rev);
  pol.sha256 = r.string("sha256", "");
  if (r.ok && pol.sha256.length > 0 && (pol.sha256.length != 64 || !isHex(pol.sha256))) r.fail("sha256", "expected 64 hex digits");
  pol.instance = r.string("instance", "");
  if (c.ok && pol.instance.length > 0) idAt(r, "instance", pol.instance, 1, 1);

  // settings
  const st = pol.settings;
  const hs = r.stringArray("clientHeaders");
  if (c.ok && r.has("clientHeaders")) {
    if (hs.length == 0) c.failAt("clientHeaders", "must name at least one header");
    for (let i = 0; i < hs.length && c.ok; i++) hs[i] = headerName(c, hs[i], idx("clientHeaders", i));
    st.clientHeaders = hs;
  }
  st.verifiedClientHeader = headerName(c, r.string("verifiedClientHeader", st.verifiedClientHeader), "verifiedClientHeader");
  const rh = r.string("revisionHeader", st.revisionHeader);
  st.revisionHeader = rh.length == 0 ? "" : headerName(c, rh, "revisionHeader");
  st.requestIdHeader = headerName(c, r.string("requestIdHeader", st.requestIdHeader), "requestIdHeader");
  st.maxPathBytes = r.i32("maxPathBytes", st.maxPathBytes, 64, 65536);
  if (!c.ok) return;

  // clients (registrations)
  // big arrays and maps: count()/item() hand out one reused reader (nothing allocated per element)
  const nClients = mapCount(r, "clients");
  for (let i = 0; i < nClients && c.ok; i++) {
    const e = r.item("clients", i);
    if (!idHere(e, e.key, 3, 4)) break;
    const conn = e.oneOfIndex("connectionType", CONN_TYPES, <i32>ConnType.HTTPS);
    const certs = certRefs(c, e, "certs");
    if (!c.ok) break;
    const id = pol.idOf(e.key);
    pol.idConn.setAt(id, conn);
    pol.idCerts[id] = certs;
    pol.clientCount++;
  }
  // peers: client id → authentication certificates of the security servers hosting it
  const peers = r.object("peers");
  const peerIds = peers.keys();
  for (let i = 0; i < peerIds.length && c.ok; i++) {
    const k = unchecked(peerIds[i]);
    if (!idAt(peers, k, k, 3, 4)) break;
    const certs = certRefs(c, peers, k);
    if (!c.ok) break;
    pol.idPeer[pol.idOf(k)] = certs;
    pol.peerCount++;
  }
  // groups: expanded into rights and blocks below (configure time only)
  const groups = new Map<string, string[]>();
  const gr = r.object("groups");
  const groupIds = gr.keys();
  for (let i = 0; i < groupIds.length && c.ok; i++) {
    const k = unchecked(groupIds[i]);
    if (k.length == 0) { gr.fail(k, "group id must not be empty"); break; }
    const members = gr.stringArray(k);
    for (let j = 0; j < members.length && c.ok; j++) idAtIndex(c, gr, k, j, members[j], 3, 4);
    groups.set(k, members);
  }
  if (!c.ok) return;

  // providers → services → endpoints, rights
  const nProviders = mapCount(r, "providers");
  for (let i = 0; i < nProviders && c.ok; i++) {
    const pr = r.item("providers", i);
    if (!idHere(pr, pr.key, 4, 4)) break;
    const codes = pr.keys();
    for (let j = 0; j < codes.length && c.ok; j++) {
      const code = unchecked(codes[j]);
      const sv = pr.object(code);
      if (!idHere(sv, code, 1, 1)) break;
      loadService(c, pol, pr.key + ":" + code, sv, groups);
    }
  }
  if (!c.ok) return;
  reorderGrants(pol);

  // blocks
  const nBlocks = arrayCount(r, "blocks");
  for (let i = 0; i < nBlocks && c.ok; i++) loadBlock(c, pol, r.item("blocks", i), groups);

  // decisionLog: accepted for the policy-admin service's other consumers; this filter ships no logs
  const dl = r.object("decisionLog");
  dl.f64("sampleAllow", 0, 0, 1);
  dl.string("endpoint", "");
}

function loadService(c: Ctx, pol: Policy, key: string, sv: ConfigReader, groups: Map<string, string[]>): void {
  const notice = sv.string("disabledNotice", ABSENT);
  const svc = pol.services.add(key);
  pol.svcNotice.push(isAbsent(notice) ? null : notice);

  // endpoint ids of this service → index from epBase in pol.endpoints
  const eps = new KeyTable();
  const epBase = pol.endpoints.length;
  const nEndpoints = arrayCount(sv, "endpoints");
  for (let k = 0; k < nEndpoints && c.ok; k++) {
    const e = sv.item("endpoints", k);
    const id = nonEmpty(e, "id");
    const m = asciiCase(e.string("m", "*"), true);
    if (e.ok && !METHODS.includes(m)) e.fail("m", "expected one of " + METHODS.join(", ") + ", got " + Json.quote(m));
    const g = e.string("p", "**");
    if (e.ok && g.length == 0) e.fail("p", "must not be empty");
    if (e.ok && eps.findUtf8(id) >= 0) e.fail("id", "duplicate endpoint id " + Json.quote(id));
    if (!c.ok) return;
    eps.addUtf8(id);
    pol.endpoints.push(new Endpoint(m, new Glob(g)));
  }

  const nRights = arrayCount(sv, "rights");
  for (let k = 0; k < nRights; k++) {
    if (!loadRight(c, pol, svc, sv.item("rights", k), eps, epBase, groups)) return;
  }
}

const RIGHT_FIELDS = ["id", "ep", "clients", "mode", "groups", "notBefore", "notAfter", "agreementRef"];
const NO_STRINGS = new Array<string>(0);

/**
 * One access right. A right names 4 of its 8 fields in the common case, and every field lookup is a
 * scan of the right's members (an absent one the whole scan): the right's member count is read first,
 * and once as many fields were found as it has members the rest are known to be absent and not looked
 * up. memberCount() takes the right's unknown-field check over from finish(): a right with more members
 * than fields found (an unknown field, or a field spelled null or []) has its keys checked here, with
 * finish()'s message.
 */
function loadRight(c: Ctx, pol: Policy, svc: i32, rr: ConfigReader, eps: KeyTable, epBase: i32, groups: Map<string, string[]>): bool {
  const members = rr.memberCount();
  const id = nonEmpty(rr, "id");
  const epId = nonEmpty(rr, "ep");
  if (!c.ok) return false;
  const ep = eps.findUtf8(epId);
  if (ep < 0) { rr.fail("ep", "no endpoint " + Json.quote(epId) + " in this service"); return false; }
  let found = 2;
  const clients = rr.stringArray("clients");
  if (clients.length > 0) found++;
  let dry = 0;
  let gs = NO_STRINGS;
  let nb = NO_LIMIT_LOW, na = NO_LIMIT_HIGH;
  if (found < members) {
    const m = rr.oneOfIndex("mode", MODES, -1);
    if (m >= 0) { found++; dry = m; }
  }
  if (found < members) {
    gs = rr.stringArray("groups");
    if (gs.length > 0) found++;
  }
  if (found < members) {
    const s = rr.string("notBefore", ABSENT);
    if (!isAbsent(s)) { found++; nb = time(rr, "notBefore", s, NO_LIMIT_LOW); }
  }
  if (found < members) {
    const s = rr.string("notAfter", ABSENT);
    if (!isAbsent(s)) { found++; na = time(rr, "notAfter", s, NO_LIMIT_HIGH); }
  }
  if (found < members && !isAbsent(rr.string("agreementRef", ABSENT))) found++;
  if (!c.ok) return false;
  if (found < members && !knownFields(rr, RIGHT_FIELDS)) return false;
  if (nb != NO_LIMIT_LOW && na != NO_LIMIT_HIGH && na < nb) { rr.fail("notAfter", "is before notBefore"); return false; }
  if (clients.length == 0 && gs.length == 0) { rr.failHere("a right must name at least one client or group"); return false; }

  const right = pol.rightEp.push(epBase + ep);
  pol.rightDry.push(dry);
  pol.rightNotBefore.push(nb);
  pol.rightNotAfter.push(na);
  pol.rightIds.push(id);
  for (let q = 0; q < clients.length; q++) {
    // an id already in the table was checked when it was added: most rights name known clients
    let cid = pol.ids.findKey(unchecked(clients[q]));
    if (cid < 0) {
      if (!idAtIndex(c, rr, "clients", q, clients[q], 3, 4)) return false;
      cid = pol.idOf(clients[q]);
    }
    addGrant(pol, svc, cid, right);
  }
  for (let q = 0; q < gs.length; q++) {
    const gid = gs[q];
    if (!groups.has(gid)) { c.failAt(idx(sub(rr.path, "groups"), q), "unknown group " + Json.quote(gid)); return false; }
    const ms = groups.get(gid);
    for (let z = 0; z < ms.length; z++) addGrant(pol, svc, pol.idOf(ms[z]), right);
  }
  return true;
}

/** Reports the first member of `r`'s object that is not in `fields` as finish() would ("unknown field"). */
function knownFields(r: ConfigReader, fields: string[]): bool {
  const keys = r.keys();
  for (let i = 0; i < keys.length; i++) {
    if (!fields.includes(keys[i])) { r.fail(keys[i], "unknown field"); return false; }
  }
  return true;
}

/** Prepends; the same right reached twice for one client (directly and through a group) is kept once:
 *  a right's grants are added together, so a repeat is always the list's head. */
function addGrant(pol: Policy, svc: i32, client: i32, right: i32): void {
  const head = pol.grants.get(svc, client);
  if (head >= 0 && pol.grantRight.at(head) == right) return;
  const g = pol.grantRight.push(right);
  pol.grantNext.push(head);
  pol.grants.set(svc, client, g);
  pol.grantCount++;
}

/** Lists were built newest first: reverse each so the first right in policy order decides. */
function reorderGrants(pol: Policy): void {
  const t = pol.grants;
  const next = pol.grantNext;
  for (let s = 0, n = t.capacity; s < n; s++) {
    let cur = t.valueAtSlot(s);
    if (cur < 0) continue;
    let prev = -1;
    while (cur >= 0) {
      const nx = next.at(cur);
      next.setAt(cur, prev);
      prev = cur;
      cur = nx;
    }
    t.setValueAtSlot(s, prev);
  }
}

function loadBlock(c: Ctx, pol: Policy, b: ConfigReader, groups: Map<string, string[]>): void {
  const id = nonEmpty(b, "id");
  const subj = b.requireObject("subject");
  const type = subj.requireOneOfIndex("type", SUBJECT_TYPES);
  const sid = subj.string("id", "");
  if (!c.ok) return;
  const subjects = new Array<i32>();
  if (type == 0) subjects.push(SUBJECT_ANY);
  else if (type == 1 || type == 2) {
    if (!idAt(subj, "id", sid, type == 1 ? 4 : 3, type == 1 ? 4 : 3)) return;
    subjects.push(pol.idOf(sid));
  } else {
    if (!groups.has(sid)) { subj.fail("id", "unknown group " + Json.quote(sid)); return; }
    const ms = groups.get(sid);
    for (let i = 0; i < ms.length; i++) subjects.push(pol.idOf(ms[i]));
  }
  const prov = b.string("providerSubsystemId", "");
  const code = b.string("serviceCode", "");
  if (c.ok && prov.length > 0) idAt(b, "providerSubsystemId", prov, 4, 4);
  if (c.ok && code.length > 0) {
    if (prov.length == 0) b.fail("serviceCode", "needs providerSubsystemId");
    else idAt(b, "serviceCode", code, 1, 1);
  }
  const reason = b.string("reason", "");
  const dry = b.oneOfIndex("mode", MODES, 0) == 1;
  const es = b.string("expiresAt", ABSENT);
  const exp = isAbsent(es) ? NO_LIMIT_HIGH : time(b, "expiresAt", es, NO_LIMIT_HIGH);
  if (!c.ok) return;
  const scope = prov.length == 0 ? SCOPE_ALL : pol.blockScopes.add(code.length == 0 ? prov : prov + ":" + code);
  const blk = new Block(id, reason, dry, exp);
  for (let i = 0; i < subjects.length; i++) {
    const at = pol.blocks.get(scope, subjects[i]);
    if (at >= 0) pol.blockLists[at].push(blk);
    else {
      pol.blocks.set(scope, subjects[i], pol.blockLists.length);
      pol.blockLists.push([blk]);
    }
  }
  pol.blockCount++;
}

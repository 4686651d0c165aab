// authz: the security server's access decision for X-Road / GovStack REST requests.
//   who:   the client header (X-Road-Client and aliases, last one wins), proven by the connection
//   what:  /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICECODE}/{path}
//   rule:  default deny; access rights on (provider subsystem, service) naming the client or a group,
//          endpoint method + path glob, mode, validity window; block rules; disabled notices
//   reply: allowed → continue with the verified client id in a header; denied → X-Road error JSON.
// Configuration: the compiled policy JSON (see ../config.schema.json, ../README.md). No configuration
// → every request is denied (fail closed); a configuration with an error is rejected (naming the field).
import {
  RootContext, HttpContext, FilterHeadersStatus, registerRootContext, isLogEnabled, LogLevel,
  logDebug, logInfo, logWarn, logError, Headers, pair, getCurrentTimeNanoseconds, decimal, rawPairsPtr,
} from "../../../sdk";
import { Policy, Settings, loadPolicy } from "./policy";
import { ServicePath, pathErrorText } from "./path";
import { ClientKey } from "./ids";
import { Peer, Proof, prove } from "./identity";
import { Decision, decide } from "./decide";
import { Reason, count, reasonName, httpStatus, errorType, errorBody, DRY_RUN_ALLOW, DRY_RUN_BLOCK } from "./answers";
import { PairsCursor } from "../../../sdk/pairs";
import { decodeUtf8 } from "../../../sdk/runtime/memory";
export * from "../../../sdk/abi/exports";

const DEFAULT_SETTINGS = new Settings();

class AuthzRoot extends RootContext {
  /** null: no configuration → deny everything. */
  policy: Policy | null = null;
  settings: Settings = DEFAULT_SETTINGS;
  // per-request scratch, reused (one request at a time per VM)
  sp: ServicePath = new ServicePath(DEFAULT_SETTINGS.maxPathBytes);
  client: ClientKey = new ClientKey();
  peer: Peer = new Peer();
  proof: Proof = new Proof();
  decision: Decision = new Decision();
  // the header names of the settings as UTF-8 bytes (encoded once per configuration): the request is
  // read and written with the raw SDK calls, without a string per header
  cursor: PairsCursor = new PairsCursor();
  names8: ArrayBuffer[] = utf8All(DEFAULT_SETTINGS.clientHeaders);
  rid8: ArrayBuffer = String.UTF8.encode(DEFAULT_SETTINGS.requestIdHeader);
  verified8: ArrayBuffer = String.UTF8.encode(DEFAULT_SETTINGS.verifiedClientHeader);
  revName8: ArrayBuffer = String.UTF8.encode(DEFAULT_SETTINGS.revisionHeader);
  /** The policy revision as bytes (the response header's value). */
  rev8: ArrayBuffer = new ArrayBuffer(0);
  /** Scratch for the verified client id's bytes (grown when an id is longer). */
  wire8: ArrayBuffer = new ArrayBuffer(256);

  encodeSettings(st: Settings): void {
    this.names8 = utf8All(st.clientHeaders);
    this.rid8 = String.UTF8.encode(st.requestIdHeader);
    this.verified8 = String.UTF8.encode(st.verifiedClientHeader);
    this.revName8 = String.UTF8.encode(st.revisionHeader);
  }

  /** The UTF-8 bytes of `s` in wire8 (valid until the next call); their length. */
  wireBytes(s: string): usize {
    const n = String.UTF8.byteLength(s);
    if (n > this.wire8.byteLength) this.wire8 = new ArrayBuffer(n);
    return String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, changetype<usize>(this.wire8));
  }

  onConfigure(size: u32): bool {
    const bytes = this.getPluginConfiguration();
    if (bytes === null || isBlank(bytes)) {
      this.policy = null;
      logWarn("authz: no policy configured: every request is denied");
      return true;
    }
    const t0 = getCurrentTimeNanoseconds();
    const r = loadPolicy(bytes);
    // Reading a large policy leaves a lot of garbage (the JSON tape, decoded strings; all of a rejected
    // policy). A full collection now frees it before requests come: left to the incremental GC, the first
    // requests would allocate while it is still live and the allocator would double the memory
    // (66 → 132 MiB at 100,000 rights).
    __collect();
    if (r.error !== null) {
      logError("authz: policy rejected: " + r.error!);
      return false;
    }
    const p = r.policy!;
    this.policy = p;
    this.settings = p.settings;
    this.sp = new ServicePath(p.settings.maxPathBytes);
    this.encodeSettings(p.settings);
    this.rev8 = String.UTF8.encode(p.revString);
    if (isLogEnabled(LogLevel.Info)) {
      const ms = (getCurrentTimeNanoseconds() - t0) / 1000000;
      logInfo("authz: policy rev=" + p.revString + (p.sha256.length > 0 ? " sha256=" + p.sha256 : "") + " loaded: "
        + decimal(p.services.size) + " services, " + decimal(p.rightCount) + " rights, " + decimal(p.grantCount)
        + " grants, " + decimal(p.clientCount) + " clients, " + decimal(p.peerCount) + " peer-hosted clients, "
        + decimal(p.blockCount) + " blocks (" + decimal(ms) + " ms)");
    }
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new AuthzStream(id, this); }
}

function utf8All(names: string[]): ArrayBuffer[] {
  const out = new Array<ArrayBuffer>(names.length);
  for (let i = 0; i < names.length; i++) unchecked(out[i] = String.UTF8.encode(unchecked(names[i])));
  return out;
}

function isBlank(b: ArrayBuffer): bool {
  const n = b.byteLength;
  const p = changetype<usize>(b);
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return false;
  }
  return true;
}

// pseudo-header names as bytes (static data: no allocation)
const PATH_KEY = memory.data<u8>([0x3a, 0x70, 0x61, 0x74, 0x68]); // ":path"
const METHOD_KEY = memory.data<u8>([0x3a, 0x6d, 0x65, 0x74, 0x68, 0x6f, 0x64]); // ":method"

@inline function isKey(p: usize, n: usize, k: usize, kn: usize): bool {
  return n == kn && memory.compare(p, k, kn) == 0;
}

/** A header value's bytes in the pairs buffer as a string ("" for none). */
function text(p: usize, n: usize): string { return n == 0 ? "" : decodeUtf8(p, n); }

class AuthzStream extends HttpContext {
  constructor(id: u32, public root: AuthzRoot) { super(id, root); }
  /** The policy revision header value (bytes) to add to the upstream response (null = none). */
  revOnResponse: ArrayBuffer | null = null;

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const pol = root.policy;
    const st = root.settings;
    // one raw read of the whole map, walked in place: client headers (last occurrence wins), method,
    // path, request id; only those values become strings
    const names = st.clientHeaders;
    const names8 = root.names8;
    let claimedPtr: usize = 0, claimedLen = -1; // the client header value's bytes in the pairs buffer (-1: none)
    let claimedFrom = -1;
    let conflict = false;
    let present = 0; // bit j: client header j was sent (only those are removed when allowed)
    // :method and the request id stay bytes in the pairs buffer (valid for this callback): made into
    // strings only for a deny or a log line
    let methodPtr: usize = 0, methodLen: usize = 0;
    let pathPtr: usize = 0, pathLen = -1; // the :path value's bytes in the pairs buffer (-1: none)
    let ridPtr: usize = 0, ridLen: usize = 0;
    const rid8 = root.rid8;
    const cur = root.cursor;
    const len = this.requestHeaders.pairsRaw();
    const entries = len < 0 ? 0 : cur.reset(rawPairsPtr(), <usize>len);
    if (entries > 0) {
      while (cur.next()) {
        const kp = cur.keyPtr, kl = cur.keyLen;
        if (kl > 0 && load<u8>(kp) == 0x3a) {
          if (isKey(kp, kl, PATH_KEY, 5)) { pathPtr = cur.valuePtr; pathLen = <i32>cur.valueLen; }
          else if (isKey(kp, kl, METHOD_KEY, 7)) { methodPtr = cur.valuePtr; methodLen = cur.valueLen; }
          continue;
        }
        if (cur.keyIs(changetype<usize>(rid8), <usize>rid8.byteLength)) { ridPtr = cur.valuePtr; ridLen = cur.valueLen; continue; }
        for (let j = 0; j < names8.length; j++) {
          const nm = unchecked(names8[j]);
          if (cur.keyIs(changetype<usize>(nm), <usize>nm.byteLength)) {
            // the same header repeated: the last wins; different headers must name the same client
            const vp = cur.valuePtr, vl = <i32>cur.valueLen;
            if (claimedLen >= 0 && claimedFrom != j && (claimedLen != vl || memory.compare(claimedPtr, vp, <usize>vl) != 0)) conflict = true;
            claimedPtr = vp;
            claimedLen = vl;
            claimedFrom = j;
            present |= 1 << min(j, 31);
            break;
          }
        }
      }
    }
    if (entries <= 0 && this.requestHeaders.get(":path") !== null) {
      // the header pairs could not be read (the host answered an empty or malformed map) while the
      // headers exist: we cannot see every client header, so fail closed.
      return this.deny(Reason.BadRequest, "request has too many headers", "", "", "");
    }
    if (pol === null) return this.deny(Reason.NoPolicy, "No access policy is loaded: all requests are denied", text(ridPtr, ridLen), "", "");

    const sp = root.sp;
    if (!sp.parse(pathPtr, pathLen, st.maxPathBytes)) return this.deny(Reason.BadRequest, pathErrorText(sp.error), text(ridPtr, ridLen), "", "");

    if (claimedLen < 0) return this.deny(Reason.MissingClient, "Missing client header " + st.clientHeaders[0], text(ridPtr, ridLen), "", sp.serviceWire());
    if (conflict) return this.deny(Reason.BadClientId, "Client headers name different clients", text(ridPtr, ridLen), "", sp.serviceWire());
    const ck = root.client;
    if (!ck.parseBytes(claimedPtr, claimedLen)) return this.deny(Reason.BadClientId, "Malformed client identifier in " + names[claimedFrom], text(ridPtr, ridLen), "", sp.serviceWire());
    const client = pol.ids.find(ck.ptr, ck.len);

    const peer = root.peer;
    peer.reset();
    const proof = root.proof;
    if (!prove(pol, client, ck, peer, proof)) return this.deny(Reason.Untrusted, proof.why, text(ridPtr, ridLen), ck.wire(), sp.serviceWire());

    const d = root.decision;
    d.reset();
    decide(pol, client, methodPtr, methodLen, sp, d);
    const r = d.reason;
    if (d.dryRunRight >= 0) {
      DRY_RUN_ALLOW.increment(1);
      if (isLogEnabled(LogLevel.Info)) logInfo("authz: dry-run right " + pol.rightIds.get(d.dryRunRight) + " would allow " + ck.wire() + " " + text(methodPtr, methodLen) + " " + sp.serviceWire() + " rev=" + pol.revString);
    }
    const b = d.block;
    if (b !== null && d.dryRunBlock) {
      DRY_RUN_BLOCK.increment(1);
      if (isLogEnabled(LogLevel.Info)) logInfo("authz: dry-run block " + b.id + " would deny " + ck.wire() + " " + text(methodPtr, methodLen) + " " + sp.serviceWire() + " rev=" + pol.revString);
    }
    if (r == Reason.Allowed) {
      // identity headers: only the verified id goes upstream. Remove the client headers that were
      // sent (a header that is also the verified header is replaced below), then set the verified one.
      const req = this.requestHeaders;
      const verified = st.verifiedClientHeader;
      for (let j = 0; j < names.length; j++) {
        if ((present & (1 << min(j, 31))) != 0 && unchecked(names[j]) != verified) {
          const nm = unchecked(names8[j]);
          req.removeRaw(changetype<usize>(nm), <usize>nm.byteLength);
        }
      }
      const v8 = root.verified8;
      const wl = root.wireBytes(unchecked(pol.idWire[client]));
      req.setRaw(changetype<usize>(v8), <usize>v8.byteLength, changetype<usize>(root.wire8), wl);
      this.revOnResponse = st.revisionHeader.length > 0 ? root.rev8 : null;
      count(Reason.Allowed);
      if (isLogEnabled(LogLevel.Debug)) {
        logDebug("authz: allow " + unchecked(pol.idWire[client]) + " " + text(methodPtr, methodLen) + " " + sp.serviceWire() + " path=" + sp.restString()
          + " right=" + pol.rightIds.get(d.right) + " proof=" + proof.how + " rev=" + pol.revString + " request_id=" + text(ridPtr, ridLen));
      }
      return FilterHeadersStatus.Continue;
    }
    const serviceWire = sp.serviceWire();
    let msg: string;
    switch (r) {
      case Reason.UnknownService: msg = "Unknown service: " + serviceWire; break;
      case Reason.Disabled: {
        const notice = unchecked(pol.svcNotice[d.service])!;
        msg = notice.length > 0 ? notice : "Service " + serviceWire + " is disabled";
        break;
      }
      default: msg = "Request is not allowed: " + serviceWire;
    }
    if (r == Reason.Blocked && isLogEnabled(LogLevel.Info)) logInfo("authz: block " + d.block!.id + " (" + d.block!.reason + ") applies");
    if (r == Reason.Disabled && isLogEnabled(LogLevel.Debug)) logDebug("authz: right " + pol.rightIds.get(d.right) + " matched but the service is disabled");
    return this.deny(r, msg, text(ridPtr, ridLen), ck.wire(), serviceWire);
  }

  deny(r: Reason, message: string, requestId: string, client: string, service: string): FilterHeadersStatus {
    const root = this.root;
    const pol = root.policy;
    const rev = pol === null ? "none" : pol.revString;
    count(r);
    const status = httpStatus(r);
    const type = errorType(r);
    if (isLogEnabled(LogLevel.Info)) {
      const sp = root.sp;
      logInfo("authz: deny " + decimal(status) + " " + reasonName(r) + " client=" + (client.length > 0 ? client : "-")
        + " service=" + (service.length > 0 ? service : "-") + " rev=" + rev + " request_id=" + (requestId.length > 0 ? requestId : "-")
        + ": " + message);
      if (isLogEnabled(LogLevel.Debug) && service.length > 0) logDebug("authz: denied path " + sp.restString());
    }
    const headers: Headers = [pair("content-type", "application/json"), pair("x-road-error", type)];
    const rh = root.settings.revisionHeader;
    if (rh.length > 0) headers.push(pair(rh, rev));
    const body = errorBody(type, message, requestId);
    if (!this.sendLocalResponse(status, body, headers, -1, "authz_" + reasonName(r))) {
      // a value the SDK refused (CR/LF/NUL cannot come from headers Envoy accepted, but be safe)
      this.sendLocalResponse(status, errorBody(type, message, ""), [pair("content-type", "application/json"), pair("x-road-error", type)], -1, "authz_" + reasonName(r));
    }
    return FilterHeadersStatus.StopIteration;
  }

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const rev = this.revOnResponse;
    if (rev !== null) {
      const name = this.root.revName8;
      this.responseHeaders.setRaw(changetype<usize>(name), <usize>name.byteLength, changetype<usize>(rev), <usize>rev.byteLength);
    }
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32): RootContext => new AuthzRoot(id), "authz");

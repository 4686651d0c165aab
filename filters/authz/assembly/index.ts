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
  logDebug, logInfo, logWarn, logError, Headers, pair, getCurrentTimeNanoseconds, decimal,
} from "../../../sdk";
import { Policy, Settings, loadPolicy } from "./policy";
import { ServicePath, pathErrorText } from "./path";
import { ClientKey } from "./ids";
import { Peer, Proof, prove } from "./identity";
import { Decision, decide } from "./decide";
import { Reason, count, reasonName, httpStatus, errorType, errorBody, DRY_RUN_ALLOW, DRY_RUN_BLOCK } from "./answers";
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

function isBlank(b: ArrayBuffer): bool {
  const n = b.byteLength;
  const p = changetype<usize>(b);
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return false;
  }
  return true;
}

class AuthzStream extends HttpContext {
  constructor(id: u32, public root: AuthzRoot) { super(id, root); }
  /** The policy revision header value to add to the upstream response ("" = none). */
  revOnResponse: string = "";

  onRequestHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const pol = root.policy;
    const st = root.settings;
    // one read of the whole map: client headers (last occurrence wins), method, path, request id
    const pairs = this.requestHeaders.pairs();
    const names = st.clientHeaders;
    let claimed: string | null = null;
    let claimedFrom = -1;
    let conflict = false;
    let present = 0; // bit j: client header j was sent (only those are removed when allowed)
    let method = "";
    let rawPath: string | null = null;
    let requestId = "";
    const ridName = st.requestIdHeader;
    for (let i = 0, k = pairs.length; i < k; i++) {
      const pr = unchecked(pairs[i]);
      const key = pr.key;
      if (key.length > 0 && key.charCodeAt(0) == 0x3a) {
        if (key == ":path") rawPath = pr.value;
        else if (key == ":method") method = pr.value;
        continue;
      }
      if (key == ridName) { requestId = pr.value; continue; }
      for (let j = 0; j < names.length; j++) {
        if (key == unchecked(names[j])) {
          // the same header repeated: the last wins; different headers must name the same client
          if (claimed !== null && claimedFrom != j && claimed != pr.value) conflict = true;
          claimed = pr.value;
          claimedFrom = j;
          present |= 1 << min(j, 31);
          break;
        }
      }
    }
    if (pairs.length == 0 && this.requestHeaders.get(":path") !== null) {
      // the header pairs could not be read (the host answered an empty or malformed map) while the
      // headers exist: we cannot see every client header, so fail closed.
      return this.deny(Reason.BadRequest, "request has too many headers", "", "", "");
    }
    if (pol === null) return this.deny(Reason.NoPolicy, "No access policy is loaded: all requests are denied", requestId, "", "");

    const sp = root.sp;
    if (!sp.parse(rawPath, st.maxPathBytes)) return this.deny(Reason.BadRequest, pathErrorText(sp.error), requestId, "", "");

    if (claimed === null) return this.deny(Reason.MissingClient, "Missing client header " + st.clientHeaders[0], requestId, "", sp.serviceWire());
    if (conflict) return this.deny(Reason.BadClientId, "Client headers name different clients", requestId, "", sp.serviceWire());
    const ck = root.client;
    if (!ck.parse(claimed)) return this.deny(Reason.BadClientId, "Malformed client identifier in " + names[claimedFrom], requestId, "", sp.serviceWire());
    const client = pol.ids.find(ck.ptr, ck.len);

    const peer = root.peer;
    peer.reset();
    const proof = root.proof;
    if (!prove(pol, client, ck, peer, proof)) return this.deny(Reason.Untrusted, proof.why, requestId, ck.wire(), sp.serviceWire());

    const d = root.decision;
    d.reset();
    decide(pol, client, method, sp, d);
    const r = d.reason;
    if (d.dryRunRight >= 0) {
      DRY_RUN_ALLOW.increment(1);
      if (isLogEnabled(LogLevel.Info)) logInfo("authz: dry-run right " + pol.rightIds.get(d.dryRunRight) + " would allow " + ck.wire() + " " + method + " " + sp.serviceWire() + " rev=" + pol.revString);
    }
    const b = d.block;
    if (b !== null && d.dryRunBlock) {
      DRY_RUN_BLOCK.increment(1);
      if (isLogEnabled(LogLevel.Info)) logInfo("authz: dry-run block " + b.id + " would deny " + ck.wire() + " " + method + " " + sp.serviceWire() + " rev=" + pol.revString);
    }
    if (r == Reason.Allowed) {
      // identity headers: only the verified id goes upstream. Remove the client headers that were
      // sent (a header that is also the verified header is replaced below), then set the verified one.
      const req = this.requestHeaders;
      const verified = st.verifiedClientHeader;
      for (let j = 0; j < names.length; j++) {
        if ((present & (1 << min(j, 31))) != 0 && unchecked(names[j]) != verified) req.remove(unchecked(names[j]));
      }
      req.set(verified, unchecked(pol.idWire[client]));
      this.revOnResponse = st.revisionHeader.length > 0 ? pol.revString : "";
      count(Reason.Allowed);
      if (isLogEnabled(LogLevel.Debug)) {
        logDebug("authz: allow " + unchecked(pol.idWire[client]) + " " + method + " " + sp.serviceWire() + " path=" + sp.restString()
          + " right=" + pol.rightIds.get(d.right) + " proof=" + proof.how + " rev=" + pol.revString + " request_id=" + requestId);
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
    return this.deny(r, msg, requestId, ck.wire(), serviceWire);
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
    if (rev.length > 0) this.responseHeaders.set(this.root.settings.revisionHeader, rev);
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((id: u32): RootContext => new AuthzRoot(id), "authz");

// Is the claimed client proven on this connection? Per the client's registration (policy `clients`):
//   HTTP          the header is trusted from this listener;
//   HTTPS_NOAUTH  trusted when the connection is TLS (`connection.tls_version` is set);
//   HTTPS         the peer certificate (sha256 digest, URI SAN or subject) must be one registered for it;
// or (policy `peers`) the peer is a security server whose auth certificate is registered as hosting it.
// Connection properties are read at most once per request, and only when needed.
import { getPropertyString, Property } from "../../../sdk";
import { CertRefs, ConnType, Policy } from "./policy";
import { ClientKey, asciiCase } from "./ids";

export class Peer {
  private read: bool = false;
  sha256: string = "";
  private uriRead: bool = false;
  private uri: string = "";
  private subjRead: bool = false;
  private subj: string = "";
  private tlsRead: bool = false;
  private tls: bool = false;

  reset(): void {
    this.read = false; this.uriRead = false; this.subjRead = false; this.tlsRead = false;
    this.sha256 = ""; this.uri = ""; this.subj = ""; this.tls = false;
  }
  digest(): string {
    if (!this.read) {
      this.read = true;
      const d = getPropertyString(Property.CONNECTION_SHA256_PEER_CERTIFICATE_DIGEST);
      this.sha256 = d === null ? "" : asciiCase(d, false);
    }
    return this.sha256;
  }
  uriSan(): string {
    if (!this.uriRead) {
      this.uriRead = true;
      const d = getPropertyString(Property.CONNECTION_URI_SAN_PEER_CERTIFICATE);
      this.uri = d === null ? "" : d;
    }
    return this.uri;
  }
  subject(): string {
    if (!this.subjRead) {
      this.subjRead = true;
      const d = getPropertyString(Property.CONNECTION_SUBJECT_PEER_CERTIFICATE);
      this.subj = d === null ? "" : d;
    }
    return this.subj;
  }
  isTls(): bool {
    if (!this.tlsRead) {
      this.tlsRead = true;
      const d = getPropertyString(Property.CONNECTION_TLS_VERSION);
      this.tls = d !== null && d.length > 0;
    }
    return this.tls;
  }
  hasCert(): bool { return this.digest().length > 0; }

  matches(refs: CertRefs): bool {
    if (refs.sha256.length > 0) {
      const d = this.digest();
      if (d.length > 0) for (let i = 0; i < refs.sha256.length; i++) if (unchecked(refs.sha256[i]) == d) return true;
    }
    if (refs.uri.length > 0) {
      const u = this.uriSan();
      if (u.length > 0) for (let i = 0; i < refs.uri.length; i++) if (unchecked(refs.uri[i]) == u) return true;
    }
    if (refs.subject.length > 0) {
      const s = this.subject();
      if (s.length > 0) for (let i = 0; i < refs.subject.length; i++) if (unchecked(refs.subject[i]) == s) return true;
    }
    return false;
  }
}

/** Why a proof failed (for the 401 message) and how it succeeded (for the debug log). */
export class Proof {
  how: string = "";
  why: string = "";
}

/** `client`: the claimed client's id index in the policy, or -1; `wire` gives its wire form for messages. */
export function prove(pol: Policy, client: i32, wire: ClientKey, peer: Peer, out: Proof): bool {
  if (client < 0) { out.why = "client " + wire.wire() + " is not registered on this security server"; return false; }
  const conn = pol.idConn.at(client);
  const peerCerts = unchecked(pol.idPeer[client]);
  if (conn == <i32>ConnType.HTTP) { out.how = "http"; return true; }
  if (conn == <i32>ConnType.HTTPS_NOAUTH) {
    if (peer.isTls()) { out.how = "https_noauth"; return true; }
  } else if (conn == <i32>ConnType.HTTPS && peer.matches(unchecked(pol.idCerts[client])!)) { out.how = "tls_certificate"; return true; }
  if (peerCerts !== null && peer.matches(peerCerts)) { out.how = "peer_security_server"; return true; }
  const w = wire.wire();
  if (conn == <i32>ConnType.NONE && peerCerts === null) out.why = "client " + w + " is not registered on this security server";
  else if (!peer.hasCert()) {
    out.why = conn == <i32>ConnType.HTTPS_NOAUTH ? "client " + w + " must connect over TLS" : "no client TLS certificate was presented to prove client " + w;
  } else out.why = "the presented TLS certificate is not registered for client " + w;
  return false;
}

// Is the claimed client proven on this connection? Per the client's registration (policy `clients`):
//   HTTP          the header is trusted from this listener;
//   HTTPS_NOAUTH  trusted when the connection is TLS (`connection.tls_version` is set);
//   HTTPS         the peer certificate (sha256 digest, URI SAN or subject) must be one registered for it;
// or (policy `peers`) the peer is a security server whose auth certificate is registered as hosting it.
// Connection properties are read at most once per request, and only when needed.
import { getPropertyString, Property } from "../../../sdk";
import { CertRefs, ConnType, Policy } from "./policy";

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
      this.sha256 = d === null ? "" : d.toLowerCase();
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

/** null when proven; otherwise why not (for the 401 message). `how` receives the proof kind. */
export class Proof {
  how: string = "";
  why: string = "";
}

export function prove(pol: Policy, client: string, wire: string, peer: Peer, out: Proof): bool {
  let registered = false;
  if (pol.clients.has(client)) {
    registered = true;
    const reg = pol.clients.get(client);
    if (reg.conn == ConnType.HTTP) { out.how = "http"; return true; }
    if (reg.conn == ConnType.HTTPS_NOAUTH) {
      if (peer.isTls()) { out.how = "https_noauth"; return true; }
    } else if (peer.matches(reg.certs)) { out.how = "tls_certificate"; return true; }
  }
  if (pol.peers.has(client)) {
    registered = true;
    if (peer.matches(pol.peers.get(client))) { out.how = "peer_security_server"; return true; }
  }
  if (!registered) out.why = "client " + wire + " is not registered on this security server";
  else if (!peer.hasCert()) {
    out.why = pol.clients.has(client) && pol.clients.get(client).conn == ConnType.HTTPS_NOAUTH
      ? "client " + wire + " must connect over TLS"
      : "no client TLS certificate was presented to prove client " + wire;
  } else out.why = "the presented TLS certificate is not registered for client " + wire;
  return false;
}

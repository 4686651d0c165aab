// The access decision for a proven client and a parsed service path (X-Road order: service exists →
// block rules → access rights (method + path glob, validity window, mode) → disabled notice).
// Per-request work: one hash lookup of the service bytes, one of (service, client), then the client's
// own grants on this one service; block rules add two lookups when the policy has any. No allocation.
import { getCurrentTimeMilliseconds } from "../../../sdk";
import { Reason } from "./answers";
import { Block, Policy, NO_LIMIT_HIGH, NO_LIMIT_LOW, SCOPE_ALL, SUBJECT_ANY } from "./policy";
import { ServicePath } from "./path";

export class Decision {
  reason: Reason = Reason.Allowed;
  /** Service index, or -1. */
  service: i32 = -1;
  /** The right that decided (index), or -1. */
  right: i32 = -1;
  /** A DRY_RUN right that would have allowed this denied request, or -1. */
  dryRunRight: i32 = -1;
  /** A DRY_RUN block that would have denied this allowed request, or the enforced block. */
  block: Block | null = null;
  dryRunBlock: bool = false;
  private nowMs: i64 = 0;
  private haveNow: bool = false;

  reset(): void {
    this.reason = Reason.Allowed; this.service = -1; this.right = -1; this.dryRunRight = -1;
    this.block = null; this.dryRunBlock = false; this.haveNow = false;
  }
  now(): i64 {
    if (!this.haveNow) { this.nowMs = <i64>getCurrentTimeMilliseconds(); this.haveNow = true; }
    return this.nowMs;
  }
}

/** The request's method bytes [mp, mp+ml) against an endpoint's (upper-case) method or "*". */
function methodMatches(epMethod: string, mp: usize, ml: usize): bool {
  if (epMethod.length == 1 && epMethod.charCodeAt(0) == 0x2a) return true;
  if (<usize>epMethod.length != ml) return false;
  for (let i: usize = 0; i < ml; i++) {
    let c = <i32>load<u8>(mp + i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c != epMethod.charCodeAt(<i32>i)) return false;
  }
  return true;
}

/** Finds an active block for (scope, subject); enforced ones win over dry-run ones. */
function checkBlocks(pol: Policy, scope: i32, subject: i32, d: Decision): bool {
  if (scope < 0 || subject < 0) return false;
  const at = pol.blocks.get(scope, subject);
  if (at < 0) return false;
  const list = unchecked(pol.blockLists[at]);
  for (let i = 0; i < list.length; i++) {
    const b = unchecked(list[i]);
    if (b.expiresAt != NO_LIMIT_HIGH && d.now() >= b.expiresAt) continue;
    if (!b.dryRun) { d.block = b; d.dryRunBlock = false; return true; }
    if (d.block === null) { d.block = b; d.dryRunBlock = true; }
  }
  return false;
}

/** `client` is the client's id index in the policy, or -1 when the policy does not name it. */
export function decide(pol: Policy, client: i32, methodPtr: usize, methodLen: usize, sp: ServicePath, d: Decision): void {
  const svc = pol.services.find(sp.keyPtr, sp.keyLen);
  if (svc < 0) { d.reason = Reason.UnknownService; return; }
  d.service = svc;

  if (pol.blockCount > 0) {
    const s = pol.blockScopes.find(sp.keyPtr, sp.keyLen);
    const p = pol.blockScopes.find(sp.keyPtr, sp.provLen);
    if (checkBlocks(pol, s, client, d) || checkBlocks(pol, p, client, d) || checkBlocks(pol, SCOPE_ALL, client, d)
      || checkBlocks(pol, s, SUBJECT_ANY, d) || checkBlocks(pol, p, SUBJECT_ANY, d) || checkBlocks(pol, SCOPE_ALL, SUBJECT_ANY, d)) {
      d.reason = Reason.Blocked;
      return;
    }
  }

  let outside = false;
  let g = client < 0 ? -1 : pol.grants.get(svc, client);
  if (g >= 0) {
    const buf = changetype<usize>(sp.buf);
    const grantRight = pol.grantRight, grantNext = pol.grantNext;
    const endpoints = pol.endpoints;
    for (; g >= 0; g = grantNext.at(g)) {
      const r = grantRight.at(g);
      const ep = unchecked(endpoints[pol.rightEp.at(r)]);
      if (!methodMatches(ep.method, methodPtr, methodLen)) continue;
      if (!ep.glob.matches(buf, sp.len)) continue;
      const nb = pol.rightNotBefore.at(r), na = pol.rightNotAfter.at(r);
      if (nb != NO_LIMIT_LOW || na != NO_LIMIT_HIGH) {
        const now = d.now();
        if (now < nb || now > na) { outside = true; continue; }
      }
      if (pol.rightDry.at(r) != 0) { if (d.dryRunRight < 0) d.dryRunRight = r; continue; }
      d.right = r;
      d.reason = unchecked(pol.svcNotice[svc]) !== null ? Reason.Disabled : Reason.Allowed;
      return;
    }
  }
  d.reason = outside ? Reason.OutsideWindow : Reason.NoRight;
}

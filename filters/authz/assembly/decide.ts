// The access decision for a proven client and a parsed service path (X-Road order: service exists →
// block rules → access rights (method + path glob, validity window, mode) → disabled notice).
// Per-request work: two or three hash lookups plus the client's own grants on this one service.
import { getCurrentTimeMilliseconds } from "../../../sdk";
import { Reason } from "./answers";
import { Block, Grant, Policy, Service, NO_LIMIT_HIGH, NO_LIMIT_LOW } from "./policy";
import { ServicePath } from "./path";

export class Decision {
  reason: Reason = Reason.Allowed;
  service: Service | null = null;
  rightId: string = "";
  /** A DRY_RUN right that would have allowed this denied request. */
  dryRunRight: string = "";
  /** A DRY_RUN block that would have denied this allowed request, or the enforced block. */
  block: Block | null = null;
  dryRunBlock: bool = false;
  private nowMs: i64 = 0;
  private haveNow: bool = false;

  reset(): void {
    this.reason = Reason.Allowed; this.service = null; this.rightId = ""; this.dryRunRight = "";
    this.block = null; this.dryRunBlock = false; this.haveNow = false;
  }
  now(): i64 {
    if (!this.haveNow) { this.nowMs = <i64>getCurrentTimeMilliseconds(); this.haveNow = true; }
    return this.nowMs;
  }
}

function methodMatches(epMethod: string, method: string): bool {
  if (epMethod.length == 1 && epMethod.charCodeAt(0) == 0x2a) return true;
  if (epMethod.length != method.length) return false;
  for (let i = 0; i < method.length; i++) {
    let c = method.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c != epMethod.charCodeAt(i)) return false;
  }
  return true;
}

/** Finds an active block for `subject|scope`; enforced ones win over dry-run ones. */
function checkBlocks(pol: Policy, key: string, d: Decision): bool {
  if (!pol.blocks.has(key)) return false;
  const list = pol.blocks.get(key);
  for (let i = 0; i < list.length; i++) {
    const b = unchecked(list[i]);
    if (b.expiresAt != NO_LIMIT_HIGH && d.now() >= b.expiresAt) continue;
    if (!b.dryRun) { d.block = b; d.dryRunBlock = false; return true; }
    if (d.block === null) { d.block = b; d.dryRunBlock = true; }
  }
  return false;
}

export function decide(pol: Policy, client: string, method: string, sp: ServicePath, d: Decision): void {
  const key = sp.provider + ":" + sp.serviceCode;
  if (!pol.services.has(key)) { d.reason = Reason.UnknownService; return; }
  const svc = pol.services.get(key);
  d.service = svc;

  if (pol.blockCount > 0) {
    const p = svc.provider;
    if (checkBlocks(pol, client + "|" + key, d) || checkBlocks(pol, client + "|" + p, d) || checkBlocks(pol, client + "|*", d)
      || checkBlocks(pol, "*|" + key, d) || checkBlocks(pol, "*|" + p, d) || checkBlocks(pol, "*|*", d)) {
      d.reason = Reason.Blocked;
      return;
    }
  }

  let outside = false;
  if (svc.grants.has(client)) {
    const grants = svc.grants.get(client);
    const buf = changetype<usize>(sp.buf);
    for (let i = 0; i < grants.length; i++) {
      const g: Grant = unchecked(grants[i]);
      if (!methodMatches(g.ep.method, method)) continue;
      if (!g.ep.glob.matches(buf, sp.len)) continue;
      if (g.notBefore != NO_LIMIT_LOW || g.notAfter != NO_LIMIT_HIGH) {
        const now = d.now();
        if (now < g.notBefore || now > g.notAfter) { outside = true; continue; }
      }
      if (g.dryRun) { if (d.dryRunRight.length == 0) d.dryRunRight = g.rightId; continue; }
      d.rightId = g.rightId;
      d.reason = svc.disabledNotice !== null ? Reason.Disabled : Reason.Allowed;
      return;
    }
  }
  d.reason = outside ? Reason.OutsideWindow : Reason.NoRight;
}

// Outcomes: reasons, their metrics, and X-Road error replies ({type, message, detail} + X-Road-Error).
import { Counter } from "../../../sdk";

export enum Reason {
  Allowed = 0,
  NoPolicy,
  BadRequest,
  BadClientId,
  MissingClient,
  Untrusted,
  UnknownService,
  Blocked,
  NoRight,
  OutsideWindow,
  Disabled,
  COUNT,
}

const NAMES = ["allowed", "no_policy", "bad_request", "bad_client_id", "missing_client", "untrusted_client",
  "unknown_service", "blocked", "no_right", "outside_window", "service_disabled"];

export function reasonName(r: Reason): string { return NAMES[<i32>r]; }

/** Counters `authz_decisions.outcome=<allow|deny>.reason=<reason>`, defined once. */
const COUNTERS = new Array<Counter>(<i32>Reason.COUNT);
for (let i = 0; i < <i32>Reason.COUNT; i++) {
  COUNTERS[i] = Counter.define("authz_decisions", ["outcome", i == 0 ? "allow" : "deny", "reason", NAMES[i]]);
}
export function count(r: Reason): void { COUNTERS[<i32>r].increment(1); }

/** Dry-run observations: a DRY_RUN right that would have allowed a denied request, a DRY_RUN block that would have denied an allowed one. */
export const DRY_RUN_ALLOW = Counter.define("authz_dry_run", ["kind", "right_would_allow"]);
export const DRY_RUN_BLOCK = Counter.define("authz_dry_run", ["kind", "block_would_deny"]);

export function httpStatus(r: Reason): u32 {
  switch (r) {
    case Reason.BadRequest:
    case Reason.BadClientId:
    case Reason.MissingClient: return 400;
    case Reason.Untrusted: return 401;
    case Reason.UnknownService: return 404;
    case Reason.Disabled: return 503;
    default: return 403;
  }
}

export function errorType(r: Reason): string {
  switch (r) {
    case Reason.BadRequest:
    case Reason.MissingClient: return "Client.invalid_request";
    case Reason.BadClientId: return "Client.invalid_client_identifier";
    case Reason.Untrusted: return "Server.ServerProxy.ssl_auth_failed";
    case Reason.UnknownService: return "Server.ServerProxy.unknown_service";
    case Reason.Disabled: return "Server.ServerProxy.service_disabled";
    default: return "Server.ServerProxy.access_denied";
  }
}

/** JSON string literal (escapes ", \ and control characters; non-ASCII kept as is). */
export function jsonString(s: string): string {
  let simple = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c || (c >= 0xd800 && c <= 0xdfff)) { simple = false; break; }
  }
  if (simple) return "\"" + s + "\"";
  const HEX = "0123456789abcdef";
  let o = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) o += "\\\"";
    else if (c == 0x5c) o += "\\\\";
    else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) {
      o += "\\u" + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
    } else o += String.fromCharCode(c);
  }
  return o + "\"";
}

export function errorBody(type: string, message: string, detail: string): string {
  return "{\"type\":" + jsonString(type) + ",\"message\":" + jsonString(message) + ",\"detail\":" + jsonString(detail) + "}";
}

// Time from the host (never Date.now, which would import env.Date.now).
import * as hc from "./hostcalls";

/** Wall-clock nanoseconds since the Unix epoch (proxy_get_current_time_nanoseconds); 0 on failure. */
export function getCurrentTimeNanoseconds(): u64 {
  return hc.getCurrentTimeNanoseconds();
}

/** Milliseconds since the epoch. */
export function getCurrentTimeMilliseconds(): u64 {
  return hc.getCurrentTimeNanoseconds() / 1000000;
}

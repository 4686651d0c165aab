// ASCII helpers shared by the SDK's parsers (JSON escapes, percent-encoding).

/** Value of a hex digit of either case (0–15), or -1. */
export function hexDigitValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

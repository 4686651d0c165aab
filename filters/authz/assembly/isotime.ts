// RFC 3339 timestamps → milliseconds since the epoch: YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM).
// Returns i64.MIN_VALUE when malformed.

export const BAD_TIME: i64 = i64.MIN_VALUE;

function num(s: string, at: i32, digits: i32): i32 {
  let v = 0;
  for (let i = 0; i < digits; i++) {
    const d = s.charCodeAt(at + i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  y -= m <= 2 ? 1 : 0;
  const era = (y >= 0 ? y : y - 399) / 400;
  const yoe = y - era * 400;
  const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

export function parseRfc3339(s: string): i64 {
  const n = s.length;
  if (n < 20) return BAD_TIME;
  const y = num(s, 0, 4), mo = num(s, 5, 2), d = num(s, 8, 2), h = num(s, 11, 2), mi = num(s, 14, 2), se = num(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return BAD_TIME;
  if (s.charCodeAt(4) != 0x2d || s.charCodeAt(7) != 0x2d || s.charCodeAt(13) != 0x3a || s.charCodeAt(16) != 0x3a) return BAD_TIME;
  const t = s.charCodeAt(10);
  if (t != 0x54 && t != 0x74) return BAD_TIME;
  const mdays: i32 = mo == 2 ? ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28) : (mo == 4 || mo == 6 || mo == 9 || mo == 11 ? 30 : 31);
  if (d > mdays) return BAD_TIME;
  let i = 19;
  let ms: i64 = 0;
  if (i < n && s.charCodeAt(i) == 0x2e) {
    i++;
    let k = 0;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) {
      if (k < 3) ms = ms * 10 + <i64>(s.charCodeAt(i) - 0x30);
      k++; i++;
    }
    if (k == 0) return BAD_TIME;
    while (k < 3) { ms *= 10; k++; }
  }
  let off: i64 = 0;
  if (i >= n) return BAD_TIME;
  const z = s.charCodeAt(i);
  if (z == 0x5a || z == 0x7a) {
    if (i + 1 != n) return BAD_TIME;
  } else if (z == 0x2b || z == 0x2d) {
    if (i + 6 != n || s.charCodeAt(i + 3) != 0x3a) return BAD_TIME;
    const oh = num(s, i + 1, 2), om = num(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return BAD_TIME;
    off = (<i64>oh * 60 + <i64>om) * 60000;
    if (z == 0x2d) off = -off;
  } else return BAD_TIME;
  const days = daysFromCivil(y, mo, d);
  return ((days * 24 + h) * 60 + mi) * 60000 + <i64>se * 1000 + ms - off;
}

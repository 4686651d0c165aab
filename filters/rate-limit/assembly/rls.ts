// Envoy's rate-limit service API (envoy/service/ratelimit/v3/rls.proto), encoded and decoded here so the
// filter needs no protobuf runtime. Only what the filter sends and reads:
//   RateLimitRequest  { string domain = 1; repeated RateLimitDescriptor descriptors = 2; }
//   RateLimitDescriptor { repeated Entry entries = 1; }   Entry { string key = 1; string value = 2; }
//   RateLimitResponse { Code overall_code = 1; repeated DescriptorStatus statuses = 2;
//                       repeated HeaderValue response_headers_to_add = 3; request_headers_to_add = 4; … }
//   DescriptorStatus  { Code code = 1; RateLimit current_limit = 2; uint32 limit_remaining = 3;
//                       Duration duration_until_reset = 4; … }
//   RateLimit { uint32 requests_per_unit = 1; Unit unit = 2; string name = 3; }
//   Duration  { int64 seconds = 1; int32 nanos = 2; }     HeaderValue { string key = 1; string value = 2; }
// Unknown fields are skipped by wire type; a truncated or inconsistent message is an error (never a trap).
import { Headers, pair, decodeUtf8 } from "../../../sdk";

export const CODE_UNKNOWN: u32 = 0, CODE_OK: u32 = 1, CODE_OVER_LIMIT: u32 = 2;
/** Seconds of RateLimit.Unit SECOND..YEAR (index = enum value); 0 = unknown. */
const UNIT_SECONDS: u32[] = [0, 1, 60, 3600, 86400, 2592000, 31536000];

// ------------------------------------------------------------------------------------------ encoding

@inline function varintSize(v: u32): i32 { return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5; }
@inline function fieldSize(len: i32): i32 { return 1 + varintSize(<u32>len) + len; }

class Writer {
  p: usize;
  constructor(public buf: ArrayBuffer) { this.p = changetype<usize>(buf); }
  varint(v: u32): void {
    while (v >= 0x80) { store<u8>(this.p++, <u8>(v | 0x80)); v >>= 7; }
    store<u8>(this.p++, <u8>v);
  }
  /** Tag + length of a length-delimited field. */
  open(field: u32, len: i32): void { this.varint((field << 3) | 2); this.varint(<u32>len); }
  bytes(field: u32, b: ArrayBuffer): void {
    this.open(field, b.byteLength);
    memory.copy(this.p, changetype<usize>(b), b.byteLength);
    this.p += b.byteLength;
  }
}

/** RateLimitRequest with one descriptor made of `keys[i]` = `values[i]`. */
export function encodeRequest(domain: string, keys: string[], values: string[]): ArrayBuffer {
  const d = String.UTF8.encode(domain);
  const k = new Array<ArrayBuffer>(keys.length), v = new Array<ArrayBuffer>(keys.length);
  let descLen = 0;
  for (let i = 0; i < keys.length; i++) {
    const kb = String.UTF8.encode(unchecked(keys[i])), vb = String.UTF8.encode(unchecked(values[i]));
    unchecked(k[i] = kb);
    unchecked(v[i] = vb);
    descLen += fieldSize(fieldSize(kb.byteLength) + fieldSize(vb.byteLength));
  }
  const buf = new ArrayBuffer(fieldSize(d.byteLength) + fieldSize(descLen));
  const w = new Writer(buf);
  w.bytes(1, d);
  w.open(2, descLen);
  for (let i = 0; i < keys.length; i++) {
    const kb = unchecked(k[i]), vb = unchecked(v[i]);
    w.open(1, fieldSize(kb.byteLength) + fieldSize(vb.byteLength));
    w.bytes(1, kb);
    w.bytes(2, vb);
  }
  return buf;
}

// ------------------------------------------------------------------------------------------ decoding

class Reader {
  ok: bool = true;
  constructor(public p: usize, public end: usize) {}
  get more(): bool { return this.ok && this.p < this.end; }
  varint(): u64 {
    let v: u64 = 0;
    for (let shift: u64 = 0; shift < 64; shift += 7) {
      if (this.p >= this.end) { this.ok = false; return 0; }
      const b = load<u8>(this.p++);
      v |= <u64>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    this.ok = false;
    return 0;
  }
  /** A length-delimited field's body as a sub-reader (and skips it here). */
  sub(): Reader {
    const n = this.varint();
    if (!this.ok || n > <u64>(this.end - this.p)) { this.ok = false; return new Reader(0, 0); }
    const r = new Reader(this.p, this.p + <usize>n);
    this.p += <usize>n;
    return r;
  }
  string(): string {
    const r = this.sub();
    return this.ok ? decodeUtf8(r.p, r.end - r.p) : "";
  }
  skip(wire: u32): void {
    if (wire == 0) this.varint();
    else if (wire == 1) this.fixed(8);
    else if (wire == 2) this.sub();
    else if (wire == 5) this.fixed(4);
    else this.ok = false; // groups (3, 4) are not proto3; 6 and 7 do not exist
  }
  private fixed(n: usize): void {
    if (this.end - this.p < n) this.ok = false;
    else this.p += n;
  }
}

export class DescriptorStatus {
  code: u32 = 0;
  requestsPerUnit: u32 = 0;
  unitSeconds: u32 = 0;
  limitName: string = "";
  limitRemaining: u32 = 0;
  resetSeconds: u64 = 0;
  hasLimit: bool = false;
}

export class Response {
  overallCode: u32 = 0;
  statuses: DescriptorStatus[] = [];
  responseHeaders: Headers = [];
  requestHeaders: Headers = [];
}

function headerValue(r: Reader, into: Headers): void {
  let key = "", value = "";
  while (r.more) {
    const t = <u32>r.varint();
    if (t == 0x0a) key = r.string();
    else if (t == 0x12) value = r.string();
    else r.skip(t & 7);
  }
  if (r.ok && key.length) into.push(pair(key.toLowerCase(), value));
}

function status(r: Reader): DescriptorStatus {
  const s = new DescriptorStatus();
  while (r.more) {
    const t = <u32>r.varint();
    if (t == 0x08) s.code = <u32>r.varint();
    else if (t == 0x12) {
      const l = r.sub();
      s.hasLimit = true;
      while (l.more) {
        const lt = <u32>l.varint();
        if (lt == 0x08) s.requestsPerUnit = <u32>l.varint();
        else if (lt == 0x10) { const u = l.varint(); s.unitSeconds = u < <u64>UNIT_SECONDS.length ? unchecked(UNIT_SECONDS[<i32>u]) : 0; }
        else if (lt == 0x1a) s.limitName = l.string();
        else l.skip(lt & 7);
      }
      if (!l.ok) r.ok = false;
    } else if (t == 0x18) s.limitRemaining = <u32>r.varint();
    else if (t == 0x22) {
      const d = r.sub();
      let secs: i64 = 0, nanos: i64 = 0;
      while (d.more) {
        const dt = <u32>d.varint();
        if (dt == 0x08) secs = <i64>d.varint();
        else if (dt == 0x10) nanos = <i64>d.varint();
        else d.skip(dt & 7);
      }
      if (!d.ok) r.ok = false;
      // whole seconds, rounded up (a reset 0.2 s away is announced as 1 s)
      s.resetSeconds = secs < 0 ? 0 : <u64>secs + (nanos > 0 ? 1 : 0);
    } else r.skip(t & 7);
  }
  return s;
}

/** Decode a RateLimitResponse; null when malformed. */
export function decodeResponse(buf: ArrayBuffer): Response | null {
  const p = changetype<usize>(buf);
  const r = new Reader(p, p + <usize>buf.byteLength);
  const res = new Response();
  while (r.more) {
    const t = <u32>r.varint();
    if (!r.ok) break;
    const field = t >> 3, wire = t & 7;
    if (field == 1 && wire == 0) res.overallCode = <u32>r.varint();
    else if (field == 2 && wire == 2) {
      const s = r.sub();
      if (r.ok) { const st = status(s); if (!s.ok) r.ok = false; res.statuses.push(st); }
    } else if ((field == 3 || field == 4) && wire == 2) {
      const s = r.sub();
      if (r.ok) { headerValue(s, field == 3 ? res.responseHeaders : res.requestHeaders); if (!s.ok) r.ok = false; }
    } else if (field == 0 || ((field <= 4) && wire != 2 && field != 1) || (field == 1 && wire != 0)) {
      r.ok = false; // a known field with the wrong wire type, or field 0
    } else r.skip(wire);
  }
  if (!r.ok || res.overallCode > CODE_OVER_LIMIT) return null;
  return res;
}

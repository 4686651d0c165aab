// Memory plumbing between the SDK and the host (reference §2):
//  - fixed out-slots the host writes results into (no allocation per hostcall),
//  - a reusable scratch area for UTF-8 encodings of strings passed to the host,
//  - reading host-allocated results (ptr,len) into strings / ArrayBuffers and freeing them.
// Host-allocated memory comes from proxy_on_memory_allocate (heap.alloc); (0,0) means "empty,
// nothing allocated".

/** Out-slots: [0] ptr/u32, [4] size/u32, [8] u32 (cas, flags), [16] u64. */
export const OUT: usize = memory.data(32, 16);
export const OUT_PTR: usize = OUT;
export const OUT_SIZE: usize = OUT + 4;
export const OUT_3: usize = OUT + 8;
export const OUT_U64: usize = OUT + 16;

// ---------------- scratch for outgoing strings ----------------

let scratchPtr: usize = 0;
let scratchCap: usize = 0;
let scratchPos: usize = 0;

/** Reserve `total` bytes of scratch and reset the cursor. Previously returned scratch pointers die. */
export function scratchBegin(total: usize): void {
  if (total > scratchCap) {
    if (scratchPtr) heap.free(scratchPtr);
    let cap = scratchCap < 256 ? <usize>256 : scratchCap;
    while (cap < total) cap <<= 1;
    scratchPtr = heap.alloc(cap);
    scratchCap = cap;
  }
  scratchPos = 0;
}

/** Length (UTF-8 bytes) of the last string written with scratchPut. */
export let putLen: usize = 0;

/** Write `s` as UTF-8 at the cursor (capacity reserved by scratchBegin); returns its address. */
export function scratchPut(s: string): usize {
  const dst = scratchPtr + scratchPos;
  const n = String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, dst, false, String.UTF8.ErrorMode.REPLACE);
  scratchPos += n;
  putLen = n;
  return dst;
}

/** Write one byte at the cursor. */
export function scratchPutByte(b: u8): void {
  store<u8>(scratchPtr + scratchPos, b);
  scratchPos += 1;
}

/** Start of the scratch area and bytes written so far. */
@inline export function scratchBase(): usize { return scratchPtr; }
@inline export function scratchUsed(): usize { return scratchPos; }

@inline export function utf8Length(s: string): usize {
  return <usize>String.UTF8.byteLength(s);
}

/** Encode one string into scratch: returns the pointer, length in putLen. */
export function encode1(s: string): usize {
  scratchBegin(utf8Length(s));
  return scratchPut(s);
}

/** UTF-8 bytes of `s` in a new ArrayBuffer; lone surrogates become U+FFFD. */
export function utf8Encode(s: string): ArrayBuffer {
  return String.UTF8.encode(s, false, String.UTF8.ErrorMode.REPLACE);
}

// Two strings at once (key + value): pointers/lengths in these globals.
export let encA: usize = 0;
export let encALen: usize = 0;
export let encB: usize = 0;
export let encBLen: usize = 0;

export function encode2(a: string, b: string): void {
  scratchBegin(utf8Length(a) + utf8Length(b));
  encA = scratchPut(a);
  encALen = putLen;
  encB = scratchPut(b);
  encBLen = putLen;
}

export let encC: usize = 0;
export let encCLen: usize = 0;

export function encode3(a: string, b: string, c: string): void {
  scratchBegin(utf8Length(a) + utf8Length(b) + utf8Length(c));
  encA = scratchPut(a);
  encALen = putLen;
  encB = scratchPut(b);
  encBLen = putLen;
  encC = scratchPut(c);
  encCLen = putLen;
}

// ---------------- incoming results ----------------

/** Decode UTF-8 tolerantly: invalid or truncated sequences become U+FFFD; never traps. */
export function decodeUtf8(ptr: usize, len: usize): string {
  if (len == 0) return "";
  const out = __new(len << 1, idof<String>()); // at most one UTF-16 unit per input byte
  let o = out;
  let p = ptr;
  const end = ptr + len;
  while (p < end) {
    const c = <u32>load<u8>(p);
    p++;
    if (c < 0x80) {
      store<u16>(o, <u16>c);
      o += 2;
      continue;
    }
    let need: usize = 0;
    let cp: u32 = 0;
    let min: u32 = 0;
    if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; min = 0x10000; }
    let ok = need > 0 && p + need <= end;
    if (ok) {
      for (let i: usize = 0; i < need; i++) {
        const cc = <u32>load<u8>(p + i);
        if ((cc & 0xC0) != 0x80) { ok = false; break; }
        cp = (cp << 6) | (cc & 0x3F);
      }
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
      store<u16>(o, 0xFFFD); // consume only the lead byte
      o += 2;
      continue;
    }
    p += need;
    if (cp < 0x10000) {
      store<u16>(o, <u16>cp);
      o += 2;
    } else {
      cp -= 0x10000;
      store<u16>(o, <u16>(0xD800 | (cp >> 10)));
      store<u16>(o, <u16>(0xDC00 | (cp & 0x3FF)), 2);
      o += 4;
    }
  }
  return changetype<string>(__renew(out, o - out));
}

/** Decode a host-allocated UTF-8 result and free it. (0,0) → "". */
export function takeString(ptr: usize, len: usize): string {
  if (ptr == 0) return "";
  const s = decodeUtf8(ptr, len);
  heap.free(ptr);
  return s;
}

/** Copy a host-allocated result into a managed ArrayBuffer and free it. (0,0) → empty buffer. */
export function takeBuffer(ptr: usize, len: usize): ArrayBuffer {
  if (ptr == 0) return new ArrayBuffer(0);
  const buf = new ArrayBuffer(<i32>len);
  memory.copy(changetype<usize>(buf), ptr, len);
  heap.free(ptr);
  return buf;
}

/** Free a host-allocated result that is not needed. */
@inline export function freeResult(ptr: usize): void {
  if (ptr) heap.free(ptr);
}

/** The allocator Envoy calls (exported as proxy_on_memory_allocate). Never returns 0 for size 0. */
export function allocate(size: usize): usize {
  return heap.alloc(size == 0 ? 1 : size);
}

// ---------------- small helpers ----------------

/** True when `s` contains CR, LF or NUL (illegal in header values; Envoy would reset the stream). */
export function hasIllegalHeaderChars(s: string): bool {
  const p = changetype<usize>(s);
  const n = <usize>s.length << 1;
  for (let i: usize = 0; i < n; i += 2) {
    const c = load<u16>(p + i);
    if (c == 13 || c == 10 || c == 0) return true;
  }
  return false;
}

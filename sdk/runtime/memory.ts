// Memory plumbing between the SDK and the host (reference §2):
//  - fixed out-slots the host writes results into (no allocation per hostcall),
//  - a reusable scratch area for UTF-8 encodings of strings passed to the host,
//  - reading host-allocated results (ptr,len) into strings / ArrayBuffers and freeing them.
// Host-allocated memory comes from proxy_on_memory_allocate (allocate: a bump arena for the short-lived
// results, else heap.alloc); (0,0) means "empty, nothing allocated".

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
  if (total > scratchCap || (scratchCap > 65536 && total <= 4096)) {
    // grow, or give back a large area once a big payload has gone through
    if (scratchPtr) heap.free(scratchPtr);
    let cap: usize = 256;
    while (cap < total) cap <<= 1;
    scratchPtr = heap.alloc(cap);
    scratchCap = cap;
  }
  scratchPos = 0;
}

/** Scratch bytes to reserve for `s`: 3 per UTF-16 unit (the UTF-8 worst case) for short strings,
 *  the exact length for long ones. Lets scratchPut encode in a single pass. */
export function reserveFor(s: string): usize {
  const n = <usize>s.length;
  return n <= 16384 ? n * 3 : utf8Length(s);
}

/** Length (UTF-8 bytes) of the last string written with scratchPut. */
export let putLen: usize = 0;
/** Whether the last string written with scratchPut contained CR, LF or NUL. */
export let putIllegal: bool = false;

/**
 * Write `s` as UTF-8 at the cursor (capacity reserved by scratchBegin); returns its address.
 * One pass, ASCII fast path; lone surrogates become U+FFFD; notes CR/LF/NUL in putIllegal.
 */
export function scratchPut(s: string): usize {
  const dst = scratchPtr + scratchPos;
  let o = dst;
  let q = changetype<usize>(s);
  const end = q + (<usize>s.length << 1);
  let bad = false;
  while (q < end) {
    let c = <u32>load<u16>(q);
    q += 2;
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
      if (c < 14) bad = bad || c == 0 || c == 10 || c == 13;
      continue;
    }
    if (c < 0x800) {
      store<u8>(o, <u8>(0xC0 | (c >> 6)));
      store<u8>(o, <u8>(0x80 | (c & 0x3F)), 1);
      o += 2;
      continue;
    }
    if (c - 0xD800 < 0x800) { // surrogate
      if (c < 0xDC00 && q < end) {
        const c2 = <u32>load<u16>(q);
        if (c2 - 0xDC00 < 0x400) {
          q += 2;
          const cp = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
          store<u8>(o, <u8>(0xF0 | (cp >> 18)));
          store<u8>(o, <u8>(0x80 | ((cp >> 12) & 0x3F)), 1);
          store<u8>(o, <u8>(0x80 | ((cp >> 6) & 0x3F)), 2);
          store<u8>(o, <u8>(0x80 | (cp & 0x3F)), 3);
          o += 4;
          continue;
        }
      }
      c = 0xFFFD;
    }
    store<u8>(o, <u8>(0xE0 | (c >> 12)));
    store<u8>(o, <u8>(0x80 | ((c >> 6) & 0x3F)), 1);
    store<u8>(o, <u8>(0x80 | (c & 0x3F)), 2);
    o += 3;
  }
  const n = o - dst;
  scratchPos += n;
  putLen = n;
  putIllegal = bad;
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

/** UTF-8 length of `s` as the SDK encodes it (lone surrogates → 3-byte U+FFFD). */
export function utf8Length(s: string): usize {
  const p = changetype<usize>(s);
  const end = p + (<usize>s.length << 1);
  let n: usize = 0;
  for (let q = p; q < end; q += 2) {
    const c = <u32>load<u16>(q);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    // a surrogate pair is 4 bytes: 3 counted for the high unit, 1 for the low one
    if ((c & 0xFC00) == 0xDC00 && q > p && (<u32>load<u16>(q - 2) & 0xFC00) == 0xD800) n -= 2;
  }
  return n;
}

/** Encode one string into scratch: returns the pointer, length in putLen. */
export function encode1(s: string): usize {
  scratchBegin(reserveFor(s));
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
/** CR/LF/NUL seen in either string of the last encode2. */
export let encIllegal: bool = false;

export function encode2(a: string, b: string): void {
  scratchBegin(reserveFor(a) + reserveFor(b));
  encA = scratchPut(a);
  encALen = putLen;
  const badA = putIllegal;
  encB = scratchPut(b);
  encBLen = putLen;
  encIllegal = badA || putIllegal;
}

export let encC: usize = 0;
export let encCLen: usize = 0;

export function encode3(a: string, b: string, c: string): void {
  scratchBegin(reserveFor(a) + reserveFor(b) + reserveFor(c));
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
  freeResult(ptr);
  return s;
}

/**
 * takeString for values that repeat from request to request (header values, properties): a short
 * ASCII value equal to a recent one is handed out again instead of decoded into a new string.
 */
export function takeRepeatedString(ptr: usize, len: usize): string {
  if (ptr == 0) return "";
  const s = len <= INTERN_MAX_BYTES ? decodeShort(ptr, len) : decodeUtf8(ptr, len);
  freeResult(ptr);
  return s;
}

// Short results come back again and again (a method, a host, an API key, a property): strings are
// immutable, so the string made for the same bytes last time is handed out again, and a repeated
// value costs a compare instead of an allocation (and its share of collection). A direct-mapped table
// of recent ASCII strings, slot picked by length and edge bytes; a miss decodes and takes the slot.
// The table holds raw pointers to pinned strings (no managed array: smaller, no write barriers).
const INTERN_SLOTS: usize = 16;
const INTERN_MAX_BYTES: usize = 32;
const INTERNED: usize = memory.data(<i32>(INTERN_SLOTS << alignof<usize>()), 4);

function decodeShort(ptr: usize, len: usize): string {
  // raw pointers throughout: nothing here allocates but decodeUtf8, so no shadow-stack spills are needed
  const slot = INTERNED + (((len ^ <usize>load<u8>(ptr) ^ (<usize>load<u8>(ptr + len - 1) << 2)) & (INTERN_SLOTS - 1)) << alignof<usize>());
  const held = load<usize>(slot);
  // held's UTF-16 units equal to the bytes: only an ASCII string can match (see below)
  if (held != 0 && <usize>load<u32>(held - 4) == len << 1) {
    let i: usize = 0;
    while (i < len && <u32>load<u16>(held + (i << 1)) == <u32>load<u8>(ptr + i)) i++;
    if (i == len) return changetype<string>(held);
  }
  const s = changetype<usize>(decodeUtf8(ptr, len));
  // One unit per byte means every byte was ASCII or an invalid byte decoded to U+FFFD (never equal
  // to a byte), so a later match is exactly the same ASCII bytes.
  if (<usize>load<u32>(s - 4) == len << 1) {
    if (held != 0) __unpin(held);
    store<usize>(slot, __pin(s));
  }
  return changetype<string>(s);
}

/** Copy a host-allocated result into a managed ArrayBuffer and free it. (0,0) → empty buffer. */
export function takeBuffer(ptr: usize, len: usize): ArrayBuffer {
  if (ptr == 0) return new ArrayBuffer(0);
  const buf = new ArrayBuffer(<i32>len);
  memory.copy(changetype<usize>(buf), ptr, len);
  freeResult(ptr);
  return buf;
}

// ---------------- the allocator for host results ----------------
// Envoy copies every result (a header value, the pairs of a map, a body, a property, shared data) into
// memory it asks proxy_on_memory_allocate for, and the SDK frees it as soon as it has read it. Those
// short-lived blocks come from a bump arena: allocating is a pointer bump, freeing a counter decrement,
// and the arena rewinds when its last live block is freed. What does not fit (large results, or while
// blocks are held, e.g. getRaw / pairsRaw results) comes from the heap as before.

const ARENA_SIZE: usize = 16384;
let arena: usize = 0;
let arenaTop: usize = 0;
let arenaLive: u32 = 0;

/** Free a host-allocated result (from the arena or the heap); 0 is ignored. */
export function freeResult(ptr: usize): void {
  if (ptr == 0) return;
  const a = arena;
  if (a != 0 && ptr - a < ARENA_SIZE) {
    if (--arenaLive == 0) arenaTop = a;
    return;
  }
  heap.free(ptr);
}

/** The allocator Envoy calls (exported as proxy_on_memory_allocate). Never returns 0 for size 0. */
export function allocate(size: usize): usize {
  let a = arena;
  if (a == 0) arenaTop = arena = a = heap.alloc(ARENA_SIZE);
  const p = (arenaTop + 7) & ~<usize>7;
  if (size <= ARENA_SIZE && p + size <= a + ARENA_SIZE) {
    arenaTop = p + (size == 0 ? 1 : size);
    arenaLive++;
    return p;
  }
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

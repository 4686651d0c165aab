// The allocator the host calls for results (sdk/runtime/memory.ts allocate / freeResult): short-lived
// results come from a bump arena that rewinds when its last block is freed; what does not fit comes from
// the heap; blocks never overlap while held.
import { allocate, freeResult } from "../../sdk/runtime/memory";

describe("host result allocator", () => {
  it("rewinds the arena when the last live block is freed", () => {
    const a = allocate(100);
    freeResult(a);
    const b = allocate(100);
    expect(b).toBe(a, "the same address after the arena emptied");
    freeResult(b);
  });

  it("keeps held blocks apart and 8-byte aligned", () => {
    const a = allocate(13);
    const b = allocate(1);
    const c = allocate(0);
    expect(a & 7).toBe(0);
    expect(b & 7).toBe(0);
    expect(c & 7).toBe(0);
    expect(b >= a + 13).toBe(true);
    expect(c > b).toBe(true, "a 0-byte request still gets its own non-zero address");
    store<u8>(a + 12, 0xAA);
    store<u8>(b, 0xBB);
    expect(load<u8>(a + 12)).toBe(0xAA);
    freeResult(b);
    const d = allocate(8); // a and c still live: no rewind
    expect(d > c).toBe(true);
    freeResult(a); freeResult(c); freeResult(d);
    expect(allocate(8)).toBe(a, "empty again: rewound");
    freeResult(a);
  });

  it("serves a result larger than the arena from the heap, and frees it there", () => {
    const small = allocate(16);
    const big = allocate(100000);
    expect(big).not.toBe(0);
    store<u8>(big + 99999, 7);
    expect(load<u8>(big + 99999)).toBe(7);
    expect(big < small || big >= small + 16384).toBe(true, "outside the arena");
    freeResult(big);
    freeResult(small);
    expect(allocate(16)).toBe(small, "freeing the heap block did not disturb the arena count");
    freeResult(small);
  });

  it("falls back to the heap while held blocks fill the arena, and recovers", () => {
    const held = new Array<usize>();
    let first: usize = 0;
    for (let i = 0; i < 40; i++) {
      const p = allocate(1000); // 40 KB while all are held: the arena (16 KiB) is full after ~16
      if (i == 0) first = p;
      store<u32>(p, i);
      held.push(p);
    }
    for (let i = 0; i < 40; i++) expect(load<u32>(held[i])).toBe(i, "no block overlaps another");
    for (let i = 0; i < 40; i++) freeResult(held[i]);
    expect(allocate(1000)).toBe(first, "all freed: the arena rewound");
    freeResult(first);
    freeResult(0); // ignored
  });
});

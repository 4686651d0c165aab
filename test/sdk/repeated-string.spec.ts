// takeRepeatedString (sdk/runtime/memory.ts): header values and properties come back request after
// request, so a short ASCII value equal to a recent one is handed out again instead of decoded anew.
// What must hold: the string is always exactly what takeString would give; only the same ASCII bytes
// share an object; the host's block is freed either way; dropped strings can be collected.
import { allocate, takeRepeatedString, takeString } from "../../sdk/runtime/memory";
import { asciiBytes as ascii } from "./host";

/** A host result block holding `bytes`, as proxy_on_memory_allocate + the host's copy leave it. */
function hostResult(bytes: u8[]): usize {
  const p = allocate(<usize>bytes.length);
  for (let i = 0; i < bytes.length; i++) store<u8>(p + <usize>i, bytes[i]);
  return p;
}
function repeated(bytes: u8[]): string {
  return takeRepeatedString(hostResult(bytes), <usize>bytes.length);
}

describe("takeRepeatedString", () => {
  it("hands out the same string object for the same ASCII bytes", () => {
    const a = repeated(ascii("not-the-key"));
    const b = repeated(ascii("not-the-key"));
    expect(a).toBe("not-the-key");
    expect(changetype<usize>(b)).toBe(changetype<usize>(a), "the second read allocated nothing");
  });

  it("tells apart values that share a slot (same length, first and last byte)", () => {
    for (let round = 0; round < 3; round++) {
      expect(repeated(ascii("abc"))).toBe("abc");
      expect(repeated(ascii("axc"))).toBe("axc");
      expect(repeated(ascii("abc"))).toBe("abc");
    }
  });

  it("decodes UTF-8 exactly as takeString does, repeated or not", () => {
    const e = <u8[]>[0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F]; // "héllo"
    expect(repeated(e)).toBe("h\u00E9llo");
    expect(repeated(e)).toBe("h\u00E9llo");
    // a 4-byte sequence (a surrogate pair) among ASCII
    const pair = <u8[]>[0x61, 0xF0, 0x9F, 0x98, 0x80, 0x62];
    expect(repeated(pair)).toBe(takeString(hostResult(pair), 6));
  });

  it("tells apart values of up to 32 bytes that differ in any one byte", () => {
    const base = "abcdefghijklmnopqrstuvwxyz012345";
    for (let n = 1; n <= base.length; n++) {
      const v = base.substring(0, n);
      for (let i = 0; i < n; i++) {
        expect(repeated(ascii(v))).toBe(v);
        const w = v.substring(0, i) + "_" + v.substring(i + 1);
        expect(repeated(ascii(w))).toBe(w);
        // the same position holding a byte ≥ 0x80 (invalid alone: U+FFFD), never the held ASCII string
        const bytes = ascii(v);
        bytes[i] = 0xE1;
        expect(repeated(bytes)).toBe(v.substring(0, i) + "\uFFFD" + v.substring(i + 1));
      }
    }
  });

  it("never takes an invalid byte (read as U+FFFD) for another byte", () => {
    expect(repeated(<u8[]>[0x61, 0xFF, 0x62])).toBe("a\uFFFDb");
    expect(repeated(<u8[]>[0x61, 0xFE, 0x62])).toBe("a\uFFFDb");
    expect(repeated(ascii("a?b"))).toBe("a?b");
    expect(repeated(<u8[]>[0x61, 0xFF, 0x62])).toBe("a\uFFFDb");
  });

  it("reads long values (not kept) and the empty result", () => {
    const long = "a-value-longer-than-thirty-two-bytes-0123456789";
    expect(repeated(ascii(long))).toBe(long);
    expect(repeated(ascii(long))).toBe(long);
    expect(takeRepeatedString(0, 0)).toBe("");
  });

  it("frees the host's block on a hit and on a miss", () => {
    const p = hostResult(ascii("GET"));
    takeRepeatedString(p, 3);
    const q = hostResult(ascii("GET"));
    expect(q).toBe(p, "the result arena rewound: the first block was freed");
    takeRepeatedString(q, 3); // a hit
    const r = hostResult(ascii("PUT"));
    expect(r).toBe(p, "freed on the hit too");
    takeRepeatedString(r, 3);
  });

  it("lets strings it no longer holds be collected (memory stays flat over many distinct values)", () => {
    for (let i = 0; i < 20000; i++) repeated(ascii("v-" + i.toString()));
    __collect();
    const pages = memory.size();
    for (let i = 0; i < 200000; i++) repeated(ascii("w-" + i.toString()));
    __collect();
    expect(memory.size()).toBe(pages, "no growth: replaced strings were unpinned and collected");
  });
});

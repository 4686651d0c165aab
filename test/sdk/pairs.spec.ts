// The "pairs" codec (reference §7.1): byte-exact encoding, round trips, and decoding of malformed
// input to an empty list without trapping.
import { HeaderPair, Headers, pair, encodePairs, decodePairs, decodePairsBuffer, pairsGet, pairsGetAll } from "../../sdk";
import { checkPairs, pairsByteLength } from "../../sdk/pairs";
import { hexOf } from "./host";

function fromHex(h: string): ArrayBuffer {
  const b = new ArrayBuffer(h.length >> 1);
  for (let i = 0; i < b.byteLength; i++) store<u8>(changetype<usize>(b) + <usize>i, <u8>U8.parseInt(h.substr(i * 2, 2), 16));
  return b;
}

function decodeHex(h: string): Headers {
  return decodePairsBuffer(fromHex(h));
}

// The reference's example {a:"1", b:"22"}.
const EXAMPLE = "02000000" + "01000000" + "01000000" + "01000000" + "02000000" + "6100" + "3100" + "6200" + "323200";

describe("encodePairs", () => {
  it("encodes the reference example {a:\"1\", b:\"22\"} byte for byte", () => {
    const b = encodePairs([pair("a", "1"), pair("b", "22")]);
    expect(hexOf(b)).toBe(EXAMPLE);
    expect(b.byteLength).toBe(29);
    expect(<i32>pairsByteLength([pair("a", "1"), pair("b", "22")])).toBe(29);
  });
  it("encodes an empty map as the 4-byte N=0 form", () => {
    const b = encodePairs(new Array<HeaderPair>(0));
    expect(hexOf(b)).toBe("00000000");
  });
  it("keeps order and duplicates, lengths exclude the NULs, UTF-8 lengths in bytes", () => {
    const b = encodePairs([pair("k", "é"), pair("k", "")]);
    expect(hexOf(b)).toBe("02000000" + "01000000" + "02000000" + "01000000" + "00000000" + "6b00" + "c3a900" + "6b00" + "00");
  });
  it("encodes a lone surrogate as U+FFFD (EF BF BD), consistently with the length", () => {
    const b = encodePairs([pair("k", "x\uD800")]);
    expect(hexOf(b)).toBe("01000000" + "01000000" + "04000000" + "6b00" + "78efbfbd00");
  });
});

describe("decodePairs", () => {
  it("decodes the reference example", () => {
    const d = decodeHex(EXAMPLE);
    expect(d.length).toBe(2);
    expect(d[0].key).toBe("a");
    expect(d[0].value).toBe("1");
    expect(d[1].key).toBe("b");
    expect(d[1].value).toBe("22");
  });
  it("round-trips pseudo-headers, duplicates, empty values and non-ASCII text", () => {
    const src: Headers = [pair(":status", "200"), pair("set-cookie", "a=1"), pair("set-cookie", "b=2"), pair("x-empty", ""),
                          pair("x-utf8", "grüße ✓ 🎉")];
    const d = decodePairsBuffer(encodePairs(src));
    expect(d.length).toBe(src.length);
    for (let i = 0; i < src.length; i++) {
      expect(d[i].key).toBe(src[i].key);
      expect(d[i].value).toBe(src[i].value);
    }
    expect(pairsGet(d, "SET-COOKIE")!).toBe("a=1");
    expect(pairsGetAll(d, "Set-Cookie").join("|")).toBe("a=1|b=2");
    expect(pairsGet(d, "x-absent")).toBeNull();
  });
  it("decodes more than 1024 entries (maps the host serializes are not bounded by its input limit)", () => {
    const src = new Array<HeaderPair>();
    for (let i = 0; i < 3000; i++) src.push(pair("k" + i.toString(), "v"));
    const d = decodePairsBuffer(encodePairs(src));
    expect(d.length).toBe(3000);
    expect(d[2999].key).toBe("k2999");
  });
  it("round-trips 1024 entries (the host's maximum)", () => {
    const src = new Array<HeaderPair>();
    for (let i = 0; i < 1024; i++) src.push(pair("k" + i.toString(), "v" + i.toString()));
    const d = decodePairsBuffer(encodePairs(src));
    expect(d.length).toBe(1024);
    expect(d[1023].value).toBe("v1023");
  });
  it("decodes an empty map: (0,0), null, N=0, and anything shorter than 4 bytes", () => {
    expect(decodePairs(0, 0).length).toBe(0);
    expect(decodePairsBuffer(null).length).toBe(0);
    expect(decodeHex("00000000").length).toBe(0);
    expect(decodeHex("020000").length).toBe(0);
    expect(checkPairs(0, 0)).toBe(0);
  });
  it("decodes invalid UTF-8 with U+FFFD instead of trapping", () => {
    const d = decodeHex("01000000" + "01000000" + "02000000" + "6b00" + "ff4100");
    expect(d.length).toBe(1);
    expect(d[0].value).toBe("\uFFFDA");
  });
});

describe("decodePairs on malformed input → empty list, no trap", () => {
  it("truncated: the last NUL missing", () => {
    expect(decodeHex(EXAMPLE.substr(0, EXAMPLE.length - 2)).length).toBe(0);
  });
  it("truncated inside the length table", () => {
    expect(decodeHex(EXAMPLE.substr(0, 20)).length).toBe(0);
  });
  it("trailing garbage after the last NUL", () => {
    expect(decodeHex(EXAMPLE + "00").length).toBe(0);
  });
  it("N=0 with extra bytes", () => {
    expect(decodeHex("00000000ff").length).toBe(0);
  });
  it("a key not followed by NUL", () => {
    expect(decodeHex("01000000" + "01000000" + "01000000" + "6178" + "3100").length).toBe(0);
  });
  it("a value not followed by NUL", () => {
    expect(decodeHex("01000000" + "01000000" + "01000000" + "6100" + "3178").length).toBe(0);
  });
  it("a length pointing past the end (and a huge length that would overflow)", () => {
    expect(decodeHex("01000000" + "09000000" + "01000000" + "6100" + "3100").length).toBe(0);
    expect(decodeHex("01000000" + "ffffffff" + "01000000" + "6100" + "3100").length).toBe(0);
    expect(decodeHex("01000000" + "01000000" + "ffffffff" + "6100" + "3100").length).toBe(0);
  });
  it("N larger than the buffer, N above 1024, N = 0xFFFFFFFF", () => {
    expect(decodeHex("05000000" + "01000000" + "01000000" + "6100" + "3100").length).toBe(0);
    expect(decodeHex("01040000").length).toBe(0);
    expect(decodeHex("ffffffff" + "00000000" + "00000000").length).toBe(0);
    expect(checkPairs(changetype<usize>(fromHex("01040000")), 4)).toBe(-1);
  });
});

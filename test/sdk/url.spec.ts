// sdk/url: percent-decoding that never traps, and the X-Road service id of an /r1/ path.
import { percentDecode, xroadServiceId } from "../../sdk";

describe("percentDecode", () => {
  it("returns plain text unchanged and decodes escapes of either case", () => {
    expect(percentDecode("civil-registry")).toBe("civil-registry");
    expect(percentDecode("civil%2Dregistry")).toBe("civil-registry");
    expect(percentDecode("a%2fb%2Fc")).toBe("a/b/c");
  });
  it("decodes only the requested range", () => {
    expect(percentDecode("xx%41yy", 2, 5)).toBe("A");
    expect(percentDecode("abc", 2, 1)).toBe("");
    expect(percentDecode("abc", 1)).toBe("bc");
  });
  it("keeps invalid escapes literally", () => {
    expect(percentDecode("100%")).toBe("100%");
    expect(percentDecode("%zz%4")).toBe("%zz%4");
    expect(percentDecode("%%41")).toBe("%A");
  });
  it("turns + into a space only for query strings", () => {
    expect(percentDecode("a+b", 0, -1, true)).toBe("a b");
    expect(percentDecode("a+b")).toBe("a+b");
  });
  it("reads the bytes as UTF-8, with U+FFFD for invalid sequences", () => {
    expect(percentDecode("%C3%A9t%C3%A9")).toBe("été");
    expect(percentDecode("%FF%C3")).toBe("\uFFFD\uFFFD");
    expect(percentDecode("%00")).toBe("\0");
  });
  it("keeps non-ASCII text next to escapes (surrogate pairs whole, lone surrogates as U+FFFD)", () => {
    expect(percentDecode("é%41😀")).toBe("éA😀");
    expect(percentDecode("\uD800%41")).toBe("\uFFFDA");
  });
  it("decodes a 64 KiB value", () => {
    const big = "%41".repeat(65536);
    expect(percentDecode(big).length).toBe(65536);
  });
});

describe("xroadServiceId", () => {
  it("is INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE, each part decoded", () => {
    expect(xroadServiceId("/r1/DEV/GOV/1001/civil-registry/births/v1/births/42")!).toBe("DEV/GOV/1001/civil-registry/births");
    expect(xroadServiceId("/r1/DEV/GOV/1001/civil%2Dregistry/births")!).toBe("DEV/GOV/1001/civil-registry/births");
  });
  it("ignores the query and the fragment", () => {
    expect(xroadServiceId("/r1/A/B/C/D/svc?x=/1/2")!).toBe("A/B/C/D/svc");
    expect(xroadServiceId("/r1/A/B/C/D/svc#frag/x")!).toBe("A/B/C/D/svc");
  });
  it("is null for other paths and fewer than five non-empty parts", () => {
    expect(xroadServiceId("/r2/A/B/C/D/svc")).toBeNull();
    expect(xroadServiceId("/r1/A/B/C/D")).toBeNull();
    expect(xroadServiceId("/r1/A/B//D/svc")).toBeNull();
    expect(xroadServiceId("/r1/A/B/C/D?/svc")).toBeNull();
    expect(xroadServiceId("")).toBeNull();
  });
});

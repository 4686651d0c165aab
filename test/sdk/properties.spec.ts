// Property paths and typed decoders (reference §7.2, §7.3). host-imports.js records the path bytes
// and, instead of the real host's attributes, answers with bytes the spec queues.
import {
  getProperty, getPropertyBytes, getPropertyString, getPropertyInt64, getPropertyUint64, getPropertyFloat64,
  getPropertyBool, getPropertyMap, setProperty, setPropertyString, splitPropertyPath, Property,
  encodePairs, pair, lastStatus, WasmResult,
  encodePropertyPath, decodePropertyInt64, decodePropertyUint64, decodePropertyFloat64, decodePropertyBool, decodePropertyMap,
} from "../../sdk";
import { resetHost, queuePropertyBytes, queuePropertyStatus, lastPath, lastSetValue, hexOf } from "./host";

function bytesOf(list: Array<u8>): ArrayBuffer {
  const b = new ArrayBuffer(list.length);
  for (let i = 0; i < list.length; i++) store<u8>(changetype<usize>(b) + <usize>i, list[i]);
  return b;
}

function le64(v: u64): ArrayBuffer {
  const b = new ArrayBuffer(8);
  store<u64>(changetype<usize>(b), v);
  return b;
}

function pathText(): string {
  const p = lastPath();
  if (p === null) return "null";
  // show NUL as "|" so expectations are readable
  let s = "";
  const q = changetype<usize>(p);
  for (let i = 0; i < p.byteLength; i++) {
    const c = load<u8>(q + <usize>i);
    s += c == 0 ? "|" : String.fromCharCode(c);
  }
  return s;
}

describe("property paths", () => {
  beforeEach(() => { resetHost(); });

  it("splits a dotted name into NUL-separated segments, no trailing NUL", () => {
    getPropertyString("request.path");
    expect(pathText()).toBe("request|path");
    expect(lastPath()!.byteLength).toBe(12);
  });
  it("sends a string[] path verbatim (a key containing '.' stays one segment)", () => {
    getPropertyString(["request", "headers", "x.dotted"]);
    expect(pathText()).toBe("request|headers|x.dotted");
    getPropertyString(Property.REQUEST_URL_PATH);
    expect(pathText()).toBe("request|url_path");
  });
  it("a single segment has no separator; three segments have two", () => {
    getPropertyString("plugin_root_id");
    expect(pathText()).toBe("plugin_root_id");
    getPropertyString("xds.cluster_metadata.filter_metadata");
    expect(pathText()).toBe("xds|cluster_metadata|filter_metadata");
  });
  it("encodes non-ASCII segments as UTF-8", () => {
    getPropertyString(["metadata", "é"]);
    expect(hexOf(lastPath())).toBe("6d657461646174610" + "0c3a9");
  });
  it("splitPropertyPath", () => {
    expect(splitPropertyPath("a.b.c").join(",")).toBe("a,b,c");
    expect(splitPropertyPath("single").length).toBe(1);
  });
  it("setProperty / setPropertyString send the same path encoding and the raw value", () => {
    expect(setPropertyString("my.key", "v")).toBe(true);
    expect(pathText()).toBe("my|key");
    expect(hexOf(lastSetValue())).toBe("76");
    expect(setProperty(["k"], bytesOf([0, 1, 2]))).toBe(true);
    expect(hexOf(lastSetValue())).toBe("000102");
  });
});

describe("typed decoders on raw bytes", () => {
  beforeEach(() => { resetHost(); });

  it("string and bytes", () => {
    queuePropertyBytes(String.UTF8.encode("grüße"));
    expect(getPropertyString("x")!).toBe("grüße");
    queuePropertyBytes(bytesOf([1, 0, 255]));
    expect(hexOf(getPropertyBytes("x"))).toBe("0100ff");
    queuePropertyBytes(bytesOf([7]));
    expect(hexOf(getProperty("x"))).toBe("07");
  });
  it("empty value: (0,0) → empty string / empty buffer, not null", () => {
    queuePropertyBytes(new ArrayBuffer(0));
    expect(getPropertyString("x")!).toBe("");
    queuePropertyBytes(new ArrayBuffer(0));
    expect(getPropertyBytes("x")!.byteLength).toBe(0);
  });
  it("int64: 8 bytes little-endian two's complement", () => {
    queuePropertyBytes(bytesOf([0x01, 0x02, 0, 0, 0, 0, 0, 0]));
    expect(getPropertyInt64("x")).toBe(0x0201);
    queuePropertyBytes(le64(<u64>-5));
    expect(getPropertyInt64("x")).toBe(-5);
    queuePropertyBytes(le64(0x8000000000000000));
    expect(getPropertyInt64("x")).toBe(i64.MIN_VALUE);
  });
  it("uint64: 8 bytes little-endian, full range", () => {
    queuePropertyBytes(le64(u64.MAX_VALUE));
    expect(getPropertyUint64("x")).toBe(u64.MAX_VALUE);
    queuePropertyBytes(le64(42));
    expect(getPropertyUint64("x")).toBe(42);
  });
  it("double: 8 bytes IEEE-754 little-endian", () => {
    const b = new ArrayBuffer(8);
    store<f64>(changetype<usize>(b), 0.25);
    queuePropertyBytes(b);
    expect(getPropertyFloat64("x")).toBe(0.25);
  });
  it("bool: 1 byte, any non-zero is true", () => {
    queuePropertyBytes(bytesOf([1]));
    expect(getPropertyBool("x")).toBe(true);
    queuePropertyBytes(bytesOf([0]));
    expect(getPropertyBool("x", true)).toBe(false);
    queuePropertyBytes(bytesOf([2]));
    expect(getPropertyBool("x")).toBe(true);
  });
  it("map: pairs-encoded value", () => {
    queuePropertyBytes(encodePairs([pair("a", "1"), pair("b", "22")]));
    const m = getPropertyMap("request.headers");
    expect(m.length).toBe(2);
    expect(m[1].key).toBe("b");
    expect(m[1].value).toBe("22");
  });
  it("wrong sizes → the caller's default, and lastStatus = SerializationFailure (so a caller can tell)", () => {
    queuePropertyBytes(bytesOf([1, 2, 3, 4]));
    expect(getPropertyInt64("x", -1)).toBe(-1);
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    queuePropertyBytes(bytesOf([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(getPropertyUint64("x", 9)).toBe(9);
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    queuePropertyBytes(bytesOf([1, 2]));
    expect(getPropertyBool("x", true)).toBe(true);
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    queuePropertyBytes(bytesOf([1, 2]));
    expect(getPropertyBool("x", false)).toBe(false);
    queuePropertyBytes(bytesOf([1]));
    expect(getPropertyFloat64("x", 1.5)).toBe(1.5);
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    queuePropertyBytes(new ArrayBuffer(0));
    expect(getPropertyInt64("x", 7)).toBe(7);
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    queuePropertyBytes(bytesOf([1, 2, 3]));
    expect(getPropertyMap("x").length).toBe(0);
  });
  it("a value of the right size that equals the default: lastStatus Ok tells it apart", () => {
    queuePropertyBytes(le64(7));
    expect(getPropertyInt64("x", 7)).toBe(7);
    expect(lastStatus).toBe(WasmResult.Ok);
    queuePropertyBytes(bytesOf([0]));
    expect(getPropertyBool("x", false)).toBe(false);
    expect(lastStatus).toBe(WasmResult.Ok);
  });
  it("host errors → null / default, lastStatus tells why", () => {
    queuePropertyStatus(WasmResult.NotFound);
    expect(getPropertyString("x")).toBeNull();
    expect(lastStatus).toBe(WasmResult.NotFound);
    queuePropertyStatus(WasmResult.SerializationFailure);
    expect(getPropertyBytes("request")).toBeNull();
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    queuePropertyStatus(WasmResult.NotFound);
    expect(getPropertyInt64("x", 11)).toBe(11);
    queuePropertyStatus(WasmResult.NotFound);
    expect(getPropertyMap("x").length).toBe(0);
  });
});

describe("pure property codecs (the same code the hostcall wrappers use)", () => {
  beforeEach(() => { resetHost(); });

  it("encodePropertyPath: dotted string, string[], UTF-8, single segment", () => {
    expect(hexOf(encodePropertyPath("request.path"))).toBe("72657175657374007061746" + "8");
    expect(hexOf(encodePropertyPath(["a.b", "c"]))).toBe("612e620063");
    expect(hexOf(encodePropertyPath(["é"]))).toBe("c3a9");
    expect(encodePropertyPath("plugin_root_id").byteLength).toBe(14);
  });
  it("encodePropertyPath gives the bytes the host receives", () => {
    getPropertyString(["metadata", "é", "x.y"]);
    expect(hexOf(encodePropertyPath(["metadata", "é", "x.y"]))).toBe(hexOf(lastPath()));
  });
  it("typed decoders on plain buffers", () => {
    expect(decodePropertyInt64(le64(<u64>-2))).toBe(-2);
    expect(decodePropertyUint64(le64(u64.MAX_VALUE))).toBe(u64.MAX_VALUE);
    const b = new ArrayBuffer(8);
    store<f64>(changetype<usize>(b), -0.5);
    expect(decodePropertyFloat64(b)).toBe(-0.5);
    expect(decodePropertyBool(bytesOf([3]))).toBe(true);
    expect(decodePropertyMap(encodePairs([pair("k", "v")]))[0].value).toBe("v");
  });
  it("decoders: null → default with lastStatus untouched; wrong size → default + SerializationFailure", () => {
    queuePropertyStatus(WasmResult.NotFound);
    getPropertyBytes("x");
    expect(decodePropertyInt64(null, 5)).toBe(5);
    expect(lastStatus).toBe(WasmResult.NotFound);
    expect(decodePropertyBool(bytesOf([1, 1]), true)).toBe(true);
    expect(lastStatus).toBe(WasmResult.SerializationFailure);
    expect(decodePropertyMap(null).length).toBe(0);
  });
});

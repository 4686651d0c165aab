// ConfigReader over the tape (sdk/config/reader.ts, tape.ts): malformed input, limits, unknown fields,
// wrong types, paths in errors, the non-allocating iteration API (count/item). The older getter specs
// are in json.spec.ts.
import { ConfigReader, Json, JsonOptions } from "../../sdk/config/json";

function cfg(text: string): ConfigReader {
  return ConfigReader.parseString(text);
}

function errOf(text: string): string {
  const r = cfg(text);
  return r.error == null ? "" : r.error!;
}

describe("ConfigReader: malformed JSON", () => {
  it("reports syntax errors with the byte offset", () => {
    expect(errOf("{\"a\":1,}")).toBe("config: invalid JSON at byte 7: expected a string key");
    expect(errOf("{\"a\" 1}")).toBe("config: invalid JSON at byte 5: expected ':'");
    expect(errOf("{\"a\":[1,]}")).toBe("config: invalid JSON at byte 8: unexpected character ']'");
    expect(errOf("{\"a\":tru}")).toBe("config: invalid JSON at byte 5: invalid literal, expected 'true'");
    expect(errOf("{\"a\":01}")).toBe("config: invalid JSON at byte 5: leading zeros are not allowed");
    expect(errOf("{\"a\":\"x}")).toBe("config: invalid JSON at byte 5: unterminated string");
    expect(errOf("{\"a\":1} x")).toBe("config: invalid JSON at byte 8: unexpected trailing data after the JSON value");
    expect(errOf("{\"a\":1e999}")).toBe("config: invalid JSON at byte 5: number out of range");
    expect(errOf("{\"a\":\"\\q\"}")).toBe("config: invalid JSON at byte 6: invalid escape '\\q'");
  });
  it("rejects duplicate keys, also in objects large enough to be hashed", () => {
    expect(errOf("{\"a\":1,\"b\":2,\"a\":3}")).toBe("config: invalid JSON at byte 13: duplicate key \"a\"");
    let big = "{";
    for (let i = 0; i < 100; i++) big += "\"k" + i.toString() + "\":" + i.toString() + ",";
    expect(cfg(big + "\"k100\":1}").ok).toBe(true);
    const dup = big + "\"k37\":1}";
    expect(errOf(dup)).toBe("config: invalid JSON at byte " + (dup.length - 8).toString() + ": duplicate key \"k37\"");
    // the same key spelled with an escape is the same key
    expect(errOf("{\"ab\":1,\"a\\u0062\":2}")).toBe("config: invalid JSON at byte 8: duplicate key \"ab\"");
    // equal keys in different objects are fine
    expect(cfg("{\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}").ok).toBe(true);
  });
  it("accepts the largest finite f64 and rejects what overflows to infinity", () => {
    expect(cfg("{\"a\":1.7976931348623157e308}").ok).toBe(true);
    expect(cfg("{\"a\":-1.7976931348623158e308}").ok).toBe(true);
    expect(errOf("{\"a\":1.7976931348623159e308}")).toBe("config: invalid JSON at byte 5: number out of range");
    expect(errOf("{\"a\":-1e309}")).toBe("config: invalid JSON at byte 5: number out of range");
    expect(cfg("{\"a\":1e-400, \"b\": 0e999999}").ok).toBe(true); // underflow to 0 is fine
  });
  it("never traps on invalid UTF-8, NUL or control bytes", () => {
    const b = new ArrayBuffer(9);
    const p = changetype<usize>(b);
    const bytes: u8[] = [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x22, 0x7d];
    for (let i = 0; i < 9; i++) store<u8>(p + <usize>i, bytes[i]);
    expect(ConfigReader.parse(b).error!).toBe("config: invalid JSON at byte 6: invalid UTF-8 byte 0xC0");
    store<u8>(p + 6, 0);
    expect(ConfigReader.parse(b).error!).toBe("config: invalid JSON at byte 6: NUL byte in string");
    store<u8>(p + 6, 0x1f);
    expect(ConfigReader.parse(b).error!).toBe("config: invalid JSON at byte 6: control character 0x1F in string (must be escaped)");
  });
});

describe("ConfigReader: limits", () => {
  it("applies maxBytes, maxDepth and maxStringLength", () => {
    const o = new JsonOptions();
    o.maxDepth = 3;
    expect(ConfigReader.parseString("{\"a\":{\"b\":[1]}}", o).ok).toBe(true);
    expect(ConfigReader.parseString("{\"a\":{\"b\":[[1]]}}", o).error!).toBe("config: invalid JSON at byte 11: nesting deeper than 3 levels");
    const s = new JsonOptions();
    s.maxBytes = 10;
    expect(ConfigReader.parseString("{\"a\":12345}", s).error!).toBe("config: invalid JSON at byte 10: input larger than 10 bytes");
    const l = new JsonOptions();
    l.maxStringLength = 2;
    expect(ConfigReader.parseString("{\"ab\":\"cd\"}", l).ok).toBe(true);
    expect(ConfigReader.parseString("{\"ab\":\"cde\"}", l).error!).toBe("config: invalid JSON at byte 6: string longer than 2 characters");
  });
  it("keeps the default depth limit of 64", () => {
    expect(cfg("{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}").ok).toBe(true);
    expect(errOf("{\"a\":" + "[".repeat(64) + "]".repeat(64) + "}")).toBe("config: invalid JSON at byte 68: nesting deeper than 64 levels");
  });
});

describe("ConfigReader: values", () => {
  it("decodes escapes and non-ASCII text only when asked, exactly", () => {
    const r = cfg("{\"s\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\",\"t\":\"h\u00e9llo \u20ac\",\"k\\u00e9y\":\"v\"}");
    expect(r.string("s", "")).toBe("a\"b\\c/\n\u00e9\ud83d\ude00");
    expect(r.string("t", "")).toBe("h\u00e9llo \u20ac");
    expect(r.string("k\u00e9y", "")).toBe("v");
    expect(r.finish()).toBe(true);
  });
  it("reads exact integers and integral floats; rejects fractions and out-of-range values", () => {
    const r = cfg("{\"a\":9223372036854775807,\"b\":-9223372036854775808,\"c\":1.5e1,\"d\":100e-2,\"e\":0.0e5,\"f\":12.50e1}");
    expect(r.i64("a", 0)).toBe(i64.MAX_VALUE);
    expect(r.i64("b", 0)).toBe(i64.MIN_VALUE);
    expect(r.i32("c", 0)).toBe(15);
    expect(r.i32("d", 0)).toBe(1);
    expect(r.i32("e", 7)).toBe(0);
    expect(r.i32("f", 0)).toBe(125);
    expect(r.ok).toBe(true);
    const q = cfg("{\"a\":9223372036854775808}");
    q.i64("a", 0);
    expect(q.error!).toBe("config field 'a': expected an integer, got 9223372036854775808");
    const w = cfg("{\"a\":1.25e1}");
    w.u32("a", 0);
    expect(w.error!).toBe("config field 'a': expected an unsigned integer, got 1.25e1");
  });
  it("reads f64 values and checks their range", () => {
    const r = cfg("{\"a\":0.1,\"b\":-2.5e-3,\"c\":7}");
    expect(r.f64("a", 0)).toBe(0.1);
    expect(r.f64("b", 0)).toBe(-0.0025);
    expect(r.f64("c", 0)).toBe(7.0);
    expect(r.ok).toBe(true);
    const q = cfg("{\"a\":-0.5}");
    q.f64("a", 0, 0, 1);
    expect(q.error!).toBe("config field 'a': must be between 0.0 and 1.0, got -0.5");
  });
  it("has() does not mark a field used, getters do", () => {
    const r = cfg("{\"a\":1}");
    expect(r.has("a")).toBe(true);
    expect(r.has("b")).toBe(false);
    expect(r.finish()).toBe(false);
    expect(r.error!).toBe("config field 'a': unknown field");
  });
});

describe("ConfigReader: paths and unknown fields", () => {
  it("names fields of maps, arrays and odd keys", () => {
    const r = cfg("{\"m\":{\"x y\":{\"rules\":[{},{\"n\":\"s\"}]}}}");
    const m = r.map("m");
    expect(m[0].key).toBe("x y");
    expect(m[0].path).toBe("m[\"x y\"]");
    const rules = m[0].array("rules");
    expect(rules[1].path).toBe("m[\"x y\"].rules[1]");
    rules[1].u32("n", 0);
    expect(r.error!).toBe("config field 'm[\"x y\"].rules[1].n': expected an unsigned integer, got string");
  });
  it("reports an unknown field deep inside arrays of arrays", () => {
    const r = cfg("{\"a\":[[{\"x\":1}],[{\"x\":2,\"y\":3}]]}");
    r.count("a");
    const outer = r.item("a", 0); // not an object: reported
    expect(outer.present).toBe(false);
    expect(r.error!).toBe("config field 'a[0]': expected an object, got array");
  });
  it("checks only objects a reader was handed out for", () => {
    const r = cfg("{\"free\":{\"any\":{\"thing\":1}},\"labels\":{\"k\":\"v\"},\"obj\":{\"z\":1}}");
    r.object("free").keys();
    r.stringMap("labels");
    r.object("obj");
    expect(r.finish()).toBe(false);
    expect(r.error!).toBe("config field 'obj.z': unknown field");
  });
  it("reports this reader's own unknown fields before nested ones", () => {
    const r = cfg("{\"t\":{\"foo\":1},\"zzz\":2}");
    r.object("t");
    r.finish();
    expect(r.error!).toBe("config field 'zzz': unknown field");
  });
  it("absent readers keep their path through several levels", () => {
    const r = cfg("{}");
    const c = r.object("a").object("b c").object("d");
    expect(c.present).toBe(false);
    expect(c.path).toBe("a[\"b c\"].d");
    c.requireString("e");
    expect(r.error!).toBe("config field 'a[\"b c\"].d.e': required field missing");
  });
});

describe("ConfigReader: count/item iteration", () => {
  it("iterates an array of objects with one reused reader", () => {
    const r = cfg("{\"rights\":[{\"client\":\"a\",\"n\":1},{\"client\":\"b\",\"n\":2},{\"client\":\"c\",\"n\":3}]}");
    const n = r.count("rights");
    expect(n).toBe(3);
    let clients = "";
    let sum: u32 = 0;
    const first = r.item("rights", 0);
    for (let i = 0; i < n; i++) {
      const e = r.item("rights", i);
      expect(e).toBe(first); // the same object every time
      expect(e.path).toBe("rights[" + i.toString() + "]");
      clients += e.requireString("client");
      sum += e.u32("n", 0);
    }
    expect(clients).toBe("abc");
    expect(sum).toBe(6);
    // going back restarts from the front
    expect(r.item("rights", 1).string("client", "")).toBe("b");
    expect(r.item("rights", 3).present).toBe(false);
    expect(r.finish()).toBe(true);
  });
  it("iterates a map of objects with keys", () => {
    const r = cfg("{\"svc\":{\"a\":{\"p\":1},\"b\":{\"p\":2}}}");
    expect(r.count("svc")).toBe(2);
    expect(r.item("svc", 1).key).toBe("b");
    expect(r.item("svc", 0).key).toBe("a");
    expect(r.item("svc", 1).u32("p", 0)).toBe(2);
    r.item("svc", 0).u32("p", 0);
    expect(r.finish()).toBe(true);
  });
  it("reports unknown fields of iterated elements at finish()", () => {
    const r = cfg("{\"rights\":[{\"client\":\"a\"},{\"client\":\"b\",\"extra\":1}]}");
    for (let i = 0; i < r.count("rights"); i++) r.item("rights", i).string("client", "");
    expect(r.finish()).toBe(false);
    expect(r.error!).toBe("config field 'rights[1].extra': unknown field");
  });
  it("reports wrong types: a non-container field, a non-object element", () => {
    let r = cfg("{\"rights\":5}");
    expect(r.count("rights")).toBe(0);
    expect(r.error!).toBe("config field 'rights': expected an array or object, got 5");
    r = cfg("{\"rights\":[{},\"x\"]}");
    expect(r.item("rights", 1).present).toBe(false);
    expect(r.error!).toBe("config field 'rights[1]': expected an object, got string");
    r = cfg("{\"m\":{\"k\":true}}");
    expect(r.item("m", 0).key).toBe("k");
    expect(r.error!).toBe("config field 'm.k': expected an object, got boolean");
  });
  it("treats an absent field as empty", () => {
    const r = cfg("{}");
    expect(r.count("rights")).toBe(0);
    expect(r.item("rights", 0).present).toBe(false);
    expect(r.finish()).toBe(true);
  });
  it("reads 100,000 elements", () => {
    let s = "{\"rights\":[";
    for (let i = 0; i < 100000; i++) s += (i ? "," : "") + "{\"id\":" + i.toString() + "}";
    const o = new JsonOptions();
    o.maxBytes = 4 << 20; // ~1.4 MB: over the 1 MiB default
    expect(cfg(s + "]}").error!).toBe("config: invalid JSON at byte 1048576: input larger than 1048576 bytes");
    const r = ConfigReader.parseString(s + "]}", o);
    const n = r.count("rights");
    expect(n).toBe(100000);
    let sum: i64 = 0;
    for (let i = 0; i < n; i++) sum += r.item("rights", i).i64("id", 0);
    expect(sum).toBe(<i64>99999 * 100000 / 2);
    expect(r.finish()).toBe(true);
  });
});

describe("ConfigReader: f64 without the standard library's strtod/dtoa", () => {
  it("parses decimal and exponent forms exactly where Clinger's fast path applies", () => {
    const r = cfg("{\"a\":0.1,\"b\":1e22,\"c\":-123.456e-3,\"d\":0.000001,\"e\":5e-324,\"f\":1.7976931348623157e308,\"g\":123456789012345678901234567890}");
    expect(r.f64("a", 0)).toBe(0.1);
    expect(r.f64("b", 0)).toBe(1e22);
    expect(r.f64("c", 0)).toBe(-0.123456);
    expect(r.f64("d", 0)).toBe(0.000001);
    expect(r.f64("e", 1) >= 0).toBe(true);
    expect(r.f64("f", 0) > 1.79e308).toBe(true);
    const g = r.f64("g", 0);
    expect(Math.abs(g - 1.2345678901234568e29) <= 1e14).toBe(true); // 19 digits kept, within a few ulps
    expect(r.ok).toBe(true);
  });
  it("prints range errors like AssemblyScript's toString", () => {
    const cases = ["0.25", "-0.0025", "1e-7", "1.5e+21", "2000000000000000.0", "12345.678", "-3.0", "0.30000000000000004"];
    for (let i = 0; i < cases.length; i++) {
      const r = cfg("{\"x\":" + cases[i] + "}");
      r.f64("x", 0, 100, 200);
      expect(r.error!).toBe("config field 'x': must be between 100.0 and 200.0, got " + cases[i]);
    }
    const q = cfg("{\"x\":1}");
    q.f64("x", 0, 0.5, 0.75);
    expect(q.error!).toBe("config field 'x': must be between 0.5 and 0.75, got 1.0");
  });
});

describe("ConfigReader: nested iteration and memberCount/member", () => {
  it("iterates maps of maps of arrays with reused readers at every level", () => {
    const r = cfg("{\"providers\":{\"p1\":{\"s1\":{\"rights\":[{\"id\":1},{\"id\":2}]},\"s2\":{\"rights\":[{\"id\":3}]}},\"p2\":{\"s3\":{\"rights\":[{\"id\":4},{\"id\":5},{\"id\":6}]}}}}");
    let seen = "";
    let sum: u32 = 0;
    for (let i = 0; i < r.count("providers"); i++) {
      const p = r.item("providers", i);
      for (let j = 0; j < p.memberCount(); j++) {
        const s = p.member(j);
        seen += p.key + "/" + s.key + ":" + s.count("rights").toString() + " ";
        for (let k = 0; k < s.count("rights"); k++) sum += s.item("rights", k).u32("id", 0);
      }
    }
    expect(seen).toBe("p1/s1:2 p1/s2:1 p2/s3:3 ");
    expect(sum).toBe(21);
    expect(r.finish()).toBe(true);
  });
  it("names paths and unknown fields found under member()", () => {
    const r = cfg("{\"providers\":{\"p.1\":{\"s1\":{\"rights\":[{\"id\":1,\"x\":0}]}}}}");
    const s = r.item("providers", 0).member(0);
    expect(s.path).toBe("providers[\"p.1\"].s1");
    s.item("rights", 0).u32("id", 0);
    expect(r.finish()).toBe(false);
    expect(r.error!).toBe("config field 'providers[\"p.1\"].s1.rights[0].x': unknown field");
  });
});

describe("ConfigReader: mutated inputs", () => {
  it("never traps on 20,000 mutated inputs (edits + truncation) and reports what Json.parse reports (same tokenizer, plus the object check)", () => {
    const base = String.UTF8.encode("{\"a\":[1,2.5e-3,\"x\\u00e9\\n\",true,false,null],\"b\":{\"c\":{\"d\":\"\u00e9\u20ac\"},\"e\":-0},\"f\":\"\\ud83d\\ude00\"}");
    const n = base.byteLength;
    const buf = new ArrayBuffer(n);
    const alphabet: u8[] = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x3a, 0x2c, 0x30, 0x31, 0x2d, 0x2e, 0x65, 0x75, 0x20, 0x00, 0xc3, 0xa9, 0xff, 0x74, 0x6e];
    let seed: u32 = 12345;
    let okCount = 0;
    for (let round = 0; round < 20000; round++) {
      memory.copy(changetype<usize>(buf), changetype<usize>(base), <usize>n);
      const edits = 1 + <i32>(round % 3);
      for (let e = 0; e < edits; e++) {
        seed = seed * 1103515245 + 12345;
        const at = <usize>((seed >> 8) % <u32>n);
        seed = seed * 1103515245 + 12345;
        store<u8>(changetype<usize>(buf) + at, alphabet[<i32>((seed >> 8) % <u32>alphabet.length)]);
      }
      const len = <usize>(n - <i32>((seed >> 4) & 3)); // sometimes truncated
      const tree = Json.parseMemory(changetype<usize>(buf), len);
      const copy = new ArrayBuffer(<i32>len);
      memory.copy(changetype<usize>(copy), changetype<usize>(buf), len);
      const r = ConfigReader.parse(copy);
      if (tree.ok) {
        okCount++;
        if (tree.value!.isObject) {
          expect(r.error).toBeNull();
          r.keys();
          r.finish();
        } else {
          expect(r.error!).toBe("config: expected a JSON object, got " + tree.value!.typeName);
        }
      } else {
        expect(r.error!).toBe("config: " + tree.error!);
      }
    }
    expect(okCount > 0).toBe(true);
  });
});

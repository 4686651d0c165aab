import { Json, JsonKind, JsonOptions, JsonResult, JsonValue, JsonWriter, ConfigReader } from "../../sdk/config/json";

// ---------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------

function parse(text: string): JsonValue {
  const r = Json.parseString(text);
  if (!r.ok) throw new Error("unexpected parse error for " + text + ": " + r.error!);
  return r.value!;
}

/** The full error text ("invalid JSON at byte N: ...") for `text`; "" when it parsed. */
function err(text: string): string {
  const r = Json.parseString(text);
  return r.ok ? "" : r.error!;
}

function bytes(list: Array<u8>): ArrayBuffer {
  const b = new ArrayBuffer(list.length);
  for (let i = 0; i < list.length; i++) store<u8>(changetype<usize>(b) + <usize>i, list[i]);
  return b;
}

/** `prefix` (ASCII) + raw bytes + `suffix` (ASCII). */
function raw(prefix: string, mid: Array<u8>, suffix: string): ArrayBuffer {
  const list = new Array<u8>();
  for (let i = 0; i < prefix.length; i++) list.push(<u8>prefix.charCodeAt(i));
  for (let i = 0; i < mid.length; i++) list.push(mid[i]);
  for (let i = 0; i < suffix.length; i++) list.push(<u8>suffix.charCodeAt(i));
  return bytes(list);
}

function errBytes(b: ArrayBuffer): string {
  const r = Json.parse(b);
  return r.ok ? "" : r.error!;
}

function str(text: string): string {
  return parse(text).asString();
}

function repeat(s: string, n: i32): string {
  return s.repeat(n);
}

function cfgError(text: string): string {
  const r = ConfigReader.parseString(text);
  return r.error == null ? "" : r.error!;
}

// ---------------------------------------------------------------------------------------------------
// parser: values
// ---------------------------------------------------------------------------------------------------

describe("Json.parse literals", () => {
  it("parses null, true, false", () => {
    expect(parse("null").kind).toBe(JsonKind.Null);
    expect(parse("null").isNull).toBe(true);
    const t = parse("true");
    expect(t.kind).toBe(JsonKind.Bool);
    expect(t.asBool()).toBe(true);
    const f = parse("false");
    expect(f.kind).toBe(JsonKind.Bool);
    expect(f.asBool()).toBe(false);
  });
  it("accepts surrounding whitespace of all four kinds", () => {
    expect(parse(" \t\r\n true \n\t\r ").asBool()).toBe(true);
  });
  it("rejects misspelt and truncated literals", () => {
    expect(err("nul")).toBe("invalid JSON at byte 3: unexpected end of input");
    expect(err("tru")).toBe("invalid JSON at byte 3: unexpected end of input");
    expect(err("trUe")).toBe("invalid JSON at byte 0: invalid literal, expected 'true'");
    expect(err("falsey")).toBe("invalid JSON at byte 5: unexpected trailing data after the JSON value");
    expect(err("None")).toBe("invalid JSON at byte 0: unexpected character 'N'");
  });
  it("typeName names every kind", () => {
    expect(parse("null").typeName).toBe("null");
    expect(parse("true").typeName).toBe("boolean");
    expect(parse("1").typeName).toBe("number");
    expect(parse("1.5").typeName).toBe("number");
    expect(parse("\"s\"").typeName).toBe("string");
    expect(parse("[]").typeName).toBe("array");
    expect(parse("{}").typeName).toBe("object");
  });
  it("accessors of the wrong kind return zero values instead of trapping", () => {
    const v = parse("\"x\"");
    expect(v.asBool()).toBe(false);
    expect(v.asI64()).toBe(0);
    expect(v.asF64()).toBe(0.0);
    expect(v.length).toBe(0);
    expect(v.at(0)).toBeNull();
    expect(v.get("a")).toBeNull();
    expect(v.keyAt(0)).toBe("");
    expect(v.keys().length).toBe(0);
    expect(parse("1").asString()).toBe("");
  });
});

describe("Json.parse numbers", () => {
  it("keeps integers exact as Int", () => {
    const v = parse("42");
    expect(v.kind).toBe(JsonKind.Int);
    expect(v.asI64()).toBe(42);
    expect(parse("0").asI64()).toBe(0);
    expect(parse("-0").kind).toBe(JsonKind.Int);
    expect(parse("-17").asI64()).toBe(-17);
    expect(parse("9007199254740993").asI64()).toBe(9007199254740993); // not representable in f64
  });
  it("handles the i64 bounds exactly", () => {
    const max = parse("9223372036854775807");
    expect(max.kind).toBe(JsonKind.Int);
    expect(max.asI64()).toBe(i64.MAX_VALUE);
    const min = parse("-9223372036854775808");
    expect(min.kind).toBe(JsonKind.Int);
    expect(min.asI64()).toBe(i64.MIN_VALUE);
  });
  it("falls back to f64 just outside i64", () => {
    const over = parse("9223372036854775808");
    expect(over.kind).toBe(JsonKind.Float);
    expect(over.asF64()).toBe(9223372036854775808.0);
    const under = parse("-9223372036854775809");
    expect(under.kind).toBe(JsonKind.Float);
    expect(under.asF64()).toBe(-9223372036854775808.0);
    const huge = parse("123456789012345678901234567890");
    expect(huge.kind).toBe(JsonKind.Float);
    expect(huge.asF64()).toBe(1.2345678901234568e29);
  });
  it("parses fractions and exponents as Float", () => {
    expect(parse("1.5").kind).toBe(JsonKind.Float);
    expect(parse("1.5").asF64()).toBe(1.5);
    expect(parse("-0.25").asF64()).toBe(-0.25);
    expect(parse("0.1").asF64()).toBe(0.1);
    expect(parse("1e3").kind).toBe(JsonKind.Float);
    expect(parse("1e3").asF64()).toBe(1000.0);
    expect(parse("1E+2").asF64()).toBe(100.0);
    expect(parse("25e-2").asF64()).toBe(0.25);
    expect(parse("-1.5e-3").asF64()).toBe(-0.0015);
    expect(parse("1.7976931348623157e308").asF64()).toBe(f64.MAX_VALUE);
    expect(parse("2.2250738585072014e-308").asF64()).toBe(2.2250738585072014e-308);
  });
  it("converts between Int and Float accessors", () => {
    expect(parse("3").asF64()).toBe(3.0);
    expect(parse("3.9").asI64()).toBe(3);
    expect(parse("-3.9").asI64()).toBe(-3);
    expect(parse("1e300").asI64()).toBe(0);
  });
  it("rejects malformed numbers with the offset of the problem", () => {
    expect(err("01")).toBe("invalid JSON at byte 0: leading zeros are not allowed");
    expect(err("-01")).toBe("invalid JSON at byte 1: leading zeros are not allowed");
    expect(err("-")).toBe("invalid JSON at byte 1: expected a digit");
    expect(err("-a")).toBe("invalid JSON at byte 1: expected a digit");
    expect(err("1.")).toBe("invalid JSON at byte 2: expected a digit after '.'");
    expect(err("1.e5")).toBe("invalid JSON at byte 2: expected a digit after '.'");
    expect(err(".5")).toBe("invalid JSON at byte 0: unexpected character '.'");
    expect(err("1e")).toBe("invalid JSON at byte 2: expected a digit in exponent");
    expect(err("1e+")).toBe("invalid JSON at byte 3: expected a digit in exponent");
    expect(err("+1")).toBe("invalid JSON at byte 0: unexpected character '+'");
    expect(err("1x")).toBe("invalid JSON at byte 1: unexpected trailing data after the JSON value");
    expect(err("0x10")).toBe("invalid JSON at byte 1: unexpected trailing data after the JSON value");
    expect(err("NaN")).toBe("invalid JSON at byte 0: unexpected character 'N'");
    expect(err("Infinity")).toBe("invalid JSON at byte 0: unexpected character 'I'");
  });
  it("rejects numbers that overflow f64", () => {
    expect(err("1e999")).toBe("invalid JSON at byte 0: number out of range");
    expect(err("[0, -1e400]")).toBe("invalid JSON at byte 4: number out of range");
  });
});

describe("Json.parse strings", () => {
  it("parses plain ASCII", () => {
    expect(str("\"hello\"")).toBe("hello");
    expect(str("\"\"")).toBe("");
  });
  it("decodes every simple escape", () => {
    expect(str("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"")).toBe("\" \\ / \b \f \n \r \t");
  });
  it("decodes \\u escapes (both hex cases) including NUL", () => {
    expect(str("\"\\u0041\\u00e9\\u00E9\"")).toBe("Aéé");
    const nul = str("\"a\\u0000b\"");
    expect(nul.length).toBe(3);
    expect(nul.charCodeAt(1)).toBe(0);
  });
  it("decodes surrogate pairs into one code point", () => {
    const s = str("\"\\ud83d\\ude00\"");
    expect(s.length).toBe(2);
    expect(s.codePointAt(0)).toBe(0x1f600);
    expect(str("\"x\\uD834\\uDD1Ey\"")).toBe("x\u{1D11E}y");
  });
  it("rejects unpaired surrogates", () => {
    expect(err("\"\\ud83d\"")).toBe("invalid JSON at byte 1: unpaired surrogate in \\u escape");
    expect(err("\"\\ud83dx\"")).toBe("invalid JSON at byte 1: unpaired surrogate in \\u escape");
    expect(err("\"\\ud83d\\u0041\"")).toBe("invalid JSON at byte 1: unpaired surrogate in \\u escape");
    expect(err("\"ab\\ude00\"")).toBe("invalid JSON at byte 3: unpaired surrogate in \\u escape");
    expect(err("\"\\ud83d\\ud83d\"")).toBe("invalid JSON at byte 1: unpaired surrogate in \\u escape");
  });
  it("rejects bad escapes", () => {
    expect(err("\"\\x\"")).toBe("invalid JSON at byte 1: invalid escape '\\x'");
    expect(err("\"\\u12\"")).toBe("invalid JSON at byte 1: invalid \\u escape");
    expect(err("\"\\u12G4\"")).toBe("invalid JSON at byte 1: invalid \\u escape");
    expect(err("\"\\")).toBe("invalid JSON at byte 0: unterminated string");
    expect(err("\"\\u00")).toBe("invalid JSON at byte 1: invalid \\u escape");
  });
  it("decodes raw UTF-8 of 2, 3 and 4 bytes", () => {
    expect(str("\"héllo €  😀\"")).toBe("héllo €  😀");
    const r = Json.parse(raw("\"", [0xf0, 0x9f, 0x98, 0x80], "\""));
    expect(r.ok).toBe(true);
    expect(r.value!.asString().codePointAt(0)).toBe(0x1f600);
    // ASCII prefix, then an escape, then non-ASCII: exercises the slow path hand-over
    expect(str("\"abc\\ndéf\"")).toBe("abc\ndéf");
  });
  it("rejects raw control characters and NUL bytes inside strings", () => {
    expect(err("\"a\nb\"")).toBe("invalid JSON at byte 2: control character 0x0A in string (must be escaped)");
    expect(err("\"a\tb\"")).toBe("invalid JSON at byte 2: control character 0x09 in string (must be escaped)");
    expect(errBytes(raw("\"ab", [0], "\""))).toBe("invalid JSON at byte 3: NUL byte in string");
  });
  it("rejects NUL bytes outside strings", () => {
    expect(errBytes(raw("", [0], ""))).toBe("invalid JSON at byte 0: unexpected byte 0x00");
    expect(errBytes(raw("[1", [0], "]"))).toBe("invalid JSON at byte 2: expected ',' or ']'");
    expect(errBytes(raw("true", [0], ""))).toBe("invalid JSON at byte 4: unexpected trailing data after the JSON value");
  });
  it("rejects unterminated strings at the opening quote", () => {
    expect(err("\"abc")).toBe("invalid JSON at byte 0: unterminated string");
    expect(err("[\"é")).toBe("invalid JSON at byte 1: unterminated string");
  });
});

describe("Json.parse invalid UTF-8", () => {
  it("rejects a lone continuation byte", () => {
    expect(errBytes(raw("\"a", [0x80], "\""))).toBe("invalid JSON at byte 2: invalid UTF-8 byte 0x80");
  });
  it("rejects overlong encodings", () => {
    expect(errBytes(raw("\"", [0xc0, 0xaf], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 byte 0xC0");
    expect(errBytes(raw("\"", [0xc1, 0xbf], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 byte 0xC1");
    expect(errBytes(raw("\"", [0xe0, 0x80, 0xaf], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 sequence");
    expect(errBytes(raw("\"", [0xf0, 0x80, 0x80, 0xaf], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 sequence");
  });
  it("rejects UTF-8 encoded surrogates and code points above U+10FFFF", () => {
    expect(errBytes(raw("\"", [0xed, 0xa0, 0x80], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 sequence");
    expect(errBytes(raw("\"", [0xf4, 0x90, 0x80, 0x80], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 sequence");
    expect(errBytes(raw("\"", [0xf5, 0x80, 0x80, 0x80], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 byte 0xF5");
    expect(errBytes(raw("\"", [0xff], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 byte 0xFF");
  });
  it("accepts the boundary code points", () => {
    expect(Json.parse(raw("\"", [0xed, 0x9f, 0xbf], "\"")).value!.asString().charCodeAt(0)).toBe(0xd7ff);
    expect(Json.parse(raw("\"", [0xee, 0x80, 0x80], "\"")).value!.asString().charCodeAt(0)).toBe(0xe000);
    expect(Json.parse(raw("\"", [0xf4, 0x8f, 0xbf, 0xbf], "\"")).value!.asString().codePointAt(0)).toBe(0x10ffff);
    expect(Json.parse(raw("\"", [0xc2, 0x80], "\"")).value!.asString().charCodeAt(0)).toBe(0x80);
  });
  it("rejects truncated sequences and bad continuation bytes", () => {
    expect(errBytes(raw("\"", [0xe2, 0x82], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 sequence");
    expect(errBytes(raw("\"", [0xe2, 0x82], ""))).toBe("invalid JSON at byte 1: truncated UTF-8 sequence");
    expect(errBytes(raw("\"", [0xc3], ""))).toBe("invalid JSON at byte 1: truncated UTF-8 sequence");
    expect(errBytes(raw("\"", [0xc3, 0x41], "\""))).toBe("invalid JSON at byte 1: invalid UTF-8 sequence");
  });
  it("rejects non-ASCII bytes outside strings", () => {
    expect(errBytes(raw("[", [0xc3, 0xa9], "]"))).toBe("invalid JSON at byte 1: unexpected byte 0xC3");
  });
  it("skips a leading UTF-8 BOM but not one elsewhere", () => {
    const r = Json.parse(raw("", [0xef, 0xbb, 0xbf], "[1]"));
    expect(r.ok).toBe(true);
    expect(r.value!.length).toBe(1);
    expect(errBytes(raw("[", [0xef, 0xbb, 0xbf], "1]"))).toBe("invalid JSON at byte 1: unexpected byte 0xEF");
  });
});

describe("Json.parse arrays and objects", () => {
  it("parses arrays", () => {
    const v = parse("[1, \"two\", [3], {\"four\": 4}, null, true]");
    expect(v.kind).toBe(JsonKind.Array);
    expect(v.length).toBe(6);
    expect(v.at(0)!.asI64()).toBe(1);
    expect(v.at(1)!.asString()).toBe("two");
    expect(v.at(2)!.at(0)!.asI64()).toBe(3);
    expect(v.at(3)!.get("four")!.asI64()).toBe(4);
    expect(v.at(4)!.isNull).toBe(true);
    expect(v.at(5)!.asBool()).toBe(true);
    expect(v.at(6)).toBeNull();
    expect(v.at(-1)).toBeNull();
    expect(parse("[]").length).toBe(0);
    expect(parse("[ ]").length).toBe(0);
  });
  it("parses objects keeping key order", () => {
    const v = parse("{\"b\": 1, \"a\": {\"c\": [true]}, \"\": \"empty\"}");
    expect(v.kind).toBe(JsonKind.Object);
    expect(v.length).toBe(3);
    expect(v.keyAt(0)).toBe("b");
    expect(v.keyAt(1)).toBe("a");
    expect(v.keyAt(2)).toBe("");
    expect(v.get("")!.asString()).toBe("empty");
    expect(v.get("a")!.get("c")!.at(0)!.asBool()).toBe(true);
    expect(v.has("b")).toBe(true);
    expect(v.has("z")).toBe(false);
    expect(v.get("z")).toBeNull();
    const keys = v.keys();
    expect(keys.length).toBe(3);
    expect(keys[1]).toBe("a");
    expect(parse("{ }").length).toBe(0);
  });
  it("finds keys in large objects (hash index) and detects duplicates there", () => {
    let text = "{";
    for (let i = 0; i < 40; i++) text += (i > 0 ? "," : "") + "\"k" + i.toString() + "\":" + i.toString();
    const v = parse(text + "}");
    expect(v.length).toBe(40);
    expect(v.get("k0")!.asI64()).toBe(0);
    expect(v.get("k39")!.asI64()).toBe(39);
    expect(v.get("k40")).toBeNull();
    expect(v.indexOf("k25")).toBe(25);
    const dup = Json.parseString(text + ",\"k31\":1}");
    expect(dup.ok).toBe(false);
    expect(dup.message!).toBe("duplicate key \"k31\"");
  });
  it("decodes escaped keys", () => {
    const v = parse("{\"a\\u0062\": 1, \"\\ud83d\\ude00\": 2}");
    expect(v.get("ab")!.asI64()).toBe(1);
    expect(v.get("😀")!.asI64()).toBe(2);
  });
  it("rejects duplicate keys at the duplicate", () => {
    expect(err("{\"a\":1,\"a\":2}")).toBe("invalid JSON at byte 7: duplicate key \"a\"");
    expect(err("{\"a\":1,\"\\u0061\":2}")).toBe("invalid JSON at byte 7: duplicate key \"a\"");
  });
  it("reports structural errors with offsets", () => {
    expect(err("{\"a\" 1}")).toBe("invalid JSON at byte 5: expected ':'");
    expect(err("{\"a\":1 \"b\":2}")).toBe("invalid JSON at byte 7: expected ',' or '}'");
    expect(err("{a:1}")).toBe("invalid JSON at byte 1: expected a string key");
    expect(err("{'a':1}")).toBe("invalid JSON at byte 1: expected a string key");
    expect(err("{\"a\":1,}")).toBe("invalid JSON at byte 7: expected a string key");
    expect(err("[1,]")).toBe("invalid JSON at byte 3: unexpected character ']'");
    expect(err("[1 2]")).toBe("invalid JSON at byte 3: expected ',' or ']'");
    expect(err("[,1]")).toBe("invalid JSON at byte 1: unexpected character ','");
    expect(err("{\"a\":}")).toBe("invalid JSON at byte 5: unexpected character '}'");
    expect(err("[1}")).toBe("invalid JSON at byte 2: expected ',' or ']'");
    expect(err("{\"a\":1]")).toBe("invalid JSON at byte 6: expected ',' or '}'");
  });
  it("reports truncated containers at the end of input", () => {
    expect(err("[")).toBe("invalid JSON at byte 1: unexpected end of input");
    expect(err("[1")).toBe("invalid JSON at byte 2: unexpected end of input, expected ',' or ']'");
    expect(err("[1,")).toBe("invalid JSON at byte 3: unexpected end of input");
    expect(err("{")).toBe("invalid JSON at byte 1: unexpected end of input, expected a string key");
    expect(err("{\"a\"")).toBe("invalid JSON at byte 4: unexpected end of input, expected ':'");
    expect(err("{\"a\":")).toBe("invalid JSON at byte 5: unexpected end of input");
    expect(err("{\"a\":1")).toBe("invalid JSON at byte 6: unexpected end of input, expected ',' or '}'");
  });
});

describe("Json.parse whole-input rules and limits", () => {
  it("rejects empty and whitespace-only input", () => {
    expect(err("")).toBe("invalid JSON at byte 0: unexpected end of input");
    expect(err("  \n ")).toBe("invalid JSON at byte 4: unexpected end of input");
    expect(errBytes(new ArrayBuffer(0))).toBe("invalid JSON at byte 0: unexpected end of input");
  });
  it("rejects trailing garbage", () => {
    expect(err("{} {}")).toBe("invalid JSON at byte 3: unexpected trailing data after the JSON value");
    expect(err("[1]]")).toBe("invalid JSON at byte 3: unexpected trailing data after the JSON value");
    expect(err("\"a\"\"b\"")).toBe("invalid JSON at byte 3: unexpected trailing data after the JSON value");
    expect(err("1 // comment")).toBe("invalid JSON at byte 2: unexpected trailing data after the JSON value");
  });
  it("accepts scalars at the top level", () => {
    expect(parse("\"top\"").asString()).toBe("top");
    expect(parse(" 7 ").asI64()).toBe(7);
  });
  it("exposes message and offset separately", () => {
    const r = Json.parseString("[1,,2]");
    expect(r.ok).toBe(false);
    expect(r.value).toBeNull();
    expect(r.offset).toBe(3);
    expect(r.message!).toBe("unexpected character ','");
    const ok = Json.parseString("[]");
    expect(ok.offset).toBe(-1);
    expect(ok.message).toBeNull();
  });
  it("allows exactly 64 levels of nesting by default, not 65", () => {
    expect(Json.parseString(repeat("[", 64) + repeat("]", 64)).ok).toBe(true);
    expect(err(repeat("[", 65) + repeat("]", 65))).toBe("invalid JSON at byte 64: nesting deeper than 64 levels");
    expect(Json.parseString(repeat("{\"a\":", 64) + "1" + repeat("}", 64)).ok).toBe(true);
    expect(err(repeat("{\"a\":", 65) + "1" + repeat("}", 65))).toBe("invalid JSON at byte 320: nesting deeper than 64 levels");
  });
  it("stops at the depth limit on pathological input without recursing further", () => {
    expect(err(repeat("[", 100000))).toBe("invalid JSON at byte 64: nesting deeper than 64 levels");
  });
  it("honours custom limits", () => {
    const o = new JsonOptions();
    o.maxDepth = 2;
    expect(Json.parseString("[[1]]", o).ok).toBe(true);
    expect(Json.parseString("[[[1]]]", o).error!).toBe("invalid JSON at byte 2: nesting deeper than 2 levels");
    o.maxBytes = 4;
    expect(Json.parseString("[12]", o).ok).toBe(true);
    expect(Json.parseString("[123]", o).error!).toBe("invalid JSON at byte 4: input larger than 4 bytes");
    const s = new JsonOptions();
    s.maxStringLength = 3;
    expect(Json.parseString("\"abc\"", s).ok).toBe(true);
    expect(Json.parseString("[\"abcd\"]", s).error!).toBe("invalid JSON at byte 1: string longer than 3 characters");
    expect(Json.parseString("[\"ab\\nc\"]", s).error!).toBe("invalid JSON at byte 1: string longer than 3 characters");
  });
  it("enforces the default 1 MiB input limit", () => {
    const big = "\"" + repeat("a", 1 << 20) + "\"";
    expect(Json.parseString(big).error!).toBe("invalid JSON at byte 1048576: input larger than 1048576 bytes");
  });
  it("parses huge strings (ASCII fast path and escaped slow path)", () => {
    const plain = repeat("abcdefgh", 100000);
    expect(str("\"" + plain + "\"").length).toBe(800000);
    const escaped = repeat("a\\n\\u00e9", 50000);
    const s = str("\"" + escaped + "\"");
    expect(s.length).toBe(150000);
    expect(s.charCodeAt(149999)).toBe(0xe9);
    expect(s.charCodeAt(149998)).toBe(0x0a);
    // the scratch buffer is reused: a short string right after a long one is not polluted
    expect(str("\"x\\ty\"")).toBe("x\ty");
  });
  it("parses from raw memory without copying", () => {
    const b = String.UTF8.encode("{\"k\":[1,2]}");
    const r = Json.parseMemory(changetype<usize>(b), <usize>b.byteLength);
    expect(r.ok).toBe(true);
    expect(r.value!.get("k")!.length).toBe(2);
    const partial = Json.parseMemory(changetype<usize>(b), 5);
    expect(partial.error!).toBe("invalid JSON at byte 5: unexpected end of input");
  });
  it("reports byte offsets (not character offsets) after multi-byte text", () => {
    expect(err("[\"é€😀\", x]")).toBe("invalid JSON at byte 14: unexpected character 'x'");
  });
});

// ---------------------------------------------------------------------------------------------------
// serialisation
// ---------------------------------------------------------------------------------------------------

describe("JsonWriter and Json.quote", () => {
  it("escapes quotes, backslashes and control characters", () => {
    expect(Json.quote("plain")).toBe("\"plain\"");
    expect(Json.quote("a\"b\\c")).toBe("\"a\\\"b\\\\c\"");
    expect(Json.quote("\n\r\t\b\f")).toBe("\"\\n\\r\\t\\b\\f\"");
    expect(Json.quote("\u0000\u0001\u001f")).toBe("\"\\u0000\\u0001\\u001f\"");
    expect(Json.quote("/ é 😀 \u007f")).toBe("\"/ é 😀 \u007f\"");
    expect(Json.quote("")).toBe("\"\"");
  });
  it("escapes lone surrogates but keeps pairs", () => {
    expect(Json.quote(String.fromCharCode(0xd800))).toBe("\"\\ud800\"");
    expect(Json.quote("a" + String.fromCharCode(0xdc00) + "b")).toBe("\"a\\udc00b\"");
    expect(Json.quote(String.fromCharCode(0xd83d) + String.fromCharCode(0xd83d, 0xde00))).toBe("\"\\ud83d😀\"");
  });
  it("builds objects and arrays with commas in the right places", () => {
    const w = new JsonWriter();
    w.beginObject()
      .field("error", "forbidden")
      .fieldInt("code", 403)
      .fieldBool("retry", false)
      .fieldFloat("ratio", 0.5)
      .key("tags").beginArray().string("a").int(-1).null().beginObject().endObject().beginArray().endArray().endArray()
      .key("nested").beginObject().fieldInt("n", 1).endObject()
      .endObject();
    expect(w.toString()).toBe(
      "{\"error\":\"forbidden\",\"code\":403,\"retry\":false,\"ratio\":0.5,\"tags\":[\"a\",-1,null,{},[]],\"nested\":{\"n\":1}}",
    );
  });
  it("writes non-finite floats as null and extreme integers exactly", () => {
    const w = new JsonWriter();
    w.beginArray().float(NaN).float(Infinity).int(i64.MIN_VALUE).uint(u64.MAX_VALUE).raw("{\"r\":1}").endArray();
    expect(w.toString()).toBe("[null,null,-9223372036854775808,18446744073709551615,{\"r\":1}]");
  });
  it("grows past its initial capacity and can be reset", () => {
    const w = new JsonWriter(8);
    w.beginArray();
    for (let i = 0; i < 1000; i++) w.string("item");
    w.endArray();
    const s = w.toString();
    expect(s.length).toBe(2 + 1000 * 6 + 999);
    w.reset().beginObject().field("k", "v").endObject();
    expect(w.toString()).toBe("{\"k\":\"v\"}");
  });
  it("produces UTF-8 bytes", () => {
    const b = new JsonWriter().string("é").toBytes();
    expect(b.byteLength).toBe(4);
    expect(load<u8>(changetype<usize>(b) + 1)).toBe(0xc3);
  });
  it("round-trips parse → stringify", () => {
    const text = "{\"a\":[1,-2,1.5,true,false,null,\"x\\\"y\\n\"],\"b\":{},\"c\":[],\"😀\":\"\\u0000\"}";
    expect(parse(text).toString()).toBe(text);
    expect(Json.stringify(parse(" [ 1 , { \"k\" : \"v\" } ] "))).toBe("[1,{\"k\":\"v\"}]");
    // escaped output parses back to the same string
    const nasty = "q\"b\\s\u0001\u001f\t/é😀";
    expect(parse(Json.quote(nasty)).asString()).toBe(nasty);
    // a lone surrogate is escaped on output (as JS does) but this strict parser refuses it on input
    expect(Json.parseString(Json.quote("a" + String.fromCharCode(0xd800))).message!).toBe("unpaired surrogate in \\u escape");
  });
  it("serialises values built by hand", () => {
    const v = JsonValue.object(["x", "y"], [JsonValue.int(1), JsonValue.array([JsonValue.bool(true), JsonValue.null(), JsonValue.float(2.5), JsonValue.string("s")])]);
    expect(v.toString()).toBe("{\"x\":1,\"y\":[true,null,2.5,\"s\"]}");
  });
});

// ---------------------------------------------------------------------------------------------------
// ConfigReader
// ---------------------------------------------------------------------------------------------------

describe("ConfigReader basics", () => {
  it("reads typed fields and applies defaults", () => {
    const r = ConfigReader.parseString(
      "{\"header_name\":\"x-id\",\"max_length\":64,\"enabled\":true,\"ratio\":0.25,\"offset\":-5,\"big\":-9000000000}",
    );
    expect(r.string("header_name", "x-request-id")).toBe("x-id");
    expect(r.u32("max_length", 128)).toBe(64);
    expect(r.bool("enabled", false)).toBe(true);
    expect(r.f64("ratio", 1.0)).toBe(0.25);
    expect(r.i32("offset", 0)).toBe(-5);
    expect(r.i64("big", 0)).toBe(-9000000000);
    expect(r.string("missing", "dflt")).toBe("dflt");
    expect(r.u32("missing_u", 7)).toBe(7);
    expect(r.bool("missing_b", true)).toBe(true);
    expect(r.f64("missing_f", 1.5)).toBe(1.5);
    expect(r.finish()).toBe(true);
    expect(r.error).toBeNull();
    expect(r.ok).toBe(true);
  });
  it("treats null as absent for optional fields", () => {
    const r = ConfigReader.parseString("{\"a\":null}");
    expect(r.string("a", "d")).toBe("d");
    expect(r.has("a")).toBe(false);
    expect(r.finish()).toBe(true);
    expect(ConfigReader.parseString("{\"a\":null}").requireString("a")).toBe("");
    expect(cfgError("{\"a\":null}")).toBe("");
    const q = ConfigReader.parseString("{\"a\":null}");
    q.requireString("a");
    expect(q.error!).toBe("config field 'a': required field missing");
  });
  it("treats null and empty configuration as {}", () => {
    const a = ConfigReader.parse(null);
    expect(a.string("x", "d")).toBe("d");
    expect(a.finish()).toBe(true);
    const b = ConfigReader.parse(new ArrayBuffer(0));
    expect(b.u32("n", 3)).toBe(3);
    expect(b.finish()).toBe(true);
    const c = ConfigReader.parseString(" \n");
    expect(c.ok).toBe(true);
    const d = ConfigReader.parse(null);
    d.requireU32("port");
    expect(d.error!).toBe("config field 'port': required field missing");
  });
  it("prefixes syntax errors with config: and the byte offset", () => {
    const r = ConfigReader.parse(String.UTF8.encode("{\"header_name\": \"x\" \"max\": 1}"));
    expect(r.error!).toBe("config: invalid JSON at byte 20: expected ',' or '}'");
    // reading from a failed reader is harmless and keeps the first error
    expect(r.string("header_name", "d")).toBe("d");
    r.finish();
    expect(r.error!).toBe("config: invalid JSON at byte 20: expected ',' or '}'");
  });
  it("requires an object at the top level", () => {
    expect(cfgError("[1]")).toBe("config: expected a JSON object, got array");
    expect(cfgError("\"s\"")).toBe("config: expected a JSON object, got string");
    expect(cfgError("null")).toBe("config: expected a JSON object, got null");
  });
  it("reports type mismatches naming the field and the actual type", () => {
    let r = ConfigReader.parseString("{\"max_length\":\"10\"}");
    expect(r.u32("max_length", 128)).toBe(128);
    expect(r.error!).toBe("config field 'max_length': expected an unsigned integer, got string");
    r = ConfigReader.parseString("{\"n\":-1}");
    r.u32("n", 0);
    expect(r.error!).toBe("config field 'n': expected an unsigned integer, got -1");
    r = ConfigReader.parseString("{\"n\":1.5}");
    r.i32("n", 0);
    expect(r.error!).toBe("config field 'n': expected an integer, got 1.5");
    r = ConfigReader.parseString("{\"s\":1}");
    r.string("s", "");
    expect(r.error!).toBe("config field 's': expected a string, got 1");
    r = ConfigReader.parseString("{\"b\":\"true\"}");
    r.bool("b", false);
    expect(r.error!).toBe("config field 'b': expected a boolean, got string");
    r = ConfigReader.parseString("{\"f\":[]}");
    r.f64("f", 0);
    expect(r.error!).toBe("config field 'f': expected a number, got array");
    r = ConfigReader.parseString("{\"o\":true}");
    r.object("o");
    expect(r.error!).toBe("config field 'o': expected an object, got boolean");
    r = ConfigReader.parseString("{\"a\":{}}");
    r.array("a");
    expect(r.error!).toBe("config field 'a': expected an array, got object");
  });
  it("checks integer ranges", () => {
    let r = ConfigReader.parseString("{\"max_length\":70000}");
    expect(r.u32("max_length", 128, 1, 65536)).toBe(128);
    expect(r.error!).toBe("config field 'max_length': must be between 1 and 65536, got 70000");
    r = ConfigReader.parseString("{\"n\":0}");
    r.u32("n", 5, 1, 10);
    expect(r.error!).toBe("config field 'n': must be between 1 and 10, got 0");
    r = ConfigReader.parseString("{\"n\":4294967296}");
    r.u32("n", 5);
    expect(r.error!).toBe("config field 'n': must be between 0 and 4294967295, got 4294967296");
    r = ConfigReader.parseString("{\"n\":4294967295, \"m\": -2147483648}");
    expect(r.u32("n", 0)).toBe(u32.MAX_VALUE);
    expect(r.i32("m", 0)).toBe(i32.MIN_VALUE);
    expect(r.ok).toBe(true);
    r = ConfigReader.parseString("{\"n\":2147483648}");
    r.i32("n", 0);
    expect(r.error!).toBe("config field 'n': must be between -2147483648 and 2147483647, got 2147483648");
    r = ConfigReader.parseString("{\"x\": 5.5}");
    r.f64("x", 0, 0, 1);
    expect(r.error!).toBe("config field 'x': must be between 0.0 and 1.0, got 5.5");
  });
  it("accepts integral floats for integer fields", () => {
    const r = ConfigReader.parseString("{\"a\":1e3,\"b\":2.0,\"c\":-0.0}");
    expect(r.u32("a", 0)).toBe(1000);
    expect(r.i64("b", 0)).toBe(2);
    expect(r.i32("c", 7)).toBe(0);
    expect(r.ok).toBe(true);
  });
  it("reports missing required fields of every kind", () => {
    const r = ConfigReader.parseString("{}");
    r.requireString("name");
    expect(r.error!).toBe("config field 'name': required field missing");
    const kinds = ["u32", "i32", "i64", "f64", "bool", "object", "array", "oneOf"];
    for (let i = 0; i < kinds.length; i++) {
      const q = ConfigReader.parseString("{}");
      const k = kinds[i];
      if (k == "u32") q.requireU32("f");
      else if (k == "i32") q.requireI32("f");
      else if (k == "i64") q.requireI64("f");
      else if (k == "f64") q.requireF64("f");
      else if (k == "bool") q.requireBool("f");
      else if (k == "object") q.requireObject("f");
      else if (k == "array") q.requireArray("f");
      else q.requireOneOf("f", ["A"]);
      expect(q.error!).toBe("config field 'f': required field missing");
    }
  });
  it("keeps the first error", () => {
    const r = ConfigReader.parseString("{\"a\":\"x\",\"b\":\"y\"}");
    r.u32("a", 0);
    r.u32("b", 0);
    r.finish();
    expect(r.error!).toBe("config field 'a': expected an unsigned integer, got string");
  });
  it("lets filters add their own errors", () => {
    const r = ConfigReader.parseString("{\"min\":5,\"max\":3}");
    const min = r.u32("min", 0);
    const max = r.u32("max", 0);
    if (max < min) r.fail("max", "must not be less than min");
    expect(r.error!).toBe("config field 'max': must not be less than min");
    const s = ConfigReader.parseString("{\"t\":{}}");
    s.object("t").failHere("needs at least one key");
    expect(s.error!).toBe("config field 't': needs at least one key");
    const root = ConfigReader.parseString("{}");
    root.failHere("empty");
    expect(root.error!).toBe("config: empty");
  });
});

describe("ConfigReader enums", () => {
  it("returns the matching choice or its index", () => {
    const r = ConfigReader.parseString("{\"mode\":\"DRY_RUN\"}");
    expect(r.oneOf("mode", ["ENFORCE", "DRY_RUN"], "ENFORCE")).toBe("DRY_RUN");
    expect(r.oneOfIndex("mode", ["ENFORCE", "DRY_RUN"], 0)).toBe(1);
    expect(r.oneOf("other", ["A", "B"], "B")).toBe("B");
    expect(r.oneOfIndex("other", ["A", "B"], 0)).toBe(0);
    expect(r.ok).toBe(true);
  });
  it("lists the choices on a bad value", () => {
    let r = ConfigReader.parseString("{\"mode\":\"enforce\"}");
    expect(r.oneOf("mode", ["ENFORCE", "DRY_RUN"], "ENFORCE")).toBe("ENFORCE");
    expect(r.error!).toBe("config field 'mode': expected one of ENFORCE, DRY_RUN, got \"enforce\"");
    r = ConfigReader.parseString("{\"mode\":3}");
    r.requireOneOf("mode", ["ENFORCE", "DRY_RUN"]);
    expect(r.error!).toBe("config field 'mode': expected one of ENFORCE, DRY_RUN, got 3");
  });
});

describe("ConfigReader nesting and paths", () => {
  it("names nested paths in errors: rules[2].match.header", () => {
    const r = ConfigReader.parseString(
      "{\"rules\":[{\"match\":{\"header\":\"a\"}},{\"match\":{\"header\":\"b\"}},{\"match\":{\"header\":7}}]}",
    );
    const rules = r.array("rules");
    expect(rules.length).toBe(3);
    expect(rules[0].path).toBe("rules[0]");
    for (let i = 0; i < rules.length; i++) {
      const m = rules[i].object("match");
      expect(m.path).toBe("rules[" + i.toString() + "].match");
      m.requireString("header");
    }
    expect(r.error!).toBe("config field 'rules[2].match.header': expected a string, got 7");
  });
  it("names a missing required nested field", () => {
    const r = ConfigReader.parseString("{\"rules\":[{\"match\":{}}]}");
    r.array("rules")[0].requireObject("match").requireString("header");
    expect(r.error!).toBe("config field 'rules[0].match.header': required field missing");
  });
  it("rejects non-object array elements", () => {
    const r = ConfigReader.parseString("{\"rules\":[{},5]}");
    const rules = r.array("rules");
    expect(rules.length).toBe(2);
    expect(rules[1].present).toBe(false);
    expect(r.error!).toBe("config field 'rules[1]': expected an object, got 5");
  });
  it("gives absent objects a reader that returns defaults", () => {
    const r = ConfigReader.parseString("{}");
    const t = r.object("trace");
    expect(t.present).toBe(false);
    expect(t.path).toBe("trace");
    expect(t.u32("sample", 10)).toBe(10);
    expect(r.array("rules").length).toBe(0);
    expect(r.finish()).toBe(true);
  });
  it("quotes unusual keys in paths", () => {
    const r = ConfigReader.parseString("{\"a b\":{\"c\":1}}");
    r.object("a b").string("c", "");
    expect(r.error!).toBe("config field '[\"a b\"].c': expected a string, got 1");
  });
});

describe("ConfigReader unknown fields", () => {
  it("reports an unknown field in a nested object", () => {
    const r = ConfigReader.parseString("{\"trace\":{\"sample\":1,\"foo\":2},\"name\":\"x\"}");
    r.object("trace").u32("sample", 0);
    r.string("name", "");
    expect(r.finish()).toBe(false);
    expect(r.error!).toBe("config field 'trace.foo': unknown field");
  });
  it("reports an unknown top-level field first", () => {
    const r = ConfigReader.parseString("{\"nmae\":\"x\",\"trace\":{\"foo\":2}}");
    r.string("name", "");
    r.object("trace");
    r.finish();
    expect(r.error!).toBe("config field 'nmae': unknown field");
  });
  it("reports unknown fields inside array elements", () => {
    const r = ConfigReader.parseString("{\"rules\":[{\"a\":1},{\"a\":2,\"b\":3}]}");
    const rules = r.array("rules");
    for (let i = 0; i < rules.length; i++) rules[i].u32("a", 0);
    r.finish();
    expect(r.error!).toBe("config field 'rules[1].b': unknown field");
  });
  it("does not report fields that were read but null, or maps' arbitrary keys", () => {
    const r = ConfigReader.parseString("{\"a\":null,\"labels\":{\"x\":\"1\",\"y\":\"2\"},\"k\":{\"any\":1}}");
    r.string("a", "");
    r.stringMap("labels");
    const keys = r.object("k").keys();
    expect(keys.length).toBe(1);
    expect(r.finish()).toBe(true);
  });
  it("does not run when an earlier error exists", () => {
    const r = ConfigReader.parseString("{\"a\":\"x\",\"zzz\":1}");
    r.u32("a", 0);
    expect(r.finish()).toBe(false);
    expect(r.error!).toBe("config field 'a': expected an unsigned integer, got string");
  });
});

describe("ConfigReader collections", () => {
  it("reads string arrays", () => {
    const r = ConfigReader.parseString("{\"hosts\":[\"a\",\"b\"],\"none\":[]}");
    const h = r.stringArray("hosts");
    expect(h.length).toBe(2);
    expect(h[1]).toBe("b");
    expect(r.stringArray("none").length).toBe(0);
    expect(r.stringArray("missing").length).toBe(0);
    expect(r.finish()).toBe(true);
  });
  it("names the bad element of a string array", () => {
    let r = ConfigReader.parseString("{\"hosts\":[\"a\",null]}");
    expect(r.stringArray("hosts").length).toBe(0);
    expect(r.error!).toBe("config field 'hosts[1]': expected a string, got null");
    r = ConfigReader.parseString("{\"hosts\":\"a\"}");
    r.stringArray("hosts");
    expect(r.error!).toBe("config field 'hosts': expected an array of strings, got string");
    r = ConfigReader.parseString("{}");
    r.stringArray("hosts", true);
    expect(r.error!).toBe("config field 'hosts': required field missing");
  });
  it("reads string maps", () => {
    const r = ConfigReader.parseString("{\"labels\":{\"env\":\"prod\",\"team\":\"edge\"}}");
    const m = r.stringMap("labels");
    expect(m.size).toBe(2);
    expect(m.get("team")).toBe("edge");
    expect(r.finish()).toBe(true);
  });
  it("names the bad member of a string map", () => {
    let r = ConfigReader.parseString("{\"labels\":{\"env\":\"prod\",\"n\":1}}");
    expect(r.stringMap("labels").size).toBe(0);
    expect(r.error!).toBe("config field 'labels.n': expected a string, got 1");
    r = ConfigReader.parseString("{\"labels\":{\"a.b\":false}}");
    r.stringMap("labels");
    expect(r.error!).toBe("config field 'labels[\"a.b\"]': expected a string, got boolean");
    r = ConfigReader.parseString("{\"labels\":[]}");
    r.stringMap("labels");
    expect(r.error!).toBe("config field 'labels': expected an object, got array");
  });
  it("reads maps of objects with keys and paths", () => {
    const r = ConfigReader.parseString("{\"routes\":{\"api\":{\"timeout_ms\":100},\"web\":{\"timeout_ms\":\"x\"}}}");
    const routes = r.map("routes");
    expect(routes.length).toBe(2);
    expect(routes[0].key).toBe("api");
    expect(routes[1].path).toBe("routes.web");
    expect(routes[0].u32("timeout_ms", 0)).toBe(100);
    routes[1].u32("timeout_ms", 0);
    expect(r.error!).toBe("config field 'routes.web.timeout_ms': expected an unsigned integer, got string");
  });
  it("checks unknown fields inside map values", () => {
    const r = ConfigReader.parseString("{\"routes\":{\"api\":{\"timeout_ms\":100,\"retries\":3}}}");
    const routes = r.map("routes");
    routes[0].u32("timeout_ms", 0);
    r.finish();
    expect(r.error!).toBe("config field 'routes.api.retries': unknown field");
  });
  it("rejects non-object map values", () => {
    const r = ConfigReader.parseString("{\"routes\":{\"api\":1}}");
    r.map("routes");
    expect(r.error!).toBe("config field 'routes.api': expected an object, got 1");
  });
});

describe("ConfigReader end to end", () => {
  it("decodes a realistic filter config", () => {
    const cfg = String.UTF8.encode(
      "{\n" +
        "  \"mode\": \"ENFORCE\",\n" +
        "  \"header_name\": \"x-api-key\",\n" +
        "  \"max_length\": 256,\n" +
        "  \"rules\": [\n" +
        "    {\"match\": {\"header\": \"x-a\", \"prefix\": \"/v1\"}, \"action\": \"DENY\"},\n" +
        "    {\"match\": {\"header\": \"x-b\"}, \"action\": \"ALLOW\", \"tags\": [\"t1\", \"t2\"]}\n" +
        "  ],\n" +
        "  \"trace\": {\"sample_rate\": 0.1}\n" +
        "}",
    );
    const r = ConfigReader.parse(cfg);
    expect(r.oneOf("mode", ["ENFORCE", "DRY_RUN"], "DRY_RUN")).toBe("ENFORCE");
    expect(r.string("header_name", "")).toBe("x-api-key");
    expect(r.u32("max_length", 128, 1, 4096)).toBe(256);
    const rules = r.array("rules");
    let headers = "";
    let prefixes = "";
    let actions = 0;
    let tags = 0;
    for (let i = 0; i < rules.length; i++) {
      const m = rules[i].requireObject("match");
      headers += m.requireString("header") + ";";
      prefixes += m.string("prefix", "/") + ";";
      actions += rules[i].requireOneOfIndex("action", ["ALLOW", "DENY"]);
      tags += rules[i].stringArray("tags").length;
    }
    expect(headers).toBe("x-a;x-b;");
    expect(prefixes).toBe("/v1;/;");
    expect(actions).toBe(1);
    expect(tags).toBe(2);
    expect(r.object("trace").f64("sample_rate", 1.0, 0.0, 1.0)).toBe(0.1);
    expect(r.finish()).toBe(true);
    expect(r.error).toBeNull();
  });
});

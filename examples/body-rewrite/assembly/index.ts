// Replaces text in response bodies: every occurrence of `from` becomes `to`, byte for byte (so a body
// that is not valid UTF-8 stays intact apart from the replaced bytes).
//
//   onResponseHeaders: rewrite this response? (content type listed, not compressed, has a body)
//                      → remove content-length (the length will change; Envoy does not fix it up and
//                        the headers leave before the body is complete) and continue the headers
//   onResponseBody:    return StopIterationAndBuffer until end_of_stream (Envoy accumulates the body),
//                      then replace in the whole buffered body and Continue
//   onResponseTrailers: a response with trailers ends here instead: rewrite the buffered body
//   a body larger than max_body_bytes is passed on unchanged (a warning is logged)
//
// Configuration (JSON): { "from": "required, non-empty", "to": "", "content_types": ["text/html",
//   "text/plain"], "max_body_bytes": 262144 }. A content_types entry ending in "/" is a prefix ("text/").
import {
  RootContext, HttpContext, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus, ConfigReader, Counter,
  registerRootContext, isLogEnabled, LogLevel, logDebug, logWarn, logError,
} from "../../../sdk";
export * from "../../../sdk/abi/exports";

const rewritten = Counter.define("body_rewrite.rewritten");
const replacements = Counter.define("body_rewrite.replacements");
const tooLarge = Counter.define("body_rewrite.too_large");

class RewriteConfig {
  from: ArrayBuffer = new ArrayBuffer(0);
  to: ArrayBuffer = new ArrayBuffer(0);
  contentTypes: string[] = ["text/html", "text/plain"];
  maxBodyBytes: u32 = 262144;
}

/** Media type of a content-type value: lower-cased, parameters and surrounding blanks removed. */
function mediaType(v: string): string {
  const semi = v.indexOf(";");
  return (semi >= 0 ? v.substring(0, semi) : v).trim().toLowerCase();
}

function typeListed(type: string, list: string[]): bool {
  for (let i = 0; i < list.length; i++) {
    const t = unchecked(list[i]);
    if (t.endsWith("/") ? type.startsWith(t) : type == t) return true;
  }
  return false;
}

/** Non-overlapping occurrences of `from` in `src`, left to right. */
function countMatches(src: usize, n: usize, from: usize, m: usize): i32 {
  let count = 0;
  if (m == 0 || m > n) return 0;
  const first = load<u8>(from);
  let i: usize = 0;
  while (i + m <= n) {
    if (load<u8>(src + i) == first && memory.compare(src + i, from, m) == 0) {
      count++;
      i += m;
    } else {
      i++;
    }
  }
  return count;
}

/** `src` with every match replaced; `count` from countMatches (> 0). */
function replaceBytes(src: usize, n: usize, from: usize, m: usize, to: ArrayBuffer, count: i32): ArrayBuffer {
  const k = <usize>to.byteLength;
  const out = new ArrayBuffer(<i32>(n - <usize>count * m + <usize>count * k));
  const dst = changetype<usize>(out);
  const first = load<u8>(from);
  let i: usize = 0;
  let o: usize = 0;
  let start: usize = 0;
  while (i + m <= n) {
    if (load<u8>(src + i) == first && memory.compare(src + i, from, m) == 0) {
      memory.copy(dst + o, src + start, i - start);
      o += i - start;
      memory.copy(dst + o, changetype<usize>(to), k);
      o += k;
      i += m;
      start = i;
    } else {
      i++;
    }
  }
  memory.copy(dst + o, src + start, n - start);
  return out;
}

class RewriteRoot extends RootContext {
  config: RewriteConfig = new RewriteConfig();

  onConfigure(size: u32): bool {
    const r = ConfigReader.parse(this.getPluginConfiguration());
    const c = new RewriteConfig();
    const from = r.requireString("from");
    const to = r.string("to", "");
    if (r.has("content_types")) c.contentTypes = r.stringArray("content_types");
    c.maxBodyBytes = r.u32("max_body_bytes", c.maxBodyBytes, 1, 64 << 20);
    if (r.ok && from.length == 0) r.fail("from", "must not be empty");
    if (r.ok && c.contentTypes.length == 0) r.fail("content_types", "must list at least one content type");
    for (let i = 0; r.ok && i < c.contentTypes.length; i++) {
      const t = c.contentTypes[i];
      if (t.indexOf("/") <= 0 || t != mediaType(t)) {
        r.fail("content_types", "entry " + i.toString() + " (\"" + t + "\") is not a lower-case media type like text/html or text/");
      }
    }
    r.finish();
    if (!r.ok) {
      logError("body-rewrite: " + r.error!);
      return false;
    }
    c.from = String.UTF8.encode(from);
    c.to = String.UTF8.encode(to);
    this.config = c;
    return true;
  }

  createHttpContext(id: u32): HttpContext | null { return new RewriteStream(id, this); }
}

class RewriteStream extends HttpContext {
  constructor(id: u32, public root: RewriteRoot) { super(id, root); }
  active: bool = false;

  onResponseHeaders(n: u32, endOfStream: bool): FilterHeadersStatus {
    if (endOfStream) return FilterHeadersStatus.Continue;           // no body (HEAD, 204, 304, …)
    const h = this.responseHeaders;
    const ct = h.get("content-type");
    if (ct === null || !typeListed(mediaType(ct), this.root.config.contentTypes)) return FilterHeadersStatus.Continue;
    const ce = h.get("content-encoding");
    if (ce !== null && ce.trim().toLowerCase() != "identity") {
      if (isLogEnabled(LogLevel.Debug)) logDebug("body-rewrite: skipping a " + ce + "-encoded body");
      return FilterHeadersStatus.Continue;
    }
    h.remove("content-length");
    this.active = true;
    return FilterHeadersStatus.Continue;
  }

  onResponseBody(size: u32, endOfStream: bool): FilterDataStatus {
    if (!this.active) return FilterDataStatus.Continue;
    if (size > this.root.config.maxBodyBytes) {
      // Forward what is buffered unchanged and let the rest stream through.
      this.active = false;
      tooLarge.increment();
      if (isLogEnabled(LogLevel.Warn)) logWarn("body-rewrite: body larger than max_body_bytes (" + size.toString() + " bytes), not rewritten");
      return FilterDataStatus.Continue;
    }
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    this.rewrite();
    return FilterDataStatus.Continue;
  }

  onResponseTrailers(n: u32): FilterTrailersStatus {
    // With trailers the last body callback had end_of_stream = false; the body is still buffered here.
    if (this.active) this.rewrite();
    return FilterTrailersStatus.Continue;
  }

  rewrite(): void {
    this.active = false;
    const body = this.responseBody;
    const bytes = body.get();
    if (bytes === null) return;
    const c = this.root.config;
    const src = changetype<usize>(bytes);
    const n = <usize>bytes.byteLength;
    const count = countMatches(src, n, changetype<usize>(c.from), <usize>c.from.byteLength);
    if (count == 0) return;
    body.replace(replaceBytes(src, n, changetype<usize>(c.from), <usize>c.from.byteLength, c.to, count));
    rewritten.increment();
    replacements.increment(<u64>count);
    if (isLogEnabled(LogLevel.Debug)) logDebug("body-rewrite: " + count.toString() + " replacement(s) in stream " + this.contextId.toString());
  }
}

registerRootContext((id: u32): RootContext => new RewriteRoot(id), "body-rewrite");

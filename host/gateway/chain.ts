// One request through a listener's HTTP filter chain, as Envoy's HTTP connection manager drives it:
// decoder path in chain order (a filter that pauses — e.g. waiting for an HTTP callout — holds the
// stream until proxy_continue_stream), then the router (or a local reply), then the encoder path in
// reverse order through the filters that saw the request. Whole bodies are delivered in one chunk
// with end_of_stream. Stream end: on_log / on_done / on_delete on every filter of the chain.
import { HeaderMap } from '../runtime/headers.ts';
import type { HttpStream } from '../runtime/http-stream.ts';
import type { WasmFilter } from './wasm-filter.ts';

export type Pairs = Array<[string, string]>;

export interface Response {
  status: number;
  headers: Pairs;
  body: Uint8Array;
  /** Envoy's response flags (NR, NC, UF, UT, …) and code details, for the access log. */
  flags: string;
  details: string;
}

export interface ChainDriver {
  filters: WasmFilter[];
  /** Resolves when something may have moved a paused stream on (callout answer, timer), or after a short while. */
  waitProgress(): Promise<void>;
  /** The router: forwards the request as the filters left it (or answers locally: no route, …). */
  route(headers: Pairs, body: Uint8Array): Promise<Response>;
  /** Envoy's stream_idle_timeout for a request a filter keeps paused. */
  idleTimeoutMs: number;
}

export interface ChainResult {
  response: Response | null;
  /** Set when a filter reset the stream (the downstream connection is reset, no response). */
  reset: string | null;
  /** An exception inside the chain (a host bug): the stream was reset. */
  error: string | null;
  /** Request headers as they left the decoder path (for the access log). */
  requestHeaders: Pairs;
  streams: HttpStream[];
  /** on_log / on_done / on_delete on every filter; call after the response went out. */
  finish(): void;
}

const concat = (parts: readonly Uint8Array[]) => (parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts)));
const toMap = (p: Pairs) => { const m = new HeaderMap(); for (const [k, v] of p) m.add(k, v); return m; };

function localReplyOf(s: HttpStream): Response {
  const lr = s.localReply!;
  const complete = s.res.complete && s.res.headers;
  return {
    status: lr.status,
    headers: (complete ? s.res.headers!.toPairs() : lr.headers).filter(([k]) => !k.startsWith(':')),
    body: complete ? concat(s.res.forwardedBody) : lr.bodyBytes,
    flags: '',
    details: lr.details,
  };
}

export async function runChain(d: ChainDriver, start: { headers: Pairs; body: Uint8Array; worker: number; properties: Record<string, unknown>; connectionId: number }): Promise<ChainResult> {
  const slots: Array<{ stream: HttpStream; release: () => void } | null> = [];
  let headers = start.headers;
  let body = start.body;
  let response: Response | null = null;
  let replier = -1;
  let reset: string | null = null;
  const deadline = Date.now() + d.idleTimeoutMs;
  const until = async (cond: () => boolean): Promise<boolean> => {
    while (!cond()) {
      if (Date.now() > deadline) return false;
      await d.waitProgress();
    }
    return true;
  };

  let requestHeaders = headers;
  let error: string | null = null;
  try {
    // ---- decoder path
    for (let i = 0; i < d.filters.length && !response && !reset; i++) {
      const slot = d.filters[i].newStream(start.worker, start.properties, start.connectionId);
      slots.push(slot);
      if (!slot) {
        // ECDS resource not received and no default: Envoy's MissingConfigFilter answers 500.
        response = { status: 500, headers: [], body: new Uint8Array(0), flags: 'NFCF', details: 'missing_config' };
        replier = i;
        break;
      }
      const s = slot.stream;
      s.headers('request', toMap(headers), body.length === 0);
      if (body.length > 0 && !s.done) s.data('request', body, true);
      const moved = await until(() => s.req.complete || s.done);
      if (s.localReply) { response = localReplyOf(s); replier = i; break; }
      if (s.resetReason) { reset = s.resetReason; break; }
      if (!moved) {
        s.resetStream('stream_idle_timeout');
        response = { status: 408, headers: [['content-type', 'text/plain']], body: new Uint8Array(Buffer.from('stream timeout')), flags: 'SI', details: 'stream_idle_timeout' };
        replier = i;
        break;
      }
      headers = s.req.headers?.toPairs() ?? headers;
      body = concat(s.req.forwardedBody.length ? s.req.forwardedBody : [new Uint8Array(0)]);
    }
    requestHeaders = headers;

    // ---- router (or the local reply already made)
    if (!response && !reset) response = await d.route(headers, body);

    // ---- encoder path: filters before the one that answered, in reverse order
    const top = replier >= 0 ? replier - 1 : slots.length - 1;
    for (let i = top; i >= 0 && response && !reset; i--) {
      const s = slots[i]!.stream;
      const rh: Pairs = [[':status', String(response.status)], ...response.headers.filter(([k]) => k !== 'content-length')];
      if (response.body.length) rh.push(['content-length', String(response.body.length)]);
      s.headers('response', toMap(rh), response.body.length === 0);
      if (response.body.length > 0 && !s.done) s.data('response', response.body, true);
      const moved = await until(() => s.res.complete || s.done);
      if (s.localReply) { response = localReplyOf(s); continue; }
      if (s.resetReason || !moved) { reset = s.resetReason ?? 'stream_idle_timeout'; break; }
      const out = s.res.headers?.toPairs() ?? rh;
      response = {
        ...response,
        status: Number(out.find(([k]) => k === ':status')?.[1] ?? response.status),
        headers: out.filter(([k]) => !k.startsWith(':')),
        body: concat(s.res.forwardedBody.length ? s.res.forwardedBody : [new Uint8Array(0)]),
      };
    }
  } catch (e) {
    // a host bug must not leave streams behind: reset them all and report it
    error = (e as Error).stack ?? String(e);
    reset = 'internal_error';
  }

  return {
    response: reset ? null : response,
    reset,
    error,
    requestHeaders,
    streams: slots.filter((x) => x !== null).map((x) => x!.stream),
    finish() {
      // Filters the request never reached still had a context: create → on_log → on_done → on_delete.
      for (let i = slots.length; i < d.filters.length; i++) {
        const slot = d.filters[i].newStream(start.worker, start.properties, start.connectionId);
        if (slot) { slot.stream.finishWithoutHeaders(); slot.release(); }
      }
      for (const slot of slots) {
        if (!slot) continue;
        if (reset && !slot.stream.finished) slot.stream.resetStream(reset);
        slot.stream.finish();
        slot.release();
      }
      for (const f of d.filters) f.plugin?.process.drain();
    },
  };
}

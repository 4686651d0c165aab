// Host buffers (HTTP bodies, TCP data, callout bodies, gRPC messages, configuration).
// set_buffer_bytes as Envoy implements it (§4.1): only prepend, replace-all and append exist.

import { BufferType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";

/** `start` used for append / `size` used for replace-all: large but positive as a signed i32. */
const END: u32 = 0x7FFFFFFF;

export class Body {
  constructor(public readonly bufferType: BufferType) {}

  /** Bytes [start, start+maxSize) clamped to the buffer; empty buffer when nothing; null when unavailable. */
  get(start: u32 = 0, maxSize: u32 = u32.MAX_VALUE): ArrayBuffer | null {
    return hc.getBufferBytes(this.bufferType, start, maxSize);
  }

  /** Same as get, decoded as UTF-8 (invalid sequences → U+FFFD). */
  getString(start: u32 = 0, maxSize: u32 = u32.MAX_VALUE): string | null {
    return hc.getBufferString(this.bufferType, start, maxSize);
  }

  /** Bytes available now, or -1 when the buffer is not available. */
  size(): i64 {
    return hc.getBufferStatus(this.bufferType);
  }

  /** Replace the whole content. */
  replace(data: ArrayBuffer): bool {
    return hc.setBufferBytes(this.bufferType, 0, END, data) == WasmResult.Ok;
  }
  replaceString(data: string): bool {
    return hc.setBufferString(this.bufferType, 0, END, data) == WasmResult.Ok;
  }

  /** Insert at the front. */
  prepend(data: ArrayBuffer): bool {
    return hc.setBufferBytes(this.bufferType, 0, 0, data) == WasmResult.Ok;
  }
  prependString(data: string): bool {
    return hc.setBufferString(this.bufferType, 0, 0, data) == WasmResult.Ok;
  }

  /** Add at the end. */
  append(data: ArrayBuffer): bool {
    return hc.setBufferBytes(this.bufferType, END, 0, data) == WasmResult.Ok;
  }
  appendString(data: string): bool {
    return hc.setBufferString(this.bufferType, END, 0, data) == WasmResult.Ok;
  }
}

let bodyCache: StaticArray<Body | null> | null = null;

/** The shared Body handle for a buffer type. */
export function bodyOf(type: BufferType): Body {
  let bodies = bodyCache;
  if (bodies === null) bodyCache = bodies = new StaticArray<Body | null>(9);
  let b = bodies[<i32>type]; // checked: a bad type is a programmer error
  if (b === null) {
    b = new Body(type);
    bodies[<i32>type] = b;
  }
  return b;
}

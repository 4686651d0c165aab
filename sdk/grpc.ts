// gRPC callouts: unary grpcCall and bidirectional grpcStream. Same delivery rules as callouts.ts
// (remembered per calling context; effective context set before delivery to a stream; dropped
// with onStreamGone when that stream is gone).
// Unary: success → onGrpcReceive only; failure → onGrpcClose(status) (message via statusMessage()).
// Stream: onGrpcReceiveInitialMetadata → onGrpcReceive × n → onGrpcReceiveTrailingMetadata → onGrpcClose.

import { BufferType, WasmResult } from "./abi/enums";
import * as hc from "./hostcalls";
import { Callout, registerCallout, forgetCallout } from "./dispatcher";
import { ReadonlyHeaderMap, grpcInitialMetadata, grpcTrailingMetadata } from "./headers";
import { Headers, encodePairs } from "./pairs";
import { CalloutResult } from "./callouts";

/** Callback object for a gRPC call or stream; override what you need. */
export class GrpcCallback extends Callout {
  onGrpcReceiveInitialMetadata(token: u32, numElements: u32): void {}
  /** A message arrived; read it with message()/messageString(). */
  onGrpcReceive(token: u32, messageSize: u32): void {}
  onGrpcReceiveTrailingMetadata(token: u32, numElements: u32): void {}
  /** The call/stream ended with `status` (GrpcStatus); statusMessage() has the text. */
  onGrpcClose(token: u32, status: u32): void {}

  messageSize: u32 = 0;

  /** Initial metadata (map 4), inside onGrpcReceiveInitialMetadata. */
  get initialMetadata(): ReadonlyHeaderMap { return grpcInitialMetadata(); }
  /** Trailing metadata (map 5), inside onGrpcReceiveTrailingMetadata. */
  get trailingMetadata(): ReadonlyHeaderMap { return grpcTrailingMetadata(); }
  /** The received message (buffer 5), inside onGrpcReceive. */
  message(): ArrayBuffer | null { return hc.getBufferBytes(BufferType.GrpcReceiveBuffer, 0, this.messageSize); }
  messageString(): string | null { return hc.getBufferString(BufferType.GrpcReceiveBuffer, 0, this.messageSize); }
  /** Status message of the close, inside onGrpcClose. */
  statusMessage(): string {
    hc.getStatus();
    return hc.lastHostStatusMessage;
  }

  _grpcInitialMetadata(n: u32): void { this.onGrpcReceiveInitialMetadata(this.token, n); }
  _grpcMessage(size: u32): void {
    this.messageSize = size;
    this.onGrpcReceive(this.token, size);
  }
  _grpcTrailingMetadata(n: u32): void { this.onGrpcReceiveTrailingMetadata(this.token, n); }
  _grpcClose(status: u32): void { this.onGrpcClose(this.token, status); }
}

/**
 * Unary gRPC call. `service` is a cluster name (or a serialized GrpcService proto).
 * initialMetadata may be null.
 */
export function grpcCall(service: string, serviceName: string, method: string, initialMetadata: Headers | null,
                         message: ArrayBuffer | null, timeoutMs: u32, callback: GrpcCallback): CalloutResult {
  const md: ArrayBuffer | null = initialMetadata !== null && initialMetadata.length > 0 ? encodePairs(initialMetadata) : null;
  const token = hc.grpcCall(service, serviceName, method, md, message, timeoutMs);
  const status = hc.lastStatus;
  if (status == WasmResult.Ok) registerCallout(token, callback);
  return new CalloutResult(status, token);
}

/** Cancel a unary call: no further callbacks. */
export function grpcCancel(token: u32): bool {
  forgetCallout(token);
  return hc.grpcCancel(token) == WasmResult.Ok;
}

/** An open gRPC stream. */
export class GrpcStream {
  constructor(public readonly token: u32) {}

  /** Send a message; endStream half-closes. */
  send(message: ArrayBuffer | null, endStream: bool = false): bool {
    return hc.grpcSend(this.token, message, endStream) == WasmResult.Ok;
  }
  /** Local half-close; remote messages and close may still arrive. */
  close(): bool {
    return hc.grpcClose(this.token) == WasmResult.Ok;
  }
  /** Reset the stream; no further callbacks. */
  cancel(): bool {
    forgetCallout(this.token);
    return hc.grpcCancel(this.token) == WasmResult.Ok;
  }
}

/** Open a bidirectional stream; null on failure (see hostcalls.lastStatus). */
export function grpcStream(service: string, serviceName: string, method: string, initialMetadata: Headers | null,
                           callback: GrpcCallback): GrpcStream | null {
  const md: ArrayBuffer | null = initialMetadata !== null && initialMetadata.length > 0 ? encodePairs(initialMetadata) : null;
  const token = hc.grpcStream(service, serviceName, method, md);
  if (hc.lastStatus != WasmResult.Ok) return null;
  callback.isStream = true;
  registerCallout(token, callback);
  return new GrpcStream(token);
}

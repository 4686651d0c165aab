// The whole user surface of the SDK. Filters import from here and re-export "./abi/exports"
// from their entry file:
//   import { RootContext, HttpContext, registerRootContext, FilterHeadersStatus } from "../../../sdk";
//   export * from "../../../sdk/abi/exports";

export * from "./abi/enums";
export { registerRootContext, RootFactory, currentContextId, setEffectiveContext, getRootContext, getHttpContext, getTcpContext, Callout } from "./dispatcher";
export { BaseContext, RootContext, HttpContext, TcpContext, ContextType } from "./context";
export * from "./headers";
export { Body, bodyOf } from "./body";
export { HeaderPair, Headers, pair, encodePairs, decodePairs, decodePairsBuffer, pairsGet, pairsGetAll, pairsByteLength, checkPairs } from "./pairs";
export * from "./properties";
export * from "./shared";
export * from "./metrics";
export * from "./logging";
export * from "./time";
export * from "./random";
export * from "./callouts";
export * from "./grpc";
export * from "./foreign";
export * from "./url";
export { lastStatus, getStatus, lastHostStatusMessage } from "./hostcalls";
export { decodeUtf8 } from "./runtime/memory";
export * from "./config/json";

// Wasm module inspection and Envoy's load check.
export * from './binary.ts';
export * from './envoy-abi.ts';
export * from './validate.ts';

// Public surface of the TypeScript proxy-wasm host.
export * from './abi/index.ts';
export * from './runtime/index.ts';
export * from './emulator/index.ts';
export * from './wasm/index.ts';

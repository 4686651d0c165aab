export * from './clock.ts';
export * from './process.ts';
export * from './headers.ts';
export * from './vm.ts';
export * from './http-stream.ts';
export * from './callouts.ts';
export * from './plugin.ts';
export * from './proto.ts';
export type * from './types.ts';

export * from './enums.ts';
export * from './pairs.ts';
export * from './properties.ts';

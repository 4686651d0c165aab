// A snapshot the filters could not load is refused at compile time, naming the offending entity,
// rather than being published and NACKed by every Envoy.
export class CompileError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'CompileError';
  }
}

/** Something compiled but left out on purpose (e.g. a local group used outside its owner's services). */
export interface CompileWarning { field: string; message: string }

// Side-by-side timing: candidates run in interleaved batches (A B C A B C …) so that machine noise
// (the other core, GC, thermal) lands on all of them alike. Figures are per request, from the
// distribution of batch means: median and p99.

export interface Candidate { name: string; run(): void }
export interface Figures { name: string; medianNs: number; p99Ns: number; batches: number; batchSize: number }

export function sideBySide(cands: Candidate[], opts: { batches?: number; batchSize?: number; warmupBatches?: number } = {}): Figures[] {
  const batches = opts.batches ?? 200, batchSize = opts.batchSize ?? 2000, warm = opts.warmupBatches ?? 20;
  const samples = cands.map(() => [] as number[]);
  for (let b = 0; b < warm + batches; b++) {
    for (let c = 0; c < cands.length; c++) {
      const run = cands[c].run;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batchSize; i++) run();
      const ns = Number(process.hrtime.bigint() - t0) / batchSize;
      if (b >= warm) samples[c].push(ns);
    }
  }
  return cands.map((c, i) => {
    const s = samples[i].sort((a, b) => a - b);
    return { name: c.name, medianNs: s[Math.floor(s.length / 2)], p99Ns: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))], batches, batchSize };
  });
}

export const fmtUs = (ns: number) => (ns / 1000).toFixed(3) + " µs";

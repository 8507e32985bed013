/**
 * Timing for the dialplan micro benchmarks: tinybench runs each case, and the figures are turned
 * into rows (LoadResult of bench/run.ts) that state the cost per lookup / per substitution.
 *
 * Why not hand run.ts a Bench: a lookup costs about a microsecond, close to the per-call timer
 * overhead, and run.ts reports tinybench's mean throughput, the mean of 1/latency over the
 * samples, which a few near-zero samples inflate many times over (an early run showed
 * 612,346 ops/s next to a mean latency of 20.5 µs). So every op here does a batch (one pass over
 * a case's inputs, or N repetitions) and the rows give the rate and the per-item time from the
 * latency itself: median (robust on a shared machine) as the figure, mean and p99 in the note.
 */
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import type { LoadResult } from '../run.ts';

export interface Case {
  name: string;
  /** Items (lookups, substitutions, digits) one call of `fn` does. */
  perOp: number;
  /** What an item is, singular: "lookup", "substitution". */
  unit: string;
  fn: () => void;
  note?: string;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A time given in µs with the precision it deserves, and its unit. */
export function formatMicros(us: number): string {
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 100_000 ? 0 : 2)} ms`;
  return `${us.toFixed(us >= 100 ? 0 : us >= 10 ? 1 : 2)} µs`;
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Runs the cases with tinybench and returns one row per case. */
export async function measure(title: string, cases: Case[], options: { time?: number; warmupTime?: number } = {}): Promise<LoadResult[]> {
  const bench = new Bench({ name: title, time: options.time ?? 1000, warmupTime: options.warmupTime ?? 200, throws: true });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  return cases.map((c, i) => {
    const latency = (bench.tasks[i].result as { latency?: { mean: number; p50: number; p99: number; samplesCount: number } } | undefined)?.latency;
    if (!latency) throw new Error(`${title}: no result for ${c.name}`);
    // tinybench latencies are in ms; per item in µs.
    const p50 = (latency.p50 * 1000) / c.perOp;
    const mean = (latency.mean * 1000) / c.perOp;
    const spread =
      c.perOp === 1
        ? `p99 ${formatMicros(latency.p99 * 1000)}`
        : `one op = ${int(c.perOp)} ${c.unit}s: median ${formatMicros(latency.p50 * 1000)}, p99 ${formatMicros(latency.p99 * 1000)}`;
    return {
      name: c.name,
      figure: `${int(1e6 / p50)} ${c.unit}s/s, ${formatMicros(p50)} per ${c.unit} (median)`,
      note: `mean ${formatMicros(mean)} per ${c.unit}; ${spread}; ${int(latency.samplesCount)} samples${c.note ? `; ${c.note}` : ''}`,
    };
  });
}

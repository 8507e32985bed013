/**
 * Loading a 5,000-line extensions.conf (issue #4): parse, createLookup and the first lookup, the
 * first time in a process (cold, as at boot) and again once compiled (warm, as a reload on a
 * running PBX), plus the JS heap the loaded dialplan keeps. Each run is a fresh node process
 * (load-child.ts, with --expose-gc for the heap readings) because in the bench runner the other
 * dialplan benchmarks would already have warmed the parser; the figure is the median over RUNS.
 *
 * Returns rows (LoadResult) rather than a Bench: a cold time happens once per process, there is
 * nothing for tinybench to repeat. bench/run.ts prints and records either.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { LoadResult } from '../run.ts';
import type { LoadSample } from './load-child.ts';
import { loadAverage } from './measure.ts';

const RUNS = 5;
const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = resolve(import.meta.dirname, 'load-child.ts');

function runChild(): LoadSample {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`load-child failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as LoadSample;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (n: number): string => `${n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2)} ms`;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MiB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export default async function (): Promise<LoadResult[]> {
  const before = loadAverage();
  const samples: LoadSample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(runChild());
  const after = loadAverage();
  const s0 = samples[0];
  const phase = (pick: (s: LoadSample) => { parse: number; lookup: number; find: number; total: number }) => {
    const m = (k: 'parse' | 'lookup' | 'find' | 'total'): number => median(samples.map((s) => pick(s)[k]));
    const totals = samples.map((s) => pick(s).total).sort((a, b) => a - b);
    return { total: m('total'), parse: m('parse'), lookup: m('lookup'), find: m('find'), min: totals[0], max: totals[totals.length - 1] };
  };
  const cold = phase((s) => s.cold);
  const warm = phase((s) => s.warm);
  const rows: LoadResult[] = [
    {
      name: 'setup',
      figure: `generated extensions.conf: ${int(s0.lines)} lines, ${int(s0.textBytes)} bytes; ${s0.contexts} contexts, ${int(s0.extensions)} extensions, ${int(s0.priorities)} priorities (incl. hints); ${s0.globals} globals`,
      note: `[general], [globals], ${s0.contexts - 4} department contexts (exten + same => n, n(busy) labels, GotoIf, hints, a pattern, 2 includes + 1 timed include), features/outbound/after-hours/sub contexts, comments; parser given the known-application check as at load; ${RUNS} fresh node ${process.version} processes; load average ${before} before, ${after} after`,
    },
    {
      name: 'cold load: parse + createLookup + first find (first time in the process, as at boot)',
      figure: `${ms(cold.total)} (median of ${RUNS} processes)`,
      note: `range ${ms(cold.min)}-${ms(cold.max)}; medians: parse ${ms(cold.parse)}, createLookup ${ms(cold.lookup)}, first find ${ms(cold.find)} (find dept-0 95551234: prepares dept-0, features and outbound, hit _9NXXXXXX in the 2nd include)`,
    },
    {
      name: 'warm reload: parse + createLookup + first find (code already compiled)',
      figure: `${ms(warm.total)} (median of ${RUNS} processes' medians)`,
      note: `each process: median of ${s0.warmRuns} loads after the cold one; range ${ms(warm.min)}-${ms(warm.max)}; medians: parse ${ms(warm.parse)}, createLookup ${ms(warm.lookup)}, first find ${ms(warm.find)}`,
    },
  ];
  const heap1 = samples.map((s) => s.heapAfterFirstFind).filter((h): h is number => h !== undefined);
  const heap2 = samples.map((s) => s.heapAllPrepared).filter((h): h is number => h !== undefined);
  if (heap1.length && heap2.length) {
    const h1 = median(heap1);
    const h2 = median(heap2);
    rows.push({
      name: 'JS heap kept by the loaded dialplan + lookup (after full GC)',
      figure: `${mib(h1)} after the first find; ${mib(h2)} with all ${s0.contexts} contexts prepared`,
      note: `median of ${RUNS} processes, heapUsed delta with --expose-gc (baseline before the text was generated, text dropped before the readings); ${int(h2 / s0.priorities)} B per priority, ${int(h2 / s0.lines)} B per line of extensions.conf (all prepared)`,
    });
  }
  return rows;
}

/**
 * Bench driver. A `*.bench.ts` default-exports `async () => Bench` (tinybench, already
 * configured with tasks); a `*.load.ts` default-exports `async () => LoadResult[]` (figures
 * measured against real peers). Everything measured is printed and appended to bench/RESULTS.md.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bench } from 'tinybench';

export interface LoadResult {
  name: string;
  figure: string;
  note?: string;
}

const RESULTS = resolve(import.meta.dirname, 'RESULTS.md');
const files = process.argv.slice(2);
const rows: string[] = [];

for (const file of files) {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: () => Promise<Bench | LoadResult[]> };
  console.log(`\n# ${file}`);
  const result = await mod.default();
  if (Array.isArray(result)) {
    for (const r of result) {
      console.log(`${r.name}: ${r.figure}${r.note ? ` (${r.note})` : ''}`);
      rows.push(`| ${file} | ${r.name} | ${r.figure} | ${r.note ?? ''} |`);
    }
  } else {
    await result.run();
    for (const t of result.tasks) {
      const res = t.result as { throughput?: { mean: number }; latency?: { mean: number; p99?: number }; hz?: number; mean?: number } | undefined;
      const hz = res?.throughput?.mean ?? res?.hz ?? 0;
      const mean = res?.latency?.mean ?? res?.mean ?? 0;
      const figure = `${Math.round(hz).toLocaleString('en-US')} ops/s (mean ${(mean * 1000).toFixed(2)} µs)`;
      console.log(`${t.name}: ${figure}`);
      rows.push(`| ${file} | ${t.name} | ${figure} | |`);
    }
  }
}

if (rows.length) {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const machine = `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  if (!existsSync(RESULTS)) writeFileSync(RESULTS, '# Benchmark results\n\nAppended by `npm run bench`. Newest last.\n');
  const filter = process.env.PBX_BENCH_FILTER ?? '';
  const command = filter ? ` -- ${filter}` : files.length === 1 ? ` ${files[0]}` : '';
  const head = `\n## ${new Date().toISOString()} — \`npm run bench${command}\`\n\nMachine: ${machine}\n\n| file | task | figure | note |\n|---|---|---|---|\n`;
  appendFileSync(RESULTS, head + rows.join('\n') + '\n');
  console.log(`\nappended ${rows.length} rows to bench/RESULTS.md`);
}

#!/usr/bin/env node
// `npm run bench [filter]`: runs every bench/**/*.bench.ts (tinybench micro benchmarks) and every
// bench/**/*.load.ts (macro benchmarks with real peers: SIPp, Kamailio), prints the figures and
// appends them to bench/RESULTS.md with date, machine and command.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv.slice(2);
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(bench|load)\.ts$/.test(name)) out.push(p);
  }
  return out;
}
let files = walk('bench');
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.some((f) => f.endsWith('.load.ts'))) {
  const sys = spawnSync(process.execPath, ['scripts/ensure-system.mjs', 'bench'], { stdio: 'inherit' });
  if (sys.status !== 0) process.exit(sys.status ?? 1);
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
// The filter the user typed names the run in bench/RESULTS.md (`npm run bench -- dialplan`).
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...files], { stdio: 'inherit', env: { ...process.env, PBX_BENCH_FILTER: filter.join(' ') } });
process.exit(r.status ?? 1);

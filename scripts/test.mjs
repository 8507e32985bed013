#!/usr/bin/env node
// `npm test`: make sure the real peers the tests use are installed (installs them with apt-get
// when running as root, else prints the exact command), build the bundle (integration tests run
// what ships), then run every test file with node's own runner, TypeScript through tsx.
//   npm test                 all tests
//   npm test -- registrar    only files whose path contains "registrar"
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);

const sys = spawnSync(process.execPath, ['scripts/ensure-system.mjs', 'test'], { stdio: 'inherit' });
if (sys.status !== 0) process.exit(sys.status ?? 1);

const b = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = walk('test');
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);

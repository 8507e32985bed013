/**
 * The batch writer: nothing reaches the disk until `size` records wait or `time` has passed (or
 * the stop), one append per batch, accountlogs files, and the RAM cap that drops the oldest lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { CsvBatchWriter } from '../../../src/cdr/writer.ts';

function make(opts: { size?: number; timeMs?: number; volatile?: boolean; cap?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-writer-'));
  const clock = new FakeClock();
  const warnings: string[] = [];
  const w = new CsvBatchWriter({
    dir: join(dir, 'cdr-csv'),
    clock,
    batch: () => ({ size: opts.size ?? 3, timeMs: opts.timeMs ?? 10_000, accountlogs: true }),
    volatile: opts.volatile ?? false,
    ...(opts.cap ? { ramCapBytes: opts.cap } : {}),
    warn: (m) => warnings.push(m),
  });
  const master = join(dir, 'cdr-csv', 'Master.csv');
  const read = (f = master): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return { dir, clock, w, master, read, warnings, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('records wait for the batch size', () => {
  const t = make({ size: 3 });
  t.w.add('"a"\n', '');
  t.w.add('"b"\n', '');
  assert.equal(t.read(), '');
  assert.equal(t.w.pendingCount, 2);
  t.w.add('"c"\n', '');
  assert.equal(t.read(), '"a"\n"b"\n"c"\n');
  assert.equal(t.w.pendingCount, 0);
  assert.equal(t.w.written, 3);
  t.w.close();
  t.done();
});

test('or for the batch time, and are written at close', () => {
  const t = make({ size: 100, timeMs: 10_000 });
  t.w.add('"a"\n', '');
  t.clock.advance(9_000);
  assert.equal(t.read(), '');
  assert.equal(t.w.nextFlushInMs(), 1_000);
  t.clock.advance(1_000);
  assert.equal(t.read(), '"a"\n');
  assert.equal(t.w.nextFlushInMs(), undefined);
  t.w.add('"b"\n', '');
  t.w.close();
  assert.equal(t.read(), '"a"\n"b"\n');
  assert.equal(t.clock.pending(), 0, 'no timer left');
  t.done();
});

test('accountlogs: a record with an account code also goes to <accountcode>.csv', () => {
  const t = make({ size: 1 });
  t.w.add('"x"\n', 'sales');
  t.w.add('"y"\n', '../etc');
  assert.equal(t.read(join(t.dir, 'cdr-csv', 'sales.csv')), '"x"\n');
  assert.equal(t.read(join(t.dir, 'cdr-csv', '.._etc.csv')), '"y"\n', 'no path escapes the directory');
  t.w.close();
  t.done();
});

test('in RAM the file is capped: the oldest lines go, with a warning', () => {
  const t = make({ size: 1, volatile: true, cap: 40 });
  for (let i = 0; i < 10; i++) t.w.add(`"record-${i}"\n`, '');
  const text = t.read();
  assert.ok(Buffer.byteLength(text) <= 40, text);
  assert.match(text, /"record-9"\n$/);
  assert.doesNotMatch(text, /record-0/);
  assert.ok(t.w.dropped > 0);
  assert.match(t.warnings[0], /in RAM .* oldest records were dropped/);
  t.w.close();
  t.done();
});

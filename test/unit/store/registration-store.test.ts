import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { FileRegistrationStore, MemoryRegistrationStore } from '../../../src/store/registration-store.ts';
import type { RegistrationRecord } from '../../../src/store/registration-store.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(clock: FakeClock, over: Partial<RegistrationRecord> = {}): RegistrationRecord {
  return {
    aor: '2000',
    contact: 'sip:2000@192.0.2.10:5060',
    reach: { protocol: 'TCP', address: '192.0.2.10', port: 5060, connectionId: 4 },
    source: { protocol: 'TCP', address: '192.0.2.10', port: 40000, connectionId: 4 },
    expiresAt: clock.wallNow() + 600_000,
    registeredAt: clock.wallNow(),
    callId: 'abc@192.0.2.10',
    cseq: 7,
    userAgent: 'TestPhone 1.0',
    ...over,
  };
}

describe('FileRegistrationStore', () => {
  test('round trip through the file; connection ids are not persisted', (t) => {
    const dir = tempDir(t);
    const clock = new FakeClock();
    const path = join(dir, 'sub', 'registrations.json');
    const a = new FileRegistrationStore({ path, clock });
    assert.deepEqual(a.load(), [], 'no file yet: empty');
    const r = record(clock);
    a.save([r]);
    a.close();
    assert.equal(clock.pending(), 0);
    const loaded = new FileRegistrationStore({ path, clock }).load();
    const { connectionId: _c1, ...reach } = r.reach;
    const { connectionId: _c2, ...source } = r.source;
    assert.deepEqual(loaded, [{ ...r, reach, source }]);
  });

  test('writes are debounced; refresh-only saves wait longer; close flushes', (t) => {
    const dir = tempDir(t);
    const clock = new FakeClock();
    const path = join(dir, 'registrations.json');
    const store = new FileRegistrationStore({ path, clock, debounceMs: 1000, lazyMs: 60_000 });
    const read = () => JSON.parse(readFileSync(path, 'utf8')).registrations.map((x: RegistrationRecord) => x.cseq);
    for (let i = 1; i <= 50; i++) store.save([record(clock, { cseq: i })]);
    assert.equal(store.writes, 0);
    clock.advance(999);
    assert.equal(store.writes, 0);
    clock.advance(1);
    assert.equal(store.writes, 1);
    assert.deepEqual(read(), [50], 'only the last state is written');
    store.save([record(clock, { cseq: 51 })], false);
    clock.advance(59_999);
    assert.equal(store.writes, 1);
    store.save([record(clock, { cseq: 52 })], true);
    clock.advance(1000);
    assert.equal(store.writes, 2, 'a material change pulls the write forward');
    assert.deepEqual(read(), [52]);
    store.save([record(clock, { cseq: 53 })], false);
    store.close();
    assert.equal(store.writes, 3);
    assert.deepEqual(read(), [53]);
    assert.equal(clock.pending(), 0);
  });

  test('expired records are dropped on load, by the wall clock', (t) => {
    const dir = tempDir(t);
    const clock = new FakeClock();
    const path = join(dir, 'registrations.json');
    const store = new FileRegistrationStore({ path, clock });
    store.save([record(clock, { aor: 'short', expiresAt: clock.wallNow() + 1000 }), record(clock, { aor: 'long' })]);
    store.close();
    const later = new FakeClock(clock.wallNow() + 1000);
    assert.deepEqual(new FileRegistrationStore({ path, clock: later }).load().map((r) => r.aor), ['long']);
  });

  for (const [name, text] of [
    ['truncated JSON', '{"version":1,"registrations":[{"aor":"20'],
    ['another version', '{"version":2,"registrations":[]}'],
    ['a malformed record', '{"version":1,"savedAt":0,"registrations":[{"aor":"2000"}]}'],
  ] as const) {
    test(`a corrupt file (${name}) is moved aside, logged, and read as empty`, (t) => {
      const dir = tempDir(t);
      const clock = new FakeClock();
      const path = join(dir, 'registrations.json');
      writeFileSync(path, text);
      const logs: string[] = [];
      const store = new FileRegistrationStore({ path, clock, log: (level, msg) => logs.push(`${level} ${msg}`) });
      assert.deepEqual(store.load(), []);
      const files = readdirSync(dir);
      assert.deepEqual(files, [`registrations.json.corrupt-${clock.wallNow()}`]);
      assert.equal(readFileSync(join(dir, files[0]!), 'utf8'), text, 'content kept');
      assert.match(logs.join('\n'), /^error registrations: .* is unreadable/);
      store.save([record(clock)]);
      store.close();
      assert.equal(new FileRegistrationStore({ path, clock }).load().length, 1);
    });
  }

  test('a write that fails is logged and retried on the next flush', (t) => {
    const dir = tempDir(t);
    const clock = new FakeClock();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const logs: string[] = [];
    const store = new FileRegistrationStore({ path: join(blocker, 'registrations.json'), clock, log: (l, m) => logs.push(`${l} ${m}`) });
    store.save([record(clock)]);
    store.flush();
    assert.equal(store.writes, 0);
    assert.match(logs[0] ?? '', /STORE_WRITE/);
    store.close();
  });

  test('a process killed while writing leaves the old or the new content, never a torn file', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'registrations.json');
    const child = fileURLToPath(new URL('./writer-child.ts', import.meta.url));
    let lastSeen = 0;
    for (const delay of [0, 7, 23, 61]) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', () => resolve());
        proc.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      });
      await new Promise((r) => setTimeout(r, delay));
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGKILL');
      await exited;
      const data = JSON.parse(readFileSync(path, 'utf8'));
      assert.equal(data.version, 1);
      assert.equal(data.registrations.length, 20);
      const seqs = new Set(data.registrations.map((r: RegistrationRecord) => r.cseq));
      assert.equal(seqs.size, 1, 'one consistent version');
      const loaded = new FileRegistrationStore({ path, clock: new FakeClock(Date.now()) }).load();
      assert.equal(loaded.length, 20);
      lastSeen = loaded[0]!.cseq;
      assert.ok(lastSeen >= 1);
    }
  });
});

describe('MemoryRegistrationStore', () => {
  test('keeps copies and drops expired records on load', () => {
    const clock = new FakeClock();
    const store = new MemoryRegistrationStore(clock);
    const r = record(clock, { expiresAt: clock.wallNow() + 1000 });
    store.save([r]);
    r.cseq = 99;
    assert.equal(store.load()[0]?.cseq, 7);
    clock.advance(1000);
    assert.deepEqual(store.load(), []);
  });
});

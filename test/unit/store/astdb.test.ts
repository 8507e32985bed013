/** The AstDB: Asterisk's key tree semantics, persistence, crash safety and bounds. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { PbxError } from '../../../src/core/errors.ts';
import { AstDb, JOURNAL_FILE, SNAPSHOT_FILE } from '../../../src/store/astdb.ts';
import type { AstDb as AstDbContract } from '../../../src/dialplan/types.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'astdb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(t: TestContext, dir: string, opts: Partial<ConstructorParameters<typeof AstDb>[0]> = {}): AstDb {
  const db = new AstDb({ dir, ...opts });
  t.after(() => db.close());
  return db;
}

function paths(db: AstDb, prefix?: string): string[] {
  return db.entries(prefix).map((e) => `/${e.family}/${e.key}=${e.value}`);
}

describe('AstDb semantics (as Asterisk main/db.c)', () => {
  test('satisfies the dialplan contract', () => {
    const db: AstDbContract = new AstDb();
    db.put('cidname', '5551234', 'My cellphone');
    assert.equal(db.get('cidname', '5551234'), 'My cellphone');
  });

  test('put, get, replace and del', () => {
    const db = new AstDb();
    assert.equal(db.get('cidname', '123'), undefined);
    db.put('cidname', '123', 'Alice');
    db.put('cidname', '123', 'Bob');
    assert.equal(db.get('cidname', '123'), 'Bob');
    assert.equal(db.get('CIDNAME', '123'), undefined, 'get is exact');
    assert.equal(db.del('cidname', '123'), true);
    assert.equal(db.del('cidname', '123'), false);
    assert.equal(db.get('cidname', '123'), undefined);
  });

  test('a family with / and a key with / name the same path', () => {
    const db = new AstDb();
    db.put('dundi/cache', 'hint', 'x');
    assert.equal(db.get('dundi', 'cache/hint'), 'x');
    assert.deepEqual(db.entries('dundi'), [{ family: 'dundi/cache', key: 'hint', value: 'x' }]);
  });

  test('entries and delTree work on whole path components, ignoring ASCII case like SQL LIKE', () => {
    const db = new AstDb();
    db.put('cidname', '1', 'a');
    db.put('cidname', '2', 'b');
    db.put('cidnamex', '1', 'c');
    db.put('cid', '9', 'd');
    db.put('cidname/sub', '3', 'e');
    db.put('blacklist', '1', 'f');
    assert.deepEqual(paths(db, 'cid'), ['/cid/9=d']);
    assert.deepEqual(paths(db, 'cidname'), ['/cidname/1=a', '/cidname/2=b', '/cidname/sub/3=e']);
    assert.deepEqual(paths(db, 'CIDNAME/sub'), ['/cidname/sub/3=e']);
    assert.deepEqual(paths(db, 'cidname/1'), ['/cidname/1=a']);
    assert.deepEqual(paths(db, '/cidname/sub/'), ['/cidname/sub/3=e'], 'surrounding slashes are ignored');
    assert.equal(db.entries().length, 6);
    assert.deepEqual(
      paths(db).map((p) => p.split('=')[0]),
      ['/blacklist/1', '/cid/9', '/cidname/1', '/cidname/2', '/cidname/sub/3', '/cidnamex/1'],
      'sorted by path',
    );
    assert.equal(db.delTree('cidname', 'sub'), 1);
    assert.equal(db.delTree('CidName'), 2);
    assert.equal(db.delTree('cidname'), 0);
    assert.deepEqual(paths(db), ['/blacklist/1=f', '/cid/9=d', '/cidnamex/1=c']);
    assert.equal(db.delTree(''), 3, 'an empty family deletes everything');
    assert.equal(db.entries().length, 0);
  });

  test('entriesWithKey finds a key in every family (database showkey)', () => {
    const db = new AstDb();
    db.put('cidname', '5551234', 'Bob');
    db.put('blacklist', '5551234', '1');
    db.put('blacklist', '15551234', '1');
    assert.deepEqual(
      db.entriesWithKey('5551234').map((e) => e.family),
      ['blacklist', 'cidname'],
    );
  });

  test('refuses empty, control-character and over-long names and values, changing nothing', () => {
    const db = new AstDb({ maxValueBytes: 10 });
    const invalid = (f: () => void): void => assert.throws(f, (e: unknown) => e instanceof PbxError && e.code === 'DB_INVALID');
    invalid(() => db.put('', 'k', 'v'));
    invalid(() => db.put('f', '', 'v'));
    invalid(() => db.put('f', 'a\nb', 'v'));
    invalid(() => db.put('f', 'k', '12345678901'));
    // "/" + family + "/" + key may be 255 bytes (Asterisk's MAX_DB_FIELD with its NUL).
    db.put('f', 'k'.repeat(252), 'v');
    invalid(() => db.put('f', 'k'.repeat(253), 'v'));
    assert.equal(db.entries().length, 1);
  });
});

describe('AstDb bounds', () => {
  test('a put over maxBytes throws DB_FULL and leaves the data as it was, also after reopening', (t) => {
    const dir = tempDir(t);
    // "/f/k1" (5 bytes) + "0123456789" (10) = 15 bytes per entry.
    const db = open(t, dir, { maxBytes: 30 });
    db.put('f', 'k1', '0123456789');
    db.put('f', 'k2', '0123456789');
    assert.throws(() => db.put('f', 'k3', 'x'), (e: unknown) => e instanceof PbxError && e.code === 'DB_FULL');
    assert.throws(() => db.put('f', 'k1', '0123456789A'), (e: unknown) => e instanceof PbxError && e.code === 'DB_FULL');
    db.put('f', 'k1', '012345678');
    assert.equal(db.stats().dataBytes, 29);
    assert.deepEqual(paths(db), ['/f/k1=012345678', '/f/k2=0123456789']);
    db.close();
    const again = open(t, dir, { maxBytes: 30 });
    assert.deepEqual(paths(again), ['/f/k1=012345678', '/f/k2=0123456789']);
    assert.equal(again.stats().dataBytes, 29);
  });

  test('a put over maxEntries throws DB_FULL; replacing an existing key still works', () => {
    const db = new AstDb({ maxEntries: 2 });
    db.put('f', 'a', '1');
    db.put('f', 'b', '2');
    assert.throws(() => db.put('f', 'c', '3'), (e: unknown) => e instanceof PbxError && e.code === 'DB_FULL');
    db.put('f', 'b', '22');
    db.del('f', 'a');
    db.put('f', 'c', '3');
    assert.deepEqual(paths(db), ['/f/b=22', '/f/c=3']);
  });

  test('disk use stays bounded after many overwrites', (t) => {
    const dir = tempDir(t);
    const db = open(t, dir, { journalMinBytes: 4096, fsync: 'never' });
    for (let i = 0; i < 20; i++) db.put('keep', `k${i}`, `v${i}`);
    for (let i = 0; i < 5000; i++) db.put('hot', 'counter', `value number ${i}`);
    const disk = statSync(join(dir, SNAPSHOT_FILE)).size + statSync(join(dir, JOURNAL_FILE)).size;
    assert.ok(disk < 4096 + 2 * 1024, `disk use ${disk} bytes after 5000 overwrites`);
    assert.ok(db.stats().compactions > 10);
    db.close();
    const again = open(t, dir);
    assert.equal(again.get('hot', 'counter'), 'value number 4999');
    assert.equal(again.entries('keep').length, 20);
  });
});

describe('AstDb persistence and crash safety', () => {
  test('everything survives a new instance: puts, dels, deltrees', (t) => {
    const dir = tempDir(t);
    const db = open(t, dir);
    db.put('cidname', '1', 'Alice');
    db.put('cidname', '2', 'Bob "the builder" \u00e9');
    db.put('cf', '200', '5551000');
    db.put('old', 'a', 'x');
    db.del('cidname', '1');
    db.delTree('old');
    // No close(): a crash right after the last write.
    const again = open(t, dir);
    assert.deepEqual(paths(again), ['/cf/200=5551000', '/cidname/2=Bob "the builder" \u00e9']);
  });

  test('background fsync keeps every write for the next instance', (t) => {
    const dir = tempDir(t);
    const db = new AstDb({ dir, fsync: 'background' });
    for (let i = 0; i < 50; i++) db.put('bg', `k${i}`, String(i));
    db.close();
    assert.equal(open(t, dir).entries('bg').length, 50);
  });

  test('without a directory it is memory only', () => {
    const db = new AstDb();
    db.put('f', 'k', 'v');
    assert.equal(db.persistent, false);
    assert.equal(new AstDb().get('f', 'k'), undefined);
  });

  test('a torn last journal line (crash mid-append) is ignored and later writes are not lost', (t) => {
    const dir = tempDir(t);
    const logs: string[] = [];
    // As a crash leaves it: a snapshot, the journal of later writes, then half a record.
    const db = open(t, dir);
    db.put('f', 'a', '1');
    db.put('f', 'b', '2');
    db.compact();
    db.close();
    const journal = join(dir, JOURNAL_FILE);
    writeFileSync(journal, '{"p":"/f/a","v":"1"}\n{"p":"/f/c","v":"3"}\n');
    appendFileSync(journal, '{"p":"/f/d","v":"hal');
    const again = open(t, dir, { log: (_l, m) => logs.push(m) });
    assert.deepEqual(paths(again), ['/f/a=1', '/f/b=2', '/f/c=3']);
    assert.ok(logs.some((m) => m.includes('torn')));
    again.put('f', 'e', '5');
    again.close();
    assert.deepEqual(paths(open(t, dir)), ['/f/a=1', '/f/b=2', '/f/c=3', '/f/e=5']);
  });

  test('a journal replayed over a snapshot that already holds it (crash during compaction) gives the same state', (t) => {
    const dir = tempDir(t);
    const db = open(t, dir);
    db.put('t', 'x', '1');
    db.put('t', 'y', '2');
    db.compact();
    db.close();
    writeFileSync(join(dir, JOURNAL_FILE), '{"t":"/t"}\n{"p":"/t/x","v":"9"}\n{"p":"/u/z","v":"3"}\n');
    const once = paths(open(t, dir));
    assert.deepEqual(once, ['/t/x=9', '/u/z=3']);
    // Same journal again over the snapshot that now includes its effects.
    writeFileSync(join(dir, JOURNAL_FILE), '{"t":"/t"}\n{"p":"/t/x","v":"9"}\n{"p":"/u/z","v":"3"}\n');
    assert.deepEqual(paths(open(t, dir)), once);
  });

  test('a temp file left by a crash during compaction is removed on open; the data is intact', (t) => {
    const dir = tempDir(t);
    const db = open(t, dir);
    db.put('f', 'a', '1');
    db.compact();
    db.close();
    writeFileSync(join(dir, '.astdb.json.99999.tmp'), '{"format":"pbx-ast');
    assert.deepEqual(paths(open(t, dir)), ['/f/a=1']);
    assert.deepEqual(readdirSync(dir).sort(), [SNAPSHOT_FILE, JOURNAL_FILE].sort());
  });

  test('an unreadable snapshot and damaged journal lines are moved aside, never deleted', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, SNAPSHOT_FILE), 'garbage');
    writeFileSync(join(dir, JOURNAL_FILE), '{"p":"/f/a","v":"1"}\nnot json\n{"p":"/f/b","v":"2"}\n');
    const logs: string[] = [];
    const db = open(t, dir, { wallNow: () => 1234, log: (_l, m) => logs.push(m) });
    assert.deepEqual(paths(db), ['/f/a=1', '/f/b=2']);
    const files = readdirSync(dir).sort();
    assert.ok(files.includes(`${SNAPSHOT_FILE}.corrupt-1234`), files.join(' '));
    assert.ok(files.includes(`${JOURNAL_FILE}.corrupt-1234`), files.join(' '));
    assert.equal(readFileSync(join(dir, `${SNAPSHOT_FILE}.corrupt-1234`), 'utf8'), 'garbage');
    db.put('f', 'c', '3');
    db.close();
    assert.deepEqual(paths(open(t, dir)), ['/f/a=1', '/f/b=2', '/f/c=3']);
  });

  test('kill -9 right after put returns loses nothing and never corrupts the database', async (t) => {
    const dir = tempDir(t);
    const child = fileURLToPath(new URL('./astdb-writer-child.ts', import.meta.url));
    for (const waitFor of [1, 40, 150, 400]) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let lastSeen = 0;
      let buffered = '';
      const exited = new Promise<void>((r) => proc.on('exit', () => r()));
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const l of lines) lastSeen = Number(l);
          if (lastSeen >= waitFor) {
            proc.kill('SIGKILL');
            resolve();
          }
        });
        proc.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`child exited early with ${code}`));
        });
      });
      await exited;
      // Anything printed after kill() was sent also had returned.
      for (const l of buffered.split('\n')) if (/^\d+$/.test(l)) lastSeen = Number(l);
      const db = new AstDb({ dir });
      const keys = db.entries('crash');
      assert.ok(keys.length >= lastSeen, `${keys.length} keys on disk, ${lastSeen} puts had returned`);
      assert.ok(keys.length <= lastSeen + 1, 'at most the put in flight is extra');
      for (let n = 1; n <= keys.length; n++) assert.equal(db.get('crash', `k${n}`), `value-${n}`);
      assert.ok(Number(db.get('hot', 'counter')) >= lastSeen);
      db.close();
    }
  });
});

/** SoundLibrary: Asterisk's language/format lookup order, the not-found error, the frame cache, the inventory. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { PbxError } from '../../../src/core/errors.ts';
import { DEFAULT_SOUNDS_DIR, SoundLibrary } from '../../../src/media/sounds.ts';
import type { SoundLookup } from '../../../src/dialplan/types.ts';
import { writeWav } from '../../../src/media/wav.ts';
import { regularFileInfo } from '../../../src/platform/file-info.ts';

/** A temp sounds root holding `files` (relative paths); raw law files are `bytes` copies of one value. */
function soundsDir(t: TestContext, files: Record<string, Uint8Array | number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sounds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), typeof content === 'number' ? new Uint8Array(160).fill(content) : content);
  }
  return dir;
}

const rel = (lib: SoundLibrary, p: string | undefined): string | undefined => p?.slice(lib.dir.length + 1);

describe('SoundLibrary lookup order (Asterisk fileexists_core)', () => {
  test('satisfies the dialplan contract', (t) => {
    const lib: SoundLookup = new SoundLibrary({ dir: soundsDir(t, { 'en/beep.ulaw': 1 }) });
    assert.ok(lib.find('beep', 'en', 'ulaw'));
  });

  test('the language, then the language without its _ parts, then the root, then en', (t) => {
    const lib = new SoundLibrary({
      dir: soundsDir(t, {
        'fr_CA_x/a.ulaw': 1,
        'fr_CA/a.ulaw': 2,
        'fr_CA/b.ulaw': 2,
        'fr/a.ulaw': 3,
        'fr/b.ulaw': 3,
        'fr/c.ulaw': 3,
        'c.ulaw': 4,
        'd.ulaw': 4,
        'en/c.ulaw': 5,
        'en/d.ulaw': 5,
        'en/e.ulaw': 5,
      }),
    });
    assert.equal(rel(lib, lib.find('a', 'fr_CA_x', 'ulaw')), 'fr_CA_x/a.ulaw');
    assert.equal(rel(lib, lib.find('b', 'fr_CA_x', 'ulaw')), 'fr_CA/b.ulaw');
    assert.equal(rel(lib, lib.find('c', 'fr_CA_x', 'ulaw')), 'fr/c.ulaw');
    assert.equal(rel(lib, lib.find('d', 'fr_CA_x', 'ulaw')), 'd.ulaw', 'the root before en');
    assert.equal(rel(lib, lib.find('e', 'fr_CA_x', 'ulaw')), 'en/e.ulaw');
    assert.equal(rel(lib, lib.find('e', '', 'ulaw')), 'en/e.ulaw', 'no language: root, then en');
    assert.equal(lib.find('zzz', 'fr', 'ulaw'), undefined);
  });

  test('the language wins over the format: a French wav before an English µ-law file', (t) => {
    const lib = new SoundLibrary({ dir: soundsDir(t, { 'fr/x.wav': writeWav({ format: 'slin', data: new Int16Array(160) }), 'en/x.ulaw': 1 }) });
    assert.equal(rel(lib, lib.find('x', 'fr', 'ulaw')), 'fr/x.wav');
  });

  test('within a directory the channel format picks the file: native, then linear, then the other law', (t) => {
    const lib = new SoundLibrary({
      dir: soundsDir(t, { 'en/x.ulaw': 1, 'en/x.alaw': 2, 'en/x.wav': writeWav({ format: 'slin', data: new Int16Array(160) }), 'en/y.alaw': 2 }),
    });
    assert.equal(rel(lib, lib.find('x', 'en', 'ulaw')), 'en/x.ulaw');
    assert.equal(rel(lib, lib.find('x', 'en', 'alaw')), 'en/x.alaw');
    assert.equal(rel(lib, lib.find('x', 'en', 'slin')), 'en/x.wav');
    assert.equal(rel(lib, lib.find('y', 'en', 'ulaw')), 'en/y.alaw');
  });

  test('subfolders in names (digits/1) and absolute paths, which ignore the language', (t) => {
    const dir = soundsDir(t, { 'en/digits/1.ulaw': 1, 'custom/welcome.ulaw': 1 });
    const lib = new SoundLibrary({ dir });
    assert.equal(rel(lib, lib.find('digits/1', 'de', 'ulaw')), 'en/digits/1.ulaw');
    assert.equal(lib.find(`${dir}/custom/welcome`, 'fr', 'ulaw'), `${dir}/custom/welcome.ulaw`);
    assert.equal(lib.find(`${dir}/custom/nothing`, 'en', 'ulaw'), undefined);
  });

  test('a missing prompt throws SOUND_NOT_FOUND with Asterisk\'s wording and the places tried', (t) => {
    const dir = soundsDir(t, { 'en/beep.ulaw': 1 });
    const lib = new SoundLibrary({ dir });
    assert.throws(
      () => lib.frames('vm-nothing', 'fr', 'ulaw'),
      (e: unknown) =>
        e instanceof PbxError &&
        e.code === 'SOUND_NOT_FOUND' &&
        e.message.startsWith('File vm-nothing does not exist in any format') &&
        e.message.includes(`${dir}/fr/vm-nothing`) &&
        e.message.includes(`${dir}/en/vm-nothing`),
    );
  });
});

describe('SoundLibrary frames and cache', () => {
  test('decodes to 20 ms frames in the channel format, transcoding when needed', (t) => {
    const lib = new SoundLibrary({ dir: soundsDir(t, { 'en/x.alaw': new Uint8Array(400).fill(0xd5) }) });
    const frames = lib.frames('x', 'en', 'ulaw');
    assert.equal(frames.length, 3, '400 samples: two full frames and a padded one');
    assert.ok(frames.every((f) => f.format === 'ulaw' && f.data.length === 160));
  });

  test('a repeated prompt comes from the cache; callers may retime their frames without touching it', (t) => {
    const lib = new SoundLibrary({ dir: soundsDir(t, { 'en/x.ulaw': 7 }) });
    const a = lib.frames('x', 'en', 'ulaw');
    a[0]!.timestamp = 12345;
    const b = lib.frames('x', 'en', 'ulaw');
    assert.equal(b[0]!.timestamp, 0);
    assert.deepEqual(lib.cacheStats(), { entries: 1, bytes: 160, maxBytes: 4 * 1024 * 1024, hits: 1, misses: 1 });
  });

  test('a replaced prompt file is played anew', (t) => {
    const dir = soundsDir(t, { 'en/x.ulaw': 7 });
    const lib = new SoundLibrary({ dir });
    assert.equal(lib.frames('x', 'en', 'ulaw')[0]!.data[0], 7);
    writeFileSync(join(dir, 'en/x.ulaw'), new Uint8Array(320).fill(9));
    const before = regularFileInfo(join(dir, 'en/x.ulaw'))!;
    utimesSync(join(dir, 'en/x.ulaw'), new Date(before.mtimeMs + 5000), new Date(before.mtimeMs + 5000));
    const frames = lib.frames('x', 'en', 'ulaw');
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.data[0], 9);
  });

  test('the cache is bounded in bytes and drops the least recently used prompt first', (t) => {
    const lib = new SoundLibrary({ dir: soundsDir(t, { 'en/a.ulaw': 1, 'en/b.ulaw': 2, 'en/c.ulaw': 3 }), cacheBytes: 320 });
    lib.frames('a', 'en', 'ulaw');
    lib.frames('b', 'en', 'ulaw');
    lib.frames('a', 'en', 'ulaw'); // a is now the most recent
    lib.frames('c', 'en', 'ulaw'); // evicts b
    assert.equal(lib.cacheStats().bytes, 320);
    const misses = lib.cacheStats().misses;
    lib.frames('a', 'en', 'ulaw');
    assert.equal(lib.cacheStats().misses, misses, 'a stayed');
    lib.frames('b', 'en', 'ulaw');
    assert.equal(lib.cacheStats().misses, misses + 1, 'b was dropped');
  });

  test('languages() counts distinct prompts per language directory', (t) => {
    const lib = new SoundLibrary({
      dir: soundsDir(t, { 'en/a.ulaw': 1, 'en/a.wav': 1, 'en/digits/1.ulaw': 1, 'fr/a.ulaw': 1, 'digits/2.ulaw': 1, 'x.ulaw': 1, 'en/readme.txt': 1 }),
    });
    assert.deepEqual(lib.languages(), [
      { language: 'en', prompts: 2 },
      { language: 'fr', prompts: 1 },
    ]);
    assert.equal(lib.rootPrompts(), 2);
    assert.match(lib.describe(), /: en 2, fr 1, \(root\) 2 prompts$/);
  });
});

const installed = regularFileInfo(`${DEFAULT_SOUNDS_DIR}/en/hello-world.wav`) !== undefined;

describe('the Debian prompts (asterisk-core-sounds-en-wav)', { skip: installed ? false : 'asterisk-core-sounds-en(-wav) not installed: node scripts/ensure-system.mjs sounds' }, () => {
  test('hello-world plays on µ-law, A-law and linear channels (8 kHz 16-bit mono WAV)', () => {
    const lib = new SoundLibrary();
    assert.equal(lib.find('hello-world', 'en', 'ulaw'), `${DEFAULT_SOUNDS_DIR}/en/hello-world.wav`);
    for (const format of ['ulaw', 'alaw', 'slin'] as const) {
      const frames = lib.frames('hello-world', 'en_US', format);
      assert.ok(frames.length > 25, `${frames.length} frames`);
      assert.equal(frames[0]!.format, format);
    }
    assert.ok(lib.find('vm-goodbye', 'de', 'ulaw'), 'German channels fall back to en');
  });

  test('the en language holds the 568 core prompts', () => {
    const en = new SoundLibrary().languages().find((l) => l.language === 'en');
    assert.equal(en?.prompts, 568);
  });
});

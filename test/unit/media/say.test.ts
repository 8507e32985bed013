/** SayDigits / SayNumber / SayAlpha prompt sequences (Asterisk say.c, English), checked against the installed prompts. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sayAlpha, sayDigits, sayNumber, SAY_NUMBER_LIMIT } from '../../../src/media/say.ts';
import { DEFAULT_SOUNDS_DIR, SoundLibrary } from '../../../src/media/sounds.ts';
import { regularFileInfo } from '../../../src/platform/file-info.ts';

const d = (...xs: (string | number)[]): string[] => xs.map((x) => `digits/${x}`);

describe('sayDigits', () => {
  test('one prompt per digit, star, pound and minus; anything else is skipped', () => {
    assert.deepEqual(sayDigits('123'), d(1, 2, 3));
    assert.deepEqual(sayDigits('*9#-0'), d('star', 9, 'pound', 'minus', 0));
    assert.deepEqual(sayDigits('1a 2'), d(1, 2));
    assert.deepEqual(sayDigits(''), []);
  });
});

describe('sayNumber (English)', () => {
  const table: [number, string[]][] = [
    [0, d(0)],
    [7, d(7)],
    [13, d(13)],
    [20, d(20)],
    [42, d(40, 2)],
    [100, d(1, 'hundred')],
    [115, d(1, 'hundred', 15)],
    [1234, d(1, 'thousand', 2, 'hundred', 30, 4)],
    [2000, d(2, 'thousand')],
    [10_005, d(10, 'thousand', 5)],
    [999_999, d(9, 'hundred', 90, 9, 'thousand', 9, 'hundred', 90, 9)],
    [1_000_001, d(1, 'million', 1)],
    [123_456_789, d(1, 'hundred', 20, 3, 'million', 4, 'hundred', 50, 6, 'thousand', 7, 'hundred', 80, 9)],
    [-15, d('minus', 15)],
  ];
  for (const [n, expected] of table) {
    test(`${n}`, () => assert.deepEqual(sayNumber(n, 'en'), expected));
  }

  test('other languages use the English rules; too big or not an integer says nothing', () => {
    assert.deepEqual(sayNumber(42, 'fr'), d(40, 2));
    assert.equal(sayNumber(SAY_NUMBER_LIMIT + 1), undefined);
    assert.equal(sayNumber(-1_000_000_000), undefined);
    assert.equal(sayNumber(1.5), undefined);
    assert.ok(sayNumber(SAY_NUMBER_LIMIT));
  });

  test('en_GB adds "and" after hundred, and after thousand/million before a number under 100', () => {
    assert.deepEqual(sayNumber(115, 'en_GB'), d(1, 'hundred', 'and', 15));
    assert.deepEqual(sayNumber(1005, 'en_GB'), d(1, 'thousand', 'and', 5));
    assert.deepEqual(sayNumber(1200, 'en_GB'), d(1, 'thousand', 2, 'hundred'));
    assert.deepEqual(sayNumber(2_000_050, 'en_GB'), d(2, 'million', 'and', 50));
  });
});

describe('sayAlpha', () => {
  test('letters lower case, digits, and the named symbols', () => {
    assert.deepEqual(sayAlpha('a1#'), ['letters/a', 'digits/1', 'digits/pound']);
    assert.deepEqual(sayAlpha('Z*.@ '), ['letters/z', 'digits/star', 'letters/dot', 'letters/at', 'letters/space']);
    assert.deepEqual(sayAlpha('%'), ['letters/ascii37']);
  });

  test('with an existence check: letters/<char>, then letters/ascii<code>, else skipped', () => {
    const have = new Set(['letters/a', 'letters/ascii63']);
    assert.deepEqual(sayAlpha('a?b', (p) => have.has(p)), ['letters/a', 'letters/ascii63']);
  });
});

const installed = regularFileInfo(`${DEFAULT_SOUNDS_DIR}/en/digits/1.wav`) !== undefined;

describe('every prompt said in English exists in the installed package', { skip: installed ? false : 'asterisk-core-sounds-en(-wav) not installed: node scripts/ensure-system.mjs sounds' }, () => {
  const lib = new SoundLibrary();
  const missing = (names: string[]): string[] => names.filter((n) => !lib.find(n, 'en', 'ulaw'));

  test('numbers -1000..1000, round and ragged large numbers, the limit', () => {
    const numbers: number[] = [];
    for (let n = -1000; n <= 1000; n++) numbers.push(n);
    for (let n = 1000; n < 1_000_000_000; n = n * 3 + 7) numbers.push(n, n - (n % 1000), -n);
    numbers.push(SAY_NUMBER_LIMIT, 1_000_000, 100_000);
    const names = new Set(numbers.flatMap((n) => sayNumber(n) ?? []));
    assert.deepEqual(missing([...names]), []);
  });

  test('digits and every printable ASCII character', () => {
    assert.deepEqual(missing(sayDigits('0123456789*#-')), []);
    let printable = '';
    for (let c = 32; c < 127; c++) printable += String.fromCharCode(c);
    const said = sayAlpha(printable, (p) => lib.find(p, 'en', 'ulaw') !== undefined);
    assert.deepEqual(missing(said), []);
    // The core sounds have a prompt for every printable ASCII character (letters/asciiNN for the rest).
    const silent = [...printable].filter((ch) => sayAlpha(ch, (p) => lib.find(p, 'en', 'ulaw') !== undefined).length === 0);
    assert.deepEqual(silent, []);
  });
});

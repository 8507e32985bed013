/**
 * Time conditions of include =>, GotoIfTime and IFTIME (Asterisk's ast_build_timing and
 * ast_check_timing): inclusive minutes, cyclic ranges, & lists, names and numbers, time zones.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PbxError } from '../../../src/core/errors.ts';
import { parseTimeSpec } from '../../../src/dialplan/timespec.ts';

// Local wall-clock dates (the spec without a zone is evaluated in local time, whatever TZ is).
const local = (y: number, mo: number, d: number, h = 12, mi = 0): Date => new Date(y, mo - 1, d, h, mi);
// 2026-12-01 is a Tuesday.
const TUE = 1;

describe('time spec evaluation', () => {
  test('office hours: 09:00-17:59 includes both ends to the minute, weekdays only', () => {
    const t = parseTimeSpec('09:00-17:59,mon-fri,*,*');
    assert.equal(t.text, '09:00-17:59,mon-fri,*,*');
    assert.equal(t.matches(local(2026, 12, TUE, 9, 0)), true);
    assert.equal(t.matches(local(2026, 12, TUE, 17, 59)), true);
    assert.equal(t.matches(local(2026, 12, TUE, 18, 0)), false);
    assert.equal(t.matches(local(2026, 12, TUE, 8, 59)), false);
    assert.equal(t.matches(local(2026, 12, 5, 10, 0)), false, 'Saturday');
    assert.equal(t.matches(local(2026, 12, 6, 10, 0)), false, 'Sunday');
    assert.equal(t.matches(local(2026, 12, 4, 10, 0)), true, 'Friday');
  });

  test('ranges wrap around: fri-mon, 22:00-06:59', () => {
    const days = parseTimeSpec('*,fri-mon,*,*');
    assert.deepEqual([4, 5, 6, 7, 1, 2, 3].map((d) => days.matches(local(2026, 12, d))), [true, true, true, true, false, false, false]);
    const night = parseTimeSpec('22:00-06:59,*,*,*');
    assert.equal(night.matches(local(2026, 12, 1, 23, 30)), true);
    assert.equal(night.matches(local(2026, 12, 1, 3, 0)), true);
    assert.equal(night.matches(local(2026, 12, 1, 6, 59)), true);
    assert.equal(night.matches(local(2026, 12, 1, 7, 0)), false);
    assert.equal(night.matches(local(2026, 12, 1, 21, 59)), false);
  });

  test('& lists, days of month, months, single minutes', () => {
    const mwf = parseTimeSpec('*,mon&wed&fri,*,*');
    assert.deepEqual([30, 1, 2, 3, 4].map((d) => mwf.matches(local(2026, d === 30 ? 11 : 12, d))), [true, false, true, false, true]);
    const firstHalf = parseTimeSpec('*,*,1-15,*');
    assert.equal(firstHalf.matches(local(2026, 12, 15)), true);
    assert.equal(firstHalf.matches(local(2026, 12, 16)), false);
    const q1 = parseTimeSpec('*,*,*,jan-mar');
    assert.equal(q1.matches(local(2027, 3, 31)), true);
    assert.equal(q1.matches(local(2027, 4, 1)), false);
    const christmas = parseTimeSpec('*,*,25,dec');
    assert.equal(christmas.matches(local(2026, 12, 25)), true);
    assert.equal(christmas.matches(local(2027, 1, 25)), false);
    const noon = parseTimeSpec('12:00,*,*,*');
    assert.equal(noon.matches(local(2026, 12, 1, 12, 0)), true);
    assert.equal(noon.matches(local(2026, 12, 1, 12, 1)), false);
    const two = parseTimeSpec('08:00-08:29&13:00-13:29,*,*,*');
    assert.equal(two.matches(local(2026, 12, 1, 13, 15)), true);
    assert.equal(two.matches(local(2026, 12, 1, 12, 15)), false);
  });

  test('names are case-insensitive; numbers work too (1 = sun, 1 = jan)', () => {
    const t = parseTimeSpec('*,MON,*,Dec');
    assert.equal(t.matches(local(2026, 12, 7)), true);
    const n = parseTimeSpec('*,2,*,12');
    assert.equal(n.matches(local(2026, 12, 7)), true, 'weekday 2 is Monday');
    assert.equal(n.matches(local(2026, 12, 8)), false);
  });

  test('the 1.4 | separators and missing trailing fields mean "any"', () => {
    const t = parseTimeSpec('09:00-17:59|mon-fri|*|*');
    assert.equal(t.matches(local(2026, 12, TUE, 10)), true);
    assert.equal(t.matches(local(2026, 12, 5, 10)), false);
    const onlyTime = parseTimeSpec('09:00-17:59');
    assert.equal(onlyTime.matches(local(2026, 12, 5, 10)), true);
    assert.equal(parseTimeSpec('*,*,*,*').matches(local(2026, 12, 5, 3)), true);
    assert.equal(parseTimeSpec('').matches(local(2026, 12, 5, 3)), true);
  });

  test('a fifth field is an IANA time zone', () => {
    const ny = parseTimeSpec('09:00-17:59,mon-fri,*,*,America/New_York');
    assert.equal(ny.matches(new Date('2026-12-01T14:00:00Z')), true, '09:00 in New York');
    assert.equal(ny.matches(new Date('2026-12-01T13:59:00Z')), false, '08:59 in New York');
    assert.equal(ny.matches(new Date('2026-12-01T22:59:00Z')), true, '17:59 in New York');
    const tokyo = parseTimeSpec('*,tue,*,*,Asia/Tokyo');
    assert.equal(tokyo.matches(new Date('2026-11-30T15:30:00Z')), true, 'already Tuesday in Tokyo');
    assert.equal(tokyo.matches(new Date('2026-12-01T15:30:00Z')), false, 'Wednesday in Tokyo');
  });
});

describe('time spec errors', () => {
  const bad: [string, RegExp][] = [
    ['25:00-26:00,*,*,*', /not a valid start time/],
    ['09:00-9pm,*,*,*', /not a valid end time/],
    ['9,*,*,*', /not a valid time/],
    ['*,mox-fri,*,*', /invalid weekday 'mox'/],
    ['*,monday,*,*', /invalid weekday 'monday'/],
    ['*,*,32,*', /invalid day of month '32'/],
    ['*,*,*,smarch', /invalid month 'smarch'/],
    ['*,*,*,*,Mars/Olympus_Mons', /unknown time zone 'Mars\/Olympus_Mons'/],
    ['*,*,*,*,UTC,extra', /6 fields/],
  ];
  for (const [text, why] of bad) {
    test(`'${text}' is refused`, () => {
      assert.throws(
        () => parseTimeSpec(text),
        (e: unknown) => e instanceof PbxError && e.code === 'DIALPLAN_INVALID' && why.test(e.message),
      );
    });
  }
});

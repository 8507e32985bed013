/** The pure parts of VoiceMailMain: PIN rules, the intro, the envelope date, arguments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { introPrompts, parseFolder } from '../../../src/apps/voicemail/main-menu.ts';
import { callerNumber, sayReceived } from '../../../src/apps/voicemail/main-envelope.ts';
import { loginSource, parseMainArgs, phonePinProblem as pinProblem } from '../../../src/dialplan/apps/voicemail-main.ts';

test('guessable PINs are refused, others accepted', () => {
  for (const bad of ['1234', '4321', '0000', '7777777', '123', '12a4', '2000', '9012', '6789']) assert.ok(pinProblem(bad, '2000', 4), bad);
  for (const good of ['4826', '7351', '90210', '13579']) assert.equal(pinProblem(good, '2000', 4), undefined, good);
  assert.ok(pinProblem('4826', '2000', 6), 'minpassword');
});

test('intro: new and old counts, singular and plural, none', () => {
  assert.deepEqual(introPrompts(1, 0), ['vm-youhave', 'digits/1', 'vm-INBOX', 'vm-message']);
  assert.deepEqual(introPrompts(0, 2), ['vm-youhave', 'digits/2', 'vm-Old', 'vm-messages']);
  assert.deepEqual(introPrompts(0, 0), ['vm-youhave', 'vm-no', 'vm-messages']);
});

test('envelope date in the box zone: today, another day with weekday/month/ordinal, 12-hour time', () => {
  // 2026-12-05 14:07 UTC, a Saturday.
  const t = Date.UTC(2026, 11, 5, 14, 7) / 1000;
  assert.deepEqual(sayReceived(t, t * 1000 + 3_600_000, 'UTC'), ['vm-received', 'digits/today', 'digits/at', 'digits/2', 'digits/oh', 'digits/7', 'digits/p-m']);
  assert.deepEqual(sayReceived(t, t * 1000 + 5 * 86_400_000, 'UTC'), ['vm-received', 'digits/day-6', 'digits/mon-11', 'digits/h-5', 'digits/at', 'digits/2', 'digits/oh', 'digits/7', 'digits/p-m']);
  assert.deepEqual(sayReceived(t, t * 1000 + 86_400_000, 'America/New_York').slice(0, 2), ['vm-received', 'digits/yesterday']);
  assert.deepEqual(sayReceived(t, t * 1000, 'America/New_York').slice(-5), ['digits/at', 'digits/9', 'digits/oh', 'digits/7', 'digits/a-m'], '09:07 in New York');
});

test('caller ID number of the .txt field', () => {
  assert.equal(callerNumber('"Alice" <2010>'), '2010');
  assert.equal(callerNumber('5551234'), '5551234');
  assert.equal(callerNumber('"Anonymous" <>'), '');
});

test('arguments, folders and the login source', () => {
  assert.deepEqual(parseMainArgs(['2000@work', 'sa(Old)']), { box: '2000', context: 'work', skipPin: true, prefix: false, folder: 'Old' });
  assert.deepEqual(parseMainArgs([]), { box: undefined, context: undefined, skipPin: false, prefix: false, folder: undefined });
  assert.equal(parseFolder('3'), 'Family');
  assert.equal(parseFolder('work'), 'Work');
  assert.equal(parseFolder('Spam'), undefined);
  assert.equal(loginSource('SIP/2000-0000000a'), 'SIP/2000');
  assert.equal(loginSource('DAHDI/1-1'), 'DAHDI/1');
});

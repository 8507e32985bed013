/**
 * `dialplan show` output in Asterisk's shape (show_dialplan_helper): headers, columns, match
 * order, hints, labels, includes, ignore patterns and the closing totals line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDialplanText } from '../../../src/dialplan/parse/index.ts';
import { formatDialplanShow } from '../../../src/dialplan/match/index.ts';
import type { Dialplan } from '../../../src/dialplan/types.ts';

function dialplan(text: string): Dialplan {
  const r = parseDialplanText('extensions.conf', text);
  assert.deepEqual(r.errors.map((e) => e.message), []);
  assert.ok(r.dialplan);
  return r.dialplan;
}

const TEXT = `[default]
exten => _X.,1,NoOp(any)
exten => 100,hint,SIP/100
exten => 100,1,Dial(SIP/100,20)
 same => n(vm),VoiceMail(100@default)
exten => 100/5551234,1,Playback(hi)
include => other
include => office,09:00-17:59,mon-fri,*,*
ignorepat => 9
[other]
exten => s,1,Answer()
[office]
`;

test('the whole dialplan, in Asterisk columns and order', () => {
  const expected = [
    "[ Context 'default' created by 'pbx_config' ]",
    "  '100' (CID match '5551234') =>  1. Playback(hi)                               [extensions.conf:6]",
    "  '100' =>          hint: SIP/100                                 [extensions.conf:3]",
    '                    1. Dial(SIP/100,20)                           [extensions.conf:4]',
    '     [vm]           2. VoiceMail(100@default)                     [extensions.conf:5]',
    "  '_X.' =>          1. NoOp(any)                                  [extensions.conf:2]",
    "  Include =>        'other'                                       [pbx_config]",
    "  Include =>        'office,09:00-17:59,mon-fri,*,*'              [pbx_config]",
    "  Ignore pattern => '9'                                           [pbx_config]",
    '',
    "[ Context 'other' created by 'pbx_config' ]",
    "  's' =>            1. Answer()                                   [extensions.conf:11]",
    '',
    "[ Context 'office' created by 'pbx_config' ]",
    '',
    '-= 4 extensions (6 priorities) in 3 contexts. =-', // a hint counts as a priority, as in Asterisk
    '',
  ].join('\n');
  assert.equal(formatDialplanShow(dialplan(TEXT)), expected);
});

test('one context; singular words for one of each', () => {
  assert.equal(
    formatDialplanShow(dialplan(TEXT), 'other'),
    ["[ Context 'other' created by 'pbx_config' ]", "  's' =>            1. Answer()                                   [extensions.conf:11]", '', '-= 1 extension (1 priority) in 1 context. =-', ''].join('\n'),
  );
});

test('an unknown context is named', () => {
  assert.equal(formatDialplanShow(dialplan(TEXT), 'nope'), "There is no existence of 'nope' context\n");
});

test('`dialplan show EXTEN@CONTEXT` lists what dials that extension there (patterns too); `EXTEN@` looks in every context', () => {
  const dp = dialplan(TEXT);
  assert.equal(
    formatDialplanShow(dp, '555@default'),
    [
      "[ Context 'default' created by 'pbx_config' ]",
      "  '_X.' =>          1. NoOp(any)                                  [extensions.conf:2]",
      '',
      '-= 1 extension (1 priority) in 1 context. =-',
      '',
    ].join('\n'),
  );
  assert.match(formatDialplanShow(dp, 's@'), /^\[ Context 'other' created by 'pbx_config' \]\n  's' =>\s+1\. Answer\(\)[^\n]*\n\n-= 1 extension \(1 priority\) in 1 context\. =-\n$/);
  assert.equal(formatDialplanShow(dp, '999@other'), "There is no existence of '999@other' extension\n");
  assert.equal(formatDialplanShow(dp, '100@nowhere'), "There is no existence of 'nowhere' context\n");
});

/** Refer-To with and without an embedded Replaces, and Replaces itself (RFC 3515, RFC 3891), as a table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReferTo, parseReplaces } from '../../../src/sip/message/refer.ts';

test('Refer-To: blind targets in the forms phones send', () => {
  const cases: [string, { user: string; host: string; uri: string } | undefined][] = [
    ['<sip:2002@127.0.0.1>', { user: '2002', host: '127.0.0.1', uri: 'sip:2002@127.0.0.1' }],
    ['sip:2002@pbx.example.com', { user: '2002', host: 'pbx.example.com', uri: 'sip:2002@pbx.example.com' }],
    ['"Carol" <sip:2002@10.0.0.1:5070;transport=udp>', { user: '2002', host: '10.0.0.1', uri: 'sip:2002@10.0.0.1:5070' }],
    // An escaped user part (`*` and `#` are legal, but phones escape them anyway).
    ['<sip:%2A8@pbx>', { user: '*8', host: 'pbx', uri: 'sip:*8@pbx' }],
    ['<sip:pbx>', { user: '', host: 'pbx', uri: 'sip:pbx' }],
    ['<tel:+15551234>', undefined],
    ['<mailto:bob@example.com>', undefined],
    ['<sip:2002@', undefined],
    ['', undefined],
  ];
  for (const [value, want] of cases) {
    const got = parseReferTo(value);
    if (want === undefined) assert.equal(got, undefined, value);
    else assert.deepEqual(got, want, value);
  }
});

test('Refer-To with an embedded Replaces (attended transfer): unescaped and parsed', () => {
  const got = parseReferTo('<sip:2002@127.0.0.1?Replaces=a84b4c76e66710%40pc33.example.com%3Bto-tag%3D8765%3Bfrom-tag%3D1234>');
  assert.deepEqual(got, {
    user: '2002',
    host: '127.0.0.1',
    uri: 'sip:2002@127.0.0.1',
    replaces: { callId: 'a84b4c76e66710@pc33.example.com', toTag: '8765', fromTag: '1234', earlyOnly: false },
  });
  // Lower-case escapes and header name, other embedded headers beside it.
  const lower = parseReferTo('<sip:2002@pbx?replaces=abc%3bfrom-tag%3dF%3bto-tag%3dT%3bearly-only&Require=replaces>');
  assert.deepEqual(lower?.replaces, { callId: 'abc', toTag: 'T', fromTag: 'F', earlyOnly: true });
  // A Replaces without both tags makes the Refer-To unreadable (never a silent blind transfer).
  assert.equal(parseReferTo('<sip:2002@pbx?Replaces=abc%3Bto-tag%3DT>'), undefined);
});

test('Replaces header values', () => {
  const cases: [string, ReturnType<typeof parseReplaces>][] = [
    ['98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff', { callId: '98732@sip.example.com', toTag: 'ff87ff', fromTag: 'r33th4x0r', earlyOnly: false }],
    ['abc ; To-Tag = 1 ; FROM-TAG=2 ; early-only', { callId: 'abc', toTag: '1', fromTag: '2', earlyOnly: true }],
    ['abc;to-tag=1', undefined],
    ['abc;from-tag=2', undefined],
    [';to-tag=1;from-tag=2', undefined],
    ['', undefined],
  ];
  for (const [value, want] of cases) assert.deepEqual(parseReplaces(value), want, value);
});

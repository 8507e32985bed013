/**
 * The dialplan pbx.conf generates sends a phone's unanswered, busy or unreachable calls to its
 * mailbox once voicemail is set up (voicemail.conf, or pbx.conf [voicemail] with a PIN or the
 * smarthost); with only [phones] the numbers just ring, as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.ts';
import { generatedDialplanText, voicemailSetUp } from '../../../src/dialplan/generated.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n2001 = river-lamp-77, Bob\n';

function configOf(files: Record<string, string>) {
  const r = loadConfig({ files });
  assert.ok(r.config, JSON.stringify(r.errors));
  return r.config;
}

test('only [phones]: plain Dial, no VoiceMail', () => {
  const c = configOf({ 'pbx.conf': PBX });
  assert.equal(voicemailSetUp(c), false);
  assert.doesNotMatch(generatedDialplanText(c, true), /VoiceMail\(/);
});

test('voicemail.conf present: Dial, then VoiceMail(u) or on BUSY VoiceMail(b)', () => {
  const c = configOf({ 'pbx.conf': PBX, 'voicemail.conf': '[general]\nformat=wav\n' });
  assert.equal(voicemailSetUp(c), true);
  const text = generatedDialplanText(c, true);
  const lines = text.split('\n');
  const at = lines.indexOf('exten => 2001,1,Dial(SIP/2001,20)');
  assert.ok(at >= 0, text);
  assert.deepEqual(lines.slice(at + 1, at + 6), [
    ' same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
    ' same => n,VoiceMail(2001@default,u)',
    ' same => n,Hangup()',
    ' same => n(busy),VoiceMail(2001@default,b)',
    ' same => n,Hangup()',
  ]);
});

test('pbx.conf [voicemail] with a PIN sets voicemail up', () => {
  const c = configOf({ 'pbx.conf': `${PBX}\n[voicemail]\n2000 = 739184\n` });
  assert.equal(voicemailSetUp(c), true);
  assert.match(generatedDialplanText(c, true), /VoiceMail\(2000@default,u\)/);
});

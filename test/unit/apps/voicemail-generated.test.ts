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

const ANALOG = '\n[analog]\nbackend = sim\nfxs = 1\nfxo = 2\n1 = 2100\n';

test('an analog phone port with an extension gets mailbox EXT@default, a PIN in [voicemail] and the voicemail fallback', () => {
  const c = configOf({ 'pbx.conf': `${PBX}${ANALOG}\n[voicemail]\n2100 = 739184\n` });
  const box = c.voicemail.contexts.get('default')?.get('2100');
  assert.ok(box, 'box 2100@default');
  assert.equal(box.pin, '739184');
  assert.equal(box.fromPbxConf, true);
  assert.match(generatedDialplanText(c, true), /exten => 2100,1,Dial\(DAHDI\/1,20\)\n same => n,GotoIf\(\$\["\$\{DIALSTATUS\}" = "BUSY"\]\?busy\)\n same => n,VoiceMail\(2100@default,u\)/);
});

test('*97 takes the box from the SIP peer or the FXS port, never from a caller ID; other channels are asked for box and PIN', () => {
  const c = configOf({ 'pbx.conf': `${PBX}${ANALOG}\n[voicemail]\n2000 = 739184\n` });
  const text = generatedDialplanText(c, true);
  const at = text.indexOf('exten => *97,1,');
  assert.ok(at >= 0, text);
  const own = text.slice(at, text.indexOf('exten => *98', at));
  assert.match(own, /\$\{CUT\(CHANNEL,\/,1\)\}" = "SIP"\]\?Set\(OWNBOX=\$\{CUT\(CUT\(CHANNEL,\/,2\),-,1\)\}\)/);
  assert.match(own, /\$\{CHANNEL:0:8\}" = "DAHDI\/1-"\]\?Set\(OWNBOX=2100\)/);
  assert.doesNotMatch(own, /DAHDI\/2-/, 'the exchange line (FXO port 2) owns no box');
  assert.doesNotMatch(own, /CALLERID/, 'the caller ID never names the box');
  assert.match(own, /GotoIf\(\$\["\$\{OWNBOX\}" = ""\]\?any\)\n same => n,VoiceMailMain\(\$\{OWNBOX\}@default,s\)/);
  assert.match(own, /same => n\(any\),VoiceMailMain\(\)/);
});

/**
 * VoiceMailMain over SIP on the bundle, as a mailbox owner uses it: 2001 leaves a message for
 * 2000 through VoiceMail() (a 1 kHz tone after the beep); 2000 calls VoiceMailMain, logs in with
 * RFC 4733 digits, `1` plays the message (the RTP the phone receives carries the tone), `7`
 * deletes it, `#` says goodbye and the dialplan hangs up: the INBOX is empty on disk. Three
 * wrong PINs end the call with vm-goodbye; wrong PINs from the same phone over several calls
 * lock it out (the login guard, like SIP authentication bans): then even the right PIN is not
 * asked for.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startPbx, type PbxProcess } from './harness.ts';
import { Phone } from './calls-phone.ts';
import { callAndAnswer, framesOf, sleep, ulawDecode, type ActiveCall } from './dialplan-phone.ts';
import { VOICEMAIL_EXTENSIONS, heard, voicemailConf } from './voicemail-phone.ts';
import { toneRatio } from '../../src/media/goertzel.ts';

const PIN = '739184';


function inbox(pbx: PbxProcess): string[] {
  const dir = join(pbx.dir, 'data', 'voicemail', 'default', '2000', 'INBOX');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Share of the received audio after index `from` that is the 1 kHz tone (frames with energy only). */
function toneShare(c: ActiveCall, from: number): { frames: number; toneFrames: number } {
  let frames = 0;
  let toneFrames = 0;
  for (const r of c.received.slice(from)) {
    if (r.pt !== 0 || r.payload.length !== 160) continue;
    const s = Int16Array.from(r.payload, (b) => ulawDecode(b));
    if (s.every((x) => Math.abs(x) < 200)) continue;
    frames++;
    if (toneRatio(s, 1000) > 0.8) toneFrames++;
  }
  return { frames, toneFrames };
}

describe('VoiceMailMain over SIP on the bundle', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  before(async () => {
    pbx = await startPbx({ files: { 'extensions.conf': VOICEMAIL_EXTENSIONS, 'voicemail.conf': voicemailConf(PIN) }, system: { rtp: '35200-35298' } });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    await alice.open();
    await bob.open();
  });
  after(async () => {
    if (process.env.VM_DEBUG) console.log(pbx.output());
    alice.close();
    bob.close();
    await pbx.stop();
  });

  test('PIN login, 1 plays the message (the tone), 7 deletes, # exits: the INBOX is empty', async () => {
    // 2001 leaves a message: the tone after the beep, then hangs up (that ends the recording).
    const leave = await callAndAnswer(bob, '8000');
    await heard(leave, 'beep');
    await leave.tone(1000, 2000);
    await sleep(300);
    leave.hangup();
    for (let i = 0; i < 50 && !inbox(pbx).includes('msg0000.wav'); i++) await sleep(100);
    assert.deepEqual(inbox(pbx), ['msg0000.txt', 'msg0000.wav'], pbx.output().slice(-2000));
    assert.match(pbx.rx('voicemail show users'), /default\s+2000\s+Alice\s+\S*\s*1\b/);

    const c = await callAndAnswer(alice, '8500');
    await heard(c, 'vm-password');
    await c.digits(`${PIN}#`);
    await heard(c, 'vm-youhave');
    const mark = c.received.length;
    await c.digit('1');
    // "First message", the envelope (envelope=yes by default: date and time), then about 2 s of audio.
    for (let i = 0; i < 200 && toneShare(c, mark).toneFrames < 50; i++) await sleep(100);
    const { frames, toneFrames } = toneShare(c, mark);
    assert.ok(toneFrames >= 50, `the recorded 1 kHz tone reached the phone (${toneFrames} of ${frames} frames)`);
    await heard(c, 'vm-repeat', mark);
    await c.digit('7');
    await heard(c, 'vm-deleted', mark);
    assert.deepEqual(inbox(pbx), ['msg0000.txt', 'msg0000.wav'], 'deleted only when the folder is left');
    await c.digit('#');
    await c.awaitBye();
    assert.ok(framesOf('vm-goodbye', c.audio()) > 0, 'vm-goodbye before the hangup');
    assert.deepEqual(inbox(pbx), [], 'the message is gone from the INBOX');
    const old = join(pbx.dir, 'data', 'voicemail', 'default', '2000', 'Old');
    assert.deepEqual(existsSync(old) ? readdirSync(old).filter((f) => f.startsWith('msg')) : [], [], 'deleted, not moved to Old');
    assert.match(pbx.rx('voicemail show users'), /default\s+2000\s+Alice\s+\S*\s*0\b/);
  });

  test('three wrong PINs: vm-incorrect, vm-goodbye, then BYE', async () => {
    const logMark = pbx.output().length;
    const c = await callAndAnswer(alice, '8500');
    for (const wrong of ['111111', '222222', '333333']) {
      const at = c.received.length;
      await heard(c, 'vm-password', at === 0 ? 0 : at);
      await c.digits(`${wrong}#`);
      await heard(c, 'vm-incorrect', at);
    }
    await c.awaitBye();
    assert.ok(framesOf('vm-goodbye', c.audio()) > 0, 'vm-goodbye before the hangup');
    assert.ok(!/logged in to 2000/.test(pbx.output().slice(logMark)), 'never logged in');
  });

  test('wrong PINs over several calls lock the phone out; then not even the right PIN is asked', async () => {
    // The guard counts per phone across calls (10 failures, as authfailban's default); 3 are in already.
    for (let call = 0; call < 3; call++) {
      const c = await callAndAnswer(alice, '8500');
      let ended = false;
      void c.awaitBye(60_000).then(() => (ended = true), () => {});
      for (let i = 0; i < 3 && !ended; i++) {
        const at = c.received.length;
        try {
          await heard(c, 'vm-password', at, 5000);
        } catch {
          break;
        }
        await c.digits('1212#');
        for (let w = 0; w < 40 && !ended && framesOf('vm-incorrect', c.received.slice(at).filter((r) => r.pt === 0).map((r) => r.payload)) === 0; w++) await sleep(100);
      }
      for (let w = 0; w < 100 && !ended; w++) await sleep(100);
      assert.ok(ended, `call ${call + 2} with wrong PINs was hung up`);
    }
    assert.match(pbx.output(), /locked out|wrong PIN/);
    const locked = await callAndAnswer(alice, '8500');
    await locked.awaitBye(15_000);
    const frames = locked.audio();
    assert.ok(framesOf('vm-goodbye', frames) > 0, 'vm-goodbye');
    assert.equal(framesOf('vm-password', frames), 0, 'no PIN asked while locked out');
  });

  test('*97 from the owner\'s own phone opens its box without a PIN; *98 asks for box and PIN', async () => {
    assert.match(pbx.rx('dialplan show pbx-phones'), /'\*97' =>\s+1\. Set\(OWNBOX=\)[\s\S]*VoiceMailMain\(\$\{OWNBOX\}@default,s\)/);
    const own = await callAndAnswer(bob, '*97');
    await heard(own, 'vm-youhave');
    assert.equal(framesOf('vm-password', own.audio()), 0, 'no PIN asked on the own phone');
    own.hangup();
    const any = await callAndAnswer(bob, '*98');
    await heard(any, 'vm-login');
    any.hangup();
  });
});

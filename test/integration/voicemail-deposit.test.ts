/**
 * Leaving voicemail, on the bundle against SIPp: a caller (SIPp as 2000, sending a 1400 Hz tone
 * from a pcap written by this test) calls 2001, which is not registered; the seed's
 * `[macro-stdexten]` (Dial, `Goto(s-${DIALSTATUS},1)`, `VoiceMail(u${MACRO_EXTEN})`) sends the call
 * to voicemail, and after the caller hangs up msg0000.wav and .txt are in 2001's INBOX with the
 * caller ID and duration, the recording's dominant frequency being the tone's. A VoiceMail to a
 * box that does not exist sets VMSTATUS=FAILED and the dialplan goes on; a caller sending only
 * silence leaves no message; kill -9 of the PBX during a recording leaves the box consistent and
 * the next message gets the next number.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, runSipp, sleep, startPbx, type PbxProcess, type SippResult } from './harness.ts';
import { dbValue } from './dialplan-phone.ts';
import { rtpPcap, tone, writePcapAtomically } from './rtp-pcap.ts';
import { dominantFrequency } from '../../src/media/goertzel.ts';
import { readWav } from '../../src/media/wav.ts';

const TONE_HZ = 1400;
const TONE_PCAP = '/tmp/pbx-vm-tone-1400hz.pcap';
const SILENCE_PCAP = '/tmp/pbx-vm-silence.pcap';

const EXTENSIONS = `
[general]
static=yes
writeprotect=no

[phones]
; the seed: each phone's number runs the stdexten macro
exten => 2001,1,Macro(stdexten,SIP/2001)
 same => n,Hangup()
; a box that does not exist: VMSTATUS=FAILED and the dialplan goes on
exten => 8001,1,Answer()
 same => n,VoiceMail(7777@default,s)
 same => n,Set(DB(test/vm)=\${VMSTATUS})
 same => n,Wait(20)
; straight to 2001's box, no greeting and no instructions
exten => 8002,1,VoiceMail(2001@default,s)
 same => n,Set(DB(test/after)=\${VMSTATUS})
 same => n,Wait(20)
include => pbx-phones

[macro-stdexten]
exten => s,1,Dial(\${ARG1},20)
exten => s,2,Goto(s-\${DIALSTATUS},1)
exten => s-NOANSWER,1,VoiceMail(u\${MACRO_EXTEN})
exten => s-NOANSWER,2,Goto(default,s,1)
exten => s-BUSY,1,VoiceMail(b\${MACRO_EXTEN})
exten => s-BUSY,2,Goto(default,s,1)
exten => _s-.,1,Goto(s-NOANSWER,1)
`;

/** SIPp as 2000 calling `service`; `pauseMs` of audio from `scenario`'s pcap, then BYE. */
async function call(pbx: PbxProcess, service: string, scenario: string, pauseMs: number): Promise<SippResult> {
  const media = await freePort();
  return runSipp(
    scenario,
    pbx.port,
    ['-s', service, '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(media), '-auth_uri', `${service}@127.0.0.1:${pbx.port}`, '-d', String(pauseMs)],
    { timeoutS: Math.ceil(pauseMs / 1000) + 20 },
  );
}

function inbox(pbx: PbxProcess, box = '2001'): string[] {
  const dir = join(pbx.dir, 'data/voicemail/default', box, 'INBOX');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function txtOf(pbx: PbxProcess, name: string): string {
  return readFileSync(join(pbx.dir, 'data/voicemail/default/2001/INBOX', name), 'utf8');
}

/** Every msgNNNN has its .wav and .txt, numbers from 0000 without gaps. */
function assertConsistent(files: string[]): number {
  const txt = files.filter((f) => f.endsWith('.txt'));
  const wav = files.filter((f) => f.endsWith('.wav'));
  assert.deepEqual(
    txt.map((f) => f.replace('.txt', '')),
    wav.map((f) => f.replace('.wav', '')),
    `each message has both files: ${files.join(' ')}`,
  );
  txt.forEach((f, i) => assert.equal(f, `msg${String(i).padStart(4, '0')}.txt`, 'gap-free numbering'));
  assert.deepEqual(files.filter((f) => !/^msg\d{4}\.(txt|wav)$/.test(f)), [], 'nothing else in INBOX');
  return txt.length;
}

describe('voicemail: leaving messages over SIP', { skip: !existsSync('/usr/bin/sipp') && 'SIPp (sip-tester) is not installed' }, () => {
  let pbx: PbxProcess;
  before(async () => {
    writePcapAtomically(TONE_PCAP, rtpPcap(tone(30, TONE_HZ)));
    writePcapAtomically(SILENCE_PCAP, rtpPcap(new Int16Array(8000 * 10)));
    pbx = await startPbx({ files: { 'extensions.conf': EXTENSIONS }, system: { rtp: '35400-35498' } });
  });
  after(async () => {
    if (process.env.VM_DEBUG) console.log(pbx.output());
    await pbx.stop();
  });

  test('2001 does not answer: the macro takes the caller to voicemail; msg0000 has the caller ID, the duration and the tone', async () => {
    // The made-up greeting and vm-intro last about 13 s; the caller's tone goes on 6 s after the beep.
    const r = await call(pbx, '2001', 'voicemail-tone.xml', 19_000);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    await pbx.waitFor(/Saving message as is: \S*2001\/INBOX\/msg0000/, 5000).catch(() => undefined);
    assert.deepEqual(inbox(pbx), ['msg0000.txt', 'msg0000.wav'], pbx.output().slice(-3000));
    const txt = txtOf(pbx, 'msg0000.txt');
    assert.match(txt, /^\[message\]$/m);
    assert.match(txt, /^origmailbox=2001$/m);
    assert.match(txt, /^callerid=("[^"]*" <2000>|2000)$/m, txt);
    assert.match(txt, /^callerchan=SIP\/2000-/m);
    assert.match(txt, /^macrocontext=phones$/m);
    const duration = Number(/^duration=(\d+)$/m.exec(txt)?.[1]);
    assert.ok(duration >= 3 && duration <= 8, `duration ${duration} s: the tone after the beep until the hangup`);
    const wav = readWav(new Uint8Array(readFileSync(join(pbx.dir, 'data/voicemail/default/2001/INBOX/msg0000.wav'))));
    assert.equal(wav.sampleRate, 8000);
    assert.ok(Math.abs(wav.data.length / 8000 - duration) < 1, 'the .txt duration is the audio length');
    const middle = wav.data.subarray(8000, 16000);
    const f = dominantFrequency(middle);
    assert.ok(Math.abs(f.hz - TONE_HZ) <= 10, `dominant frequency ${f.hz} Hz`);
  });

  test('VoiceMail to a box that does not exist: VMSTATUS=FAILED and the dialplan goes on', async () => {
    pbx.rx('database deltree test');
    const r = await call(pbx, '8001', 'voicemail-silence.xml', 1500);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    assert.equal(dbValue(pbx.rx('database get test vm')), 'FAILED');
    assert.match(pbx.output(), /No entry in voicemail config file for '7777@default'/);
  });

  test('a caller sending only silence leaves no message', async () => {
    pbx.rx('database deltree test');
    const before = inbox(pbx);
    const r = await call(pbx, '8002', 'voicemail-silence.xml', 4000);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    // The hangup ends VoiceMail; its status is set before the dialplan stops.
    for (let i = 0; i < 50 && !/only silence/.test(pbx.output()); i++) await sleep(100);
    assert.deepEqual(inbox(pbx), before, 'no new message');
    assert.match(pbx.output(), /Recording was only silence - abandoning/);
    const tmp = join(pbx.dir, 'data/voicemail/default/2001/tmp');
    assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [], 'no temp file left behind');
  });

  test('kill -9 during a recording: after the restart the box is consistent and the next message gets the next number', async () => {
    const before = assertConsistent(inbox(pbx));
    const tmp = join(pbx.dir, 'data/voicemail/default/2001/tmp');
    const pending = call(pbx, '8002', 'voicemail-tone.xml', 8000);
    // Wait until the recording has about 2 s of audio in its temp file, then kill the PBX.
    let recorded = false;
    for (let i = 0; i < 150 && !recorded; i++) {
      await sleep(100);
      if (!existsSync(tmp)) continue;
      recorded = readdirSync(tmp).some((f) => f.endsWith('.wav') && statSync(join(tmp, f)).size > 2 * 16000);
    }
    assert.ok(recorded, `a recording was in progress\n${pbx.output().slice(-2000)}`);
    await pbx.kill9();
    await pbx.restart();
    await pending; // SIPp's BYE meets the new PBX (481) or times out: either way its call is over
    const afterCrash = assertConsistent(inbox(pbx));
    assert.ok(afterCrash === before || afterCrash === before + 1, `the cut message is whole or absent (${before} -> ${afterCrash})`);
    const r = await call(pbx, '8002', 'voicemail-tone.xml', 4000);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    for (let i = 0; i < 50 && assertConsistent(inbox(pbx)) === afterCrash; i++) await sleep(100);
    const final = assertConsistent(inbox(pbx));
    assert.equal(final, afterCrash + 1, 'the next message takes the next number');
    assert.match(txtOf(pbx, `msg${String(afterCrash).padStart(4, '0')}.txt`), /^callerid=.*2000/m);
  });
});

describe('voicemail: the dialplan pbx.conf generates, once voicemail is set up', { skip: !existsSync('/usr/bin/sipp') && 'SIPp (sip-tester) is not installed' }, () => {
  let pbx: PbxProcess;
  before(async () => {
    writePcapAtomically(TONE_PCAP, rtpPcap(tone(30, TONE_HZ)));
    // No extensions.conf: the phones' context is the generated one.
    pbx = await startPbx({ files: { 'voicemail.conf': '[general]\nformat = wav\n\n[default]\n' }, system: { rtp: '35500-35598' } });
  });
  after(async () => {
    if (process.env.VM_DEBUG) console.log(pbx.output());
    await pbx.stop();
  });

  test('dialplan show: each phone number falls back to its mailbox (u) and (b) on busy', () => {
    const shown = pbx.rx('dialplan show pbx-phones');
    assert.match(shown, /VoiceMail\(2001@default,u\)/, shown);
    assert.match(shown, /VoiceMail\(2001@default,b\)/);
  });

  test('2000 calls 2001, which is not registered: the caller leaves a message in 2001@default', async () => {
    const r = await call(pbx, '2001', 'voicemail-tone.xml', 17_000);
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-3000)}`);
    for (let i = 0; i < 50 && inbox(pbx).length < 2; i++) await sleep(100);
    assert.deepEqual(inbox(pbx), ['msg0000.txt', 'msg0000.wav'], pbx.output().slice(-3000));
    assert.match(txtOf(pbx, 'msg0000.txt'), /^callerid=.*2000/m);
  });
});

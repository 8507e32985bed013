/**
 * The seed's IVR and the DTMF-driven applications over real calls to the bundle: a raw UDP phone
 * calls in, streams RTP, presses keys as RFC 4733 events (telephone-event 101) and the dialplan
 * does what Asterisk's would: Background plays the prompt to the phone, '1' runs extension 1,
 * '9' runs `i`, silence runs `t`; Read collects a PIN; Record stops on silence and writes an
 * 8 kHz WAV holding the caller's tone. SIPp playing its own RFC 4733 captures
 * (test/scenarios/dp-dtmf-*.xml) drives the same menu and Read, as a second, independent sender.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runSipp, startPbx, type PbxProcess } from './harness.ts';
import { Phone } from './calls-phone.ts';
import { callAndAnswer, dbValue, framesOf, isSilent } from './dialplan-phone.ts';
import { readWav } from '../../src/media/wav.ts';
import { toneRatio, rms } from '../../src/media/goertzel.ts';

/** Waits (up to 20 s) for `re` in what the PBX printed after `mark`. */
async function waitOutput(pbx: PbxProcess, mark: number, re: RegExp): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (re.test(pbx.output().slice(mark))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${re} not seen in the PBX output:\n${pbx.output().slice(mark)}`);
}

const recDir = mkdtempSync(join(tmpdir(), 'pbx-dp-rec-'));

const EXTENSIONS = `
[general]
static=yes
writeprotect=no
autofallthrough=yes

[phones]
include => pbx-phones
include => tests

[tests]
exten => 100,1,Goto(ivr,s,1)
exten => 101,1,Goto(ivr-long,s,1)
exten => 200,1,Answer()
 same => n,Read(PIN,,4)
 same => n,Set(DB(test/pin)=\${PIN})
 same => n,Hangup()
exten => 300,1,Answer()
 same => n,Record(${recDir}/msg%d.wav,3,30)
 same => n,Set(DB(test/rec)=\${RECORDED_FILE})
 same => n,Set(DB(test/recstatus)=\${RECORD_STATUS})
 same => n,Hangup()

; The seed's IVR, with prompts Debian ships (hello-world as the welcome prompt).
[ivr]
exten => s,1,Answer()
same => n,Background(hello-world)
same => n,WaitExten(5)

exten => 1,1,Set(DB(test/branch)=one)
same => n,Playback(goodbye)
same => n,Hangup()

exten => 2,1,Set(DB(test/branch)=two)
same => n,Hangup()

exten => 31,1,Set(DB(test/branch)=thirty-one)
same => n,Hangup()

exten => i,1,Playback(invalid)
same => n,Hangup()

exten => t,1,Hangup()

; The same menu behind a 73 s prompt: a call that ends within seconds of a key proves the key
; interrupted Background (the menu's extensions come through the include).
[ivr-long]
include => ivr
exten => s,1,Answer()
same => n,Background(demo-instruct)
same => n,WaitExten(5)
`;

describe('dialplan: IVR, Read and Record driven by a phone over SIP and RTP', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  before(async () => {
    pbx = await startPbx({ files: { 'extensions.conf': EXTENSIONS }, system: { rtp: '35000-35098' } });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    await alice.open();
  });
  after(async () => {
    if (process.env.DP_DEBUG) console.log(pbx.output());
    alice.close();
    await pbx.stop();
    rmSync(recDir, { recursive: true, force: true });
  });

  test("the IVR plays its prompt; '1' pressed during Background runs extension 1", async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '100');
    await c.firstSound();
    await c.digit('1');
    await c.awaitBye(20_000);
    assert.equal(dbValue(pbx.rx('database get test branch')), 'one', 'extension 1 ran');
    const frames = c.audio();
    assert.ok(framesOf('hello-world', frames) >= 1, 'the welcome prompt (hello-world) reached the phone');
    assert.ok(framesOf('goodbye', frames) >= 20, "extension 1's goodbye reached the phone");
    assert.equal(framesOf('invalid', frames), 0, 'the invalid prompt was not played');
  });

  test('a key pressed during a long Background prompt interrupts it at once', async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '101');
    await c.firstSound();
    await c.digit('1');
    // demo-instruct lasts 73 s: the call ending within 25 s means the key cut it short.
    await c.awaitBye(25_000);
    assert.equal(dbValue(pbx.rx('database get test branch')), 'one', "extension 1 (from the included menu) ran");
    const frames = c.audio();
    assert.ok(framesOf('demo-instruct', frames) >= 1, 'the long prompt was playing');
    assert.ok(framesOf('goodbye', frames) >= 20, "extension 1's goodbye reached the phone");
  });

  test("'3' then '1' dials extension 31 (dial-as-you-go waits for more digits while 3x could match)", async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '100');
    await c.firstSound();
    await c.digits('31');
    await c.awaitBye();
    assert.equal(dbValue(pbx.rx('database get test branch')), 'thirty-one');
    assert.equal(framesOf('invalid', c.audio()), 0);
  });

  test("'2' pressed in WaitExten after the prompt ran extension 2", async () => {
    pbx.rx('database deltree test');
    const mark = pbx.output().length;
    const c = await callAndAnswer(alice, '100');
    await c.firstSound();
    // The key goes in once the prompt has played through and WaitExten runs.
    await waitOutput(pbx, mark, /Executing \[s@ivr:3\] WaitExten/);
    await c.digit('2');
    await c.awaitBye();
    assert.equal(dbValue(pbx.rx('database get test branch')), 'two');
  });

  test("'9' (no such extension) runs i: the invalid prompt plays, then the call is hung up", async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '100');
    await c.firstSound();
    await c.digit('9');
    await c.awaitBye(20_000);
    const frames = c.audio();
    assert.ok(framesOf('invalid', frames) >= 150, `the invalid prompt (4.1 s) reached the phone (${framesOf('invalid', frames)} frames)`);
    assert.equal(dbValue(pbx.rx('database get test branch')), undefined, 'neither 1 nor 2 ran');
  });

  test('no key at all: WaitExten times out to t, which hangs up (BYE)', async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '100');
    await c.firstSound();
    await c.awaitBye(20_000);
    const frames = c.audio();
    assert.ok(framesOf('hello-world', frames) >= 60, 'the whole welcome prompt played');
    assert.equal(framesOf('invalid', frames), 0, 'not the invalid branch');
    assert.equal(dbValue(pbx.rx('database get test branch')), undefined);
  });

  test('Read(PIN,,4) collects four RFC 4733 keys; the next priority stores them', async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '200');
    await new Promise((r) => setTimeout(r, 200));
    await c.digits('1234');
    await c.awaitBye();
    assert.equal(dbValue(pbx.rx('database get test pin')), '1234');
  });

  test('Record(...%d.wav,3,30) ends on 3 s of silence; RECORDED_FILE names a WAV holding the 1 kHz tone', async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '300');
    // Let the beep (250 ms) play through: Record drops what arrives during it. Then 1 s of tone,
    // then silence.
    await c.firstSound();
    let sounding = -1;
    while (sounding !== c.audio().filter((p) => !isSilent(p)).length) {
      sounding = c.audio().filter((p) => !isSilent(p)).length;
      await new Promise((r) => setTimeout(r, 200));
    }
    await c.tone(1000, 1000);
    await c.awaitBye(20_000);
    const recorded = dbValue(pbx.rx('database get test rec'));
    assert.equal(recorded, join(recDir, 'msg0'), 'RECORDED_FILE is the name without extension, %d replaced by 0');
    assert.equal(dbValue(pbx.rx('database get test recstatus')), 'SILENCE');
    const file = `${recorded}.wav`;
    assert.ok(existsSync(file), `${file} exists`);
    const wav = readWav(new Uint8Array(readFileSync(file)));
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.format, 'slin', 'a .wav recording is 16-bit PCM');
    const samples = wav.data as Int16Array;
    // The tone is there: find the loudest 100 ms window and check it is 1 kHz.
    let best = 0;
    let bestRatio = 0;
    for (let at = 0; at + 800 <= samples.length; at += 400) {
      const w = samples.subarray(at, at + 800);
      const level = rms(w);
      if (level > best) {
        best = level;
        bestRatio = toneRatio(w, 1000);
      }
    }
    assert.ok(best > 2000, `the recording holds the tone (loudest rms ${best.toFixed(0)})`);
    assert.ok(bestRatio > 0.8, `the loud part is 1 kHz (share ${bestRatio.toFixed(2)})`);
    // Ended on silence, long before the 30 s maximum: about 1 s of tone plus the 1 s of kept silence.
    const seconds = samples.length / 8000;
    assert.ok(seconds >= 1 && seconds < 10, `recording length ${seconds.toFixed(2)} s`);
  });

  /** SIPp calls `exten` as 2000 and presses keys from its RFC 4733 captures (scenario). */
  async function sippKeys(scenario: string, exten: string): Promise<void> {
    const mediaPort = await freePort();
    const r = await runSipp(scenario, pbx.port, ['-s', exten, '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(mediaPort), '-auth_uri', `${exten}@127.0.0.1:${pbx.port}`], { timeoutS: 30 });
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-2000)}`);
  }

  test("SIPp's RFC 4733 captures drive the IVR: the first key, '1', runs extension 1", async () => {
    pbx.rx('database deltree test');
    await sippKeys('dp-dtmf-1.xml', '100');
    assert.equal(dbValue(pbx.rx('database get test branch')), 'one');
  });

  test("SIPp's RFC 4733 captures drive Read: 1 2 3 4 are collected", async () => {
    pbx.rx('database deltree test');
    await sippKeys('dp-dtmf-1234.xml', '200');
    assert.equal(dbValue(pbx.rx('database get test pin')), '1234');
  });
});

/**
 * The analog sim ports against a real SIP phone (Debian's baresip) on the bundle: pbx.conf
 * [analog] puts a sim phone on FXS 1 as extension 2100 and a sim exchange line on FXO 2;
 * baresip registers as 2000, auto-answers and plays a 1 kHz WAV (after 5 s of silence).
 *  - The sim phone dials 2000: baresip answers; the sim phone hears silence, then the tone;
 *    the sim phone's DTMF reaches baresip; hanging the sim phone up closes baresip's call.
 *  - baresip dials 2100: the sim phone rings with caller ID 2000, answers; baresip hangs up
 *    first and the sim phone hears congestion.
 *  - The sim line rings with caller ID: baresip's incoming call shows that caller.
 *  - baresip dials 9 + number (DAHDI/g1/${EXTEN:1}): the sim line decodes exactly the digits;
 *    its busy tone closes baresip's call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PbxProcess } from './harness.ts';
import { simRow, startSimPbx, until } from './analog-phone.ts';
import { baresip, BaresipCtrl, recording, stopPhone, toneWav, type Phone } from './baresip-phone.ts';
import { toneRatio } from '../../src/media/goertzel.ts';

function noChannels(pbx: PbxProcess): Promise<true> {
  return until('the channels to end', () => (/^0 active channels/m.test(pbx.rx('core show channels')) ? true : undefined), 10_000);
}

/** Whether some 50 ms of `samples` is the DTMF pair `low`+`high` (each a fair share, together most). */
function hasDtmf(samples: Int16Array, low: number, high: number): boolean {
  for (let at = 0; at + 400 <= samples.length; at += 200) {
    const block = samples.subarray(at, at + 400);
    const l = toneRatio(block, low);
    const h = toneRatio(block, high);
    if (l > 0.2 && h > 0.2 && l + h > 0.7) return true;
  }
  return false;
}

describe('analog sim ports <-> baresip', () => {
  let pbx: PbxProcess;
  let work: string;
  let phone: Phone | undefined;
  let ctrl: BaresipCtrl;
  before(async () => {
    pbx = await startSimPbx();
    work = mkdtempSync(join(tmpdir(), 'analog-baresip-'));
    toneWav(join(work, '1000.wav'), 1000, 30, 5);
    phone = await baresip(work, 'alice', `<sip:2000@127.0.0.1:${pbx.port}>;auth_pass=Secr3t-2000;regint=600;answermode=auto`, join(work, '1000.wav'), [], { ctrl: true });
    ctrl = await BaresipCtrl.open(phone);
    await until('baresip to register', () => (/^2000\s/m.test(pbx.rx('sip show registrations')) ? true : undefined), 10_000);
  });
  after(async () => {
    ctrl?.close();
    await stopPhone(phone);
    await pbx.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('sim phone dials 2000: baresip answers, its tone reaches the sim phone, DTMF reaches baresip, on-hook closes the call', async () => {
    pbx.rx('sim phone 1 offhook');
    assert.match(simRow(pbx, 1, 'phone'), /offhook\s+dial tone/);
    const from = ctrl.events.length;
    pbx.rx('sim phone 1 dial 2000');
    const answered = await ctrl.event('CALL_ESTABLISHED', from, 10_000, 'incoming');
    assert.match(String(answered.ev.peeruri), /^sip:2100@/, 'the caller ID is the port\'s extension');
    // baresip's WAV starts with 5 s of silence, then the 1 kHz tone.
    await until('the sim phone to hear silence', () => (/^1\s+phone\s+offhook\s+silence/.test(simRow(pbx, 1, 'phone')) ? true : undefined), 4000);
    await until('the sim phone to hear the tone', () => (/^1\s+phone\s+offhook\s+(an unknown tone|audio)/.test(simRow(pbx, 1, 'phone')) ? true : undefined), 10_000);

    // analog -> SIP: the sim phone's in-band digit reaches baresip as an RFC 4733 event (the
    // PBX's default dtmfmode, as Asterisk's), and only that way: not played in band as well.
    const dialed = ctrl.events.length;
    pbx.rx('sim phone 1 dial 5');
    const digit = await ctrl.event('CALL_DTMF_START', dialed, 5000);
    assert.equal(digit.ev.param, '5');
    await ctrl.event('CALL_DTMF_END', digit.at, 5000);
    const before = ctrl.events.length;
    pbx.rx('sim phone 1 onhook');
    // baresip reports a call its peer ended with BYE as "Connection reset by peer".
    const closed = await ctrl.event('CALL_CLOSED', before);
    assert.match(String(closed.ev.param), /Connection reset by peer/);
    await noChannels(pbx);
    assert.deepEqual(ctrl.events.slice(dialed).filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param), ['5'], 'one digit, once');
    const rec = recording(phone!);
    assert.ok(rec.length > 8000, 'baresip recorded the call');
    assert.ok(!hasDtmf(rec, 770, 1336), 'the digit was not also played in band');
  });

  test('baresip dials 2100: the sim phone rings with caller ID 2000; baresip hangs up first; the sim phone hears congestion', async () => {
    const from = ctrl.events.length;
    ctrl.command('dial', '2100');
    await until('the sim phone to ring', () => (/^1\s+phone\s+ringing/.test(simRow(pbx, 1, 'phone')) ? true : undefined), 10_000);
    await until('the caller ID', () => (/CID 2000 "Alice"/.test(simRow(pbx, 1, 'phone')) ? true : undefined), 10_000);
    pbx.rx('sim phone 1 offhook');
    await ctrl.event('CALL_ESTABLISHED', from, 10_000, 'outgoing');
    assert.match(pbx.rx('core show channels'), /DAHDI\/1-\d+/);
    const up = ctrl.events.length;
    ctrl.command('hangup');
    await ctrl.event('CALL_CLOSED', up);
    await until('the sim phone to hear congestion', () => (/congestion/.test(simRow(pbx, 1, 'phone')) ? true : undefined), 5000);
    pbx.rx('sim phone 1 onhook');
    await noChannels(pbx);
  });

  test('the sim line rings with caller ID: baresip\'s incoming call shows "JOHN DOE" 5551234', async () => {
    const from = ctrl.events.length;
    pbx.rx('sim line 2 ring 5551234 "JOHN DOE"');
    const answered = await ctrl.event('CALL_ESTABLISHED', from, 15_000, 'incoming');
    assert.equal(answered.ev.peerdisplayname, 'JOHN DOE');
    assert.match(String(answered.ev.peeruri), /^sip:5551234@/);
    await until('the line to be answered', () => (/^2\s+line\s+offhook/.test(simRow(pbx, 2, 'line')) ? true : undefined));
    const up = ctrl.events.length;
    ctrl.command('hangup');
    await ctrl.event('CALL_CLOSED', up);
    await until('the line to be released', () => (!/offhook/.test(simRow(pbx, 2, 'line')) ? true : undefined));
    await noChannels(pbx);
  });

  test('baresip dials 95551212 -> DAHDI/g1/5551212: the sim line decodes the digits; its busy tone closes baresip\'s call', async () => {
    const from = ctrl.events.length;
    ctrl.command('dial', '95551212');
    await until('the line to get the digits', () => (/PBX dialed 5551212\s*$/m.test(simRow(pbx, 2, 'line')) ? true : undefined), 10_000);
    assert.match(simRow(pbx, 2, 'line'), /^2\s+line\s+offhook/);
    await ctrl.event('CALL_ESTABLISHED', from, 10_000, 'outgoing');
    const up = ctrl.events.length;
    pbx.rx('sim line 2 busy');
    const closed = await ctrl.event('CALL_CLOSED', up, 10_000);
    assert.match(String(closed.ev.param), /Connection reset by peer/, 'the PBX sent baresip a BYE');
    await noChannels(pbx);
  });
});

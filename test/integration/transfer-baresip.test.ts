/**
 * A real phone's blind transfer: Debian's baresip as 2001 answers a call from a raw phone (2000),
 * then its `/transfer 2002` command sends REFER; the raw phone 2002 rings, answers, and 2000 and
 * 2002 hear each other (tones checked in RTP); baresip's call ends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, startPbx, type PbxProcess } from './harness.ts';
import { baresip, BaresipCtrl, stopPhone, toneWav, type Phone as Baresip } from './baresip-phone.ts';
import { hdr, mediaPort, Phone, sdp } from './calls-phone.ts';
import { answerMwi, answerNext, hears, sendTone } from './transfer-phone.ts';

describe('blind transfer from baresip (/transfer)', () => {
  let pbx: PbxProcess;
  let work: string;
  let bob: Baresip | undefined;
  let ctrl: BaresipCtrl | undefined;
  let alice: Phone;
  let carol: Phone;
  const stops: (() => void)[] = [];
  before(async () => {
    pbx = await startPbx({ phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' } });
    work = mkdtempSync(join(tmpdir(), 'transfer-baresip-'));
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    carol = new Phone('2002', 'Secr3t-2002', pbx.port);
    for (const p of [alice, carol]) {
      await p.open();
      answerMwi(p);
      await p.register();
    }
  });
  after(async () => {
    for (const s of stops) s();
    ctrl?.close();
    await stopPhone(bob);
    alice.close();
    carol.close();
    await pbx.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('2001 (baresip) transfers 2000 to 2002: 2000 and 2002 talk, baresip\'s call ends', async () => {
    toneWav(join(work, '900.wav'), 900, 30);
    bob = await baresip(work, 'b', `<sip:2001@127.0.0.1:${pbx.port}>;auth_pass=Secr3t-2001;regint=600;answermode=auto`, join(work, '900.wav'), [], { ctrl: true });
    ctrl = await BaresipCtrl.open(bob);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !/^2001\s/m.test(pbx.rx('sip show registrations'))) await sleep(100);
    const c = await alice.invite('2001', sdp(alice.media.port, [0, 101]));
    const ok = await alice.response('INVITE', 200, 8000, c.callId);
    alice.ack(c, ok);
    await ctrl.event('CALL_ESTABLISHED', 0, 10_000, 'incoming');
    assert.ok(await hears(alice.media, 900), '2000 hears baresip before the transfer');
    const mark = ctrl.events.length;
    ctrl.command('transfer', '2002');
    const toCarol = await answerNext(carol);
    stops.push(sendTone(alice, mediaPort(ok.body), 700), sendTone(carol, toCarol.pbxMedia, 1300));
    assert.ok(await hears(carol.media, 700), '2002 hears 2000');
    assert.ok(await hears(alice.media, 1300), '2000 hears 2002');
    await ctrl.event('CALL_CLOSED', mark, 10_000);
    for (const s of stops.splice(0)) s();
    alice.bye(c, hdr(ok, 'Contact'));
    await alice.response('BYE', 200);
    const bye = await carol.next((m) => m.first.startsWith('BYE ') && hdr(m, 'Call-ID') === hdr(toCarol.inv, 'Call-ID'));
    carol.reply(bye, 200, 'OK');
  });
});

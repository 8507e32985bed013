/**
 * Music on hold and hold on the bundle, with raw UDP phones and a sim FXS phone. The test class
 * `default` plays one generated 600 Hz file, so the audio a phone receives is recognisably the
 * class's (Goertzel on each packet):
 *  - 2000 and 2001 talk; 2000 re-INVITEs sendonly: the PBX answers recvonly itself and 2001
 *    receives the class's music; sendrecv: 2001 hears 2000 again.
 *  - Dial(SIP/2001,20,m): the caller gets 183 and the music while 2001 rings, then talks to 2001.
 *  - A sim FXS phone in a call with 2001 flashes: 2001 hears the music; flash again: 2001 hears
 *    the sim phone's tone again; 2001 holds by re-INVITE: the sim phone hears the music.
 *  - `moh show classes` / `moh show files` list the class in res_musiconhold's layout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPbx, type PbxProcess } from './harness.ts';
import { hdr, inDialogText, mediaPort, Phone, rtpPacket, sdp, sdpWith, statusOf, type Call, type Msg } from './calls-phone.ts';
import { answerInvite, until } from './analog-phone.ts';
import { writeWav } from '../../src/media/wav.ts';
import { ULAW_DECODE } from '../../src/media/g711.ts';
import { dominantFrequency, rms } from '../../src/media/goertzel.ts';

const MOH_HZ = 600;
const SIM_HZ = 1004;

/** The µ-law payload of an RTP packet as linear samples. */
function samples(pkt: Buffer): Int16Array {
  const out = new Int16Array(pkt.length - 12);
  for (let i = 0; i < out.length; i++) out[i] = ULAW_DECODE[pkt[12 + i]!]!;
  return out;
}

/** A packet carrying a loud tone near `hz` (µ-law payload type 0). */
function carries(hz: number): (pkt: Buffer) => boolean {
  return (pkt) => {
    if ((pkt[1]! & 0x7f) !== 0 || pkt.length < 172) return false;
    const s = samples(pkt);
    return rms(s) > 500 && Math.abs(dominantFrequency(s, { minHz: 300, maxHz: 3000 }).hz - hz) <= 40;
  };
}

describe('music on hold and hold', () => {
  /** A re-INVITE from bob as the callee of a call the PBX placed (`inv`), answered and ACKed. */
  async function calleeReinvite(inv: Msg, toTag: string, cseq: number, body: string): Promise<Msg> {
    const contact = hdr(inv, 'Contact');
    bob.send(
      [
        `INVITE ${/<([^>]+)>/.exec(contact)?.[1] ?? contact} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${bob.sip.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        `From: ${hdr(inv, 'To')};tag=${toTag}`,
        `To: ${hdr(inv, 'From')}`,
        `Call-ID: ${hdr(inv, 'Call-ID')}`,
        `CSeq: ${cseq} INVITE`,
        `Contact: <sip:2001@127.0.0.1:${bob.sip.port}>`,
        'Max-Forwards: 70',
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
    const ok = await bob.next((m) => m.first.startsWith('SIP/2.0 200') && hdr(m, 'CSeq') === `${cseq} INVITE`);
    bob.send(
      [
        `ACK ${/<([^>]+)>/.exec(contact)?.[1] ?? contact} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${bob.sip.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        `From: ${hdr(inv, 'To')};tag=${toTag}`,
        `To: ${hdr(inv, 'From')}`,
        `Call-ID: ${hdr(inv, 'Call-ID')}`,
        `CSeq: ${cseq} ACK`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    return ok;
  }

  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let mohDir: string;
  before(async () => {
    mohDir = mkdtempSync(join(tmpdir(), 'moh-it-'));
    const tone = new Int16Array(8000 * 3);
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * MOH_HZ * i) / 8000));
    writeFileSync(join(mohDir, 'tone600.wav'), writeWav({ format: 'slin', data: tone }));
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob' },
      system: { country: 'us\n\n[analog]\nbackend = sim\nfxs = 1\n1 = 2100' },
      files: {
        'musiconhold.conf': `[general]\n\n[default]\nmode=files\ndirectory=${mohDir}\n\n[radio]\nmode=custom\napplication=/usr/bin/streamplayer\n`,
        'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 700,1,Dial(SIP/2001,20,m)\n same => n,Hangup()\n',
      },
    });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    for (const p of [alice, bob]) await p.open();
    await bob.register();
  });
  after(async () => {
    for (const p of [alice, bob]) p.close();
    await pbx.stop();
    rmSync(mohDir, { recursive: true, force: true });
  });

  /** Alice calls `exten`, bob answers. */
  async function answered(exten = '2001'): Promise<{ call: Call; ok: Msg; toAlice: number; toBob: number; inv: Msg; bobTag: string }> {
    const call = await alice.invite(exten, sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    const bobTag = `b${randomBytes(3).toString('hex')}`;
    bob.reply(inv, 200, 'OK', { toTag: bobTag, body: sdp(bob.media.port, [0, 101]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    return { call, ok, inv, bobTag, toAlice: mediaPort(ok.body), toBob: mediaPort(inv.body) };
  }

  async function hangUp(c: { call: Call; ok: Msg }): Promise<void> {
    alice.bye(c.call, hdr(c.ok, 'Contact'));
    const bye = await bob.request('BYE');
    bob.reply(bye, 200, 'OK');
    await alice.response('BYE', 200);
    await until('no channels', () => (/^0 active channels/m.test(pbx.rx('core show channels')) ? true : undefined));
  }

  test('console: moh show classes and moh show files; the custom class is listed with a warning at start', () => {
    assert.equal(pbx.rx('moh show classes').trim(), [`Class: default`, `\tMode: files`, `\tDirectory: ${mohDir}`, `Class: radio`, `\tMode: custom`, `\tDirectory: <none>`].join('\n'));
    assert.equal(pbx.rx('moh show files').trim(), [`Class: default`, `\tFile: ${join(mohDir, 'tone600')}`].join('\n'));
    assert.match(pbx.output(), /musiconhold\.conf:8: class 'radio': mode=custom is not supported/);
  });

  test('re-INVITE sendonly: answered recvonly here, the other phone hears the class; sendrecv: they talk again', async () => {
    const c = await answered();
    const contact = hdr(c.ok, 'Contact');
    const reinvite = async (body: string): Promise<Msg> => {
      const cseq = alice.cseq++;
      alice.send(inDialogText(alice, c.call, 'INVITE', contact, body, cseq));
      const ok = await alice.response('INVITE', 200);
      alice.send(inDialogText(alice, c.call, 'ACK', contact, '', cseq));
      return ok;
    };
    alice.media.send(rtpPacket(1, 0, Buffer.alloc(160, 0x61)), c.toAlice);
    assert.ok(await bob.media.take((b) => b[12] === 0x61), 'they talk before the hold');

    const held = await reinvite(sdpWith(alice.media.port, 'sendonly'));
    assert.match(held.body, /a=recvonly/, 'the PBX answers the hold itself');
    assert.ok(await bob.media.take(carries(MOH_HZ), 1000), 'bob hears the music on hold class within 1 s');
    assert.ok(await bob.media.take(carries(MOH_HZ), 1000), 'and it goes on');
    assert.match(pbx.rx('moh show classes'), /Class: default\n\tMode: files\n\tDirectory: \S+\n\tUse Count: 1/);

    const resumed = await reinvite(sdp(alice.media.port));
    assert.match(resumed.body, /a=sendrecv/);
    for (let i = 0; i < 5; i++) alice.media.send(rtpPacket(10 + i, 0, Buffer.alloc(160, 0x62)), c.toAlice);
    assert.ok(await bob.media.take((b) => b[12] === 0x62), 'bob hears alice again after the resume');
    bob.media.send(rtpPacket(20, 0, Buffer.alloc(160, 0x63)), c.toBob);
    assert.ok(await alice.media.take((b) => b[12] === 0x63), 'and alice hears bob');
    assert.doesNotMatch(pbx.rx('moh show classes'), /Use Count/, 'nobody listens to the class any more');
    // Bob was never asked to hold: the only INVITE he got was the call's.
    assert.equal((await bob.sip.take((d) => d.toString('latin1').startsWith('INVITE '), 200)) === undefined, true);
    await hangUp(c);
  });

  test('Dial(SIP/2001,20,m): the caller hears the class instead of ringback until 2001 answers', async () => {
    const call = await alice.invite('700', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    const bobTag = 'm1';
    bob.reply(inv, 180, 'Ringing', { toTag: bobTag });
    const early = await alice.response('INVITE', 183);
    assert.equal(statusOf(early), 183, 'early media (183 with SDP) instead of 180');
    const toAlice = mediaPort(early.body);
    assert.ok(await alice.media.take(carries(MOH_HZ), 1000), 'the caller hears the music while 2001 rings');
    bob.reply(inv, 200, 'OK', { toTag: bobTag, body: sdp(bob.media.port, [0, 101]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    bob.media.send(rtpPacket(30, 0, Buffer.alloc(160, 0x64)), mediaPort(inv.body));
    assert.ok(await alice.media.take((b) => b[12] === 0x64), 'after the answer the caller hears 2001');
    alice.media.send(rtpPacket(31, 0, Buffer.alloc(160, 0x65)), toAlice);
    assert.ok(await bob.media.take((b) => b[12] === 0x65));
    await hangUp({ call, ok });
  });

  test('a flash on the sim FXS phone holds the call with music; a second flash takes it back', async () => {
    pbx.rx('sim phone 1 offhook');
    pbx.rx('sim phone 1 dial 2001');
    const inv = await bob.request('INVITE', 10_000);
    answerInvite(bob, inv, 'f1');
    await bob.request('ACK');
    const toBob = mediaPort(inv.body);
    await until('the call to be up', () => (/DAHDI\/1-\d+.*Up/.test(pbx.rx('core show channels')) ? true : undefined));
    // Bob keeps sending (the frame bridge is paced by both sides' audio).
    const talk = setInterval(() => bob.media.send(rtpPacket(40, 0, Buffer.alloc(160, 0xff)), toBob), 20);
    try {
      pbx.rx(`sim phone 1 tone ${SIM_HZ}`);
      assert.ok(await bob.media.take(carries(SIM_HZ)), 'bob hears the sim phone');
      pbx.rx('sim phone 1 flash');
      assert.ok(await bob.media.take(carries(MOH_HZ), 1000), 'flash: bob hears the music on hold');
      pbx.rx('sim phone 1 flash');
      // Drop what was queued during the hold, then the sim phone's tone must come back.
      assert.ok(await bob.media.take(carries(SIM_HZ)), 'second flash: bob hears the sim phone again');
      pbx.rx('sim phone 1 tone off');
      // The other way round: bob (SIP) holds, the analog phone hears the class.
      await until('the sim phone to hear bob (silence)', () => (/^1\s+phone\s+offhook\s+silence/m.test(pbx.rx('sim show')) ? true : undefined));
      const ok = calleeReinvite(inv, 'f1', 2, sdpWith(bob.media.port, 'sendonly'));
      assert.match((await ok).body, /a=recvonly/);
      // (The sim phone's detector names a steady tone it does not know "an unknown tone" or "audio".)
      await until('the sim phone to hear the music', () => (/^1\s+phone\s+offhook\s+(an unknown tone|audio)/m.test(pbx.rx('sim show')) ? true : undefined));
      assert.match((await calleeReinvite(inv, 'f1', 3, sdp(bob.media.port, [0, 101]))).body, /a=sendrecv/);
      await until('the sim phone to hear bob again', () => (/^1\s+phone\s+offhook\s+silence/m.test(pbx.rx('sim show')) ? true : undefined));
    } finally {
      clearInterval(talk);
      pbx.rx('sim phone 1 tone off');
    }
    pbx.rx('sim phone 1 onhook');
    const bye = await bob.request('BYE');
    bob.reply(bye, 200, 'OK');
    await until('no channels', () => (/^0 active channels/m.test(pbx.rx('core show channels')) ? true : undefined));
  });
});

/**
 * The first analog slice end to end, on the bundle with the sim backend: pbx.conf [analog] puts a
 * sim phone on FXS port 1 as extension 2100; a raw UDP SIP phone 2000 registers.
 *  - The sim phone goes off hook and dials 2000: the SIP phone gets the INVITE and answers; a
 *    tone it sends over RTP is heard by the sim phone (`sim show`), the sim phone's DTMF reaches
 *    the SIP phone's RTP and the SIP phone's RFC 4733 digit is heard in band by the sim phone;
 *    hanging the sim phone up sends the SIP phone a BYE.
 *  - The SIP phone dials 2100: the sim phone rings (`sim show`), going off hook answers (200 OK).
 *  - The sim exchange line on FXO port 2 rings with caller ID: the SIP phone gets an INVITE from
 *    that caller; answering takes the line off hook; the SIP phone's BYE releases it.
 *  - The SIP phone dials 9 + number routed to DAHDI/g1/${EXTEN:1}: the sim line is seized and
 *    decodes exactly the dialed digits; busy tone from the exchange, or the exchange dropping
 *    the loop, hangs the SIP phone up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { BUNDLE, sleep, type PbxProcess } from './harness.ts';
import { hdr, mediaPort, Phone, rtpPacket, sdp, statusOf } from './calls-phone.ts';
import { startSimPbx, until } from './analog-phone.ts';
import { ULAW_DECODE, ULAW_ENCODE, ULAW_SILENCE } from '../../src/media/g711.ts';
import { dominantFrequency } from '../../src/media/goertzel.ts';

/** 20 ms of a 1004 Hz test tone at about -10 dBm0, µ-law, starting at sample `n0`. */
function toneFrame(n0: number): Buffer {
  const out = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) out[i] = ULAW_ENCODE[Math.round(8000 * Math.sin((2 * Math.PI * 1004 * (n0 + i)) / 8000)) & 0xffff]!;
  return out;
}

function isAudible(packet: Buffer): boolean {
  const pt = packet[1]! & 0x7f;
  if (pt === 101) return true; // the digit as an RFC 4733 event
  if (pt !== 0) return false;
  // µ-law bytes near 0xFF/0x7F are near zero; DTMF is far from it.
  return packet.subarray(12).some((b) => (b & 0x7f) < 0x60);
}

function simPhone(pbx: PbxProcess): string {
  return pbx.rx('sim show').split('\n').find((l) => /^1\s+phone/.test(l)) ?? '';
}

/** `pbx -rx` without blocking this process (RTP keeps flowing while the console answers). */
function rxAsync(pbx: PbxProcess, cmd: string): Promise<string> {
  return new Promise((res, rej) => {
    execFile(process.execPath, [BUNDLE, '-rx', cmd, '--config', pbx.dir], { encoding: 'utf8' }, (e, out) => (e ? rej(e) : res(out)));
  });
}

describe('analog sim phone <-> SIP phone', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  before(async () => {
    pbx = await startSimPbx();
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    await alice.open();
    await alice.register();
  });
  after(async () => {
    alice.close();
    await pbx.stop();
  });

  test('the console shows the analog port', () => {
    assert.match(pbx.rx('dahdi show channels'), /^\s+1 2100\s+phones\s+en\s+default\s+In Service$/m);
    assert.match(simPhone(pbx), /^1\s+phone\s+onhook/);
  });

  test('sim phone dials 2000: INVITE, answer, audio both ways, on-hook sends BYE', async () => {
    pbx.rx('sim phone 1 offhook');
    assert.match(simPhone(pbx), /offhook\s+dial tone/);
    pbx.rx('sim phone 1 dial 2000');
    const inv = await alice.request('INVITE', 10_000);
    assert.match(hdr(inv, 'From'), /sip:2100@/, 'the caller ID is the port\'s extension');
    assert.match(pbx.rx('core show channels'), /DAHDI\/1-1\s+2000@phones\s+Ring(ing)?\s+Dial\(SIP\/2000,20\)/);
    const pbxMedia = mediaPort(inv.body);
    alice.reply(inv, 180, 'Ringing', { toTag: 'a1' });
    await until('ringback on the sim phone', () => (/ringback/.test(simPhone(pbx)) ? true : undefined));
    alice.reply(inv, 200, 'OK', { toTag: 'a1', body: sdp(alice.media.port, [0, 101]) });
    await alice.request('ACK');

    // SIP -> analog: a 1004 Hz tone for 1.6 s, paced like a phone.
    // Paced by the wall clock (every frame due is sent), as a phone's RTP stack does; the sim
    // is asked while the tone plays.
    let asked: Promise<string> | undefined;
    const start = Date.now();
    for (let i = 0; i < 150; ) {
      while (i < 150 && i * 20 <= Date.now() - start) {
        alice.media.send(rtpPacket(1000 + i, 0, toneFrame(i * 160)), pbxMedia);
        i++;
      }
      if (i >= 50 && !asked) asked = rxAsync(pbx, 'sim show');
      await sleep(5);
    }
    const hears = (await asked!).split('\n').find((l) => /^1\s+phone/.test(l)) ?? '';
    assert.match(hears, /offhook\s+(an unknown tone|audio)/, 'the sim phone hears the SIP phone');

    // analog -> SIP: until the sim phone presses a key the PBX sends it silence.
    const silent = await alice.media.take(() => true, 3000);
    assert.ok(silent, 'the PBX sends the SIP phone the analog audio');
    assert.equal(isAudible(silent), false);
    assert.equal(silent.subarray(12).every((b) => b === ULAW_SILENCE || b === 0x7f), true);
    pbx.rx('sim phone 1 dial 5');
    const heard = await alice.media.take(isAudible, 5000);
    assert.ok(heard, 'the sim phone\'s DTMF reaches the SIP phone');

    // analog -> SIP audio: the sim phone's microphone sends a 1004 Hz tone; the SIP phone's RTP
    // carries it (µ-law decoded, the dominant frequency of 8 consecutive voiced frames).
    await sleep(300); // let the digit's RFC 4733 packets pass
    pbx.rx('sim phone 1 tone 1004');
    const voiced = (p: Buffer): boolean => (p[1]! & 0x7f) === 0 && p.subarray(12).some((b) => (b & 0x7f) < 0x60);
    const samples: number[] = [];
    while (samples.length < 8 * 160) {
      const p = await alice.media.take(voiced, 3000);
      assert.ok(p, 'the sim phone\'s tone reaches the SIP phone');
      for (const b of p.subarray(12)) samples.push(ULAW_DECODE[b]!);
    }
    const f = dominantFrequency(samples);
    assert.ok(Math.abs(f.hz - 1004) <= 10, `the SIP phone hears ${f.hz} Hz`);
    pbx.rx('sim phone 1 tone off');

    // SIP -> analog DTMF: an RFC 4733 event for 7 is played in band; the sim phone decodes it.
    for (let i = 0; i < 6; i++) {
      const end = i >= 3;
      const p = rtpPacket(2000 + i, 101 | (i === 0 ? 0x80 : 0), Buffer.from([7, (end ? 0x80 : 0) | 10, 0, 0]));
      p.writeUInt16BE(Math.min(i + 1, 4) * 240, 14);
      p.writeUInt32BE(400_000, 4);
      alice.media.send(p, pbxMedia);
      await sleep(20);
    }
    await until('the sim phone to hear DTMF 7', () => (/heard DTMF 7/.test(simPhone(pbx)) ? true : undefined));

    pbx.rx('sim phone 1 onhook');
    const bye = await alice.request('BYE', 5000);
    alice.reply(bye, 200, 'OK');
    await until('the channels to end', () => (/0 active channels/.test(pbx.rx('core show channels')) ? true : undefined));
  });

  test('2000 dials 2100: the sim phone rings; off hook answers with 200 OK', async () => {
    const call = await alice.invite('2100', sdp(alice.media.port, [0, 101]));
    await until('the sim phone to ring', () => (/^1\s+phone\s+ringing/.test(simPhone(pbx)) ? true : undefined));
    const ringing = await alice.response('INVITE', 180, 5000, call.callId);
    assert.equal(statusOf(ringing), 180);
    pbx.rx('sim phone 1 offhook');
    const ok = await alice.response('INVITE', 200, 5000, call.callId);
    alice.ack(call, ok);
    assert.match(pbx.rx('core show channels'), /DAHDI\/1-2/);
    alice.bye(call, hdr(ok, 'Contact'));
    await alice.response('BYE', 200, 5000, call.callId);
    await until('the sim phone to hear congestion', () => (/congestion/.test(simPhone(pbx)) ? true : undefined));
    pbx.rx('sim phone 1 onhook');
    await until('the channels to end', () => (/0 active channels/.test(pbx.rx('core show channels')) ? true : undefined));
  });

  test('a call on the sim line (FXO 2) with caller ID rings the SIP phone; answer seizes the line; BYE releases it', async () => {
    pbx.rx('sim line 2 ring 5551234 "JOHN DOE"');
    // (An earlier call's retransmitted INVITE may still sit in the inbox: take the line's.)
    const inv = await alice.next((m) => m.first.startsWith('INVITE ') && /5551234/.test(hdr(m, 'From')), 15_000);
    assert.match(hdr(inv, 'From'), /"JOHN DOE" <sip:5551234@/);
    alice.reply(inv, 200, 'OK', { toTag: 'l1', body: sdp(alice.media.port, [0, 101]) });
    await alice.request('ACK');
    const line = (): string => pbx.rx('sim show').split('\n').find((l) => /^2\s+line/.test(l)) ?? '';
    await until('the line to be answered', () => (/offhook/.test(line()) ? true : undefined));
    assert.match(pbx.rx('core show channels'), /DAHDI\/2-1\s+s@from-line\s+Up/);
    const contact = hdr(inv, 'Contact');
    const call = { callId: hdr(inv, 'Call-ID'), fromTag: 'l1', exten: '5551234', cseq: 1, branch: '', body: '', toTag: /tag=([^;>\s]+)/.exec(hdr(inv, 'From'))?.[1] ?? '' };
    // A BYE from the callee side of the dialog: our tag is From, the PBX's is To.
    alice.send(
      [
        `BYE ${/<([^>]+)>/.exec(contact)?.[1] ?? contact} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${alice.sip.port};branch=z9hG4bKbye${Date.now()};rport`,
        `From: ${hdr(inv, 'To')};tag=${call.fromTag}`,
        `To: ${hdr(inv, 'From')}`,
        `Call-ID: ${call.callId}`,
        'CSeq: 1 BYE',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await alice.response('BYE', 200, 5000, call.callId);
    await until('the line to be released', () => (!/offhook/.test(line()) ? true : undefined));
    await until('the channels to end', () => (/0 active channels/.test(pbx.rx('core show channels')) ? true : undefined));
  });

  test('2000 dials 95551212 -> DAHDI/g1/5551212: the sim line decodes the digits; its busy tone hangs the caller up', async () => {
    const call = await alice.invite('95551212', sdp(alice.media.port, [0, 101]));
    const line = (): string => pbx.rx('sim show').split('\n').find((l) => /^2\s+line/.test(l)) ?? '';
    await until('the line to get the digits', () => (/PBX dialed 5551212\b/.test(line()) ? true : undefined), 10_000);
    assert.match(line(), /^2\s+line\s+offhook/);
    const ok = await alice.response('INVITE', 200, 10_000, call.callId);
    alice.ack(call, ok);
    pbx.rx('sim line 2 busy');
    const bye = await alice.next((m) => m.first.startsWith('BYE ') && hdr(m, 'Call-ID') === call.callId, 10_000);
    alice.reply(bye, 200, 'OK');
    await until('the channels to end', () => (/0 active channels/.test(pbx.rx('core show channels')) ? true : undefined));
  });

  test('2000 dials 95551234: the exchange dropping the loop (kewlstart disconnect) hangs the caller up', async () => {
    const call = await alice.invite('95551234', sdp(alice.media.port, [0, 101]));
    const line = (): string => pbx.rx('sim show').split('\n').find((l) => /^2\s+line/.test(l)) ?? '';
    await until('the line to get the digits', () => (/PBX dialed 5551234\b/.test(line()) ? true : undefined), 10_000);
    const ok = await alice.response('INVITE', 200, 10_000, call.callId);
    alice.ack(call, ok);
    pbx.rx('sim line 2 hangup');
    const bye = await alice.next((m) => m.first.startsWith('BYE ') && hdr(m, 'Call-ID') === call.callId, 10_000);
    alice.reply(bye, 200, 'OK');
    await until('the line to be released', () => (!/offhook/.test(line()) ? true : undefined));
    await until('the channels to end', () => (/0 active channels/.test(pbx.rx('core show channels')) ? true : undefined));
  });
});

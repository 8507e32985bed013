/**
 * Calls from outside, on the bundle: two raw UDP phones (a caller with digest auth and a callee
 * registered as 2001) talk through the PBX; RTP sent by one arrives at the other; CANCEL, busy,
 * codec mismatch, unknown numbers and unregistered phones give the caller the right final
 * response (what Asterisk's dialplan fall-through gives); 600 echoes RTP payloads; the console
 * lists and hangs up channels.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, runSipp, sleep, type PbxProcess } from './harness.ts';
import { hdr, mediaPort, Phone, rtpPacket, sdp, branch, startAliceAndBob, type AliceAndBob } from './calls-phone.ts';

describe('calls through the PBX', () => {
  let rig: AliceAndBob;
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  before(async () => {
    rig = await startAliceAndBob({ phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' } });
    ({ pbx, alice, bob } = rig);
  });
  after(() => rig?.close());

  test('2000 calls 2001: ringing relayed, answer bridged, RTP both ways through the PBX, BYE passed on', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    assert.match(hdr(inv, 'From'), /sip:2000@/);
    assert.match(inv.body, /m=audio \d+ RTP\/AVP 0 101/, 'the callee is offered the caller\'s codec and telephone-event');
    const pbxToBob = mediaPort(inv.body);
    bob.reply(inv, 180, 'Ringing', { toTag: 'bobtag' });
    await alice.response('INVITE', 180);
    assert.match(pbx.rx('core show channels'), /SIP\/2000-[0-9a-f]{8}\s+2001@\S+\s+Ringing\s+Dial\(SIP\/2001,20\)/);
    bob.reply(inv, 200, 'OK', { toTag: 'bobtag', body: sdp(bob.media.port, [0, 101]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    assert.match(ok.body, /m=audio \d+ RTP\/AVP 0 101/);
    const pbxToAlice = mediaPort(ok.body);
    assert.ok(pbxToAlice >= 31000 && pbxToAlice <= 31100, 'the PBX answers with a port from the rtp range');

    const payload = Buffer.alloc(160, 0x55);
    for (let i = 0; i < 3; i++) alice.media.send(rtpPacket(100 + i, 0, payload), pbxToAlice);
    const atBob = await bob.media.take(() => true);
    assert.ok(atBob, 'RTP from the caller reaches the callee');
    assert.deepEqual(atBob.subarray(12), payload);
    bob.media.sock.send(rtpPacket(7, 0, Buffer.alloc(160, 0x22)), pbxToBob, '127.0.0.1');
    const atAlice = await alice.media.take(() => true);
    assert.ok(atAlice, 'RTP from the callee reaches the caller');
    assert.deepEqual(atAlice.subarray(12), Buffer.alloc(160, 0x22));

    const shown = pbx.rx('core show channels');
    assert.match(shown, /2 active channels/);
    const concise = pbx.rx('core show channels concise');
    assert.match(concise, /^SIP\/2000-[0-9a-f]{8}!\S+!2001!1!Up!Dial!SIP\/2001,20!2000!.*!SIP\/2001-[0-9a-f]{8}!/m);
    alice.bye(call, hdr(ok, 'Contact'));
    const bye = await bob.request('BYE');
    bob.reply(bye, 200, 'OK');
    await alice.response('BYE', 200);
    await sleep(200);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('the callee hanging up sends BYE to the caller', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 200, 'OK', { toTag: 'bob2', body: sdp(bob.media.port, [0]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    bob.send(
      [
        `BYE ${/<([^>]+)>/.exec(hdr(inv, 'Contact'))?.[1]} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${bob.sip.port};branch=${branch()};rport`,
        `From: ${hdr(inv, 'To')};tag=bob2`,
        `To: ${hdr(inv, 'From')}`,
        `Call-ID: ${hdr(inv, 'Call-ID')}`,
        'CSeq: 2 BYE',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    await bob.response('BYE', 200);
    const bye = await alice.request('BYE');
    alice.reply(bye, 200, 'OK');
    await sleep(200);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('CANCEL before the answer: 487 to the caller, CANCEL to the callee', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 180, 'Ringing', { toTag: 'bob3' });
    await alice.response('INVITE', 180);
    alice.cancel(call);
    await alice.response('CANCEL', 200);
    const final = await alice.response('INVITE', 487);
    alice.ack(call, final);
    const cancel = await bob.request('CANCEL');
    bob.reply(cancel, 200, 'OK');
    bob.reply(inv, 487, 'Request Terminated', { toTag: 'bob3' });
    await bob.request('ACK');
    await sleep(200);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('busy callee (486) gives 486 to the caller', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 486, 'Busy Here', { toTag: 'bob4' });
    await bob.request('ACK');
    const final = await alice.response('INVITE', 486);
    alice.ack(call, final);
  });

  test('callee answering 480 gives 480 to the caller', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 480, 'Temporarily Unavailable', { toTag: 'bob5' });
    await bob.request('ACK');
    alice.ack(call, await alice.response('INVITE', 480));
  });

  test('an offer with only G.729 gets 488', async () => {
    const call = await alice.invite('2001', sdp(alice.media.port, [18]));
    alice.ack(call, await alice.response('INVITE', 488));
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('a malformed SDP offer gets 400 with a reason', async () => {
    const call = await alice.invite('2001', 'v=0\r\nthis is not sdp\r\n');
    const res = await alice.next((m) => m.first.startsWith('SIP/2.0 4') && hdr(m, 'CSeq').endsWith('INVITE'));
    alice.ack(call, res);
    assert.match(res.first, /^SIP\/2\.0 (400|488) \S/);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('a number that is not a phone gets 404; an unregistered phone gets 503 (CHANUNAVAIL, as chan_sip signals congestion)', async () => {
    const c1 = await alice.invite('7777', sdp(alice.media.port));
    alice.ack(c1, await alice.response('INVITE', 404));
    const c2 = await alice.invite('2002', sdp(alice.media.port));
    // Dial() ends with CHANUNAVAIL; the dialplan falls through and Asterisk indicates congestion.
    alice.ack(c2, await alice.response('INVITE', 503, 5000, c2.callId));
  });

  test('a wrong password gets 403 and no call', async () => {
    const c = await alice.invite('2001', sdp(alice.media.port), 'wrong-password');
    alice.ack(c, await alice.response('INVITE', 403));
  });

  test('600 echoes every RTP payload back', async () => {
    const call = await alice.invite('600', sdp(alice.media.port, [8, 101]));
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    assert.match(ok.body, /m=audio \d+ RTP\/AVP 8 101/);
    const port = mediaPort(ok.body);
    const payloads = [Buffer.alloc(160, 0x11), Buffer.alloc(160, 0x77)];
    payloads.forEach((p, i) => alice.media.send(rtpPacket(500 + i, 8, p), port));
    for (const p of payloads) {
      const back = await alice.media.take((b) => b.subarray(12).equals(p));
      assert.ok(back, 'payload echoed');
      assert.equal(back[1]! & 0x7f, 8, 'with the negotiated payload type');
    }
    // RFC 4733 digit 5: begin, then three end packets; the echo sends the digit back as events.
    const ev = (end: boolean, dur: number): Buffer => Buffer.from([5, end ? 0x8a : 0x0a, dur >> 8, dur & 0xff]);
    const evPacket = (seq: number, end: boolean, dur: number): Buffer => {
      const p = rtpPacket(seq, 101, ev(end, dur));
      p.writeUInt32BE(1_000_000, 4);
      return p;
    };
    alice.media.send(evPacket(600, false, 160), port);
    for (let i = 0; i < 3; i++) alice.media.send(evPacket(601 + i, true, 800), port);
    const digit = await alice.media.take((b) => (b[1]! & 0x7f) === 101 && b[12] === 5);
    assert.ok(digit, 'DTMF 5 echoed as telephone-event');
    assert.match(pbx.rx('core show channels'), /SIP\/2000-[0-9a-f]{8}\s+600@\S+\s+Up\s+Echo\(\)/);
    assert.match(pbx.rx('channel request hangup all'), /Requested Hangup on 1 channel/);
    const bye = await alice.request('BYE');
    alice.reply(bye, 200, 'OK');
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });

  test('two contacts of 2001 ring in parallel: the first to answer gets the call, the other gets CANCEL', async () => {
    const bob2 = new Phone('2001', 'Secr3t-2001', pbx.port);
    await bob2.open();
    try {
      await bob2.register();
      const call = await alice.invite('2001', sdp(alice.media.port));
      const inv1 = await bob.request('INVITE');
      const inv2 = await bob2.request('INVITE');
      bob.reply(inv1, 180, 'Ringing', { toTag: 'fork1' });
      bob2.reply(inv2, 180, 'Ringing', { toTag: 'fork2' });
      await alice.response('INVITE', 180);
      bob2.reply(inv2, 200, 'OK', { toTag: 'fork2', body: sdp(bob2.media.port, [0]) });
      await bob2.request('ACK');
      const cancel = await bob.request('CANCEL');
      bob.reply(cancel, 200, 'OK');
      bob.reply(inv1, 487, 'Request Terminated', { toTag: 'fork1' });
      await bob.request('ACK');
      const ok = await alice.response('INVITE', 200);
      alice.ack(call, ok);
      alice.media.send(rtpPacket(1, 0, Buffer.alloc(160, 0x33)), mediaPort(ok.body));
      assert.ok(await bob2.media.take(() => true), 'media goes to the phone that answered');
      alice.bye(call, hdr(ok, 'Contact'));
      const bye = await bob2.request('BYE');
      bob2.reply(bye, 200, 'OK');
      await alice.response('BYE', 200);
    } finally {
      bob2.close();
    }
  });

  test('SIPp calls 2001 with digest auth and plays a G.711 A-law pcap: the RTP arrives at the callee', async () => {
    const mediaPortSipp = await freePort();
    const sipp = runSipp('call-auth-pcap.xml', pbx.port, ['-s', '2001', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-mp', String(mediaPortSipp), '-auth_uri', `2001@127.0.0.1:${pbx.port}`], { timeoutS: 15 });
    const inv = await bob.request('INVITE', 8000).catch(async (e: unknown) => {
      const r = await sipp;
      throw new Error(`${String(e)}; sipp exited ${r.status}:\n${r.stderr}\n${r.errors}\n${pbx.output().slice(-2000)}`);
    });
    assert.match(inv.body, /RTP\/AVP 8\b/, 'the callee is offered the caller\'s A-law');
    bob.reply(inv, 200, 'OK', { toTag: 'sipp1', body: sdp(bob.media.port, [8]) });
    await bob.request('ACK');
    // Earlier tests may have left µ-law packets in bob's queue; the pcap's are A-law (PT 8).
    const first = await bob.media.take((b) => (b[1]! & 0x7f) === 8, 5000);
    assert.ok(first, 'pcap RTP (A-law) reaches the callee through the PBX');
    const bye = await bob.request('BYE', 8000);
    bob.reply(bye, 200, 'OK');
    const r = await sipp;
    assert.equal(r.status, 0, `sipp failed:\n${r.stderr}\n${r.errors}`);
  });
});

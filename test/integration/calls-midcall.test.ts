/**
 * Calls under bad conditions and mid-call changes, on the bundle, with raw UDP phones:
 * RTP from an address the SDP did not name is dropped (nat=no) or latched onto (nat=yes); a phone
 * that stops sending RTP is hung up after its sip.conf `rtptimeout` and the other side gets BYE; hold
 * and unhold by re-INVITE or UPDATE are answered by the PBX (the other phone hears music on hold
 * instead of getting a re-INVITE, as with Asterisk), and media flows again after unhold; Max-Forwards 0 gets 483 and is decremented on the way; an INVITE that is our
 * own call coming back, or a copy of a call arriving by another path, gets 482 Loop Detected.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sleep, startPbx, type PbxProcess } from './harness.ts';
import { branch, hdr, inDialogText, Inbox, mediaPort, Phone, rtpPacket, sdp, sdpWith, type Call, type Msg } from './calls-phone.ts';

describe('calls: media sources, RTP timeout, hold, hops and loops', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;
  before(async () => {
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob' },
      files: {
        // Phones follow [general] nat=no; 2002 is a sip.conf phone behind NAT (nat=yes) whose
        // calls end after 2 s without RTP.
        'sip.conf': [
          '[general]',
          'nat=no',
          '',
          '[2002]',
          'type=friend',
          'host=dynamic',
          'secret=Secr3t-2002',
          'context=phones',
          'nat=yes',
          'rtptimeout=2',
          '',
        ].join('\n'),
      },
    });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    carol = new Phone('2002', 'Secr3t-2002', pbx.port);
    for (const p of [alice, bob, carol]) await p.open();
    await bob.register();
  });
  after(async () => {
    for (const p of [alice, bob, carol]) p.close();
    await pbx.stop();
  });

  /** `caller` calls 2001 and bob answers; returns the call and both media ports of the PBX. */
  async function answered(caller: Phone): Promise<{ call: Call; ok: Msg; inv: Msg; toCaller: number; toBob: number }> {
    const call = await caller.invite('2001', sdp(caller.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 200, 'OK', { toTag: `b${randomBytes(3).toString('hex')}`, body: sdp(bob.media.port, [0, 101]) });
    await bob.request('ACK');
    const ok = await caller.response('INVITE', 200);
    caller.ack(call, ok);
    return { call, ok, inv, toCaller: mediaPort(ok.body), toBob: mediaPort(inv.body) };
  }

  async function hangUp(caller: Phone, c: { call: Call; ok: Msg }): Promise<void> {
    caller.bye(c.call, hdr(c.ok, 'Contact'));
    const bye = await bob.request('BYE');
    bob.reply(bye, 200, 'OK');
    await caller.response('BYE', 200);
    for (let i = 0; i < 20 && !/^0 active channels/m.test(pbx.rx('core show channels')); i++) await sleep(50);
  }

  function legOf(peer: string): string {
    const m = new RegExp(`^(SIP/${peer}-[0-9a-f]{8})!`, 'm').exec(pbx.rx('core show channels concise'));
    assert.ok(m, `a channel for ${peer}`);
    return m[1]!;
  }

  test('nat=no: RTP from an address the caller did not announce is not relayed', async () => {
    const c = await answered(alice);
    const stranger = new Inbox();
    await stranger.bind();
    try {
      stranger.send(rtpPacket(1, 0, Buffer.alloc(160, 0x99)), c.toCaller);
      stranger.send(rtpPacket(2, 0, Buffer.alloc(160, 0x99)), c.toCaller);
      alice.media.send(rtpPacket(3, 0, Buffer.alloc(160, 0x44)), c.toCaller);
      const first = await bob.media.take(() => true);
      assert.ok(first, 'the caller\'s own RTP arrives');
      assert.deepEqual(first.subarray(12), Buffer.alloc(160, 0x44), 'and the stranger\'s packets, sent before it, did not');
      assert.match(pbx.rx(`core show channel ${legOf('2000')}`), /RTP Packets: received 1, sent \d+, ignored 2/);
    } finally {
      stranger.close();
    }
    await hangUp(alice, c);
  });

  test('nat=yes: the PBX latches onto where the RTP really comes from and sends there', async () => {
    const c = await answered(carol);
    const natted = new Inbox(); // the NAT's public address, not the one in carol's SDP
    await natted.bind();
    try {
      natted.send(rtpPacket(1, 0, Buffer.alloc(160, 0x31)), c.toCaller);
      const atBob = await bob.media.take((b) => b[12] === 0x31);
      assert.ok(atBob, 'RTP from the latched address is relayed');
      bob.media.send(rtpPacket(9, 0, Buffer.alloc(160, 0x32)), c.toBob);
      const back = await natted.take((b) => b[12] === 0x32);
      assert.ok(back, 'and the other side\'s RTP goes to the latched address');
    } finally {
      natted.close();
    }
    await hangUp(carol, c);
  });

  test('a caller that stops sending RTP is hung up after its rtptimeout; both phones get BYE', async () => {
    const c = await answered(carol);
    // Bob keeps talking; carol has vanished (never sends).
    const talk = setInterval(() => bob.media.send(rtpPacket(5, 0, Buffer.alloc(160, 0x10)), c.toBob), 100);
    try {
      const byeCarol = await carol.request('BYE', 6000);
      carol.reply(byeCarol, 200, 'OK');
      const byeBob = await bob.request('BYE', 3000);
      bob.reply(byeBob, 200, 'OK');
    } finally {
      clearInterval(talk);
    }
    for (let i = 0; i < 20 && !/^0 active channels/m.test(pbx.rx('core show channels')); i++) await sleep(50);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
    assert.match(pbx.output(), /Disconnecting call 'SIP\/2002-[0-9a-f]{8}' for lack of RTP activity in 2 seconds/);
  });

  test('hold by re-INVITE (sendonly) and UPDATE (inactive) is answered here, the other side hears music; media flows after unhold', async () => {
    const c = await answered(alice);
    const contact = hdr(c.ok, 'Contact');
    // Hold: alice sends only; the PBX answers it and plays the default class to bob.
    const reinvite = (body: string): number => {
      const cseq = alice.cseq++;
      alice.send(inDialogText(alice, c.call, 'INVITE', contact, body, cseq));
      return cseq;
    };
    const ackFor = (cseq: number): void => alice.send(inDialogText(alice, c.call, 'ACK', contact, '', cseq));
    const s1 = reinvite(sdpWith(alice.media.port, 'sendonly'));
    const ok1 = await alice.response('INVITE', 200);
    assert.match(ok1.body, /a=recvonly/, 'RFC 3264: sendonly is answered recvonly');
    assert.equal(mediaPort(ok1.body), c.toCaller, 'the PBX keeps its media port');
    ackFor(s1);
    // Music: non-silent µ-law from the PBX (Debian's default class, asterisk-moh-opsound-wav).
    const loud = (b: Buffer): boolean => b.length > 12 && b.subarray(12).some((x) => (x & 0x7f) < 0x60);
    assert.ok(await bob.media.take(loud), 'bob hears music on hold instead of a re-INVITE');
    assert.match(pbx.rx('sip show channels'), /\s+Yes\s+/);
    // UPDATE with inactive (RFC 3311): answered in its 200; still on hold.
    alice.send(inDialogText(alice, c.call, 'UPDATE', contact, sdpWith(alice.media.port, 'inactive')));
    const ok2 = await alice.response('UPDATE', 200);
    assert.match(ok2.body, /a=inactive/);
    // Unhold.
    const s3 = reinvite(sdp(alice.media.port));
    const ok3 = await alice.response('INVITE', 200);
    assert.match(ok3.body, /a=sendrecv/);
    ackFor(s3);
    assert.doesNotMatch(pbx.rx('sip show channels'), /\s+Yes\s+/);
    alice.media.send(rtpPacket(40, 0, Buffer.alloc(160, 0x61)), c.toCaller);
    assert.ok(await bob.media.take((b) => b[12] === 0x61), 'caller -> callee after unhold');
    bob.media.send(rtpPacket(41, 0, Buffer.alloc(160, 0x62)), c.toBob);
    assert.ok(await alice.media.take((b) => b[12] === 0x62), 'callee -> caller after unhold');
    await hangUp(alice, c);
  });

  test('Max-Forwards: 0 gets 483 Too Many Hops; otherwise the callee sees one hop less', async () => {
    const call: Call = { callId: randomBytes(6).toString('hex'), fromTag: alice.tag, exten: '2001', cseq: alice.cseq++, branch: branch(), body: sdp(alice.media.port), toTag: '', maxForwards: 0 };
    alice.send(alice.inviteText(call));
    const res = await alice.response('INVITE', 483);
    assert.equal(res.first, 'SIP/2.0 483 Too Many Hops');
    alice.ack(call, res);
    const c2 = await alice.invite('2001', sdp(alice.media.port), undefined, { maxForwards: 5 });
    const inv = await bob.request('INVITE');
    assert.equal(hdr(inv, 'Max-Forwards'), '4');
    bob.reply(inv, 486, 'Busy Here', { toTag: 'mf' });
    await bob.request('ACK');
    alice.ack(c2, await alice.response('INVITE', 486));
  });

  test('loops: our own INVITE coming back, and a merged copy of a call, get 482 Loop Detected', async () => {
    const c = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    // Bob's phone "forwards" the INVITE back to the PBX with the same Call-ID.
    const back: Call = { callId: hdr(inv, 'Call-ID'), fromTag: bob.tag, exten: '2000', cseq: 1, branch: branch(), body: sdp(bob.media.port), toTag: '' };
    bob.send(bob.inviteText(back));
    const loop = await bob.response('INVITE', 482);
    bob.ack(back, loop);
    // The caller's INVITE arrives a second time by another path (same Call-ID, From tag, CSeq; new branch).
    const copy: Call = { ...c, branch: branch() };
    alice.send(alice.inviteText(copy));
    const merged = await alice.next((m) => m.first.startsWith('SIP/2.0 482') && hdr(m, 'CSeq').endsWith('INVITE') && hdr(m, 'Via').includes(copy.branch));
    assert.equal(merged.first, 'SIP/2.0 482 Loop Detected');
    alice.ack(copy, merged);
    // The original call is untouched.
    bob.reply(inv, 486, 'Busy Here', { toTag: 'lp' });
    await bob.request('ACK');
    alice.ack(c, await alice.response('INVITE', 486));
  });
});

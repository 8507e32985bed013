/**
 * A ring group written the Asterisk way, `Dial(SIP/2001&SIP/2002,20)`, on the bundle with two
 * different phones: both ring, the first to answer gets the call (and the caller's audio), the
 * other gets CANCEL; when nobody answers in time both get CANCEL and the caller hears 480.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPbx, type PbxProcess } from './harness.ts';
import { hdr, mediaPort, Phone, rtpPacket, sdp } from './calls-phone.ts';

const EXTENSIONS = `
[phones]
include => pbx-phones
exten => 700,1,Dial(SIP/2001&SIP/2002,20)
exten => 701,1,Dial(SIP/2001&SIP/2002,2)
`;

describe('ring group Dial(SIP/2001&SIP/2002)', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;
  before(async () => {
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' },
      files: { 'extensions.conf': EXTENSIONS },
    });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    carol = new Phone('2002', 'Secr3t-2002', pbx.port);
    for (const p of [alice, bob, carol]) await p.open();
    await bob.register();
    await carol.register();
  });
  after(async () => {
    for (const p of [alice, bob, carol]) p.close();
    await pbx.stop();
  });

  test('both phones ring; the first to answer gets the call and the audio, the other gets CANCEL', async () => {
    const call = await alice.invite('700', sdp(alice.media.port));
    const toBob = await bob.request('INVITE');
    const toCarol = await carol.request('INVITE');
    bob.reply(toBob, 180, 'Ringing', { toTag: 'bob-rg' });
    carol.reply(toCarol, 180, 'Ringing', { toTag: 'carol-rg' });
    await alice.response('INVITE', 180);
    carol.reply(toCarol, 200, 'OK', { toTag: 'carol-rg', body: sdp(carol.media.port, [0]) });
    await carol.request('ACK');
    const cancel = await bob.request('CANCEL');
    bob.reply(cancel, 200, 'OK');
    bob.reply(toBob, 487, 'Request Terminated', { toTag: 'bob-rg' });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    alice.ack(call, ok);
    alice.media.send(rtpPacket(1, 0, Buffer.alloc(160, 0x44)), mediaPort(ok.body));
    const atCarol = await carol.media.take(() => true);
    assert.ok(atCarol, 'the caller is heard by the phone that answered');
    assert.deepEqual(atCarol.subarray(12), Buffer.alloc(160, 0x44));
    alice.bye(call, hdr(ok, 'Contact'));
    const bye = await carol.request('BYE');
    carol.reply(bye, 200, 'OK');
    await alice.response('BYE', 200);
  });

  test('nobody answers within the Dial timeout: both phones get CANCEL, the caller 480', async () => {
    const call = await alice.invite('701', sdp(alice.media.port));
    const toBob = await bob.request('INVITE');
    const toCarol = await carol.request('INVITE');
    bob.reply(toBob, 180, 'Ringing', { toTag: 'bob-na' });
    carol.reply(toCarol, 180, 'Ringing', { toTag: 'carol-na' });
    for (const [phone, inv, tag] of [[bob, toBob, 'bob-na'], [carol, toCarol, 'carol-na']] as const) {
      const cancel = await phone.request('CANCEL', 6000);
      phone.reply(cancel, 200, 'OK');
      phone.reply(inv, 487, 'Request Terminated', { toTag: tag });
      await phone.request('ACK');
    }
    const final = await alice.response('INVITE', 480, 6000, call.callId);
    assert.ok(final, 'NOANSWER reaches an unanswered SIP caller as 480');
  });
});

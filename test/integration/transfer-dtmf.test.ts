/**
 * In-call DTMF transfer features on the bundle (features.conf defaults: blindxfer `#`, atxfer
 * `*2`), enabled by Dial's t/T, typed as RFC 4733 events by raw phones: 2000 (A) calls 3001,
 * which is `Dial(SIP/2001,20,tT)`; 2001 (B) answers.
 *  - A digit that starts no feature reaches the other party as a telephone-event.
 *  - `#2002`: A hears music/silence, then A is sent to 2002 (C rings); B gets BYE; A and C talk.
 *    The `#` never reaches A.
 *  - `#2002` typed by the caller (T): B goes to 2002, A is hung up.
 *  - `*2` 2002: B calls C while A waits; C answers, B and C talk; B hangs up: A and C talk.
 *  - `*2` 2002 not answered within atxfernoanswertimeout (2 s here): C gets CANCEL, A and B talk.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hdr, type Phone } from './calls-phone.ts';
import { ALICE_BOB_CAROL, answerNext, callAnswered, calleeRequest, hears, PhoneRig, receivesDigit, talk, typeDigits, type AnsweredCall } from './transfer-phone.ts';

const A_HZ = 700;
const B_HZ = 900;
const C_HZ = 1300;

describe('DTMF transfer features (Dial t/T)', () => {
  let rig: PhoneRig;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;

  before(async () => {
    rig = await PhoneRig.start({
      phones: ALICE_BOB_CAROL,
      files: {
        'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 3001,1,Dial(SIP/2001,20,tT)\n same => n,Hangup()\n',
        // A short no-answer time for the attended transfer that nobody answers.
        'features.conf': '[general]\natxfernoanswertimeout = 2\n',
      },
    });
    [alice, bob, carol] = ['2000', '2001', '2002'].map((u) => rig.phone(u)) as [Phone, Phone, Phone];
  });
  after(async () => {
    await rig?.close();
  });

  /** A calls 3001, B answers. */
  const call = (): Promise<AnsweredCall> => callAnswered(alice, bob, '3001');

  test('a digit that starts no feature is passed on to the other party', async () => {
    const ab = await call();
    await typeDigits(bob, ab.leg.pbxMedia, '5');
    assert.ok(await receivesDigit(alice.media, '5'), 'A receives B\'s 5');
    await rig.hangUp(alice, ab.c, ab.ok, bob, hdr(ab.leg.inv, 'Call-ID'));
  });

  test('# then 2002 (blind transfer by the called party): A talks to C, B is hung up, # never reaches A', async () => {
    const ab = await call();
    await typeDigits(bob, ab.leg.pbxMedia, '#2002');
    await rig.byeOf(bob, hdr(ab.leg.inv, 'Call-ID'));
    const toC = await answerNext(carol);
    await talk({ phone: alice, port: ab.toCaller, hz: A_HZ, name: 'A' }, { phone: carol, port: toC.pbxMedia, hz: C_HZ, name: 'C' });
    assert.equal(await receivesDigit(alice.media, '#', 0), false, 'the # was held back');
    await rig.hangUp(alice, ab.c, ab.ok, carol, hdr(toC.inv, 'Call-ID'));
  });

  test('# then 2002 by the caller (T): B talks to C, A is hung up', async () => {
    const ab = await call();
    await typeDigits(alice, ab.toCaller, '#2002');
    await rig.byeOf(alice, ab.c.callId);
    const toC = await answerNext(carol);
    await talk({ phone: bob, port: ab.leg.pbxMedia, hz: B_HZ, name: 'B' }, { phone: carol, port: toC.pbxMedia, hz: C_HZ, name: 'C' });
    calleeRequest(bob, ab.leg, 'BYE', []);
    await bob.response('BYE');
    await rig.byeOf(carol, hdr(toC.inv, 'Call-ID'));
    await rig.idle();
  });

  test('*2 then 2002 (attended transfer by the called party): B consults C, hangs up, A and C talk', async () => {
    const ab = await call();
    const stopA = rig.tone(alice, ab.toCaller, A_HZ);
    await typeDigits(bob, ab.leg.pbxMedia, '*22002');
    const toC = await answerNext(carol);
    // B and C talk while A waits.
    const stopB = rig.tone(bob, ab.leg.pbxMedia, B_HZ);
    const stopC = rig.tone(carol, toC.pbxMedia, C_HZ);
    assert.ok(await hears(carol.media, B_HZ), 'C hears B during the consultation');
    assert.ok(await hears(bob.media, C_HZ), 'B hears C during the consultation');
    stopB();
    // B hangs up: A and C are bridged.
    calleeRequest(bob, ab.leg, 'BYE', []);
    await bob.response('BYE');
    assert.ok(await hears(carol.media, A_HZ), 'C hears A');
    assert.ok(await hears(alice.media, C_HZ), 'A hears C');
    stopA();
    stopC();
    await rig.hangUp(alice, ab.c, ab.ok, carol, hdr(toC.inv, 'Call-ID'));
  });

  test('*2 then 2002 that is not answered within atxfernoanswertimeout: C is cancelled, A and B talk again', async () => {
    const ab = await call();
    await typeDigits(bob, ab.leg.pbxMedia, '*22002');
    const inv = await carol.request('INVITE');
    carol.reply(inv, 180, 'Ringing', { toTag: 'ring1' });
    const cancel = await carol.request('CANCEL', 6000);
    carol.reply(cancel, 200, 'OK');
    carol.reply(inv, 487, 'Request Terminated', { toTag: 'ring1' });
    await talk({ phone: alice, port: ab.toCaller, hz: 650, name: 'A' }, { phone: bob, port: ab.leg.pbxMedia, hz: 1150, name: 'B' }, ' again');
    await rig.hangUp(alice, ab.c, ab.ok, bob, hdr(ab.leg.inv, 'Call-ID'));
  });
});

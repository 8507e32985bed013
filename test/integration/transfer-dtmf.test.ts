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
import { startPbx, type PbxProcess } from './harness.ts';
import { hdr, mediaPort, Phone, sdp, type Call, type Msg } from './calls-phone.ts';
import { until } from './analog-phone.ts';
import { answerMwi, answerNext, calleeRequest, hears, receivesDigit, sendTone, typeDigits, type Answered } from './transfer-phone.ts';

const A_HZ = 700;
const B_HZ = 900;
const C_HZ = 1300;

describe('DTMF transfer features (Dial t/T)', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;
  const stops: (() => void)[] = [];

  before(async () => {
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice', '2001': 'Secr3t-2001, Bob', '2002': 'Secr3t-2002, Carol' },
      files: {
        'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 3001,1,Dial(SIP/2001,20,tT)\n same => n,Hangup()\n',
        // A short no-answer time for the attended transfer that nobody answers.
        'features.conf': '[general]\natxfernoanswertimeout = 2\n',
      },
    });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    carol = new Phone('2002', 'Secr3t-2002', pbx.port);
    for (const p of [alice, bob, carol]) {
      await p.open();
      answerMwi(p);
      await p.register();
    }
  });
  after(async () => {
    for (const s of stops) s();
    for (const p of [alice, bob, carol]) p.close();
    await pbx.stop();
  });

  function tone(phone: Phone, port: number, hz: number): () => void {
    const stop = sendTone(phone, port, hz);
    stops.push(stop);
    return stop;
  }

  async function byeOf(phone: Phone, callId: string): Promise<Msg> {
    const bye = await phone.next((m) => m.first.startsWith('BYE ') && hdr(m, 'Call-ID') === callId, 8000);
    phone.reply(bye, 200, 'OK');
    return bye;
  }

  async function idle(): Promise<void> {
    await until('no channels', () => (/^0 active channels/m.test(pbx.rx('core show channels')) ? true : undefined), 8000);
  }

  /** A calls 3001, B answers. */
  async function call(): Promise<{ c: Call; ok: Msg; leg: Answered; toA: number }> {
    const c = await alice.invite('3001', sdp(alice.media.port, [0, 101]));
    const leg = await answerNext(bob);
    const ok = await alice.response('INVITE', 200, 5000, c.callId);
    alice.ack(c, ok);
    return { c, ok, leg, toA: mediaPort(ok.body) };
  }

  test('a digit that starts no feature is passed on to the other party', async () => {
    const ab = await call();
    await typeDigits(bob, ab.leg.pbxMedia, '5');
    assert.ok(await receivesDigit(alice.media, '5'), 'A receives B\'s 5');
    alice.bye(ab.c, hdr(ab.ok, 'Contact'));
    await alice.response('BYE', 200);
    await byeOf(bob, hdr(ab.leg.inv, 'Call-ID'));
    await idle();
  });

  test('# then 2002 (blind transfer by the called party): A talks to C, B is hung up, # never reaches A', async () => {
    const ab = await call();
    await typeDigits(bob, ab.leg.pbxMedia, '#2002');
    await byeOf(bob, hdr(ab.leg.inv, 'Call-ID'));
    const toC = await answerNext(carol);
    const stopA = tone(alice, ab.toA, A_HZ);
    const stopC = tone(carol, toC.pbxMedia, C_HZ);
    assert.ok(await hears(carol.media, A_HZ), 'C hears A');
    assert.ok(await hears(alice.media, C_HZ), 'A hears C');
    assert.equal(await receivesDigit(alice.media, '#', 0), false, 'the # was held back');
    stopA();
    stopC();
    alice.bye(ab.c, hdr(ab.ok, 'Contact'));
    await alice.response('BYE', 200);
    await byeOf(carol, hdr(toC.inv, 'Call-ID'));
    await idle();
  });

  test('# then 2002 by the caller (T): B talks to C, A is hung up', async () => {
    const ab = await call();
    await typeDigits(alice, ab.toA, '#2002');
    await byeOf(alice, ab.c.callId);
    const toC = await answerNext(carol);
    const stopB = tone(bob, ab.leg.pbxMedia, B_HZ);
    const stopC = tone(carol, toC.pbxMedia, C_HZ);
    assert.ok(await hears(carol.media, B_HZ), 'C hears B');
    assert.ok(await hears(bob.media, C_HZ), 'B hears C');
    stopB();
    stopC();
    calleeRequest(bob, ab.leg, 'BYE', []);
    await bob.response('BYE');
    await byeOf(carol, hdr(toC.inv, 'Call-ID'));
    await idle();
  });

  test('*2 then 2002 (attended transfer by the called party): B consults C, hangs up, A and C talk', async () => {
    const ab = await call();
    const stopA = tone(alice, ab.toA, A_HZ);
    await typeDigits(bob, ab.leg.pbxMedia, '*22002');
    const toC = await answerNext(carol);
    // B and C talk while A waits.
    const stopB = tone(bob, ab.leg.pbxMedia, B_HZ);
    const stopC = tone(carol, toC.pbxMedia, C_HZ);
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
    alice.bye(ab.c, hdr(ab.ok, 'Contact'));
    await alice.response('BYE', 200);
    await byeOf(carol, hdr(toC.inv, 'Call-ID'));
    await idle();
  });

  test('*2 then 2002 that is not answered within atxfernoanswertimeout: C is cancelled, A and B talk again', async () => {
    const ab = await call();
    await typeDigits(bob, ab.leg.pbxMedia, '*22002');
    const inv = await carol.request('INVITE');
    carol.reply(inv, 180, 'Ringing', { toTag: 'ring1' });
    const cancel = await carol.request('CANCEL', 6000);
    carol.reply(cancel, 200, 'OK');
    carol.reply(inv, 487, 'Request Terminated', { toTag: 'ring1' });
    const stopA = tone(alice, ab.toA, 650);
    const stopB = tone(bob, ab.leg.pbxMedia, 1150);
    assert.ok(await hears(bob.media, 650), 'B hears A again');
    assert.ok(await hears(alice.media, 1150), 'A hears B again');
    stopA();
    stopB();
    alice.bye(ab.c, hdr(ab.ok, 'Contact'));
    await alice.response('BYE', 200);
    await byeOf(bob, hdr(ab.leg.inv, 'Call-ID'));
    await idle();
  });
});

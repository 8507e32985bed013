/**
 * Call parking on the bundle (features.conf, res_features behaviour), with raw UDP phones:
 *  - Dialling 700 parks the caller: it hears its space said (digits/7 0 1, matched frame by frame
 *    against the installed prompts), then the music on hold class (a generated 600 Hz file);
 *    `parkedcalls show` lists it; another phone dials 701 and the two hear each other.
 *  - A transfer to 700 (REFER from the callee) parks the caller and says 701 to the transferer,
 *    whose leg then ends; after parkingtime the parked call rings the transferer's phone back
 *    (comebacktoorigin) and they talk again.
 *  - A full lot: the caller hears pbx-parkingfailed and the PBX hangs up; a parked caller who
 *    hangs up frees the space; ParkedCall on an empty space plays pbx-invalidpark and hangs up.
 *  - `pbx check`: a misspelt features.conf key or a bad value is an error with file:line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mohTone, pbxCheck, type PbxProcess } from './harness.ts';
import { hdr, type Phone, statusOf } from './calls-phone.ts';
import { callAndAnswer, framesOf, type ActiveCall } from './dialplan-phone.ts';
import { until } from './analog-phone.ts';
import { ALICE_BOB_CAROL, answerNext, callAnswered, calleeRequest, hears, PhoneRig, talk } from './transfer-phone.ts';

const MOH_HZ = 600;
const A_HZ = 1000;
const B_HZ = 1400;
const PARKINGTIME = 6;

describe('call parking', () => {
  let rig: PhoneRig;
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;
  let mohDir: string;
  const calls: ActiveCall[] = [];

  before(async () => {
    const moh = mohTone(MOH_HZ);
    mohDir = moh.dir;
    rig = await PhoneRig.start({
      phones: ALICE_BOB_CAROL,
      files: {
        'musiconhold.conf': moh.conf,
        'features.conf': `[general]\nparkext => 700\nparkpos => 701-702\ncontext => parkedcalls\nparkingtime => ${PARKINGTIME}\ncomebacktoorigin = yes\ncomebackdialtime = 20\n`,
        // 750 parks for a minute whatever parkingtime says (Park's timeout argument, in ms).
        'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 750,1,Park(60000)\n',
      },
    });
    pbx = rig.pbx;
    [alice, bob, carol] = ['2000', '2001', '2002'].map((u) => rig.phone(u)) as [Phone, Phone, Phone];
  });
  after(async () => {
    for (const c of calls) c.stop();
    await rig?.close();
    rmSync(mohDir, { recursive: true, force: true });
  });

  async function answered(phone: Phone, exten: string): Promise<ActiveCall> {
    const c = await callAndAnswer(phone, exten);
    calls.push(c);
    return c;
  }

  /** Waits until `prompts` have each been heard (enough matching frames) on `call`. */
  async function heard(call: ActiveCall, prompts: string[], ms = 8000): Promise<void> {
    await until(`${prompts.join(', ')} to be heard`, () => (prompts.every((p) => framesOf(p, call.audio()) >= 5) ? true : undefined), ms);
  }

  test('pbx check: features.conf typos and bad values are errors with file:line; Asterisk keys not acted on are warnings', () => {
    const r = pbxCheck({
      'pbx.conf': '[system]\nsip = 127.0.0.1:5060\n\n[phones]\n2000 = amber-kettle-42, Alice\n',
      'features.conf': '[general]\nparkinghints = yes\nparkingtme => 45\nparkpos => 720-701\n',
    });
    assert.equal(r.status, 1);
    assert.match(r.out, /warning: features\.conf:2: .*parkinghints/);
    assert.match(r.out, /features\.conf:3: unknown features\.conf \[general\] key 'parkingtme' \(did you mean 'parkingtime'\?\)/);
    assert.match(r.out, /features\.conf:4: parkpos: the range 720-701 is empty/);
  });

  test('the parking context is generated and reachable from the phones', () => {
    const shown = pbx.rx('dialplan show parkedcalls');
    assert.match(shown, /'700' => +1\. Park\(\)/);
    assert.match(shown, /'701' => +1\. ParkedCall\(701\)/);
    assert.match(shown, /'702' => +1\. ParkedCall\(702\)/);
    assert.match(pbx.rx('dialplan show pbx-phones'), /Include => +'parkedcalls'/);
  });

  test('dialling 700 parks the caller: it hears 701 then music; 701 from another phone connects them', async () => {
    const parked = await answered(alice, '700');
    await heard(parked, ['digits/7', 'digits/0', 'digits/1']);
    assert.ok(await hears(alice.media, MOH_HZ, 4000), 'the parked caller hears the music on hold class');
    const shown = pbx.rx('parkedcalls show');
    assert.match(shown, /^\s*Num\s+Channel\s+\(Context\s+Extension\s+Pri\s*\)\s+Timeout/m);
    assert.match(shown, /^701\s+SIP\/2000-\S+ \(phones\s+700\s+1\s*\)\s+\d+s$/m);
    assert.match(shown, /^1 parked call\.$/m);
    parked.stop();

    const retriever = await answered(bob, '701');
    retriever.stop();
    await talk({ phone: alice, port: parked.pbxMedia, hz: A_HZ, name: 'the parked caller' }, { phone: bob, port: retriever.pbxMedia, hz: B_HZ, name: 'the retriever' });
    assert.match(pbx.rx('parkedcalls show'), /^0 parked calls\.$/m);
    await rig.hangUp(alice, parked.call, parked.ok, bob, retriever.call.callId);
  });

  test('a transfer to 700 says 701 to the transferer; after parkingtime the call rings the transferer back', async () => {
    // Alice calls bob; bob transfers her to the parking extension.
    const { c, ok, leg, toCaller } = await callAnswered(alice, bob, '2001');
    const bobAudio: Buffer[] = [];
    const collect = (m: Buffer): void => {
      if (m.length === 172 && (m[1]! & 0x7f) === 0) bobAudio.push(m.subarray(12));
    };
    bob.media.sock.on('message', collect);
    try {
      calleeRequest(bob, leg, 'REFER', ['Refer-To: <sip:700@127.0.0.1>', 'Referred-By: <sip:2001@127.0.0.1>']);
      assert.equal(statusOf(await bob.response('REFER')), 202);
      // Bob's part ends with the NOTIFY 200 and a BYE, once he has heard the space.
      await rig.byeOf(bob, hdr(leg.inv, 'Call-ID'), 10_000);
      for (const p of ['digits/7', 'digits/0', 'digits/1']) assert.ok(framesOf(p, bobAudio) >= 5, `the transferer heard ${p}`);
    } finally {
      bob.media.sock.off('message', collect);
    }
    assert.match(pbx.rx('parkedcalls show'), /^701\s+SIP\/2000-/m);
    assert.ok(await hears(alice.media, MOH_HZ, 4000), 'the parked caller hears music');

    // parkingtime later, bob's phone rings: the parked call comes back to him.
    const back = await answerNext(bob).catch(() => undefined);
    assert.ok(back, 'the parker was rung back');
    assert.match(pbx.rx('parkedcalls show'), /^0 parked calls\.$/m);
    await talk({ phone: alice, port: toCaller, hz: A_HZ, name: 'the parked caller' }, { phone: bob, port: back.pbxMedia, hz: B_HZ, name: 'the parker' });
    await rig.hangUp(alice, c, ok, bob, hdr(back.inv, 'Call-ID'));
  });

  test('a full lot: the caller hears pbx-parkingfailed and is hung up; hanging up frees a space; an empty space plays pbx-invalidpark', async () => {
    const one = await answered(alice, '750');
    await heard(one, ['digits/7', 'digits/0', 'digits/1']);
    const two = await answered(carol, '750');
    await heard(two, ['digits/7', 'digits/0', 'digits/2']);
    assert.match(pbx.rx('parkedcalls show'), /^2 parked calls\.$/m);

    const refused = await answered(bob, '700');
    await refused.awaitBye();
    assert.ok(framesOf('pbx-parkingfailed', refused.audio()) >= 10, 'the caller heard pbx-parkingfailed before the hangup');
    assert.match(pbx.rx('parkedcalls show'), /^2 parked calls\.$/m);

    one.hangup();
    await alice.response('BYE', 200);
    await until('701 to be free', () => (/^1 parked call\.$/m.test(pbx.rx('parkedcalls show')) ? true : undefined));
    assert.doesNotMatch(pbx.rx('parkedcalls show'), /^701 /m);

    const empty = await answered(bob, '701');
    await empty.awaitBye();
    assert.ok(framesOf('pbx-invalidpark', empty.audio()) >= 10, 'an empty space plays pbx-invalidpark');
    two.hangup();
    await carol.response('BYE', 200);
    await rig.idle();
    assert.match(pbx.rx('parkedcalls show'), /^0 parked calls\.$/m);
  });
});

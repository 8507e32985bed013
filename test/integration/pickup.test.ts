/**
 * Call pickup on the bundle, with raw UDP phones and sip.conf call/pickup groups:
 *  - 3001 (callgroup 1) rings for alice; 3002 (pickupgroup 2) dials *8: refused, 3001 goes on
 *    ringing (no CANCEL); 3000 (pickupgroup 1) dials *8: it is answered, 3001 gets a CANCEL,
 *    alice's call is answered and alice and 3000 hear each other.
 *  - Directed Pickup(3001) from the dialplan picks the call ringing for 3001.
 *  - The sim analog phone 2100 (a pbx.conf port: group 1) rings; 3000 picks it up with *8 and the
 *    analog phone stops ringing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PbxProcess } from './harness.ts';
import { hdr, mediaPort, type Phone, sdp, statusOf, type Call, type Msg } from './calls-phone.ts';
import { callFinal } from './dialplan-phone.ts';
import { simRow, until } from './analog-phone.ts';
import { PhoneRig, talk } from './transfer-phone.ts';

const A_HZ = 1000;
const P_HZ = 1400;

const SIP_CONF = [
  '[general]',
  '[office](!)',
  'type=friend',
  'host=dynamic',
  'context=phones',
  '[3000](office)',
  'secret=Pick-3000-x',
  'callgroup=1',
  'pickupgroup=1',
  '[3001](office)',
  'secret=Ring-3001-x',
  'callgroup=1',
  'pickupgroup=1',
  '[3002](office)',
  'secret=Other-3002-x',
  'callgroup=2',
  'pickupgroup=2',
  '',
].join('\n');

describe('call pickup', () => {
  let rig: PhoneRig;
  let pbx: PbxProcess;
  let alice: Phone;
  let picker: Phone;
  let ringing: Phone;
  let outsider: Phone;

  before(async () => {
    rig = await PhoneRig.start(
      {
        phones: { '2000': 'Secr3t-2000, Alice' },
        system: { country: 'us\n\n[analog]\nbackend = sim\nfxs = 1\n1 = 2100' },
        files: {
          'sip.conf': SIP_CONF,
          'extensions.conf': '[phones]\ninclude => pbx-phones\nexten => 3001,1,Dial(SIP/3001,30)\n same => n,Hangup()\nexten => 83001,1,Pickup(3001)\n same => n,Hangup()\n',
        },
      },
      [
        ['3000', 'Pick-3000-x'],
        ['3001', 'Ring-3001-x'],
        ['3002', 'Other-3002-x'],
      ],
    );
    pbx = rig.pbx;
    [alice, picker, ringing, outsider] = ['2000', '3000', '3001', '3002'].map((u) => rig.phone(u)) as [Phone, Phone, Phone, Phone];
  });
  after(async () => {
    await rig?.close();
  });

  /** Alice calls 3001, whose phone rings (180) and does not answer. */
  async function ringFor(): Promise<{ c: Call; inv: Msg }> {
    const c = await alice.invite('3001', sdp(alice.media.port, [0, 101]));
    const inv = await ringing.request('INVITE');
    ringing.reply(inv, 180, 'Ringing', { toTag: 'r1' });
    await alice.response('INVITE', 180, 5000, c.callId);
    return { c, inv };
  }

  /** The ringing phone gets CANCEL for `inv`: 200 to it, 487 to the INVITE. */
  async function cancelled(inv: Msg): Promise<void> {
    const cancel = await ringing.next((m) => m.first.startsWith('CANCEL ') && hdr(m, 'Call-ID') === hdr(inv, 'Call-ID'));
    ringing.reply(cancel, 200, 'OK');
    ringing.reply(inv, 487, 'Request Terminated', { toTag: 'r1' });
  }

  /** `phone` dials `exten` and is answered; the other side of the bridge is alice. */
  async function pickUp(phone: Phone, exten: string, r: { c: Call; inv?: Msg }): Promise<void> {
    const pc = await phone.invite(exten, sdp(phone.media.port, [0, 101]));
    const pok = await phone.response('INVITE', 200, 5000, pc.callId);
    phone.ack(pc, pok);
    if (r.inv) await cancelled(r.inv);
    const aok = await alice.response('INVITE', 200, 5000, r.c.callId);
    alice.ack(r.c, aok);
    await talk({ phone: alice, port: mediaPort(aok.body), hz: A_HZ, name: 'the caller' }, { phone, port: mediaPort(pok.body), hz: P_HZ, name: 'the picker' });
    await rig.hangUp(alice, r.c, aok, phone, pc.callId);
  }

  test('*8 from outside the pickup group fails and the phone goes on ringing; from inside it takes the call', async () => {
    const r = await ringFor();
    const refused = await callFinal(outsider, '*8');
    assert.ok(statusOf(refused) >= 400, `the outsider's *8 is refused (${refused.first})`);
    assert.equal(await ringing.sip.take((d) => d.toString('latin1').startsWith('CANCEL '), 300), undefined, 'the ringing phone was not cancelled');
    assert.match(pbx.rx('core show channels'), /SIP\/3001-\S+\s+.*Ring/);
    await pickUp(picker, '*8', r);
  });

  test('Pickup(3001) in the dialplan picks up the call ringing for 3001', async () => {
    const r = await ringFor();
    await pickUp(picker, '83001', r);
  });

  test('an analog phone ringing in group 1 is picked up by *8; it stops ringing', async () => {
    const c = await alice.invite('2100', sdp(alice.media.port, [0, 101]));
    await until('the sim phone to ring', () => (/^1\s+phone\s+ringing/.test(simRow(pbx, 1, 'phone')) ? true : undefined));
    await alice.response('INVITE', 180, 5000, c.callId);
    await pickUp(picker, '*8', { c });
    assert.doesNotMatch(simRow(pbx, 1, 'phone'), /ringing/, 'the analog phone stopped ringing');
  });
});

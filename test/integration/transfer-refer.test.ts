/**
 * SIP transfers on the bundle with raw UDP phones (calls-phone.ts): 2000 (A), 2001 (B) and 2002
 * (C). Each phone sends its own tone (A 700 Hz, B 900 Hz, C 1300 Hz) so what a phone hears names
 * who it is talking to.
 *  - Blind: A calls B, B REFERs A to 2002: 202, NOTIFY 100 then 200 sipfrag, then B's BYE; C
 *    rings, answers, A and C hear each other.
 *  - REFER to an extension that does not exist: NOTIFY with a 404 sipfrag, A and B still talk.
 *  - REFER outside a dialog: 603; allowtransfer=no: 603 and the call goes on.
 *  - Attended: A-B call, B calls C, B REFERs with Replaces naming its B-C call: A and C talk,
 *    both of B's legs get BYE. Replaces naming no call: NOTIFY 481.
 *  - INVITE with Replaces naming B's leg: the new phone takes B's place; naming no dialog: 481.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PbxProcess } from './harness.ts';
import { digestAnswer } from './raw-sip.ts';
import { hdr, mediaPort, Phone, sdp, statusOf, type Call, type Msg } from './calls-phone.ts';
import { ALICE_BOB_CAROL, answerNext, callAnswered, calleeRequest, callerRequest, hears, notifiesUntilFinal, PhoneRig, talk } from './transfer-phone.ts';

const A_HZ = 700;
const B_HZ = 900;
const C_HZ = 1300;

describe('SIP transfer (REFER, Replaces)', () => {
  let rig: PhoneRig;
  let pbx: PbxProcess;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;
  let dave: Phone;

  before(async () => {
    rig = await PhoneRig.start(
      {
        phones: ALICE_BOB_CAROL,
        files: {
          // 2003 may not transfer (chan_sip allowtransfer=no).
          'sip.conf': '[general]\n\n[2003]\ntype=friend\nhost=dynamic\nsecret=Secr3t-2003\ncontext=phones\nallowtransfer=no\n',
        },
      },
      [['2003', 'Secr3t-2003']],
    );
    pbx = rig.pbx;
    [alice, bob, carol, dave] = ['2000', '2001', '2002', '2003'].map((u) => rig.phone(u)) as [Phone, Phone, Phone, Phone];
  });
  after(async () => {
    await rig?.close();
  });

  test('blind by the called party: B REFERs A to 2002; NOTIFY 100 then 200 OK before B gets BYE; A and C hear each other', async () => {
    const ab = await callAnswered(alice, bob, '2001');
    const stopA = rig.tone(alice, ab.toCaller, A_HZ);
    assert.ok(await hears(bob.media, A_HZ), 'B hears A before the transfer');
    calleeRequest(bob, ab.leg, 'REFER', ['Refer-To: <sip:2002@127.0.0.1>', 'Referred-By: <sip:2001@127.0.0.1>']);
    const accepted = await bob.response('REFER');
    assert.equal(statusOf(accepted), 202);
    // B's NOTIFYs and then its BYE, in the order they arrive.
    const seen: string[] = [];
    for (;;) {
      const m = await bob.next((x) => x.first.startsWith('NOTIFY ') || x.first.startsWith('BYE '));
      bob.reply(m, 200, 'OK');
      if (m.first.startsWith('BYE ')) {
        seen.push('BYE');
        break;
      }
      assert.equal(hdr(m, 'Event'), `refer;id=${/^\d+/.exec(hdr(accepted, 'CSeq'))![0]}`);
      assert.match(hdr(m, 'Content-Type'), /^message\/sipfrag;\s*version=2\.0$/);
      seen.push(`${m.body.trim()} (${hdr(m, 'Subscription-State').split(';')[0]})`);
    }
    assert.deepEqual(seen, ['SIP/2.0 100 Trying (active)', 'SIP/2.0 200 OK (terminated)', 'BYE']);
    const toCarol = await answerNext(carol);
    const stopC = rig.tone(carol, toCarol.pbxMedia, C_HZ);
    assert.ok(await hears(carol.media, A_HZ), 'C hears A');
    assert.ok(await hears(alice.media, C_HZ), 'A hears C');
    stopA();
    stopC();
    await rig.hangUp(alice, ab.c, ab.ok, carol, hdr(toCarol.inv, 'Call-ID'));
  });

  test('blind by the caller: A REFERs B to 2002; B (a called leg, in no dialplan) starts at 2002 and talks to C', async () => {
    const ab = await callAnswered(alice, bob, '2001');
    callerRequest(alice, ab.c, ab.ok, 'REFER', ['Refer-To: <sip:2002@127.0.0.1>']);
    assert.equal(statusOf(await alice.response('REFER')), 202);
    const notifies = await notifiesUntilFinal(alice);
    assert.equal(notifies.at(-1)!.body.trim(), 'SIP/2.0 200 OK');
    await rig.byeOf(alice, ab.c.callId);
    const toCarol = await answerNext(carol);
    await talk({ phone: bob, port: ab.leg.pbxMedia, hz: B_HZ, name: 'B' }, { phone: carol, port: toCarol.pbxMedia, hz: C_HZ, name: 'C' });
    calleeRequest(bob, ab.leg, 'BYE', []);
    await bob.response('BYE');
    await rig.byeOf(carol, hdr(toCarol.inv, 'Call-ID'));
    await rig.idle();
  });

  test('REFER to an extension that does not exist: NOTIFY 404 sipfrag, the call goes on', async () => {
    const ab = await callAnswered(alice, bob, '2001');
    calleeRequest(bob, ab.leg, 'REFER', ['Refer-To: <sip:2999@127.0.0.1>']);
    assert.equal(statusOf(await bob.response('REFER')), 202);
    const notifies = await notifiesUntilFinal(bob);
    assert.equal(notifies.at(-1)!.body.trim(), 'SIP/2.0 404 Not Found');
    // Still talking, both ways (tones started after the failed transfer).
    await talk({ phone: alice, port: ab.toCaller, hz: 500, name: 'A' }, { phone: bob, port: ab.leg.pbxMedia, hz: 1100, name: 'B' }, ' still');
    await rig.hangUp(alice, ab.c, ab.ok, bob, hdr(ab.leg.inv, 'Call-ID'));
  });

  test('REFER outside a dialog is declined; allowtransfer=no declines the REFER and the call goes on', async () => {
    // No To tag: no dialog of ours.
    alice.send(
      [
        `REFER sip:2001@127.0.0.1:${pbx.port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${alice.sip.port};branch=z9hG4bKoutside1;rport`,
        `From: <sip:2000@127.0.0.1>;tag=outside`,
        `To: <sip:2001@127.0.0.1>`,
        'Call-ID: refer-outside-1',
        'CSeq: 1 REFER',
        `Contact: <sip:2000@127.0.0.1:${alice.sip.port}>`,
        'Refer-To: <sip:2002@127.0.0.1>',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const refused = await alice.response('REFER');
    assert.equal(statusOf(refused), 603);
    // A To tag naming no dialog: 481.
    const pbxContact: Msg = { ...refused, headers: [['Contact', `<sip:2001@127.0.0.1:${pbx.port}>`]] };
    callerRequest(alice, { callId: 'no-such-call', fromTag: 'x1', exten: '2001', cseq: 1, branch: '', body: '', toTag: 'nope' }, pbxContact, 'REFER', ['Refer-To: <sip:2002@127.0.0.1>']);
    assert.equal(statusOf(await alice.response('REFER')), 481);

    // Dave (allowtransfer=no) in a call with Bob tries to transfer him.
    const db = await callAnswered(dave, bob, '2001');
    callerRequest(dave, db.c, db.ok, 'REFER', ['Refer-To: <sip:2002@127.0.0.1>']);
    assert.equal(statusOf(await dave.response('REFER')), 603);
    const stopD = rig.tone(dave, db.toCaller, 600);
    assert.ok(await hears(bob.media, 600), 'B still hears D\n' + pbx.output().slice(-3000));
    stopD();
    await rig.hangUp(dave, db.c, db.ok, bob, hdr(db.leg.inv, 'Call-ID'));
  });

  test('attended: B calls C, then REFER with Replaces: A and C talk, both of B legs end', async () => {
    const ab = await callAnswered(alice, bob, '2001');
    const bc = await callAnswered(bob, carol, '2002');
    const replaces = `${bc.c.callId}%3Bto-tag%3D${bc.c.toTag}%3Bfrom-tag%3D${bc.c.fromTag}`;
    calleeRequest(bob, ab.leg, 'REFER', [`Refer-To: <sip:2002@127.0.0.1?Replaces=${replaces}>`, 'Referred-By: <sip:2001@127.0.0.1>']);
    assert.equal(statusOf(await bob.response('REFER')), 202);
    const notifies = await notifiesUntilFinal(bob);
    assert.equal(notifies.at(-1)!.body.trim(), 'SIP/2.0 200 OK');
    // Both of B's dialogs get a BYE: the A-B call (B was called) and the B-C call (B called).
    await rig.byeOf(bob, hdr(ab.leg.inv, 'Call-ID'));
    await rig.byeOf(bob, bc.c.callId);
    await talk({ phone: alice, port: ab.toCaller, hz: A_HZ, name: 'A' }, { phone: carol, port: bc.leg.pbxMedia, hz: C_HZ, name: 'C' });
    await rig.hangUp(alice, ab.c, ab.ok, carol, hdr(bc.leg.inv, 'Call-ID'));
  });

  test('attended REFER whose Replaces names no call: NOTIFY 481, the call goes on', async () => {
    const ab = await callAnswered(alice, bob, '2001');
    calleeRequest(bob, ab.leg, 'REFER', ['Refer-To: <sip:2002@127.0.0.1?Replaces=nothing%3Bto-tag%3D1%3Bfrom-tag%3D2>']);
    assert.equal(statusOf(await bob.response('REFER')), 202);
    const notifies = await notifiesUntilFinal(bob);
    assert.match(notifies.at(-1)!.body.trim(), /^SIP\/2\.0 481 /);
    const stopB = rig.tone(bob, ab.leg.pbxMedia, B_HZ);
    assert.ok(await hears(alice.media, B_HZ), 'A still hears B');
    stopB();
    await rig.hangUp(alice, ab.c, ab.ok, bob, hdr(ab.leg.inv, 'Call-ID'));
  });

  test('INVITE with Replaces: naming no dialog -> 481; naming B\'s answered leg -> the new phone takes its place', async () => {
    // Build the INVITE by hand: the 401 challenge first, then the same INVITE with credentials.
    const send = async (value: string): Promise<{ c: Call; res: Msg }> => {
      const c: Call = { callId: `rep-${Math.random().toString(16).slice(2)}`, fromTag: carol.tag, exten: '2001', cseq: carol.cseq++, branch: `z9hG4bK${Math.random().toString(16).slice(2)}`, body: sdp(carol.media.port, [0, 101]), toTag: '' };
      const withReplaces = (text: string): string => text.replace('Max-Forwards:', `Replaces: ${value}\r\nMax-Forwards:`);
      carol.send(withReplaces(carol.inviteText(c)));
      const ch = await carol.response('INVITE', 401, 5000, c.callId);
      carol.ack(c, ch);
      c.cseq = carol.cseq++;
      c.branch = `z9hG4bK${Math.random().toString(16).slice(2)}`;
      c.auth = digestAnswer(hdr(ch, 'WWW-Authenticate'), '2002', 'Secr3t-2002', `sip:2001@127.0.0.1:${pbx.port}`, 'INVITE');
      carol.send(withReplaces(carol.inviteText(c)));
      const res = await carol.next((m) => m.first.startsWith('SIP/2.0') && hdr(m, 'Call-ID') === c.callId && statusOf(m) >= 200, 5000);
      return { c, res };
    };
    const none = await send('no-such-call;to-tag=1;from-tag=2');
    assert.equal(statusOf(none.res), 481);
    carol.ack(none.c, none.res);

    const ab = await callAnswered(alice, bob, '2001');
    // B's leg as the PBX sees it: our tag (the INVITE's From tag) is to-tag, B's is from-tag.
    const pbxTag = /tag=([^;>\s]+)/.exec(hdr(ab.leg.inv, 'From'))![1];
    const took = await send(`${hdr(ab.leg.inv, 'Call-ID')};to-tag=${pbxTag};from-tag=${ab.leg.tag}`);
    assert.equal(statusOf(took.res), 200);
    carol.ack(took.c, took.res);
    await rig.byeOf(bob, hdr(ab.leg.inv, 'Call-ID'));
    await talk({ phone: alice, port: ab.toCaller, hz: A_HZ, name: 'A' }, { phone: carol, port: mediaPort(took.res.body), hz: C_HZ, name: 'C' });
    await rig.hangUp(alice, ab.c, ab.ok, carol, took.c.callId);
  });
});

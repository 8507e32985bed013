/**
 * Seed dialplan examples that place calls, over real SIP against the bundle: the
 * `[macro-voicemail]` macro branching on `s-${DIALSTATUS}` / `_s-.`, `_9NXXXXXX` dialling
 * `${TRUNK}/${EXTEN:1}` through a sip.conf trunk peer, and `LookupCIDName` after
 * `database put cidname ...` showing the name to the callee, the 1.4 busy jump to n+101, and a
 * caller hanging up mid-prompt (the application stops, `h` runs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startPbx, type PbxProcess } from './harness.ts';
import { hdr, Inbox, parse, Phone, statusOf } from './calls-phone.ts';
import { callAndAnswer, callFinal, dbValue } from './dialplan-phone.ts';

function extensions(): string {
  return `
[general]
static=yes
writeprotect=no

[globals]
TRUNK=SIP/mytrunk

[phones]
include => pbx-phones
include => tests

[tests]
; the voicemail macro of the seed, called for 2001
exten => 401,1,Macro(voicemail,SIP/2001)
 same => n,Hangup()
; dial out through the trunk: 9 + seven digits, the 9 stripped
exten => _9NXXXXXX,1,Dial(\${TRUNK}/\${EXTEN:1})
 same => n,Set(DB(test/trunkstatus)=\${DIALSTATUS})
 same => n,Hangup()
; the Asterisk 1.4 habit: busy continues at n+101 when that priority exists
exten => 403,1,Dial(SIP/2001,10)
 same => n,Set(DB(test/n101)=no)
 same => n,Hangup()
exten => 403,102,Set(DB(test/n101)=yes)
 same => n,Hangup()
; the caller hangs up during a long prompt: Playback stops, h runs
exten => 404,1,Answer()
 same => n,Playback(demo-congrats)
 same => n,Set(DB(test/after)=reached)
exten => h,1,Set(DB(test/h)=\${EXTEN} \${CONTEXT})
; caller name from the AstDB, then ring 2001
exten => 402,1,LookupCIDName()
 same => n,Dial(SIP/2001,10)
 same => n,Hangup()

; Asterisk's sample macro. VoiceMail() is not available yet: Set(DB(...)) stands where the
; seed has VoiceMail(\${MACRO_EXTEN},b) / VoiceMail(\${MACRO_EXTEN},u), so the test can see
; which branch ran and with which arguments.
[macro-voicemail]
exten => s,1,Dial(\${ARG1},20)
exten => s,2,Goto(s-\${DIALSTATUS},1)
exten => s-NOANSWER,1,Set(DB(test/macro)=unavail \${MACRO_EXTEN} \${ARG1} \${DIALSTATUS})
exten => s-NOANSWER,2,Hangup()
exten => s-BUSY,1,Set(DB(test/macro)=busy \${MACRO_EXTEN} \${ARG1})
exten => s-BUSY,2,Hangup()
exten => _s-.,1,Goto(s-NOANSWER,1)
`;
}

function sipConf(trunkPort: number): string {
  return `
[general]
context=default

[mytrunk]
type=peer
host=127.0.0.1
port=${trunkPort}
qualify=no

[cell]
type=friend
host=dynamic
secret=Cell-phone-secret-77
context=phones
callerid="Someone" <123456>
`;
}

describe('dialplan: macros, trunks and caller names over SIP', () => {
  let pbx: PbxProcess;
  let alice: Phone;
  /** 2001: not registered in the first test; registers (same contact each time) later. */
  let bob: Phone;
  let trunk: Inbox;
  before(async () => {
    trunk = new Inbox();
    const trunkPort = await freePort();
    await new Promise<void>((r) => trunk.sock.bind(trunkPort, '127.0.0.1', () => r()));
    trunk.port = trunkPort;
    pbx = await startPbx({ files: { 'extensions.conf': extensions(), 'sip.conf': sipConf(trunkPort) }, system: { rtp: '35100-35198' } });
    alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    await alice.open();
    bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    await bob.open();
  });
  after(async () => {
    if (process.env.DP_DEBUG) console.log(pbx.output());
    alice.close();
    bob.close();
    trunk.close();
    await pbx.stop();
  });

  test('Macro(voicemail,SIP/2001) with 2001 not registered: DIALSTATUS CHANUNAVAIL runs _s-. (then s-NOANSWER)', async () => {
    pbx.rx('database deltree test');
    const final = await callFinal(alice, '401', 10_000);
    assert.ok(statusOf(final) >= 300, `the caller gets a final failure response (${final.first})`);
    assert.equal(dbValue(pbx.rx('database get test macro')), 'unavail 401 SIP/2001 CHANUNAVAIL', 'ARG1, MACRO_EXTEN and DIALSTATUS as Asterisk sets them');
  });

  test('Macro(voicemail,SIP/2001) with 2001 answering 486: s-BUSY runs', async () => {
    pbx.rx('database deltree test');
    await bob.register();
    const pending = callFinal(alice, '401', 10_000);
    const inv = await bob.request('INVITE');
    bob.reply(inv, 486, 'Busy Here', { toTag: 'busy1' });
    await bob.request('ACK');
    const final = await pending;
    assert.ok(statusOf(final) >= 300, `the caller gets a final failure response (${final.first})`);
    assert.equal(dbValue(pbx.rx('database get test macro')), 'busy 401 SIP/2001');
  });

  test('_9NXXXXXX with Dial(${TRUNK}/${EXTEN:1}): dialling 95551234 sends INVITE sip:5551234@ to the trunk', async () => {
    pbx.rx('database deltree test');
    const pending = callFinal(alice, '95551234', 10_000);
    const got = await trunk.take((b) => b.toString('latin1').startsWith('INVITE '), 5000);
    assert.ok(got, `an INVITE reached the trunk peer\n${pbx.output().slice(-2000)}`);
    const inv = parse(got.toString('latin1'));
    assert.match(inv.first, /^INVITE sip:5551234@127\.0\.0\.1(:\d+)?[;\s]/, 'the Request-URI user is the number without the 9');
    assert.match(hdr(inv, 'To'), /sip:5551234@/);
    // The provider says busy; the caller hears it and DIALSTATUS tells the dialplan.
    const reply = [
      'SIP/2.0 486 Busy Here',
      ...inv.headers.filter(([n]) => /^(via|from|call-id|cseq)$/i.test(n)).map(([n, v]) => `${n}: ${v}`),
      `To: ${hdr(inv, 'To')};tag=trunk1`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const via = /SIP\/2\.0\/UDP ([\d.]+):(\d+)/.exec(hdr(inv, 'Via'));
    trunk.sock.send(Buffer.from(reply, 'latin1'), Number(via?.[2] ?? pbx.port), '127.0.0.1');
    const final = await pending;
    assert.ok(statusOf(final) >= 300, final.first);
    assert.equal(dbValue(pbx.rx('database get test trunkstatus')), 'BUSY');
  });

  test('database put cidname 123456 "My cellphone", then LookupCIDName: 2001 is offered the call from "My cellphone"', async () => {
    const cell = new Phone('cell', 'Cell-phone-secret-77', pbx.port);
    await cell.open();
    try {
      await bob.register();
      pbx.rx('database del cidname 123456');
      // Without an entry the peer's own caller ID name goes through.
      let pending = callFinal(cell, '402', 10_000);
      let inv = await bob.request('INVITE');
      assert.match(hdr(inv, 'From'), /^"Someone" <sip:123456@/);
      bob.reply(inv, 486, 'Busy Here', { toTag: 'cid0' });
      await bob.request('ACK');
      await pending;

      assert.match(pbx.rx('database put cidname 123456 "My cellphone"'), /Updated database successfully/);
      pending = callFinal(cell, '402', 10_000);
      inv = await bob.request('INVITE');
      assert.match(hdr(inv, 'From'), /^"My cellphone" <sip:123456@/, 'the callee sees the name from the AstDB');
      bob.reply(inv, 486, 'Busy Here', { toTag: 'cid1' });
      await bob.request('ACK');
      assert.ok(statusOf(await pending) >= 300);
    } finally {
      cell.close();
    }
  });

  test('Dial busy with priority n+101 present continues there (the 1.4 habit)', async () => {
    pbx.rx('database deltree test');
    await bob.register();
    const pending = callFinal(alice, '403', 10_000);
    const inv = await bob.request('INVITE');
    bob.reply(inv, 486, 'Busy Here', { toTag: 'n101' });
    await bob.request('ACK');
    assert.ok(statusOf(await pending) >= 300);
    assert.equal(dbValue(pbx.rx('database get test n101')), 'yes');
  });

  test('the caller hanging up during Playback stops it; the h extension runs and nothing after Playback does', async () => {
    pbx.rx('database deltree test');
    const c = await callAndAnswer(alice, '404');
    await c.firstSound();
    const mark = pbx.output().length;
    c.hangup();
    await alice.response('BYE', 200);
    // Earlier calls ran h too (it is in the phones context); wait for this call's.
    for (let i = 0; i < 100 && !/Executing \[h@phones:1\]/.test(pbx.output().slice(mark)); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(dbValue(pbx.rx('database get test h')), 'h phones');
    assert.equal(dbValue(pbx.rx('database get test after')), undefined, 'Playback was aborted, not finished');
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  });
});

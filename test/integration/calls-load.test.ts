/**
 * What takes RFC 3261's 32-second timers to see, on the bundle, each against its own PBX and run
 * side by side so the file takes about a minute:
 * - No leak after load: 1,000 short calls from a SIPp caller (digest auth as 2000) through the
 *   PBX to a SIPp callee (sip.conf peer 3000 with a static host), at 100 calls per second with at
 *   most 20 at once. Afterwards `core show channels` and `sip show stats` show nothing left: no
 *   channel, transaction, dialog or RTP port, and no more timers than before the first call.
 * - A caller that never ACKs our 200 is hung up with BYE after 64*T1 (32 s), and so is the callee.
 * - A BYE that is never answered still releases the call's transactions and dialog.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, sleep, startPbx, type PbxProcess } from './harness.ts';
import { describe as explain, sipp } from './calls-sipp.ts';
import { hdr, Phone, sdp } from './calls-phone.ts';

const CALLS = 1000;

function timers(stats: string): number {
  return Number(/^Timers pending: (\d+)$/m.exec(stats)?.[1] ?? NaN);
}

describe('calls over RFC 3261 timer spans', { concurrency: true }, () => {
  describe('1,000 calls through the PBX', () => {
    let pbx: PbxProcess;
    let uasPort: number;
    before(async () => {
      uasPort = await freePort();
      pbx = await startPbx({
        phones: { '2000': 'Secr3t-2000, Alice' },
        system: { rtp: '32000-34000' },
        files: {
          'sip.conf': ['[3000]', 'type=peer', 'host=127.0.0.1', `port=${uasPort}`, 'context=phones', ''].join('\n'),
          'extensions.conf': ['[phones]', 'include => pbx-phones', 'exten => 3000,1,Dial(SIP/3000,20)', ''].join('\n'),
        },
      });
    });
    after(async () => {
      await pbx.stop();
    });

    test('leave no channel, transaction, dialog, RTP port or timer behind', { timeout: 90_000 }, async () => {
      await sleep(500);
      const before = timers(pbx.rx('sip show stats'));
      assert.ok(Number.isFinite(before), pbx.rx('sip show stats'));
      const started = Date.now();
      const callee = sipp('uas-answer.xml', { port: uasPort, calls: CALLS, timeoutS: 60, args: ['-trace_msg', '-message_file', '/dev/null'] });
      await sleep(400);
      const caller = await sipp('uac-short.xml', {
        remotePort: pbx.port,
        calls: CALLS,
        timeoutS: 60,
        args: ['-trace_msg', '-message_file', '/dev/null', '-r', '100', '-l', '20', '-s', '3000', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-auth_uri', `3000@127.0.0.1:${pbx.port}`],
      });
      const uas = await callee;
      const elapsed = Date.now() - started;
      assert.equal(caller.status, 0, explain(caller));
      assert.equal(uas.status, 0, explain(uas));
      assert.match(caller.stdout + caller.stderr, new RegExp(`Successful call\\s*\\|\\s*\\d+\\s*\\|\\s*${CALLS}\\b`), 'every call succeeded');
      assert.match(pbx.rx('core show channels'), /^0 active channels/m);
      let stats = '';
      for (let i = 0; i < 45; i++) {
        stats = pbx.rx('sip show stats');
        if (/^Transactions live: 0 /m.test(stats) && timers(stats) <= before) break;
        await sleep(1000);
      }
      assert.match(stats, /^Transactions live: 0 /m);
      assert.match(stats, /^Dialogs live: 0 \(INVITE sessions 0, outgoing INVITEs collecting forks 0\)$/m);
      assert.match(stats, /^Channels: 0, RTP port pairs in use: 0 of \d+$/m);
      assert.ok(timers(stats) <= before, `timers back to ${before}:\n${stats}`);
      console.log(`# ${CALLS} calls in ${elapsed} ms; all released ${Date.now() - started} ms after the first`);
    });
  });

  /** alice (2000) calls bob (2001, registered), bob answers; returns what alice received. */
  async function answeredCall(pbx: PbxProcess): Promise<{ alice: Phone; bob: Phone; ok: Awaited<ReturnType<Phone['response']>>; call: Awaited<ReturnType<Phone['invite']>> }> {
    const alice = new Phone('2000', 'Secr3t-2000', pbx.port);
    const bob = new Phone('2001', 'Secr3t-2001', pbx.port);
    await alice.open();
    await bob.open();
    await bob.register();
    const call = await alice.invite('2001', sdp(alice.media.port));
    const inv = await bob.request('INVITE');
    bob.reply(inv, 200, 'OK', { toTag: 'tb', body: sdp(bob.media.port, [0]) });
    await bob.request('ACK');
    const ok = await alice.response('INVITE', 200);
    return { alice, bob, ok, call };
  }

  async function released(pbx: PbxProcess, ms: number): Promise<string> {
    let stats = '';
    for (let waited = 0; waited < ms; waited += 1000) {
      stats = pbx.rx('sip show stats');
      if (/^Transactions live: 0 /m.test(stats) && /^Dialogs live: 0 /m.test(stats)) break;
      await sleep(1000);
    }
    return stats;
  }

  describe('a caller that never sends the ACK for our 200', () => {
    let pbx: PbxProcess;
    before(async () => {
      pbx = await startPbx({ system: { rtp: '34100-34200' } });
    });
    after(async () => {
      await pbx.stop();
    });

    test('is hung up with BYE after 64*T1, and the callee gets BYE too', { timeout: 60_000 }, async () => {
      const { alice, bob } = await answeredCall(pbx);
      try {
        // No ACK: the PBX retransmits its 200 until 64*T1 (32 s), then ends the call.
        const byeAlice = await alice.request('BYE', 40_000);
        alice.reply(byeAlice, 200, 'OK');
        const byeBob = await bob.request('BYE', 5000);
        bob.reply(byeBob, 200, 'OK');
        await sleep(200);
        assert.match(pbx.rx('core show channels'), /^0 active channels/m);
      } finally {
        alice.close();
        bob.close();
      }
    });
  });

  describe('a BYE that is never answered', () => {
    let pbx: PbxProcess;
    before(async () => {
      pbx = await startPbx({ system: { rtp: '34300-34400' } });
    });
    after(async () => {
      await pbx.stop();
    });

    test('still releases the call: no channel, transaction or dialog left after Timer F', { timeout: 60_000 }, async () => {
      const { alice, bob, ok, call } = await answeredCall(pbx);
      try {
        alice.ack(call, ok);
        // Alice hangs up; bob has vanished and never answers the BYE the PBX passes on.
        alice.bye(call, hdr(ok, 'Contact'));
        await alice.response('BYE', 200);
        await bob.request('BYE');
        assert.match(pbx.rx('core show channels'), /^0 active channels/m);
        const stats = await released(pbx, 45_000);
        assert.match(stats, /^Transactions live: 0 /m);
        assert.match(stats, /^Dialogs live: 0 \(INVITE sessions 0, outgoing INVITEs collecting forks 0\)$/m);
        assert.match(stats, /^Channels: 0, RTP port pairs in use: 0 of \d+$/m);
      } finally {
        alice.close();
        bob.close();
      }
    });
  });
});

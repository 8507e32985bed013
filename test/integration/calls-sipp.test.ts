/**
 * SIPp on both sides of the PBX, on the bundle: a SIPp caller (digest auth as phone 2000) calls
 * 3000, a sip.conf peer with a static host that is a SIPp callee. Media from a pcap reaches the
 * callee (it echoes every packet, and the PBX's counters of both legs show the round trip);
 * CANCEL before the answer gives 487 to the caller and CANCEL to the callee; a busy callee gives
 * 486; a callee that only rings gives 480 after the Dial() timeout and gets CANCEL; a caller
 * offering no codec we do gets 488; a callee refusing ours (488) ends Dial() with CONGESTION,
 * which chan_sip signals to the caller as 503; `Dial(SIP/3000/${EXTEN})` calls the same peer as a
 * trunk, with the dialled number in the Request-URI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, sleep, startPbx, type PbxProcess } from './harness.ts';
import { describe as explain, receivedRequests, receivedStatuses, sipp, type SippRun } from './calls-sipp.ts';

describe('SIPp caller -> PBX -> SIPp callee', () => {
  let pbx: PbxProcess;
  let uasPort: number;

  before(async () => {
    uasPort = await freePort();
    pbx = await startPbx({
      phones: { '2000': 'Secr3t-2000, Alice' },
      files: {
        'sip.conf': ['[3000]', 'type=peer', 'host=127.0.0.1', `port=${uasPort}`, 'context=phones', ''].join('\n'),
        // 3000 is not a [phones] line, so the phones' context names it (ringing for 2 s).
        'extensions.conf': ['[phones]', 'include => pbx-phones', 'exten => 3000,1,Dial(SIP/3000,2)', 'exten => _555XXXX,1,Dial(SIP/3000/${EXTEN},5)', ''].join('\n'),
      },
    });
  });
  after(async () => {
    await pbx.stop();
  });

  /** The callee starts first (it must be listening when the INVITE comes), then the caller. */
  async function call(uas: { scenario: string; args?: string[] }, uac: { scenario: string; args?: string[] }): Promise<{ caller: SippRun; callee: SippRun }> {
    const callee = sipp(uas.scenario, { port: uasPort, timeoutS: 40, args: uas.args });
    await sleep(400);
    const caller = sipp(uac.scenario, {
      remotePort: pbx.port,
      timeoutS: 40,
      args: ['-s', '3000', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-auth_uri', `3000@127.0.0.1:${pbx.port}`, ...(uac.args ?? [])],
    });
    return { caller: await caller, callee: await callee };
  }

  async function noChannelsLeft(): Promise<void> {
    for (let i = 0; i < 20 && !/^0 active channels/m.test(pbx.rx('core show channels')); i++) await sleep(100);
    assert.match(pbx.rx('core show channels'), /^0 active channels/m);
  }

  test('answered call: pcap RTP from the caller reaches the callee and comes back through the PBX', async () => {
    const mediaPort = await freePort();
    const calleeMedia = await freePort();
    const running = call(
      { scenario: 'uas-answer.xml', args: ['-rtp_echo', '-mp', String(calleeMedia)] },
      { scenario: 'uac-call-pcap.xml', args: ['-mp', String(mediaPort)] },
    );
    try {
      // While the call is up: the callee leg received RTP back from the SIPp callee (its echo of
      // what the PBX relayed to it), and the caller leg sent it on to the caller.
      let seen = '';
      for (let i = 0; i < 60; i++) {
        await sleep(100);
        const leg = /^(SIP\/3000-[0-9a-f]{8})!/m.exec(pbx.rx('core show channels concise'))?.[1];
        if (!leg) continue;
        seen = pbx.rx(`core show channel ${leg}`);
        const m = /RTP Packets: received (\d+), sent (\d+)/.exec(seen);
        if (m && Number(m[1]) > 20 && Number(m[2]) > 20) break;
      }
      const m = /RTP Packets: received (\d+), sent (\d+)/.exec(seen);
      assert.ok(m && Number(m[2]) > 20, `the PBX sent the caller's RTP to the callee:\n${seen}`);
      assert.ok(m && Number(m[1]) > 20, `the callee echoed it, so it arrived there:\n${seen}`);
      assert.match(seen, /^ -- General --$/m);
      assert.match(seen, /^\s+State: Up \(6\)$/m);
      assert.match(seen, /^\s+Application: AppDial$/m);
      const sipChannels = pbx.rx('sip show channels');
      assert.match(sipChannels, /^Peer\s+User\/ANR\s+Call ID\s+Format\s+Hold\s+Last Message\s+Expiry\s+Peer$/m);
      assert.match(sipChannels, /^127\.0\.0\.1\s+2000\s+\S+\s+\(alaw\)\s+No\s+Rx: ACK\s+2000$/m);
      assert.match(sipChannels, /^2 active SIP channels$/m);
      const verbose = pbx.rx('core show channels verbose');
      assert.match(verbose, /^Channel\s+Context\s+Extension\s+Prio\s+State\s+Application\s+Data\s+CallerID\s+Duration\s+Accountcode\s+PeerAccount\s+BridgedTo$/m);
      assert.match(verbose, /^SIP\/2000-[0-9a-f]{8}\s+phones\s+3000\s+1\s+Up\s+Dial\s+SIP\/3000,2\s+2000\s+00:00:0\d\s+SIP\/3000-[0-9a-f]{8}$/m);
      const callerLeg = /^(SIP\/2000-[0-9a-f]{8})/m.exec(verbose)![1]!;
      const shown = pbx.rx(`core show channel ${callerLeg}`);
      assert.match(shown, /^\s+Caller ID: 2000$/m);
      assert.match(shown, /^\s+UniqueID: \d+\.\d+$/m);
      assert.match(shown, /^ --   PBX   --$/m);
      assert.match(shown, /^\s+Context: phones$/m);
      assert.match(shown, /^\s+Application: Dial$/m);
      assert.match(shown, /^\s+Data: SIP\/3000,2$/m);
      assert.match(shown, /^      Variables:\nDIALSTATUS=ANSWER$/m);
    } finally {
      await running;
    }
    const { caller, callee } = await running;
    assert.equal(caller.status, 0, explain(caller));
    assert.equal(callee.status, 0, explain(callee));
    assert.deepEqual(receivedRequests(callee.messages), ['INVITE', 'ACK', 'BYE'], 'the callee gets the BYE of the caller');
    await noChannelsLeft();
  });

  test('CANCEL before the answer: 487 to the caller, CANCEL to the callee', async () => {
    const { caller, callee } = await call({ scenario: 'uas-ring-cancel.xml' }, { scenario: 'uac-cancel.xml' });
    assert.equal(caller.status, 0, explain(caller));
    assert.equal(callee.status, 0, explain(callee));
    assert.ok(receivedStatuses(caller.messages).includes(487));
    assert.deepEqual(receivedRequests(callee.messages), ['INVITE', 'CANCEL', 'ACK']);
    await noChannelsLeft();
  });

  test('a busy callee (486) gives 486 Busy Here to the caller', async () => {
    const { caller, callee } = await call({ scenario: 'uas-busy.xml' }, { scenario: 'uac-reject.xml' });
    assert.equal(callee.status, 0, explain(callee));
    assert.equal(caller.status, 0, explain(caller));
    assert.equal(receivedStatuses(caller.messages).at(-1), 486);
    await noChannelsLeft();
  });

  test('a callee that only rings: the caller gets 480 after the dial timeout, the callee CANCEL', async () => {
    const { caller, callee } = await call({ scenario: 'uas-ring-cancel.xml' }, { scenario: 'uac-reject.xml' });
    assert.equal(callee.status, 0, explain(callee));
    assert.equal(caller.status, 0, explain(caller));
    const statuses = receivedStatuses(caller.messages);
    assert.ok(statuses.includes(180), 'ringing is passed on');
    assert.equal(statuses.at(-1), 480);
    assert.deepEqual(receivedRequests(callee.messages), ['INVITE', 'CANCEL', 'ACK']);
    await noChannelsLeft();
  });

  test('Dial(SIP/3000/${EXTEN}) calls the static-host peer as a trunk: the number is the Request-URI user', async () => {
    const callee = sipp('uas-busy.xml', { port: uasPort, timeoutS: 40 });
    await sleep(400);
    const caller = await sipp('uac-reject.xml', {
      remotePort: pbx.port,
      timeoutS: 40,
      args: ['-s', '5551234', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-auth_uri', `5551234@127.0.0.1:${pbx.port}`],
    });
    const uas = await callee;
    assert.equal(uas.status, 0, explain(uas));
    assert.equal(caller.status, 0, explain(caller));
    assert.match(uas.messages, new RegExp(`^INVITE sip:5551234@127\\.0\\.0\\.1:${uasPort} SIP/2\\.0$`, 'm'));
    assert.match(uas.messages, new RegExp(`^To: <sip:5551234@127\\.0\\.0\\.1:${uasPort}>$`, 'm'));
    assert.match(uas.messages, /^Max-Forwards: 69$/m, 'one hop less than the caller sent');
    assert.equal(receivedStatuses(caller.messages).at(-1), 486);
    await noChannelsLeft();
  });

  test('codec mismatch: a caller offering only G.729 gets 488 and the callee is never called', async () => {
    const caller = await sipp('uac-g729.xml', {
      remotePort: pbx.port,
      timeoutS: 40,
      args: ['-s', '3000', '-au', '2000', '-ap', 'Secr3t-2000', '-set', 'caller', '2000', '-auth_uri', `3000@127.0.0.1:${pbx.port}`],
    });
    assert.equal(caller.status, 0, explain(caller));
    assert.equal(receivedStatuses(caller.messages).at(-1), 488);
    await noChannelsLeft();
  });

  test('a callee that refuses our codec (488): Dial() reports CONGESTION and, as in Asterisk, the caller gets 503', async () => {
    const { caller, callee } = await call({ scenario: 'uas-488.xml' }, { scenario: 'uac-reject.xml' });
    assert.equal(callee.status, 0, explain(callee));
    assert.equal(caller.status, 0, explain(caller));
    assert.equal(receivedStatuses(caller.messages).at(-1), 503);
    await noChannelsLeft();
  });
});

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { SipRequest } from '../../../src/sip/message/types.ts';
import { NonInviteClientState, NonInviteClientTransaction } from '../../../src/sip/transaction/non-invite-client.ts';
import { Rig, isMethod, request } from './helpers.ts';

function received(rig: Rig): SipRequest {
  const r = rig.atPeer.at(-1);
  assert.ok(r && r.message.kind === 'request');
  return r.message;
}

describe('non-INVITE client transaction (RFC 3261 17.1.2)', () => {
  test('Timer E: 500, 1000, 2000, 4000, 4000 ... ms intervals (capped at T2); Timer F reports 408 at 32 s', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('OPTIONS'), rig.peerEndpoint, user);
    rig.clock.advance(32_000);
    const at = rig.sentAt(isMethod('OPTIONS'));
    assert.deepEqual(at, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(
      at.slice(1).map((t, i) => t - at[i]),
      [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000],
    );
    assert.deepEqual(user.at, [{ event: 'timeout', t: 32_000 }]);
    assert.equal(user.timeouts[0].status, 408);
    assert.equal(tx.state, NonInviteClientState.Terminated);
    assert.equal(rig.layer.stats().live, 0);
    rig.drain();
    rig.close();
  });

  test('T1/T2 come from the options: T1=100, T2=400 gives 100, 200, 400, 400 and F at 6.4 s', () => {
    const rig = new Rig({ side: 'client', timers: { T1: 100, T2: 400 } });
    const user = rig.user();
    rig.layer.sendRequest(request('OPTIONS'), rig.peerEndpoint, user);
    rig.clock.advance(1500);
    assert.deepEqual(rig.sentAt(isMethod('OPTIONS')), [0, 100, 300, 700, 1100, 1500]);
    rig.clock.advance(6400 - 1500 - 1);
    assert.equal(user.timeouts.length, 0);
    rig.clock.advance(1);
    assert.equal(user.timeouts.length, 1);
    rig.close();
  });

  test('in Proceeding Timer E keeps its next firing, then retransmits every T2; a final response completes it', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('REGISTER'), rig.peerEndpoint, user);
    rig.clock.advance(600);
    void rig.peerReply(received(rig), 100);
    rig.clock.advance(0);
    assert.equal(tx.state, NonInviteClientState.Proceeding);
    rig.clock.advance(14_000 - 600);
    assert.deepEqual(rig.sentAt(isMethod('REGISTER')), [0, 500, 1500, 5500, 9500, 13500]);
    void rig.peerReply(received(rig), 200, 'reg');
    rig.clock.advance(0);
    assert.equal(tx.state, NonInviteClientState.Completed);
    assert.deepEqual(user.statuses(), [100, 200]);
    rig.clock.advance(10_000);
    assert.deepEqual(rig.sentAt(isMethod('REGISTER')).length, 6, 'no retransmission after the final response');
    assert.deepEqual(user.timeouts, [], 'Timer F stopped');
    rig.close();
  });

  test('Completed absorbs retransmitted finals until Timer K (T4 = 5 s)', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('BYE'), rig.peerEndpoint, user);
    rig.clock.advance(0);
    const bye = received(rig);
    void rig.peerReply(bye, 200, 'tt');
    rig.clock.advance(0);
    void rig.peerReply(bye, 200, 'tt');
    rig.clock.advance(1000);
    assert.deepEqual(user.statuses(), [200]);
    assert.equal(rig.layer.stats().absorbed, 1);
    rig.clock.advance(3999);
    assert.equal(tx.state, NonInviteClientState.Completed);
    rig.clock.advance(1);
    assert.equal(tx.state, NonInviteClientState.Terminated);
    // Once gone, a further retransmission has no transaction: it is a stray.
    void rig.peerReply(bye, 200, 'tt');
    rig.clock.advance(0);
    assert.equal(rig.strays.length, 1);
    assert.deepEqual(user.statuses(), [200]);
    rig.drain();
    rig.close();
  });

  test('reliable transport: no Timer E, Timer F still fires, Timer K zero', () => {
    const rig = new Rig({ side: 'client', reliable: true });
    const user = rig.user();
    rig.layer.sendRequest(request('OPTIONS'), rig.peerEndpoint, user);
    rig.clock.advance(32_000);
    assert.deepEqual(rig.sentAt(isMethod('OPTIONS')), [0]);
    assert.deepEqual(user.at, [{ event: 'timeout', t: 32_000 }]);

    const user2 = rig.user();
    const tx = rig.layer.sendRequest(request('OPTIONS', { callId: 'c2' }), rig.peerEndpoint, user2);
    rig.clock.advance(0);
    void rig.peerReply(received(rig), 200);
    rig.clock.advance(0);
    assert.deepEqual(user2.statuses(), [200]);
    assert.equal(tx.state, NonInviteClientState.Terminated, 'Timer K is 0 over TCP');
    assert.equal(rig.layer.stats().live, 0);
    assert.equal(rig.clock.pending(), 0);
    rig.close();
  });

  test('transport error: 503 to the TU, transaction gone', async () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    rig.transport.fail();
    const tx = rig.layer.sendRequest(request('MESSAGE'), rig.peerEndpoint, user);
    await rig.settle();
    assert.equal(user.transportErrors.length, 1);
    assert.equal(user.transportErrors[0].status, 503);
    assert.deepEqual(user.responses, []);
    assert.equal(tx.state, NonInviteClientState.Terminated);
    assert.equal(rig.clock.pending(), 0);
    rig.close();
  });

  test('a move Figure 6 does not draw is refused as a bug', () => {
    const rig = new Rig({ side: 'client' });
    const tx = rig.layer.sendRequest(request('OPTIONS'), rig.peerEndpoint, rig.user());
    assert.ok(tx instanceof NonInviteClientTransaction);
    rig.clock.advance(0);
    void rig.peerReply(received(rig), 200);
    rig.clock.advance(0);
    assert.throws(() => tx.transition(NonInviteClientState.Proceeding), /illegal transition Completed -> Proceeding/);
    assert.equal(tx.state, NonInviteClientState.Completed);
    rig.close();
  });

  test('over TCP a connection that cannot be made is a transport error (503)', async () => {
    const rig = new Rig({ side: 'client', reliable: true });
    const user = rig.user();
    rig.layer.sendRequest(request('OPTIONS'), { protocol: 'TCP', address: '127.0.0.1', port: 9 }, user);
    await rig.settle();
    assert.equal(user.transportErrors[0]?.status, 503);
    assert.equal(rig.layer.stats().live, 0);
    rig.close();
  });
});

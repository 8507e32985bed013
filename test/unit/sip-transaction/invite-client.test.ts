import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader, getHeaders, toTag, topVia } from '../../../src/sip/message/headers.ts';
import { formatUri } from '../../../src/sip/message/uri.ts';
import type { SipRequest } from '../../../src/sip/message/types.ts';
import { InviteClientState } from '../../../src/sip/transaction/invite-client.ts';
import { Rig, isMethod, request } from './helpers.ts';

function lastReceived(rig: Rig, method: string): SipRequest {
  const r = rig.atPeer.filter((x) => x.message.kind === 'request' && x.message.method === method).at(-1);
  assert.ok(r, `peer received a ${method}`);
  return r.message as SipRequest;
}

describe('INVITE client transaction (RFC 3261 17.1.1)', () => {
  test('unreliable: Timer A retransmits at 0, 500, 1500, 3500, 7500, 15500, 31500 ms; Timer B reports 408 at 32000', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    rig.clock.advance(31_999);
    assert.equal(tx.state, InviteClientState.Calling);
    assert.equal(user.timeouts.length, 0);
    rig.clock.advance(1);
    assert.deepEqual(rig.sentAt(isMethod('INVITE')), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(user.timeouts.length, 1);
    assert.equal(user.timeouts[0].status, 408);
    assert.equal(user.timeouts[0].code, 'SIP_TIMEOUT');
    assert.deepEqual(user.at, [{ event: 'timeout', t: 32_000 }]);
    assert.equal(tx.state, InviteClientState.Terminated);
    const s = rig.layer.stats();
    assert.equal(s.live, 0);
    assert.equal(s.retransmissions, 6);
    assert.equal(s.timeouts, 1);
    rig.drain();
    rig.close();
  });

  test('a provisional response stops retransmission and Timer B; 1xx go to the TU', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    rig.clock.advance(600);
    void rig.peerReply(lastReceived(rig, 'INVITE'), 100);
    rig.clock.advance(0);
    assert.equal(tx.state, InviteClientState.Proceeding);
    void rig.peerReply(lastReceived(rig, 'INVITE'), 180, 'tt');
    rig.clock.advance(60_000);
    assert.deepEqual(rig.sentAt(isMethod('INVITE')), [0, 500], 'no retransmission after the 100');
    assert.deepEqual(user.statuses(), [100, 180]);
    assert.deepEqual(user.timeouts, [], 'Timer B does not fire in Proceeding');
    assert.equal(tx.state, InviteClientState.Proceeding);
    rig.close();
  });

  test('a 486 is passed up once and ACKed per 17.1.1.3; retransmissions re-send the ACK; Timer D ends it at 32 s', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const invite = request('INVITE', {
      seq: 7,
      routes: ['<sip:proxy1.example.com;lr>', '<sip:proxy2.example.com;lr>'],
      uri: 'sip:2000@127.0.0.1:5062;transport=udp',
    });
    const tx = rig.layer.sendRequest(invite, rig.peerEndpoint, user);
    rig.clock.advance(100);
    const got = lastReceived(rig, 'INVITE');
    void rig.peerReply(got, 486, 'callee-tag');
    rig.clock.advance(0);
    assert.equal(tx.state, InviteClientState.Completed);
    assert.deepEqual(user.statuses(), [486]);

    const ack = lastReceived(rig, 'ACK');
    assert.equal(formatUri(ack.uri), 'sip:2000@127.0.0.1:5062;transport=udp', 'Request-URI of the INVITE');
    assert.equal(getHeaders(ack, 'Via').length, 1, 'a single Via');
    assert.equal(topVia(ack).params.branch, topVia(invite).params.branch, 'same branch as the INVITE');
    assert.equal(getHeader(ack, 'Call-ID'), getHeader(invite, 'Call-ID'));
    assert.equal(getHeader(ack, 'From'), getHeader(invite, 'From'));
    assert.equal(toTag(ack), 'callee-tag', 'To comes from the response');
    assert.equal(getHeader(ack, 'CSeq'), '7 ACK');
    assert.deepEqual(getHeaders(ack, 'Route'), ['<sip:proxy1.example.com;lr>', '<sip:proxy2.example.com;lr>']);
    assert.equal(ack.body, '');

    // The server did not see our ACK (say it was lost) and retransmits the 486.
    rig.clock.advance(400);
    void rig.peerReply(got, 486, 'callee-tag');
    rig.clock.advance(0);
    assert.deepEqual(rig.sentAt(isMethod('ACK')), [100, 500]);
    assert.deepEqual(user.statuses(), [486], 'the retransmitted 486 is absorbed');
    assert.deepEqual(rig.sentAt(isMethod('INVITE')), [0], 'Timer A stopped');
    assert.equal(rig.layer.stats().absorbed, 1);

    rig.clock.advance(100 + 32_000 - 1 - rig.clock.now());
    assert.equal(tx.state, InviteClientState.Completed);
    rig.clock.advance(1);
    assert.equal(tx.state, InviteClientState.Terminated, 'Timer D = 32 s after the 486 arrived');
    assert.equal(rig.layer.stats().live, 0);
    rig.drain();
    rig.close();
  });

  test('2xx goes to the TU without an ACK from the transaction; Accepted passes 2xx retransmissions up until Timer M', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    rig.clock.advance(0);
    const got = lastReceived(rig, 'INVITE');
    void rig.peerReply(got, 200, 'tt');
    rig.clock.advance(0);
    assert.equal(tx.state, InviteClientState.Accepted);
    void rig.peerReply(got, 200, 'tt');
    rig.clock.advance(500);
    assert.deepEqual(user.statuses(), [200, 200], 'RFC 6026: the dialog ACKs every 2xx');
    assert.deepEqual(rig.sentAt(isMethod('ACK')), [], 'the ACK for a 2xx is the TU\'s');
    assert.deepEqual(rig.sentAt(isMethod('INVITE')), [0]);
    rig.clock.advance(32_000 - 501);
    assert.equal(tx.state, InviteClientState.Accepted);
    rig.clock.advance(1);
    assert.equal(tx.state, InviteClientState.Terminated, 'Timer M = 64*T1');
    // After the transaction is gone, a late 2xx is a stray for the core/dialog.
    void rig.peerReply(got, 200, 'tt');
    rig.clock.advance(0);
    assert.equal(rig.strays.length, 1);
    rig.drain();
    rig.close();
  });

  test('reliable transport: no Timer A, Timer B still 32 s, Timer D zero', () => {
    const rig = new Rig({ side: 'client', reliable: true });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    rig.clock.advance(31_999);
    assert.deepEqual(rig.sentAt(isMethod('INVITE')), [0]);
    rig.clock.advance(1);
    assert.equal(user.timeouts.length, 1);
    assert.equal(tx.state, InviteClientState.Terminated);

    const user2 = rig.user();
    const tx2 = rig.layer.sendRequest(request('INVITE', { callId: 'c2' }), rig.peerEndpoint, user2);
    rig.clock.advance(0);
    void rig.peerReply(lastReceived(rig, 'INVITE'), 603, 'x');
    rig.clock.advance(0);
    assert.deepEqual(user2.statuses(), [603]);
    assert.equal(rig.sentAt(isMethod('ACK')).length, 1, 'the ACK is still sent');
    assert.equal(tx2.state, InviteClientState.Terminated, 'Timer D is 0 over TCP');
    assert.equal(rig.clock.pending(), 0);
    rig.close();
  });

  test('transport error is reported as 503 and terminates', async () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    rig.transport.fail(1);
    const tx = rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    await rig.settle();
    assert.equal(user.transportErrors.length, 1);
    assert.equal(user.transportErrors[0].status, 503);
    assert.equal(user.transportErrors[0].code, 'SIP_TRANSPORT');
    assert.equal(tx.state, InviteClientState.Terminated);
    assert.equal(rig.layer.stats().transportErrors, 1);
    assert.equal(rig.clock.pending(), 0, 'Timers A and B cancelled');
    rig.close();
  });

  test('a failure of a retransmission is reported once, at the time it happens', async () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    const tx = rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    rig.clock.advance(499);
    rig.transport.fail(5);
    rig.clock.advance(1);
    await rig.settle();
    assert.deepEqual(user.at, [{ event: 'transport-error', t: 500 }]);
    assert.equal(tx.state, InviteClientState.Terminated);
    rig.close();
  });
});

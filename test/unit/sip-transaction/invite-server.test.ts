import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, toTag } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { InviteServerState } from '../../../src/sip/transaction/invite-server.ts';
import type { ServerTransaction } from '../../../src/sip/transaction/types.ts';
import type { SipError } from '../../../src/core/errors.ts';
import { Rig, isStatus, request } from './helpers.ts';

/** A server rig whose TU records requests and lets the test answer later. */
function serverRig(reliable = false): { rig: Rig; txs: ServerTransaction[]; reqs: SipRequest[] } {
  const rig = new Rig({ side: 'server', reliable });
  const txs: ServerTransaction[] = [];
  const reqs: SipRequest[] = [];
  rig.layer.onRequest = (tx, req) => {
    txs.push(tx);
    reqs.push(req);
  };
  return { rig, txs, reqs };
}

function responsesAtPeer(rig: Rig): SipResponse[] {
  return rig.atPeer.flatMap((r) => (r.message.kind === 'response' ? [r.message] : []));
}

/** The ACK a UAC sends for a non-2xx: same branch as the INVITE (17.1.1.3). */
function ackFor(branch: string): SipRequest {
  return request('ACK', { branch, toTag: 'uas' });
}

describe('INVITE server transaction (RFC 3261 17.2.1)', () => {
  test('sends 100 Trying after 200 ms when the TU is silent', () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('INVITE'));
    rig.clock.advance(0);
    assert.equal(txs.length, 1);
    rig.clock.advance(199);
    assert.deepEqual(rig.sentAt(isStatus(100)), []);
    rig.clock.advance(1);
    assert.deepEqual(rig.sentAt(isStatus(100)), [200]);
    const trying = responsesAtPeer(rig)[0];
    assert.equal(trying.status, 100);
    assert.equal(toTag(trying), undefined);
    assert.equal(txs[0].state, InviteServerState.Proceeding);
    rig.close();
  });

  test('no 100 Trying when the TU answers within 200 ms', () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('INVITE'));
    rig.clock.advance(50);
    txs[0].respond(createResponse(txs[0].request, 180, undefined, 'uas'));
    rig.clock.advance(1000);
    assert.deepEqual(responsesAtPeer(rig).map((r) => r.status), [180]);
    rig.close();
  });

  test('486 is retransmitted by Timer G at 500, 1000, 2000, 4000, 4000 ms intervals until the ACK; then Confirmed and Timer I', () => {
    const { rig, txs } = serverRig();
    const branch = 'z9hG4bK-g-test';
    const invite = request('INVITE', { branch });
    void rig.peerSend(invite);
    rig.clock.advance(0);
    const tx = txs[0];
    tx.respond(createResponse(tx.request, 486, undefined, 'uas'));
    assert.equal(tx.state, InviteServerState.Completed);
    rig.clock.advance(12_000);
    const at = rig.sentAt(isStatus(486));
    assert.deepEqual(at, [0, 500, 1500, 3500, 7500, 11500]);
    assert.deepEqual(at.slice(1).map((t, i) => t - at[i]), [500, 1000, 2000, 4000, 4000]);
    assert.deepEqual(rig.sentAt(isStatus(100)), [], 'the final came before the 200 ms Trying timer');

    void rig.peerSend(ackFor(branch));
    rig.clock.advance(0);
    assert.equal(tx.state, InviteServerState.Confirmed);
    assert.equal(rig.strays.length, 0, 'the ACK for a non-2xx belongs to the transaction');
    rig.clock.advance(10_000);
    assert.equal(rig.sentAt(isStatus(486)).length, 6, 'Timer G stopped by the ACK');
    rig.close();
  });

  test('Confirmed absorbs ACK retransmissions and ends after Timer I (T4)', () => {
    const { rig, txs } = serverRig();
    const branch = 'z9hG4bK-i-test';
    const invite = request('INVITE', { branch });
    void rig.peerSend(invite);
    rig.clock.advance(0);
    const tx = txs[0];
    tx.respond(createResponse(tx.request, 603, undefined, 'uas'));
    rig.clock.advance(100);
    void rig.peerSend(ackFor(branch));
    rig.clock.advance(0);
    assert.equal(tx.state, InviteServerState.Confirmed);
    void rig.peerSend(ackFor(branch));
    rig.clock.advance(0);
    assert.equal(rig.layer.stats().absorbed, 1);
    assert.equal(rig.strays.length, 0);
    rig.clock.advance(4999);
    assert.equal(tx.state, InviteServerState.Confirmed);
    rig.clock.advance(1);
    assert.equal(tx.state, InviteServerState.Terminated);
    assert.equal(rig.layer.stats().live, 0);
    rig.drain();
    rig.close();
  });

  test('Timer H: no ACK within 64*T1 reports a timeout to the TU', () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('INVITE'));
    rig.clock.advance(0);
    const tx = txs[0];
    const timeouts: SipError[] = [];
    let terminated = 0;
    tx.onTimeout = (e) => timeouts.push(e);
    tx.onTerminated = () => terminated++;
    tx.respond(createResponse(tx.request, 480, undefined, 'uas'));
    rig.clock.advance(31_999);
    assert.equal(timeouts.length, 0);
    rig.clock.advance(1);
    assert.equal(timeouts.length, 1);
    assert.equal(timeouts[0].status, 408);
    assert.equal(terminated, 1);
    assert.equal(tx.state, InviteServerState.Terminated);
    assert.deepEqual(rig.sentAt(isStatus(480)), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(rig.layer.stats().timeouts, 1);
    rig.drain();
    rig.close();
  });

  test('a retransmitted INVITE gets the latest response again and never reaches the TU twice', () => {
    const { rig, txs, reqs } = serverRig();
    const invite = request('INVITE');
    void rig.peerSend(invite);
    rig.clock.advance(0);
    void rig.peerSend(invite);
    rig.clock.advance(0);
    assert.deepEqual(responsesAtPeer(rig), [], 'nothing to resend before any response');
    txs[0].respond(createResponse(txs[0].request, 180, undefined, 'uas'));
    void rig.peerSend(invite);
    rig.clock.advance(0);
    assert.deepEqual(responsesAtPeer(rig).map((r) => r.status), [180, 180]);
    txs[0].respond(createResponse(txs[0].request, 486, undefined, 'uas'));
    rig.clock.advance(100);
    void rig.peerSend(invite);
    rig.clock.advance(0);
    assert.deepEqual(responsesAtPeer(rig).map((r) => r.status), [180, 180, 486, 486]);
    assert.equal(reqs.length, 1);
    assert.equal(rig.layer.stats().absorbed, 3);
    rig.close();
  });

  test('2xx: Accepted absorbs INVITE retransmissions; the ACK for the 2xx is a stray for the dialog; Timer L ends it', () => {
    const { rig, txs, reqs } = serverRig();
    const invite = request('INVITE');
    void rig.peerSend(invite);
    rig.clock.advance(0);
    const tx = txs[0];
    const ok = createResponse(tx.request, 200, undefined, 'uas');
    tx.respond(ok);
    assert.equal(tx.state, InviteServerState.Accepted);
    rig.clock.advance(500);
    assert.deepEqual(rig.sentAt(isStatus(200)), [0], 'the transaction does not retransmit 2xx (the dialog does, 13.3.1.4)');
    tx.respond(ok);
    assert.deepEqual(rig.sentAt(isStatus(200)), [0, 500], 'the TU\'s 2xx retransmission passes through');
    void rig.peerSend(invite);
    rig.clock.advance(0);
    assert.equal(reqs.length, 1, 'the INVITE retransmission is not a new request');
    assert.equal(rig.sentAt(isStatus(200)).length, 2, 'and is not answered by the transaction');
    void rig.peerSend(request('ACK', { toTag: 'uas' }));
    rig.clock.advance(0);
    assert.equal(rig.strays.length, 1);
    assert.equal(rig.strays[0].message.kind === 'request' && rig.strays[0].message.method, 'ACK');
    rig.clock.advance(32_000 - 501);
    assert.equal(tx.state, InviteServerState.Accepted);
    rig.clock.advance(1);
    assert.equal(tx.state, InviteServerState.Terminated, 'Timer L = 64*T1');
    rig.drain();
    rig.close();
  });

  test('reliable transport: no Timer G; the ACK ends the transaction at once (Timer I zero); Timer H still runs', () => {
    const { rig, txs } = serverRig(true);
    const branch = 'z9hG4bK-tcp';
    const invite = request('INVITE', { branch });
    void rig.peerSend(invite);
    rig.clock.advance(0);
    txs[0].respond(createResponse(txs[0].request, 486, undefined, 'uas'));
    rig.clock.advance(10_000);
    assert.deepEqual(rig.sentAt(isStatus(486)), [0]);
    void rig.peerSend(ackFor(branch));
    rig.clock.advance(0);
    assert.equal(txs[0].state, InviteServerState.Terminated);
    assert.equal(rig.clock.pending(), 0);

    void rig.peerSend(request('INVITE', { callId: 'c2' }));
    rig.clock.advance(0);
    let timedOut = 0;
    txs[1].onTimeout = () => timedOut++;
    txs[1].respond(createResponse(txs[1].request, 486, undefined, 'uas'));
    rig.clock.advance(32_000);
    assert.equal(timedOut, 1);
    rig.drain();
    rig.close();
  });

  test('transport error on a response is reported to the TU (503) and terminates', async () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('INVITE'));
    rig.clock.advance(0);
    const errors: SipError[] = [];
    txs[0].onTransportError = (e) => errors.push(e);
    rig.transport.fail();
    txs[0].respond(createResponse(txs[0].request, 486, undefined, 'uas'));
    await rig.settle();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].status, 503);
    assert.equal(txs[0].state, InviteServerState.Terminated);
    assert.equal(rig.clock.pending(), 0);
    rig.close();
  });

  test('a second final response from the TU is ignored', () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('INVITE'));
    rig.clock.advance(0);
    txs[0].respond(createResponse(txs[0].request, 486, undefined, 'uas'));
    txs[0].respond(createResponse(txs[0].request, 200, undefined, 'uas'));
    rig.clock.advance(0);
    assert.deepEqual(responsesAtPeer(rig).map((r) => r.status), [486]);
    assert.equal(txs[0].lastResponse?.status, 486);
    rig.close();
  });
});

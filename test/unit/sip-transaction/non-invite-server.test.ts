import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../../src/sip/message/headers.ts';
import type { SipResponse } from '../../../src/sip/message/types.ts';
import { NonInviteServerState } from '../../../src/sip/transaction/non-invite-server.ts';
import type { ServerTransaction } from '../../../src/sip/transaction/types.ts';
import type { SipError } from '../../../src/core/errors.ts';
import { Rig, request } from './helpers.ts';

function serverRig(reliable = false): { rig: Rig; txs: ServerTransaction[] } {
  const rig = new Rig({ side: 'server', reliable });
  const txs: ServerTransaction[] = [];
  rig.layer.onRequest = (tx) => txs.push(tx);
  return { rig, txs };
}

function statusesAtPeer(rig: Rig): number[] {
  return rig.atPeer.flatMap((r) => (r.message.kind === 'response' ? [(r.message as SipResponse).status] : []));
}

describe('non-INVITE server transaction (RFC 3261 17.2.2)', () => {
  test('absorbs retransmissions: discarded in Trying, answered with the last 1xx in Proceeding, with the final in Completed', () => {
    const { rig, txs } = serverRig();
    const reg = request('REGISTER');
    void rig.peerSend(reg);
    rig.clock.advance(0);
    assert.equal(txs.length, 1);
    const tx = txs[0];
    assert.equal(tx.state, NonInviteServerState.Trying);
    void rig.peerSend(reg);
    rig.clock.advance(500);
    assert.deepEqual(statusesAtPeer(rig), [], 'Trying: nothing to resend, no automatic 100 for non-INVITE');

    tx.respond(createResponse(tx.request, 100));
    assert.equal(tx.state, NonInviteServerState.Proceeding);
    void rig.peerSend(reg);
    rig.clock.advance(500);
    assert.deepEqual(statusesAtPeer(rig), [100, 100]);

    tx.respond(createResponse(tx.request, 200, undefined, 'reg'));
    assert.equal(tx.state, NonInviteServerState.Completed);
    void rig.peerSend(reg);
    rig.clock.advance(0);
    assert.deepEqual(statusesAtPeer(rig), [100, 100, 200, 200]);
    assert.equal(txs.length, 1, 'the TU saw the request once');
    assert.equal(rig.layer.stats().absorbed, 3);
    rig.close();
  });

  test('Completed lasts Timer J (64*T1) and ignores further responses from the TU', () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('OPTIONS'));
    rig.clock.advance(0);
    const tx = txs[0];
    let terminated = 0;
    tx.onTerminated = () => terminated++;
    tx.respond(createResponse(tx.request, 200));
    tx.respond(createResponse(tx.request, 500));
    rig.clock.advance(31_999);
    assert.equal(tx.state, NonInviteServerState.Completed);
    assert.deepEqual(statusesAtPeer(rig), [200]);
    rig.clock.advance(1);
    assert.equal(tx.state, NonInviteServerState.Terminated);
    assert.equal(terminated, 1);
    assert.equal(rig.layer.stats().live, 0);
    // A retransmission arriving after Timer J is a new transaction (RFC 3261 17.2.2 accepts this).
    void rig.peerSend(tx.request);
    rig.clock.advance(0);
    assert.equal(txs.length, 2);
    rig.close();
  });

  test('reliable transport: Timer J is zero, the transaction ends with the final response', () => {
    const { rig, txs } = serverRig(true);
    void rig.peerSend(request('OPTIONS'));
    rig.clock.advance(0);
    txs[0].respond(createResponse(txs[0].request, 200));
    assert.equal(txs[0].state, NonInviteServerState.Terminated);
    assert.equal(rig.layer.stats().live, 0);
    rig.clock.advance(0);
    assert.equal(rig.clock.pending(), 0);
    rig.close();
  });

  test('a transport error on the response is reported to the TU (503)', async () => {
    const { rig, txs } = serverRig();
    void rig.peerSend(request('OPTIONS'));
    rig.clock.advance(0);
    const errors: SipError[] = [];
    txs[0].onTransportError = (e) => errors.push(e);
    rig.transport.fail();
    txs[0].respond(createResponse(txs[0].request, 200));
    await rig.settle();
    assert.equal(errors[0]?.status, 503);
    assert.equal(txs[0].state, NonInviteServerState.Terminated);
    assert.equal(rig.clock.pending(), 0);
    rig.close();
  });

  test('responses go to the source endpoint of the request, not the Via sent-by', () => {
    const { rig, txs } = serverRig();
    // The phone claims an unreachable private address in Via (a NAT); the answer must reach it anyway.
    void rig.peerSend(request('OPTIONS', { viaHost: '10.9.9.9', viaPort: 5099 }));
    rig.clock.advance(0);
    assert.deepEqual(txs[0].source, { protocol: 'LOOP', address: '127.0.0.1', port: 5061 });
    txs[0].respond(createResponse(txs[0].request, 200));
    rig.clock.advance(0);
    assert.deepEqual(statusesAtPeer(rig), [200]);
    rig.close();
  });
});

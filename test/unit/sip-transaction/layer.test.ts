import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createResponse, topVia } from '../../../src/sip/message/headers.ts';
import type { SipRequest } from '../../../src/sip/message/types.ts';
import { LoopNetwork, LoopTransport } from '../../../src/sip/transport/loop.ts';
import type { ReceivedMessage } from '../../../src/sip/transport/types.ts';
import { TransactionLayer } from '../../../src/sip/transaction/layer.ts';
import type { ServerTransaction } from '../../../src/sip/transaction/types.ts';
import { RecordingUser, Rig, isMethod, isStatus, request } from './helpers.ts';

/** Two transaction layers talking over a loop network: a UAC at :5061 and a UAS at :5062. */
class Pair {
  readonly clock = new FakeClock();
  readonly network = new LoopNetwork(this.clock);
  readonly a: TransactionLayer;
  readonly b: TransactionLayer;
  readonly ta: LoopTransport;
  readonly tb: LoopTransport;
  readonly strays: { a: ReceivedMessage[]; b: ReceivedMessage[] } = { a: [], b: [] };

  constructor(reliable = false) {
    const fail = (_raw: string, _src: unknown, e: Error) => assert.fail(e.message);
    this.ta = new LoopTransport(this.network, { port: 5061, reliable, events: { onMessage: (r) => this.a.receive(r), onInvalid: fail } });
    this.tb = new LoopTransport(this.network, { port: 5062, reliable, events: { onMessage: (r) => this.b.receive(r), onInvalid: fail } });
    this.a = new TransactionLayer({ clock: this.clock, send: (m, d) => this.ta.send(m, d), onStray: (r) => this.strays.a.push(r) });
    this.b = new TransactionLayer({ clock: this.clock, send: (m, d) => this.tb.send(m, d), onStray: (r) => this.strays.b.push(r) });
  }

  /** Run every timer; both layers must end empty. */
  drain(): void {
    for (let n = 0; n < 1000; n++) {
      const next = this.clock.nextAt();
      if (next === undefined) break;
      this.clock.advance(next - this.clock.now());
    }
    assert.equal(this.a.stats().live, 0);
    assert.equal(this.b.stats().live, 0);
    assert.equal(this.clock.pending(), 0);
  }

  close(): void {
    this.a.close();
    this.b.close();
    this.network.close();
    assert.equal(this.clock.pending(), 0);
  }
}

describe('TransactionLayer', () => {
  test('OPTIONS round trip over the loop wire; both sides drain to zero live transactions (K and J)', () => {
    const p = new Pair();
    p.b.onRequest = (tx, req) => tx.respond(createResponse(req, 200, undefined, 'b'));
    const user = new RecordingUser(p.clock);
    p.a.sendRequest(request('OPTIONS'), p.tb.endpoint, user);
    p.clock.advance(0);
    assert.deepEqual(user.statuses(), [200]);
    assert.equal(p.a.stats().clientNonInvite, 1, 'Completed until Timer K');
    assert.equal(p.b.stats().serverNonInvite, 1, 'Completed until Timer J');
    p.clock.advance(5000);
    assert.equal(p.a.stats().live, 0, 'Timer K = T4');
    p.clock.advance(32_000 - 5000);
    assert.equal(p.b.stats().live, 0, 'Timer J = 64*T1');
    p.drain();
    p.close();
  });

  test('INVITE rejected with 486 over a lossy wire: the 486 is retransmitted until the generated ACK gets through', () => {
    const p = new Pair();
    let server: ServerTransaction | undefined;
    p.b.onRequest = (tx, req) => {
      server = tx;
      tx.respond(createResponse(req, 486, undefined, 'b'));
    };
    // The first two 486s are lost.
    let lost = 0;
    p.tb.drop((m) => m.kind === 'response' && m.status === 486 && lost++ < 2);
    const user = new RecordingUser(p.clock);
    const tx = p.a.sendRequest(request('INVITE'), p.tb.endpoint, user);
    p.clock.advance(2000);
    // INVITE at 0 -> 486 lost; INVITE retransmitted at 500 -> absorbed, 486 resent but lost; Timer G at 500
    // ... the third copy of the 486 gets through and is ACKed.
    assert.deepEqual(user.statuses(), [486]);
    assert.equal(server?.state, 'Confirmed');
    assert.equal(tx.state, 'Completed');
    assert.equal(p.ta.log.filter((r) => isMethod('ACK')(r.message)).length, 1);
    p.drain();
    assert.equal(p.a.stats().timeouts + p.b.stats().timeouts, 0);
    p.close();
  });

  test('a request without a branch gets one from sendRequest, and the response still matches', () => {
    const p = new Pair();
    p.b.onRequest = (tx, req) => tx.respond(createResponse(req, 200));
    const user = new RecordingUser(p.clock);
    const req = request('OPTIONS', { branch: null });
    const tx = p.a.sendRequest(req, p.tb.endpoint, user);
    assert.match(tx.branch, /^z9hG4bK/);
    assert.equal(topVia(req).params.branch, tx.branch);
    p.clock.advance(0);
    assert.deepEqual(user.statuses(), [200]);
    p.close();
  });

  test('stray response and ACK for a 2xx go to onStray', () => {
    const rig = new Rig({ side: 'server' });
    let requests = 0;
    rig.layer.onRequest = () => requests++;
    void rig.peerSend(createResponse(request('OPTIONS'), 200));
    void rig.peerSend(request('ACK', { toTag: 'x' }));
    rig.clock.advance(0);
    assert.equal(requests, 0);
    assert.deepEqual(
      rig.strays.map((r) => (r.message.kind === 'response' ? r.message.status : r.message.method)),
      [200, 'ACK'],
    );
    assert.equal(rig.layer.stats().strays, 2);
    assert.equal(rig.layer.stats().live, 0, 'an ACK never creates a transaction');
    rig.close();
  });

  test('17.2.3 matching: same branch from a different sent-by, or with another method, is another transaction', () => {
    const rig = new Rig({ side: 'server' });
    const seen: SipRequest[] = [];
    rig.layer.onRequest = (_tx, req) => seen.push(req);
    const branch = 'z9hG4bK-shared';
    void rig.peerSend(request('INVITE', { branch }));
    void rig.peerSend(request('INVITE', { branch })); // retransmission
    void rig.peerSend(request('INVITE', { branch, viaHost: '192.0.2.7' }));
    void rig.peerSend(request('INVITE', { branch, viaPort: 5070 }));
    void rig.peerSend(request('CANCEL', { branch }));
    rig.clock.advance(0);
    assert.deepEqual(seen.map((r) => `${r.method} ${topVia(r).host}:${topVia(r).port}`), [
      'INVITE 127.0.0.1:5061',
      'INVITE 192.0.2.7:5061',
      'INVITE 127.0.0.1:5070',
      'CANCEL 127.0.0.1:5061',
    ]);
    assert.equal(rig.layer.stats().serverInvite, 3);
    assert.equal(rig.layer.stats().serverNonInvite, 1);
    rig.close();
  });

  test('CANCEL is its own transaction; findInviteServerTransaction finds the INVITE it cancels (9.2)', () => {
    const rig = new Rig({ side: 'server' });
    const txs: ServerTransaction[] = [];
    rig.layer.onRequest = (tx, req) => {
      txs.push(tx);
      if (req.method !== 'CANCEL') return;
      const invite = rig.layer.findInviteServerTransaction(req);
      tx.respond(createResponse(req, invite ? 200 : 481));
      invite?.respond(createResponse(invite.request, 487, undefined, 'uas'));
    };
    const branch = 'z9hG4bK-cancel-me';
    void rig.peerSend(request('INVITE', { branch }));
    rig.clock.advance(0);
    void rig.peerSend(request('CANCEL', { branch }));
    rig.clock.advance(0);
    void rig.peerSend(request('CANCEL', { branch: 'z9hG4bK-nothing' }));
    rig.clock.advance(0);
    const statuses = rig.atPeer.flatMap((r) => (r.message.kind === 'response' ? [r.message.status] : []));
    assert.deepEqual(statuses, [200, 487, 481]);
    assert.equal(txs[0].kind, 'invite');
    assert.equal(txs[1].kind, 'non-invite');
    assert.equal(txs[0].state, 'Completed');
    rig.close();
  });

  test('a CANCEL goes to the INVITE transaction\'s onCancel hook instead of onRequest when the TU set one', () => {
    const rig = new Rig({ side: 'server' });
    const seen: string[] = [];
    rig.layer.onRequest = (tx, req) => {
      seen.push(req.method);
      if (req.method !== 'INVITE') return;
      tx.onCancel = (cancelTx, cancel) => {
        seen.push(`onCancel ${cancel.method}`);
        cancelTx.respond(createResponse(cancel, 200));
        tx.respond(createResponse(tx.request, 487, undefined, 'uas'));
      };
    };
    const branch = 'z9hG4bK-hooked';
    void rig.peerSend(request('INVITE', { branch }));
    rig.clock.advance(0);
    void rig.peerSend(request('CANCEL', { branch }));
    rig.clock.advance(0);
    assert.deepEqual(seen, ['INVITE', 'onCancel CANCEL']);
    const statuses = rig.atPeer.flatMap((r) => (r.message.kind === 'response' ? [r.message.status] : []));
    assert.deepEqual(statuses, [200, 487]);
    assert.equal(rig.layer.stats().serverNonInvite, 1, 'the CANCEL still has its own transaction');
    rig.close();
  });

  test('RFC 2543 peers (no magic cookie): retransmissions and the ACK still match the transaction', () => {
    const rig = new Rig({ side: 'server' });
    const txs: ServerTransaction[] = [];
    rig.layer.onRequest = (tx) => txs.push(tx);
    const old = { branch: null, callId: 'old-phone-1' } as const;
    void rig.peerSend(request('INVITE', old));
    rig.clock.advance(0);
    void rig.peerSend(request('INVITE', old));
    rig.clock.advance(0);
    assert.equal(txs.length, 1);
    txs[0].respond(createResponse(txs[0].request, 486, undefined, 'uas'));
    void rig.peerSend(request('ACK', { ...old, toTag: 'uas' }));
    rig.clock.advance(0);
    assert.equal(txs[0].state, 'Confirmed');
    void rig.peerSend(request('INVITE', { branch: null, callId: 'old-phone-1', seq: 2 }));
    rig.clock.advance(0);
    assert.equal(txs.length, 2, 'a new CSeq is a new transaction');
    rig.close();
  });

  test('an ACK that matches an INVITE transaction in Accepted (2xx sent) still goes to the dialog as a stray', () => {
    const rig = new Rig({ side: 'server' });
    const txs: ServerTransaction[] = [];
    rig.layer.onRequest = (tx) => txs.push(tx);
    // An RFC 2543 phone: its ACK for the 2xx matches the INVITE's key.
    const old = { branch: null, callId: 'old-phone-2' } as const;
    void rig.peerSend(request('INVITE', old));
    rig.clock.advance(0);
    txs[0].respond(createResponse(txs[0].request, 200, undefined, 'uas'));
    void rig.peerSend(request('ACK', { ...old, toTag: 'uas' }));
    rig.clock.advance(0);
    assert.equal(rig.strays.length, 1);
    assert.equal(txs[0].state, 'Accepted');
    rig.close();
  });

  test('with no TU installed a request is answered 503', () => {
    const rig = new Rig({ side: 'server' });
    void rig.peerSend(request('OPTIONS'));
    rig.clock.advance(0);
    assert.deepEqual(rig.sentAt(isStatus(503)), [0]);
    rig.close();
  });

  test('sendRequest refuses ACK and duplicate branches (programming errors)', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    assert.throws(() => rig.layer.sendRequest(request('ACK'), rig.peerEndpoint, user), /ACK is not a transaction/);
    const req = request('OPTIONS', { branch: 'z9hG4bK-dup' });
    rig.layer.sendRequest(req, rig.peerEndpoint, user);
    assert.throws(() => rig.layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bK-dup' }), rig.peerEndpoint, user), /exists/);
    // Same branch, other method (the CANCEL of an INVITE shares its branch): allowed.
    rig.layer.sendRequest(request('CANCEL', { branch: 'z9hG4bK-dup' }), rig.peerEndpoint, user);
    assert.equal(rig.layer.stats().clientNonInvite, 2);
    rig.close();
  });

  test('close() stops every transaction and timer without TU callbacks', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    let terminated = 0;
    rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user).onTerminated = () => terminated++;
    rig.layer.sendRequest(request('OPTIONS'), rig.peerEndpoint, user);
    rig.layer.onRequest = () => undefined;
    void rig.peerSend(request('MESSAGE', { callId: 'in-1' }));
    rig.clock.advance(700);
    assert.equal(rig.layer.stats().live, 3);
    assert.ok(rig.clock.pending() > 0);
    rig.layer.close();
    assert.equal(rig.layer.stats().live, 0);
    assert.equal(rig.clock.pending(), 0);
    assert.deepEqual(user.at, []);
    assert.equal(terminated, 1);
    rig.close();
  });

  test('stats() counts live transactions by kind and the retransmission counter', () => {
    const rig = new Rig({ side: 'client' });
    const user = rig.user();
    rig.layer.sendRequest(request('INVITE'), rig.peerEndpoint, user);
    rig.layer.sendRequest(request('OPTIONS'), rig.peerEndpoint, user);
    rig.layer.onRequest = () => undefined;
    void rig.peerSend(request('INVITE', { callId: 'in-2' }));
    void rig.peerSend(request('BYE', { callId: 'in-3' }));
    rig.clock.advance(600);
    const s = rig.layer.stats();
    assert.deepEqual(
      [s.clientInvite, s.clientNonInvite, s.serverInvite, s.serverNonInvite, s.live, s.created],
      [1, 1, 1, 1, 4, 4],
    );
    assert.equal(s.retransmissions, 2, 'one INVITE (Timer A) and one OPTIONS (Timer E) at 500 ms');
    rig.close();
  });
});

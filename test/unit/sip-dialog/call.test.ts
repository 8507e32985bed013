import { test, describe as suite } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, cseq, fromTag, getHeader, getHeaders, toTag } from '../../../src/sip/message/headers.ts';
import type { SipRequest } from '../../../src/sip/message/types.ts';
import type { InviteServerSession } from '../../../src/sip/dialog/invite-server-session.ts';
import { SessionState } from '../../../src/sip/dialog/session.ts';
import { request } from '../sip-transaction/helpers.ts';
import { branchOf, Events, SDP_ANSWER, SDP_OFFER, World, type Ua } from './helpers.ts';

/** Alice (UAC, :5061) calls Bob (UAS, :5062); Bob's TU keeps the session it accepted. */
function setup(): { w: World; alice: Ua; bob: Ua; bobEvents: Events; accepted: InviteServerSession[] } {
  const w = new World();
  const alice = w.ua('alice', 5061);
  const bob = w.ua('bob', 5062);
  const bobEvents = new Events();
  const accepted: InviteServerSession[] = [];
  bob.onNew = (tx, req) => {
    if (req.method === 'INVITE') accepted.push(bob.dialogs.acceptInvite(tx, req, bobEvents));
  };
  return { w, alice, bob, bobEvents, accepted };
}

function call(alice: Ua, bob: Ua, events: Events) {
  return alice.dialogs.invite({ target: bob.uri, from: `"Alice" <${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER }, events);
}

suite('INVITE sessions over the loop wire', () => {
  test('full call: INVITE, 100, 180, 200, ACK, BYE, 200; both sides end and nothing is left', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const aliceEvents = new Events();
    const uac = call(alice, bob, aliceEvents);
    w.flush();
    assert.equal(accepted.length, 1);
    const uas = accepted[0]!;
    uas.ringing();
    w.flush();
    assert.equal(uac.state, SessionState.Early);
    uas.answer(SDP_ANSWER);
    w.flush();
    assert.equal(uac.state, SessionState.Confirmed);
    assert.equal(uas.state, SessionState.Confirmed);
    assert.deepEqual(aliceEvents.log, ['progress:180', 'answered']);
    assert.equal(aliceEvents.sdps[1], SDP_ANSWER);
    assert.deepEqual(bobEvents.log, ['ack']);

    uac.hangup();
    w.flush();
    assert.deepEqual(w.lines(), [
      'alice>bob INVITE',
      'bob>alice 100/INVITE',
      'bob>alice 180/INVITE',
      'bob>alice 200/INVITE',
      'alice>bob ACK',
      'alice>bob BYE',
      'bob>alice 200/BYE',
    ]);
    assert.deepEqual(aliceEvents.log, ['progress:180', 'answered', 'ended:local']);
    assert.deepEqual(bobEvents.log, ['ack', 'ended:remote']);

    // The 200 carries Bob's Contact and tag; the ACK is a new transaction with the INVITE's CSeq.
    const [invite, , ringing, ok, ack, bye] = w.wire.map((r) => r.message);
    assert.equal(getHeader(ok!, 'Contact'), '<sip:pbx@127.0.0.1:5062>');
    assert.equal(toTag(ok!), toTag(ringing!));
    assert.equal(getHeader(ok!, 'Content-Type'), 'application/sdp');
    assert.notEqual(branchOf(ack!), branchOf(invite!));
    assert.equal(cseq(ack!).seq, cseq(invite!).seq);
    assert.equal((ack as SipRequest).uri.port, 5062, 'ACK goes to the remote target (the Contact)');
    assert.equal(cseq(bye!).seq, cseq(invite!).seq + 1, 'BYE takes the next local CSeq');
    assert.equal(fromTag(bye!), fromTag(invite!));
    assert.equal(toTag(bye!), toTag(ok!));
    assert.equal(uac.state, SessionState.Terminated);
    assert.equal(uas.state, SessionState.Terminated);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('over a reliable transport: TCP in Via and Contact, no retransmissions, same call flow', () => {
    const w = new World();
    const alice = w.ua('alice', 5061, true);
    const bob = w.ua('bob', 5062, true);
    const accepted: InviteServerSession[] = [];
    bob.onNew = (tx, req) => accepted.push(bob.dialogs.acceptInvite(tx, req, {}));
    const ev = new Events();
    const uac = call(alice, bob, ev);
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    w.clock.advance(5000);
    uac.hangup();
    w.flush();
    assert.deepEqual(w.lines(), ['alice>bob INVITE', 'bob>alice 100/INVITE', 'bob>alice 200/INVITE', 'alice>bob ACK', 'alice>bob BYE', 'bob>alice 200/BYE']);
    const [invite, , ok] = w.wire.map((r) => r.message);
    assert.match(getHeader(invite!, 'Via')!, /^SIP\/2\.0\/TCP 127\.0\.0\.1:5061;/);
    assert.equal(getHeader(invite!, 'Contact'), '<sip:pbx@127.0.0.1:5061;transport=tcp>');
    assert.equal(getHeader(ok!, 'Contact'), '<sip:pbx@127.0.0.1:5062;transport=tcp>');
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('callee hangs up: BYE from the UAS uses its own CSeq space and the caller ends remote', () => {
    const { w, alice, bob, accepted } = setup();
    const aliceEvents = new Events();
    call(alice, bob, aliceEvents);
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    accepted[0]!.hangup();
    w.flush();
    const bye = w.wire.find((r) => r.line === 'bob>alice BYE')!.message as SipRequest;
    assert.equal(cseq(bye).seq, 1, 'the UAS local CSeq starts fresh (12.2.1.1)');
    assert.equal(bye.uri.port, 5061, 'Request-URI is the caller Contact');
    assert.equal(aliceEvents.ended?.by, 'remote');
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('2xx is retransmitted 500, 1000, 2000, 4000, 4000 ... ms apart while ACKs are lost; BYE at 64*T1', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const aliceEvents = new Events();
    alice.transport.drop((m) => m.kind === 'request' && m.method === 'ACK');
    call(alice, bob, aliceEvents);
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    w.clock.advance(40_000);
    const okTimes = w.wire.filter((r) => r.line === 'bob>alice 200/INVITE').map((r) => r.at);
    assert.deepEqual(okTimes, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    const gaps = okTimes.slice(1).map((t, i) => t - okTimes[i]!);
    assert.deepEqual(gaps, [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]);
    // Alice acknowledged every copy (the ACKs were lost on the wire).
    assert.equal(w.lines((r) => r.line === 'alice>bob ACK').length, okTimes.length);
    const byeAt = w.wire.filter((r) => r.line === 'bob>alice BYE').map((r) => r.at);
    assert.deepEqual(byeAt, [32_000]);
    assert.deepEqual(bobEvents.log, ['ended:timeout:408']);
    assert.equal(aliceEvents.ended?.by, 'remote', 'the caller got the BYE');
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('hangup() before the ACK arrives waits for it, then sends BYE (RFC 3261 15)', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const aliceEvents = new Events();
    alice.transport.delay(100);
    call(alice, bob, aliceEvents);
    w.clock.advance(100);
    accepted[0]!.answer(SDP_ANSWER);
    accepted[0]!.hangup();
    assert.equal(w.lines((r) => r.line === 'bob>alice BYE').length, 0, 'no BYE before the ACK');
    w.clock.advance(100);
    assert.equal(w.lines((r) => r.line === 'bob>alice BYE').length, 1, 'BYE once the ACK arrived');
    assert.deepEqual(bobEvents.log, ['ended:local']);
    w.clock.advance(200);
    assert.equal(aliceEvents.ended?.by, 'remote');
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('reject(486): the transaction retransmits and absorbs the ACK; caller ends remote with 486', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const aliceEvents = new Events();
    call(alice, bob, aliceEvents);
    w.flush();
    accepted[0]!.reject(486);
    w.flush();
    assert.deepEqual(w.lines(), ['alice>bob INVITE', 'bob>alice 100/INVITE', 'bob>alice 486/INVITE', 'alice>bob ACK']);
    const ack = w.wire[3]!.message;
    assert.equal(branchOf(ack), branchOf(w.wire[0]!.message), 'ACK for a non-2xx is part of the INVITE transaction');
    assert.deepEqual(aliceEvents.log, ['ended:remote:486']);
    assert.deepEqual(bobEvents.log, ['ended:local:486']);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('CANCEL before the answer: 200 to CANCEL, 487 to the INVITE, the transaction ACKs the 487', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const aliceEvents = new Events();
    const uac = call(alice, bob, aliceEvents);
    w.flush();
    accepted[0]!.ringing();
    w.flush();
    uac.cancel();
    assert.deepEqual(aliceEvents.log, ['progress:180', 'ended:local']);
    w.flush();
    assert.deepEqual(w.lines(), [
      'alice>bob INVITE',
      'bob>alice 100/INVITE',
      'bob>alice 180/INVITE',
      'alice>bob CANCEL',
      'bob>alice 200/CANCEL',
      'bob>alice 487/INVITE',
      'alice>bob ACK',
    ]);
    const [invite, , , cancel, , , ack] = w.wire.map((r) => r.message) as SipRequest[];
    // 9.1: CANCEL copies Request-URI, Call-ID, To, From, CSeq number and the top Via.
    assert.deepEqual(cancel!.uri, invite!.uri);
    for (const h of ['Call-ID', 'To', 'From', 'Via']) assert.equal(getHeader(cancel!, h), getHeader(invite!, h), h);
    assert.deepEqual(cseq(cancel!), { seq: cseq(invite!).seq, method: 'CANCEL' });
    assert.equal(branchOf(ack!), branchOf(invite!));
    assert.deepEqual(bobEvents.log, ['cancel', 'ended:remote:487']);
    assert.equal(uac.state, SessionState.Terminated);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('cancel() before any provisional response waits for one before sending CANCEL (9.1)', () => {
    const { w, alice, bob, accepted } = setup();
    const aliceEvents = new Events();
    bob.transport.delay(50);
    const uac = call(alice, bob, aliceEvents);
    uac.cancel();
    w.clock.advance(10);
    assert.deepEqual(w.lines(), ['alice>bob INVITE', 'bob>alice 100/INVITE'], 'no CANCEL while the 100 is still on its way');
    w.clock.advance(40);
    assert.deepEqual(w.lines().slice(0, 3), ['alice>bob INVITE', 'bob>alice 100/INVITE', 'alice>bob CANCEL']);
    assert.equal(w.wire[2]!.at, 50, 'CANCEL leaves when the 100 lands');
    w.clock.advance(100);
    assert.ok(w.lines().includes('bob>alice 487/INVITE'));
    assert.equal(accepted[0]!.state, SessionState.Terminated);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('CANCEL crosses the 200 OK: the UAS only answers the CANCEL; the UAC ACKs, then BYEs', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const aliceEvents = new Events();
    const uac = call(alice, bob, aliceEvents);
    w.flush();
    accepted[0]!.ringing();
    w.flush();
    // Both leave at the same instant: neither has seen the other's message.
    accepted[0]!.answer(SDP_ANSWER);
    uac.cancel();
    w.flush();
    assert.deepEqual(w.lines().slice(3), [
      'bob>alice 200/INVITE',
      'alice>bob CANCEL',
      'alice>bob ACK',
      'alice>bob BYE',
      'bob>alice 200/CANCEL',
      'bob>alice 200/BYE',
    ]);
    assert.ok(!w.lines().includes('bob>alice 487/INVITE'), 'no 487 after a 2xx');
    assert.deepEqual(aliceEvents.log, ['progress:180', 'ended:local'], 'the TU that cancelled hears no answer');
    assert.deepEqual(bobEvents.log, ['ack', 'ended:remote']);
    assert.equal(uac.state, SessionState.Terminated);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('no final response within 64*T1 of the CANCEL: the INVITE transaction is destroyed (9.1)', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    const bob = w.ua('bob', 5062);
    // Bob's TU rings but never answers, and loses every CANCEL.
    bob.onNew = (tx, req) => {
      tx.respond(createRinging(req));
    };
    alice.transport.drop((m) => m.kind === 'request' && m.method === 'CANCEL');
    const ev = new Events();
    const uac = call(alice, bob, ev);
    w.flush();
    uac.cancel();
    w.clock.advance(31_999);
    assert.equal(alice.dialogs.stats().sessions, 1);
    w.clock.advance(1);
    assert.equal(uac.state, SessionState.Terminated);
    assert.equal(alice.layer.stats().clientInvite, 0, 'INVITE client transaction destroyed');
    assert.deepEqual(ev.log, ['progress:180', 'ended:local']);
    // Bob's side never ended on its own (its TU would time out); shut it down.
    w.close(alice, bob);
  });

  test('in-dialog request with an old CSeq gets 500 (12.2.2); a newer one is served', () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const uac = call(alice, bob, new Events());
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    const d = uac.dialog!;
    const statuses: number[] = [];
    const sendInfo = (seq: number): void => {
      const req = d.createRequest('INFO', { via: 'SIP/2.0/UDP 127.0.0.1:5061;rport', body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' }, seq);
      alice.layer.sendRequest(req, bob.endpoint, {
        onResponse: (res) => statuses.push(res.status),
        onTimeout: () => assert.fail('timeout'),
        onTransportError: () => assert.fail('transport'),
      });
    };
    sendInfo(5);
    w.flush();
    sendInfo(3);
    w.flush();
    sendInfo(6);
    w.flush();
    assert.deepEqual(statuses, [200, 500, 200]);
    const fiveHundred = w.wire.find((r) => r.line === 'bob>alice 500/INFO')!.message;
    assert.equal(fiveHundred.kind === 'response' && fiveHundred.reason, 'CSeq Out Of Order');
    assert.deepEqual(bobEvents.log, ['ack', 'info:application/dtmf-relay:Signal=5\r\nDuration=160', 'info:application/dtmf-relay:Signal=5\r\nDuration=160']);
    d.state.localSeq = 6;
    uac.hangup();
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('requests with an unknown To tag get 481; OPTIONS in the dialog gets 200 with Allow', () => {
    const { w, alice, bob, accepted } = setup();
    const uac = call(alice, bob, new Events());
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    const statuses: number[] = [];
    const user = { onResponse: (r: { status: number }) => statuses.push(r.status), onTimeout: () => undefined, onTransportError: () => undefined };
    const options = uac.dialog!.createRequest('OPTIONS', { via: 'SIP/2.0/UDP 127.0.0.1:5061' });
    alice.layer.sendRequest(options, bob.endpoint, user);
    const stale = uac.dialog!.createRequest('BYE', { via: 'SIP/2.0/UDP 127.0.0.1:5061' });
    stale.headers = stale.headers.map((h) => (h.name === 'To' ? { name: 'To', value: h.value.replace(/tag=[^;]+/, 'tag=gone') } : h));
    alice.layer.sendRequest(stale, bob.endpoint, user);
    w.flush();
    assert.deepEqual(statuses, [200, 481]);
    const ok = w.wire.find((r) => r.line === 'bob>alice 200/OPTIONS')!.message;
    assert.match(getHeaders(ok, 'Allow').join(','), /INVITE.*BYE.*INFO.*UPDATE/);
    assert.equal(accepted[0]!.state, SessionState.Confirmed, 'a stale BYE does not end the call');
    uac.hangup();
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('INFO sent by the session reaches the peer TU (DTMF via application/dtmf-relay)', async () => {
    const { w, alice, bob, bobEvents, accepted } = setup();
    const uac = call(alice, bob, new Events());
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    const result = uac.info('Signal=#\r\nDuration=250\r\n', 'application/dtmf-relay');
    w.flush();
    assert.deepEqual(await result, { ok: true, status: 200 });
    assert.deepEqual(bobEvents.log, ['ack', 'info:application/dtmf-relay:Signal=#\r\nDuration=250']);
    uac.hangup();
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('INVITE without Contact is refused with 400 before anything is sent', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    const bob = w.ua('bob', 5062);
    let thrown: unknown;
    bob.onNew = (tx, req) => {
      try {
        bob.dialogs.acceptInvite(tx, req, {});
      } catch (e) {
        thrown = e;
        tx.respond(createResponse(req, 400, 'Missing Contact', 'x'));
      }
    };
    const statuses: number[] = [];
    alice.layer.sendRequest(request('INVITE'), bob.endpoint, {
      onResponse: (r) => statuses.push(r.status),
      onTimeout: () => assert.fail('timeout'),
      onTransportError: () => assert.fail('transport'),
    });
    w.flush();
    assert.equal((thrown as { status?: number }).status, 400);
    assert.deepEqual(statuses, [400], 'no 100 Trying went out before the refusal');
    assert.equal(bob.dialogs.stats().sessions, 0);
    w.drain(alice, bob);
    w.close(alice, bob);
  });
});

function createRinging(req: SipRequest) {
  const res = createResponse(req, 180, undefined, 'ringonly');
  res.headers.push({ name: 'Contact', value: '<sip:bob@127.0.0.1:5062>' });
  return res;
}

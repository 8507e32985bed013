import { test, describe as suite } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, cseq, fromTag, getHeader, getHeaders, callId } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import type { InviteClientSession } from '../../../src/sip/dialog/invite-client-session.ts';
import type { InviteServerSession } from '../../../src/sip/dialog/invite-server-session.ts';
import { SessionState } from '../../../src/sip/dialog/session.ts';
import type { OfferAnswer } from '../../../src/sip/dialog/types.ts';
import { branchOf, Events, SDP_ANSWER, SDP_OFFER, World, type Ua } from './helpers.ts';

const HOLD = SDP_OFFER.replace('a=sendrecv', 'a=sendonly');
const HOLD_ANSWER = SDP_ANSWER.replace('a=sendrecv', 'a=recvonly');

interface Call {
  w: World;
  alice: Ua;
  bob: Ua;
  uac: InviteClientSession;
  uas: InviteServerSession;
  aliceEvents: Events;
  bobEvents: Events;
}

/** An established call Alice -> Bob; the wire trace is cleared so tests see only what follows. */
type Reinvite = (offer: string | undefined, method: 'INVITE' | 'UPDATE') => OfferAnswer | Promise<OfferAnswer>;

function established(bobHandlers: { onReinvite?: Reinvite } = {}, aliceReinvite?: Reinvite): Call {
  const w = new World();
  const alice = w.ua('alice', 5061);
  const bob = w.ua('bob', 5062);
  const bobEvents = new Events();
  let uas: InviteServerSession | undefined;
  bob.onNew = (tx, req) => {
    uas = bob.dialogs.acceptInvite(tx, req, Object.assign(bobEvents, bobHandlers));
  };
  const aliceEvents = new Events();
  const uac = alice.dialogs.invite(
    { target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER },
    aliceReinvite ? Object.assign(aliceEvents, { onReinvite: aliceReinvite }) : aliceEvents,
  );
  w.flush();
  uas!.answer(SDP_ANSWER);
  w.flush();
  assert.equal(uac.state, SessionState.Confirmed);
  w.wire.length = 0;
  bobEvents.log.length = 0;
  aliceEvents.log.length = 0;
  return { w, alice, bob, uac, uas: uas!, aliceEvents, bobEvents };
}

function finish(c: Call): void {
  c.uac.hangup();
  c.w.drain(c.alice, c.bob);
  c.w.close(c.alice, c.bob);
}

suite('mid-call requests', () => {
  test('re-INVITE with a=sendonly (hold) reaches onReinvite; the answer goes back; ACK reaches onAck', async () => {
    const offers: (string | undefined)[] = [];
    const c = established({
      onReinvite: (offer: string | undefined) => {
        offers.push(offer);
        return { sdp: HOLD_ANSWER };
      },
    });
    const result = c.uac.reinvite(HOLD);
    c.w.flush();
    assert.deepEqual(await result, { ok: true, status: 200, sdp: HOLD_ANSWER });
    assert.equal(offers.length, 1);
    assert.match(offers[0]!, /a=sendonly/);
    assert.deepEqual(c.w.lines(), ['alice>bob INVITE', 'bob>alice 200/INVITE', 'alice>bob ACK']);
    const [reinvite, ok, ack] = c.w.wire.map((r) => r.message);
    assert.equal(cseq(reinvite!).seq, 2);
    assert.equal(getHeader(reinvite!, 'Contact'), '<sip:pbx@127.0.0.1:5061>', 're-INVITE is a target refresh: Contact required');
    assert.equal(getHeader(ok!, 'Contact'), '<sip:pbx@127.0.0.1:5062>');
    assert.equal(cseq(ack!).seq, 2);
    assert.deepEqual(c.bobEvents.log, ['ack']);
    // Unhold: the next offer is sendrecv again.
    const back = c.uac.reinvite(SDP_OFFER);
    c.w.flush();
    assert.equal((await back).ok, true);
    assert.match(offers[1]!, /a=sendrecv/);
    finish(c);
  });

  test('re-INVITE answered asynchronously; a rejection (488) leaves the call up', async () => {
    let release: ((a: OfferAnswer) => void) | undefined;
    let calls = 0;
    const c = established({
      onReinvite: () => {
        calls++;
        if (calls === 1) return new Promise<OfferAnswer>((r) => (release = r));
        return { status: 488 };
      },
    });
    const first = c.uac.reinvite(HOLD);
    c.w.flush();
    c.w.clock.advance(200);
    assert.deepEqual(c.w.lines(), ['alice>bob INVITE', 'bob>alice 100/INVITE'], 'the transaction sent 100 while the TU thought');
    release!({ sdp: HOLD_ANSWER });
    await c.w.settle();
    assert.equal((await first).ok, true);
    const second = c.uac.reinvite(SDP_OFFER);
    c.w.flush();
    assert.deepEqual(await second, { ok: false, status: 488, reason: 'Not Acceptable Here' });
    assert.deepEqual(c.w.lines().slice(-3), ['alice>bob INVITE', 'bob>alice 488/INVITE', 'alice>bob ACK']);
    assert.equal(c.uac.state, SessionState.Confirmed);
    assert.equal(c.uas.state, SessionState.Confirmed);
    finish(c);
  });

  test('re-INVITE glare: both sides get 491 and the call stays up (14.1)', async () => {
    const c = established({ onReinvite: () => ({ sdp: HOLD_ANSWER }) }, () => ({ sdp: HOLD_ANSWER }));
    const a = c.uac.reinvite(HOLD);
    const b = c.uas.reinvite(HOLD);
    c.w.flush();
    assert.equal((await a).status, 491);
    assert.equal((await b).status, 491);
    assert.equal(c.uac.state, SessionState.Confirmed);
    // And once the glare is over a re-INVITE goes through.
    const again = c.uac.reinvite(HOLD);
    c.w.flush();
    assert.equal((await again).ok, true);
    finish(c);
  });

  test('a second re-INVITE while the first is unanswered gets 500 with Retry-After (14.2)', async () => {
    let release: ((a: OfferAnswer) => void) | undefined;
    const c = established({ onReinvite: () => new Promise<OfferAnswer>((r) => (release = r)) });
    const first = c.uac.reinvite(HOLD);
    c.w.flush();
    // Send a second INVITE by hand (the session itself refuses to while one is in progress).
    assert.deepEqual(await c.uac.reinvite(HOLD), { ok: false, status: 491, reason: 'Request Pending' });
    const req = c.uac.dialog!.createRequest('INVITE', { via: 'SIP/2.0/UDP 127.0.0.1:5061', contact: '<sip:a@127.0.0.1:5061>', body: HOLD });
    const statuses: SipResponse[] = [];
    c.alice.layer.sendRequest(req, c.bob.endpoint, { onResponse: (r) => statuses.push(r), onTimeout: () => undefined, onTransportError: () => undefined });
    c.w.flush();
    assert.equal(statuses[0]!.status, 500);
    const retry = Number(getHeader(statuses[0]!, 'Retry-After'));
    assert.ok(retry >= 0 && retry <= 10);
    release!({ sdp: HOLD_ANSWER });
    await c.w.settle();
    assert.equal((await first).ok, true);
    finish(c);
  });

  test('UPDATE with an offer goes to onReinvite(offer, UPDATE); 200 carries the answer', () => {
    const seen: string[] = [];
    const c = established({
      onReinvite: (offer: string | undefined, method: 'INVITE' | 'UPDATE') => {
        seen.push(`${method}:${offer?.includes('a=sendonly')}`);
        return { sdp: HOLD_ANSWER };
      },
    });
    const upd = c.uac.dialog!.createRequest('UPDATE', { via: 'SIP/2.0/UDP 127.0.0.1:5061', contact: '<sip:moved@127.0.0.1:5061>', body: HOLD });
    const got: SipResponse[] = [];
    c.alice.layer.sendRequest(upd, c.bob.endpoint, { onResponse: (r) => got.push(r), onTimeout: () => undefined, onTransportError: () => undefined });
    c.w.flush();
    assert.deepEqual(seen, ['UPDATE:true']);
    assert.equal(got[0]!.status, 200);
    assert.equal(got[0]!.body, HOLD_ANSWER);
    assert.equal(c.uas.dialog!.state.remoteTarget, 'sip:moved@127.0.0.1:5061', 'UPDATE is a target refresh (RFC 3311)');
    c.uas.hangup();
    c.w.flush();
    const bye = c.w.wire.find((r) => r.line.startsWith('bob>') && r.line.endsWith(' BYE'))!.message as SipRequest;
    assert.equal(bye.uri.user, 'moved', 'the BYE goes to the refreshed target');
    c.w.drain(c.alice, c.bob);
    c.w.close(c.alice, c.bob);
  });

  test('without an onReinvite handler a re-INVITE is refused with 488', async () => {
    const c = established();
    const r = await (async () => {
      const p = c.uac.reinvite(HOLD);
      c.w.flush();
      return p;
    })();
    assert.equal(r.status, 488);
    finish(c);
  });

  test('BYE from the callee while a re-INVITE is pending answers it 487 (15.1.2)', async () => {
    const c = established({ onReinvite: () => new Promise<OfferAnswer>(() => undefined) });
    const p = c.uac.reinvite(HOLD);
    c.w.flush();
    const bye = c.uac.dialog!.createRequest('BYE', { via: 'SIP/2.0/UDP 127.0.0.1:5061' });
    c.alice.layer.sendRequest(bye, c.bob.endpoint, { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined });
    c.w.flush();
    assert.deepEqual(await p, { ok: false, status: 487, reason: 'Request Terminated' });
    assert.equal(c.uas.state, SessionState.Terminated);
    assert.deepEqual(c.bobEvents.log, ['ended:remote']);
    c.uac.destroy();
    c.w.drain(c.alice, c.bob);
    c.w.close(c.alice, c.bob);
  });

  test('a TU callback that throws is reported to onError and the protocol carries on', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    const bob = w.ua('bob', 5062);
    let uas: InviteServerSession | undefined;
    bob.onNew = (tx, req) => (uas = bob.dialogs.acceptInvite(tx, req, {}));
    const uac = alice.dialogs.invite({ target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER }, {
      onAnswered: () => {
        throw new Error('TU bug');
      },
    });
    w.flush();
    uas!.answer(SDP_ANSWER);
    w.flush();
    assert.equal(alice.errors.length, 1);
    assert.ok(w.lines().includes('alice>bob ACK'), 'the ACK still went out');
    alice.errors.length = 0;
    uac.hangup();
    w.drain(alice, bob);
    w.close(alice, bob);
  });
});

suite('digest challenges', () => {
  const CHALLENGE = 'Digest realm="pbx", nonce="n1", algorithm=MD5, qop="auth"';
  const CREDENTIALS = 'Digest username="alice", realm="pbx", nonce="n1", uri="sip:bob@127.0.0.1:5062", response="0123456789abcdef0123456789abcdef"';

  function challenger(bob: Ua, always: boolean): { sessions: InviteServerSession[] } {
    const sessions: InviteServerSession[] = [];
    bob.onNew = (tx, req) => {
      if (always || getHeader(req, 'Authorization') === undefined) {
        const res = createResponse(req, 401, 'Unauthorized', 'chal');
        res.headers.push({ name: 'WWW-Authenticate', value: CHALLENGE });
        tx.respond(res);
        return;
      }
      const s = bob.dialogs.acceptInvite(tx, req, {});
      sessions.push(s);
      s.answer(SDP_ANSWER);
    };
    return { sessions };
  }

  test('401 is answered once with credentials: CSeq+1, same Call-ID and From tag, new branch; the ACK carries them too', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    const bob = w.ua('bob', 5062);
    challenger(bob, false);
    const asked: string[] = [];
    const ev = new Events();
    const uac = alice.dialogs.invite(
      {
        target: bob.uri,
        from: `<${alice.uri}>`,
        to: `<${bob.uri}>`,
        sdp: SDP_OFFER,
        authenticate: (challenge, request) => {
          asked.push(`${challenge.status} ${getHeader(challenge, 'WWW-Authenticate')} ${request.method}`);
          return [{ name: 'Authorization', value: CREDENTIALS }];
        },
      },
      ev,
    );
    w.flush();
    assert.deepEqual(w.lines(), [
      'alice>bob INVITE',
      'bob>alice 401/INVITE',
      'alice>bob ACK',
      'alice>bob INVITE',
      'bob>alice 100/INVITE',
      'bob>alice 200/INVITE',
      'alice>bob ACK',
    ]);
    assert.deepEqual(asked, [`401 ${CHALLENGE} INVITE`]);
    const [first, , , second, , , ack] = w.wire.map((r) => r.message);
    assert.deepEqual(cseq(second!), { seq: 2, method: 'INVITE' });
    assert.equal(callId(second!), callId(first!));
    assert.equal(fromTag(second!), fromTag(first!));
    assert.notEqual(branchOf(second!), branchOf(first!));
    assert.equal(getHeader(second!, 'Authorization'), CREDENTIALS);
    assert.equal(getHeader(ack!, 'Authorization'), CREDENTIALS, '13.2.2.4: same credentials as the INVITE');
    assert.equal(cseq(ack!).seq, 2);
    assert.deepEqual(ev.log, ['answered']);
    uac.hangup();
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('the same challenge again is not retried: the call ends with 401', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    const bob = w.ua('bob', 5062);
    challenger(bob, true);
    let asked = 0;
    const ev = new Events();
    alice.dialogs.invite(
      {
        target: bob.uri,
        from: `<${alice.uri}>`,
        to: `<${bob.uri}>`,
        sdp: SDP_OFFER,
        authenticate: () => {
          asked++;
          return [{ name: 'Authorization', value: CREDENTIALS }];
        },
      },
      ev,
    );
    w.flush();
    assert.deepEqual(w.lines(), ['alice>bob INVITE', 'bob>alice 401/INVITE', 'alice>bob ACK', 'alice>bob INVITE', 'bob>alice 401/INVITE', 'alice>bob ACK']);
    assert.equal(asked, 1);
    assert.deepEqual(ev.log, ['ended:remote:401']);
    assert.equal(getHeaders(w.wire[3]!.message, 'Authorization').length, 1);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('no Authenticator: the 407 ends the call with its status', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    const bob = w.ua('bob', 5062);
    bob.onNew = (tx, req) => {
      const res = createResponse(req, 407, undefined, 'p');
      res.headers.push({ name: 'Proxy-Authenticate', value: CHALLENGE });
      tx.respond(res);
    };
    const ev = new Events();
    alice.dialogs.invite({ target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER }, ev);
    w.flush();
    assert.deepEqual(ev.log, ['ended:remote:407']);
    w.drain(alice, bob);
    w.close(alice, bob);
  });
});

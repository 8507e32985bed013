import { test, describe as suite } from 'node:test';
import assert from 'node:assert/strict';
import { addHeader, createResponse, cseq, getHeader, getHeaders, parseNameAddr, toTag, topVia } from '../../../src/sip/message/headers.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { LoopTransport } from '../../../src/sip/transport/loop.ts';
import type { InviteServerSession } from '../../../src/sip/dialog/invite-server-session.ts';
import { SessionState } from '../../../src/sip/dialog/session.ts';
import { Events, SDP_ANSWER, SDP_OFFER, World, type Ua } from './helpers.ts';

const PROXY_PORT = 5070;
const PROXY_ROUTE = `<sip:127.0.0.1:${PROXY_PORT};lr>`;

/**
 * A stateless loose-routing proxy (RFC 3261 16.11): pops a Route naming itself, Record-Routes
 * initial INVITEs, pushes its Via (branch derived from the incoming one, so a CANCEL matches its
 * INVITE downstream), and sends responses back along the Via path.
 */
class LooseProxy {
  readonly transport: LoopTransport;
  constructor(w: World) {
    w.nameOf(PROXY_PORT, 'proxy');
    this.transport = new LoopTransport(w.network, {
      port: PROXY_PORT,
      events: {
        onMessage: (r) => this.forward(r.message),
        onInvalid: (_raw, _src, e) => assert.fail(`proxy got invalid bytes: ${e.message}`),
        onSent: (raw, dest) => w.record('proxy', raw, dest),
      },
    });
  }

  private forward(msg: SipMessage): void {
    const m = structuredClone(msg);
    if (m.kind === 'response') {
      m.headers.splice(m.headers.findIndex((h) => h.name === 'Via'), 1);
      const via = topVia(m);
      void this.transport.send(m, { protocol: 'LOOP', address: via.host, port: via.port ?? 5060 });
      return;
    }
    const routeAt = m.headers.findIndex((h) => h.name === 'Route');
    if (routeAt >= 0 && parseNameAddr(m.headers[routeAt]!.value).uri.port === PROXY_PORT) m.headers.splice(routeAt, 1);
    if (m.method === 'INVITE' && toTag(m) === undefined) addHeader(m, 'Record-Route', PROXY_ROUTE, true);
    const branch = 'z9hG4bKpx' + (topVia(m).params['branch'] ?? '').slice(7);
    addHeader(m, 'Via', `SIP/2.0/UDP 127.0.0.1:${PROXY_PORT};branch=${branch}`, true);
    const route = getHeader(m, 'Route');
    const next = route !== undefined ? parseNameAddr(route).uri : m.uri;
    void this.transport.send(m, { protocol: 'LOOP', address: next.host, port: next.port ?? 5060 });
  }
}

function pair(): { w: World; alice: Ua; bob: Ua; accepted: InviteServerSession[]; bobEvents: Events } {
  const w = new World();
  const alice = w.ua('alice', 5061);
  const bob = w.ua('bob', 5062);
  const accepted: InviteServerSession[] = [];
  const bobEvents = new Events();
  bob.onNew = (tx, req) => {
    if (req.method === 'INVITE') accepted.push(bob.dialogs.acceptInvite(tx, req, bobEvents));
  };
  return { w, alice, bob, accepted, bobEvents };
}

suite('routing and forking', () => {
  test('Record-Route: ACK and BYE follow the route set through the proxy (loose routing)', () => {
    const { w, alice, bob, accepted, bobEvents } = pair();
    new LooseProxy(w);
    const ev = new Events();
    const uac = alice.dialogs.invite({ target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER, routes: [PROXY_ROUTE] }, ev);
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    assert.deepEqual(uac.dialog!.state.routeSet, [PROXY_ROUTE], 'UAC route set: Record-Route reversed');
    assert.deepEqual(accepted[0]!.dialog!.state.routeSet, [PROXY_ROUTE], 'UAS route set: Record-Route in order');
    uac.hangup();
    w.flush();
    assert.deepEqual(w.lines(), [
      'alice>proxy INVITE',
      'proxy>bob INVITE',
      'bob>proxy 100/INVITE',
      'proxy>alice 100/INVITE',
      'bob>proxy 200/INVITE',
      'proxy>alice 200/INVITE',
      'alice>proxy ACK',
      'proxy>bob ACK',
      'alice>proxy BYE',
      'proxy>bob BYE',
      'bob>proxy 200/BYE',
      'proxy>alice 200/BYE',
    ]);
    const bye = w.wire.find((r) => r.line === 'alice>proxy BYE')!.message as SipRequest;
    assert.deepEqual(getHeaders(bye, 'Route'), [PROXY_ROUTE]);
    assert.equal(bye.uri.port, 5062, 'loose routing keeps the remote target as Request-URI');
    const ack = w.wire.find((r) => r.line === 'alice>proxy ACK')!.message as SipRequest;
    assert.deepEqual(getHeaders(ack, 'Route'), [PROXY_ROUTE]);
    assert.deepEqual(bobEvents.log, ['ack', 'ended:remote']);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('the callee BYE goes through the proxy too', () => {
    const { w, alice, bob, accepted } = pair();
    new LooseProxy(w);
    const ev = new Events();
    alice.dialogs.invite({ target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER, routes: [PROXY_ROUTE] }, ev);
    w.flush();
    accepted[0]!.answer(SDP_ANSWER);
    w.flush();
    accepted[0]!.hangup();
    w.flush();
    assert.deepEqual(w.lines().slice(-4), ['bob>proxy BYE', 'proxy>alice BYE', 'alice>proxy 200/BYE', 'proxy>bob 200/BYE']);
    assert.equal(ev.ended?.by, 'remote');
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('CANCEL through a stateless proxy reaches the INVITE it cancels', () => {
    const { w, alice, bob, accepted, bobEvents } = pair();
    new LooseProxy(w);
    const uac = alice.dialogs.invite({ target: bob.uri, from: `<${alice.uri}>`, to: `<${bob.uri}>`, sdp: SDP_OFFER, routes: [PROXY_ROUTE] }, new Events());
    w.flush();
    accepted[0]!.ringing();
    w.flush();
    uac.cancel();
    w.flush();
    assert.ok(w.lines().includes('proxy>alice 487/INVITE'));
    assert.deepEqual(bobEvents.log, ['cancel', 'ended:remote:487']);
    w.drain(alice, bob);
    w.close(alice, bob);
  });

  test('forking: two early dialogs by To tag; the first 200 wins, the second gets ACK + BYE', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    w.nameOf(5062, 'fork');
    const got: SipMessage[] = [];
    const fork = new LoopTransport(w.network, {
      port: 5062,
      events: { onMessage: (r) => got.push(r.message), onInvalid: () => assert.fail('invalid'), onSent: (raw, d) => w.record('fork', raw, d) },
    });
    const reply = (req: SipRequest, status: number, tag: string, body = ''): void => {
      const res: SipResponse = createResponse(req, status, undefined, tag);
      res.headers.push({ name: 'Contact', value: `<sip:${tag}@127.0.0.1:5062>` });
      if (body) {
        res.headers.push({ name: 'Content-Type', value: 'application/sdp' });
        res.body = body;
      }
      void fork.send(res, alice.endpoint);
    };
    const ev = new Events();
    const uac = alice.dialogs.invite({ target: 'sip:group@127.0.0.1:5062', from: `<${alice.uri}>`, to: '<sip:group@127.0.0.1>', sdp: SDP_OFFER }, ev);
    w.flush();
    const invite = got[0] as SipRequest;
    reply(invite, 180, 'forkA');
    reply(invite, 180, 'forkB');
    w.flush();
    assert.equal(alice.dialogs.stats().dialogs, 2, 'one early dialog per To tag');
    assert.deepEqual(ev.log, ['progress:180', 'progress:180']);
    reply(invite, 200, 'forkA', SDP_ANSWER);
    w.flush();
    reply(invite, 200, 'forkB', SDP_ANSWER);
    w.flush();
    const byB = got.filter((m): m is SipRequest => m.kind === 'request' && m.method !== 'INVITE');
    assert.deepEqual(
      byB.map((m) => `${m.method} ${toTag(m)} ${m.uri.user}`),
      ['ACK forkA forkA', 'ACK forkB forkB', 'BYE forkB forkB'],
    );
    assert.deepEqual(ev.log, ['progress:180', 'progress:180', 'answered'], 'onAnswered once');
    assert.equal(uac.dialog!.state.remoteTag, 'forkA');
    // The losing fork's BYE is answered; a retransmitted 200 from the winner is ACKed again.
    const byeB = byB[2]!;
    void fork.send(createResponse(byeB, 200), alice.endpoint);
    reply(invite, 200, 'forkA', SDP_ANSWER);
    w.flush();
    const acks = got.filter((m) => m.kind === 'request' && m.method === 'ACK').map((m) => toTag(m));
    assert.deepEqual(acks, ['forkA', 'forkB', 'forkA']);
    assert.equal(alice.dialogs.stats().dialogs, 1, 'only the winning dialog remains');
    uac.hangup();
    w.flush();
    const bye = got.at(-1) as SipRequest;
    assert.equal(bye.method, 'BYE');
    assert.equal(toTag(bye), 'forkA');
    void fork.send(createResponse(bye, 200), alice.endpoint);
    w.flush();
    assert.equal(uac.state, SessionState.Terminated);
    w.drain(alice);
    fork.closeNow();
    w.close(alice);
  });

  test('a 2xx from another fork after the INVITE transaction is gone (stray) still gets ACK + BYE', () => {
    const w = new World();
    const alice = w.ua('alice', 5061);
    w.nameOf(5062, 'fork');
    const got: SipMessage[] = [];
    const fork = new LoopTransport(w.network, {
      port: 5062,
      events: { onMessage: (r) => got.push(r.message), onInvalid: () => assert.fail('invalid') },
    });
    const ok = (req: SipRequest, tag: string): SipResponse => {
      const res = createResponse(req, 200, undefined, tag);
      res.headers.push({ name: 'Contact', value: `<sip:${tag}@127.0.0.1:5062>` });
      return res;
    };
    const uac = alice.dialogs.invite({ target: 'sip:group@127.0.0.1:5062', from: `<${alice.uri}>`, to: '<sip:group@127.0.0.1>', sdp: SDP_OFFER }, new Events());
    w.flush();
    const invite = got[0] as SipRequest;
    void fork.send(ok(invite, 'forkA'), alice.endpoint);
    w.flush();
    w.clock.advance(32_000); // Timer M: the INVITE client transaction is gone
    assert.equal(alice.layer.stats().clientInvite, 0);
    void fork.send(ok(invite, 'forkB'), alice.endpoint);
    w.flush();
    const after = got.slice(-2).map((m) => (m.kind === 'request' ? `${m.method} ${toTag(m)}` : ''));
    assert.deepEqual(after, ['ACK forkB', 'BYE forkB']);
    void fork.send(createResponse(got.at(-1) as SipRequest, 200), alice.endpoint);
    uac.hangup();
    w.flush();
    void fork.send(createResponse(got.at(-1) as SipRequest, 200), alice.endpoint);
    w.flush();
    assert.equal(cseq(got.at(-1)!).method, 'BYE');
    w.drain(alice);
    fork.closeNow();
    w.close(alice);
  });
});

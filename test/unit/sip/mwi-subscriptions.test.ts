import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createResponse, getHeader } from '../../../src/sip/message/headers.ts';
import { MwiSubscriptions } from '../../../src/sip/mwi/subscriptions.ts';
import type { MessageSummaryCounts } from '../../../src/sip/mwi/message-summary.ts';
import { FakeServerTx, FakeTransactions, PHONE, subscribe } from './mwi-helpers.ts';
import type { SipRequest } from '../../../src/sip/message/types.ts';

function setup(opts: { maxPerPeer?: number; authOk?: boolean; mailbox?: boolean } = {}) {
  const clock = new FakeClock();
  const tx = new FakeTransactions();
  const counts: MessageSummaryCounts = { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 };
  const subs = new MwiSubscriptions({
    clock,
    transactions: tx,
    advertise: () => ({ host: '127.0.0.1', port: 5060 }),
    authenticate: (req) => (opts.authOk === false ? { ok: false, response: createResponse(req, 401, undefined, 'x') } : { ok: true, peer: '2000' }),
    summary: () => (opts.mailbox === false ? undefined : { box: '2000', counts }),
    symmetric: () => true,
    respond: (t, res) => t.respond(res),
    maxPerPeer: opts.maxPerPeer,
  });
  const send = (req: SipRequest) => {
    const t = new FakeServerTx(req, PHONE);
    subs.handleSubscribe(t, req, PHONE);
    return t.responses[0]!;
  };
  return { clock, tx, counts, subs, send };
}

test('SUBSCRIBE: 200 with Expires, To tag and Contact, then a NOTIFY in the dialog at once', () => {
  const { tx, send, subs, clock } = setup();
  const res = send(subscribe({ expires: 600 }));
  assert.equal(res.status, 200);
  assert.equal(getHeader(res, 'Expires'), '600');
  assert.match(getHeader(res, 'To') ?? '', /;tag=/);
  assert.match(getHeader(res, 'Contact') ?? '', /^<sip:pbx@127\.0\.0\.1:5060>$/);
  const n = tx.notifies();
  assert.equal(n.length, 1);
  assert.equal(n[0]!.state, 'active;expires=600');
  assert.equal(getHeader(n[0]!.req, 'Event'), 'message-summary');
  assert.equal(getHeader(n[0]!.req, 'Content-Type'), 'application/simple-message-summary');
  assert.equal(getHeader(n[0]!.req, 'Call-ID'), 'sub-1');
  assert.match(getHeader(n[0]!.req, 'To') ?? '', /tag=ft1/);
  assert.match(n[0]!.body, /Messages-Waiting: no/);
  assert.equal(subs.size, 1);
  subs.close();
  assert.equal(clock.pending(), 0);
});

test('other event packages get 489 with Allow-Events; no Event header too', () => {
  const { send, tx } = setup();
  for (const event of ['presence', 'dialog', '']) {
    const res = send(subscribe({ event }));
    assert.equal(res.status, 489, event);
    assert.equal(getHeader(res, 'Allow-Events'), 'message-summary');
  }
  assert.equal(tx.sent.length, 0);
});

test('unauthenticated SUBSCRIBE gets the authenticator answer, a peer without mailbox 404', () => {
  assert.equal(setup({ authOk: false }).send(subscribe()).status, 401);
  assert.equal(setup({ mailbox: false }).send(subscribe()).status, 404);
});

test('Expires: too short 423 with Min-Expires, too long shortened, absent 3600, Accept without our type 406', () => {
  const a = setup();
  const r423 = a.send(subscribe({ expires: 10 }));
  assert.equal(r423.status, 423);
  assert.equal(getHeader(r423, 'Min-Expires'), '60');
  assert.equal(getHeader(a.send(subscribe({ callId: 'c2', expires: 99999 })), 'Expires'), '3600');
  assert.equal(getHeader(a.send(subscribe({ callId: 'c3' })), 'Expires'), '3600');
  assert.equal(a.send(subscribe({ callId: 'c4', accept: 'application/pidf+xml' })).status, 406);
  a.subs.close();
});

test('counts change: NOTIFY follows, never two in flight, the newest state wins', () => {
  const { tx, send, subs, counts } = setup();
  send(subscribe({ expires: 600 }));
  counts.newMessages = 1;
  subs.notifyPeer('2000');
  counts.newMessages = 2;
  subs.notifyPeer('2000');
  assert.equal(tx.notifies().length, 1, 'second NOTIFY waits for the answer to the first');
  tx.sent[0]!.answer(200);
  const n = tx.notifies();
  assert.equal(n.length, 2, 'the two changes merged into one NOTIFY');
  assert.match(n[1]!.body, /Voice-Message: 2\/0/);
  const seq = (r: SipRequest) => Number((getHeader(r, 'CSeq') ?? '').split(' ')[0]);
  assert.ok(seq(n[1]!.req) > seq(n[0]!.req));
  subs.close();
});

test('refresh by re-SUBSCRIBE, expiry sends terminated;reason=timeout and removes it', () => {
  const { tx, send, subs, clock } = setup();
  const first = send(subscribe({ expires: 120 }));
  const tag = /tag=([^;>\s]+)/.exec(getHeader(first, 'To') ?? '')![1]!;
  tx.sent[0]!.answer(200);
  clock.advance(100_000);
  const refreshed = send(subscribe({ toTag: tag, cseq: 2, expires: 120 }));
  assert.equal(refreshed.status, 200);
  assert.equal(tx.notifies().length, 2);
  tx.sent[1]!.answer(200);
  clock.advance(100_000);
  assert.equal(subs.size, 1, 'the refresh moved the expiry');
  clock.advance(20_001);
  const n = tx.notifies();
  assert.equal(n.length, 3);
  assert.equal(n[2]!.state, 'terminated;reason=timeout');
  assert.equal(subs.size, 0);
  assert.equal(send(subscribe({ toTag: tag, cseq: 3, expires: 120 })).status, 481);
  assert.equal(clock.pending(), 0);
});

test('Expires: 0 in the dialog ends it with a terminated NOTIFY; an older CSeq gets 500', () => {
  const { tx, send, subs } = setup();
  const first = send(subscribe({ expires: 600, cseq: 5 }));
  const tag = /tag=([^;>\s]+)/.exec(getHeader(first, 'To') ?? '')![1]!;
  assert.equal(send(subscribe({ toTag: tag, cseq: 4, expires: 600 })).status, 500);
  tx.sent[0]!.answer(200);
  const end = send(subscribe({ toTag: tag, cseq: 6, expires: 0 }));
  assert.equal(end.status, 200);
  assert.equal(getHeader(end, 'Expires'), '0');
  assert.equal(tx.notifies().at(-1)!.state, 'terminated;reason=timeout');
  assert.equal(subs.size, 0);
});

test('a new SUBSCRIBE with Expires: 0 is a fetch: 200 and one terminated NOTIFY', () => {
  const { tx, send, subs } = setup();
  assert.equal(send(subscribe({ expires: 0 })).status, 200);
  assert.deepEqual(tx.notifies().map((n) => n.state), ['terminated;reason=timeout']);
  assert.equal(subs.size, 0);
});

test('per-peer limit: the fifth live subscription of one phone is refused', () => {
  const { send, subs } = setup({ maxPerPeer: 4 });
  for (let i = 0; i < 4; i++) assert.equal(send(subscribe({ callId: `c${i}`, expires: 600 })).status, 200);
  assert.equal(send(subscribe({ callId: 'c5', expires: 600 })).status, 403);
  subs.close();
});

test('a NOTIFY answered 481 or timing out ends the subscription (RFC 6665 4.2.2)', () => {
  for (const fail of ['481', 'timeout'] as const) {
    const { tx, send, subs, clock } = setup();
    send(subscribe({ expires: 600 }));
    if (fail === '481') tx.sent[0]!.answer(481);
    else tx.sent[0]!.timeout();
    assert.equal(subs.size, 0, fail);
    assert.equal(tx.notifies().length, 1, 'no terminated NOTIFY to a phone that is gone');
    assert.equal(clock.pending(), 0);
  }
});

test('Event id parameter is echoed in NOTIFY', () => {
  const { tx, send, subs } = setup();
  send(subscribe({ event: 'message-summary;id=7', expires: 600 }));
  assert.equal(getHeader(tx.notifies()[0]!.req, 'Event'), 'message-summary;id=7');
  subs.close();
});

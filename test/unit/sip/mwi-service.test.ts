import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { getHeader } from '../../../src/sip/message/headers.ts';
import { MwiService, type MwiPeer, type MwiSpool } from '../../../src/runtime/mwi-service.ts';
import type { MessageCounts, SpoolChange } from '../../../src/store/voicemail-types.ts';
import type { MwiContact } from '../../../src/sip/mwi/unsolicited.ts';
import { FakeServerTx, FakeTransactions, PHONE, subscribe } from './mwi-helpers.ts';

/** A small in-memory spool: counts per box@context, change listeners. */
class MemorySpool implements MwiSpool {
  readonly boxes = new Map<string, MessageCounts>();
  private listeners = new Set<(c: SpoolChange) => void>();
  counts(context: string, box: string): MessageCounts {
    return { ...(this.boxes.get(`${box}@${context}`) ?? { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 }) };
  }
  onChange(l: (c: SpoolChange) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(box: string, context: string, c: Partial<MessageCounts>): void {
    this.boxes.set(`${box}@${context}`, { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0, ...c });
    for (const l of this.listeners) l({ context, box });
  }
}

/** The spool is attached before the phones register (as at start), so nothing is sent then. */
function setup(peers: MwiPeer[], registered: Record<string, MwiContact[]>) {
  const contacts: Record<string, MwiContact[]> = {};
  const clock = new FakeClock();
  const tx = new FakeTransactions();
  const spool = new MemorySpool();
  const mwi = new MwiService({
    clock,
    transactions: tx,
    advertise: () => ({ host: '192.0.2.1', port: 5060 }),
    peers: () => peers,
    contacts: (p) => contacts[p] ?? [],
    authenticate: () => ({ ok: true, peer: '2000' }),
    respond: (t, res) => t.respond(res),
  });
  mwi.attachSpool(spool);
  Object.assign(contacts, registered);
  return { clock, tx, spool, mwi };
}

const C2000: MwiContact = { uri: 'sip:2000@127.0.0.1:5070', reach: { protocol: 'UDP', address: '127.0.0.1', port: 5070 } };
const C2000b: MwiContact = { uri: 'sip:2000@127.0.0.1:5072', reach: { protocol: 'UDP', address: '127.0.0.1', port: 5072 } };

test('registration: an unsolicited NOTIFY to each contact, Messages-Waiting: no, after the 200', () => {
  const { clock, tx, mwi } = setup([{ name: '2000', mailbox: '2000@default', nat: false }], { '2000': [C2000, C2000b] });
  mwi.onRegistration('registered', '2000');
  assert.equal(tx.sent.length, 0, 'not before the REGISTER is answered');
  clock.advance(100);
  const n = tx.notifies();
  assert.equal(n.length, 2);
  assert.deepEqual(tx.sent.map((s) => s.dest.port), [5070, 5072]);
  const req = n[0]!.req;
  assert.equal(req.uri.port, 5070);
  assert.equal(getHeader(req, 'Event'), 'message-summary');
  assert.equal(getHeader(req, 'Subscription-State'), 'active');
  assert.equal(getHeader(req, 'Content-Type'), 'application/simple-message-summary');
  assert.equal(n[0]!.body, 'Messages-Waiting: no\r\nMessage-Account: sip:2000@192.0.2.1\r\nVoice-Message: 0/0 (0/0)\r\n');
  mwi.close();
  assert.equal(clock.pending(), 0);
});

test('a new message: NOTIFY yes 1/0; a change elsewhere sends nothing; peers without mailbox never get one', () => {
  const { clock, tx, spool, mwi } = setup(
    [
      { name: '2000', mailbox: '2000@default', nat: false },
      { name: '2001', nat: false },
    ],
    { '2000': [C2000], '2001': [C2000b] },
  );
  mwi.onRegistration('registered', '2001');
  spool.set('2000', 'default', { newMessages: 1 });
  let n = tx.notifies();
  assert.equal(n.length, 1);
  assert.match(n[0]!.body, /^Messages-Waiting: yes\r\n/);
  assert.match(n[0]!.body, /Voice-Message: 1\/0 \(0\/0\)/);
  tx.sent[0]!.answer(200);
  spool.set('2999', 'default', { newMessages: 4 });
  spool.set('2000', 'other', { newMessages: 4 });
  clock.advance(1000);
  assert.equal(tx.notifies().length, 1);
  spool.set('2000', 'default', { newMessages: 0, oldMessages: 1 });
  n = tx.notifies();
  assert.equal(n.length, 2);
  assert.match(n[1]!.body, /Messages-Waiting: no[\s\S]*Voice-Message: 0\/1/);
  mwi.close();
});

test('mailbox=2000,2001@sales: the sums of both boxes, account of the first', () => {
  const { tx, spool, mwi } = setup([{ name: '2000', mailbox: '2000,2001@sales', nat: false }], { '2000': [C2000] });
  spool.set('2000', 'default', { newMessages: 1, oldMessages: 2, urgentNew: 1 });
  tx.sent[0]!.answer(200);
  spool.set('2001', 'sales', { newMessages: 2, urgentOld: 1 });
  const last = tx.notifies().at(-1)!;
  assert.match(last.body, /Message-Account: sip:2000@192\.0\.2\.1/);
  assert.match(last.body, /Voice-Message: 3\/2 \(1\/1\)/);
  mwi.close();
});

test('attaching the spool sends every registered peer its counts', () => {
  const clock = new FakeClock();
  const tx = new FakeTransactions();
  const spool = new MemorySpool();
  spool.set('2000', 'default', { newMessages: 2 });
  const mwi = new MwiService({
    clock,
    transactions: tx,
    advertise: () => ({ host: '192.0.2.1', port: 5060 }),
    peers: () => [{ name: '2000', mailbox: '2000', nat: false }],
    contacts: () => [C2000],
    authenticate: () => ({ ok: true, peer: '2000' }),
    respond: (t, res) => t.respond(res),
  });
  mwi.attachSpool(spool);
  assert.match(tx.notifies()[0]!.body, /Voice-Message: 2\/0/);
  mwi.close();
});

test('unsolicited NOTIFYs to one contact are never out of order', () => {
  const { tx, spool, mwi } = setup([{ name: '2000', mailbox: '2000', nat: false }], { '2000': [C2000] });
  spool.set('2000', 'default', { newMessages: 1 });
  spool.set('2000', 'default', { newMessages: 2 });
  spool.set('2000', 'default', { newMessages: 3 });
  assert.equal(tx.notifies().length, 1);
  tx.sent[0]!.answer(200);
  const n = tx.notifies();
  assert.equal(n.length, 2);
  assert.match(n[1]!.body, /Voice-Message: 3\/0/);
  mwi.close();
});

test('an unanswered unsolicited NOTIFY frees the contact after the guard', () => {
  const { clock, tx, spool, mwi } = setup([{ name: '2000', mailbox: '2000', nat: false }], { '2000': [C2000] });
  spool.set('2000', 'default', { newMessages: 1 });
  spool.set('2000', 'default', { newMessages: 2 });
  clock.advance(8000);
  assert.equal(tx.sent[0]!.terminated, true);
  assert.equal(tx.notifies().length, 2);
  tx.sent[1]!.answer(200);
  mwi.close();
  assert.equal(clock.pending(), 0);
});

test('a subscribed phone gets its changes in the subscription, not unsolicited', () => {
  const { tx, spool, mwi } = setup([{ name: '2000', mailbox: '2000@default', nat: true }], { '2000': [C2000] });
  const stx = new FakeServerTx(subscribe({ expires: 600 }), PHONE);
  mwi.handleSubscribe(stx, stx.request, PHONE);
  assert.equal(stx.responses[0]!.status, 200);
  tx.sent[0]!.answer(200);
  spool.set('2000', 'default', { newMessages: 1 });
  const n = tx.notifies();
  assert.equal(n.length, 2);
  assert.equal(getHeader(n[1]!.req, 'Call-ID'), 'sub-1', 'in the subscription dialog');
  assert.match(n[1]!.body, /Messages-Waiting: yes/);
  mwi.close();
});

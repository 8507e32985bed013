import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessageSummary, messageAccount, parseMailboxList, sumCounts } from '../../../src/sip/mwi/message-summary.ts';
import { OrderedSender } from '../../../src/sip/mwi/ordered-sender.ts';

test('RFC 3842 body: waiting, account, new/old (urgent new/old), CRLF lines', () => {
  const body = formatMessageSummary('sip:2000@192.0.2.1', { newMessages: 2, oldMessages: 8, urgentNew: 0, urgentOld: 2 });
  assert.equal(body, 'Messages-Waiting: yes\r\nMessage-Account: sip:2000@192.0.2.1\r\nVoice-Message: 2/8 (0/2)\r\n');
});

test('no new messages is Messages-Waiting: no even with old ones', () => {
  const body = formatMessageSummary('sip:2000@h', { newMessages: 0, oldMessages: 3, urgentNew: 0, urgentOld: 0 });
  assert.match(body, /^Messages-Waiting: no\r\n/);
  assert.match(body, /Voice-Message: 0\/3 \(0\/0\)\r\n$/);
});

test('Message-Account brackets an IPv6 host', () => {
  assert.equal(messageAccount('2000', '::1'), 'sip:2000@[::1]');
  assert.equal(messageAccount('2000', '10.0.0.1'), 'sip:2000@10.0.0.1');
});

test('mailbox= lists: comma or ampersand, default context, duplicates once', () => {
  const cases: [string | undefined, string[]][] = [
    [undefined, []],
    ['', []],
    ['2000', ['2000@default']],
    ['2000@default', ['2000@default']],
    ['2000,2001@sales', ['2000@default', '2001@sales']],
    ['2000@a & 2001@b', ['2000@a', '2001@b']],
    ['2000, 2000@default ,', ['2000@default']],
  ];
  for (const [input, want] of cases) {
    assert.deepEqual(parseMailboxList(input).map((m) => `${m.box}@${m.context}`), want, String(input));
  }
});

test('a peer with several boxes gets the sums', () => {
  const total = sumCounts([
    { newMessages: 1, oldMessages: 2, urgentNew: 1, urgentOld: 0 },
    { newMessages: 3, oldMessages: 0, urgentNew: 0, urgentOld: 4 },
  ]);
  assert.deepEqual(total, { newMessages: 4, oldMessages: 2, urgentNew: 1, urgentOld: 4 });
  assert.deepEqual(sumCounts([]), { newMessages: 0, oldMessages: 0, urgentNew: 0, urgentOld: 0 });
});

test('ordered sender: one in flight, only the newest waits, sent after the answer', () => {
  const s = new OrderedSender();
  const started: string[] = [];
  const dones: (() => void)[] = [];
  const job = (name: string) => (done: (o: { status: number }) => void) => {
    started.push(name);
    dones.push(() => done({ status: 200 }));
  };
  s.submit(job('a'));
  s.submit(job('b'));
  s.submit(job('c'));
  assert.deepEqual(started, ['a']);
  dones[0]!();
  assert.deepEqual(started, ['a', 'c']);
  dones[1]!();
  s.submit(job('d'));
  assert.deepEqual(started, ['a', 'c', 'd']);
});

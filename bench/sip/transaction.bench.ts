/**
 * Transaction table throughput with 10,000 transactions (RFC 3261 17.1.3 / 17.2.3 matching):
 * - create: 10,000 new requests through TransactionLayer.receive(), each creating a server
 *   transaction and reaching the TU (key building from the top Via, table insert, state machine
 *   start with its timers on a FakeClock); close() is part of the measured work;
 * - match requests: 10,000 retransmissions matched against 10,000 live server transactions;
 * - match responses: 10,000 provisional responses matched to 10,000 live client transactions.
 * One task iteration handles all 10,000 messages; divide the latency by 10,000 for one message.
 * Messages are parsed once up front: parsing has its own bench (bench/sip/message).
 */
import { Bench } from 'tinybench';
import { FakeClock } from '../../src/platform/fake-clock.ts';
import { createResponse } from '../../src/sip/message/headers.ts';
import { parseMessage } from '../../src/sip/message/parse.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.ts';
import { TransactionLayer } from '../../src/sip/transaction/layer.ts';
import type { ClientTransactionUser } from '../../src/sip/transaction/types.ts';
import type { Endpoint, ReceivedMessage } from '../../src/sip/transport/types.ts';

const N = 10_000;
const SOURCE: Endpoint = { protocol: 'UDP', address: '192.0.2.10', port: 5060 };
const sent = (): Promise<void> => Promise.resolve();
const quietUser: ClientTransactionUser = { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined };

function options(i: number): SipRequest {
  const raw = [
    'OPTIONS sip:pbx.example.com SIP/2.0',
    `Via: SIP/2.0/UDP 192.0.2.${(i % 200) + 1}:5060;branch=z9hG4bK${i.toString(36)}x${(i * 7919).toString(36)};rport`,
    'Max-Forwards: 70',
    `From: <sip:${2000 + (i % 100)}@pbx.example.com>;tag=f${i}`,
    'To: <sip:pbx.example.com>',
    `Call-ID: bench-${i}@192.0.2.10`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(raw) as SipRequest;
}

export default async function transactionBench(): Promise<Bench> {
  const requests: ReceivedMessage[] = [];
  for (let i = 0; i < N; i++) requests.push({ message: options(i), source: SOURCE, raw: '' });

  const bench = new Bench({ name: 'sip transaction', time: 500 });

  bench.add(`create ${N} server transactions`, () => {
    const layer = new TransactionLayer({ clock: new FakeClock(), send: sent, onRequest: () => undefined });
    for (const r of requests) layer.receive(r);
    if (layer.stats().serverNonInvite !== N) throw new Error('bench: not every request created a transaction');
    layer.close();
  });

  let live: TransactionLayer | undefined;
  bench.add(
    `match ${N} request retransmissions against ${N} live server transactions`,
    () => {
      for (const r of requests) live!.receive(r);
    },
    {
      beforeAll: () => {
        live = new TransactionLayer({ clock: new FakeClock(), send: sent, onRequest: () => undefined });
        for (const r of requests) live.receive(r);
      },
      afterAll: () => {
        if (live!.stats().serverNonInvite !== N) throw new Error('bench: retransmissions created transactions');
        live!.close();
      },
    },
  );

  let clients: TransactionLayer | undefined;
  let responses: ReceivedMessage[] = [];
  bench.add(
    `match ${N} responses against ${N} live client transactions`,
    () => {
      for (const r of responses) clients!.receive(r);
    },
    {
      beforeAll: () => {
        clients = new TransactionLayer({ clock: new FakeClock(), send: sent });
        responses = requests.map((r) => {
          const req = structuredClone(r.message as SipRequest);
          clients!.sendRequest(req, SOURCE, quietUser);
          const res: SipResponse = createResponse(req, 100);
          return { message: res, source: SOURCE, raw: '' };
        });
      },
      afterAll: () => {
        if (clients!.stats().strays !== 0) throw new Error('bench: responses did not match');
        clients!.close();
      },
    },
  );

  return bench;
}

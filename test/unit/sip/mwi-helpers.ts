/** Fakes for the MWI unit tests: a transaction layer that records requests, server transactions that record answers. */
import { parseMessage } from '../../../src/sip/message/parse.ts';
import { getHeader } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import type { ClientTransaction, ClientTransactionUser, ServerTransaction } from '../../../src/sip/transaction/types.ts';
import type { Endpoint } from '../../../src/sip/transport/types.ts';
import { SipError } from '../../../src/core/errors.ts';

export interface Sent {
  req: SipRequest;
  dest: Endpoint;
  user: ClientTransactionUser;
  terminated: boolean;
  answer(status: number): void;
  timeout(): void;
}

export class FakeTransactions {
  readonly sent: Sent[] = [];

  sendRequest(req: SipRequest, dest: Endpoint, user: ClientTransactionUser): ClientTransaction {
    const s: Sent = {
      req,
      dest,
      user,
      terminated: false,
      answer: (status) => user.onResponse({ kind: 'response', status, reason: 'X', headers: [], body: '' }),
      timeout: () => user.onTimeout(new SipError('SIP_TIMEOUT', 408, 'Request Timeout')),
    };
    this.sent.push(s);
    return {
      kind: 'non-invite',
      state: 'Trying',
      request: req,
      dest,
      branch: 'z9hG4bKfake',
      terminate: () => {
        s.terminated = true;
      },
    };
  }

  /** NOTIFYs sent so far, as [Subscription-State, body]. */
  notifies(): { state: string | undefined; body: string; req: SipRequest }[] {
    return this.sent.filter((s) => s.req.method === 'NOTIFY').map((s) => ({ state: getHeader(s.req, 'Subscription-State'), body: s.req.body, req: s.req }));
  }
}

export class FakeServerTx implements ServerTransaction {
  readonly kind = 'non-invite' as const;
  readonly state = 'Trying';
  readonly branch = 'z9hG4bKsrv';
  lastResponse: SipResponse | undefined;
  readonly responses: SipResponse[] = [];
  constructor(
    readonly request: SipRequest,
    readonly source: Endpoint,
  ) {}
  respond(res: SipResponse): void {
    this.lastResponse = res;
    this.responses.push(res);
  }
  terminate(): void {}
}

export const PHONE: Endpoint = { protocol: 'UDP', address: '127.0.0.1', port: 5070 };

export function subscribe(opts: { callId?: string; fromTag?: string; toTag?: string; cseq?: number; expires?: number; event?: string; accept?: string } = {}): SipRequest {
  const lines = [
    'SUBSCRIBE sip:2000@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK' + Math.random().toString(36).slice(2),
    'Max-Forwards: 70',
    `From: <sip:2000@127.0.0.1>;tag=${opts.fromTag ?? 'ft1'}`,
    `To: <sip:2000@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${opts.callId ?? 'sub-1'}`,
    `CSeq: ${opts.cseq ?? 1} SUBSCRIBE`,
    'Contact: <sip:2000@127.0.0.1:5070>',
    ...(opts.event === '' ? [] : [`Event: ${opts.event ?? 'message-summary'}`]),
    ...(opts.accept ? [`Accept: ${opts.accept}`] : []),
    ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
    'Content-Length: 0',
    '',
    '',
  ];
  const m = parseMessage(lines.join('\r\n'));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

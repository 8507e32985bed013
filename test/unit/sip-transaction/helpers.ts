import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createResponse } from '../../../src/sip/message/headers.ts';
import { newBranch } from '../../../src/sip/message/ids.ts';
import { parseMessage } from '../../../src/sip/message/parse.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { LoopNetwork, LoopTransport } from '../../../src/sip/transport/loop.ts';
import type { ReceivedMessage } from '../../../src/sip/transport/types.ts';
import { TransactionLayer, type TransactionLayerOptions } from '../../../src/sip/transaction/layer.ts';
import type { ClientTransactionUser } from '../../../src/sip/transaction/types.ts';
import type { SipError } from '../../../src/core/errors.ts';

export const CLIENT_PORT = 5061;
export const SERVER_PORT = 5062;

export interface RequestOptions {
  branch?: string | null;
  viaHost?: string;
  viaPort?: number;
  seq?: number;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  uri?: string;
  routes?: string[];
}

/** A request as a phone would send it, parsed from text so it looks exactly like one off the wire. */
export function request(method: string, o: RequestOptions = {}): SipRequest {
  const branch = o.branch === undefined ? newBranch() : o.branch;
  const via = `SIP/2.0/UDP ${o.viaHost ?? '127.0.0.1'}:${o.viaPort ?? CLIENT_PORT}${branch === null ? '' : `;branch=${branch}`}`;
  const lines = [
    `${method} ${o.uri ?? `sip:2000@127.0.0.1:${SERVER_PORT}`} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    ...(o.routes ?? []).map((r) => `Route: ${r}`),
    `From: "Alice" <sip:1000@127.0.0.1>;tag=${o.fromTag ?? 'f1'}`,
    `To: <sip:2000@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'c1@127.0.0.1'}`,
    `CSeq: ${o.seq ?? 1} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ];
  const msg = parseMessage(lines.join('\r\n'));
  assert.equal(msg.kind, 'request');
  return msg;
}

/** A TU that records everything a client transaction reports. */
export class RecordingUser implements ClientTransactionUser {
  responses: SipResponse[] = [];
  timeouts: SipError[] = [];
  transportErrors: SipError[] = [];
  constructor(private clock: FakeClock) {}
  at: { event: string; t: number }[] = [];
  onResponse(res: SipResponse): void {
    this.responses.push(res);
    this.at.push({ event: String(res.status), t: this.clock.now() });
  }
  onTimeout(err: SipError): void {
    this.timeouts.push(err);
    this.at.push({ event: 'timeout', t: this.clock.now() });
  }
  onTransportError(err: SipError): void {
    this.transportErrors.push(err);
    this.at.push({ event: 'transport-error', t: this.clock.now() });
  }
  statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

/**
 * One transaction layer on a loop transport (port CLIENT_PORT or SERVER_PORT) and a bare peer
 * transport that only records what reaches it, so tests play the other side by hand.
 */
export class Rig {
  readonly clock = new FakeClock();
  readonly network = new LoopNetwork(this.clock);
  readonly transport: LoopTransport;
  readonly peer: LoopTransport;
  readonly layer: TransactionLayer;
  /** What reached the peer. */
  readonly atPeer: ReceivedMessage[] = [];
  readonly strays: ReceivedMessage[] = [];

  constructor(o: { side: 'client' | 'server'; reliable?: boolean; timers?: TransactionLayerOptions['timers'] }) {
    const mine = o.side === 'client' ? CLIENT_PORT : SERVER_PORT;
    const theirs = o.side === 'client' ? SERVER_PORT : CLIENT_PORT;
    this.transport = new LoopTransport(this.network, {
      port: mine,
      reliable: o.reliable,
      events: {
        onMessage: (r) => this.layer.receive(r),
        onInvalid: (_raw, _src, e) => assert.fail(`layer transport got invalid bytes: ${e.message}`),
      },
    });
    this.peer = new LoopTransport(this.network, {
      port: theirs,
      reliable: o.reliable,
      events: {
        onMessage: (r) => this.atPeer.push(r),
        onInvalid: (_raw, _src, e) => assert.fail(`peer got invalid bytes: ${e.message}`),
      },
    });
    this.layer = new TransactionLayer({
      clock: this.clock,
      send: (msg, dest) => this.transport.send(msg, dest),
      timers: o.timers,
      onStray: (r) => this.strays.push(r),
    });
  }

  /** Where the layer reaches the peer. */
  get peerEndpoint() {
    return this.peer.endpoint;
  }

  user(): RecordingUser {
    return new RecordingUser(this.clock);
  }

  /** The peer sends a message to the layer (delivered on the next clock advance). */
  peerSend(msg: SipMessage): Promise<void> {
    return this.peer.send(msg, this.transport.endpoint);
  }

  /** The peer answers a request it received. */
  peerReply(req: SipRequest, status: number, toTag?: string): Promise<void> {
    return this.peerSend(createResponse(req, status, undefined, toTag));
  }

  /** Times at which the layer's transport sent messages matching the filter. */
  sentAt(filter: (m: SipMessage) => boolean): number[] {
    return this.transport.log.filter((r) => r.outcome !== 'failed' && filter(r.message)).map((r) => r.at);
  }

  /** Let promise callbacks (transport rejections) run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }

  /** Run every remaining timer, then check nothing is left alive. */
  drain(): void {
    for (let guard = 0; guard < 1000; guard++) {
      const next = this.clock.nextAt();
      if (next === undefined) break;
      this.clock.advance(next - this.clock.now());
    }
    assert.equal(this.layer.stats().live, 0, 'no live transactions after the terminating timers');
    assert.equal(this.clock.pending(), 0, 'no timers left');
  }

  close(): void {
    this.layer.close();
    this.network.close();
    assert.equal(this.clock.pending(), 0, 'clock.pending() after close');
  }
}

export const isMethod =
  (method: string) =>
  (m: SipMessage): boolean =>
    m.kind === 'request' && m.method === method;

export const isStatus =
  (status: number) =>
  (m: SipMessage): boolean =>
    m.kind === 'response' && m.status === status;

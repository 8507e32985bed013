/**
 * Two (or more) SIP user agents on one LoopNetwork, each a LoopTransport + TransactionLayer +
 * DialogLayer wired the way stack.ts must wire them: onRequest -> DialogLayer.receiveRequest,
 * then (if it declines) the UA's own handler for new requests; onStray -> receiveStray.
 * Every message crosses the wire serialised and parsed again, and is recorded in one trace.
 */
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { createResponse, cseq, getHeader, topVia } from '../../../src/sip/message/headers.ts';
import { parseMessage } from '../../../src/sip/message/parse.ts';
import { serializeMessage } from '../../../src/sip/message/serialize.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { LoopNetwork, LoopTransport } from '../../../src/sip/transport/loop.ts';
import type { Endpoint, ReceivedMessage } from '../../../src/sip/transport/types.ts';
import { TransactionLayer } from '../../../src/sip/transaction/layer.ts';
import type { ServerTransaction } from '../../../src/sip/transaction/types.ts';
import { DialogLayer } from '../../../src/sip/dialog/dialog-layer.ts';
import type { SessionEnd } from '../../../src/sip/dialog/types.ts';

export const SDP_OFFER = 'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n';
export const SDP_ANSWER = 'v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\na=sendrecv\r\n';

/** One line per message on the wire: "a>b INVITE", "b>a 180/INVITE". */
export interface WireRecord {
  at: number;
  line: string;
  message: SipMessage;
}

export function describe(m: SipMessage): string {
  return m.kind === 'request' ? m.method : `${m.status}/${cseq(m).method}`;
}

export type NewRequestHandler = (tx: ServerTransaction, req: SipRequest) => void;

export class Ua {
  readonly transport: LoopTransport;
  readonly layer: TransactionLayer;
  readonly dialogs: DialogLayer;
  /** New requests (no To tag) the dialog layer declined. */
  onNew: NewRequestHandler = (tx, req) => tx.respond(createResponse(req, 501));
  readonly errors: unknown[] = [];

  constructor(
    readonly world: World,
    readonly name: string,
    readonly port: number,
    reliable = false,
  ) {
    this.transport = new LoopTransport(world.network, {
      port,
      reliable,
      events: {
        onMessage: (r) => this.layer.receive(r),
        onInvalid: (_raw, _src, e) => assert.fail(`${name} got invalid bytes: ${e.message}`),
        onSent: (raw, dest) => world.record(name, raw, dest),
      },
    });
    this.layer = new TransactionLayer({
      clock: world.clock,
      send: (m, d) => this.transport.send(m, d),
      onRequest: (tx, req) => {
        if (!this.dialogs.receiveRequest(tx, req)) this.onNew(tx, req);
      },
      onStray: (r: ReceivedMessage) => {
        this.dialogs.receiveStray(r);
      },
    });
    this.dialogs = new DialogLayer({
      clock: world.clock,
      transactions: this.layer,
      advertise: () => ({ host: '127.0.0.1', port }),
      resolve: (uri) => ({ protocol: reliable ? 'TCP' : 'LOOP', address: uri.host, port: uri.port ?? 5060 }),
      userAgent: `test-${name}`,
      onError: (e) => this.errors.push(e),
    });
  }

  get endpoint(): Endpoint {
    return this.transport.endpoint;
  }

  get uri(): string {
    return `sip:${this.name}@127.0.0.1:${this.port}`;
  }
}

export class World {
  readonly clock = new FakeClock();
  readonly network = new LoopNetwork(this.clock);
  readonly wire: WireRecord[] = [];
  private readonly names = new Map<number, string>();

  ua(name: string, port: number, reliable = false): Ua {
    this.names.set(port, name);
    return new Ua(this, name, port, reliable);
  }

  /** Names a port that is not a Ua (a proxy, a hand-played peer). */
  nameOf(port: number, name: string): void {
    this.names.set(port, name);
  }

  record(from: string, raw: string, dest: Endpoint): void {
    const message = parseMessage(raw);
    this.wire.push({ at: this.clock.now(), line: `${from}>${this.names.get(dest.port) ?? dest.port} ${describe(message)}`, message });
  }

  /** The trace lines, optionally only those matching a filter. */
  lines(filter?: (r: WireRecord) => boolean): string[] {
    return this.wire.filter((r) => (filter ? filter(r) : true)).map((r) => r.line);
  }

  /** Deliver everything due now (and the cascade it causes). */
  flush(): void {
    this.clock.advance(0);
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await Promise.resolve();
    this.clock.advance(0);
  }

  /** Run every timer to the end; no transaction, dialog, session or timer may remain. */
  drain(...uas: Ua[]): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.clock.nextAt();
      if (next === undefined) break;
      this.clock.advance(next - this.clock.now());
    }
    for (const ua of uas) {
      assert.equal(ua.layer.stats().live, 0, `${ua.name}: live transactions`);
      assert.deepEqual(ua.dialogs.stats(), { dialogs: 0, pending: 0, sessions: 0 }, `${ua.name}: dialog layer empty`);
      assert.deepEqual(ua.errors, [], `${ua.name}: TU errors`);
    }
    assert.equal(this.clock.pending(), 0, 'no timers left');
  }

  close(...uas: Ua[]): void {
    for (const ua of uas) {
      ua.dialogs.close();
      ua.layer.close();
    }
    this.network.close();
    assert.equal(this.clock.pending(), 0, 'clock.pending() after close');
  }
}

/** Records every TU callback of a session, in order. */
export class Events {
  readonly log: string[] = [];
  ended: SessionEnd | undefined;
  readonly sdps: (string | undefined)[] = [];

  onEnded = (end: SessionEnd): void => {
    this.ended = end;
    this.log.push(`ended:${end.by}${end.status ? ':' + end.status : ''}`);
  };
  onProgress = (status: number, sdp: string | undefined): void => {
    this.log.push(`progress:${status}`);
    this.sdps.push(sdp);
  };
  onAnswered = (sdp: string | undefined): void => {
    this.log.push('answered');
    this.sdps.push(sdp);
  };
  onAck = (sdp: string | undefined): void => {
    this.log.push('ack');
    this.sdps.push(sdp);
  };
  onCancel = (): void => {
    this.log.push('cancel');
  };
  onInfo = (body: string, type: string): void => {
    this.log.push(`info:${type}:${body.trim()}`);
  };
}

/** A response from a hand-played peer, parsed from its own serialisation. */
export function reparse<T extends SipMessage>(m: T): T {
  return parseMessage(serializeMessage(m)) as T;
}

export function branchOf(m: SipMessage): string | undefined {
  return topVia(m).params['branch'] ?? undefined;
}

export function header(m: SipMessage, name: string): string | undefined {
  return getHeader(m, name);
}

export function isResponse(m: SipMessage): m is SipResponse {
  return m.kind === 'response';
}

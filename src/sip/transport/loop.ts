import { PbxError } from '../../core/errors.ts';
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { parseMessage } from '../message/parse.ts';
import { serializeMessage } from '../message/serialize.ts';
import type { ParseLimits, SipMessage } from '../message/types.ts';
import type { Endpoint, SipTransport, TransportEvents } from './types.ts';

/** What became of one send(). */
export type LoopOutcome = 'delivered' | 'dropped' | 'failed' | 'unreachable';

export interface LoopSendRecord {
  /** clock.now() when send() was called. */
  at: number;
  dest: Endpoint;
  /** The message as handed to send() (not a copy). */
  message: SipMessage;
  /** The serialised bytes ('' when the send failed before serialising). */
  raw: string;
  outcome: LoopOutcome;
}

export type DropPredicate = (message: SipMessage, dest: Endpoint) => boolean;

export interface LoopTransportOptions {
  /** Default 127.0.0.1. */
  address?: string;
  port: number;
  /** Behave as TCP: Endpoint protocol 'TCP' (so transactions skip retransmission timers) and sends to nowhere reject. */
  reliable?: boolean;
  events: TransportEvents;
  limits?: ParseLimits;
}

/**
 * An in-process network for tests and simulations: LoopTransports attached to it reach each
 * other by address:port. Every message is serialised and parsed again on arrival, so the wire
 * format is exercised as with real sockets. Delivery always goes through the clock (a delay of 0
 * is still a timer), so a reply can never re-enter the sender inside its own send() call, and a
 * FakeClock decides exactly when each message lands.
 */
export class LoopNetwork {
  private readonly nodes = new Map<string, LoopTransport>();
  private readonly inFlight = new Set<TimerHandle>();
  private readonly connections = new Map<string, number>();
  private nextConnection = 1;

  constructor(readonly clock: Clock) {}

  /** Messages sent and not yet delivered. */
  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Close every transport and cancel every delivery in flight. */
  close(): void {
    for (const node of [...this.nodes.values()]) node.closeNow();
    for (const h of this.inFlight) h.cancel();
    this.inFlight.clear();
  }

  /** @internal used by LoopTransport */
  attach(node: LoopTransport): void {
    const key = `${node.local.address}:${node.local.port}`;
    if (this.nodes.has(key)) throw new PbxError('SIP_TRANSPORT', `loop: ${key} is already in use`);
    this.nodes.set(key, node);
  }

  /** @internal */
  detach(node: LoopTransport): void {
    const key = `${node.local.address}:${node.local.port}`;
    if (this.nodes.get(key) === node) this.nodes.delete(key);
  }

  /** @internal */
  lookup(address: string, port: number): LoopTransport | undefined {
    return this.nodes.get(`${address}:${port}`);
  }

  /** @internal a stable id per ordered pair of nodes, standing in for a TCP connection. */
  connectionId(from: LoopTransport, to: LoopTransport): number {
    const a = `${from.local.address}:${from.local.port}`;
    const b = `${to.local.address}:${to.local.port}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let id = this.connections.get(key);
    if (id === undefined) {
      id = this.nextConnection++;
      this.connections.set(key, id);
    }
    return id;
  }

  /** @internal */
  schedule(ms: number, deliver: () => void): void {
    const handle = this.clock.setTimeout(() => {
      this.inFlight.delete(handle);
      deliver();
    }, ms);
    this.inFlight.add(handle);
  }
}

/**
 * A SipTransport on a LoopNetwork, with knobs for loss, latency and failure:
 * drop(n | predicate), delay(ms), fail(n), and `log`, every send() with what became of it.
 */
export class LoopTransport implements SipTransport {
  readonly protocol: 'LOOP' | 'TCP';
  readonly local: { address: string; port: number };
  readonly reliable: boolean;
  /** Every send() in order, including dropped and failed ones. */
  readonly log: LoopSendRecord[] = [];
  events: TransportEvents;
  private readonly limits: ParseLimits | undefined;
  private dropCount = 0;
  private dropWhen: DropPredicate | undefined;
  private delayMs = 0;
  private failCount = 0;
  private closed = false;

  constructor(
    private readonly network: LoopNetwork,
    options: LoopTransportOptions,
  ) {
    this.reliable = options.reliable ?? false;
    this.protocol = this.reliable ? 'TCP' : 'LOOP';
    this.local = { address: options.address ?? '127.0.0.1', port: options.port };
    this.events = options.events;
    this.limits = options.limits;
    network.attach(this);
  }

  /** The endpoint peers use to reach this transport. */
  get endpoint(): Endpoint {
    return { protocol: this.protocol, address: this.local.address, port: this.local.port };
  }

  /**
   * Lose messages: a number drops the next n sends (added to any still pending); a predicate
   * drops every send it matches until drop(undefined) removes it.
   */
  drop(what: number | DropPredicate | undefined): void {
    if (typeof what === 'number') this.dropCount += what;
    else this.dropWhen = what;
  }

  /** One-way latency for every later send, in clock milliseconds. */
  delay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  /** Make the next n sends reject with PbxError('SIP_TRANSPORT'). */
  fail(n = 1): void {
    this.failCount += n;
  }

  /** Forget the knobs (drop, delay, fail) and the log. */
  reset(): void {
    this.dropCount = 0;
    this.dropWhen = undefined;
    this.delayMs = 0;
    this.failCount = 0;
    this.log.length = 0;
  }

  /** The messages of the log that left this transport (delivered, dropped or unreachable). */
  sentMessages(): SipMessage[] {
    return this.log.filter((r) => r.outcome !== 'failed').map((r) => r.message);
  }

  async send(message: SipMessage, dest: Endpoint): Promise<void> {
    const at = this.network.clock.now();
    if (this.closed || this.failCount > 0) {
      if (!this.closed) this.failCount--;
      this.log.push({ at, dest, message, raw: '', outcome: 'failed' });
      throw new PbxError('SIP_TRANSPORT', `loop: send to ${dest.address}:${dest.port} failed${this.closed ? ' (closed)' : ''}`);
    }
    const raw = serializeMessage(message);
    const record: LoopSendRecord = { at, dest, message, raw, outcome: 'delivered' };
    this.log.push(record);
    this.events.onSent?.(raw, dest);
    const matched = this.dropWhen?.(message, dest) ?? false;
    if (matched || this.dropCount > 0) {
      if (!matched) this.dropCount--;
      record.outcome = 'dropped';
      return;
    }
    const target = this.network.lookup(dest.address, dest.port);
    if (!target) {
      record.outcome = 'unreachable';
      // A datagram to nowhere vanishes; a stream transport cannot connect.
      if (this.reliable) throw new PbxError('SIP_TRANSPORT', `loop: connection to ${dest.address}:${dest.port} refused`);
      return;
    }
    const source: Endpoint = { protocol: this.protocol, address: this.local.address, port: this.local.port };
    if (this.reliable) source.connectionId = this.network.connectionId(this, target);
    this.network.schedule(this.delayMs, () => target.arrive(raw, source));
  }

  close(): Promise<void> {
    this.closeNow();
    return Promise.resolve();
  }

  /** @internal */
  closeNow(): void {
    this.closed = true;
    this.network.detach(this);
  }

  /** @internal a message reaches this transport: parse it as a socket handler would. */
  arrive(raw: string, source: Endpoint): void {
    if (this.closed) return;
    let message: SipMessage;
    try {
      message = parseMessage(raw, this.limits);
    } catch (e) {
      this.events.onInvalid(raw, source, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.events.onMessage({ message, source, raw });
  }
}

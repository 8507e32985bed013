/**
 * RFC 4733 telephone-events (DTMF carried as named events, not audio).
 *
 * Payload (2.3):  event(8) | E(1) R(1) volume(6) | duration(16)
 *
 * Sender (2.5.1): all packets of one event carry the timestamp of the event's start; the first
 * has the marker bit; updates follow while the key is held, each with the duration so far; the
 * end packet (E bit) is sent three times (2.5.1.4) with the final duration, each with a new
 * sequence number. Receiver (2.5.2): a new timestamp is a new event; the E bit ends it; the
 * retransmitted end packets are duplicates and are reported once; an event whose end was lost
 * is ended by the next event or by a timeout.
 */
import { PbxError } from '../core/errors.ts';
import { SAMPLE_RATE } from '../media/frame.ts';

export const DTMF_DIGITS = '0123456789*#ABCD';

export interface TelephoneEventPayload {
  event: number;
  end: boolean;
  /** Power level in -dBm0 (0-63). */
  volume: number;
  /** Duration so far, in timestamp units. */
  duration: number;
}

export function parseTelephoneEvent(buf: Uint8Array, offset: number, end: number): TelephoneEventPayload | undefined {
  if (end - offset < 4) return undefined;
  return {
    event: buf[offset]!,
    end: (buf[offset + 1]! & 0x80) !== 0,
    volume: buf[offset + 1]! & 0x3f,
    duration: (buf[offset + 2]! << 8) | buf[offset + 3]!,
  };
}

export function encodeTelephoneEvent(e: TelephoneEventPayload, out: Uint8Array = new Uint8Array(4)): Uint8Array {
  out[0] = e.event & 0xff;
  out[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  out[2] = (e.duration >> 8) & 0xff;
  out[3] = e.duration & 0xff;
  return out;
}

/** The event code of a DTMF digit (0-9 * # A-D). Throws PbxError('RTP_DTMF') for anything else. */
export function dtmfEventCode(digit: string): number {
  const i = DTMF_DIGITS.indexOf(digit.toUpperCase());
  if (digit.length !== 1 || i < 0) throw new PbxError('RTP_DTMF', `'${digit}' is not a DTMF digit`);
  return i;
}

export type DtmfEvent =
  | { type: 'begin'; digit: string; timestamp: number }
  | { type: 'end'; digit: string; timestamp: number; durationMs: number; endReceived: boolean };

/**
 * The receive side state machine: feed it every telephone-event packet (timestamp + payload),
 * it emits begin/end exactly once per event. Events above 15 (flash, modem tones) are ignored.
 */
export class DtmfReceiver {
  private current: { timestamp: number; event: number; duration: number; ended: boolean } | undefined;
  /** When the current event last had a packet (ms on the session clock), for the lost-end timeout. */
  lastUpdateAt = 0;

  constructor(private readonly emit: (e: DtmfEvent) => void) {}

  /** True while an event has begun and not ended. */
  get active(): boolean {
    return this.current !== undefined && !this.current.ended;
  }

  receive(timestamp: number, p: TelephoneEventPayload, now: number): void {
    if (p.event >= DTMF_DIGITS.length) return;
    const cur = this.current;
    if (!cur || cur.timestamp !== timestamp) {
      // A new event; one still open lost its end packets.
      if (cur && !cur.ended) this.finish(false);
      this.current = { timestamp, event: p.event, duration: p.duration, ended: false };
      this.lastUpdateAt = now;
      this.emit({ type: 'begin', digit: DTMF_DIGITS[p.event]!, timestamp });
      if (p.end) this.finish(true);
      return;
    }
    if (cur.ended) return; // retransmitted end packet, or a late update
    this.lastUpdateAt = now;
    if (p.duration > cur.duration) cur.duration = p.duration;
    if (p.end) this.finish(true);
  }

  /** End an open event whose end packets never came (timeout or stream stop). */
  expire(): void {
    if (this.current && !this.current.ended) this.finish(false);
  }

  private finish(endReceived: boolean): void {
    const cur = this.current!;
    cur.ended = true;
    this.emit({
      type: 'end',
      digit: DTMF_DIGITS[cur.event]!,
      timestamp: cur.timestamp,
      durationMs: Math.round((cur.duration * 1000) / SAMPLE_RATE),
      endReceived,
    });
  }
}

/** Interval between updates while an event is sent (2.5.1.2 suggests 50 ms). */
export const DTMF_UPDATE_MS = 50;
export const DTMF_END_REPEATS = 3;

export interface DtmfSendStep {
  /** Milliseconds after the start to send this packet. */
  atMs: number;
  marker: boolean;
  payload: TelephoneEventPayload;
}

/**
 * The packets for one digit of `durationMs`: a start packet at 0 (marker), an update every
 * 50 ms, and three end packets at `durationMs`. Durations are never 0 (some receivers treat a
 * zero duration as malformed): the start packet claims one frame.
 */
export function dtmfSendSchedule(digit: string, durationMs: number, volume = 10): DtmfSendStep[] {
  const event = dtmfEventCode(digit);
  const total = Math.max(40, Math.min(5000, Math.round(durationMs)));
  const samples = (ms: number): number => Math.min(0xffff, Math.round((ms * SAMPLE_RATE) / 1000));
  const steps: DtmfSendStep[] = [];
  for (let t = 0; t < total; t += DTMF_UPDATE_MS) {
    steps.push({ atMs: t, marker: t === 0, payload: { event, end: false, volume, duration: Math.max(samples(t), 160) } });
  }
  for (let i = 0; i < DTMF_END_REPEATS; i++) {
    steps.push({ atMs: total, marker: false, payload: { event, end: true, volume, duration: samples(total) } });
  }
  return steps;
}

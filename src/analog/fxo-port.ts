/**
 * The signalling of one FXO port (a line from the exchange plugged into the PBX), as chan_dahdi
 * does it for `fxs_ks` channels: ringing with caller ID captured the country's way (ETSI caller
 * ID arrives before the first ring; Bell 202 in the pause after it, so the call is offered on the
 * caller ID or, without one, on the second ring), answer by going off hook, an abandoned call
 * noticed when the rings stop; outgoing calls seize the line, wait for dial tone time, dial
 * DTMF natively; and the far end hanging up noticed by a loop drop (kewlstart), a polarity
 * reversal (`hanguponpolarityswitch`) or busy/congestion tone (`busydetect`). A line that
 * vanishes (portGone) is `gone` until it comes back idle; the driver ends its call.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { NativeCidAbsence } from '../platform/native.ts';
import type { AnalogEvent } from './engine.ts';

/** What an FXO port needs from the engine (AnalogEngine has it). */
export interface FxoLine {
  setHook(port: number, offhook: boolean): void;
  dial(port: number, digits: string): void;
}

export interface CallerId {
  number: string;
  name: string;
  /** The exchange said why there is no number: the caller withheld it, or it is unavailable. */
  absence?: NativeCidAbsence;
}

export type FxoDisconnect = 'loop' | 'polarity' | 'busy' | 'congestion' | 'abandoned';

export interface FxoPortOptions {
  port: number;
  line: FxoLine;
  clock: Clock;
  /** An incoming call, offered once (with the caller ID when one was received). */
  onIncoming: (cid: CallerId | undefined) => void;
  /** The far end went away (or never answered an incoming call). */
  onDisconnect: (reason: FxoDisconnect) => void;
  onDialComplete?: () => void;
  /** Pause after seizing before dialing, for dial tone (default 1000 ms). */
  dialDelayMs?: number;
  /** No ring for this long ends an unanswered incoming call (default 8000 ms: a pause plus margin). */
  ringTimeoutMs?: number;
  hangupOnPolarity?: boolean;
  busyDetect?: boolean;
  /**
   * chan_dahdi.conf immediate=yes: offer the call at the first ring, without waiting for caller
   * ID (a Bell 202 spill after that ring is then not part of the call).
   */
  immediate?: boolean;
}

/**
 * idle; ringing: rings seen, not yet offered; offered: waiting for answer(); seized: off hook
 * before dialing; dialing; connected; gone: the port vanished.
 */
export type FxoState = 'idle' | 'ringing' | 'offered' | 'seized' | 'dialing' | 'connected' | 'gone';

export class FxoPort {
  private st: FxoState = 'idle';
  private cid: CallerId | undefined;
  private rings = 0;
  private timer: TimerHandle | undefined;

  constructor(private readonly opts: FxoPortOptions) {}

  get state(): FxoState {
    return this.st;
  }

  get callerId(): CallerId | undefined {
    return this.cid;
  }

  handle(ev: AnalogEvent): void {
    if (ev.port !== this.opts.port) return;
    if (ev.type === 'portGone') {
      this.reset();
      this.st = 'gone';
      return;
    }
    if (this.st === 'gone') {
      // Only its return means anything; it comes back idle, on hook.
      if (ev.type === 'portBack') this.st = 'idle';
      return;
    }
    switch (ev.type) {
      case 'callerid':
        if (this.st === 'idle' || this.st === 'ringing') {
          this.cid = { number: ev.number, name: ev.name, ...(ev.absence ? { absence: ev.absence } : {}) };
          if (this.st === 'ringing') this.offer(); // Bell 202: it came after the first ring
        }
        break;
      case 'ringBegin':
        this.ringBegin();
        break;
      case 'ringEnd':
        if (this.st === 'ringing' || this.st === 'offered') this.arm(this.opts.ringTimeoutMs ?? 8000, () => this.abandoned());
        break;
      case 'dialComplete':
        if (this.st === 'dialing') {
          this.st = 'connected';
          this.opts.onDialComplete?.();
        }
        break;
      case 'disconnect':
        this.farEndGone('loop');
        break;
      case 'polarity':
        if (this.opts.hangupOnPolarity) this.farEndGone('polarity');
        break;
      case 'busy':
        if (this.opts.busyDetect !== false) this.farEndGone(ev.tone);
        break;
      default:
        break;
    }
  }

  /** Answers the offered call. */
  answer(): boolean {
    if (this.st !== 'offered' && this.st !== 'ringing') return false;
    this.cancel();
    this.opts.line.setHook(this.opts.port, true);
    this.st = 'connected';
    return true;
  }

  /** Seizes the line and dials `digits` after the dial-tone delay. */
  dial(digits: string): boolean {
    if (this.st !== 'idle') return false;
    this.opts.line.setHook(this.opts.port, true);
    this.st = 'seized';
    this.arm(this.opts.dialDelayMs ?? 1000, () => {
      this.st = 'dialing';
      this.opts.line.dial(this.opts.port, digits);
    });
    return true;
  }

  /** Our side hangs up. */
  hangup(): void {
    if (this.st === 'gone') return;
    if (this.st === 'seized' || this.st === 'dialing' || this.st === 'connected') this.opts.line.setHook(this.opts.port, false);
    this.reset();
  }

  private ringBegin(): void {
    this.cancel();
    if (this.st === 'idle') {
      this.st = 'ringing';
      this.rings = 0;
    }
    if (this.st !== 'ringing' && this.st !== 'offered') return;
    this.rings++;
    // ETSI caller ID came before the ring; without any, offer on the second ring.
    if (this.st === 'ringing' && (this.cid !== undefined || this.rings >= 2 || this.opts.immediate)) this.offer();
  }

  private offer(): void {
    this.st = 'offered';
    this.opts.onIncoming(this.cid);
  }

  private abandoned(): void {
    const offered = this.st === 'offered';
    this.reset();
    if (offered) this.opts.onDisconnect('abandoned');
  }

  private farEndGone(reason: FxoDisconnect): void {
    if (this.st !== 'seized' && this.st !== 'dialing' && this.st !== 'connected') return;
    this.opts.line.setHook(this.opts.port, false);
    this.reset();
    this.opts.onDisconnect(reason);
  }

  private reset(): void {
    this.cancel();
    this.st = 'idle';
    this.cid = undefined;
    this.rings = 0;
  }

  private arm(ms: number, fn: () => void): void {
    this.cancel();
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  private cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

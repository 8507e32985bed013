/**
 * The signalling of one FXS port (a phone plugged into the PBX), as chan_dahdi's analog switch
 * thread does it: off hook -> the country's dial tone; the first digit stops it; digits are
 * collected and matched as they come (dial-as-you-go): a number that exists and cannot grow is
 * dialed at once, one that exists but could grow waits `matchDigitMs`, a prefix waits
 * `interDigitMs`, and a number that can never match gets congestion tone. Incoming calls ring
 * the phone (caller ID and cadence are native); answering and hanging up are reported. A port
 * that vanishes (portGone: unplugged, a DAHDI channel gone) is `gone` until it comes back idle;
 * the driver ends its call.
 * Timeouts default to chan_dahdi.conf's firstdigittimeout/gendigittimeout/matchdigittimeout.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { AnalogEvent, CidAbsence } from './engine.ts';

/** What an FXS port needs from the engine (AnalogEngine has it). */
export interface FxsLine {
  playTone(port: number, tone: 'dial' | 'ringback' | 'busy' | 'congestion' | null): void;
  ring(port: number, on: boolean, callerNumber?: string, callerName?: string, absence?: CidAbsence): void;
}

/** The dialplan's answer about a partial number (Asterisk: exists / matchmore). */
export interface DigitMatch {
  exists: boolean;
  canMatchMore: boolean;
}

export interface FxsTimeouts {
  /** Off hook with no digit (chan_dahdi firstdigittimeout). */
  firstDigitMs: number;
  /** Between digits while the number can only grow (gendigittimeout). */
  interDigitMs: number;
  /** Between digits once the number exists but could grow (matchdigittimeout). */
  matchDigitMs: number;
}

export const DEFAULT_FXS_TIMEOUTS: Readonly<FxsTimeouts> = { firstDigitMs: 16_000, interDigitMs: 8_000, matchDigitMs: 3_000 };

export interface FxsPortOptions {
  port: number;
  line: FxsLine;
  clock: Clock;
  matchMore: (digits: string) => DigitMatch;
  onDialed: (number: string) => void;
  onAnswer?: () => void;
  onHangup?: () => void;
  onFlash?: () => void;
  timeouts?: Partial<FxsTimeouts>;
  /** chan_dahdi.conf immediate=yes: off hook calls onDialed('s') at once, no dial tone, no digits. */
  immediate?: boolean;
}

/**
 * idle: on hook. dialtone: off hook, no digit yet. collecting: digits so far. invalid: the
 * number cannot match (congestion until hang-up). ringing: an incoming call rings the phone.
 * call: dialed or answered; the call owns the port until hang-up. gone: the port vanished.
 */
export type FxsState = 'idle' | 'dialtone' | 'collecting' | 'invalid' | 'ringing' | 'call' | 'gone';

export class FxsPort {
  private st: FxsState = 'idle';
  private collected = '';
  private timer: TimerHandle | undefined;
  private readonly timeouts: FxsTimeouts;

  constructor(private readonly opts: FxsPortOptions) {
    this.timeouts = { ...DEFAULT_FXS_TIMEOUTS, ...opts.timeouts };
  }

  get state(): FxsState {
    return this.st;
  }

  get digits(): string {
    return this.collected;
  }

  /** Feed every engine event; events of other ports are ignored. */
  handle(ev: AnalogEvent): void {
    if (ev.port !== this.opts.port) return;
    if (ev.type === 'portGone') {
      this.gone();
      return;
    }
    if (this.st === 'gone') {
      // Only its return means anything; it comes back idle, on hook.
      if (ev.type === 'portBack') this.st = 'idle';
      return;
    }
    switch (ev.type) {
      case 'offhook':
        this.offhook();
        break;
      case 'onhook':
        this.onhook();
        break;
      case 'digit':
        this.digit(ev.digit);
        break;
      case 'flash':
        if (this.st === 'call') this.opts.onFlash?.();
        break;
      default:
        break;
    }
  }

  /**
   * Rings the phone for an incoming call (the engine sends caller ID the country's way; with
   * `absence` the phone's display says private or unavailable instead of a number).
   */
  ring(callerNumber = '', callerName = '', absence?: CidAbsence): boolean {
    if (this.st !== 'idle') return false;
    this.st = 'ringing';
    this.opts.line.ring(this.opts.port, true, callerNumber, callerName, ...(absence ? [absence] : []));
    return true;
  }

  /** The caller gave up before the phone answered. */
  stopRinging(): void {
    if (this.st !== 'ringing') return;
    this.opts.line.ring(this.opts.port, false);
    this.st = 'idle';
  }

  /**
   * The other party ended the call while the phone is still off hook: congestion tone until the
   * phone hangs up (chan_dahdi plays it too), and no call owns the port any more.
   */
  farEndHungUp(): void {
    if (this.st !== 'call') return;
    this.invalid();
  }

  /** The port vanished: whatever it was doing is over (the engine has stopped it natively). */
  private gone(): void {
    this.cancel();
    this.st = 'gone';
    this.collected = '';
  }

  private offhook(): void {
    if (this.st === 'ringing') {
      // The engine has already stopped the ringing voltage natively.
      this.st = 'call';
      this.opts.onAnswer?.();
      return;
    }
    if (this.st !== 'idle') return;
    this.collected = '';
    if (this.opts.immediate) {
      this.st = 'call';
      this.opts.onDialed('s');
      return;
    }
    this.st = 'dialtone';
    this.opts.line.playTone(this.opts.port, 'dial');
    this.arm(this.timeouts.firstDigitMs);
  }

  private onhook(): void {
    const was = this.st;
    this.cancel();
    this.st = 'idle';
    this.collected = '';
    // Also while dialing a third party or hearing congestion: a held call may still be on the port.
    if (was === 'call' || was === 'dialtone' || was === 'collecting' || was === 'invalid') this.opts.onHangup?.();
  }

  /**
   * In a call, after a flash that held it: dial tone and digit collection again, as off hook
   * (chan_dahdi's three-way calling); what is dialed comes out through onDialed.
   */
  redial(): void {
    if (this.st !== 'call' && this.st !== 'invalid') return;
    this.collected = '';
    this.st = 'dialtone';
    this.opts.line.playTone(this.opts.port, 'dial');
    this.arm(this.timeouts.firstDigitMs);
  }

  /** Back in a call (a held call taken back, a waiting call answered): tones and digit timers stop. */
  resume(): void {
    if (this.st === 'idle' || this.st === 'ringing' || this.st === 'gone') return;
    const tone = this.st !== 'call';
    this.cancel();
    this.collected = '';
    this.st = 'call';
    if (tone) this.opts.line.playTone(this.opts.port, null);
  }

  private digit(d: string): void {
    if (this.st !== 'dialtone' && this.st !== 'collecting') return;
    if (this.st === 'dialtone') this.opts.line.playTone(this.opts.port, null);
    this.st = 'collecting';
    this.collected += d;
    const m = this.opts.matchMore(this.collected);
    if (m.exists && !m.canMatchMore) {
      this.dialed();
    } else if (!m.exists && !m.canMatchMore) {
      this.invalid();
    } else {
      this.arm(m.exists ? this.timeouts.matchDigitMs : this.timeouts.interDigitMs);
    }
  }

  private timeout(): void {
    this.timer = undefined;
    if (this.st === 'collecting' && this.opts.matchMore(this.collected).exists) this.dialed();
    else if (this.st === 'dialtone' || this.st === 'collecting') this.invalid();
  }

  private dialed(): void {
    this.cancel();
    this.st = 'call';
    this.opts.onDialed(this.collected);
  }

  private invalid(): void {
    this.cancel();
    this.st = 'invalid';
    this.opts.line.playTone(this.opts.port, 'congestion');
  }

  private arm(ms: number): void {
    this.cancel();
    this.timer = this.opts.clock.setTimeout(() => this.timeout(), ms);
  }

  private cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

/**
 * A phone port's calls and what its hook flash does with them, as chan_dahdi's analog
 * subchannels (real, three-way, call waiting). An FXS port can carry more than one call: the one
 * the phone talks to, a held one and a waiting one; which of them has the port's audio, and what
 * a flash or the phone hanging up does, is kept here so the driver (dahdi-driver.ts) stays with
 * port ownership, signalling and channel creation.
 *  - in a call (`threewaycalling`): the call is held (music for the other party) and the phone
 *    gets dial tone; what it dials runs in its context as a new call on the same port; flash
 *    again while that call is up: a three-way call (the runtime mixes the three); flash in the
 *    three-way call: the third party is dropped and the first call resumes; flash while still
 *    dialing or ringing: back to the held call;
 *  - hanging up with a held call and a third party (`transfer`): the two are connected (at once
 *    when the third party talks, once it answers when it rings); with only a held call: the
 *    phone rings again for it;
 *  - `callwaiting`: a call to a phone in a call beeps (the driver places it as `waiting`) instead
 *    of being refused busy; flash answers it (the first call is held) and then switches between
 *    the two; hanging up rings the phone again for the one left;
 *  - without `threewaycalling` or `features`: a flash in a call only holds it, the next takes it
 *    back.
 * Bridges and the mixer are above this layer: the runtime does those through `DahdiFeatures`.
 */
import type { AnalogPortConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { FxsPort } from '../analog/fxs-port.ts';
import { HANGUP_CAUSES, type HangupCause } from '../core/hangup-causes.ts';
import type { CallerId } from './channel.ts';
import type { DahdiChannel, PortMedia } from './dahdi-channel.ts';

/**
 * What a phone's flash features need from above the channel layer (the runtime wires bridges and
 * the mixer). Both calls are on the same port; each is bridged with its partner.
 */
export interface DahdiFeatures {
  /**
   * Three-way: the phone (`phone`, the port's own media), `held`'s partner and `third`'s partner
   * all hear each other. Returns the function that ends the mix, or undefined when it cannot.
   */
  conference(phone: PortMedia, held: DahdiChannel, third: DahdiChannel): (() => void) | undefined;
  /** Connects `held`'s partner with `third`'s partner (both answered); false when it cannot. */
  transfer(held: DahdiChannel, third: DahdiChannel): boolean;
}

export interface PortSubchannelsOptions {
  config: AnalogPortConfig;
  /** The port's audio (the mixer takes it in a three-way call). */
  media: PortMedia;
  /** The port's phone signalling; undefined on a line (FXO) port, where a flash does nothing. */
  phone(): FxsPort | undefined;
  /** Stops the call-waiting alert (the line engine's `callWaiting(port, false)`). */
  engine: { callWaiting?(port: number, on: boolean): void };
  log: Logger;
  /** Three-way calls and transfer by flash (absent: flash only holds). */
  features?: DahdiFeatures;
  /** Rings the phone again for a call left on hold or waiting, showing `callerId`. */
  ring(callerId: CallerId): void;
  /** A waiting call was answered by a flash: Dial() hears it. */
  answered(leg: DahdiChannel): void;
}

/** One port's calls (chan_dahdi's subchannels) and its flash and hang-up logic. */
export class PortSubchannels {
  /** The call the phone talks to (chan_dahdi's real subchannel). */
  call: DahdiChannel | undefined;
  /** The other answered call: held while the phone dials or talks to a third party, or switched away from. */
  held: DahdiChannel | undefined;
  /** threeway: `held` is the first call, `call` the third party; callwait: two calls, flash switches. */
  mode: 'threeway' | 'callwait' | undefined;
  /** A call waiting to be answered by a flash (it beeps). */
  waiting: DahdiChannel | undefined;
  /** Ends the three-way mix while one runs. */
  conference: (() => void) | undefined;
  /** The phone rings again for `call` (a held call left when it hung up). */
  recall = false;

  constructor(private readonly o: PortSubchannelsOptions) {}

  /** More than the one call on the port (a held or waiting call, or a three-way mix). */
  get juggling(): boolean {
    return this.held !== undefined || this.waiting !== undefined || this.conference !== undefined;
  }

  /** A phone in one answered call, with call waiting on and nothing else going on, can take a waiting call. */
  canWait(): boolean {
    const fxs = this.o.phone();
    return (
      fxs !== undefined &&
      this.o.config.callWaiting !== false &&
      fxs.state === 'call' &&
      this.call?.state === 'Up' &&
      this.held === undefined &&
      this.waiting === undefined &&
      !this.recall
    );
  }

  /** The phone went off hook while rung again for a held call: it takes that call back. */
  takeBack(): boolean {
    const ch = this.call;
    if (!ch || !this.recall) return false;
    this.recall = false;
    ch.media.connected = true;
    ch.setHolding(false);
    return true;
  }

  /** The port vanished: every call on it ends with `cause`. */
  endAll(cause: HangupCause): void {
    this.stopMix();
    for (const ch of [this.call, this.held, this.waiting]) ch?.finish(cause);
  }

  /** A port's state for the console: the signalling state `base`, plus the calls a flash juggles. */
  describe(base: string): string {
    if (this.conference) return `${base} (three-way: ${this.held?.name ?? ''} + ${this.call?.name ?? ''})`;
    if (this.mode === 'threeway') return `${base} (three-way: ${this.held?.name ?? ''} on hold${this.call ? `, ${this.call.name}` : ''})`;
    if (this.mode === 'callwait') return `${base} (${this.call?.name ?? ''}, ${this.held?.name ?? ''} on hold)`;
    if (this.waiting) return `${base} (call waiting: ${this.waiting.name})`;
    if (this.recall) return `${base} (ringing again for ${this.call?.name ?? ''})`;
    return base;
  }

  /** A hook flash (see the file comment for what it does when). */
  flash(): void {
    const fxs = this.o.phone();
    if (!fxs) return;
    const port = this.o.config.port;
    const log = (m: string): void => this.o.log.verbose(3, `DAHDI/${port}: ${m}`);
    const call = this.call;
    if (this.waiting && !this.held) {
      // Answer the waiting call; the current one (if any) is held.
      const w = this.waiting;
      this.waiting = undefined;
      this.o.engine.callWaiting?.(port, false);
      const current = this.holdCall();
      if (current) {
        this.held = current;
        this.mode = 'callwait';
      }
      this.call = w;
      w.media.connected = true;
      fxs.resume();
      w.up();
      this.o.answered(w);
      log(`answered the waiting call ${w.name}${current ? `, ${current.name} on hold` : ''}`);
      return;
    }
    if (this.mode === 'callwait' && this.held) {
      const other = this.held;
      const current = this.holdCall();
      this.held = current;
      if (!current) this.mode = undefined;
      this.call = other;
      other.media.connected = true;
      other.setHolding(false);
      fxs.resume();
      log(`switched to ${other.name}${current ? `, ${current.name} on hold` : ''}`);
      return;
    }
    if (this.mode === 'threeway' && this.held) {
      if (this.conference) {
        // Flash in a three-way call: the third party is dropped, the first call resumes.
        this.conference();
        this.conference = undefined;
        const third = this.call;
        this.call = undefined;
        this.resume();
        log(`dropped ${third?.name ?? 'the third party'} from the three-way call`);
        third?.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return;
      }
      if (call && call.state === 'Up' && this.o.features) {
        const held = this.held;
        held.setHolding(false);
        held.media.connected = false;
        call.media.connected = false;
        const stop = this.o.features.conference(this.o.media, held, call);
        if (stop) {
          this.conference = stop;
          log(`three-way call: ${held.name} + ${call.name}`);
          return;
        }
        call.media.connected = true;
        held.setHolding(true);
        return;
      }
      // Still dialing or ringing the third party: that attempt is dropped, back to the first call.
      this.call = undefined;
      this.resume();
      log('back to the held call');
      call?.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      return;
    }
    if (!call) return;
    if (this.o.config.threeWayCalling !== false && call.state === 'Up' && this.o.features) {
      // Hold and dial a third party (chan_dahdi's three-way calling).
      this.held = this.holdCall();
      this.mode = 'threeway';
      fxs.redial();
      log(`${this.held?.name ?? ''} on hold, dial tone for a third party`);
      return;
    }
    // A flash in a call holds it (the other party hears music), the next one takes it back.
    call.flash();
    log(`${call.name} ${call.holding ? 'put the call on hold (flash)' : 'took the call off hold (flash)'}`);
  }

  /**
   * The phone hung up with more than one call on the port: transfer (held + third party), or
   * ring the phone again for the call that is left.
   */
  hungUp(): void {
    const call = this.call;
    const held = this.held;
    const waiting = this.waiting;
    const port = this.o.config.port;
    this.stopMix();
    if (this.mode === 'threeway' && held && call && this.o.config.transfer !== false && this.o.features) {
      this.call = undefined;
      this.held = undefined;
      this.mode = undefined;
      this.transfer(this.o.features, held, call);
      return;
    }
    if (call) {
      this.call = undefined;
      call.finish(HANGUP_CAUSES.NORMAL_CLEARING);
    }
    const left = held ?? waiting;
    this.held = undefined;
    this.waiting = undefined;
    this.mode = undefined;
    if (!left) return;
    // Asterisk rings the phone again for the call left on hold or waiting.
    this.o.engine.callWaiting?.(port, false);
    this.call = left;
    this.recall = left !== waiting;
    this.o.log.verbose(3, `DAHDI/${port}: ringing the phone again for ${left.name}`);
    // The display shows who is waiting: the caller, or the number the phone dialed for that call.
    this.o.ring(left.direction === 'outbound' ? left.callerId : { number: left.exten });
  }

  /** A call on the port ended: what is left of the port's calls carries on. */
  ended(ch: DahdiChannel): void {
    const port = this.o.config.port;
    if (ch === this.waiting) {
      this.waiting = undefined;
      this.o.engine.callWaiting?.(port, false);
      return;
    }
    if (ch === this.held) {
      // The held party hung up: the phone stays with the other call (out of a three-way mix).
      this.held = undefined;
      this.mode = undefined;
      if (this.conference) {
        this.stopMix();
        if (this.call) this.call.media.connected = true;
      }
      return;
    }
    if (ch !== this.call) return;
    this.call = undefined;
    if (this.recall) {
      this.recall = false;
      this.o.phone()?.stopRinging();
      return;
    }
    if (this.held && this.mode === 'threeway') {
      // The third party is gone: back to the first call (chan_dahdi swaps the subchannels back).
      this.stopMix();
      this.resume();
      return;
    }
    if (this.held || this.waiting) {
      // The party talking hung up with another call on the port: congestion until the phone
      // flashes to the other call or hangs up to be rung for it.
      this.stopMix();
      this.o.phone()?.farEndHungUp();
    }
  }

  private stopMix(): void {
    this.conference?.();
    this.conference = undefined;
  }

  /** The held call becomes the one the phone talks to again. */
  private resume(): void {
    const held = this.held;
    this.held = undefined;
    this.mode = undefined;
    if (!held) return;
    this.call = held;
    held.media.connected = true;
    held.setHolding(false);
    this.o.phone()?.resume();
  }

  /** Holds the call the phone talks to (its partner hears music, the phone no longer hears it). */
  private holdCall(): DahdiChannel | undefined {
    const ch = this.call;
    if (!ch) return undefined;
    ch.setHolding(true);
    ch.media.connected = false;
    this.call = undefined;
    return ch;
  }

  /**
   * Connects `held`'s partner with `third`'s (the runtime bridges them), then ends both calls on
   * the port. A third party still ringing is connected once it answers; until then both calls
   * stay up off the port (the held party keeps its music).
   */
  private transfer(features: DahdiFeatures, held: DahdiChannel, third: DahdiChannel): void {
    held.media.connected = false;
    third.media.connected = false;
    const complete = (): void => {
      if (held.ended || third.ended) return;
      const ok = features.transfer(held, third);
      this.o.log.verbose(3, ok ? `Transferred ${held.name}'s call to ${third.name}'s` : `Transfer of ${held.name} to ${third.name} failed`);
      held.finish(HANGUP_CAUSES.NORMAL_CLEARING);
      third.finish(HANGUP_CAUSES.NORMAL_CLEARING);
    };
    if (third.state === 'Up') {
      complete();
      return;
    }
    this.o.log.verbose(3, `Transfer of ${held.name} to ${third.name} completes when it answers`);
    // The Dial of the third call bridges right after answering: wait for that turn to pass.
    third.onUp(() => queueMicrotask(complete));
    held.onHangup(() => third.hangup(HANGUP_CAUSES.NORMAL_CLEARING));
    third.onHangup(() => {
      if (third.state !== 'Up') held.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    });
  }
}

/**
 * In-call DTMF features of a bridged call (features.conf [featuremap], Asterisk's features.c):
 * `blindxfer` (#), `atxfer` (*2), `disconnect` (*0), `parkcall`, each for the legs Dial's
 * options entitle (t/T transfer, h/H disconnect, k/K park; lower case the called party, upper
 * case the caller).
 *
 * Digits of an entitled leg that may start a feature are held back: the relay drops its RFC 4733
 * packets (the seam is the RelayFactory this class hands to the Bridge), and the digits reported
 * by the leg's RTP session are matched against the feature codes. A full match runs the feature;
 * a sequence that can no longer match (or `featuredigittimeout` between digits) is played on to
 * the other party as generated DTMF, so an IVR behind the call still gets every digit.
 *
 * blindxfer: the other party hears music on hold, the transferer hears "pbx-transfer" and dials
 * the number (`transferdigittimeout` between digits, or until nothing longer can match); an
 * existing number: the bridge is released, the transferee goes to that extension, the
 * transferer is hung up; otherwise "pbx-invalid" and the call resumes.
 * atxfer: the same collection, then the transferer calls the number (the transferee on hold with
 * music); the target answers: transferer and target talk; the transferer hangs up: transferee
 * and target are bridged; the target hangs up or does not answer within
 * `atxfernoanswertimeout`: the transferer gets the transferee back.
 * disconnect: the other party is hung up (the bridge ends as for a hangup).
 *
 * Analog legs (frame bridge) pass their digits through unwatched: only RTP legs are intercepted.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { Bridge, HoldSource } from '../core/bridge.ts';
import { HANGUP_CAUSES } from '../core/hangup-causes.ts';
import type { FeaturesConfig } from '../config/features-model.ts';
import { createJsRelay, type MediaRelay, type RelayFactory } from '../rtp/relay.ts';
import type { RawPacketSink, RelayLeg } from '../rtp/session.ts';
import type { DialChannel } from './dial.ts';

export type FeatureName = 'blindxfer' | 'atxfer' | 'disconnect' | 'parkcall';

/** What a leg may do (Dial's t/T, h/H, k/K). */
export interface FeatureRights {
  transfer: boolean;
  disconnect: boolean;
  park: boolean;
}

/**
 * A transfer number as dialled so far: `complete` (exists, nothing longer can match), `exists`
 * (exists, a longer one might), `partial` (may become one), `invalid`.
 */
export type NumberState = 'complete' | 'exists' | 'partial' | 'invalid';

/** What an attended transfer's consultation call reports. */
export interface ConsultEvents {
  onAnswered(leg: DialChannel): void;
  onEnded(leg: DialChannel): void;
}

export interface InCallFeatureOptions {
  features: FeaturesConfig;
  clock: Clock;
  rights(leg: DialChannel): FeatureRights;
  /** The transferer's number looked up in its transfer context. */
  numberState(transferer: DialChannel, digits: string): NumberState;
  /** Sends the transferee to the number (a dialplan redirect); the bridge is already released. */
  blindTransfer(transferer: DialChannel, transferee: DialChannel, number: string): void;
  /** Calls `number` for the transferer (attended transfer); resolves with the legs placed, or none. */
  consult?(transferer: DialChannel, number: string, events: ConsultEvents): Promise<DialChannel[]>;
  /** Bridges the transferee with the target once the transferer hung up (attended transfer). */
  connect?(transferee: DialChannel, target: DialChannel): void;
  /** Parks `parked` and announces the space to `parker` (the bridge is already released). */
  park?(parker: DialChannel, parked: DialChannel): void;
  holdMusic?(holder: DialChannel, held: DialChannel): HoldSource | undefined;
  /** Plays a prompt to a leg; resolves when it is over (or at once when there is none). */
  prompt?(leg: DialChannel, name: string): Promise<void>;
  log?(message: string): void;
}

/** RFC 4733 event codes 0-15 as digits. */
const EVENT_DIGITS = '0123456789*#ABCD';

export class InCallFeatures {
  private bridge: Bridge | undefined;
  private readonly buffers = new Map<DialChannel, string>();
  private timer: TimerHandle | undefined;
  /** A feature is running (collecting a number, a consultation call): digits are its own. */
  private busy = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly a: DialChannel,
    private readonly b: DialChannel,
    private readonly o: InCallFeatureOptions,
  ) {}

  /** The Bridge's relay: RFC 4733 packets of an entitled leg that may start a feature are held back. */
  readonly relay: RelayFactory = (ra, rb) => createJsRelay(this.filtered(ra), this.filtered(rb));

  /** Starts watching the entitled legs' digits in `bridge` (made with `relay`). */
  attach(bridge: Bridge): void {
    this.bridge = bridge;
    for (const leg of [this.a, this.b]) {
      if (this.codes(leg).length === 0) continue;
      const media = leg.media;
      if (media) this.offs.push(media.onDigit((d) => this.digit(leg, d)));
    }
    bridge.onEnd(() => {
      for (const off of this.offs.splice(0)) off();
      this.stopTimer();
    });
  }

  private other(leg: DialChannel): DialChannel {
    return leg === this.a ? this.b : this.a;
  }

  /** The feature codes `leg` may use now, as [feature, code]. */
  private codes(leg: DialChannel): [FeatureName, string][] {
    const r = this.o.rights(leg);
    const map = this.o.features.featuremap;
    const out: [FeatureName, string][] = [];
    if (r.transfer && map.blindxfer) out.push(['blindxfer', map.blindxfer]);
    if (r.transfer && map.atxfer && this.o.consult && this.o.connect) out.push(['atxfer', map.atxfer]);
    if (r.disconnect && map.disconnect) out.push(['disconnect', map.disconnect]);
    if (r.park && map.parkcall && this.o.park) out.push(['parkcall', map.parkcall]);
    return out;
  }

  /** A relay leg whose telephone-events are dropped while its channel's digits are held. */
  private filtered(leg: RelayLeg): RelayLeg {
    const channel = leg === this.a.rtp ? this.a : this.b;
    const hold = (code: number): boolean => this.holds(channel, code);
    return {
      get format() {
        return leg.format;
      },
      get payloadType() {
        return leg.payloadType;
      },
      get telephoneEventPt() {
        return leg.telephoneEventPt;
      },
      get ssrc() {
        return leg.ssrc;
      },
      get nextSequence() {
        return leg.nextSequence;
      },
      get nextTimestamp() {
        return leg.nextTimestamp;
      },
      setRawSink(sink: RawPacketSink | undefined): void {
        leg.setRawSink(
          sink && ((buf, length, off, end, isEvent) => {
            if (isEvent && end > off && hold(buf[off]!)) return;
            sink(buf, length, off, end, isEvent);
          }),
        );
      },
      sendRaw(buf: Uint8Array, length: number, samples: number): void {
        leg.sendRaw(buf, length, samples);
      },
    };
  }

  /** Whether an event packet of `leg` with `code` is held back (not relayed). */
  private holds(leg: DialChannel, code: number): boolean {
    if (this.busy) return true;
    const codes = this.codes(leg);
    if (codes.length === 0) return false;
    if ((this.buffers.get(leg) ?? '') !== '') return true;
    const d = EVENT_DIGITS[code];
    return d !== undefined && codes.some(([, c]) => c.startsWith(d));
  }

  /** A digit the leg finished sending (its RTP session reports every one, relayed or not). */
  private digit(leg: DialChannel, d: string): void {
    if (this.busy || !this.bridge || this.bridge.ended) return;
    const codes = this.codes(leg);
    const was = this.buffers.get(leg) ?? '';
    if (was === '' && !codes.some(([, c]) => c.startsWith(d))) return; // relayed as it came
    const seq = was + d;
    this.stopTimer();
    const full = codes.find(([, c]) => c === seq);
    if (full) {
      this.buffers.delete(leg);
      this.o.log?.(`${leg.name} pressed ${seq}: ${full[0]}`);
      this.run(full[0], leg).catch((e: unknown) => {
        this.busy = false;
        this.o.log?.(`feature ${full[0]} of ${leg.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      return;
    }
    this.buffers.set(leg, seq);
    if (codes.some(([, c]) => c.startsWith(seq))) {
      this.timer = this.o.clock.setTimeout(() => this.flush(leg), this.o.features.featuredigittimeout);
      return;
    }
    this.flush(leg);
  }

  /** No feature: the held digits go on to the other party, in order. */
  private flush(leg: DialChannel): void {
    this.stopTimer();
    const digits = this.buffers.get(leg) ?? '';
    this.buffers.delete(leg);
    const to = this.other(leg).media;
    if (!to || this.bridge?.ended) return;
    for (const d of digits) to.sendDigit(d).catch(() => undefined);
  }

  private stopTimer(): void {
    if (this.timer) this.timer.cancel();
    this.timer = undefined;
  }

  private async run(name: FeatureName, leg: DialChannel): Promise<void> {
    const other = this.other(leg);
    switch (name) {
      case 'disconnect':
        // features.c builtin_disconnect: the bridged call ends for both.
        other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return;
      case 'parkcall':
        this.bridge!.release();
        this.o.park!(leg, other);
        return;
      case 'blindxfer':
        await this.blind(leg, other);
        return;
      case 'atxfer':
        await this.attended(leg, other);
        return;
    }
  }

  /** Transferee on hold, the number collected; undefined when the call ended meanwhile or it is not valid. */
  private async holdAndCollect(transferer: DialChannel, transferee: DialChannel): Promise<string | undefined> {
    const bridge = this.bridge!;
    this.busy = true;
    bridge.hold(transferer, this.o.holdMusic?.(transferer, transferee));
    // Digits typed over the prompt count (the prompt is not waited for).
    void this.o.prompt?.(transferer, 'pbx-transfer');
    const number = await this.collect(transferer, bridge);
    if (bridge.ended) return undefined;
    const state = number === '' ? 'invalid' : this.o.numberState(transferer, number);
    if (state === 'complete' || state === 'exists') return number;
    this.o.log?.(`${transferer.name}: transfer number '${number}' is not valid`);
    await this.o.prompt?.(transferer, 'pbx-invalid');
    this.resume(transferer);
    return undefined;
  }

  /** The transferer takes the call back after a failed transfer. */
  private resume(transferer: DialChannel): void {
    this.busy = false;
    this.bridge?.unhold(transferer);
  }

  /** Digits until the number is complete, cannot match, `#`, or transferdigittimeout passes. */
  private collect(leg: DialChannel, bridge: Bridge): Promise<string> {
    const media = leg.media;
    if (!media) return Promise.resolve('');
    const clock = this.o.clock;
    const wait = this.o.features.transferdigittimeout * 1000;
    return new Promise((resolve) => {
      let digits = '';
      let timer: TimerHandle | undefined;
      let over = false;
      const done = (): void => {
        if (over) return;
        over = true;
        off();
        if (timer) timer.cancel();
        resolve(digits);
      };
      const arm = (): void => {
        if (timer) timer.cancel();
        timer = clock.setTimeout(done, wait);
      };
      const off = media.onDigit((d) => {
        if (d === '#') return done();
        digits += d;
        const state = this.o.numberState(leg, digits);
        if (state === 'complete' || state === 'invalid') done();
        else arm();
      });
      bridge.onEnd(done);
      arm();
    });
  }

  private async blind(transferer: DialChannel, transferee: DialChannel): Promise<void> {
    const number = await this.holdAndCollect(transferer, transferee);
    if (number === undefined) return;
    this.o.log?.(`${transferer.name} blind-transfers ${transferee.name} to ${number}`);
    this.bridge!.release();
    this.o.blindTransfer(transferer, transferee, number);
    transferer.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  }

  /**
   * The consultation call runs beside the held bridge (a plain relay between the transferer and
   * the target, no Bridge of its own), so that the transferee's bridge decides what happens to
   * each leg: the transferer hanging up leaves the transferee up (kept) for the target.
   */
  private async attended(transferer: DialChannel, transferee: DialChannel): Promise<void> {
    const bridge = this.bridge!;
    const number = await this.holdAndCollect(transferer, transferee);
    if (number === undefined) return;
    const clock = this.o.clock;
    let target: DialChannel | undefined;
    let relay: MediaRelay | undefined;
    let noAnswer: TimerHandle | undefined;
    let finished = false;
    let kept: ReturnType<Bridge['keepUp']>;
    const giveBack = (why: string): void => {
      if (finished) return;
      finished = true;
      if (noAnswer) noAnswer.cancel();
      relay?.stop();
      this.o.log?.(`${transferer.name}: attended transfer to ${number} abandoned (${why}); back with ${transferee.name}`);
      bridge.keepUp(kept);
      if (!bridge.ended) this.resume(transferer);
    };
    const legs = await this.o.consult!(transferer, number, {
      onAnswered: (leg) => {
        if (finished) return;
        target = leg;
        if (noAnswer) noAnswer.cancel();
        for (const other of legs) if (other !== leg) other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        if (!transferer.rtp || !leg.rtp) {
          leg.hangup(HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL);
          return;
        }
        relay = createJsRelay(transferer.rtp, leg.rtp);
        // From now on the transferer's hangup completes the transfer instead of ending the call.
        kept = bridge.keepUp(transferee);
        this.o.log?.(`${transferer.name} talks to ${leg.name}; hanging up transfers ${transferee.name}`);
      },
      onEnded: (leg) => {
        if (target === undefined ? legs.every((l) => l.ended) : leg === target) giveBack(`${leg.name} ended`);
      },
    }).catch(() => [] as DialChannel[]);
    if (legs.length === 0) {
      giveBack('the number could not be called');
      return;
    }
    noAnswer = clock.setTimeout(() => {
      if (target) return;
      for (const l of legs) l.hangup(HANGUP_CAUSES.NO_ANSWER);
      giveBack('no answer');
    }, this.o.features.atxfernoanswertimeout * 1000);
    transferer.onHangup(() => {
      if (finished) return;
      if (!target) {
        // The transferer gave up before the target answered: the transferee's call ends with it.
        finished = true;
        if (noAnswer) noAnswer.cancel();
        for (const l of legs) l.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return;
      }
      finished = true;
      relay?.stop();
      this.o.log?.(`${transferer.name} hung up: ${transferee.name} and ${target.name} are bridged`);
      if (!transferee.ended && !target.ended) this.o.connect!(transferee, target);
    });
    // A transferee that hangs up meanwhile ends the consultation too (nobody to hand over).
    transferee.onHangup(() => {
      if (finished) return;
      finished = true;
      if (noAnswer) noAnswer.cancel();
      relay?.stop();
      for (const l of legs) l.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    });
  }
}

/**
 * Dial(): ring one or more peers in parallel (`Dial(SIP/2000&SIP/2001,20)`), relay ringing to the
 * caller, and on the first answer CANCEL every other leg, answer the caller and bridge the two.
 * Sets DIALSTATUS (ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL) and DIALEDTIME /
 * ANSWEREDTIME in seconds on the caller.
 *
 * The returned promise settles with the outcome instead of ending the caller: when every leg
 * failed (the dialplan continues, e.g. to voicemail, or hangs up with the cause), or once the
 * bridged call is over when a leg answered. Whoever hangs up a bridged call ends the other leg
 * too, except that with `continueOnCalleeHangup` (Dial's `g`) the caller stays up.
 *
 * Callers and legs are SIP or DAHDI (analog) channels. Two RTP legs are bridged by the packet
 * relay; when either has no RTP (an analog port) a frame bridge moves 20 ms frames on the media
 * clock instead.
 *
 * Music (Dial's `m`): the caller hears `music` (early media) instead of ringback until a leg
 * answers or Dial ends. Hold: when either bridged leg's phone holds the call, the bridge plays
 * `holdMusic` to the other until it resumes.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { SipChannel } from '../channels/sip-channel.ts';
import type { SipDriver } from '../channels/sip-driver.ts';
import type { DahdiChannel } from '../channels/dahdi-channel.ts';
import type { DahdiDriver } from '../channels/dahdi-driver.ts';
import type { MediaClock } from '../media/clock.ts';
import { bridgeOf, type Bridge, type BridgeEnd, type HoldSource } from '../core/bridge.ts';
import { bridgeCall } from './bridge-call.ts';
import type { InCallFeatures } from './features.ts';
import type { PickupRegistry } from './pickup.ts';
import { HANGUP_CAUSES, causeName, dialStatusForCause, type HangupCause } from '../core/hangup-causes.ts';

/** A peer to ring; `number` is the number to dial through it (`SIP/trunk/5551234`). */
export interface DialTarget {
  /** SIP when absent; DAHDI: `peer` is the port or group (`1`, `g1`). */
  tech?: 'SIP' | 'DAHDI';
  peer: string;
  number?: string;
}

export interface DialOptions {
  clock: Clock;
  /** Ring for at most this long; undefined rings until the legs themselves give up. */
  timeoutMs: number | undefined;
  /** Dial's `r`: indicate ringing to the caller at once instead of when a leg rings. */
  ringback?: boolean;
  /** Dial's `g`: when the callee hangs up a bridged call the caller stays up. */
  continueOnCalleeHangup?: boolean;
  /** Called with each new leg before it rings (variable inheritance). */
  onLeg?(leg: DialChannel): void;
  /** The analog driver for DAHDI targets (absent: they are unavailable). */
  dahdi?: DahdiDriver;
  /** Paces the frame bridge between a leg without RTP and the other (required for DAHDI). */
  mediaClock?: MediaClock;
  /** Dial's `m`: what the caller hears instead of ringback until the answer. */
  music?: HoldSource;
  /** What the other party hears while `holder` holds the bridged call (music on hold). */
  holdMusic?(holder: DialChannel, held: DialChannel): HoldSource | undefined;
  /** Called with the bridge once a leg answered (tests and the console look at it). */
  onBridge?(bridge: Bridge): void;
  /** In-call DTMF features for the answered call (Dial's t/T, h/H, k/K); features.ts. */
  features?(caller: DialChannel, leg: DialChannel): InCallFeatures | undefined;
  /** Ringing legs are listed here so another phone can pick the call up (`*8`, Pickup()). */
  pickup?: PickupRegistry;
  log?(message: string): void;
}

export type DialStatus = 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CANCEL' | 'CONGESTION' | 'CHANUNAVAIL';

export interface DialOutcome {
  status: DialStatus;
  /** Failure: the cause the caller should hang up with if the dialplan ends here (486, 480 ...). */
  cause?: HangupCause;
  /** A leg answered and the bridged call is over (or, with `g`, the callee hung up). */
  answered: boolean;
  /** The bridged call was released with the caller still up (transferred, parked, picked up elsewhere). */
  released?: boolean;
}

/** A channel Dial() can serve as caller or place as a leg. */
export type DialChannel = SipChannel | DahdiChannel;

/** Which failure the caller hears when every leg failed: busy beats no answer beats the rest. */
const FAILURE_RANK: Partial<Record<HangupCause, number>> = {
  [HANGUP_CAUSES.USER_BUSY]: 5,
  [HANGUP_CAUSES.CALL_REJECTED]: 4,
  [HANGUP_CAUSES.NO_ANSWER]: 3,
  [HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL]: 2,
  [HANGUP_CAUSES.SUBSCRIBER_ABSENT]: 1,
};

function targetOf(t: string | DialTarget): DialTarget {
  return typeof t === 'string' ? { peer: t } : t;
}

function describeTarget(t: DialTarget): string {
  return `${t.tech ?? 'SIP'}/${t.peer}${t.number ? `/${t.number}` : ''}`;
}

export function dial(caller: DialChannel, targets: readonly (string | DialTarget)[], driver: SipDriver | undefined, o: DialOptions): Promise<DialOutcome> {
  const list = targets.map(targetOf);
  caller.application = 'Dial';
  caller.appData = `${list.map(describeTarget).join('&')}${o.timeoutMs !== undefined ? `,${Math.round(o.timeoutMs / 1000)}` : ''}`;
  return new Promise<DialOutcome>((resolve) => {
    const started = o.clock.now();
    const legs: DialChannel[] = [];
    let done = false;
    let failure: HangupCause | undefined;
    const pending = new Set<DialChannel>();
    let requesting = true;
    let timer: TimerHandle | undefined;
    let winner: DialChannel | undefined;
    let stopMusic: (() => void) | undefined;
    const endMusic = (): void => {
      stopMusic?.();
      stopMusic = undefined;
    };
    // Ringing legs listed for pickup; unlisted as soon as the Dial is answered or over.
    const unlist: (() => void)[] = [];
    const unlistAll = (): void => {
      for (const off of unlist.splice(0)) off();
    };
    // DialBegin when a leg is placed, DialEnd once per leg with how its attempt ended.
    const dialing = new Map<DialChannel, string>();
    const dialEnd = (leg: DialChannel, dialStatus: string): void => {
      if (!dialing.delete(leg)) return;
      caller.eventBus?.emit({ type: 'DialEnd', caller, destination: leg, dialStatus });
    };

    const setTimes = (answeredAt?: number): void => {
      const now = o.clock.now();
      caller.variables.set('DIALEDTIME', String(Math.round((now - started) / 1000)));
      caller.variables.set('ANSWEREDTIME', answeredAt === undefined ? '0' : String(Math.round((now - answeredAt) / 1000)));
    };
    const finish = (status: DialStatus, cause: HangupCause | undefined): void => {
      if (done) return;
      done = true;
      timer?.cancel();
      endMusic();
      unlistAll();
      for (const leg of legs) dialEnd(leg, status === 'NOANSWER' ? 'NOANSWER' : 'CANCEL');
      for (const leg of legs) leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      caller.variables.set('DIALSTATUS', status);
      setTimes();
      o.log?.(`Dial ${caller.name}: ${status}${cause !== undefined ? ` (${cause} ${causeName(cause)})` : ''}`);
      resolve({ status, ...(cause !== undefined ? { cause } : {}), answered: false });
    };
    const noteFailure = (cause: HangupCause): void => {
      if (failure === undefined || (FAILURE_RANK[cause] ?? 0) > (FAILURE_RANK[failure] ?? 0)) failure = cause;
    };
    const maybeAllFailed = (): void => {
      if (done || requesting || pending.size > 0) return;
      const cause = failure ?? HANGUP_CAUSES.SUBSCRIBER_ABSENT;
      finish(dialStatusForCause(cause) as DialStatus, cause);
    };
    // A leg answered, or a picker took the call (pickup): it is the winner, every leg still ringing is cancelled.
    const answered = (leg: DialChannel): Promise<BridgeEnd> | undefined => {
      if (done) {
        leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return undefined;
      }
      done = true;
      winner = leg;
      timer?.cancel();
      endMusic();
      unlistAll();
      dialEnd(leg, 'ANSWER');
      for (const other of legs) if (other !== leg) dialEnd(other, 'CANCEL');
      for (const other of legs) if (other !== leg) other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      caller.variables.set('DIALSTATUS', 'ANSWER');
      caller.answer();
      const answeredAt = o.clock.now();
      o.log?.(`${leg.name} answered ${caller.name}`);
      const features = o.features?.(caller, leg);
      const call = bridgeCall(caller, leg, {
        ...(features ? { relay: features.relay } : {}),
        ...(o.mediaClock ? { mediaClock: o.mediaClock } : {}),
        ...(o.holdMusic ? { holdMusic: o.holdMusic } : {}),
        ...(o.continueOnCalleeHangup ? { keep: caller } : {}),
        ...(o.log ? { log: o.log } : {}),
      });
      features?.attach(call.bridge);
      o.onBridge?.(call.bridge);
      // Over when a leg hangs up, or when a transfer, park or pickup released the bridge
      // (the caller then goes where that sent it: dialplan redirect, another bridge).
      void call.ended.then(async (first) => {
        // An attended transfer or a pickup may have put the caller straight into another
        // bridge (released or kept up, then bridged in the same turn): Dial stays with the caller until
        // that call is over too, so the caller's dialplan does not hang it up meanwhile.
        let how = first;
        for (let next = bridgeOf(caller); next && !next.ended && !caller.ended; next = bridgeOf(caller)) {
          const current = next;
          how = await new Promise<BridgeEnd>((r) => current.onEnd(r));
        }
        setTimes(answeredAt);
        resolve({ status: 'ANSWER', answered: true, ...(how === 'released' ? { released: true } : {}) });
      });
      return call.ended;
    };

    caller.onHangup(() => finish('CANCEL', undefined));
    if (o.music) {
      // Early media (chan_sip sends 183 with the first frame on an unanswered call).
      caller.progress();
      const media = caller.media;
      if (media) stopMusic = o.music(caller.format === 'alaw' ? 'alaw' : caller.format === 'slin' ? 'slin' : 'ulaw', (f) => media.send(f));
      if (!stopMusic) caller.ringing();
    } else if (o.ringback) caller.ringing();
    if (o.timeoutMs !== undefined) {
      const ms = o.timeoutMs;
      timer = o.clock.setTimeout(() => {
        o.log?.(`Nobody picked up in ${ms} ms`);
        finish('NOANSWER', HANGUP_CAUSES.NO_ANSWER);
      }, ms);
    }

    void (async () => {
      for (const t of list) {
        if (done) break;
        const events = {
          onRinging: (leg: DialChannel) => {
            if (done) return;
            o.log?.(`${leg.name} is ringing`);
            // With music playing a 180 would make the phone play its own ringback over it.
            if (!stopMusic) caller.ringing();
          },
          onAnswered: answered,
          onEnded: (leg: DialChannel, cause: HangupCause) => {
            pending.delete(leg);
            dialEnd(leg, dialStatusForCause(cause));
            noteFailure(cause);
            maybeAllFailed();
          },
        };
        let r: DialChannel[] | HangupCause;
        if (t.tech === 'DAHDI') {
          const one = o.dahdi && o.mediaClock ? o.dahdi.request(`${t.peer}${t.number ? `/${t.number}` : ''}`, caller, events) : HANGUP_CAUSES.SUBSCRIBER_ABSENT;
          r = typeof one === 'number' ? one : [one];
        } else {
          r = driver ? await driver.request(t.peer, caller, events, t.number) : HANGUP_CAUSES.SUBSCRIBER_ABSENT;
        }
        if (typeof r === 'number') {
          noteFailure(r);
          continue;
        }
        for (const leg of r) {
          // A leg of this same request may have answered while the others were being set up.
          if (leg === winner) continue;
          if (done) leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
          else if (!leg.ended) {
            o.onLeg?.(leg);
            o.log?.(`Called ${describeTarget(t)}`);
            legs.push(leg);
            pending.add(leg);
            dialing.set(leg, describeTarget(t));
            caller.eventBus?.emit({ type: 'DialBegin', caller, destination: leg, dialString: describeTarget(t) });
            if (o.pickup) unlist.push(o.pickup.ringing({ caller, leg, exten: caller.exten, context: caller.context, take: (picker) => (done ? undefined : answered(picker)) }));
          }
        }
      }
      requesting = false;
      maybeAllFailed();
    })().catch((e: unknown) => {
      o.log?.(`Dial ${caller.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      requesting = false;
      noteFailure(HANGUP_CAUSES.CONGESTION);
      maybeAllFailed();
      finish('CONGESTION', HANGUP_CAUSES.CONGESTION);
    });
  });
}

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
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { SipChannel } from '../channels/sip-channel.ts';
import type { SipDriver } from '../channels/sip-driver.ts';
import { Bridge } from '../core/bridge.ts';
import { HANGUP_CAUSES, causeName, dialStatusForCause, type HangupCause } from '../core/hangup-causes.ts';

/** A peer to ring; `number` is the number to dial through it (`SIP/trunk/5551234`). */
export interface DialTarget {
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
  onLeg?(leg: SipChannel): void;
  /** Called with the bridge once a leg answered (tests and the console look at it). */
  onBridge?(bridge: Bridge): void;
  log?(message: string): void;
}

export type DialStatus = 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CANCEL' | 'CONGESTION' | 'CHANUNAVAIL';

export interface DialOutcome {
  status: DialStatus;
  /** Failure: the cause the caller should hang up with if the dialplan ends here (486, 480 ...). */
  cause?: HangupCause;
  /** A leg answered and the bridged call is over (or, with `g`, the callee hung up). */
  answered: boolean;
}

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

export function dial(caller: SipChannel, targets: readonly (string | DialTarget)[], driver: SipDriver, o: DialOptions): Promise<DialOutcome> {
  const list = targets.map(targetOf);
  caller.application = 'Dial';
  caller.appData = `${list.map((t) => `SIP/${t.peer}${t.number ? `/${t.number}` : ''}`).join('&')}${o.timeoutMs !== undefined ? `,${Math.round(o.timeoutMs / 1000)}` : ''}`;
  return new Promise<DialOutcome>((resolve) => {
    const started = o.clock.now();
    const legs: SipChannel[] = [];
    let done = false;
    let failure: HangupCause | undefined;
    const pending = new Set<SipChannel>();
    let requesting = true;
    let timer: TimerHandle | undefined;
    let winner: SipChannel | undefined;

    const setTimes = (answeredAt?: number): void => {
      const now = o.clock.now();
      caller.variables.set('DIALEDTIME', String(Math.round((now - started) / 1000)));
      caller.variables.set('ANSWEREDTIME', answeredAt === undefined ? '0' : String(Math.round((now - answeredAt) / 1000)));
    };
    const finish = (status: DialStatus, cause: HangupCause | undefined): void => {
      if (done) return;
      done = true;
      timer?.cancel();
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
    const answered = (leg: SipChannel): void => {
      if (done) {
        leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return;
      }
      done = true;
      winner = leg;
      timer?.cancel();
      for (const other of legs) if (other !== leg) other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      caller.variables.set('DIALSTATUS', 'ANSWER');
      caller.answer();
      const answeredAt = o.clock.now();
      o.log?.(`${leg.name} answered ${caller.name}`);
      const bridge = new Bridge(caller, leg, undefined, o.continueOnCalleeHangup ? caller : undefined);
      o.onBridge?.(bridge);
      let over = false;
      const end = (): void => {
        if (over) return;
        over = true;
        setTimes(answeredAt);
        resolve({ status: 'ANSWER', answered: true });
      };
      caller.onHangup(end);
      leg.onHangup(end);
    };

    caller.onHangup(() => finish('CANCEL', undefined));
    if (o.ringback) caller.ringing();
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
        const r = await driver.request(t.peer, caller, {
          onRinging: (leg) => {
            if (done) return;
            o.log?.(`${leg.name} is ringing`);
            caller.ringing();
          },
          onAnswered: answered,
          onEnded: (leg, cause) => {
            pending.delete(leg);
            noteFailure(cause);
            maybeAllFailed();
          },
        }, t.number);
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
            o.log?.(`Called SIP/${t.peer}${t.number ? `/${t.number}` : ''}`);
            legs.push(leg);
            pending.add(leg);
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

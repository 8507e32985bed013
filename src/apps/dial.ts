/**
 * Dial(): ring one or more peers in parallel (`Dial(SIP/2000&SIP/2001,20)`), relay ringing to the
 * caller, and on the first answer CANCEL every other leg, answer the caller and bridge the two.
 * Sets DIALSTATUS (ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL) and DIALEDTIME /
 * ANSWEREDTIME in seconds on the caller, and ends the caller with the cause of the failure
 * (the SIP status follows from core/hangup-causes.ts).
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { SipChannel } from '../channels/sip-channel.ts';
import type { SipDriver } from '../channels/sip-driver.ts';
import { Bridge } from '../core/bridge.ts';
import { HANGUP_CAUSES, causeName, dialStatusForCause, type HangupCause } from '../core/hangup-causes.ts';

export interface DialOptions {
  clock: Clock;
  timeoutMs: number;
  /** Called with the bridge once a leg answered (tests and the console look at it). */
  onBridge?(bridge: Bridge): void;
  log?(message: string): void;
}

/** Which failure the caller hears when every leg failed: busy beats no answer beats the rest. */
const FAILURE_RANK: Partial<Record<HangupCause, number>> = {
  [HANGUP_CAUSES.USER_BUSY]: 5,
  [HANGUP_CAUSES.CALL_REJECTED]: 4,
  [HANGUP_CAUSES.NO_ANSWER]: 3,
  [HANGUP_CAUSES.BEARERCAPABILITY_NOTAVAIL]: 2,
  [HANGUP_CAUSES.SUBSCRIBER_ABSENT]: 1,
};

export async function dial(caller: SipChannel, peers: string[], driver: SipDriver, o: DialOptions): Promise<void> {
  caller.application = 'Dial';
  caller.appData = `${peers.map((p) => `SIP/${p}`).join('&')},${Math.round(o.timeoutMs / 1000)}`;
  const started = o.clock.now();
  const legs: SipChannel[] = [];
  let done = false;
  let failure: HangupCause | undefined;
  const pending = new Set<SipChannel>();
  let requesting = true;
  let timer: TimerHandle | undefined;

  const setTimes = (answeredAt?: number): void => {
    const now = o.clock.now();
    caller.variables.set('DIALEDTIME', String(Math.round((now - started) / 1000)));
    caller.variables.set('ANSWEREDTIME', answeredAt === undefined ? '0' : String(Math.round((now - answeredAt) / 1000)));
  };
  const finish = (status: string, cause: HangupCause | undefined): void => {
    if (done) return;
    done = true;
    timer?.cancel();
    for (const leg of legs) leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    caller.variables.set('DIALSTATUS', status);
    setTimes();
    o.log?.(`Dial ${caller.name}: ${status}${cause !== undefined ? ` (${cause} ${causeName(cause)})` : ''}`);
    if (cause !== undefined) caller.hangup(cause);
  };
  const noteFailure = (cause: HangupCause): void => {
    if (failure === undefined || (FAILURE_RANK[cause] ?? 0) > (FAILURE_RANK[failure] ?? 0)) failure = cause;
  };
  const maybeAllFailed = (): void => {
    if (done || requesting || pending.size > 0) return;
    const cause = failure ?? HANGUP_CAUSES.SUBSCRIBER_ABSENT;
    finish(dialStatusForCause(cause), cause);
  };

  caller.onHangup(() => finish('CANCEL', undefined));
  timer = o.clock.setTimeout(() => finish('NOANSWER', HANGUP_CAUSES.NO_ANSWER), o.timeoutMs);

  for (const peer of peers) {
    if (done) break;
    const r = await driver.request(peer, caller, {
      onRinging: () => {
        if (!done) caller.ringing();
      },
      onAnswered: (leg) => {
        if (done) {
          leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
          return;
        }
        done = true;
        timer?.cancel();
        for (const other of legs) if (other !== leg) other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        caller.variables.set('DIALSTATUS', 'ANSWER');
        caller.answer();
        const answeredAt = o.clock.now();
        caller.onHangup(() => setTimes(answeredAt));
        const bridge = new Bridge(caller, leg);
        o.log?.(`${leg.name} answered ${caller.name}`);
        o.onBridge?.(bridge);
      },
      onEnded: (leg, cause) => {
        pending.delete(leg);
        noteFailure(cause);
        maybeAllFailed();
      },
    });
    if (typeof r === 'number') {
      noteFailure(r);
      continue;
    }
    for (const leg of r) {
      if (done) leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      else if (!leg.ended) {
        legs.push(leg);
        pending.add(leg);
      }
    }
  }
  requesting = false;
  maybeAllFailed();
}

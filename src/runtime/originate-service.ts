/**
 * Placing a call without a caller (manager Originate, Asterisk's ast_pbx_outgoing_exten /
 * ast_pbx_outgoing_app): ring a channel (`SIP/2000`, `SIP/trunk/5551234`, `DAHDI/1`) through the
 * same driver entry points Dial uses, with the Originate's caller ID standing in for a caller;
 * when it answers, run it from a dialplan place (so `2001` Dials the second phone with the
 * first as the caller) or run one application on it and hang up. The first of a peer's
 * contacts to answer wins, the others are cancelled; no answer within the timeout cancels all.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import type { Logger } from '../log/index.ts';
import type { SipDriver } from '../channels/sip-driver.ts';
import type { DahdiDriver } from '../channels/dahdi-driver.ts';
import type { DialChannel } from '../apps/dial.ts';
import { HANGUP_CAUSES, type HangupCause } from '../core/hangup-causes.ts';
import { ORIGINATE_REASON, type OriginateOutcome, type OriginateReason, type OriginateRequest, type OriginateTarget } from '../manager/actions/call/index.ts';

export interface OriginateServiceOptions {
  clock: Clock;
  sip(): SipDriver | undefined;
  dahdi?(): DahdiDriver | undefined;
  /** Runs an answered channel from its dialplan position (DialplanService.run). */
  run(channel: DialChannel): Promise<void>;
  /** Runs one application on an answered channel, then hangs it up (DialplanService.runApplication). */
  runApplication(channel: DialChannel, app: string, data: string): Promise<void>;
  /** Account: the call record's account code of the new channel (absent: ignored). */
  setAccountCode?(channel: DialChannel, code: string): void;
  log: Logger;
}

/** The technology and resource of an Originate `Channel`. */
export function parseOriginateChannel(text: string): { tech: 'SIP'; peer: string; number?: string } | { tech: 'DAHDI'; resource: string } | undefined {
  const slash = text.indexOf('/');
  if (slash <= 0) return undefined;
  const tech = text.slice(0, slash).toUpperCase();
  const rest = text.slice(slash + 1).trim();
  if (rest === '') return undefined;
  if (tech === 'SIP') {
    const [peer, ...number] = rest.split('/');
    if (!peer) return undefined;
    return number.length > 0 && number.join('/') !== '' ? { tech: 'SIP', peer, number: number.join('/') } : { tech: 'SIP', peer };
  }
  if (tech === 'DAHDI' || tech === 'ZAP') return { tech: 'DAHDI', resource: rest };
  return undefined;
}

/** Why a channel that never answered ended, as Asterisk's OriginateResponse Reason says it. */
export function reasonForCause(cause: HangupCause): OriginateReason {
  switch (cause) {
    case HANGUP_CAUSES.USER_BUSY:
    case HANGUP_CAUSES.CALL_REJECTED:
      return ORIGINATE_REASON.BUSY;
    case HANGUP_CAUSES.NO_ANSWER:
      return ORIGINATE_REASON.NO_ANSWER;
    case HANGUP_CAUSES.NORMAL_CLEARING:
      return ORIGINATE_REASON.HANGUP;
    default:
      return ORIGINATE_REASON.CONGESTION;
  }
}

export class OriginateService {
  constructor(private readonly o: OriginateServiceOptions) {}

  originate(req: OriginateRequest): Promise<OriginateOutcome> {
    const log = this.o.log;
    const where = parseOriginateChannel(req.channel);
    if (!where) {
      log.notice(`Originate: unknown channel type in '${req.channel}'`);
      return Promise.resolve({ answered: false, reason: ORIGINATE_REASON.FAILED });
    }
    return new Promise<OriginateOutcome>((resolve) => {
      let settled = false;
      let requesting = true;
      let lastEnded: { leg: DialChannel; cause: HangupCause } | undefined;
      const legs: DialChannel[] = [];
      const pending = new Set<DialChannel>();
      let timer: TimerHandle | undefined;
      const settle = (outcome: OriginateOutcome): void => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        resolve(outcome);
      };
      const describe = (leg: DialChannel): { name: string; uniqueId: string } => ({ name: leg.name, uniqueId: leg.uniqueId });
      const allFailed = (): void => {
        if (settled || requesting || pending.size > 0) return;
        const cause = lastEnded?.cause ?? HANGUP_CAUSES.SUBSCRIBER_ABSENT;
        log.verbose(3, `Originate ${req.channel} failed: cause ${cause}`);
        settle({ answered: false, reason: lastEnded ? reasonForCause(cause) : ORIGINATE_REASON.FAILED, ...(lastEnded ? { channel: describe(lastEnded.leg) } : {}) });
      };
      const events = {
        onAnswered: (leg: DialChannel): void => {
          if (settled) {
            leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
            return;
          }
          for (const other of legs) if (other !== leg) other.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
          settle({ answered: true, reason: ORIGINATE_REASON.ANSWERED, channel: describe(leg) });
          this.proceed(leg, req.target);
        },
        onEnded: (leg: DialChannel, cause: HangupCause): void => {
          pending.delete(leg);
          lastEnded = { leg, cause };
          allFailed();
        },
      };
      const started = (leg: DialChannel): void => {
        // Variables and account code are there before the phone rings (Dial's legs inherit them).
        for (const [name, value] of req.variables) leg.variables.set(name, value);
        if (req.account !== undefined) this.o.setAccountCode?.(leg, req.account);
        legs.push(leg);
        if (!leg.ended) pending.add(leg);
      };
      timer = this.o.clock.setTimeout(() => {
        if (settled) return;
        log.verbose(3, `Originate ${req.channel}: no answer in ${req.timeoutMs} ms`);
        const ringing = legs[0];
        settle({ answered: false, reason: ORIGINATE_REASON.NO_ANSWER, ...(ringing ? { channel: describe(ringing) } : {}) });
        for (const leg of legs) leg.hangup(HANGUP_CAUSES.NO_ANSWER);
      }, req.timeoutMs);
      // The caller stand-in: nobody is waiting on a line, so it never ends; its caller ID is the Originate's.
      const caller = { ended: false, format: undefined, callerId: { ...req.callerId }, maxForwards: 70 };
      void (async () => {
        let r: DialChannel[] | HangupCause;
        if (where.tech === 'SIP') {
          const sip = this.o.sip();
          r = sip ? await sip.request(where.peer, caller, events, where.number) : HANGUP_CAUSES.SUBSCRIBER_ABSENT;
        } else {
          const dahdi = this.o.dahdi?.();
          const one = dahdi ? dahdi.request(where.resource, caller, events) : HANGUP_CAUSES.SUBSCRIBER_ABSENT;
          r = typeof one === 'number' ? one : [one];
        }
        if (typeof r === 'number') {
          log.notice(`Originate ${req.channel}: no channel could be made (cause ${r})`);
          requesting = false;
          settle({ answered: false, reason: ORIGINATE_REASON.FAILED });
          return;
        }
        for (const leg of r) {
          if (settled && !legs.includes(leg) && leg.state !== 'Up') leg.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
          else started(leg);
        }
        requesting = false;
        allFailed();
      })().catch((e: unknown) => {
        log.error(`Originate ${req.channel} failed: ${e instanceof Error ? e.message : String(e)}`);
        requesting = false;
        settle({ answered: false, reason: ORIGINATE_REASON.FAILED });
        for (const leg of legs) leg.hangup(HANGUP_CAUSES.CONGESTION);
      });
    });
  }

  /** The answered channel goes to its dialplan place, or runs its one application. */
  private proceed(leg: DialChannel, target: OriginateTarget): void {
    const log = this.o.log;
    const done = (e: unknown): void => log.error(`dialplan of ${leg.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    if (target.kind === 'exten') {
      leg.context = target.context;
      leg.exten = target.exten;
      leg.priority = target.priority;
      log.verbose(3, `${leg.name} answered; continuing at ${target.exten}@${target.context}:${target.priority}`);
      this.o.run(leg).catch(done);
    } else {
      log.verbose(3, `${leg.name} answered; running ${target.application}(${target.data})`);
      this.o.runApplication(leg, target.application, target.data).catch(done);
    }
  }
}

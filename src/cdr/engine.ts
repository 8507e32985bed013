/**
 * Builds call records from the event bus the way Asterisk 1.8/11's cdr.c does for cdr_csv
 * users: one record per call, from the calling channel's point of view. A channel's record opens
 * at Newchannel (start, channel, uniqueid, caller ID) and follows the dialplan (Newexten: dst,
 * dcontext, lastapp, lastdata), Dial (DialBegin/DialEnd: dstchannel, BUSY / NO ANSWER /
 * FAILED), the answer (Newstate Up, BridgeEnter) and closes at Hangup. A channel that Dial
 * placed is a leg of its caller's record, so its own record is dropped. Events carry the live
 * channel: fields are copied inside the listener.
 *
 * The dialplan reaches a channel's record through `forChannel` (CDR(), ForkCDR, ResetCDR,
 * NoCDR, SetAMAFlags). Finished records go to `post`, which the service hands to the CSV
 * writer, the syslog and the bus.
 */
import type { EventBus, EventChannel, PbxEvent } from '../core/events.ts';
import type { HangupCause } from '../core/hangup-causes.ts';
import {
  AMA_CODE,
  DISPOSITION_CODE,
  callerIdText,
  copyRecord,
  emptyRecord,
  finishRecord,
  formatCdrTime,
  parseAmaFlags,
  wholeSeconds,
  type CdrRecord,
  type Disposition,
} from './record.ts';

export interface CdrEngineSettings {
  enabled: boolean;
  /** Keep records never answered that have no destination channel (cdr.conf `unanswered`). */
  unanswered: boolean;
  /**
   * Close the record when the `h` extension starts (cdr.conf `endbeforehexten`). The SIP and
   * DAHDI channels report Hangup before their `h` extension runs, so today the record ends there
   * either way; this matters for a channel that runs `h` while still up.
   */
  endBeforeHExten: boolean;
  /** Times of CDR(start) & co. in UTC (cdr_csv's usegmtime). */
  utc: boolean;
}

export interface CdrEngineOptions {
  wallNow(): number;
  /** Read at each event, so a reload applies to the next call. */
  settings(): CdrEngineSettings;
  /** The account code a channel starts with (its SIP peer's `accountcode`). */
  accountCode?(channel: EventChannel): string | undefined;
  /** A finished record to write. */
  post(record: CdrRecord): void;
}

/** Fields CDR() may not set (cdr.c refuses them as read-only). */
const READ_ONLY = new Set(['clid', 'src', 'dst', 'dcontext', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'uniqueid', 'linkedid']);

/** Disposition of a record that was never answered, from Dial's last status or the hang-up cause. */
export function unansweredDisposition(dialStatus: string | undefined, cause: HangupCause | undefined): Disposition {
  switch (dialStatus) {
    case 'BUSY':
      return 'BUSY';
    case 'NOANSWER':
    case 'CANCEL':
      return 'NO ANSWER';
    case 'CONGESTION':
    case 'CHANUNAVAIL':
      return 'FAILED';
  }
  if (cause === undefined || cause === 16 || cause === 19) return 'NO ANSWER';
  if (cause === 17 || cause === 21) return 'BUSY';
  return 'FAILED';
}

/** One channel's records: the open one, plus forked originals that end with the channel. */
export class ChannelCdr {
  record: CdrRecord;
  /** ForkCDR's originals: frozen, ended when the channel ends (or at the fork with `e`). */
  readonly forked: CdrRecord[] = [];
  disabled = false;
  /** Placed by Dial: part of the caller's record, never written itself. */
  dialLeg = false;
  /** Closed at the `h` extension (endbeforehexten): later changes do not count. */
  ended = false;
  lastDialStatus: string | undefined;
  answeredLeg = false;
  private up: boolean;

  constructor(
    private readonly engine: CdrEngine,
    channel: EventChannel,
    now: number,
    accountcode: string,
  ) {
    const r = emptyRecord(now);
    r.channel = channel.name;
    r.uniqueid = channel.uniqueId;
    r.accountcode = accountcode;
    r.dcontext = channel.context;
    r.dst = channel.exten;
    this.record = r;
    this.up = channel.state === 'Up';
    this.callerId(channel);
  }

  callerId(channel: EventChannel): void {
    this.record.src = channel.callerId.number ?? '';
    this.record.clid = callerIdText(channel.callerId.name, channel.callerId.number);
  }

  answered(now: number): void {
    this.up = true;
    if (!this.record.answer && !this.ended) this.record.answer = now;
  }

  // ---- the dialplan's view (DialplanCdr)

  get(field: string, unformatted: boolean): string {
    const r = this.record;
    const now = this.engine.now();
    const utc = this.engine.utc();
    const time = (ms: number): string => (unformatted ? (ms ? (ms / 1000).toFixed(6) : '0.000000') : formatCdrTime(ms, utc));
    const f = field.trim().toLowerCase();
    switch (f) {
      case 'accountcode':
      case 'src':
      case 'dst':
      case 'dcontext':
      case 'clid':
      case 'channel':
      case 'dstchannel':
      case 'lastapp':
      case 'lastdata':
      case 'uniqueid':
      case 'userfield':
        return r[f];
      case 'start':
        return time(r.start);
      case 'answer':
        return time(r.answer);
      case 'end':
        return time(r.end);
      // A live record has no end yet: its durations run to now, as CDR(duration) shows in 1.8.
      case 'duration':
        return String(r.end ? r.duration : wholeSeconds(r.start, now));
      case 'billsec':
        return String(r.end ? r.billsec : r.answer ? wholeSeconds(r.answer, now) : 0);
      case 'disposition': {
        const d: Disposition = r.answer ? 'ANSWERED' : r.disposition;
        return unformatted ? String(DISPOSITION_CODE[d]) : d;
      }
      case 'amaflags':
        return unformatted ? String(AMA_CODE[r.amaflags]) : r.amaflags;
      default:
        return r.variables.get(field.trim()) ?? '';
    }
  }

  set(field: string, value: string): string | undefined {
    const f = field.trim();
    const lower = f.toLowerCase();
    if (READ_ONLY.has(lower)) return `CDR(${f}) is read-only`;
    if (lower === 'userfield') this.record.userfield = value;
    else if (lower === 'accountcode') this.record.accountcode = value;
    else if (lower === 'amaflags') {
      const flags = parseAmaFlags(value);
      if (!flags) return `CDR(amaflags): '${value}' is not OMIT, BILLING or DOCUMENTATION`;
      this.record.amaflags = flags;
    } else if (f === '') return 'CDR(): a field name is required';
    else this.record.variables.set(f, value);
    return undefined;
  }

  fork(options: string): void {
    const now = this.engine.now();
    const original = this.record;
    if (options.includes('e')) finishRecord(original, now);
    this.forked.push(original);
    const next = copyRecord(original);
    next.start = now;
    next.end = 0;
    next.duration = 0;
    next.billsec = 0;
    next.disposition = 'NO ANSWER';
    // An answered channel stays answered: the new record bills from the fork.
    next.answer = this.up ? now : 0;
    if (!options.includes('v')) next.variables = new Map();
    this.record = next;
  }

  reset(options: string): void {
    const now = this.engine.now();
    if (options.includes('w') && !this.disabled && !this.dialLeg) {
      const written = copyRecord(this.record);
      finishRecord(written, now);
      this.engine.write(written, this);
    }
    if (options.includes('e')) this.disabled = false;
    const r = this.record;
    r.start = now;
    r.answer = this.up ? now : 0;
    r.end = 0;
    r.duration = 0;
    r.billsec = 0;
    r.disposition = 'NO ANSWER';
    if (!options.includes('v')) r.variables.clear();
    this.ended = false;
  }

  disable(): void {
    this.disabled = true;
  }
}

export class CdrEngine {
  private readonly live = new Map<string, ChannelCdr>();
  private off: (() => void) | undefined;

  constructor(private readonly o: CdrEngineOptions) {}

  now(): number {
    return this.o.wallNow();
  }

  utc(): boolean {
    return this.o.settings().utc;
  }

  /** Listens to `bus` until `detach`. */
  attach(bus: EventBus): void {
    this.off?.();
    this.off = bus.on((e) => this.handle(e));
  }

  detach(): void {
    this.off?.();
    this.off = undefined;
  }

  /** Calls in progress with a record. */
  get active(): number {
    return this.live.size;
  }

  /** The live record of a channel, by its unique id (the dialplan's seam). */
  forChannel(uniqueId: string): ChannelCdr | undefined {
    return this.live.get(uniqueId);
  }

  handle(e: PbxEvent): void {
    switch (e.type) {
      case 'Newchannel': {
        if (!this.o.settings().enabled) return;
        const c = e.channel;
        this.live.set(c.uniqueId, new ChannelCdr(this, c, this.now(), this.o.accountCode?.(c) ?? ''));
        return;
      }
      case 'Newstate':
        if (e.channel.state === 'Up') this.live.get(e.channel.uniqueId)?.answered(this.now());
        return;
      case 'NewCallerid': {
        const cdr = this.live.get(e.channel.uniqueId);
        if (cdr && !cdr.ended) cdr.callerId(e.channel);
        return;
      }
      case 'Newexten': {
        const cdr = this.live.get(e.channel.uniqueId);
        if (!cdr || cdr.ended) return;
        if (e.exten === 'h') {
          if (this.o.settings().endBeforeHExten) {
            finishRecord(cdr.record, this.now());
            cdr.ended = true;
            return;
          }
        } else if (!e.context.startsWith('macro-')) {
          // The number dialed, not `s` of a macro the call went through (stdexten).
          cdr.record.dst = e.exten;
          cdr.record.dcontext = e.context;
        }
        cdr.record.lastapp = e.application;
        cdr.record.lastdata = e.appData;
        return;
      }
      case 'DialBegin': {
        const leg = this.live.get(e.destination.uniqueId);
        if (leg) leg.dialLeg = true;
        const cdr = this.live.get(e.caller.uniqueId);
        if (cdr && !cdr.answeredLeg && !cdr.ended) cdr.record.dstchannel = e.destination.name;
        return;
      }
      case 'DialEnd': {
        const cdr = this.live.get(e.caller.uniqueId);
        if (!cdr || cdr.ended) return;
        if (e.dialStatus === 'ANSWER') {
          cdr.record.dstchannel = e.destination.name;
          cdr.answeredLeg = true;
          cdr.answered(this.now());
        }
        cdr.lastDialStatus = e.dialStatus;
        return;
      }
      case 'BridgeEnter':
        this.live.get(e.channel.uniqueId)?.answered(this.now());
        return;
      case 'Hangup': {
        const cdr = this.live.get(e.channel.uniqueId);
        if (!cdr) return;
        this.live.delete(e.channel.uniqueId);
        this.close(cdr, e.cause);
        return;
      }
      default:
        return;
    }
  }

  private close(cdr: ChannelCdr, cause: HangupCause): void {
    const now = this.now();
    for (const r of [...cdr.forked, cdr.record]) {
      if (!r.end) finishRecord(r, now);
      if (!r.answer) r.disposition = unansweredDisposition(cdr.lastDialStatus, cause);
      this.write(r, cdr);
    }
  }

  /** Posts a finished record unless NoCDR, a Dial leg, or an unanswered one `unanswered=no` drops. */
  write(r: CdrRecord, cdr: ChannelCdr): void {
    if (cdr.disabled || cdr.dialLeg) return;
    const s = this.o.settings();
    if (!s.enabled) return;
    // cdr.c's post_cdr: without `unanswered`, an unanswered record is dropped only when it has
    // no destination channel (a call that never rang anything).
    if (!s.unanswered && r.disposition !== 'ANSWERED' && (r.channel === '' || r.dstchannel === '')) return;
    this.o.post(r);
  }
}

/**
 * The DAHDI channel driver over the line engine: it owns each configured port's signalling
 * (FxsPort for phones, FxoPort for lines), turns what they report into DahdiChannels and places
 * outgoing legs for Dial():
 *  - a phone off hook dials as it goes, matched against its context (`phones`); the number that
 *    matches enters the dialplan there (route), as chan_dahdi's analog switch does;
 *  - `DAHDI/1` rings FXS port 1 (cadence and caller ID are native); the phone going off hook
 *    answers the leg;
 *  - `DAHDI/3/5551212` or `DAHDI/g1/5551212` (first free FXO port of group 1) seizes the line and
 *    dials; the leg is up once dialing is done (analog lines give no answer signal);
 *  - a line ringing (caller ID captured the country's way) enters the dialplan at `s` in the
 *    port's context; answer() takes the line off hook.
 * `Zap/` is accepted as an old name of `DAHDI/`. One call per port at a time. Ports keep their
 * configured numbers (with dahdi, DAHDI channel numbers: `DAHDI/5` is channel 5); the engine
 * (AnalogEngine) maps them to the native engine's ports.
 * A port that vanishes (portGone: `sim ... unplug`, a DAHDI channel giving ENODEV) ends its call
 * (SUBSCRIBER_ABSENT: Dial reports CHANUNAVAIL), is unavailable to Dial() and shows Out of
 * Service until it comes back (portBack), as chan_dahdi treats a channel in alarm.
 *
 * A phone's hook flash (hold, three-way, transfer by hanging up, call waiting) is chan_dahdi's
 * analog subchannels: each port's calls are a PortSubchannels (dahdi-flash.ts), which decides
 * what a flash, the phone hanging up or a call ending does with them. This driver places a
 * waiting call instead of refusing busy when that says the phone can take one (`callwaiting`; with
 * `callwaitingcallerid`, the CAS alert and a type II caller-ID spill).
 * Bridges and the mixer are above this layer: the runtime does those through `features`.
 */
import type { Clock } from '../platform/clock.ts';
import { portInGroup, type AnalogPortConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { MediaClock } from '../media/clock.ts';
import type { AnalogEvent, AnalogListener, CidAbsence } from '../analog/engine.ts';
import { FxsPort, type DigitMatch, type FxsTimeouts } from '../analog/fxs-port.ts';
import { FxoPort, type CallerId as LineCallerId, type FxoDisconnect } from '../analog/fxo-port.ts';
import { ChannelRegistry } from '../core/channel-registry.ts';
import { HANGUP_CAUSES, type HangupCause } from '../core/hangup-causes.ts';
import { presentationAllowed, type CallerId } from './channel.ts';
import { DahdiChannel, PortMedia } from './dahdi-channel.ts';
import { PortSubchannels, type DahdiFeatures } from './dahdi-flash.ts';

export type { DahdiFeatures } from './dahdi-flash.ts';

/** What the driver needs from the line engine (AnalogEngine has it). */
export interface DahdiEngine {
  onEvent(listener: AnalogListener): () => void;
  readAudio(port: number, into: Int16Array): number;
  writeAudio(port: number, samples: Int16Array): number;
  ring(port: number, on: boolean, callerNumber?: string, callerName?: string, absence?: CidAbsence): void;
  setHook(port: number, offhook: boolean): void;
  /** FXS: the PBX cleared the call while the phone is off hook (dahdi: loop drop). */
  disconnect?(port: number): void;
  dial(port: number, digits: string): void;
  playTone(port: number, tone: 'dial' | 'ringback' | 'busy' | 'congestion' | null): void;
  /** FXS: alert the off-hook phone of a waiting call (beep, CAS + type II caller ID), or stop. */
  callWaiting?(port: number, on: boolean, callerNumber?: string, callerName?: string, absence?: CidAbsence): void;
}

export interface DahdiDriverOptions {
  engine: DahdiEngine;
  ports: readonly AnalogPortConfig[];
  clock: Clock;
  mediaClock: MediaClock;
  log: Logger;
  channels?: ChannelRegistry;
  language?: string;
  /** The dialplan's view of a partial number in `context` (dial-as-you-go). */
  match(context: string, digits: string): DigitMatch;
  /** Whether `exten` exists in `context` (an FXO call needs `s`). */
  exists(context: string, exten: string): boolean;
  /** Runs a new inbound channel through the dialplan. */
  route(channel: DahdiChannel): void;
  fxsTimeouts?: Partial<FxsTimeouts>;
  /** FXO: pause after seizing before dialing (default 1000 ms). */
  dialDelayMs?: number;
  /** Three-way calls and transfer by flash (absent: flash only holds). */
  features?: DahdiFeatures;
}

/** What Dial() hears from an outgoing leg (the SIP driver's OutboundEvents shape). */
export interface DahdiOutboundEvents {
  onRinging?(leg: DahdiChannel): void;
  onAnswered?(leg: DahdiChannel): void;
  onEnded?(leg: DahdiChannel, cause: HangupCause): void;
}

interface PortSlot {
  config: AnalogPortConfig;
  fxs?: FxsPort;
  fxo?: FxoPort;
  /** The port's audio, shared by the calls on it (only the connected one uses it). */
  media: PortMedia;
  /** The port's calls: the one the phone talks to, and those a flash juggles. */
  subs: PortSubchannels;
  instance: number;
  /** The port vanished (portGone) and has not come back. */
  gone: boolean;
}

/** A Dial() resource: `1`, `1/5551212`, `g1/5551212` (the `DAHDI/` or `Zap/` prefix removed). */
export interface DahdiResource {
  port?: number;
  group?: number;
  number?: string;
}

export function parseDahdiResource(resource: string): DahdiResource | undefined {
  const m = /^(?:(\d{1,2})|[gG](\d{1,2}))(?:\/([0-9*#A-Da-dwW]+))?$/.exec(resource.trim());
  if (!m) return undefined;
  return {
    ...(m[1] !== undefined ? { port: Number(m[1]) } : {}),
    ...(m[2] !== undefined ? { group: Number(m[2]) } : {}),
    ...(m[3] !== undefined ? { number: m[3] } : {}),
  };
}

export class DahdiDriver {
  readonly channels: ChannelRegistry;
  private readonly slots = new Map<number, PortSlot>();
  private readonly offEvents: () => void;
  /** What Dial() hears from each outgoing leg. */
  private readonly legEvents = new WeakMap<DahdiChannel, DahdiOutboundEvents>();

  constructor(private readonly o: DahdiDriverOptions) {
    this.channels = o.channels ?? new ChannelRegistry();
    for (const config of o.ports) {
      const media = new PortMedia(o.engine, config.port, o.mediaClock);
      const slot: PortSlot = {
        config,
        media,
        subs: new PortSubchannels({
          config,
          media,
          phone: () => slot.fxs,
          engine: o.engine,
          log: o.log,
          ...(o.features ? { features: o.features } : {}),
          ring: (callerId) => this.ringPhone(slot, callerId),
          answered: (leg) => this.legEvents.get(leg)?.onAnswered?.(leg),
        }),
        instance: 0,
        gone: false,
      };
      if (config.kind === 'fxs') slot.fxs = this.fxsPort(slot);
      else slot.fxo = this.fxoPort(slot);
      this.slots.set(config.port, slot);
    }
    this.offEvents = o.engine.onEvent((ev) => this.event(ev));
  }

  /** The configured ports with their signalling state and call, by port number. */
  ports(): { config: AnalogPortConfig; state: string; call: DahdiChannel | undefined; gone: boolean }[] {
    return [...this.slots.values()]
      .sort((a, b) => a.config.port - b.config.port)
      .map((s) => ({ config: s.config, state: s.subs.describe(s.fxs?.state ?? s.fxo?.state ?? 'idle'), call: s.subs.call ?? s.subs.held, gone: s.gone }));
  }

  /** The calls on a port now: the one the phone talks to, a held one, a waiting one. */
  calls(port: number): { call?: DahdiChannel; held?: DahdiChannel; waiting?: DahdiChannel; threeWay: boolean } {
    const s = this.slots.get(port)?.subs;
    return {
      ...(s?.call ? { call: s.call } : {}),
      ...(s?.held ? { held: s.held } : {}),
      ...(s?.waiting ? { waiting: s.waiting } : {}),
      threeWay: s?.conference !== undefined,
    };
  }

  /**
   * An outgoing leg for Dial(DAHDI/<resource>): the leg, or the cause when none can be placed
   * (no such port or group, or every candidate gone: CHANUNAVAIL; every port busy: BUSY as
   * chan_dahdi reports).
   */
  request(resource: string, caller: { callerId: CallerId }, events: DahdiOutboundEvents): DahdiChannel | HangupCause {
    const r = parseDahdiResource(resource);
    if (!r) return HANGUP_CAUSES.UNALLOCATED;
    const candidates = r.port !== undefined
      ? [this.slots.get(r.port)].filter((s): s is PortSlot => s !== undefined)
      : [...this.slots.values()].filter((s) => portInGroup(s.config, r.group!)).sort((a, b) => a.config.port - b.config.port);
    const present = candidates.filter((s) => !s.gone);
    if (present.length === 0) return HANGUP_CAUSES.SUBSCRIBER_ABSENT;
    const slot = present.find((s) => s.subs.call === undefined && s.subs.held === undefined && (s.fxs?.state ?? s.fxo?.state) === 'idle');
    if (!slot) {
      const busy = r.port !== undefined ? present[0] : undefined;
      if (busy && !r.number && busy.subs.canWait()) return this.callWaiting(busy, caller, events);
      return HANGUP_CAUSES.USER_BUSY;
    }
    if (slot.fxo && !r.number) return HANGUP_CAUSES.UNALLOCATED;
    const leg = this.newChannel(slot, 'outbound', { ...caller.callerId }, slot.config.context, r.number ?? slot.config.extension ?? 's');
    leg.application = 'AppDial';
    leg.appData = '(Outgoing Line)';
    this.legEvents.set(leg, events);
    slot.subs.call = leg;
    if (slot.fxs) {
      this.ringPhone(slot, caller.callerId);
      leg.state = 'Ringing';
      // Report ringing after the caller has the leg in hand (like a SIP 180 arriving later).
      this.o.clock.setTimeout(() => {
        if (slot.subs.call === leg && leg.state === 'Ringing') events.onRinging?.(leg);
      }, 0);
    } else {
      slot.fxo!.dial(r.number!);
    }
    this.o.log.verbose(3, `Requested DAHDI/${resource} -> ${leg.name}`);
    return leg;
  }

  /** Hang up every analog call (PBX stop). */
  hangupAll(cause: HangupCause = HANGUP_CAUSES.NORMAL_CLEARING): number {
    let n = 0;
    for (const s of this.slots.values()) {
      if (s.subs.call) {
        s.subs.call.hangup(cause);
        n++;
      }
    }
    return n;
  }

  close(): void {
    this.hangupAll();
    this.offEvents();
  }

  /** A second call to a phone in a call: it beeps (caller ID on call waiting) until a flash answers it. */
  private callWaiting(slot: PortSlot, caller: { callerId: CallerId }, events: DahdiOutboundEvents): DahdiChannel {
    const port = slot.config.port;
    const leg = this.newChannel(slot, 'outbound', { ...caller.callerId }, slot.config.context, slot.config.extension ?? 's');
    leg.application = 'AppDial';
    leg.appData = '(Outgoing Line)';
    leg.state = 'Ringing';
    this.legEvents.set(leg, events);
    slot.subs.waiting = leg;
    const spill = phoneSpill(caller.callerId);
    if (slot.config.callWaitingCallerId === false) this.o.engine.callWaiting?.(port, true);
    else this.o.engine.callWaiting?.(port, true, spill.number, spill.name, ...(spill.absence ? [spill.absence] : []));
    this.o.log.verbose(3, `Call waiting on DAHDI/${port}: ${leg.name}`);
    this.o.clock.setTimeout(() => {
      if (slot.subs.waiting === leg && leg.state === 'Ringing') events.onRinging?.(leg);
    }, 0);
    return leg;
  }

  private event(ev: AnalogEvent): void {
    const slot = this.slots.get(ev.port);
    if (!slot) return;
    if (ev.type === 'portGone' || ev.type === 'portBack') {
      this.presence(slot, ev);
      return;
    }
    if (ev.type === 'digit' && (slot.subs.call || slot.subs.conference) && (slot.fxs?.state === 'call' || slot.fxo?.state === 'connected')) {
      slot.media.digit(ev.digit);
      return;
    }
    if (ev.type === 'flash' && slot.fxs && slot.fxs.state !== 'call') {
      // FxsPort passes on a flash only in a call; with a held or waiting call it matters elsewhere too.
      if (slot.subs.held || slot.subs.waiting) slot.subs.flash();
      return;
    }
    slot.fxs?.handle(ev);
    slot.fxo?.handle(ev);
  }

  /** A port vanished or came back: its call ends, its signalling resets, Dial() skips it meanwhile. */
  private presence(slot: PortSlot, ev: AnalogEvent): void {
    const gone = ev.type === 'portGone';
    if (gone === slot.gone) return;
    slot.gone = gone;
    slot.fxs?.handle(ev);
    slot.fxo?.handle(ev);
    const port = slot.config.port;
    if (gone) {
      this.o.log.warning(`Detected alarm on channel ${port}: Not Open`);
      slot.subs.endAll(HANGUP_CAUSES.SUBSCRIBER_ABSENT);
    } else {
      this.o.log.notice(`Alarm cleared on channel ${port}`);
    }
  }

  private newChannel(slot: PortSlot, direction: 'inbound' | 'outbound', callerId: CallerId, context: string, exten: string): DahdiChannel {
    slot.instance++;
    const ch = new DahdiChannel({
      port: slot.config.port,
      instance: slot.instance,
      direction,
      callerId,
      context,
      exten,
      language: this.o.language ?? 'en',
      clock: this.o.clock,
      portMedia: slot.media,
      registry: this.channels,
      phone: slot.fxs !== undefined,
      signalling: {
        answer: (c) => {
          // A call off the port (the third party of a transfer still ringing) drives nothing.
          if (c !== slot.subs.call) return;
          slot.fxo?.answer();
          this.o.engine.playTone(slot.config.port, null);
        },
        ringing: (c) => {
          if (slot.fxs && c === slot.subs.call) this.o.engine.playTone(slot.config.port, 'ringback');
        },
        hangup: (c) => {
          // Only the call the phone talks to drives the port; a held or waiting one just goes.
          if (c === slot.subs.call && !slot.subs.juggling) this.release(slot);
          else if (c === slot.subs.waiting) this.o.engine.callWaiting?.(slot.config.port, false);
        },
      },
    });
    ch.onHangup((cause) => {
      // Every end of a call, whichever side ended it (chan_dahdi's dahdi_hangup logs them all).
      this.o.log.verbose(3, `Hungup '${ch.name}'`);
      slot.subs.ended(ch);
      const events = this.legEvents.get(ch);
      this.legEvents.delete(ch);
      events?.onEnded?.(ch, cause);
    });
    return ch;
  }

  /** Rings the phone showing `callerId` (the spill chan_dahdi sends). */
  private ringPhone(slot: PortSlot, callerId: CallerId): void {
    const spill = phoneSpill(callerId);
    slot.fxs?.ring(spill.number, spill.name, ...(spill.absence ? [spill.absence] : []));
  }

  /** Our side ends the call: stop ringing, play congestion to a phone still off hook, drop a line. */
  private release(slot: PortSlot): void {
    const port = slot.config.port;
    if (slot.fxs) {
      if (slot.fxs.state === 'ringing') slot.fxs.stopRinging();
      else if (slot.fxs.state === 'call') {
        // As chan_dahdi: the loop drops (kewlstart: the far end of an FXO line, or an answering
        // machine, sees the caller hang up), then the phone hears congestion until it hangs up.
        this.o.engine.disconnect?.(port);
        slot.fxs.farEndHungUp();
      }
    }
    slot.fxo?.hangup();
  }

  private fxsPort(slot: PortSlot): FxsPort {
    const port = slot.config.port;
    return new FxsPort({
      port,
      line: this.o.engine,
      clock: this.o.clock,
      ...(this.o.fxsTimeouts ? { timeouts: this.o.fxsTimeouts } : {}),
      matchMore: (digits) => this.o.match(slot.config.context, digits),
      // chan_dahdi.conf immediate=yes: off hook runs the context's `s` at once, no dial tone.
      ...(slot.config.immediate ? { immediate: true } : {}),
      onDialed: (number) => {
        const ch = this.newChannel(slot, 'inbound', phoneCallerId(slot.config), slot.config.context, number);
        slot.subs.call = ch;
        // State Ring, as chan_dahdi leaves it: Answer()/Dial() set it Up (the phone is off hook already).
        this.o.log.verbose(3, `Starting simple switch on '${ch.name}'`);
        this.o.route(ch);
      },
      onAnswer: () => {
        const ch = slot.subs.call;
        if (!ch) return;
        // Rung again for a held call: off hook takes it back.
        if (slot.subs.takeBack()) return;
        if (ch.direction !== 'outbound') return;
        ch.up();
        this.legEvents.get(ch)?.onAnswered?.(ch);
      },
      onHangup: () => {
        if (slot.subs.juggling) slot.subs.hungUp();
        else slot.subs.call?.finish(HANGUP_CAUSES.NORMAL_CLEARING);
      },
      onFlash: () => slot.subs.flash(),
    });
  }

  private fxoPort(slot: PortSlot): FxoPort {
    const port = slot.config.port;
    return new FxoPort({
      port,
      line: this.o.engine,
      clock: this.o.clock,
      ...(this.o.dialDelayMs !== undefined ? { dialDelayMs: this.o.dialDelayMs } : {}),
      ...(slot.config.immediate ? { immediate: true } : {}),
      onIncoming: (cid) => this.incoming(slot, cid),
      onDialComplete: () => {
        const ch = slot.subs.call;
        if (!ch || ch.direction !== 'outbound') return;
        ch.up();
        this.legEvents.get(ch)?.onAnswered?.(ch);
      },
      onDisconnect: (reason: FxoDisconnect) => {
        const cause = reason === 'busy' ? HANGUP_CAUSES.USER_BUSY : reason === 'congestion' ? HANGUP_CAUSES.CONGESTION : HANGUP_CAUSES.NORMAL_CLEARING;
        slot.subs.call?.finish(cause);
      },
    });
  }

  private incoming(slot: PortSlot, cid: LineCallerId | undefined): void {
    const { context, port } = slot.config;
    if (slot.subs.call) return;
    if (!this.o.exists(context, 's')) {
      this.o.log.warning(`Incoming call on DAHDI/${port}: no extension 's' in context '${context}'; not answered`);
      return;
    }
    // chan_dahdi.conf callerid: a fixed caller ID replaces what the line delivered (asreceived: kept).
    const fixed = slot.config.callerId;
    const callerId: CallerId = fixed ? { ...fixed } : cid ? lineCallerId(cid) : {};
    const ch = this.newChannel(slot, 'inbound', callerId, context, 's');
    slot.subs.call = ch;
    const shown = cid?.absence ?? (cid ? `${cid.number} "${cid.name}"` : 'none');
    this.o.log.verbose(3, `Starting ${ch.name} at ${context},s,1 (caller ID ${shown})`);
    this.o.route(ch);
  }
}

/**
 * The caller ID of a call arriving on a line: the number and name the exchange sent; a withheld
 * caller is presented `prohib` and an unavailable one `unavailable`, with no number (the
 * reason-for-absence 'P'/'O' of the spill, as Asterisk's CID_PRIVATE_NUMBER/CID_UNKNOWN_NUMBER).
 */
export function lineCallerId(cid: LineCallerId): CallerId {
  const name = cid.name ? { name: cid.name } : {};
  if (cid.absence) return { ...name, presentation: cid.absence === 'withheld' ? 'prohib' : 'unavailable' };
  return { number: cid.number, ...name };
}

/**
 * What the spill to a ringing phone carries, as chan_dahdi's callerid_genmsg: a caller whose
 * presentation is not allowed is sent as private ('P', no number, no name); a caller without a
 * number as unavailable ('O', the name still shown).
 */
export function phoneSpill(cid: CallerId): { number: string; name: string; absence?: CidAbsence } {
  if (!presentationAllowed(cid.presentation)) return { number: '', name: '', absence: 'withheld' };
  if (!cid.number) return { number: '', name: cid.name ?? '', absence: 'unavailable' };
  return { number: cid.number, name: cid.name ?? '' };
}

/**
 * The caller ID of a call a phone port makes: chan_dahdi.conf `callerid`, else the port's
 * extension; `hidecallerid = yes` presents none (Asterisk's prohib).
 */
export function phoneCallerId(p: AnalogPortConfig): CallerId {
  if (p.hideCallerId) return { presentation: 'prohib' };
  if (p.callerId) return { ...p.callerId };
  return p.extension !== undefined ? { number: p.extension } : {};
}

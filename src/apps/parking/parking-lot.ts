/**
 * The call parking lot (Asterisk's res_features parking, one lot from features.conf [general]):
 * spaces parkpos (701-720), the first free one taken; a parked channel hears music on hold until
 * it is retrieved (ParkedCall), hangs up (the space is freed), or `parkingtime` passes (the one
 * who parks decides where it then goes: Park() rings the parker back).
 *
 * The lot owns the state only (spaces, music, timer, the announcement); the dialplan's Park()
 * keeps a parked channel's dialplan run waiting on `left(channel)` so nothing hangs it up while
 * it is parked, whoever parked it (a transfer to 700 is sent there too, see runtime/).
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import type { HoldSource, BridgeEnd } from '../../core/bridge.ts';
import type { FeaturesConfig } from '../../config/features-model.ts';
import type { DialChannel } from '../dial.ts';
import type { ParkingService } from './types.ts';
import { sayDigits } from '../../media/say.ts';

/** Plays prompts (sound names) to a channel, in order; resolves when done or the channel hung up. */
export type PromptPlayer = (channel: DialChannel, prompts: readonly string[]) => Promise<void>;

export interface ParkingLotOptions {
  features(): FeaturesConfig;
  clock: Clock;
  /** Plays the space's digits (and pbx-parkingfailed, pbx-invalidpark, courtesytone). */
  play: PromptPlayer;
  /** What a parked channel hears (its class, else features.conf parkedmusicclass, else default). */
  music(channel: DialChannel, parkedClass: string): HoldSource | undefined;
  log?(message: string): void;
}

/** How a parked channel left its space. */
export type ParkEnd =
  | { kind: 'retrieved'; by: DialChannel; ended: Promise<BridgeEnd> }
  | { kind: 'hangup' }
  /** `parkingtime` passed: the channel is the parker's again (comeback). */
  | { kind: 'timeout' };

export interface ParkedCall {
  readonly space: number;
  readonly channel: DialChannel;
  /** The channel that parked it (its name, `SIP/2000-00000003`); the comeback rings its device. */
  readonly parker: string;
  /** Where the channel was in the dialplan when parked (`parkedcalls show`). */
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  readonly parkedAt: number;
  readonly timeoutAt: number;
}

interface Entry extends ParkedCall {
  timer: TimerHandle;
  stopMusic: (() => void) | undefined;
  settle(end: ParkEnd): void;
  left: Promise<ParkEnd>;
}

export class ParkingLot implements ParkingService {
  private readonly spaces = new Map<number, Entry>();
  private readonly byChannel = new Map<DialChannel, Entry>();

  constructor(private readonly o: ParkingLotOptions) {}

  isParkExten(exten: string): boolean {
    return exten === this.o.features().parkext;
  }

  /** The space `channel` is parked in, if it is parked. */
  spaceOf(channel: DialChannel): number | undefined {
    return this.byChannel.get(channel)?.space;
  }

  /** Settles when `channel` leaves its space; undefined when it is not parked. */
  left(channel: DialChannel): Promise<ParkEnd> | undefined {
    return this.byChannel.get(channel)?.left;
  }

  /** Parked calls by space, for `parkedcalls show`. */
  list(): ParkedCall[] {
    return [...this.spaces.values()].sort((a, b) => a.space - b.space);
  }

  /** Plays prompts to a channel (pbx-parkingfailed, pbx-invalidpark, the courtesy tone). */
  playTo(channel: DialChannel, prompts: readonly string[]): Promise<void> {
    return this.o.play(channel, prompts);
  }

  /** `timeoutMs` overrides parkingtime (Park()'s first argument). */
  async park(channel: DialChannel, o: { parkerName?: string; announceTo?: DialChannel; timeoutMs?: number }): Promise<number | undefined> {
    const f = this.o.features();
    if (channel.ended) return undefined;
    const existing = this.byChannel.get(channel);
    if (existing) return existing.space;
    let space: number | undefined;
    for (let s = f.parkpos.first; s <= f.parkpos.last; s++) {
      if (!this.spaces.has(s)) {
        space = s;
        break;
      }
    }
    if (space === undefined) {
      this.o.log?.(`No more parking spaces for ${channel.name}`);
      return undefined;
    }
    const now = this.o.clock.now();
    const stayMs = o.timeoutMs ?? f.parkingtime * 1000;
    let settle!: (end: ParkEnd) => void;
    const left = new Promise<ParkEnd>((r) => (settle = r));
    const entry: Entry = {
      space,
      channel,
      parker: o.parkerName ?? o.announceTo?.name ?? channel.name,
      context: channel.context,
      exten: channel.exten,
      priority: 'priority' in channel && typeof channel.priority === 'number' ? channel.priority : 1,
      parkedAt: now,
      timeoutAt: now + stayMs,
      timer: this.o.clock.setTimeout(() => this.leave(entry, { kind: 'timeout' }), stayMs),
      stopMusic: undefined,
      settle: (end) => settle(end),
      left,
    };
    this.spaces.set(space, entry);
    this.byChannel.set(channel, entry);
    // Asterisk sets the space on the parked channel (PARKINGSLOT; PARKEDAT in 1.4) and the lot name.
    channel.variables.set('PARKINGSLOT', String(space));
    channel.variables.set('PARKEDAT', String(space));
    channel.variables.set('PARKEDLOT', 'default');
    channel.onHangup(() => {
      if (this.byChannel.get(channel) === entry) this.leave(entry, { kind: 'hangup' });
    });
    this.o.log?.(`Parked ${channel.name} on ${space}@${f.parkingContext}. Will timeout back to extension [${entry.context}] ${entry.exten}, ${entry.priority} in ${Math.round(stayMs / 1000)} seconds`);
    const digits = sayDigits(String(space));
    if (o.announceTo && !o.announceTo.ended) {
      // The transferer hears the space while the parked party already hears music.
      this.startMusic(entry, f);
      await this.o.play(o.announceTo, digits);
    } else {
      await this.o.play(channel, digits);
      if (this.byChannel.get(channel) === entry) this.startMusic(entry, f);
    }
    return space;
  }

  /**
   * Takes the call parked on `space` out of the lot and hands it to `connect` (ParkedCall bridges
   * it with the retriever); undefined when the space is empty.
   */
  retrieve(space: number, by: DialChannel, connect: (parked: DialChannel) => Promise<BridgeEnd>): ParkedCall | undefined {
    const entry = this.spaces.get(space);
    if (!entry || entry.channel.ended) return undefined;
    this.remove(entry);
    this.o.log?.(`${by.name} connected to parked call ${space} (${entry.channel.name})`);
    entry.settle({ kind: 'retrieved', by, ended: connect(entry.channel) });
    return entry;
  }

  /** Empties the lot (the PBX stops): parked channels are left to their own hangup. */
  close(): void {
    for (const e of [...this.spaces.values()]) this.leave(e, { kind: 'hangup' });
  }

  private startMusic(entry: Entry, f: FeaturesConfig): void {
    const media = entry.channel.media;
    const source = this.o.music(entry.channel, f.parkedmusicclass);
    if (!media || !source) return;
    const format = entry.channel.format === 'alaw' ? 'alaw' : entry.channel.format === 'slin' ? 'slin' : 'ulaw';
    entry.stopMusic = source(format, (frame) => media.send(frame));
  }

  private remove(entry: Entry): void {
    entry.timer.cancel();
    entry.stopMusic?.();
    entry.stopMusic = undefined;
    if (this.spaces.get(entry.space) === entry) this.spaces.delete(entry.space);
    if (this.byChannel.get(entry.channel) === entry) this.byChannel.delete(entry.channel);
  }

  private leave(entry: Entry, end: ParkEnd): void {
    if (this.spaces.get(entry.space) !== entry) return;
    this.remove(entry);
    if (end.kind === 'timeout') this.o.log?.(`Parked call ${entry.space} (${entry.channel.name}) timed out, back to ${entry.parker}`);
    else if (end.kind === 'hangup') this.o.log?.(`${entry.channel.name} got tired of being parked on ${entry.space}`);
    entry.settle(end);
  }
}

/** The device a channel name stands for: `SIP/2000-0000000a` -> `SIP/2000` (Asterisk strips the suffix the same way). */
export function deviceOfChannel(name: string): string {
  const dash = name.lastIndexOf('-');
  return dash > name.indexOf('/') ? name.slice(0, dash) : name;
}

/**
 * A two-party bridge: the media of two answered legs relayed packet by packet (the JS relay now,
 * a native relay through the same RelayFactory later), and the rule that when one leg hangs up
 * the other is hung up with the same cause (unless it is the one the bridge keeps: Dial's `g`).
 *
 * Hold (Asterisk's AST_CONTROL_HOLD): when one leg holds, the other leg's input is swapped for a
 * frame source (music on hold): the relay stops (or the frame bridge stops passing the holder's
 * audio) and the source's frames go to the held leg. On resume the source stops and a fresh
 * relay starts, so its sequence and timestamp offsets continue after the music.
 */
import type { Channel } from '../channels/channel.ts';
import type { AudioFrame, MediaFormat } from '../media/frame.ts';
import { createJsRelay, type MediaRelay, type RelayFactory } from '../rtp/relay.ts';
import type { FrameBridge } from './frame-bridge.ts';
import type { HangupCause } from './hangup-causes.ts';
import { nextBridgeId } from './events.ts';

/** What a bridge needs from a channel: media, and hearing when it hangs up. */
export interface BridgeableChannel extends Channel {
  onHangup(cb: (cause: HangupCause) => void): void;
  /** Where frames for this leg go (music while the other leg holds). */
  readonly media?: { send(frame: AudioFrame): void } | undefined;
}

/**
 * What the held party hears: frames in `format` handed to `send` until the returned function is
 * called; undefined when there is nothing to play (the held party then hears silence).
 */
export type HoldSource = (format: MediaFormat, send: (frame: AudioFrame) => void) => (() => void) | undefined;

/** How a bridge ended: a leg hung up, or it was released with both legs up (transfer, park, pickup). */
export type BridgeEnd = 'hangup' | 'released';

/** The bridge each channel is in now (transfers and parking find the call a leg is part of). */
const bridges = new WeakMap<Channel, Bridge>();

/** The bridge `channel` is in now, if any. */
export function bridgeOf(channel: Channel): Bridge | undefined {
  return bridges.get(channel);
}

export class Bridge {
  private currentRelay: MediaRelay | undefined;
  private stopped = false;
  private readonly endListeners: ((how: BridgeEnd) => void)[] = [];
  /** Legs holding the call, with the function that stops what the other leg hears. */
  private readonly holds = new Map<BridgeableChannel, () => void>();
  /** The frame bridge that moves the media when a leg has no RTP (set by Dial). */
  frames: FrameBridge | undefined;

  constructor(
    readonly a: BridgeableChannel,
    readonly b: BridgeableChannel,
    private readonly factory: RelayFactory = createJsRelay,
    /** Stays up when the other leg hangs up (Dial's `g` option: the caller continues in the dialplan). */
    private keep?: BridgeableChannel,
  ) {
    this.currentRelay = a.rtp && b.rtp ? factory(a.rtp, b.rtp) : undefined;
    a.bridgedTo = b.name;
    b.bridgedTo = a.name;
    bridges.set(a, this);
    bridges.set(b, this);
    a.onHangup((cause) => this.end(b, cause));
    b.onHangup((cause) => this.end(a, cause));
    this.announce('BridgeEnter', a, 1);
    this.announce('BridgeEnter', b, 2);
  }

  /** Stable for the bridge's life (AMI BridgeUniqueid). */
  readonly id = nextBridgeId();

  private announce(type: 'BridgeEnter' | 'BridgeLeave', channel: BridgeableChannel, numChannels: number): void {
    (this.a.eventBus ?? this.b.eventBus)?.emit({ type, bridgeId: this.id, bridgeType: 'basic', channel, numChannels });
  }

  /**
   * Changes the leg that stays up when the other hangs up (an attended transfer by DTMF keeps
   * the transferee for its target when the transferer hangs up); returns the previous one.
   */
  keepUp(leg: BridgeableChannel | undefined): BridgeableChannel | undefined {
    const was = this.keep;
    this.keep = leg;
    return was;
  }

  /** Whether the bridge is over (a leg hung up, or it was released). */
  get ended(): boolean {
    return this.stopped;
  }

  /** The leg that is not `leg`. */
  other(leg: Channel): BridgeableChannel {
    return leg === this.a ? this.b : this.a;
  }

  /** Called once when the bridge ends, with how (a listener added after the end is called at once). */
  onEnd(cb: (how: BridgeEnd) => void): void {
    if (this.stopped) cb(this.endedHow);
    else this.endListeners.push(cb);
  }

  /**
   * Ends the bridge with both legs left up (Asterisk's bridge break for a transfer, park or
   * pickup): media stops, the music of a hold stops, nobody is hung up. Whoever released it
   * decides what each leg does next (a new bridge, the dialplan, a parking space).
   */
  release(): void {
    if (this.stopped) return;
    this.finish('released');
    this.a.bridgedTo = undefined;
    this.b.bridgedTo = undefined;
  }

  /** The packet relay while both legs are RTP and nobody holds. */
  get relay(): MediaRelay | undefined {
    return this.currentRelay;
  }

  /** Whether `leg` holds the call now. */
  isHolding(leg: BridgeableChannel): boolean {
    return this.holds.has(leg);
  }

  /**
   * `holder` puts the call on hold: the other leg stops hearing it and hears `source` instead.
   * A second hold by the same leg changes nothing.
   */
  hold(holder: BridgeableChannel, source: HoldSource | undefined): void {
    if (this.stopped || this.holds.has(holder) || (holder !== this.a && holder !== this.b)) return;
    const held = holder === this.a ? this.b : this.a;
    this.currentRelay?.stop();
    this.currentRelay = undefined;
    this.frames?.pause(holder === this.a ? 'a' : 'b');
    const media = held.media;
    const stop = media && source ? source((held.format ?? 'ulaw') as MediaFormat, (f) => media.send(f)) : undefined;
    this.holds.set(holder, stop ?? (() => undefined));
  }

  /** `holder` takes the call back: the music stops and the two talk again. */
  unhold(holder: BridgeableChannel): void {
    const stop = this.holds.get(holder);
    if (!stop) return;
    this.holds.delete(holder);
    stop();
    if (this.stopped) return;
    this.frames?.resume(holder === this.a ? 'a' : 'b');
    if (this.holds.size === 0 && !this.currentRelay && this.a.rtp && this.b.rtp) this.currentRelay = this.factory(this.a.rtp, this.b.rtp);
  }

  private endedHow: BridgeEnd = 'hangup';

  private finish(how: BridgeEnd): void {
    this.stopped = true;
    this.endedHow = how;
    for (const stop of this.holds.values()) stop();
    this.holds.clear();
    this.currentRelay?.stop();
    this.currentRelay = undefined;
    this.frames?.stop();
    for (const leg of [this.a, this.b]) if (bridges.get(leg) === this) bridges.delete(leg);
    this.announce('BridgeLeave', this.a, 1);
    this.announce('BridgeLeave', this.b, 0);
    for (const cb of this.endListeners.splice(0)) cb(how);
  }

  private end(other: Channel, cause: HangupCause): void {
    if (this.stopped) return;
    this.finish('hangup');
    if (other === this.keep) {
      other.bridgedTo = undefined;
      return;
    }
    other.hangup(cause);
  }
}

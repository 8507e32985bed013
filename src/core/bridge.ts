/**
 * A two-party bridge: the media of two answered legs relayed packet by packet (the JS relay now,
 * a native relay through the same RelayFactory later), and the rule that when one leg hangs up
 * the other is hung up with the same cause (unless it is the one the bridge keeps: Dial's `g`).
 */
import type { Channel } from '../channels/channel.ts';
import { createJsRelay, type MediaRelay, type RelayFactory } from '../rtp/relay.ts';
import type { HangupCause } from './hangup-causes.ts';

/** What a bridge needs from a channel: media, and hearing when it hangs up. */
export interface BridgeableChannel extends Channel {
  onHangup(cb: (cause: HangupCause) => void): void;
}

export class Bridge {
  readonly relay: MediaRelay | undefined;
  private stopped = false;

  constructor(
    readonly a: BridgeableChannel,
    readonly b: BridgeableChannel,
    factory: RelayFactory = createJsRelay,
    /** Stays up when the other leg hangs up (Dial's `g` option: the caller continues in the dialplan). */
    private readonly keep?: BridgeableChannel,
  ) {
    this.relay = a.rtp && b.rtp ? factory(a.rtp, b.rtp) : undefined;
    a.bridgedTo = b.name;
    b.bridgedTo = a.name;
    a.onHangup((cause) => this.end(b, cause));
    b.onHangup((cause) => this.end(a, cause));
  }

  private end(other: Channel, cause: HangupCause): void {
    if (this.stopped) return;
    this.stopped = true;
    this.relay?.stop();
    if (other === this.keep) {
      other.bridgedTo = undefined;
      return;
    }
    other.hangup(cause);
  }
}

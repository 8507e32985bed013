/**
 * Two answered channels talking: the Bridge (packet relay for two RTP legs, or a frame bridge on
 * the media clock when a leg has no RTP, an analog port), hold with music on hold in either
 * direction, and a promise that settles when the call is over: a leg hung up, or the bridge was
 * released with both legs up (a transfer, park or pickup took them elsewhere).
 *
 * Dial bridges its caller and the leg that answered with it; a transfer, ParkedCall and Pickup
 * bridge two channels that were already up.
 */
import type { MediaClock } from '../media/clock.ts';
import { Bridge, type BridgeEnd, type HoldSource } from '../core/bridge.ts';
import { FrameBridge } from '../core/frame-bridge.ts';
import type { DialChannel } from './dial.ts';
import type { RelayFactory } from '../rtp/relay.ts';

export interface BridgeCallOptions {
  /** Paces the frame bridge when a leg has no RTP (required for analog legs). */
  mediaClock?: MediaClock;
  /** What the other party hears while `holder` holds the call (music on hold). */
  holdMusic?(holder: DialChannel, held: DialChannel): HoldSource | undefined;
  /** This leg stays up when the other hangs up (Dial's `g`). */
  keep?: DialChannel;
  /** The packet relay for two RTP legs (in-call features hold DTMF back through it); default the JS relay. */
  relay?: RelayFactory;
  log?(message: string): void;
}

export interface BridgedCall {
  readonly bridge: Bridge;
  /** Settles once: 'hangup' when a leg hung up, 'released' when the bridge was released. */
  readonly ended: Promise<BridgeEnd>;
}

/** Bridges `a` and `b` (both answered) until one hangs up or the bridge is released. */
export function bridgeCall(a: DialChannel, b: DialChannel, o: BridgeCallOptions): BridgedCall {
  const bridge = new Bridge(a, b, o.relay, o.keep);
  bridge.frames = frameBridgeFor(a, b, o);
  const holdWatch = [a, b].map((holder) => {
    const held = holder === a ? b : a;
    return holder.onHoldChange((holding) => (holding ? bridge.hold(holder, o.holdMusic?.(holder, held)) : bridge.unhold(holder)));
  });
  // A leg already holding when the bridge starts (a held call picked up from a park) is honoured.
  for (const holder of [a, b]) if (holder.holding) bridge.hold(holder, o.holdMusic?.(holder, holder === a ? b : a));
  const ended = new Promise<BridgeEnd>((resolve) => {
    bridge.onEnd((how) => {
      for (const off of holdWatch) off();
      resolve(how);
    });
  });
  return { bridge, ended };
}

/** Two RTP legs are relayed by the Bridge; otherwise their frames move on the media clock. */
function frameBridgeFor(a: DialChannel, b: DialChannel, o: BridgeCallOptions): FrameBridge | undefined {
  if (a.rtp && b.rtp) return undefined;
  const ma = a.media;
  const mb = b.media;
  if (!ma || !mb || !o.mediaClock) {
    o.log?.(`${a.name} and ${b.name} are bridged without media (no media clock or no media)`);
    return undefined;
  }
  return new FrameBridge(ma, mb, o.mediaClock, {}, (m) => o.log?.(`${a.name}/${b.name}: ${m}`));
}

/**
 * The analog phone's flash features above the channel layer (the DAHDI driver decides when, this
 * does the media): a three-way call is the phone, the held call's partner and the third call's
 * partner on one Mixer, while both calls' own bridges stay in place (their Dial applications keep
 * running, the port's media is cut off from both); a transfer releases both bridges and bridges
 * the two partners (bridgeCall), as chan_dahdi's attempt_transfer masquerades them together.
 */
import type { MediaClock } from '../media/clock.ts';
import { bridgeOf, type HoldSource } from '../core/bridge.ts';
import { Mixer, type MixerParty } from '../core/mixer.ts';
import { bridgeCall } from '../apps/bridge-call.ts';
import { DahdiChannel, type PortMedia } from '../channels/dahdi-channel.ts';
import { SipChannel } from '../channels/sip-channel.ts';
import type { DahdiFeatures } from '../channels/dahdi-driver.ts';
import type { DialChannel } from '../apps/dial.ts';

export interface AnalogCallsOptions {
  mediaClock: MediaClock;
  /** Music for a party the other holds in a call a transfer made (absent: silence). */
  holdMusic?(holder: DialChannel, held: DialChannel): HoldSource | undefined;
  log(message: string): void;
}

/** The partner of `ch` in its bridge, when it is a channel we can bridge or mix. */
function partnerOf(ch: DahdiChannel): DialChannel | undefined {
  const bridge = bridgeOf(ch);
  if (!bridge || bridge.ended) return undefined;
  const other = bridge.other(ch);
  return other instanceof SipChannel || other instanceof DahdiChannel ? other : undefined;
}

export function analogFeatures(o: AnalogCallsOptions): DahdiFeatures {
  return {
    conference(phone: PortMedia, held: DahdiChannel, third: DahdiChannel): (() => void) | undefined {
      const x = partnerOf(held);
      const c = partnerOf(third);
      const xm: MixerParty | undefined = x?.media;
      const cm: MixerParty | undefined = c?.media;
      if (!x || !c || !xm || !cm) {
        o.log(`three-way call on ${held.name}/${third.name} refused: a call is not bridged`);
        return undefined;
      }
      const mixer = new Mixer(o.mediaClock);
      mixer.add(phone);
      mixer.add(xm);
      mixer.add(cm);
      o.log(`three-way call: ${held.name} (${x.name}) + ${third.name} (${c.name})`);
      return () => mixer.stop();
    },

    transfer(held: DahdiChannel, third: DahdiChannel): boolean {
      const x = partnerOf(held);
      const c = partnerOf(third);
      if (!x || !c) return false;
      // Both bridges end with every leg up; the partners' Dial (if they are callers) follows the
      // new bridge (apps/dial.ts), the analog calls are ended by the driver.
      bridgeOf(held)?.release();
      bridgeOf(third)?.release();
      const call = bridgeCall(x, c, {
        mediaClock: o.mediaClock,
        ...(o.holdMusic ? { holdMusic: o.holdMusic } : {}),
        log: o.log,
      });
      void call.ended.then((how) => o.log(`transferred call ${x.name} <-> ${c.name} ended (${how})`));
      return true;
    },
  };
}

/**
 * Call pickup: which Dial is ringing which leg now, and a way for another channel (the picker,
 * a phone that dialled `*8` or ran Pickup()) to become that Dial's answered leg: Dial cancels
 * its ringing legs (the phones stop ringing: CANCEL) and bridges its caller with the picker
 * through the same path as an answer (Asterisk's ast_pickup_call masquerades the picker into
 * the ringing channel; the outcome for both parties is the same).
 *
 * Dial registers each leg while it rings (`ringing`); the runtime decides which legs a picker
 * may take (call groups, or a named extension for Pickup(ext)).
 */
import type { BridgeEnd } from '../core/bridge.ts';
import type { DialChannel } from './dial.ts';
import { SipChannel } from '../channels/sip-channel.ts';
import type { PbxConfig } from '../config/model.ts';

/** Ports and phones pbx.conf defines (not chan_dahdi.conf / sip.conf) are in the office group. */
const PBX_CONF_FILE = 'pbx.conf';

export interface RingingLeg {
  readonly caller: DialChannel;
  readonly leg: DialChannel;
  /** The extension the caller dialled (Pickup(ext@context) looks for it). */
  readonly exten: string;
  readonly context: string;
  /**
   * Makes `picker` the answered leg of this Dial; the bridged call's end, or undefined when the
   * Dial is already over (answered, failed, cancelled) or the picker is one of its own parties.
   */
  take(picker: DialChannel): Promise<BridgeEnd> | undefined;
}

/** The call and pickup groups of a channel's device (sip.conf / chan_dahdi.conf callgroup, pickupgroup). */
export interface CallGroups {
  callgroups(channel: DialChannel): readonly number[];
  pickupgroups(channel: DialChannel): readonly number[];
}

/** What Pickup() and Dial need: the registry and the groups in force. */
export interface PickupService extends CallGroups {
  readonly registry: PickupRegistry;
}

/** Whether `picker` may pick up `leg`: one of its pickup groups is one of the leg's call groups. */
export function inPickupGroup(groups: CallGroups, picker: DialChannel, leg: DialChannel): boolean {
  const wanted = groups.pickupgroups(picker);
  return wanted.length > 0 && groups.callgroups(leg).some((g) => wanted.includes(g));
}

export class PickupRegistry {
  private readonly legs = new Set<RingingLeg>();

  /** Dial: `leg` rings for `caller`; the returned function removes it (answered, ended). */
  ringing(r: RingingLeg): () => void {
    this.legs.add(r);
    return () => this.legs.delete(r);
  }

  /** Ringing legs, oldest first. */
  list(): RingingLeg[] {
    return [...this.legs];
  }

  /**
   * Picks up the oldest ringing leg `accept` allows for `picker`: the bridged call's end, or
   * undefined when there is none to pick up.
   */
  pickup(picker: DialChannel, accept: (r: RingingLeg) => boolean): Promise<BridgeEnd> | undefined {
    for (const r of this.legs) {
      if (r.caller === picker || r.leg === picker || r.leg.ended || r.caller.ended || !accept(r)) continue;
      const ended = r.take(picker);
      if (ended) return ended;
    }
    return undefined;
  }
}

/**
 * Call and pickup groups from the configuration in force: a sip.conf peer's callgroup and
 * pickupgroup, a chan_dahdi.conf FXS port's. The phones of pbx.conf [phones] and the FXS ports
 * of pbx.conf [analog] (which have no such keys) are all in group 1 for both, so any office phone
 * can pick up another's ringing call with `*8` out of the box.
 */
export function configCallGroups(config: () => PbxConfig): CallGroups {
  const OFFICE: readonly number[] = [1];
  const NONE: readonly number[] = [];
  const groups = (ch: DialChannel, which: 'call' | 'pickup'): readonly number[] => {
    if (ch instanceof SipChannel) {
      const p = config().peers.get(ch.peer);
      if (!p) return NONE;
      return p.fromPbxConf ? OFFICE : which === 'call' ? p.callgroup : p.pickupgroup;
    }
    const port = config().analog?.ports.find((x) => x.port === ch.port && x.kind === 'fxs');
    if (!port) return NONE;
    const set = which === 'call' ? port.callGroups : port.pickupGroups;
    if (set) return set;
    // A pbx.conf [analog] port carries no origin (chan_dahdi.conf ports do).
    return port.origin === undefined || port.origin.file === PBX_CONF_FILE ? OFFICE : NONE;
  };
  return { callgroups: (ch) => groups(ch, 'call'), pickupgroups: (ch) => groups(ch, 'pickup') };
}

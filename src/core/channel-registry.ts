/**
 * Every live channel by name, and the sequence that makes names unique the way Asterisk does
 * (`SIP/2000-00000001`: technology, peer, then an 8-digit hex counter over the process life).
 */
import type { Channel } from '../channels/channel.ts';
import { EventBus } from './events.ts';
import type { HangupCause } from './hangup-causes.ts';

export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private sequence = 0;

  /**
   * Where channel events go (Newchannel on add, Hangup on remove; the channels themselves emit
   * Newstate, Dial and bridges the rest). The PBX passes its own bus; a registry made alone
   * (unit tests) has a private one nobody listens to.
   */
  constructor(readonly events: EventBus = new EventBus()) {}

  /** A new unique name for a channel of `tech` to or from `resource`. */
  nextName(tech: string, resource: string): string {
    this.sequence = (this.sequence + 1) >>> 0;
    return `${tech}/${resource}-${this.sequence.toString(16).padStart(8, '0')}`;
  }

  add(channel: Channel): void {
    this.channels.set(channel.name, channel);
    this.events.emit({ type: 'Newchannel', channel });
  }

  /** The channel is gone with `cause` (Hangup event, once: a channel not listed is ignored). */
  remove(channel: Channel, cause: HangupCause): void {
    if (this.channels.get(channel.name) !== channel) return;
    this.channels.delete(channel.name);
    this.events.emit({ type: 'Hangup', channel, cause });
  }

  get(name: string): Channel | undefined {
    return this.channels.get(name);
  }

  list(): Channel[] {
    return [...this.channels.values()];
  }

  get size(): number {
    return this.channels.size;
  }
}

/**
 * Every live channel by name, and the sequence that makes names unique the way Asterisk does
 * (`SIP/2000-00000001`: technology, peer, then an 8-digit hex counter over the process life).
 */
import type { Channel } from '../channels/channel.ts';

export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private sequence = 0;

  /** A new unique name for a channel of `tech` to or from `resource`. */
  nextName(tech: string, resource: string): string {
    this.sequence = (this.sequence + 1) >>> 0;
    return `${tech}/${resource}-${this.sequence.toString(16).padStart(8, '0')}`;
  }

  add(channel: Channel): void {
    this.channels.set(channel.name, channel);
  }

  remove(channel: Channel): void {
    if (this.channels.get(channel.name) === channel) this.channels.delete(channel.name);
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

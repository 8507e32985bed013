/**
 * Which class a channel hears, in res_musiconhold's order of preference:
 *   1. the class the dialplan set on the channel (SetMusicOnHold, Dial's `m(class)`);
 *   2. the class suggested by whoever holds the call (the holding peer's `mohsuggest`);
 *   3. the channel's own peer setting (`mohinterpret`, and `musicclass` as the old spelling);
 *   4. `default`.
 * A named class that does not exist is skipped, as Asterisk falls back when it is unknown.
 */
import type { HoldSource } from '../../core/bridge.ts';
import type { MusicOnHold } from './moh-service.ts';

/** A peer's music settings (sip.conf `musicclass`, `mohsuggest`, `mohinterpret`). */
export interface PeerMusic {
  musicclass?: string;
  mohsuggest?: string;
  mohinterpret?: string;
}

/** The dialplan-set class of each live channel (Asterisk's CHANNEL(musicclass)). */
const channelClasses = new WeakMap<object, string>();

export function setChannelMusicClass(channel: object, name: string): void {
  if (name === '') channelClasses.delete(channel);
  else channelClasses.set(channel, name);
}

export function channelMusicClass(channel: object): string | undefined {
  return channelClasses.get(channel);
}

/** The class `held` hears while the call is held (by a peer suggesting `suggested`). */
export function heldMusicClass(moh: MusicOnHold, held: object, heldPeer: PeerMusic | undefined, holderPeer: PeerMusic | undefined): string | undefined {
  return moh.resolve(channelMusicClass(held), holderPeer?.mohsuggest, heldPeer?.mohinterpret, heldPeer?.musicclass);
}

/** The class as a bridge hold source (undefined when the class has no files: silence). */
export function classSource(moh: MusicOnHold, name: string | undefined): HoldSource | undefined {
  if (name === undefined) return undefined;
  return (format, send) => moh.listen(name, format, send);
}

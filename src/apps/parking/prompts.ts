/**
 * Plays prompts to a channel outside the dialplan (the parking space announced to a transferer,
 * pbx-parkingfailed, pbx-invalidpark, the courtesy tone): one frame per media clock tick, in the
 * channel's language, a prompt that is not installed skipped with a log line, as Asterisk's
 * say.c skips a missing digit file. Ends early when the channel hangs up.
 */
import type { MediaClock } from '../../media/clock.ts';
import type { AudioFrame, MediaFormat } from '../../media/frame.ts';
import { startPlayback } from '../../media/player.ts';
import type { DialChannel } from '../dial.ts';
import type { PromptPlayer } from './parking-lot.ts';

export interface PromptSource {
  find(name: string, language: string, format: MediaFormat): string | undefined;
  frames(name: string, language: string, format: MediaFormat): AudioFrame[];
}

export function promptPlayer(o: { sounds: PromptSource; clock: MediaClock; log?(message: string): void }): PromptPlayer {
  return async (channel: DialChannel, prompts: readonly string[]): Promise<void> => {
    for (const name of prompts) {
      const media = channel.media;
      if (!media || channel.ended) return;
      const language = channel.language;
      if (o.sounds.find(name, language, media.format) === undefined) {
        o.log?.(`prompt ${name} is not installed; skipped for ${channel.name}`);
        continue;
      }
      const playback = startPlayback(o.clock, media, o.sounds.frames(name, language, media.format), { format: media.format, signal: channel.hangupSignal });
      if ((await playback.done) === 'stopped') return;
    }
  };
}

/**
 * Call-progress tones on a channel's audio: `playTone` plays the country's dial, ringback, busy
 * or congestion tone (src/media/tones.ts) paced by the media clock until the signal aborts,
 * the channel hangs up, or a play-once tone ends. Busy/Congestion/Ringing (the signalling
 * applications) call it for a channel that is already up, Dial's `r` option for ringback.
 */
import type { MediaClock } from '../../media/clock.ts';
import { startPlayback, toneFrames } from '../../media/player.ts';
import { toneFor } from '../../media/tones.ts';
import type { ToneName } from '../../media/tones.ts';
import type { DialplanChannel } from '../types.ts';
import { guarded } from './media-session.ts';

/** How the tone ended: stopped by `signal`, the channel hung up, or the tone played out. */
export type ToneEnd = 'stopped' | 'hangup' | 'finished';

export function playTone(channel: DialplanChannel, tone: ToneName, country: string, signal: AbortSignal | undefined, deps: { clock: MediaClock }): Promise<ToneEnd> {
  return guarded<ToneEnd>(channel.hangupSignal, 'hangup', (finish, onCleanup) => {
    const media = channel.media;
    if (signal?.aborted) return finish('stopped');
    if (signal) {
      const onStop = (): void => finish('stopped');
      signal.addEventListener('abort', onStop, { once: true });
      onCleanup(() => signal.removeEventListener('abort', onStop));
    }
    if (!media) return; // no audio: the tone is "playing" until stopped or hung up
    const playback = startPlayback(deps.clock, media, toneFrames(toneFor(country, tone), media.format));
    onCleanup(() => playback.stop());
    void playback.done.then((end) => {
      if (end === 'finished') finish('finished');
    });
  });
}

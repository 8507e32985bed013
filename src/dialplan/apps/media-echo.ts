/**
 * Echo(): send every received audio frame and DTMF digit straight back to the caller (latency
 * and audio-path tests), as app_echo does; `#` is echoed and then ends the application (next
 * priority), hangup ends it too. Unlike Asterisk's Echo, a channel that is not up is answered
 * first (the demo's `600` relied on that, and without an answer a SIP caller hears nothing).
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { AppAudio, guarded, HANGUP, NEXT } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';

export function echoApplication(deps: MediaAppDeps): DialplanApplication {
  return {
    name: 'Echo',
    synopsis: 'Echo media, DTMF back to the calling party',
    syntax: 'Echo()',
    description: 'Echoes back any audio or DTMF received from the calling channel. If # is received, the application exits.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      if (ch.state !== 'Up') ch.answer();
      const audio = new AppAudio(ch, deps.clock);
      const media = audio.media;
      const end = await guarded<'hangup' | 'hash'>(ch.hangupSignal, 'hangup', (finish, onCleanup, isDone) => {
        if (!media) return; // nothing to echo: wait for the hangup
        const onDigit = (d: string): void => {
          media.sendDigit(d).catch((e: unknown) => ctx.log('debug', `Echo: could not send DTMF ${d}: ${(e as Error).message}`));
          if (d === '#') finish('hash');
        };
        if (audio.digits) {
          for (let d: string | undefined; !isDone() && (d = audio.digits.take()) !== undefined; ) onDigit(d);
          if (isDone()) return;
          onCleanup(audio.digits.listen(onDigit));
        }
        onCleanup(media.onFrame((frame) => media.send(frame)));
      });
      return end === 'hash' ? NEXT : HANGUP;
    },
  };
}

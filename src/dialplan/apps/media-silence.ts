/**
 * WaitForSilence(silencerequired[,iterations[,timeout]]) and WaitForNoise(...): wait until the
 * caller has been silent (or noisy) for `silencerequired` ms, `iterations` times, giving up
 * after `timeout` seconds; WAITSTATUS is SILENCE (or NOISE), TIMEOUT or HANGUP. Silence is
 * Asterisk's: average magnitude below 256 per frame; no audio at all for the required time
 * also counts as silence (a muted or digital-silence channel). Answers the channel first.
 */
import type { AudioFrame } from '../../media/frame.ts';
import { toSlin } from '../../media/frame.ts';
import { SilenceDetector } from '../../media/silence.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { AppAudio, guarded, HANGUP, NEXT } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';

type WaitEnd = 'met' | 'timeout' | 'hangup';

function parseInts(args: string[]): { required: number; iterations: number; timeoutS: number; ok: boolean } {
  const nums = args.map((a) => /^\s*(-?\d+)/.exec(a)?.[1]);
  const ok = nums.length > 0 && nums[0] !== undefined;
  return {
    required: nums[0] !== undefined ? Number(nums[0]) : 1000,
    iterations: nums[1] !== undefined ? Number(nums[1]) : 1,
    timeoutS: nums[2] !== undefined ? Number(nums[2]) : 0,
    ok,
  };
}

function waitApp(deps: MediaAppDeps, forSilence: boolean): DialplanApplication {
  const what = forSilence ? 'silence' : 'noise';
  const name = forSilence ? 'WaitForSilence' : 'WaitForNoise';
  return {
    name,
    synopsis: `Waits for a specified amount of ${what}`,
    syntax: `${name}(${what}required[,iterations[,timeout]])`,
    description: `Waits for ${what}required milliseconds of ${what}, iterations times (default 1). timeout: seconds after which it returns even without ${what}. Sets WAITSTATUS to ${forSilence ? 'SILENCE' : 'NOISE'}, TIMEOUT or HANGUP.`,
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      if (ch.state !== 'Up') ch.answer();
      const p = parseInts(ctx.rawArgs.trim() === '' ? [] : ctx.args);
      if (!p.ok) ctx.log('warning', 'Using default value of 1000ms, 1 iteration, no timeout');
      ctx.log('verbose', `Waiting ${p.iterations} time(s) for ${p.required} ms ${what} with ${p.timeoutS} timeout`);
      const audio = new AppAudio(ch, deps.clock);
      const media = audio.media;
      const clock = deps.clock;
      // The whole application shares one deadline, like Asterisk's waitstart.
      let elapsedMs = 0;
      let result: WaitEnd = 'met';
      for (let i = 0; i < p.iterations && result === 'met'; i++) {
        result = await guarded<WaitEnd>(ch.hangupSignal, 'hangup', (finish, onCleanup) => {
          const detector = new SilenceDetector();
          let quietMs = 0; // time since the last frame: no audio counts as silence
          let last: number | undefined;
          if (audio.digits) {
            audio.digits.clear();
            onCleanup(audio.digits.listen(() => {}));
          }
          if (media) {
            onCleanup(
              media.onFrame((frame: AudioFrame) => {
                quietMs = 0;
                detector.feed(toSlin(frame));
                const got = forSilence ? detector.totalSilenceMs : detector.totalNoiseMs;
                if (got >= p.required) finish('met');
              }),
            );
          }
          onCleanup(
            clock.onTick((tick) => {
              const step = (last === undefined ? 1 : Math.max(1, tick - last)) * clock.intervalMs;
              last = tick;
              elapsedMs += step;
              quietMs += step;
              if (forSilence && quietMs >= p.required) finish('met');
              else if (p.timeoutS > 0 && elapsedMs >= p.timeoutS * 1000) finish('timeout');
            }),
          );
        });
      }
      if (result === 'hangup') {
        ch.variables.set('WAITSTATUS', 'HANGUP');
        return HANGUP;
      }
      if (result === 'timeout') {
        ch.variables.set('WAITSTATUS', 'TIMEOUT');
      } else {
        ctx.log('verbose', `Exiting with ${p.required}ms ${what} >= ${p.required}ms required`);
        ch.variables.set('WAITSTATUS', forSilence ? 'SILENCE' : 'NOISE');
      }
      return NEXT;
    },
  };
}

export function waitForSilenceApplications(deps: MediaAppDeps): DialplanApplication[] {
  return [waitApp(deps, true), waitApp(deps, false)];
}

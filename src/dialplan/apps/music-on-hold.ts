/**
 * The music on hold applications of res_musiconhold: MusicOnHold(class[,duration]),
 * WaitMusicOnHold(delay), SetMusicOnHold(class), StartMusicOnHold([class]), StopMusicOnHold().
 * They listen to the class's shared stream (apps/moh): the channel gets the frame every other
 * listener of the class gets on that tick. An unanswered SIP channel hears it as early media
 * (183), as chan_sip sends progress with the first frame; like Asterisk, nothing answers it.
 * A class that does not exist falls back to the channel's class, then `default`; with nothing
 * to play the application warns and the dialplan goes on (MusicOnHold with no duration then
 * waits in silence until the caller hangs up, as it would have with music).
 */
import type { AppContext, AppResult, DialplanApplication, DialplanChannel } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { channelMusicClass, setChannelMusicClass } from '../../apps/moh/music-class.ts';
import { untilHangup } from '../exec/sleep.ts';

const NEXT: AppResult = { kind: 'next' };
const HANGUP: AppResult = { kind: 'hangup' };

/** Music started by StartMusicOnHold, stopped by StopMusicOnHold or the hangup. */
const background = new WeakMap<DialplanChannel, () => void>();

function seconds(text: string | undefined): number | undefined {
  const n = Number.parseFloat((text ?? '').trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Start `wanted` (else the channel's class, else default) on the channel; the stop function. */
function startMusic(ctx: AppContext, deps: ApplicationDeps, wanted: string | undefined, app: string): (() => void) | undefined {
  const ch = ctx.channel;
  const moh = deps.moh;
  const media = ch.media;
  const name = moh?.resolve(wanted, channelMusicClass(ch), 'default');
  if (wanted && name && moh?.spec(wanted) === undefined) ctx.log('warning', `${app}: music on hold class '${wanted}' not found, using '${name}'`);
  if (ch.state !== 'Up') ch.progress();
  const stop = moh && media && name ? moh.listen(name, media.format, (f) => media.send(f)) : undefined;
  if (!stop) {
    ctx.log('warning', `Unable to start music on hold class '${wanted || name || 'default'}' on channel ${ch.name}`);
    return undefined;
  }
  ctx.log('verbose', `Started music on hold, class '${name}', on ${ch.name}`);
  return stop;
}

/** Play until `ms` passed (undefined: until the hangup); HANGUP when the channel went. */
async function playFor(ctx: AppContext, stop: (() => void) | undefined, ms: number | undefined): Promise<AppResult> {
  try {
    if (ms === undefined) {
      await untilHangup(ctx.channel.hangupSignal);
      return HANGUP;
    }
    await ctx.sleep(ms);
    return NEXT;
  } catch {
    return HANGUP;
  } finally {
    stop?.();
  }
}

export function musicOnHoldApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'MusicOnHold',
      synopsis: 'Play Music On Hold indefinitely',
      syntax: 'MusicOnHold(class[,duration])',
      description:
        'Plays hold music specified by class. If omitted, the default music source for the channel will be used (SetMusicOnHold, else the default class). If duration is given, hold music will be played for the specified number of seconds and the dialplan continues; otherwise it plays until the caller hangs up.',
      async run(ctx) {
        const stop = startMusic(ctx, deps, ctx.args[0]?.trim() || undefined, 'MusicOnHold');
        const s = seconds(ctx.args[1]);
        return playFor(ctx, stop, s === undefined ? undefined : s * 1000);
      },
    },
    {
      name: 'WaitMusicOnHold',
      synopsis: 'Wait, playing Music On Hold',
      syntax: 'WaitMusicOnHold(delay)',
      description: 'Plays the channel\'s music on hold class (SetMusicOnHold, else default) for delay seconds, then the dialplan continues. Deprecated in Asterisk in favour of MusicOnHold(class,duration).',
      async run(ctx) {
        const s = seconds(ctx.args[0]);
        if (s === undefined) {
          ctx.log('warning', 'WaitMusicOnHold requires an argument (number of seconds to wait)');
          return NEXT;
        }
        const stop = startMusic(ctx, deps, undefined, 'WaitMusicOnHold');
        return playFor(ctx, stop, s * 1000);
      },
    },
    {
      name: 'SetMusicOnHold',
      synopsis: 'Set default Music On Hold class',
      syntax: 'SetMusicOnHold(class)',
      description: 'Sets the default class for music on hold for this channel (Asterisk\'s CHANNEL(musicclass)): MusicOnHold without a class, Dial\'s m and a hold by the other party play it. An empty class clears it.',
      async run(ctx) {
        const name = (ctx.args[0] ?? '').trim();
        if (name === '') ctx.log('warning', 'SetMusicOnHold requires an argument (class)');
        setChannelMusicClass(ctx.channel, name);
        return NEXT;
      },
    },
    {
      name: 'StartMusicOnHold',
      synopsis: 'Play Music On Hold',
      syntax: 'StartMusicOnHold(class)',
      description: 'Starts playing music on hold (the class, else the channel\'s, else default) and goes on with the dialplan at once; StopMusicOnHold or the hangup stops it.',
      async run(ctx) {
        background.get(ctx.channel)?.();
        const stop = startMusic(ctx, deps, ctx.args[0]?.trim() || undefined, 'StartMusicOnHold');
        if (stop) {
          const ch = ctx.channel;
          const onHangup = (): void => stopBackground(ch);
          ch.hangupSignal.addEventListener('abort', onHangup, { once: true });
          background.set(ch, () => {
            ch.hangupSignal.removeEventListener('abort', onHangup);
            stop();
          });
        }
        return NEXT;
      },
    },
    {
      name: 'StopMusicOnHold',
      synopsis: 'Stop playing Music On Hold',
      syntax: 'StopMusicOnHold()',
      description: 'Stops playing music on hold started by StartMusicOnHold.',
      async run(ctx) {
        stopBackground(ctx.channel);
        return NEXT;
      },
    },
  ];
}

function stopBackground(ch: DialplanChannel): void {
  const stop = background.get(ch);
  background.delete(ch);
  stop?.();
}

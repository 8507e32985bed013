/**
 * Applications that act on the call itself: Answer, Ringing, Progress, Busy, Congestion,
 * Hangup, Wait, NoOp and Verbose. Busy and Congestion follow the channel driver, as Asterisk's
 * indications do: an unanswered SIP caller gets 486 Busy Here / 503 Service Unavailable at once
 * (the hangup cause carries the status); an answered one, or an analog phone (in-band progress),
 * hears the tone until the timeout or its hangup.
 */
import { HANGUP_CAUSES, type HangupCause } from '../../core/hangup-causes.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { parseHangupCause } from '../exec/cause.ts';
import { untilHangup } from '../exec/sleep.ts';
import type { ApplicationDeps } from './deps.ts';

const NEXT: AppResult = { kind: 'next' };

/** Seconds as Asterisk parses them (fractions allowed); undefined when not a positive number. */
export function seconds(text: string | undefined): number | undefined {
  const n = Number.parseFloat((text ?? '').trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

async function indicateAndHangup(ctx: AppContext, deps: ApplicationDeps, tone: 'busy' | 'congestion', cause: HangupCause): Promise<AppResult> {
  const ch = ctx.channel;
  if (ch.state !== 'Up' && !ch.inbandProgress) return { kind: 'hangup', cause };
  const stop = deps.playTone?.(ch, tone);
  try {
    const timeout = seconds(ctx.args[0]);
    if (timeout !== undefined) await ctx.sleep(timeout * 1000);
    else await untilHangup(ch.hangupSignal);
  } finally {
    stop?.();
  }
  return { kind: 'hangup', cause };
}

export function channelControlApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'Answer',
      synopsis: 'Answer a channel if ringing',
      syntax: 'Answer([delay])',
      description: 'If the call has not been answered, this application will answer it. Otherwise, it has no effect on the call. If a delay is specified, Asterisk will wait this number of milliseconds before returning to the dialplan after answering the call.',
      async run(ctx) {
        if (ctx.channel.state === 'Up') return NEXT;
        ctx.channel.answer();
        const delay = Number.parseInt(ctx.args[0] ?? '', 10);
        if (delay > 0) await ctx.sleep(delay);
        return NEXT;
      },
    },
    {
      name: 'Ringing',
      synopsis: 'Indicate ringing tone',
      syntax: 'Ringing()',
      description: 'This application will request that the channel indicate a ringing tone to the user (180 Ringing to a SIP caller).',
      async run(ctx) {
        ctx.channel.ringing();
        return NEXT;
      },
    },
    {
      name: 'Progress',
      synopsis: 'Indicate progress',
      syntax: 'Progress()',
      description: 'This application will request that in-band progress information be provided to the calling channel (183 Session Progress with SDP to a SIP caller: prompts can be played before the answer).',
      async run(ctx) {
        ctx.channel.progress();
        return NEXT;
      },
    },
    {
      name: 'Busy',
      synopsis: 'Indicate the Busy condition',
      syntax: 'Busy([timeout])',
      description: 'This application will indicate the busy condition to the calling channel (486 Busy Here to an unanswered SIP caller, a busy tone to an answered one). If the optional timeout is specified, the calling channel will be hung up after the specified number of seconds. Otherwise, this application will wait until the calling channel hangs up.',
      run: (ctx) => indicateAndHangup(ctx, deps, 'busy', HANGUP_CAUSES.USER_BUSY),
    },
    {
      name: 'Congestion',
      synopsis: 'Indicate the Congestion condition',
      syntax: 'Congestion([timeout])',
      description: 'This application will indicate the congestion condition to the calling channel (503 Service Unavailable to an unanswered SIP caller, a congestion tone to an answered one). If the optional timeout is specified, the calling channel will be hung up after the specified number of seconds. Otherwise, this application will wait until the calling channel hangs up.',
      run: (ctx) => indicateAndHangup(ctx, deps, 'congestion', HANGUP_CAUSES.CONGESTION),
    },
    {
      name: 'Hangup',
      synopsis: 'Hang up the calling channel',
      syntax: 'Hangup([causecode])',
      description: 'This application will hang up the calling channel. If a causecode is given (a Q.850 number such as 17, or a name such as USER_BUSY), the channel hangup cause will be set to it.',
      async run(ctx) {
        const text = (ctx.args[0] ?? '').trim();
        if (text === '') return { kind: 'hangup' };
        const cause = parseHangupCause(text);
        if (cause === undefined) {
          ctx.log('warning', `Invalid cause given to Hangup(): "${text}"`);
          return { kind: 'hangup' };
        }
        return { kind: 'hangup', cause };
      },
    },
    {
      name: 'Wait',
      synopsis: 'Waits for some time',
      syntax: 'Wait(seconds)',
      description: 'This application waits for a specified number of seconds (fractions such as 1.5 allowed). A hangup ends the wait and the dialplan.',
      async run(ctx) {
        const s = seconds(ctx.args[0]);
        if (s !== undefined) await ctx.sleep(s * 1000);
        return NEXT;
      },
    },
    {
      name: 'NoOp',
      synopsis: 'Do Nothing (No Operation)',
      syntax: 'NoOp([text])',
      description: 'This application does nothing. However, it is useful for debugging purposes: its substituted text shows in the Executing line at verbose level 3.',
      run: async () => NEXT,
    },
    {
      name: 'Verbose',
      synopsis: 'Send arbitrary text to verbose output',
      syntax: 'Verbose([level,]message)',
      description: 'Sends an arbitrary text message to verbose output, shown on consoles whose verbosity is at least level (default 0: always).',
      async run(ctx) {
        let level = 0;
        let msg = ctx.rawArgs;
        if (ctx.args.length > 1) {
          const n = Number.parseInt(ctx.args[0]!, 10);
          if (Number.isNaN(n)) ctx.log('warning', `'${ctx.args[0]}' is not a verboser number`);
          else level = n;
          msg = ctx.args.slice(1).join(',');
        }
        deps.log.verbose(Math.max(level, 0), msg);
        return NEXT;
      },
    },
  ];
}

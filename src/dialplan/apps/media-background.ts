/**
 * Background and WaitExten: the IVR pair. Background plays prompts while listening; the first
 * digit stops it. A single digit that is an extension of the destination context and cannot
 * grow into a longer one goes there at once; otherwise digits are collected dial-as-you-go in
 * the current context (collectExtension: TIMEOUT(digit) between digits, `i` when nothing
 * matches). WaitExten waits TIMEOUT(response) (or its argument) for the first digit, also
 * taking digits typed before it started (the channel's digit queue), and on timeout continues
 * at the next priority if there is one, else at `t`, else `e`, else hangs up, like Asterisk.
 */
import { toneFrames } from '../../media/player.ts';
import { toneFor } from '../../media/tones.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { AppAudio, answerUnless, collectExtension, HANGUP, isDtmfDigit, loadPrompt, NEXT, optionLetters, positiveSecondsMs, responseTimeoutMs } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';

function backgroundOptions(text: string): Set<string> {
  const lower = text.trim().toLowerCase();
  if (lower === 'skip') return new Set(['s']);
  if (lower === 'noanswer') return new Set(['n']);
  return optionLetters(text);
}

export function backgroundApplication(deps: MediaAppDeps): DialplanApplication {
  return {
    name: 'BackGround',
    synopsis: 'Play an audio file while waiting for digits of an extension to go to',
    syntax: 'Background(filename1[&filename2[&...]][,options[,langoverride][,context]])',
    description:
      'Plays the given files while waiting for an extension to be dialed. Options: s (skip if the channel is not up), n (do not answer), m (only break if a digit matches a one-digit extension in the destination context), p (play without breaking on digits). Use WaitExten to keep waiting after the files ended. Sets BACKGROUNDSTATUS to SUCCESS or FAILED.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const files = (ctx.args[0] ?? '').trim();
      if (files === '') {
        ctx.log('warning', 'Background requires an argument (filename)');
        return HANGUP;
      }
      const opts = backgroundOptions(ctx.args[1] ?? '');
      const language = ctx.args[2]?.trim() || ch.language;
      const context = ctx.args[3]?.trim() || ch.variables.get('MACRO_CONTEXT') || ch.context;
      const cid = ch.callerId.number;
      if (ch.state !== 'Up' && opts.has('s')) {
        ch.variables.set('BACKGROUNDSTATUS', 'SUCCESS');
        return NEXT;
      }
      answerUnless(ch, opts.has('n'));
      const audio = new AppAudio(ch, deps.clock);
      const breakOn = opts.has('p')
        ? () => false
        : opts.has('m')
          ? (d: string) => ctx.lookup.exists(context, d, cid)
          : isDtmfDigit;
      let failed = false;
      let digit: string | undefined;
      if (!audio.media) {
        if (audio.hungUp) return HANGUP;
        ctx.log('warning', `ast_streamfile failed on ${ch.name} for ${ctx.rawArgs}: the channel has no audio`);
        failed = true;
      } else {
        for (const name of files.split('&')) {
          const frames = loadPrompt(ctx, audio.media, name.trim(), language);
          if (!frames) {
            ctx.log('warning', `ast_streamfile failed on ${ch.name} for ${ctx.rawArgs}`);
            failed = true;
            break;
          }
          const r = await audio.listen({ frames, breakOn });
          if (r.kind === 'hangup') {
            ch.variables.set('BACKGROUNDSTATUS', 'SUCCESS');
            return HANGUP;
          }
          if (r.kind === 'digit') {
            digit = r.digit;
            break;
          }
        }
      }
      ch.variables.set('BACKGROUNDSTATUS', failed ? 'FAILED' : 'SUCCESS');
      if (digit === undefined) return NEXT;
      if (ctx.lookup.canMatch(context, digit, cid) && !ctx.lookup.matchMore(context, digit, cid)) {
        return { kind: 'goto', context, exten: digit, priority: 1 };
      }
      return collectExtension(ctx, audio, digit);
    },
  };
}

export function waitExtenApplication(deps: MediaAppDeps): DialplanApplication {
  return {
    name: 'WaitExten',
    synopsis: 'Waits for an extension to be entered',
    syntax: 'WaitExten([seconds][,options])',
    description:
      'Waits for the caller to enter an extension, for the given seconds (fractions allowed) or TIMEOUT(response). Option d plays dial tone while waiting. On timeout continues at the next priority if it exists, else at t, else e, else hangs up.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const opts = optionLetters(ctx.args[1]);
      const ms = positiveSecondsMs(ctx.args[0]) ?? responseTimeoutMs(ch);
      if (opts.has('m')) ctx.log('notice', 'WaitExten: music on hold (m) is not available yet; waiting in silence');
      const audio = new AppAudio(ch, deps.clock);
      const frames = opts.has('d') && audio.media ? toneFrames(toneFor(deps.toneZone?.(ch) ?? 'us', 'dial'), audio.media.format) : undefined;
      const r = await audio.listen({ frames, breakOn: isDtmfDigit, timeoutMs: ms, waitAfterFrames: true });
      if (r.kind === 'hangup') return HANGUP;
      if (r.kind === 'digit') return collectExtension(ctx, audio, r.digit);
      const cid = ch.callerId.number;
      if (ctx.lookup.find(ch.context, ch.exten, ch.priority + 1, cid)) {
        ctx.log('verbose', `Timeout on ${ch.name}, continuing...`);
        return NEXT;
      }
      if (ctx.lookup.exists(ch.context, 't', cid)) {
        ctx.log('verbose', `Timeout on ${ch.name}, going to 't'`);
        return { kind: 'goto', exten: 't', priority: 1 };
      }
      if (ctx.lookup.exists(ch.context, 'e', cid)) {
        // Asterisk also records RESPONSETIMEOUT for EXCEPTION(reason); that function is not built yet.
        return { kind: 'goto', exten: 'e', priority: 1 };
      }
      ctx.log('warning', `Timeout but no rule 't' or 'e' in context '${ch.context}'`);
      return HANGUP;
    },
  };
}

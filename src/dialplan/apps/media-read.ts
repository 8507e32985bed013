/**
 * Read(variable[,filename[&filename2...]][,maxdigits[,options[,attempts[,timeout]]]]): play the
 * prompts (the first digit stops them), collect digits until `#` or maxdigits, store them and
 * set READSTATUS (OK, ERROR, HANGUP, INTERRUPTED, SKIPPED, TIMEOUT), as Asterisk's app_read and
 * ast_app_getdata do: TIMEOUT(response) for the first digit after the last prompt,
 * TIMEOUT(digit) between digits, the `timeout` argument overriding both; a very short wait
 * (50 ms) between several prompts. Option i plays an indication tone (dial, busy, ...) instead
 * of a file; s returns at once on a channel that is not up; n reads without answering.
 * `attempts` repeats the whole thing while nothing was entered.
 */
import { toneFrames } from '../../media/player.ts';
import { toneFor } from '../../media/tones.ts';
import type { ToneName } from '../../media/tones.ts';
import type { AudioFrame } from '../../media/frame.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { AppAudio, answerUnless, digitTimeoutMs, HANGUP, isDtmfDigit, loadPrompt, NEXT, optionLetters, responseTimeoutMs } from './media-session.ts';
import type { MediaAppDeps } from './media-session.ts';

const BETWEEN_PROMPTS_MS = 50;

/** The indications option i knows (the tone table's names); another name is played as a file. */
const TONE_NAMES: readonly ToneName[] = ['dial', 'ringback', 'busy', 'congestion'];

type ReadEnd = 'ok' | 'timeout' | 'hangup' | 'failed';

export interface Collected {
  end: ReadEnd;
  /** `#` as the first key: an empty answer that still counts as OK. */
  emptyEnd?: boolean;
  digits: string;
}

/** ast_readstring: the prompt (if any) breaks on the first digit, then digits until `#` or max. */
async function readString(audio: AppAudio, frames: AudioFrame[] | undefined, max: number, digitMs: number, firstMs: number): Promise<Collected> {
  let digits = '';
  let first = frames
    ? await audio.listen({ frames, breakOn: isDtmfDigit })
    : await audio.waitDigit(firstMs);
  if (first.kind === 'done') first = await audio.waitDigit(firstMs);
  for (let r = first; ; r = await audio.waitDigit(digitMs)) {
    if (r.kind === 'hangup') return { end: 'hangup', digits };
    if (r.kind !== 'digit') return { end: 'timeout', digits };
    if (r.digit === '#') return digits === '' ? { end: 'ok', emptyEnd: true, digits } : { end: 'ok', digits };
    digits += r.digit;
    if (digits.length >= max) return { end: 'ok', digits };
  }
}

/** ast_app_getdata over `&`-separated prompts (Read, AGI's GET DATA); timeoutMs 0: TIMEOUT(response/digit). */
export async function getData(ctx: AppContext, audio: AppAudio, prompts: string | undefined, max: number, timeoutMs: number): Promise<Collected> {
  const ch = ctx.channel;
  const names = (prompts ?? '').split('&');
  let last: Collected = { end: 'failed', digits: '' };
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!.trim();
    let frames: AudioFrame[] | undefined;
    if (name !== '') {
      frames = audio.media ? loadPrompt(ctx, audio.media, name, ch.language) : undefined;
      // A prompt that cannot be played is skipped; if it was the last one, Read fails (ERROR).
      if (!frames) {
        last = { end: 'failed', digits: '' };
        continue;
      }
    }
    const isLast = i === names.length - 1;
    const firstMs = isLast ? (timeoutMs > 0 ? timeoutMs : responseTimeoutMs(ch)) : BETWEEN_PROMPTS_MS;
    const digitMs = isLast && timeoutMs > 0 ? timeoutMs : digitTimeoutMs(ch);
    last = await readString(audio, frames, max, digitMs, firstMs);
    if (last.end === 'hangup' || last.emptyEnd || last.digits !== '') return last;
  }
  return last;
}

/** Option i: the tone plays until the first digit; each digit within `timeoutMs`. */
async function readWithTone(audio: AppAudio, frames: Iterable<AudioFrame>, max: number, timeoutMs: number): Promise<Collected> {
  let digits = '';
  let r = await audio.listen({ frames, breakOn: isDtmfDigit, timeoutMs, waitAfterFrames: true });
  for (;;) {
    if (r.kind === 'hangup') return { end: 'hangup', digits };
    if (r.kind !== 'digit') return { end: 'timeout', digits };
    if (r.digit === '#') return { end: 'ok', digits };
    digits += r.digit;
    if (digits.length >= max) return { end: 'ok', digits };
    r = await audio.waitDigit(timeoutMs);
  }
}

export function readApplication(deps: MediaAppDeps): DialplanApplication {
  return {
    name: 'Read',
    synopsis: 'Read a variable',
    syntax: 'Read(variable[,filename[&filename2[&...]]][,maxdigits[,options[,attempts[,timeout]]]])',
    description:
      'Reads a #-terminated string of digits into the variable, after playing the files. maxdigits (1-255, default no limit) stops reading without #. Options: s (return at once if the line is not up), i (play the filename as an indication tone), n (read without answering). attempts: tries while nothing is entered. timeout: seconds per digit (fractions allowed). Sets READSTATUS to OK, ERROR, HANGUP, INTERRUPTED, SKIPPED or TIMEOUT.',
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      ch.variables.set('READSTATUS', 'ERROR');
      const [variableArg, filename, maxArg, optionArg, attemptsArg, timeoutArg] = ctx.args;
      const variable = (variableArg ?? '').trim();
      if (variable === '') {
        ctx.log('warning', 'Read requires an argument (variable)');
        return NEXT;
      }
      const opts = optionLetters(optionArg);
      let tries = Number.parseInt(attemptsArg ?? '', 10);
      if (!(tries > 0)) tries = 1;
      const t = Number.parseFloat(timeoutArg ?? '');
      const timeoutMs = Number.isFinite(t) && t > 0 ? t * 1000 : 0;
      let max = Number.parseInt(maxArg ?? '', 10);
      if (!(max >= 1 && max <= 255)) max = 255;
      else ctx.log('verbose', `Accepting a maximum of ${max} digits.`);

      const toneName = filename?.trim().toLowerCase();
      const tone = opts.has('i') && toneName && (TONE_NAMES as readonly string[]).includes(toneName) ? (toneName as ToneName) : undefined;
      if (ch.state !== 'Up') {
        if (opts.has('s')) {
          ch.variables.set(variable, '');
          ch.variables.set('READSTATUS', 'SKIPPED');
          return NEXT;
        }
        answerUnless(ch, opts.has('n'));
      }
      const audio = new AppAudio(ch, deps.clock);
      let status = 'ERROR';
      while (tries > 0) {
        let got: Collected;
        if (tone && audio.media) {
          const spec = toneFor(deps.toneZone?.(ch) ?? 'us', tone);
          got = await readWithTone(audio, toneFrames(spec, audio.media.format), max, timeoutMs || responseTimeoutMs(ch));
        } else {
          got = await getData(ctx, audio, filename, max, timeoutMs);
        }
        ch.variables.set(variable, got.digits);
        if (got.end === 'hangup' || audio.hungUp) {
          ctx.log('verbose', 'User disconnected');
          ch.variables.set('READSTATUS', 'HANGUP');
          return HANGUP;
        }
        if (got.end === 'failed') break;
        status = got.end === 'ok' ? 'OK' : 'TIMEOUT';
        if (got.digits !== '') {
          ctx.log('verbose', `User entered '${got.digits}'`);
          break;
        }
        tries--;
        ctx.log('verbose', tries > 0 ? `User entered nothing, ${tries} chance${tries !== 1 ? 's' : ''} left` : 'User entered nothing.');
      }
      ch.variables.set('READSTATUS', status);
      return NEXT;
    },
  };
}

/**
 * SayDigits, SayNumber, SayAlpha and SayPhonetic: the prompt lists come from src/media/say.ts
 * (MediaAppDeps.say can replace them) and play one after another in the channel's language.
 * As in Asterisk, digits are ignored unless the channel variable SAY_DTMF_INTERRUPT is true;
 * then a digit stops the saying and is handled as after Background (collect the extension).
 * A prompt that is not installed is skipped with a warning (say.ts follows Asterisk's
 * say.c there); a number that cannot be said warns "is it too large?" and continues.
 */
import { sayAlpha, sayDigits, sayNumber } from '../../media/say.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { AppAudio, collectExtension, HANGUP, isDtmfDigit, loadPrompt, NEXT } from './media-session.ts';
import type { MediaAppDeps, SayPrompts } from './media-session.ts';

/**
 * SayPhonetic's list: `phonetic/<letter>_p` (alfa, bravo ... in the core sounds) for letters,
 * the digit prompts for digits; anything else as SayAlpha says it.
 */
export function sayPhonetic(text: string, exists?: (prompt: string) => boolean): string[] {
  const out: string[] = [];
  for (const ch of text) {
    if (/^[A-Za-z]$/.test(ch)) out.push(`phonetic/${ch.toLowerCase()}_p`);
    else out.push(...sayAlpha(ch, exists));
  }
  return out;
}

export const DEFAULT_SAY_PROMPTS: SayPrompts = {
  digits: sayDigits,
  number: (n, language) => sayNumber(n, language),
  alpha: sayAlpha,
  phonetic: sayPhonetic,
};

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true|y|t|1|on)$/i.test(v.trim());
}

type SayEnd = { kind: 'done' } | { kind: 'digit'; digit: string } | { kind: 'hangup' };

async function sayPrompts(ctx: AppContext, audio: AppAudio, prompts: string[], interrupt: boolean): Promise<SayEnd> {
  const ch = ctx.channel;
  if (!audio.media) {
    if (!audio.hungUp) ctx.log('warning', `${ch.application || 'Say'}: the channel ${ch.name} has no audio`);
    return audio.hungUp ? { kind: 'hangup' } : { kind: 'done' };
  }
  if (!interrupt) audio.digits?.clear();
  for (const name of prompts) {
    const frames = loadPrompt(ctx, audio.media, name, ch.language);
    if (!frames) continue;
    const r = await audio.listen({ frames, breakOn: interrupt ? isDtmfDigit : undefined });
    if (r.kind === 'hangup' || r.kind === 'digit') return r;
  }
  return { kind: 'done' };
}

type PromptList = (say: SayPrompts, ctx: AppContext, exists: (prompt: string) => boolean) => string[] | AppResult;

function sayApp(deps: MediaAppDeps, name: string, synopsis: string, syntax: string, description: string, prompts: PromptList): DialplanApplication {
  const say = deps.say ?? DEFAULT_SAY_PROMPTS;
  return {
    name,
    synopsis,
    syntax,
    description: `${description} If the channel variable SAY_DTMF_INTERRUPT is true, a digit interrupts it and is handled as in Background.`,
    async run(ctx: AppContext): Promise<AppResult> {
      const ch = ctx.channel;
      const audio = new AppAudio(ch, deps.clock);
      const format = audio.media?.format ?? 'ulaw';
      const exists = (prompt: string): boolean => ctx.sounds.find(prompt, ch.language, format) !== undefined;
      const list = prompts(say, ctx, exists);
      if (!Array.isArray(list)) return list;
      const interrupt = truthy(ch.variables.get('SAY_DTMF_INTERRUPT'));
      const end = await sayPrompts(ctx, audio, list, interrupt);
      if (end.kind === 'hangup') return HANGUP;
      if (end.kind === 'digit') return collectExtension(ctx, audio, end.digit);
      return NEXT;
    },
  };
}

function sayNumberList(say: SayPrompts, ctx: AppContext): string[] | AppResult {
  const text = (ctx.args[0] ?? '').trim();
  if (text === '') {
    ctx.log('warning', 'SayNumber requires an argument (number)');
    return HANGUP;
  }
  const m = /^[+-]?\d+/.exec(text);
  if (!m) {
    ctx.log('warning', `argument '${text}' to SayNumber could not be parsed as a number.`);
    return NEXT;
  }
  const gender = ctx.args[1]?.trim();
  if (gender !== undefined && gender !== '' && !/^[fmcn]$/i.test(gender)) {
    ctx.log('warning', "SayNumber gender option is either 'f', 'm', 'c' or 'n'");
    return HANGUP;
  }
  const list = say.number(Number(m[0]), ctx.channel.language, gender || undefined);
  if (!list) {
    ctx.log('warning', `We were unable to say the number ${text}, is it too large?`);
    return NEXT;
  }
  return list;
}

export function sayApplications(deps: MediaAppDeps): DialplanApplication[] {
  return [
    sayApp(deps, 'SayDigits', 'Say Digits', 'SayDigits(digits)', 'Plays the sounds for each digit of the given number in the channel language.', (say, ctx) => say.digits(ctx.rawArgs)),
    sayApp(deps, 'SayAlpha', 'Say Alpha', 'SayAlpha(string)', 'Plays the sounds for each letter of the given string.', (say, ctx, exists) => say.alpha(ctx.rawArgs, exists)),
    sayApp(deps, 'SayNumber', 'Say Number', 'SayNumber(digits[,gender])', 'Plays the sounds for the given number in the channel language; gender is f, m, c or n for languages that need it.', sayNumberList),
    sayApp(deps, 'SayPhonetic', 'Say Phonetic', 'SayPhonetic(string)', 'Plays the phonetic alphabet words (alfa, bravo ...) for the letters of the string.', (say, ctx, exists) =>
      (say.phonetic ?? sayPhonetic)(ctx.rawArgs, exists),
    ),
  ];
}

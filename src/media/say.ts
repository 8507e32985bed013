/**
 * What SayDigits, SayNumber and SayAlpha play: the list of prompt names, as Asterisk's say.c
 * builds it for English. Pure functions; the application plays the list through a SoundLookup
 * and, like Asterisk, skips a prompt that does not exist instead of failing the whole sequence.
 *
 * Languages: English syntax (`en`, and every language without its own rules here, as in
 * Asterisk's default branch) and British English (`en_GB`, which adds "and" after hundreds,
 * thousands and millions). The prompts come from the channel's language directory with the
 * usual fallback to `en` (sounds.ts), so a French channel hears French digit recordings in
 * English word order until French rules are written.
 */

/** Prompt for one digit-string character (say_digit_str_full): 0-9, `*`, `#`, `-`; others are skipped. */
function digitPrompt(ch: string): string | undefined {
  if (ch >= '0' && ch <= '9') return `digits/${ch}`;
  if (ch === '*') return 'digits/star';
  if (ch === '#') return 'digits/pound';
  if (ch === '-') return 'digits/minus';
  return undefined;
}

/** SayDigits(123) -> digits/1 digits/2 digits/3. Characters other than 0-9 * # - are skipped. */
export function sayDigits(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) {
    const p = digitPrompt(ch);
    if (p) out.push(p);
  }
  return out;
}

/** Characters with a prompt of their own in say_character_str_full. */
const CHARACTER_PROMPTS: Readonly<Record<string, string>> = {
  '*': 'digits/star',
  '#': 'digits/pound',
  '!': 'letters/exclaimation-point',
  '@': 'letters/at',
  $: 'letters/dollar',
  '-': 'letters/dash',
  '.': 'letters/dot',
  '=': 'letters/equals',
  '+': 'letters/plus',
  '/': 'letters/slash',
  ' ': 'letters/space',
};

/**
 * SayAlpha(a1#) -> letters/a digits/1 digits/pound. Letters are said lower case (`letters/x`).
 * Asterisk plays `letters/<char>` when that file exists and otherwise `letters/ascii<code>`
 * (the core sounds have ascii34 `"`, ascii37 `%`, ascii63 `?` ...), and skips the character when
 * neither exists: pass `exists` to get exactly that; without it every character that is not a
 * letter, digit or one of the named symbols becomes `letters/ascii<code>`.
 */
export function sayAlpha(text: string, exists?: (prompt: string) => boolean): string[] {
  const out: string[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    let primary: string | undefined = CHARACTER_PROMPTS[ch];
    if (!primary && ch >= '0' && ch <= '9') primary = `digits/${ch}`;
    if (!primary && /^[A-Za-z]$/.test(ch)) primary = `letters/${ch.toLowerCase()}`;
    const ascii = `letters/ascii${code}`;
    if (exists) {
      const candidate = primary ?? `letters/${ch}`;
      if (exists(candidate)) out.push(candidate);
      else if (exists(ascii)) out.push(ascii);
    } else {
      out.push(primary ?? ascii);
    }
  }
  return out;
}

/** Largest magnitude say.c's English rules speak ("Number is too big for me" above). */
export const SAY_NUMBER_LIMIT = 999_999_999;

function isBritish(language: string): boolean {
  return language.slice(0, 5).toLowerCase() === 'en_gb';
}

/**
 * SayNumber(1234) -> digits/1 digits/thousand digits/2 digits/hundred digits/30 digits/4.
 * Negative numbers start with digits/minus; 0 is digits/0. Returns undefined for magnitudes
 * above SAY_NUMBER_LIMIT (Asterisk logs "too big" and says nothing) or a non-integer.
 */
export function sayNumber(n: number, language = 'en'): string[] | undefined {
  if (!Number.isInteger(n) || Math.abs(n) > SAY_NUMBER_LIMIT) return undefined;
  if (n === 0) return ['digits/0'];
  const out: string[] = [];
  if (n < 0) out.push('digits/minus');
  speakPositive(Math.abs(n), isBritish(language), out);
  return out;
}

function speakPositive(n: number, british: boolean, out: string[]): void {
  const millions = Math.floor(n / 1_000_000);
  const thousands = Math.floor((n % 1_000_000) / 1000);
  const rest = n % 1000;
  if (millions > 0) {
    speakPositive(millions, british, out);
    out.push('digits/million');
    // en_GB: "one million and five" when only tens/units follow.
    if (british && thousands === 0 && rest > 0 && rest < 100) out.push('digits/and');
  }
  if (thousands > 0) {
    speakPositive(thousands, british, out);
    out.push('digits/thousand');
    if (british && rest > 0 && rest < 100) out.push('digits/and');
  }
  const hundreds = Math.floor(rest / 100);
  const tens = rest % 100;
  if (hundreds > 0) {
    out.push(`digits/${hundreds}`, 'digits/hundred');
    if (british && tens > 0) out.push('digits/and');
  }
  if (tens >= 20) {
    out.push(`digits/${tens - (tens % 10)}`);
    if (tens % 10) out.push(`digits/${tens % 10}`);
  } else if (tens > 0) {
    out.push(`digits/${tens}`);
  }
}

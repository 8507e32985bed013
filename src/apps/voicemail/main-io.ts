/**
 * What VoiceMailMain and VMAuthenticate need from the caller's channel, kept abstract so the
 * menus here stay above the dialplan layer: the dialplan wrapper
 * (src/dialplan/apps/voicemail-main.ts) implements it with the media applications' helpers, and
 * unit tests can script it. Every wait ends at once when the caller hangs up (`hangup`).
 */
import type { VoicemailFormat } from '../../config/voicemail-model.ts';
import type { GreetingRecording } from '../../store/voicemail-types.ts';

export type Heard = { kind: 'done' } | { kind: 'digit'; digit: string } | { kind: 'timeout' } | { kind: 'hangup' };

export interface MenuIo {
  /**
   * Play the prompts in order; the first key stops them and is returned (DTMF interrupts as in
   * Background). A prompt that is not installed is skipped with a warning.
   */
  play(prompts: readonly string[]): Promise<Heard>;
  /** Play without listening to keys (the goodbye before hanging up); typed keys are dropped. */
  playAll(prompts: readonly string[]): Promise<'done' | 'hangup'>;
  /** The next key within `ms` (keys typed earlier first). */
  waitKey(ms: number): Promise<Heard>;
  /**
   * Play a stored message (path without extension) from `fromMs`; a key stops it. `atMs` is where
   * playback stood when it ended, `lengthMs` the whole message (for rewind and skip).
   */
  playMessage(basePath: string, fromMs: number): Promise<{ end: Heard; atMs: number; lengthMs: number }>;
  /** Play audio not yet stored (a take under review: 8 kHz linear samples); a key stops it. */
  playAudio(samples: Int16Array): Promise<Heard>;
  /**
   * Record the caller into `rec` (each of `formats`) until `#`, `maxMs` (0: no limit of ours) or
   * hangup; `ms` is the audio kept. Neither commits nor discards: the caller decides.
   */
  record(rec: GreetingRecording, formats: readonly VoicemailFormat[], maxMs: number): Promise<{ end: 'done' | 'hangup'; ms: number }>;
  /** Wall clock (ms since the epoch), for "received today". */
  now(): number;
  readonly hungUp: boolean;
  log(level: 'warning' | 'notice' | 'verbose', message: string): void;
}

/** Asterisk's ast_readstring waits for vm_authenticate and the box/PIN prompts. */
export const FIRST_DIGIT_MS = 10_000;
export const NEXT_DIGIT_MS = 2_000;

/**
 * Digits after `prompts` (whose first key starts the string) until `#`, `max` digits or a pause
 * (ast_readstring). `end` is `timeout` only when nothing at all was typed.
 */
export async function readString(
  io: MenuIo,
  prompts: readonly string[],
  max: number,
  firstMs = FIRST_DIGIT_MS,
  nextMs = NEXT_DIGIT_MS,
): Promise<{ digits: string; end: 'ok' | 'timeout' | 'hangup' }> {
  let digits = '';
  let r = await io.play(prompts);
  if (r.kind === 'done') r = await io.waitKey(firstMs);
  for (;;) {
    if (r.kind === 'hangup') return { digits, end: 'hangup' };
    if (r.kind !== 'digit') return { digits, end: digits === '' ? 'timeout' : 'ok' };
    if (r.digit === '#') return { digits, end: 'ok' };
    digits += r.digit;
    if (digits.length >= max) return { digits, end: 'ok' };
    r = await io.waitKey(nextMs);
  }
}

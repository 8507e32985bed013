/**
 * What every media application shares: the dependencies they are built with, the per-run
 * audio helper (play frames, wait for digits, time out, all ending at once on hangup), the
 * TIMEOUT(digit)/TIMEOUT(response) defaults, Asterisk's option parsing, and the extension
 * collection the PBX core does after Background, WaitExten or an interruptible Say* returned a
 * digit (dial-as-you-go while more digits could match, then the extension, else `i`).
 *
 * Timing comes from the media clock only (20 ms ticks), so one manual clock drives a whole
 * application in tests. Every wait is built by `guarded`: all listeners it adds (clock tick,
 * digit, frame, hangup) are removed on every way out.
 */
import { PbxError } from '../../core/errors.ts';
import type { MediaClock } from '../../media/clock.ts';
import type { AudioFrame } from '../../media/frame.ts';
import { startPlayback } from '../../media/player.ts';
import type { RecordingFile } from '../../platform/recording-file.ts';
import { DEFAULT_DIGIT_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS, readTimeouts } from '../functions/timeout.ts';
import type { AppContext, AppResult, ChannelMedia, DialplanChannel } from '../types.ts';
import { channelDigits } from './media-digits.ts';
import type { ChannelDigits } from './media-digits.ts';

/** Prompt lists for the Say* applications (src/media/say.ts by default). */
export interface SayPrompts {
  digits(text: string): string[];
  /** undefined when the number cannot be said (too large). */
  number(n: number, language: string, gender?: string): string[] | undefined;
  /** `exists` tells which prompts are installed (Asterisk falls back to letters/ascii<code>). */
  alpha(text: string, exists?: (prompt: string) => boolean): string[];
  phonetic?(text: string, exists?: (prompt: string) => boolean): string[];
}

/** File access for Record (the platform's by default; tests may pass their own). */
export interface RecordingFiles {
  exists(path: string): boolean;
  create(path: string): RecordingFile;
  read(path: string): Uint8Array | undefined;
}

export interface MediaAppDeps {
  /** Paces every frame sent and measures every timeout. */
  clock: MediaClock;
  /** Prompt lists for SayDigits/SayNumber/SayAlpha/SayPhonetic (default: src/media/say.ts). */
  say?: SayPrompts;
  /** Country of the call-progress tones (indications `country`), `us` when not given. */
  toneZone?: (channel: DialplanChannel) => string;
  /** Where Record puts relative file names (Asterisk: <datadir>/sounds); relative names fail without it. */
  recordingDir?: string;
  /** Record's file access (default: src/platform/recording-file.ts and binary-file.ts). */
  files?: RecordingFiles;
}

export const HANGUP: AppResult = Object.freeze({ kind: 'hangup' });
export const NEXT: AppResult = Object.freeze({ kind: 'next' });

/**
 * TIMEOUT(digit) in ms: the wait between digits of an extension (default 5 s). The TIMEOUT
 * function keeps it in a reserved channel variable; readTimeouts() is the one reader.
 */
export function digitTimeoutMs(channel: DialplanChannel): number {
  const ms = readTimeouts(channel).digitMs;
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_DIGIT_TIMEOUT_MS;
}

/** TIMEOUT(response) in ms: the wait for the first digit (default 10 s). */
export function responseTimeoutMs(channel: DialplanChannel): number {
  const ms = readTimeouts(channel).responseMs;
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_RESPONSE_TIMEOUT_MS;
}

/** Asterisk's single-letter options (`m(class)` arguments ignored). */
export function optionLetters(text: string | undefined): Set<string> {
  return new Set((text ?? '').replace(/\([^)]*\)/g, '').split(''));
}

/** A positive number of seconds as ms, or undefined (empty, zero, negative or garbage). */
export function positiveSecondsMs(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number.parseFloat(text);
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
}

/** Answer unless the channel is up already or the application was told not to. */
export function answerUnless(channel: DialplanChannel, noAnswer: boolean): void {
  if (channel.state !== 'Up' && !noAnswer) channel.answer();
}

export const isDtmfDigit = (d: string): boolean => /^[0-9A-D*#]$/.test(d);

/**
 * Resolve once with what `setup` finishes with, or with `onHangup` when the channel's signal
 * aborts. Cleanups registered with `onCleanup` run exactly once at the end (immediately when
 * registered after the end), so nothing outlives the wait.
 */
export function guarded<T>(
  signal: AbortSignal,
  onHangup: T,
  setup: (finish: (value: T) => void, onCleanup: (fn: () => void) => void, isDone: () => boolean) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = (value: T): void => {
      if (done) return;
      done = true;
      for (const fn of cleanups.reverse()) fn();
      cleanups.length = 0;
      resolve(value);
    };
    const onCleanup = (fn: () => void): void => {
      if (done) fn();
      else cleanups.push(fn);
    };
    if (signal.aborted) {
      finish(onHangup);
      return;
    }
    const onAbort = (): void => finish(onHangup);
    signal.addEventListener('abort', onAbort, { once: true });
    onCleanup(() => signal.removeEventListener('abort', onAbort));
    try {
      setup(finish, onCleanup, () => done);
    } catch (e) {
      // Undo whatever the setup had subscribed before it failed, then report the failure.
      done = true;
      for (const fn of cleanups.reverse()) fn();
      cleanups.length = 0;
      reject(e);
    }
  });
}

/**
 * Call `cb` once `ms` have passed on the media clock (counted in ticks; a gap in tick numbers
 * counts as the time it stands for). Returns the cancel function. `ms` <= 0 fires at once.
 */
export function afterMs(clock: MediaClock, ms: number, cb: () => void): () => void {
  if (ms <= 0) {
    cb();
    return () => {};
  }
  if (!Number.isFinite(ms)) return () => {};
  let elapsed = 0;
  let last: number | undefined;
  let fired = false;
  const unsubscribe = clock.onTick((tick) => {
    elapsed += last === undefined ? clock.intervalMs : Math.max(1, tick - last) * clock.intervalMs;
    last = tick;
    if (!fired && elapsed >= ms) {
      fired = true;
      unsubscribe();
      cb();
    }
  });
  return unsubscribe;
}

export type ListenOutcome = { kind: 'done' } | { kind: 'digit'; digit: string } | { kind: 'timeout' } | { kind: 'hangup' };

export interface ListenOptions {
  /** Frames to play meanwhile (a prompt, a tone); `done` when they finish (unless a timeout is set). */
  frames?: Iterable<AudioFrame>;
  /** Digits for which this returns; other digits are consumed and dropped. Default: none break. */
  breakOn?: (digit: string) => boolean;
  /** Give up after this many ms (`timeout`); with frames, the time counts from the start of the frames. */
  timeoutMs?: number;
  /** Keep waiting after the frames end (for the timeout or a digit) instead of returning `done`. */
  waitAfterFrames?: boolean;
}

/** The audio side of one application run on one channel. */
export class AppAudio {
  readonly media: ChannelMedia | undefined;
  readonly digits: ChannelDigits | undefined;

  constructor(
    readonly channel: DialplanChannel,
    readonly clock: MediaClock,
  ) {
    this.media = channel.hangupSignal.aborted ? undefined : channel.media;
    this.digits = channelDigits(channel);
  }

  get hungUp(): boolean {
    return this.channel.hangupSignal.aborted;
  }

  /**
   * Play and/or wait: pending digits are looked at first (in order), then live ones. Ends with
   * the first breaking digit, the end of the frames, the timeout, or the hangup.
   */
  listen(opts: ListenOptions): Promise<ListenOutcome> {
    const hangup: ListenOutcome = { kind: 'hangup' };
    return guarded<ListenOutcome>(this.channel.hangupSignal, hangup, (finish, onCleanup, isDone) => {
      const consider = (d: string): void => {
        if (opts.breakOn?.(d)) finish({ kind: 'digit', digit: d });
      };
      if (this.digits) {
        // Checked before each take: a digit after the one that ends this wait stays pending.
        for (let d: string | undefined; !isDone() && (d = this.digits.take()) !== undefined; ) consider(d);
        if (isDone()) return;
        onCleanup(this.digits.listen(consider));
      }
      if (opts.timeoutMs !== undefined) {
        onCleanup(afterMs(this.clock, opts.timeoutMs, () => finish({ kind: 'timeout' })));
        if (isDone()) return;
      }
      if (opts.frames && this.media) {
        const playback = startPlayback(this.clock, this.media, opts.frames, { format: this.media.format });
        onCleanup(() => playback.stop());
        void playback.done.then((end) => {
          if (end === 'finished' && !opts.waitAfterFrames) finish({ kind: 'done' });
        });
      } else if (opts.timeoutMs === undefined && !opts.waitAfterFrames) {
        finish({ kind: 'done' });
      }
    });
  }

  /** Play frames to the end, dropping digits (Playback, a beep); `hangup` when the channel goes. */
  async playAll(frames: Iterable<AudioFrame>): Promise<'done' | 'hangup'> {
    const r = await this.listen({ frames });
    return r.kind === 'hangup' ? 'hangup' : 'done';
  }

  /** The next digit within `timeoutMs` (pending digits first). */
  async waitDigit(timeoutMs: number): Promise<{ kind: 'digit'; digit: string } | { kind: 'timeout' } | { kind: 'hangup' }> {
    const r = await this.listen({ breakOn: isDtmfDigit, timeoutMs });
    return r.kind === 'done' ? { kind: 'timeout' } : r;
  }
}

/**
 * Decoded frames of a prompt for the channel, or undefined after a warning naming what was
 * tried (a missing prompt or a file we cannot play never stops the dialplan by itself).
 */
export function loadPrompt(ctx: AppContext, media: ChannelMedia, name: string, language: string): AudioFrame[] | undefined {
  try {
    return ctx.sounds.frames(name, language, media.format);
  } catch (e) {
    if (e instanceof PbxError) {
      ctx.log('warning', e.message);
      return undefined;
    }
    throw e;
  }
}

/**
 * After a digit ended Background/WaitExten: keep reading digits while more could still match
 * (each within TIMEOUT(digit)), then go to the extension, or to `i` with INVALID_EXTEN set, or
 * hang up when there is no `i` (as Asterisk's PBX loop does).
 */
export async function collectExtension(ctx: AppContext, audio: AppAudio, first: string): Promise<AppResult> {
  const ch = ctx.channel;
  const context = ch.context;
  const cid = ch.callerId.number;
  let exten = first;
  while (ctx.lookup.matchMore(context, exten, cid)) {
    const r = await audio.waitDigit(digitTimeoutMs(ch));
    if (r.kind === 'hangup') return HANGUP;
    if (r.kind === 'timeout') break;
    if (exten.length < 80) exten += r.digit;
  }
  if (ctx.lookup.exists(context, exten, cid)) return { kind: 'goto', context, exten, priority: 1 };
  if (ctx.lookup.exists(context, 'i', cid)) {
    ctx.log('verbose', `Invalid extension '${exten}' in context '${context}' on ${ch.name}`);
    ch.variables.set('INVALID_EXTEN', exten);
    return { kind: 'goto', context, exten: 'i', priority: 1 };
  }
  ctx.log('warning', `Invalid extension '${exten}', but no rule 'i' in context '${context}'`);
  return HANGUP;
}

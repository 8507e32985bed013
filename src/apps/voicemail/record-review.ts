/**
 * app_voicemail's play_record_review: after a recording ends, the review menu "press 1 to accept,
 * 2 to listen, 3 to re-record" (`vm-review`). Used by VoiceMail when `review=yes` (the caller may
 * also press 4 to toggle Urgent and 0 for the operator when `operator=yes`) and always by
 * VoiceMailMain's greeting and name recordings. The recording itself stays with the caller
 * (`record`), so each application keeps its own keys and limits; this module only runs the menu.
 *
 * As Asterisk: no key for the menu's first round and three repeats ends the review (`timeout`:
 * a caller's message is kept, a greeting is not); a hangup ends it (the application decides
 * what to keep); keys the menu does not know say `vm-sorry`.
 */
import type { AudioRecording, GreetingRecording } from '../../store/voicemail-types.ts';
import { toSlin } from '../../media/frame.ts';
import { headerBytes } from '../../media/recording-format.ts';
import type { RecordingFormat } from '../../media/recording-format.ts';
import { decodeSound } from '../../media/sound-file.ts';
import type { Heard } from './main-io.ts';

/** Asterisk waits this long for a key after the menu (and 600 ms after vm-reachoper / vm-torerecord). */
export const REVIEW_WAIT_MS = 6_000;
export const SHORT_WAIT_MS = 600;
/** Silent rounds after the first before the review gives up (Asterisk's max_attempts). */
export const REVIEW_REPEATS = 3;

/** What the menu needs from the channel (MenuIo has all of it). */
export interface ReviewIo {
  /** Prompts in order; the first key stops them and is returned. */
  play(prompts: readonly string[]): Promise<Heard>;
  waitKey(ms: number): Promise<Heard>;
  /** The recording being reviewed (8 kHz linear samples); a key stops it. */
  playAudio(samples: Int16Array): Promise<Heard>;
  log(level: 'warning' | 'notice' | 'verbose', message: string): void;
}

/**
 * How one recording ended: `done` (`#`, silence, the time limit), `operator` (`0` with
 * operator=yes), `hangup`, `error` (the files could not be written). `keep`: long enough and not
 * only silence, i.e. worth saving.
 */
export interface TakeResult {
  end: 'done' | 'operator' | 'hangup' | 'error';
  keep: boolean;
}

export interface ReviewRequest {
  io: ReviewIo;
  /** true: a caller leaving a message (VoiceMail); false: the owner recording a greeting. */
  caller: boolean;
  /** A caller gets the menu only with review=yes; greetings always do. */
  review: boolean;
  /** `0` in the menu goes to the operator (operator=yes and an `o` extension); callers only. */
  operator: boolean;
  /** The message's Urgent flag at the start (VoiceMail `U`); `4` toggles it for callers. */
  urgent: boolean;
  /** Played (each one interruptible) before a re-record: `vm-intro`, `beep` / the greeting prompt, `beep`. */
  rerecordPrompts: readonly string[];
  /** Record one take into the files (a re-record replaces the previous take). */
  record(): Promise<TakeResult>;
  /** The current take's audio, for `2`. */
  samples(): Int16Array;
}

/**
 * `accepted` (1), `recorded` (no review asked for), `timeout` (no key for every round),
 * `operator`, `hangup`, `error`. `urgent` is the flag after any `4`.
 */
export interface ReviewOutcome {
  end: 'accepted' | 'recorded' | 'timeout' | 'operator' | 'hangup' | 'error';
  urgent: boolean;
  /** Whether the last take is worth keeping (as its TakeResult said). */
  keep: boolean;
}

/** Record, then (when asked for) the review menu until the take is accepted or the caller goes. */
export async function recordWithReview(req: ReviewRequest): Promise<ReviewOutcome> {
  const { io } = req;
  let urgent = req.urgent;
  let take = await req.record();
  const out = (end: ReviewOutcome['end']): ReviewOutcome => ({ end, urgent, keep: take.keep });
  if (take.end !== 'done') return out(take.end);
  if (req.caller && !req.review) return out('recorded');

  /** After a take: too short says so; then the menu. */
  const afterTake = async (): Promise<Heard> => (take.keep ? { kind: 'done' } : io.play(['vm-tooshort']));
  let pending: Heard = await afterTake();
  let silentRounds = 0;
  for (;;) {
    if (pending.kind === 'hangup') return out('hangup');
    if (pending.kind !== 'digit') {
      pending = await menuRound(req, take.keep, urgent);
      if (pending.kind === 'hangup') return out('hangup');
      if (pending.kind !== 'digit') {
        if (++silentRounds > REVIEW_REPEATS) {
          io.log('verbose', 'Voicemail review: no key pressed, ending the review');
          return out('timeout');
        }
        continue;
      }
    }
    const key = pending.digit;
    pending = { kind: 'done' };
    switch (key) {
      case '1':
      case '3': {
        if (key === '1' && take.keep) {
          io.log('verbose', 'Voicemail review: saving the recording as is');
          return out('accepted');
        }
        // 3, or 1 with nothing worth keeping yet (Asterisk's 1 records then).
        io.log('verbose', 'Voicemail review: re-recording');
        for (const prompt of req.rerecordPrompts) {
          if ((await io.play([prompt])).kind === 'hangup') return out('hangup');
        }
        take = await req.record();
        if (take.end !== 'done') return out(take.end);
        pending = await afterTake();
        break;
      }
      case '2':
        if (take.keep) {
          io.log('verbose', 'Voicemail review: playing the recording back');
          pending = await io.playAudio(req.samples());
        } else pending = await io.play(['vm-sorry']);
        break;
      case '4':
        if (!req.caller || !take.keep) {
          pending = await io.play(['vm-sorry']);
          break;
        }
        urgent = !urgent;
        io.log('verbose', `Voicemail review: message ${urgent ? 'marked' : 'no longer marked'} Urgent`);
        // The key ends nothing here (Asterisk ignores what is pressed during this prompt).
        if ((await io.play([urgent ? 'vm-marked-urgent' : 'vm-marked-nonurgent'])).kind === 'hangup') return out('hangup');
        break;
      case '0':
        if (req.caller && req.operator) {
          io.log('verbose', 'Voicemail review: the caller asked for the operator');
          return out('operator');
        }
        pending = await io.play(['vm-sorry']);
        break;
      default:
        pending = await io.play(['vm-sorry']);
        break;
    }
  }
}

/** One round of the menu and the waits after it; a key, a timeout or the hangup. */
async function menuRound(req: ReviewRequest, exists: boolean, urgent: boolean): Promise<Heard> {
  const { io } = req;
  let r: Heard;
  if (exists) {
    r = await io.play(req.caller ? ['vm-review', urgent ? 'vm-review-nonurgent' : 'vm-review-urgent'] : ['vm-review']);
  } else {
    r = await io.play(['vm-torerecord']);
    if (r.kind === 'done') r = await io.waitKey(SHORT_WAIT_MS);
  }
  if (r.kind !== 'digit' && r.kind !== 'hangup' && req.caller && req.operator) {
    r = await io.play(['vm-reachoper']);
    if (r.kind === 'done') r = await io.waitKey(SHORT_WAIT_MS);
  }
  if (r.kind !== 'digit' && r.kind !== 'hangup') r = await io.waitKey(REVIEW_WAIT_MS);
  return r;
}

/**
 * An AudioRecording that also keeps the bytes of one of its formats in memory, so the take can
 * be played back before it is committed (the spool's temp files are its own). `rewind` empties
 * every format for a re-record.
 */
export class ReviewTape implements AudioRecording {
  private bytes = new Uint8Array(0);
  private length = 0;

  constructor(
    private readonly inner: AudioRecording,
    private readonly format: RecordingFormat,
  ) {}

  private room(size: number): void {
    if (size <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(size, this.bytes.length * 2, 64 * 1024));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  append(format: string, bytes: Uint8Array): void {
    this.inner.append(format, bytes);
    if (format !== this.format) return;
    this.room(this.length + bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  writeAt(format: string, offset: number, bytes: Uint8Array): void {
    this.inner.writeAt(format, offset, bytes);
    if (format !== this.format) return;
    this.room(offset + bytes.length);
    this.bytes.set(bytes, offset);
    this.length = Math.max(this.length, offset + bytes.length);
  }

  truncate(format: string, size: number): void {
    this.inner.truncate(format, size);
    if (format === this.format) this.length = Math.min(this.length, Math.max(0, size));
  }

  size(format: string): number {
    return this.inner.size(format);
  }

  discard(): void {
    this.inner.discard();
  }

  /** Drop the take from every format (the next recorder writes its header again). */
  rewind(formats: readonly string[]): void {
    for (const f of formats) this.inner.truncate(f, 0);
    this.length = 0;
  }

  /** The take as 8 kHz linear samples. */
  samples(): Int16Array {
    const audio = this.bytes.subarray(Math.min(this.length, headerBytes(this.format)), this.length);
    if (this.format === 'ulaw' || this.format === 'alaw') return toSlin({ format: this.format, timestamp: 0, data: audio });
    const sound = decodeSound('sln', audio.subarray(0, audio.length & ~1));
    return sound.format === 'slin' ? sound.data : new Int16Array(0);
  }
}

/** A greeting's ReviewTape: committing it replaces the greeting. */
export class GreetingTape extends ReviewTape implements GreetingRecording {
  constructor(
    private readonly greeting: GreetingRecording,
    format: RecordingFormat,
  ) {
    super(greeting, format);
  }

  commit(): void {
    this.greeting.commit();
  }
}

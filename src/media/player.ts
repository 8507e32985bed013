/**
 * Frame playback paced by the media clock: one frame goes out per 20 ms tick through any sink
 * with `send(frame)` (a channel's ChannelMedia), from any iterable of frames (a decoded prompt,
 * an endless tone). One clock listener per playback, removed on every way out (finished,
 * stopped, aborted), so a hung-up channel never leaves a tick listener behind.
 *
 * The first frame is sent at once (no 20 ms of dead air at the start); the playback reports
 * `finished` on the tick after its last frame, i.e. when that frame has had its 20 ms. When the
 * clock reports skipped ticks (the process stalled), the missed frames are sent at once, up to
 * MAX_CATCH_UP_FRAMES, so a prompt keeps its real duration; a longer stall drops audio instead
 * of bursting it.
 */
import type { MediaClock } from './clock.ts';
import { convertFrame, SAMPLES_PER_FRAME } from './frame.ts';
import type { AudioFrame, MediaFormat } from './frame.ts';
import { ToneGenerator } from './tones.ts';
import type { ToneSpec } from './tones.ts';

export interface FrameSink {
  send(frame: AudioFrame): void;
}

export type PlaybackEnd = 'finished' | 'stopped';

export interface Playback {
  /** Resolves once: `finished` after the last frame's 20 ms, `stopped` after stop() or the abort signal. */
  readonly done: Promise<PlaybackEnd>;
  /** Stop now (idempotent); no frame is sent afterwards. */
  stop(): void;
  /** Frames sent so far. */
  readonly sent: number;
}

export const MAX_CATCH_UP_FRAMES = 5;

export interface PlaybackOptions {
  /** Convert every frame to this format before sending (the channel's). */
  format?: MediaFormat;
  /** Aborting it stops the playback (e.g. the channel's hangup signal). */
  signal?: AbortSignal;
}

export function startPlayback(clock: MediaClock, sink: FrameSink, frames: Iterable<AudioFrame>, opts: PlaybackOptions = {}): Playback {
  const it = frames[Symbol.iterator]();
  let sent = 0;
  let ended = false;
  let unsubscribe: (() => void) | undefined;
  let lastTick: number | undefined;
  let resolveDone!: (end: PlaybackEnd) => void;
  const done = new Promise<PlaybackEnd>((r) => (resolveDone = r));
  const onAbort = (): void => end('stopped');

  function end(how: PlaybackEnd): void {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    unsubscribe = undefined;
    opts.signal?.removeEventListener('abort', onAbort);
    it.return?.();
    resolveDone(how);
  }

  /** Sends the next frame; false when there is none left. */
  function sendNext(): boolean {
    const next = it.next();
    if (next.done) return false;
    sink.send(opts.format ? convertFrame(next.value, opts.format) : next.value);
    sent++;
    return true;
  }

  if (opts.signal?.aborted) {
    end('stopped');
  } else {
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (!sendNext()) {
      end('finished');
    } else if (!ended) {
      unsubscribe = clock.onTick((tick) => {
        const due = lastTick === undefined ? 1 : Math.min(Math.max(tick - lastTick, 1), MAX_CATCH_UP_FRAMES);
        lastTick = tick;
        for (let i = 0; i < due && !ended; i++) {
          if (!sendNext()) end('finished');
        }
      });
      // The sink may have ended us from inside send() (a hangup while sending).
      if (ended) {
        unsubscribe();
        unsubscribe = undefined;
      }
    }
  }

  return {
    done,
    stop: () => end('stopped'),
    get sent() {
      return sent;
    },
  };
}

/**
 * A tone as frames in `format`: endless for a cadence that repeats, ending when a tone made only
 * of "!" (play once) parts has played out.
 */
export function* toneFrames(spec: string | ToneSpec, format: MediaFormat, amplitude?: number): Generator<AudioFrame> {
  const gen = new ToneGenerator(spec, amplitude);
  let timestamp = 0;
  while (!gen.finished) {
    const data = gen.next(new Int16Array(SAMPLES_PER_FRAME));
    yield convertFrame({ format: 'slin', timestamp, data }, format);
    timestamp = (timestamp + SAMPLES_PER_FRAME) >>> 0;
  }
}

/**
 * The beep before a recording when no `beep` prompt is installed: 1 kHz for a quarter second,
 * about what Asterisk's beep prompt sounds like.
 */
export function beepFrames(format: MediaFormat): Generator<AudioFrame> {
  return toneFrames('!1000/250', format);
}

/**
 * The DTMF read queue of a channel while the dialplan runs it, like the frame queue an Asterisk
 * channel keeps: digits that arrive while no application is listening (during Answer, Set,
 * Wait, between two applications) stay pending, and the next application that reads the
 * channel gets them. WaitExten after Background therefore sees a digit typed in the gap.
 * Applications that read audio without caring for digits (Playback, the beep of Record,
 * WaitForSilence) consume and drop them, as Asterisk's do.
 *
 * One queue per channel (a WeakMap, so a forgotten channel is collected with its queue). It
 * hears the channel's ChannelMedia from the first time it is asked for until the channel hangs
 * up or releaseChannelDigits() is called; the executor should call startChannelDigits() when a
 * channel enters the dialplan so that digits before the first media application are kept too.
 */
import type { ChannelMedia, DialplanChannel } from '../types.ts';

/** Pending digits beyond this are dropped (a stuck key must not grow memory). */
export const MAX_PENDING_DIGITS = 64;

export class ChannelDigits {
  private pending: string[] = [];
  private readonly consumers = new Set<(digit: string) => void>();
  private unsubscribe: (() => void) | undefined;
  private readonly onHangup = (): void => this.release();

  constructor(
    readonly media: ChannelMedia,
    private readonly signal: AbortSignal,
  ) {
    this.unsubscribe = media.onDigit((d) => this.push(d));
    signal.addEventListener('abort', this.onHangup, { once: true });
  }

  /** Still hearing the channel. */
  get active(): boolean {
    return this.unsubscribe !== undefined;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** The oldest pending digit, removed from the queue. */
  take(): string | undefined {
    return this.pending.shift();
  }

  /** Drop every pending digit (an application that reads the channel but ignores DTMF). */
  clear(): void {
    this.pending = [];
  }

  /**
   * Hear digits as they arrive; while any listener is attached, live digits go to the listeners
   * instead of the pending queue. Returns the unsubscribe function.
   */
  listen(cb: (digit: string) => void): () => void {
    this.consumers.add(cb);
    return () => {
      this.consumers.delete(cb);
    };
  }

  /** Stop hearing the channel (hangup, end of the dialplan run, a bridge takes over). */
  release(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.signal.removeEventListener('abort', this.onHangup);
    this.pending = [];
    this.consumers.clear();
  }

  private push(digit: string): void {
    if (this.consumers.size > 0) {
      for (const c of [...this.consumers]) c(digit);
      return;
    }
    if (this.pending.length < MAX_PENDING_DIGITS) this.pending.push(digit);
  }
}

const queues = new WeakMap<DialplanChannel, ChannelDigits>();

/**
 * The channel's digit queue, created (and listening) on first use; undefined for a channel
 * without media or one that has hung up.
 */
export function channelDigits(channel: DialplanChannel): ChannelDigits | undefined {
  if (channel.hangupSignal.aborted) return undefined;
  const media = channel.media;
  if (!media) return undefined;
  const existing = queues.get(channel);
  if (existing && existing.active && existing.media === media) return existing;
  existing?.release();
  const q = new ChannelDigits(media, channel.hangupSignal);
  queues.set(channel, q);
  return q;
}

/** Start keeping the channel's digits now (the executor calls it when the dialplan starts). */
export function startChannelDigits(channel: DialplanChannel): void {
  channelDigits(channel);
}

/** Stop keeping the channel's digits (the dialplan run ended or a bridge owns the media). */
export function releaseChannelDigits(channel: DialplanChannel): void {
  queues.get(channel)?.release();
  queues.delete(channel);
}

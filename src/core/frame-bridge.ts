/**
 * A frame bridge: the media of two legs that cannot be relayed packet by packet (one of them has
 * no RTP session, e.g. an analog port) moved as 20 ms frames on the media clock. Each leg's
 * frames are queued as they arrive (RTP arrives with network jitter, a port's audio in engine
 * batches) and on every tick one frame moves each way, so both sides see a steady 20 ms stream.
 * A queue that grows beyond a few frames (one side's clock runs a little faster, or a burst came
 * late) drops its oldest frame: latency stays bounded instead of growing for the whole call. A
 * queue that ran dry waits until it holds `primeFrames` again before it sends (a small jitter
 * buffer): late packets then cost one 20 ms of delay instead of a gap every few frames.
 * DTMF digits heard on one leg are sent to the other. Format conversion is the receiving leg's
 * job (an RTP session converts linear to its law; a port takes linear).
 */
import type { AudioFrame } from '../media/frame.ts';
import type { MediaClock } from '../media/clock.ts';

/** One leg's media as the bridge sees it (ChannelMedia has this shape). */
export interface FrameEndpoint {
  send(frame: AudioFrame): void;
  onFrame(cb: (frame: AudioFrame) => void): () => void;
  onDigit(cb: (digit: string) => void): () => void;
  sendDigit(digit: string, durationMs?: number): Promise<void>;
}

export interface FrameBridgeStats {
  /** Frames moved from a to b and from b to a. */
  aToB: number;
  bToA: number;
  /** Frames dropped because a queue was over its bound. */
  dropped: number;
  digits: number;
}

/** 4 frames: 80 ms of slack for jitter before the oldest frame goes. */
export const DEFAULT_MAX_QUEUED_FRAMES = 4;
/** 2 frames: sending (re)starts 20 ms behind the arrivals. */
export const DEFAULT_PRIME_FRAMES = 2;

export interface FrameBridgeOptions {
  maxQueued?: number;
  primeFrames?: number;
}

interface Direction {
  queue: AudioFrame[];
  primed: boolean;
  /** Held: this leg's audio is not passed on (the other leg hears music on hold instead). */
  paused: boolean;
}

export class FrameBridge {
  readonly stats: FrameBridgeStats = { aToB: 0, bToA: 0, dropped: 0, digits: 0 };
  private readonly fromA: Direction = { queue: [], primed: false, paused: false };
  private readonly fromB: Direction = { queue: [], primed: false, paused: false };
  private readonly offs: (() => void)[] = [];
  private readonly maxQueued: number;
  private readonly primeFrames: number;
  private stopped = false;

  constructor(
    readonly a: FrameEndpoint,
    readonly b: FrameEndpoint,
    clock: MediaClock,
    options: FrameBridgeOptions = {},
    private readonly onError?: (message: string) => void,
  ) {
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED_FRAMES;
    this.primeFrames = Math.min(options.primeFrames ?? DEFAULT_PRIME_FRAMES, this.maxQueued);
    this.offs.push(
      a.onFrame((f) => this.queue(this.fromA, f)),
      b.onFrame((f) => this.queue(this.fromB, f)),
      a.onDigit((d) => this.digit(b, d)),
      b.onDigit((d) => this.digit(a, d)),
      clock.onTick(() => this.tick()),
    );
  }

  get running(): boolean {
    return !this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
    this.fromA.queue.length = 0;
    this.fromB.queue.length = 0;
  }

  /** Stop passing leg `from`'s audio to the other (hold); what was queued is dropped. */
  pause(from: 'a' | 'b'): void {
    const d = from === 'a' ? this.fromA : this.fromB;
    d.paused = true;
    d.queue.length = 0;
    d.primed = false;
  }

  /** Pass leg `from`'s audio again (resume). */
  resume(from: 'a' | 'b'): void {
    (from === 'a' ? this.fromA : this.fromB).paused = false;
  }

  private queue(d: Direction, frame: AudioFrame): void {
    if (this.stopped || d.paused) return;
    const q = d.queue;
    // Copy: an RTP session hands out a view of its receive buffer, reused for the next packet.
    q.push(frame.format === 'slin' ? { ...frame, data: frame.data.slice() } : { ...frame, data: frame.data.slice() });
    while (q.length > this.maxQueued) {
      q.shift();
      this.stats.dropped++;
    }
  }

  private tick(): void {
    if (this.stopped) return;
    const ab = this.next(this.fromA);
    if (ab) {
      this.b.send(ab);
      this.stats.aToB++;
    }
    const ba = this.next(this.fromB);
    if (ba) {
      this.a.send(ba);
      this.stats.bToA++;
    }
  }

  private next(d: Direction): AudioFrame | undefined {
    if (!d.primed && d.queue.length < this.primeFrames) return undefined;
    d.primed = true;
    const f = d.queue.shift();
    if (!f) d.primed = false;
    return f;
  }

  private digit(to: FrameEndpoint, digit: string): void {
    if (this.stopped) return;
    this.stats.digits++;
    to.sendDigit(digit).catch((e: unknown) => this.onError?.(`DTMF ${digit} not passed on: ${e instanceof Error ? e.message : String(e)}`));
  }
}

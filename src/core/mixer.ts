/**
 * An N-party audio mixer on the media clock (a three-way call today, a conference later): every
 * party is a source and a sink of 20 ms frames (a SIP leg's RtpChannelMedia, an analog port's
 * media) and on each tick every party hears the sum of all the others, never itself (a party
 * hearing its own voice back 20-40 ms late hears an echo).
 *
 * Gain safety: frames are decoded to linear (µ-law/A-law through the G.711 tables), summed in
 * 32-bit integers, and each party's sum is saturated to 16 bits. A sum never wraps round (a
 * wrapped sample flips sign: the click Asterisk's ast_slinear_saturated_add avoids the same way).
 *
 * Jitter: each party's arrivals wait in a bounded queue (FrameBridge's policy: primed with two
 * frames, the oldest dropped beyond `maxQueued`), so a party sending in bursts is smoothed and
 * one sending a little fast does not build up latency. A party with nothing queued this tick
 * adds silence. The party's mix is sent in the party's own format (what it sent last, else
 * `format` of the party, else linear).
 *
 * Parties may be added and removed while it runs; stop() ends it. The mixer never ends a call:
 * whoever built it decides what a party's hangup means.
 */
import type { MediaClock } from '../media/clock.ts';
import { SAMPLES_PER_FRAME, convertFrame, toSlin, type AudioFrame, type MediaFormat } from '../media/frame.ts';

/** One party's media as the mixer sees it (FrameEndpoint and ChannelMedia have this shape). */
export interface MixerParty {
  send(frame: AudioFrame): void;
  onFrame(cb: (frame: AudioFrame) => void): () => void;
  /** The format the party wants its frames in (default: the format it sends). */
  readonly format?: MediaFormat | string | undefined;
}

export interface MixerOptions {
  /** Frames queued per party before the oldest is dropped (default 4: 80 ms). */
  maxQueued?: number;
  /** Frames a party's queue needs before it is heard, after running dry (default 2). */
  primeFrames?: number;
}

export interface MixerStats {
  ticks: number;
  /** Frames dropped because a party's queue was over its bound. */
  dropped: number;
  /** Samples clipped to the 16-bit range. */
  clipped: number;
}

interface Member {
  party: MixerParty;
  queue: Int16Array[];
  primed: boolean;
  format: MediaFormat;
  off: () => void;
  /** This tick's input (silence when it had none). */
  current: Int16Array;
  timestamp: number;
}

const SILENCE = new Int16Array(SAMPLES_PER_FRAME);

/** Saturates a 32-bit sum to 16 bits (no wrap: a loud sum stays at full scale with its sign). */
export function saturate16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

export class Mixer {
  readonly stats: MixerStats = { ticks: 0, dropped: 0, clipped: 0 };
  private readonly members = new Map<MixerParty, Member>();
  private readonly maxQueued: number;
  private readonly primeFrames: number;
  private readonly sum = new Int32Array(SAMPLES_PER_FRAME);
  private stopTicks: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly clock: MediaClock,
    options: MixerOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 4;
    this.primeFrames = Math.min(options.primeFrames ?? 2, this.maxQueued);
  }

  get size(): number {
    return this.members.size;
  }

  get running(): boolean {
    return !this.stopped;
  }

  has(party: MixerParty): boolean {
    return this.members.has(party);
  }

  /** Adds a party: from the next tick it hears everyone else and everyone hears it. */
  add(party: MixerParty): void {
    if (this.stopped || this.members.has(party)) return;
    const fmt = party.format;
    const m: Member = {
      party,
      queue: [],
      primed: false,
      format: fmt === 'ulaw' || fmt === 'alaw' || fmt === 'slin' ? fmt : 'slin',
      off: () => undefined,
      current: SILENCE,
      timestamp: 0,
    };
    m.off = party.onFrame((f) => this.arrive(m, f));
    this.members.set(party, m);
    this.stopTicks ??= this.clock.onTick(() => this.tick());
  }

  /** Removes a party: it stops hearing and being heard (its call goes on elsewhere or ends). */
  remove(party: MixerParty): void {
    const m = this.members.get(party);
    if (!m) return;
    m.off();
    this.members.delete(party);
    if (this.members.size === 0) {
      this.stopTicks?.();
      this.stopTicks = undefined;
    }
  }

  /** Ends the mix: every party is removed, the clock listener goes. */
  stop(): void {
    if (this.stopped) return;
    for (const p of [...this.members.keys()]) this.remove(p);
    this.stopped = true;
    this.stopTicks?.();
    this.stopTicks = undefined;
  }

  private arrive(m: Member, frame: AudioFrame): void {
    if (this.stopped) return;
    if (m.party.format === undefined && frame.format !== 'slin') m.format = frame.format;
    // Copied: an RTP session hands out a view of its receive buffer, reused for the next packet.
    const samples = frame.format === 'slin' ? frame.data.slice() : toSlin(frame);
    m.queue.push(samples.length === SAMPLES_PER_FRAME ? samples : fit(samples));
    while (m.queue.length > this.maxQueued) {
      m.queue.shift();
      this.stats.dropped++;
    }
  }

  private take(m: Member): Int16Array {
    if (!m.primed && m.queue.length < this.primeFrames) return SILENCE;
    m.primed = true;
    const f = m.queue.shift();
    if (!f) {
      m.primed = false;
      return SILENCE;
    }
    return f;
  }

  private tick(): void {
    if (this.stopped) return;
    this.stats.ticks++;
    const members = [...this.members.values()];
    const sum = this.sum;
    sum.fill(0);
    for (const m of members) {
      m.current = this.take(m);
      const c = m.current;
      for (let i = 0; i < SAMPLES_PER_FRAME; i++) sum[i]! += c[i]!;
    }
    for (const m of members) {
      // Everyone but itself: the total minus its own input, then saturated.
      const out = new Int16Array(SAMPLES_PER_FRAME);
      const c = m.current;
      let clipped = 0;
      for (let i = 0; i < SAMPLES_PER_FRAME; i++) {
        const v = sum[i]! - c[i]!;
        if (v > 32767) {
          out[i] = 32767;
          clipped++;
        } else if (v < -32768) {
          out[i] = -32768;
          clipped++;
        } else out[i] = v;
      }
      this.stats.clipped += clipped;
      const frame: AudioFrame = { format: 'slin', timestamp: m.timestamp, data: out };
      m.timestamp = (m.timestamp + SAMPLES_PER_FRAME) >>> 0;
      m.party.send(m.format === 'slin' ? frame : convertFrame(frame, m.format));
    }
  }
}

/** A frame of another length cut or padded to 20 ms. */
function fit(samples: Int16Array): Int16Array {
  const out = new Int16Array(SAMPLES_PER_FRAME);
  out.set(samples.subarray(0, SAMPLES_PER_FRAME));
  return out;
}

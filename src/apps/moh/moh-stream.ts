/**
 * One music on hold class as a single shared stream (Asterisk's class generator with
 * `cachertclasses`-like sharing): while the class has listeners it reads its files in order, one
 * 20 ms frame per media clock tick, and every listener gets that same frame. The frame is encoded
 * at most once per format and tick (µ-law, A-law, linear), whatever the number of listeners;
 * with the last listener gone the stream leaves the clock and reads nothing.
 *
 * Files are decoded to linear samples when their turn comes (one file in memory per playing
 * class, not the whole directory). A file that cannot be read or decoded is skipped and reported
 * once per pass; a class whose files all fail plays nothing.
 */
import type { MediaClock } from '../../media/clock.ts';
import { SAMPLES_PER_FRAME, type AudioFrame, type MediaFormat } from '../../media/frame.ts';
import { ALAW_ENCODE, ALAW_DECODE, ULAW_DECODE, ULAW_ENCODE } from '../../media/g711.ts';
import { decodeSound, type SoundExtension } from '../../media/sound-file.ts';

/** A track of a class: the file to read and its sound encoding (by extension). */
export interface MohTrack {
  path: string;
  ext: SoundExtension;
}

export interface MohStreamStats {
  /** Frames produced (one per tick while someone listens). */
  frames: number;
  /** Frames encoded per format (at most one per produced frame and format). */
  encoded: Record<MediaFormat, number>;
  /** Files opened and decoded. */
  fileReads: number;
}

export interface MohStreamOptions {
  name: string;
  clock: MediaClock;
  /** The class's tracks for the next pass (called at the start of each pass: a reload shows). */
  tracks(): MohTrack[];
  /** `sort=random`: each pass in a new shuffled order; alpha keeps tracks() order (asked per pass). */
  random?: boolean | (() => boolean);
  /** Reads a file's bytes (undefined: missing). */
  read(path: string): Uint8Array | undefined;
  /** [0, 1), for the shuffle. */
  rand?(): number;
  warn?(message: string): void;
}

type Listener = (frame: AudioFrame) => void;

export class MohStream {
  readonly stats: MohStreamStats = { frames: 0, encoded: { ulaw: 0, alaw: 0, slin: 0 }, fileReads: 0 };
  private readonly listeners: Record<MediaFormat, Set<Listener>> = { ulaw: new Set(), alaw: new Set(), slin: new Set() };
  private stopTicks: (() => void) | undefined;
  private pass: MohTrack[] = [];
  private passIndex = 0;
  private samples: Int16Array | undefined;
  private offset = 0;
  private timestamp = 0;
  /** Ticks to wait before looking for a playable file again (a class whose files all failed). */
  private idle = 0;
  /** Files already reported as unplayable (reported once, not on every pass). */
  private readonly reported = new Set<string>();
  /** The file playing now (`moh show classes` does not show it; tests and logs do). */
  current: string | undefined;

  constructor(private readonly o: MohStreamOptions) {}

  get name(): string {
    return this.o.name;
  }

  get listenerCount(): number {
    return this.listeners.ulaw.size + this.listeners.alaw.size + this.listeners.slin.size;
  }

  get running(): boolean {
    return this.stopTicks !== undefined;
  }

  /**
   * Hear the class in `format` until the returned function is called. The frame handed over is
   * shared with the other listeners of that format: read it, never change it.
   */
  listen(format: MediaFormat, cb: Listener): () => void {
    this.listeners[format].add(cb);
    if (!this.stopTicks) this.stopTicks = this.o.clock.onTick(() => this.tick());
    let on = true;
    return () => {
      if (!on) return;
      on = false;
      this.listeners[format].delete(cb);
      if (this.listenerCount === 0) {
        this.stopTicks?.();
        this.stopTicks = undefined;
      }
    };
  }

  private tick(): void {
    const pcm = this.nextSamples();
    if (!pcm) return;
    this.stats.frames++;
    const ts = this.timestamp;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    for (const format of ['ulaw', 'alaw', 'slin'] as const) {
      const set = this.listeners[format];
      if (set.size === 0) continue;
      const frame = encode(pcm, format, ts);
      this.stats.encoded[format]++;
      for (const l of [...set]) l(frame);
    }
  }

  /** The next 160 samples of the class (the last ones of a file padded with silence). */
  private nextSamples(): Int16Array | undefined {
    if (!this.samples || this.offset >= this.samples.length) {
      if (this.idle > 0) {
        this.idle--;
        return undefined;
      }
      if (!this.openNext()) {
        // Nothing playable: look again in about a second (files may be copied in meanwhile).
        this.idle = 50;
        return undefined;
      }
    }
    const s = this.samples!;
    const out = new Int16Array(SAMPLES_PER_FRAME);
    out.set(s.subarray(this.offset, Math.min(this.offset + SAMPLES_PER_FRAME, s.length)));
    this.offset += SAMPLES_PER_FRAME;
    return out;
  }

  /** Opens the next readable track (a new pass when the last one is done); false when none is. */
  private openNext(): boolean {
    this.samples = undefined;
    this.current = undefined;
    let startedPass = false;
    for (;;) {
      if (this.passIndex >= this.pass.length) {
        // A second fresh pass in one call means every track failed: give up for this tick.
        if (startedPass) return false;
        startedPass = true;
        const random = typeof this.o.random === 'function' ? this.o.random() : this.o.random;
        this.pass = random ? shuffle(this.o.tracks(), this.o.rand ?? Math.random) : this.o.tracks();
        this.passIndex = 0;
        if (this.pass.length === 0) return false;
      }
      const track = this.pass[this.passIndex++]!;
      const samples = this.decode(track);
      if (samples && samples.length > 0) {
        this.samples = samples;
        this.offset = 0;
        this.current = track.path;
        return true;
      }
    }
  }

  private decode(track: MohTrack): Int16Array | undefined {
    this.stats.fileReads++;
    try {
      const bytes = this.o.read(track.path);
      if (!bytes) {
        this.report(track.path, 'cannot be read');
        return undefined;
      }
      const sound = decodeSound(track.ext, bytes);
      if (sound.format === 'slin') return sound.data;
      const table = sound.format === 'ulaw' ? ULAW_DECODE : ALAW_DECODE;
      const out = new Int16Array(sound.data.length);
      for (let i = 0; i < out.length; i++) out[i] = table[sound.data[i]!]!;
      return out;
    } catch (e) {
      this.report(track.path, `skipped: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  private report(path: string, why: string): void {
    if (this.reported.has(path)) return;
    this.reported.add(path);
    this.o.warn?.(`music on hold class '${this.o.name}': ${path} ${why}`);
  }
}

function encode(pcm: Int16Array, format: MediaFormat, timestamp: number): AudioFrame {
  if (format === 'slin') return { format, timestamp, data: pcm };
  const table = format === 'ulaw' ? ULAW_ENCODE : ALAW_ENCODE;
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < out.length; i++) out[i] = table[pcm[i]! & 0xffff]!;
  return { format, timestamp, data: out };
}

/** Fisher-Yates on a copy. */
function shuffle<T>(list: readonly T[], rand: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

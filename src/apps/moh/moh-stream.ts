/**
 * One music on hold class as a single shared stream (Asterisk's class generator with
 * `cachertclasses`-like sharing): while the class has listeners it plays its files in order, one
 * 20 ms frame per media clock tick, and every listener gets that same frame. The frame is encoded
 * at most once per format and tick (µ-law, A-law, linear), whatever the number of listeners;
 * with the last listener gone the stream leaves the clock and reads nothing.
 *
 * No file I/O and no whole-file decode ever happens in a tick (a multi-megabyte WAV read from a
 * CF card would stall every call's media for tens of ms): files are read asynchronously and
 * decoded to linear samples in the read's continuation, one track ahead. The first listener
 * starts the load of the first track; a track starting to play starts the load of the next one;
 * a tick whose track is finished switches to the loaded one, or, if it is not ready yet, has no
 * frame (listeners hear nothing for those ticks). At most the playing track and the next one are
 * in memory. A file that cannot be read or decoded is skipped and reported once; a class whose
 * files all fail plays nothing and looks again about a second later. Without listeners the
 * prefetched track is dropped (a load still under way is disowned: it neither starts the clock
 * nor keeps its data), the playing one is kept to resume where it stopped.
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
  /** Files read (and decoded when readable). */
  fileReads: number;
}

export interface MohStreamOptions {
  name: string;
  clock: MediaClock;
  /** The class's tracks for the next pass (called at the start of each pass: a reload shows). */
  tracks(): MohTrack[];
  /** `sort=random`: each pass in a new shuffled order; alpha keeps tracks() order (asked per pass). */
  random?: boolean | (() => boolean);
  /** Reads a file's bytes (undefined: missing). Asynchronous: never called inside a tick. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** [0, 1), for the shuffle. */
  rand?(): number;
  warn?(message: string): void;
}

type Listener = (frame: AudioFrame) => void;

/** A track read and decoded, ready to play. */
interface LoadedTrack {
  path: string;
  samples: Int16Array;
}

/** Where the track order stood: the pass and the index of the next track to load. */
interface Cursor {
  pass: MohTrack[];
  index: number;
}

/** Ticks to wait before looking for a playable file again (about a second). */
const IDLE_TICKS = 50;

export class MohStream {
  readonly stats: MohStreamStats = { frames: 0, encoded: { ulaw: 0, alaw: 0, slin: 0 }, fileReads: 0 };
  private readonly listeners: Record<MediaFormat, Set<Listener>> = { ulaw: new Set(), alaw: new Set(), slin: new Set() };
  private stopTicks: (() => void) | undefined;
  private pass: MohTrack[] = [];
  private passIndex = 0;
  private samples: Int16Array | undefined;
  private offset = 0;
  private timestamp = 0;
  /** The track to play when the current one ends (read and decoded ahead, off the tick). */
  private next: LoadedTrack | undefined;
  /** A load is under way (at most one at a time: the cursor is the load's alone meanwhile). */
  private loading = false;
  /** The cursor before the load of `next` began: restored when the prefetch is dropped. */
  private nextFrom: Cursor | undefined;
  /** Bumped when the last listener leaves: a load begun before then belongs to nobody. */
  private generation = 0;
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

  /** A load for the present listeners is under way (a disowned one does not count). */
  get pending(): boolean {
    return this.loading;
  }

  /**
   * Hear the class in `format` until the returned function is called. The frame handed over is
   * shared with the other listeners of that format: read it, never change it.
   */
  listen(format: MediaFormat, cb: Listener): () => void {
    this.listeners[format].add(cb);
    if (!this.stopTicks) {
      this.stopTicks = this.o.clock.onTick(() => this.tick());
      // The first track, or the successor of the one resumed.
      this.prefetch();
    }
    let on = true;
    return () => {
      if (!on) return;
      on = false;
      this.listeners[format].delete(cb);
      if (this.listenerCount === 0) this.stop();
    };
  }

  /** The last listener left: off the clock, the prefetch dropped, a pending load disowned. */
  private stop(): void {
    this.stopTicks?.();
    this.stopTicks = undefined;
    this.generation++;
    this.loading = false;
    // The dropped track (and any it skipped) is taken again by the next listener.
    if (this.nextFrom) {
      this.pass = this.nextFrom.pass;
      this.passIndex = this.nextFrom.index;
      this.nextFrom = undefined;
    }
    this.next = undefined;
    this.idle = 0;
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

  /**
   * The next 160 samples of the class (the last ones of a file padded with silence); undefined
   * while the next track is not loaded yet. Only memory here: loads are started, never awaited.
   */
  private nextSamples(): Int16Array | undefined {
    // Nothing was playable: look again in about a second (files may be copied in meanwhile).
    if (this.idle > 0 && --this.idle === 0) this.prefetch();
    if (!this.samples || this.offset >= this.samples.length) {
      this.samples = undefined;
      this.current = undefined;
      if (!this.next) {
        this.prefetch(); // a no-op while loading or waiting; a safety net otherwise
        return undefined;
      }
      this.samples = this.next.samples;
      this.current = this.next.path;
      this.offset = 0;
      this.next = undefined;
      this.nextFrom = undefined;
      this.prefetch();
    }
    const s = this.samples;
    const out = new Int16Array(SAMPLES_PER_FRAME);
    out.set(s.subarray(this.offset, Math.min(this.offset + SAMPLES_PER_FRAME, s.length)));
    this.offset += SAMPLES_PER_FRAME;
    return out;
  }

  /**
   * Starts loading the track after the current one, unless one is loaded or loading (or the
   * class is waiting after a pass where nothing played). The work begins in a microtask, so a
   * call from a tick (or from a listen() made inside another tick) reads nothing in that tick.
   */
  private prefetch(): void {
    if (this.loading || this.next || this.idle > 0) return;
    this.loading = true;
    const gen = this.generation;
    this.nextFrom = { pass: this.pass, index: this.passIndex };
    void Promise.resolve()
      .then(() => (gen === this.generation ? this.loadNext(gen) : undefined))
      .catch((e: unknown) => {
        // tracks() failing (a directory turned unreadable): as if nothing were playable.
        if (gen === this.generation) this.o.warn?.(`music on hold class '${this.o.name}': ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      })
      .then((loaded) => {
        if (gen !== this.generation) return; // the listeners left meanwhile: keep nothing
        this.loading = false;
        if (loaded) {
          this.next = loaded;
          return;
        }
        this.nextFrom = undefined;
        this.idle = IDLE_TICKS;
      });
  }

  /**
   * Reads and decodes the next playable track (a new pass when the last one is done, taking a
   * reload's tracks() and sort); undefined when none is, or when the listeners left meanwhile.
   */
  private async loadNext(gen: number): Promise<LoadedTrack | undefined> {
    let startedPass = false;
    for (;;) {
      if (this.passIndex >= this.pass.length) {
        // A second fresh pass in one load means every track failed: give up for now.
        if (startedPass) return undefined;
        startedPass = true;
        const random = typeof this.o.random === 'function' ? this.o.random() : this.o.random;
        this.pass = random ? shuffle(this.o.tracks(), this.o.rand ?? Math.random) : this.o.tracks();
        this.passIndex = 0;
        if (this.pass.length === 0) return undefined;
      }
      const track = this.pass[this.passIndex++]!;
      this.stats.fileReads++;
      let bytes: Uint8Array | undefined;
      try {
        bytes = await this.o.read(track.path);
      } catch (e) {
        if (gen !== this.generation) return undefined;
        this.report(track.path, `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      // Disowned: the cursor is no longer this load's to move, the bytes nobody's to decode.
      if (gen !== this.generation) return undefined;
      if (!bytes) {
        this.report(track.path, 'cannot be read');
        continue;
      }
      const samples = this.decode(track, bytes);
      if (samples && samples.length > 0) return { path: track.path, samples };
    }
  }

  /** The whole file as linear samples (in the read's continuation, never in a tick). */
  private decode(track: MohTrack, bytes: Uint8Array): Int16Array | undefined {
    try {
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

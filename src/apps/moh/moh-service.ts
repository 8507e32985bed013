/**
 * Music on hold: the classes of musiconhold.conf (or the built-in `default`), their files, and
 * one shared MohStream per class created when someone first listens. Applications
 * (MusicOnHold, Dial's `m`), the bridge's hold and the console go through this object.
 *
 * A class's tracks are the sound files of its directory grouped by name (`song.wav` and
 * `song.ulaw` are one track, as Asterisk plays a name in the best format), sorted by name; the
 * linear file is preferred since the stream decodes to linear and encodes once per law.
 */
import type { MediaClock } from '../../media/clock.ts';
import type { AudioFrame, MediaFormat } from '../../media/frame.ts';
import { SOUND_EXTENSIONS, type SoundExtension } from '../../media/sound-file.ts';
import { isDirectory, listDir, paths } from '../../platform/fs.ts';
import { readBinaryFileAsync } from '../../platform/binary-file.ts';
import { MohStream, type MohTrack } from './moh-stream.ts';

/** A class as the service needs it (config/musiconhold-conf.ts's MohClassConfig has this shape). */
export interface MohClassSpec {
  name: string;
  mode: string;
  directory: string;
  sort: 'alpha' | 'random';
}

export interface MusicOnHoldOptions {
  clock: MediaClock;
  /** The classes now (re-read on every use: a reload takes effect without restarting streams). */
  classes(): readonly MohClassSpec[];
  /** File names of a directory; undefined when it does not exist. Default: the file system. */
  list?(dir: string): string[] | undefined;
  /**
   * A file's bytes (undefined: missing). Default: an asynchronous read of the file system (the
   * stream loads its next track off the media clock tick); fakes may answer at once.
   */
  read?(path: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  rand?(): number;
  warn?(message: string): void;
}

/** Which file of a track to read, best first (linear needs no G.711 step before re-encoding). */
const TRACK_PREFERENCE: readonly SoundExtension[] = ['wav', 'sln', 'ulaw', 'alaw'];

export const DEFAULT_MOH_CLASS = 'default';

function diskList(dir: string): string[] | undefined {
  return isDirectory(dir) ? listDir(dir) : undefined;
}

/** The playable tracks among a directory's file names, by name, in alphabetical order. */
export function tracksIn(dir: string, names: readonly string[]): MohTrack[] {
  const byBase = new Map<string, SoundExtension[]>();
  for (const n of names) {
    const dot = n.lastIndexOf('.');
    if (dot <= 0) continue;
    const ext = n.slice(dot + 1).toLowerCase() as SoundExtension;
    if (!SOUND_EXTENSIONS.includes(ext)) continue;
    const base = n.slice(0, dot);
    const list = byBase.get(base) ?? [];
    list.push(ext);
    byBase.set(base, list);
  }
  const out: MohTrack[] = [];
  for (const base of [...byBase.keys()].sort()) {
    const exts = byBase.get(base)!;
    const ext = TRACK_PREFERENCE.find((e) => exts.includes(e))!;
    const file = names.find((n) => n.slice(0, n.lastIndexOf('.')) === base && n.slice(n.lastIndexOf('.') + 1).toLowerCase() === ext)!;
    out.push({ path: paths.join(dir, file), ext });
  }
  return out;
}

export class MusicOnHold {
  private readonly streams = new Map<string, MohStream>();

  constructor(private readonly o: MusicOnHoldOptions) {}

  classes(): readonly MohClassSpec[] {
    return this.o.classes();
  }

  spec(name: string): MohClassSpec | undefined {
    const lower = name.toLowerCase();
    return this.o.classes().find((c) => c.name.toLowerCase() === lower);
  }

  /** The class's tracks now (empty when its directory is missing or holds no sound file). */
  tracks(name: string): MohTrack[] {
    const spec = this.spec(name);
    if (!spec || spec.mode !== 'files') return [];
    const names = (this.o.list ?? diskList)(spec.directory);
    return names ? tracksIn(spec.directory, names) : [];
  }

  /**
   * The class to play for a list of wishes in order (a channel's class, a peer's mohsuggest...):
   * the first that exists, else `default`; undefined when even that does not exist. Asterisk
   * falls back the same way when a named class is unknown.
   */
  resolve(...wishes: (string | undefined)[]): string | undefined {
    for (const w of wishes) {
      if (w === undefined || w === '') continue;
      const spec = this.spec(w);
      if (spec) return spec.name;
    }
    return this.spec(DEFAULT_MOH_CLASS)?.name;
  }

  /** The class's shared stream (created on first use, kept for its statistics). */
  stream(name: string): MohStream | undefined {
    const spec = this.spec(name);
    if (!spec) return undefined;
    let s = this.streams.get(spec.name);
    if (!s) {
      const read = this.o.read;
      s = new MohStream({
        name: spec.name,
        clock: this.o.clock,
        tracks: () => this.tracks(spec.name),
        // Asked at every pass: a reload that changes sort= applies without restarting the stream.
        random: () => this.spec(spec.name)?.sort === 'random',
        read: read ? async (p) => read(p) : readBinaryFileAsync,
        ...(this.o.rand ? { rand: this.o.rand } : {}),
        ...(this.o.warn ? { warn: this.o.warn } : {}),
      });
      this.streams.set(spec.name, s);
    }
    return s;
  }

  /**
   * Hear `name` in `format` until the returned function is called; undefined when the class
   * does not exist or has no playable file (the caller then falls back or stays silent).
   */
  listen(name: string, format: MediaFormat, cb: (frame: AudioFrame) => void): (() => void) | undefined {
    if (this.tracks(name).length === 0) return undefined;
    return this.stream(name)?.listen(format, cb);
  }

  /** Listeners per class (`moh show classes` does not print it; statistics do). */
  listeners(name: string): number {
    return this.streams.get(this.spec(name)?.name ?? '')?.listenerCount ?? 0;
  }
}

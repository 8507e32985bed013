/**
 * The prompt library: finds `Playback(vm-goodbye)` on disk the way Asterisk's file.c does and
 * keeps the decoded frames of recently played prompts, because IVRs repeat the same few prompts
 * all day. Implements the dialplan's `SoundLookup` contract (dialplan/types.ts) structurally:
 * media/ may not import the dialplan.
 *
 * Lookup (Asterisk fileexists_core): a name starting with `/` is a path without extension and
 * ignores the language. Otherwise the directories are tried in this order, the first that has
 * the prompt in any format wins:
 *   1. `<dir>/<language>` (`en_GB`), then the language with its `_` parts dropped one by one (`en`);
 *   2. `<dir>` itself (Asterisk's old layout, English at the root);
 *   3. `<dir>/en`, unless already tried.
 * Within the directory the format is chosen for the channel (SOUND_PREFERENCE in sound-file.ts):
 * the native law first, then linear, then the other law.
 *
 * Debian: asterisk-core-sounds-en-wav puts the files in /usr/share/asterisk/sounds/en_US_f_Allison
 * (8 kHz 16-bit mono PCM WAV); the asterisk-core-sounds-en package adds the `en` and `en_US`
 * links to it (update-alternatives), so both packages are needed for `en` to resolve.
 *
 * Cache: decoded frames by file and channel format, least recently used first out, bounded in
 * bytes; an entry is dropped when the file's size or mtime changed (a replaced prompt plays
 * the new recording). Callers get fresh frame objects sharing the cached sample arrays: set a
 * frame's timestamp freely, never write into its `data`.
 */
import { PbxError } from '../core/errors.ts';
import { readBinaryFile } from '../platform/binary-file.ts';
import { regularFileInfo } from '../platform/file-info.ts';
import type { FileInfo } from '../platform/file-info.ts';
import { isDirectory, listDir } from '../platform/fs.ts';
import type { AudioFrame, MediaFormat } from './frame.ts';
import { decodeSound, SOUND_EXTENSIONS, SOUND_PREFERENCE, soundToFrames } from './sound-file.ts';
import type { SoundExtension } from './sound-file.ts';

/** Where Debian's asterisk-core-sounds packages install the prompts. */
export const DEFAULT_SOUNDS_DIR = '/usr/share/asterisk/sounds';
/** Asterisk's DEFAULT_LANGUAGE. */
export const DEFAULT_SOUND_LANGUAGE = 'en';

export interface SoundLibraryOptions {
  /** The sounds root (default DEFAULT_SOUNDS_DIR). */
  dir?: string;
  /** Bound on cached decoded audio in bytes (default 4 MiB, about 8 minutes of G.711). */
  cacheBytes?: number;
}

export interface SoundLanguage {
  /** Directory name under the sounds root (`en`, `en_US_f_Allison`, `fr`). */
  language: string;
  /** Distinct prompts (a prompt in two formats counts once), subfolders included. */
  prompts: number;
}

export interface SoundCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
}

interface Found {
  path: string;
  ext: SoundExtension;
  info: FileInfo;
}

interface CacheEntry {
  info: FileInfo;
  frames: AudioFrame[];
  bytes: number;
}

/** A language directory name: `en`, `fr_CA`, `en_US_f_Allison` (not `digits`, `letters`). */
const LANGUAGE_DIR = /^[a-z]{2,3}(?:_[A-Za-z0-9]+)*$/;

export class SoundLibrary {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly cache = new Map<string, CacheEntry>();
  private cachedBytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(opts: SoundLibraryOptions = {}) {
    this.dir = stripSlash(opts.dir ?? DEFAULT_SOUNDS_DIR);
    this.maxBytes = opts.cacheBytes ?? 4 * 1024 * 1024;
  }

  /** The file to play for `name` on a channel speaking `format`, or undefined. */
  find(name: string, language: string, format: MediaFormat): string | undefined {
    return this.locate(name, language, format)?.path;
  }

  /** Decoded 20 ms frames; throws PbxError('SOUND_NOT_FOUND') naming where it looked. */
  frames(name: string, language: string, format: MediaFormat): AudioFrame[] {
    const found = this.locate(name, language, format);
    if (!found) {
      const where = this.candidateDirs(name, language).map((d) => (d === '' ? name : `${d}/${name}`));
      throw new PbxError(
        'SOUND_NOT_FOUND',
        `File ${name} does not exist in any format (tried ${where.join(', ')} as .${SOUND_PREFERENCE[format].join(' .')})`,
      );
    }
    const key = `${format}:${found.path}`;
    const hit = this.cache.get(key);
    if (hit && hit.info.size === found.info.size && hit.info.mtimeMs === found.info.mtimeMs) {
      this.hits++;
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.frames.map((f) => ({ ...f }));
    }
    this.misses++;
    if (hit) this.evict(key, hit);
    const bytes = readBinaryFile(found.path);
    if (!bytes) throw new PbxError('SOUND_NOT_FOUND', `File ${name} does not exist in any format (${found.path} vanished while opening)`);
    const frames = soundToFrames(decodeSound(found.ext, bytes), format);
    const size = frames.reduce((n, f) => n + f.data.byteLength, 0);
    if (size <= this.maxBytes) {
      this.cache.set(key, { info: found.info, frames, bytes: size });
      this.cachedBytes += size;
      for (const [k, e] of this.cache) {
        if (this.cachedBytes <= this.maxBytes) break;
        this.evict(k, e);
      }
    }
    return frames.map((f) => ({ ...f }));
  }

  cacheStats(): SoundCacheStats {
    return { entries: this.cache.size, bytes: this.cachedBytes, maxBytes: this.maxBytes, hits: this.hits, misses: this.misses };
  }

  /** Language directories under the root with their prompt counts (for `core show sounds`/status). */
  languages(): SoundLanguage[] {
    if (!isDirectory(this.dir)) return [];
    return listDir(this.dir)
      .filter((n) => LANGUAGE_DIR.test(n) && isDirectory(`${this.dir}/${n}`))
      .map((language) => ({ language, prompts: countPrompts(`${this.dir}/${language}`, '') }))
      .filter((l) => l.prompts > 0);
  }

  /** Prompts at the root itself (the pre-1.4 layout with English there), subfolders except languages. */
  rootPrompts(): number {
    if (!isDirectory(this.dir)) return 0;
    return countPrompts(this.dir, '', (n) => LANGUAGE_DIR.test(n));
  }

  /** One line for status output: `/usr/share/asterisk/sounds: en 568, en_US 568 prompts`. */
  describe(): string {
    const langs = this.languages();
    const root = this.rootPrompts();
    const parts = langs.map((l) => `${l.language} ${l.prompts}`);
    if (root > 0) parts.push(`(root) ${root}`);
    return parts.length === 0 ? `${this.dir}: no prompts installed` : `${this.dir}: ${parts.join(', ')} prompts`;
  }

  private evict(key: string, e: CacheEntry): void {
    this.cache.delete(key);
    this.cachedBytes -= e.bytes;
  }

  /** Directories to try, in Asterisk's order ('' for an absolute name). */
  private candidateDirs(name: string, language: string): string[] {
    if (name.startsWith('/')) return [''];
    const dirs: string[] = [];
    let lang = language;
    while (lang !== '') {
      dirs.push(`${this.dir}/${lang}`);
      const cut = lang.lastIndexOf('_');
      if (cut < 0) break;
      lang = lang.slice(0, cut);
    }
    dirs.push(this.dir);
    if (language !== DEFAULT_SOUND_LANGUAGE && lang !== DEFAULT_SOUND_LANGUAGE) dirs.push(`${this.dir}/${DEFAULT_SOUND_LANGUAGE}`);
    return dirs;
  }

  private locate(name: string, language: string, format: MediaFormat): Found | undefined {
    if (name === '') return undefined;
    for (const dir of this.candidateDirs(name, language)) {
      const base = dir === '' ? name : `${dir}/${name}`;
      for (const ext of SOUND_PREFERENCE[format]) {
        const path = `${base}.${ext}`;
        const info = regularFileInfo(path);
        if (info) return { path, ext, info };
      }
    }
    return undefined;
  }
}

function stripSlash(dir: string): string {
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** Distinct prompt names (extension dropped) below `dir`, skipping subfolders `skip` accepts. */
function countPrompts(dir: string, prefix: string, skip?: (name: string) => boolean): number {
  const names = new Set<string>();
  const walk = (d: string, p: string, depth: number): void => {
    for (const n of listDir(d)) {
      const full = `${d}/${n}`;
      if (isDirectory(full)) {
        if (depth < 4 && !(depth === 0 && skip?.(n))) walk(full, `${p}${n}/`, depth + 1);
        continue;
      }
      const dot = n.lastIndexOf('.');
      if (dot > 0 && (SOUND_EXTENSIONS as readonly string[]).includes(n.slice(dot + 1).toLowerCase())) names.add(`${p}${n.slice(0, dot)}`);
    }
  };
  walk(dir, prefix, 0);
  return names.size;
}

/**
 * Sound files for playback (prompts, voicemail greetings, music): raw `.ulaw`/`.alaw` (G.711
 * bytes, no header), raw `.sln` (16-bit little-endian linear) and `.wav` (see wav.ts), all at
 * 8 kHz mono. Applications name a sound without extension, as in Asterisk (`Playback(vm-goodbye)`);
 * the file is chosen for the channel's format:
 *   1. the native file (`.ulaw` for a µ-law channel) - no conversion at all;
 *   2. a linear file (`.wav`, `.sln`) - one quantisation step;
 *   3. the other law - transcoded byte-wise through the direct µ-law <-> A-law table.
 */
import { PbxError } from '../core/errors.ts';
import { readBinaryFile } from '../platform/binary-file.ts';
import { convertFrame, framesFromSlin, SAMPLES_PER_FRAME } from './frame.ts';
import type { AudioFrame, MediaFormat } from './frame.ts';
import { ALAW_SILENCE, ULAW_SILENCE } from './g711.ts';
import { readWav } from './wav.ts';

export type SoundExtension = 'ulaw' | 'alaw' | 'sln' | 'wav';

export const SOUND_EXTENSIONS: readonly SoundExtension[] = ['ulaw', 'alaw', 'sln', 'wav'];

/** Which file to try first for a channel format. */
export const SOUND_PREFERENCE: Readonly<Record<MediaFormat, readonly SoundExtension[]>> = {
  ulaw: ['ulaw', 'wav', 'sln', 'alaw'],
  alaw: ['alaw', 'wav', 'sln', 'ulaw'],
  slin: ['wav', 'sln', 'ulaw', 'alaw'],
};

/** How sound bytes are fetched (the file system by default; tests pass a map). */
export interface SoundReader {
  read(path: string): Uint8Array | undefined;
}

export const fileSoundReader: SoundReader = { read: readBinaryFile };

export type SoundData = { format: 'slin'; data: Int16Array } | { format: 'ulaw' | 'alaw'; data: Uint8Array };

/** Decode a sound file's bytes by its extension. Throws PbxError('MEDIA_FORMAT') for bad content. */
export function decodeSound(ext: SoundExtension, bytes: Uint8Array): SoundData {
  switch (ext) {
    case 'ulaw':
    case 'alaw':
      return { format: ext, data: bytes };
    case 'sln': {
      if (bytes.length & 1) throw new PbxError('MEDIA_FORMAT', '.sln file has an odd number of bytes (expected 16-bit samples)');
      const out = new Int16Array(bytes.length >> 1);
      for (let i = 0; i < out.length; i++) out[i] = (bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16 >> 16;
      return { format: 'slin', data: out };
    }
    case 'wav': {
      const w = readWav(bytes);
      return w.format === 'slin' ? { format: 'slin', data: w.data } : { format: w.format, data: w.data };
    }
  }
}

/** Cut sound data into 20 ms frames in `format`; the last frame is padded with silence. */
export function soundToFrames(sound: SoundData, format: MediaFormat): AudioFrame[] {
  if (sound.format === 'slin') return framesFromSlin(sound.data, format);
  const frames: AudioFrame[] = [];
  const fill = sound.format === 'ulaw' ? ULAW_SILENCE : ALAW_SILENCE;
  for (let off = 0; off < sound.data.length; off += SAMPLES_PER_FRAME) {
    const chunk = new Uint8Array(SAMPLES_PER_FRAME).fill(fill);
    chunk.set(sound.data.subarray(off, Math.min(off + SAMPLES_PER_FRAME, sound.data.length)));
    frames.push(convertFrame({ format: sound.format, timestamp: off, data: chunk }, format));
  }
  return frames;
}

export interface LoadedSound {
  /** The file actually read. */
  path: string;
  /** The file's own encoding (differs from the frames' when transcoded). */
  sourceFormat: MediaFormat;
  frames: AudioFrame[];
}

function extensionOf(name: string): SoundExtension | undefined {
  const dot = name.lastIndexOf('.');
  const slash = name.lastIndexOf('/');
  if (dot <= slash + 1) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  return (SOUND_EXTENSIONS as readonly string[]).includes(ext) ? (ext as SoundExtension) : undefined;
}

/**
 * Load `name` for a channel speaking `format`. `name` is a path without extension (the
 * preference order picks the file), or with a known extension (that file only). Returns
 * undefined when no candidate exists; throws PbxError('MEDIA_FORMAT') when the chosen file is
 * unreadable as what its extension says.
 */
export function loadSound(name: string, format: MediaFormat, reader: SoundReader = fileSoundReader): LoadedSound | undefined {
  const explicit = extensionOf(name);
  const candidates: [string, SoundExtension][] = explicit
    ? [[name, explicit]]
    : SOUND_PREFERENCE[format].map((ext) => [`${name}.${ext}`, ext]);
  for (const [path, ext] of candidates) {
    const bytes = reader.read(path);
    if (!bytes) continue;
    const sound = decodeSound(ext, bytes);
    return { path, sourceFormat: sound.format, frames: soundToFrames(sound, format) };
  }
  return undefined;
}

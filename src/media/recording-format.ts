/**
 * The file formats Record() writes, named by the extension the dialplan gives
 * (`Record(/tmp/msg%d.wav)`): `wav` (8 kHz 16-bit mono PCM, as Asterisk's wav), raw `ulaw`,
 * `alaw` and `sln` (16-bit little-endian linear). Frames are encoded one at a time so a
 * recording streams to disk; a WAV file starts with a placeholder header whose sizes are
 * patched when the recording ends.
 */
import { PbxError } from '../core/errors.ts';
import { convertFrame, toSlin } from './frame.ts';
import type { AudioFrame } from './frame.ts';
import { decodeSound } from './sound-file.ts';
import { writeWav } from './wav.ts';

export type RecordingFormat = 'wav' | 'ulaw' | 'alaw' | 'sln';

const ALIASES: Readonly<Record<string, RecordingFormat>> = {
  wav: 'wav',
  ulaw: 'ulaw',
  ul: 'ulaw',
  pcm: 'ulaw',
  alaw: 'alaw',
  al: 'alaw',
  sln: 'sln',
  slin: 'sln',
  raw: 'sln',
};

/** The format an extension names (case-insensitive), or undefined when we cannot write it. */
export function recordingFormatOf(ext: string): RecordingFormat | undefined {
  return ALIASES[ext.toLowerCase()];
}

export const WAV_HEADER_BYTES = 44;

/** Bytes the file starts with before any audio. */
export function recordingHeader(format: RecordingFormat): Uint8Array {
  return format === 'wav' ? writeWav({ format: 'slin', data: new Int16Array(0) }) : new Uint8Array(0);
}

export function headerBytes(format: RecordingFormat): number {
  return format === 'wav' ? WAV_HEADER_BYTES : 0;
}

/** Bytes one millisecond of audio takes in the file. */
export function bytesPerMs(format: RecordingFormat): number {
  return format === 'wav' || format === 'sln' ? 16 : 8;
}

function slinBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    out[2 * i] = samples[i]! & 0xff;
    out[2 * i + 1] = (samples[i]! >> 8) & 0xff;
  }
  return out;
}

/** One frame as the file's bytes. */
export function encodeForFile(frame: AudioFrame, format: RecordingFormat): Uint8Array {
  if (format === 'wav' || format === 'sln') return slinBytes(toSlin(frame));
  return convertFrame(frame, format).data as Uint8Array;
}

/**
 * Audio bytes of an existing recording (for Record's append option), re-encoded for `format`.
 * Throws PbxError('MEDIA_FORMAT') when the file is not what its extension says.
 */
export function existingAudioBytes(format: RecordingFormat, bytes: Uint8Array): Uint8Array {
  const sound = decodeSound(format === 'wav' ? 'wav' : format, bytes);
  if (format === 'wav' || format === 'sln') {
    if (sound.format === 'slin') return slinBytes(sound.data);
    return slinBytes(toSlin({ format: sound.format, timestamp: 0, data: sound.data }));
  }
  if (sound.format === format) return sound.data;
  return convertFrame(sound.format === 'slin' ? { format: 'slin', timestamp: 0, data: sound.data } : { format: sound.format, timestamp: 0, data: sound.data }, format).data as Uint8Array;
}

/** Header patches once the file is `totalBytes` long: [offset, bytes] pairs (WAV sizes only). */
export function headerPatches(format: RecordingFormat, totalBytes: number): [number, Uint8Array][] {
  if (format !== 'wav') return [];
  if (totalBytes < WAV_HEADER_BYTES) throw new PbxError('MEDIA_FORMAT', 'WAV recording shorter than its header');
  const u32 = (v: number): Uint8Array => new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
  return [
    [4, u32(totalBytes - 8)],
    [40, u32(totalBytes - WAV_HEADER_BYTES)],
  ];
}

/**
 * The unit of media inside the PBX: 20 ms of narrowband audio (160 samples at 8 kHz), in one of
 * the three formats channels speak. A channel driver hands frames to the core, bridges and
 * applications pass them on, and conversion happens only where two formats meet.
 */
import {
  ALAW_DECODE,
  ALAW_ENCODE,
  ALAW_SILENCE,
  ALAW_TO_ULAW,
  ULAW_DECODE,
  ULAW_ENCODE,
  ULAW_SILENCE,
  ULAW_TO_ALAW,
} from './g711.ts';

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const SAMPLES_PER_FRAME = (SAMPLE_RATE * FRAME_MS) / 1000;

/** µ-law and A-law are G.711 bytes; slin is signed 16-bit linear ("signed linear", Asterisk's name). */
export type MediaFormat = 'ulaw' | 'alaw' | 'slin';
export type G711Format = 'ulaw' | 'alaw';

interface FrameBase {
  /** Sample clock position of the first sample (8 kHz units, wraps at 2^32 like RTP). */
  timestamp: number;
}

export interface G711Frame extends FrameBase {
  format: G711Format;
  data: Uint8Array;
}

export interface SlinFrame extends FrameBase {
  format: 'slin';
  data: Int16Array;
}

export type AudioFrame = G711Frame | SlinFrame;

export function isMediaFormat(s: string): s is MediaFormat {
  return s === 'ulaw' || s === 'alaw' || s === 'slin';
}

/** A frame of silence: the law's zero byte, or zero samples. */
export function silentFrame(format: MediaFormat, timestamp = 0, samples = SAMPLES_PER_FRAME): AudioFrame {
  if (format === 'slin') return { format, timestamp, data: new Int16Array(samples) };
  return { format, timestamp, data: new Uint8Array(samples).fill(format === 'ulaw' ? ULAW_SILENCE : ALAW_SILENCE) };
}

/** Number of samples in a frame, whatever its format. */
export function frameSamples(frame: AudioFrame): number {
  return frame.data.length;
}

/** The frame as linear samples (the same array when it already is). */
export function toSlin(frame: AudioFrame): Int16Array {
  if (frame.format === 'slin') return frame.data;
  const table = frame.format === 'ulaw' ? ULAW_DECODE : ALAW_DECODE;
  const out = new Int16Array(frame.data.length);
  for (let i = 0; i < out.length; i++) out[i] = table[frame.data[i]!]!;
  return out;
}

/**
 * The frame in `format`. µ-law <-> A-law goes through the direct transcoding tables (one lookup
 * per byte, no linear step); the same format returns the frame itself.
 */
export function convertFrame(frame: AudioFrame, format: MediaFormat): AudioFrame {
  if (frame.format === format) return frame;
  const { timestamp } = frame;
  if (format === 'slin') return { format, timestamp, data: toSlin(frame) };
  const out = new Uint8Array(frame.data.length);
  if (frame.format === 'slin') {
    const table = format === 'ulaw' ? ULAW_ENCODE : ALAW_ENCODE;
    for (let i = 0; i < out.length; i++) out[i] = table[frame.data[i]! & 0xffff]!;
  } else {
    const table = frame.format === 'ulaw' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
    for (let i = 0; i < out.length; i++) out[i] = table[frame.data[i]!]!;
  }
  return { format, timestamp, data: out };
}

/** Split linear samples into frames of SAMPLES_PER_FRAME in `format`; the tail is padded with silence. */
export function framesFromSlin(samples: Int16Array, format: MediaFormat, firstTimestamp = 0): AudioFrame[] {
  const frames: AudioFrame[] = [];
  for (let off = 0; off < samples.length; off += SAMPLES_PER_FRAME) {
    const chunk = new Int16Array(SAMPLES_PER_FRAME);
    chunk.set(samples.subarray(off, Math.min(off + SAMPLES_PER_FRAME, samples.length)));
    const timestamp = (firstTimestamp + off) >>> 0;
    frames.push(convertFrame({ format: 'slin', timestamp, data: chunk }, format));
  }
  return frames;
}

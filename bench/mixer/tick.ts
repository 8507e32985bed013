/**
 * What the mixing benches (bench/mixer, bench/meetme) share: a party that talks, one fixed frame
 * of speech-like audio (two tones, different for each party so the JIT cannot fold them) each
 * time speak() is called, and adds a byte of every frame it is sent to `sink` (so the mix is not
 * dead code); and the figures of one tinybench task that timed a whole 20 ms tick for N parties.
 */
import type { LoadResult } from '../run.ts';
import { convertFrame, SAMPLES_PER_FRAME, type AudioFrame, type MediaFormat } from '../../src/media/frame.ts';

export interface Talker {
  media: { format: MediaFormat; send(f: AudioFrame): void; onFrame(cb: (f: AudioFrame) => void): () => void };
  speak(): void;
}

export function talker(i: number, format: MediaFormat, sink: { n: number }): Talker {
  const pcm = new Int16Array(SAMPLES_PER_FRAME);
  for (let n = 0; n < pcm.length; n++) pcm[n] = Math.round(6000 * Math.sin((2 * Math.PI * (300 + 50 * i) * n) / 8000) + 3000 * Math.sin((2 * Math.PI * (1700 + 30 * i) * n) / 8000));
  const frame: AudioFrame = convertFrame({ format: 'slin', timestamp: 0, data: pcm }, format);
  let cb: ((f: AudioFrame) => void) | undefined;
  return {
    media: {
      format,
      send: (f) => {
        sink.n += f.data[5]!;
      },
      onFrame: (c) => {
        cb = c;
        return () => (cb = undefined);
      },
    },
    speak: () => cb?.(frame),
  };
}

/** The figure (µs per participant per tick) and note (share of a core, p99) of a task timing one tick for `n` parties. */
export function tickFigures(result: unknown, n: number): Pick<LoadResult, 'figure' | 'note'> {
  const res = result as { latency?: { mean: number; p99?: number }; mean?: number } | undefined;
  const tickMs = res?.latency?.mean ?? res?.mean ?? 0;
  const perParty = (tickMs * 1000) / n;
  return {
    figure: `${perParty.toFixed(2)} µs per participant per tick`,
    note: `${(tickMs * 1000).toFixed(1)} µs per 20 ms tick = ${((tickMs / 20) * 100).toFixed(3)}% of a core; ${((perParty / 20000) * 100).toFixed(4)}% of a core per participant${res?.latency?.p99 !== undefined ? `; p99 tick ${(res.latency.p99 * 1000).toFixed(1)} µs` : ''}`,
  };
}

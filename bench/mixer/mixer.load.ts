/**
 * CPU per mixed participant per 20 ms tick (a three-way call is 3 participants; a conference
 * later has more): the Mixer (src/core/mixer.ts) with N parties, half of them µ-law (an RTP leg:
 * decode in, encode out) and half linear (an analog port), every party sending one frame of
 * speech-like audio per tick. One tinybench task per N runs "every party delivers its frame, then
 * the clock ticks" (ManualMediaClock), so the figure is the JS cost of one tick of the mix:
 * queueing and decoding N frames, the 32-bit sum, N saturated outputs minus the party's own
 * input, encoding the µ-law ones. Per participant = tick / N; share of a core = per tick / 20 ms.
 */
import { Bench } from 'tinybench';
import type { LoadResult } from '../run.ts';
import { Mixer, type MixerParty } from '../../src/core/mixer.ts';
import { ManualMediaClock } from '../../src/media/manual-clock.ts';
import { convertFrame, SAMPLES_PER_FRAME, type AudioFrame } from '../../src/media/frame.ts';

const SIZES = [3, 8, 32];

interface Source {
  party: MixerParty;
  speak(): void;
}

function source(i: number, sink: { n: number }): Source {
  const format = i % 2 === 0 ? 'ulaw' : 'slin';
  const pcm = new Int16Array(SAMPLES_PER_FRAME);
  // Two tones per party with a slow envelope: not a constant the JIT could fold away.
  for (let n = 0; n < pcm.length; n++) pcm[n] = Math.round(6000 * Math.sin((2 * Math.PI * (300 + 50 * i) * n) / 8000) + 3000 * Math.sin((2 * Math.PI * (1700 + 30 * i) * n) / 8000));
  const frame: AudioFrame = convertFrame({ format: 'slin', timestamp: 0, data: pcm }, format);
  let cb: ((f: AudioFrame) => void) | undefined;
  return {
    party: {
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

export default async function (): Promise<LoadResult[]> {
  const bench = new Bench({ name: 'core/mixer', time: 1000 });
  const sink = { n: 0 };
  const mixers: Mixer[] = [];
  for (const n of SIZES) {
    const clock = new ManualMediaClock();
    const mixer = new Mixer(clock);
    mixers.push(mixer);
    const sources = Array.from({ length: n }, (_, i) => source(i, sink));
    for (const s of sources) mixer.add(s.party);
    bench.add(`${n} parties`, () => {
      for (const s of sources) s.speak();
      clock.tick();
    });
  }
  await bench.run();
  for (const m of mixers) m.stop();
  if (sink.n === Number.MIN_SAFE_INTEGER) throw new Error('unreachable');
  return bench.tasks.map((t, i) => {
    const n = SIZES[i]!;
    const res = t.result as { latency?: { mean: number; p99?: number }; mean?: number } | undefined;
    const tickMs = res?.latency?.mean ?? res?.mean ?? 0;
    const perParty = (tickMs * 1000) / n;
    return {
      name: `mix tick, ${n} parties (half µ-law, half linear)`,
      figure: `${perParty.toFixed(2)} µs per participant per tick`,
      note: `${(tickMs * 1000).toFixed(1)} µs per 20 ms tick = ${((tickMs / 20) * 100).toFixed(3)}% of a core; ${((perParty / 20000) * 100).toFixed(4)}% of a core per participant${res?.latency?.p99 !== undefined ? `; p99 tick ${(res.latency.p99 * 1000).toFixed(1)} µs` : ''}`,
    };
  });
}

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
import { Mixer } from '../../src/core/mixer.ts';
import { ManualMediaClock } from '../../src/media/manual-clock.ts';
import { talker, tickFigures } from './tick.ts';

const SIZES = [3, 8, 32];

export default async function (): Promise<LoadResult[]> {
  const bench = new Bench({ name: 'core/mixer', time: 1000 });
  const sink = { n: 0 };
  const mixers: Mixer[] = [];
  for (const n of SIZES) {
    const clock = new ManualMediaClock();
    const mixer = new Mixer(clock);
    mixers.push(mixer);
    const sources = Array.from({ length: n }, (_, i) => talker(i, i % 2 === 0 ? 'ulaw' : 'slin', sink));
    for (const s of sources) mixer.add(s.media);
    bench.add(`${n} parties`, () => {
      for (const s of sources) s.speak();
      clock.tick();
    });
  }
  await bench.run();
  for (const m of mixers) m.stop();
  if (sink.n === Number.MIN_SAFE_INTEGER) throw new Error('unreachable');
  return bench.tasks.map((t, i) => ({ name: `mix tick, ${SIZES[i]} parties (half µ-law, half linear)`, ...tickFigures(t.result, SIZES[i]!) }));
}

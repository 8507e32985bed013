/**
 * MeetMe CPU per participant per 20 ms tick at 30 participants (issue 14's benchmark), and at 3
 * for comparison: a conference of the MeetmeRegistry (src/apps/meetme/) with N users whose
 * channels are µ-law legs (what a SIP phone sends), every one talking each tick. What is timed is
 * "every user delivers one frame, then the media clock ticks" on a ManualMediaClock: the user
 * adapters (talk gate, private-sound gate), the Mixer's decode, 32-bit sum, N saturated mixes
 * minus each one's own input, and the µ-law encode of each. No sockets: the RTP cost of a leg is
 * bench/rtp's.
 */
import { Bench } from 'tinybench';
import type { LoadResult } from '../run.ts';
import { MeetmeRegistry } from '../../src/apps/meetme/registry.ts';
import { DEFAULT_FLAGS, type ConfChannel } from '../../src/apps/meetme/conference.ts';
import { ManualMediaClock } from '../../src/media/manual-clock.ts';
import { talker, tickFigures } from '../mixer/tick.ts';

const SIZES = [3, 30];

/** User `i` of a conference: a µ-law SIP leg (bench/mixer/tick.ts's talker). */
function channelOf(i: number, media: ConfChannel['media']): ConfChannel {
  return { name: `SIP/${2000 + i}-${i.toString(16).padStart(8, '0')}`, callerId: { number: String(2000 + i) }, language: 'en', hangupSignal: new AbortController().signal, media };
}

export default async function (): Promise<LoadResult[]> {
  const bench = new Bench({ name: 'apps/meetme', time: 1000 });
  const sink = { n: 0 };
  const stops: (() => void)[] = [];
  for (const n of SIZES) {
    const clock = new ManualMediaClock();
    const reg = new MeetmeRegistry({ clock, now: () => 0, rooms: () => new Map(), prompt: () => [] });
    const conf = reg.open(String(n), { pin: '' })!;
    const talkers = Array.from({ length: n }, (_, i) => talker(i, 'ulaw', sink));
    talkers.forEach((t, i) => conf.join(channelOf(i, t.media), { ...DEFAULT_FLAGS, quiet: true, noOnlyPerson: true }));
    reg.release(conf);
    stops.push(() => conf.kickAll());
    bench.add(`${n} users`, () => {
      for (const t of talkers) t.speak();
      clock.tick();
    });
  }
  await bench.run();
  for (const stop of stops) stop();
  if (sink.n === Number.MIN_SAFE_INTEGER) throw new Error('unreachable');
  return bench.tasks.map((t, i) => ({ name: `MeetMe tick, ${SIZES[i]} users (µ-law legs, all talking)`, ...tickFigures(t.result, SIZES[i]!) }));
}

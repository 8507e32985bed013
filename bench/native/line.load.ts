/**
 * CPU per analog port for the line engine's DSP: the `pbx-line` thread with the sim backend, for
 * 1, 8 and 32 ports, in the states a box spends its time in:
 *   - phones (FXS) on hook: DTMF detection runs on every port all the time;
 *   - phones off hook hearing dial tone (generated natively), JS draining their audio;
 *   - phones in a call: JS writes 20 ms of audio per port per tick and reads what they send,
 *     as the DAHDI channel's media does (DTMF detection on);
 *   - lines (FXO) idle: the caller-ID receiver runs on every port;
 *   - lines seized: the sim exchange plays dial tone, busy detection (the call-progress
 *     classifier) runs, JS audio both ways.
 * Figure: the engine thread's CPU time (stats().cpuMs, CLOCK_THREAD_CPUTIME_ID) per port per
 * 20 ms block, over PHASE_MS (IDLE_MS for the on-hook states). With the sim backend that thread
 * also runs the sim's side (the sim phones' tone classifier and DTMF receiver, the sim lines'
 * spill and tone generators and DTMF receiver), which a DAHDI box does not; so alongside, the
 * PBX-side detectors alone through the DSP probe (dspDetect: built as the engine builds them),
 * per 160-sample block. Bounded: a fixed number of phases of fixed length; nothing on the network.
 */
import type { LoadResult } from '../run.ts';
import { AnalogEngine, lineBindingOf, type PortKind } from '../../src/analog/engine.ts';
import { engineTones } from '../../src/analog/country.ts';
import { loadNativeBinding, type NativeBinding, type NativeLineStats } from '../../src/platform/native.ts';

/** LINE_SIZES=1,8 and LINE_PHASE_MS=2000 override them (a quick look while working on the engine). */
const SIZES = process.env.LINE_SIZES ? process.env.LINE_SIZES.split(',').map(Number) : [1, 8, 32];
const PHASE_MS = Number(process.env.LINE_PHASE_MS) || 10_000;
const IDLE_MS = Math.min(5_000, PHASE_MS);
/** After a state change, before measuring: sim commands applied, tones and classifiers settled. */
const SETTLE_MS = 500;
const BLOCK = 160;
const COUNTRY = 'us';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** 20 ms of a 1004 Hz tone at about -10 dBm0 starting at sample n0 (what a call carries). */
function tone(n0: number, samples = BLOCK): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1004 * (n0 + i)) / 8000));
  return out;
}

interface Phase {
  name: string;
  ports: number;
  usPerPortBlock: number;
  /** Engine thread's share of one core, all ports. */
  core: number;
  blocks: number;
  overruns: number;
  txUnderruns: number;
}

/** JS audio per port on a 20 ms timer: read everything the port sent; optionally write 20 ms. */
function pump(engine: AnalogEngine, ports: number, write: boolean): () => void {
  const scratch = new Int16Array(BLOCK * 8);
  let n = 0;
  const t = setInterval(() => {
    const frame = write ? tone(n) : undefined;
    n += BLOCK;
    for (let p = 1; p <= ports; p++) {
      while (engine.readAudio(p, scratch) === scratch.length) {
        // drain: the engine batches, JS catches up
      }
      if (frame) engine.writeAudio(p, frame);
    }
  }, 20);
  return () => clearInterval(t);
}

async function measure(engine: AnalogEngine, name: string, ports: number, ms: number): Promise<Phase> {
  await sleep(SETTLE_MS);
  const a: NativeLineStats = engine.stats();
  const t0 = performance.now();
  await sleep(ms);
  const b: NativeLineStats = engine.stats();
  const wall = performance.now() - t0;
  const blocks = b.blocks - a.blocks;
  const cpuMs = b.cpuMs - a.cpuMs;
  return {
    name,
    ports,
    usPerPortBlock: (cpuMs * 1000) / Math.max(1, blocks * ports),
    core: cpuMs / wall,
    blocks,
    overruns: b.overruns - a.overruns,
    txUnderruns: b.txUnderruns - a.txUnderruns,
  };
}

async function phones(binding: NativeBinding, n: number): Promise<Phase[]> {
  const lb = lineBindingOf(binding);
  if (typeof lb === 'string') throw new Error(lb);
  const engine = new AnalogEngine(lb, { ports: Array<PortKind>(n).fill('fxs'), country: COUNTRY });
  const offhook = new Set<number>();
  engine.onEvent((ev) => {
    // As FxsPort does: dial tone for a phone that goes off hook.
    if (ev.type === 'offhook') {
      offhook.add(ev.port);
      engine.playTone(ev.port, 'dial');
    }
  });
  engine.start();
  const out: Phase[] = [];
  try {
    out.push(await measure(engine, 'phones on hook (DTMF detection)', n, IDLE_MS));
    for (let p = 1; p <= n; p++) engine.sim({ target: 'phone', port: p, action: 'offhook' });
    const stopDrain = pump(engine, n, false);
    await sleep(SETTLE_MS);
    if (offhook.size !== n) throw new Error(`${offhook.size} of ${n} sim phones went off hook`);
    out.push(await measure(engine, 'phones off hook, dial tone, DTMF detection, JS reads', n, PHASE_MS));
    stopDrain();
    for (let p = 1; p <= n; p++) engine.playTone(p, null);
    const stopCall = pump(engine, n, true);
    out.push(await measure(engine, 'phones in a call: JS audio both ways, DTMF detection', n, PHASE_MS));
    stopCall();
  } finally {
    engine.stop();
  }
  return out;
}

async function lines(binding: NativeBinding, n: number): Promise<Phase[]> {
  const lb = lineBindingOf(binding);
  if (typeof lb === 'string') throw new Error(lb);
  const engine = new AnalogEngine(lb, { ports: Array<PortKind>(n).fill('fxo'), country: COUNTRY });
  engine.start();
  const out: Phase[] = [];
  try {
    out.push(await measure(engine, 'lines idle (caller-ID receiver)', n, IDLE_MS));
    for (let p = 1; p <= n; p++) engine.setHook(p, true);
    const stop = pump(engine, n, true);
    await sleep(SETTLE_MS);
    const seized = engine.simShow().filter((s) => s.kind === 'fxo' && s.state === 'offhook').length;
    if (seized !== n) throw new Error(`${seized} of ${n} sim lines are off hook`);
    out.push(await measure(engine, 'lines seized: busy detection, JS audio both ways', n, PHASE_MS));
    stop();
  } finally {
    engine.stop();
  }
  return out;
}

/**
 * The per-port figure at 1 port is mostly the thread's fixed cost per block (wake-up, epoll,
 * the sim's timer): a least-squares line through (ports, engine µs per block) per state splits
 * it into a fixed part and a part per port.
 */
function split(phases: readonly Phase[]): LoadResult[] {
  const out: LoadResult[] = [];
  for (const name of [...new Set(phases.map((p) => p.name))]) {
    const pts = phases.filter((p) => p.name === name).map((p) => ({ x: p.ports, y: p.usPerPortBlock * p.ports }));
    if (new Set(pts.map((p) => p.x)).size < 2) continue;
    const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
    const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
    const slope = pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
    const fixed = my - slope * mx;
    out.push({
      name: `${name}: per port and fixed, per 20 ms block`,
      figure: `${slope.toFixed(1)} µs per port + ${fixed.toFixed(1)} µs fixed`,
      note: `least squares over ${pts.map((p) => `${p.x} port${p.x === 1 ? '' : 's'} ${p.y.toFixed(0)} µs`).join(', ')} (engine µs per block, all ports)`,
    });
  }
  return out;
}

/**
 * What one JS -> addon crossing of the audio path costs (the DAHDI channel's media makes one
 * readAudio and one writeAudio per call per 20 ms): CALLS of each, 160 samples, on a running
 * 1-port engine, through AnalogEngine as the PBX calls them. Once the transmit ring is full
 * writeAudio copies nothing, and most reads find fewer than 160 samples: this is the crossing
 * plus at most a 320-byte copy.
 */
async function crossing(binding: NativeBinding): Promise<LoadResult[]> {
  const lb = lineBindingOf(binding);
  if (typeof lb === 'string') throw new Error(lb);
  const engine = new AnalogEngine(lb, { ports: ['fxs'], country: COUNTRY });
  engine.start();
  const CALLS = 200_000;
  const frame = tone(0);
  const into = new Int16Array(BLOCK);
  const time = (fn: () => void): number => {
    for (let i = 0; i < 10_000; i++) fn(); // warm-up: JIT
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) fn();
    return ((performance.now() - t0) * 1000) / CALLS;
  };
  try {
    await sleep(SETTLE_MS);
    const read = time(() => engine.readAudio(1, into));
    const write = time(() => engine.writeAudio(1, frame));
    return [
      {
        name: 'one JS -> addon call of the audio path (AnalogEngine, 160 samples)',
        figure: `readAudio ${read.toFixed(3)} µs, writeAudio ${write.toFixed(3)} µs`,
        note: `${CALLS.toLocaleString('en-US')} calls each after 10,000 warm-up calls, wall time on the JS thread, engine running (1 FXS port)`,
      },
    ];
  } finally {
    engine.stop();
  }
}

/** CPU µs per 160-sample block of one PBX-side detector, through the DSP probe. */
function probe(binding: NativeBinding): LoadResult[] {
  const detect = binding.dspDetect;
  if (!detect) return [{ name: 'PBX-side detectors alone (DSP probe)', figure: 'n/a', note: 'the addon has no dspDetect' }];
  const seconds = 10;
  const samples = tone(0, 8000 * seconds);
  const blocks = samples.length / BLOCK;
  const reps = 5;
  const time = (run: () => void): number => {
    run(); // warm-up: first use allocates
    const t0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) run();
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / (reps * blocks);
  };
  const tones = engineTones(COUNTRY);
  const dtmf = time(() => detect({ kind: 'dtmf', samples }));
  const classifier = time(() => detect({ kind: 'tones', samples, tones }));
  const bell = time(() => detect({ kind: 'cid', samples, cidStandard: 'bell202' }));
  const v23 = time(() => detect({ kind: 'cid', samples, cidStandard: 'v23' }));
  const f = (us: number): string => `${us.toFixed(2)} µs`;
  return [
    {
      name: 'PBX-side detectors alone (DSP probe), per 20 ms block',
      figure: `DTMF ${f(dtmf)}, call-progress classifier ${f(classifier)}, caller ID Bell 202 ${f(bell)} / V.23 ${f(v23)}`,
      note: `${seconds} s of a 1004 Hz tone, ${reps} runs each after a warm-up; process CPU time (one JS call per run, negligible); an FXS port runs DTMF, an idle FXO port caller ID, a seized FXO port the classifier`,
    },
  ];
}

export default async function (): Promise<LoadResult[]> {
  const loaded = loadNativeBinding();
  if (!loaded.ok) throw new Error(`native addon not available: ${loaded.reason} (node scripts/build-native.mjs)`);
  const results: LoadResult[] = [];
  const all: Phase[] = [];
  for (const n of SIZES) {
    for (const p of [...(await phones(loaded.binding, n)), ...(await lines(loaded.binding, n))]) {
      all.push(p);
      results.push({
        name: `${p.ports} port${p.ports === 1 ? '' : 's'}, ${p.name}`,
        figure: `${p.usPerPortBlock.toFixed(1)} µs per port per 20 ms block (${((p.usPerPortBlock / 20_000) * 100).toFixed(2)}% of a core per port)`,
        note: `engine thread ${(p.core * 100).toFixed(1)}% of a core for all ${p.ports}; ${p.blocks} blocks, ${p.overruns} overruns, ${p.txUnderruns} tx underruns; sim side included`,
      });
    }
  }
  results.push(...split(all));
  results.push(...probe(loaded.binding));
  results.push(...(await crossing(loaded.binding)));
  return results;
}

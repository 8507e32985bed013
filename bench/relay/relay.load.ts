/**
 * Concurrent relayed G.711 calls on one core: for N calls (STEPS), RTP at 50 packets/s each way
 * of every call goes through the PBX's relay (the built bundle pinned to CPU 0); the PBX's CPU,
 * packet loss and one-way delay are measured; then the same traffic goes through a minimal C relay
 * (c-relay.c: epoll, recvmmsg/sendmmsg, the same header rewriting) on the same core, as the
 * physical reference, right after, under the same load.
 *
 * Calls are set up through the PBX by bulk-calls.ts (digest-authenticated INVITE from N caller
 * phones to a static sip.conf peer; every SDP carries a port of the generator), so each call has
 * two legs and the PBX bridges them with its RTP relay. rtp-load.c (gcc -O2 at bench time, on
 * CPU 1 with this driver) plays both phones of every call: 100 packets/s per call into the relay,
 * 100 out, spread evenly over each 20 ms. It warms up for WARMUP_MS (the relay latches, V8
 * compiles), then counts MEASURE_MS: sent, received back through the relay, one-way delay
 * (send to receive, through the relay: includes both processes' scheduling), late = over LATE_US.
 *
 * Per step: PBX core use = utime+stime over the measured window / its length; CPU per relayed
 * packet = the same / packets sent in the window; the time the PBX waited for its core
 * (schedstat) and what else kept the machine busy, so a reader can see a noisy neighbour. The
 * sweep stops once the PBX is saturated and losing > 5%. Max N = the highest step under 90%
 * of the core and < 0.5% loss. Everything runs at SCHED_RR (calls/common.ts prioritiseSelf), so
 * a saturated process shows 95% of its core, the kernel's real-time throttling limit.
 */
import type { LoadResult } from '../run.ts';
import { makeUsers, phonesSection, startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { canPin, cpuMicros, udpReceiveBufferDrops } from '../lib/proc.ts';
import { PEER_CPU, SERVER_CPU, calleeExtensionsConf, calleeSipConf, callSystemSection, int, loadAverage, machineBusyUs, pct, prioritiseSelf, runDelayUs, waitNoChannels } from '../calls/common.ts';
import { BulkCalls } from './bulk-calls.ts';
import { compileBinaries, startCRelay, startGenerator, type Binaries, type Generator, type GeneratorResult } from './native.ts';

/** RELAY_STEPS=100,250 overrides the steps (a quick look while working on the relay). */
const STEPS = process.env.RELAY_STEPS ? process.env.RELAY_STEPS.split(',').map(Number) : [100, 200, 300, 400, 500, 600, 700];
const CALLEE = '9000';
const WARMUP_MS = 3000;
const MEASURE_MS = 8000;
const DRAIN_MS = 500;
const LATE_US = 20_000;
const GEN_BASE_PORT = 40_000;
const RELAY_BASE_PORT = 52_000;
const SETUP_WINDOW = 40;
const MAX_CORE = 0.9;
const MAX_LOSS = 0.005;

interface Measured {
  gen: GeneratorResult;
  /** Relay's core use over the window (0..1 per core). */
  core: number;
  cpuUsPerPacket: number;
  waitShare: number;
  /** Cores the rest of the machine kept busy (everything but the relay and the generator). */
  otherCores: number;
  drops: number;
  loss: number;
  lateShare: number;
  genCore: number;
}

interface Step {
  calls: number;
  pbx?: Measured;
  c?: Measured;
  setupS: number;
  failures: string[];
  hungUp: number;
  left: number;
}

/** Runs the generator against `targets` and measures `pid` (the relay) over the window. */
async function measure(bin: Binaries, calls: number, targets: (genPorts: number[]) => number[], pid: () => number, preparedGen?: Generator): Promise<Measured> {
  const gen = preparedGen ?? (await startGenerator(bin.generator, { calls, basePort: GEN_BASE_PORT, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, drainMs: DRAIN_MS, lateUs: LATE_US, cpu: PEER_CPU }));
  try {
    let cpu0 = 0, cpu1 = 0, wait0 = 0, wait1 = 0, busy0 = 0, busy1 = 0, drops0 = 0, drops1 = 0, t0 = 0, t1 = 0, g0 = 0, g1 = 0;
    const r = await gen.run(targets(gen.ports), {
      onStart: () => {
        t0 = performance.now();
        cpu0 = cpuMicros(pid());
        wait0 = runDelayUs(pid());
        busy0 = machineBusyUs();
        drops0 = udpReceiveBufferDrops();
        g0 = cpuMicros(gen.pid);
      },
      onEnd: () => {
        t1 = performance.now();
        cpu1 = cpuMicros(pid());
        wait1 = runDelayUs(pid());
        busy1 = machineBusyUs();
        drops1 = udpReceiveBufferDrops();
        g1 = cpuMicros(gen.pid);
      },
    });
    const wallUs = (t1 - t0) * 1000;
    const cpu = cpu1 - cpu0;
    return {
      gen: r,
      core: cpu / wallUs,
      cpuUsPerPacket: cpu / Math.max(1, r.sent),
      waitShare: (wait1 - wait0) / wallUs,
      otherCores: Math.max(0, (busy1 - busy0 - cpu - (g1 - g0)) / wallUs),
      drops: drops1 - drops0,
      loss: r.sent > 0 ? (r.sent - r.received) / r.sent : 1,
      lateShare: r.received > 0 ? r.late / r.received : 0,
      genCore: r.cpuUs / r.measureUs,
    };
  } finally {
    await gen.stop();
  }
}

async function pbxStep(bin: Binaries, pbx: BundlePbx, ua: BulkCalls, users: ReturnType<typeof makeUsers>, n: number, step: Step): Promise<void> {
  const gen = await startGenerator(bin.generator, { calls: n, basePort: GEN_BASE_PORT, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, drainMs: DRAIN_MS, lateUs: LATE_US, cpu: PEER_CPU });
  const t = performance.now();
  const calls = await ua.setUp(users.slice(0, n), CALLEE, gen.ports, SETUP_WINDOW);
  step.setupS = (performance.now() - t) / 1000;
  step.failures = ua.failures.splice(0);
  if (step.failures.length > 0) {
    await gen.stop();
    return;
  }
  const targets = calls.flatMap((c) => [c?.pbxCallerPort ?? 0, c?.pbxCalleePort ?? 0]);
  step.pbx = await measure(bin, n, () => targets, () => pbx.pid, gen);
  step.hungUp = await ua.hangupAll(SETUP_WINDOW);
  step.left = await waitNoChannels(pbx, 10_000);
}

async function cStep(bin: Binaries, n: number, step: Step): Promise<void> {
  const relay = await startCRelay(bin.relay, n, RELAY_BASE_PORT, 120, SERVER_CPU);
  try {
    step.c = await measure(
      bin,
      n,
      (genPorts) => {
        relay.connect(genPorts);
        return relay.ports;
      },
      () => relay.pid,
    );
  } finally {
    await relay.stop();
  }
}

function describe(m: Measured): string {
  return `core ${pct(m.core)}, ${m.cpuUsPerPacket.toFixed(1)} µs/packet, loss ${(m.loss * 100).toFixed(2)}%, late ${(m.lateShare * 100).toFixed(2)}%, delay p50 ${(m.gen.p50Us / 1000).toFixed(1)} / p99 ${(m.gen.p99Us / 1000).toFixed(1)} / max ${(m.gen.maxUs / 1000).toFixed(0)} ms`;
}

function context(m: Measured): string {
  return `waited for its core ${pct(m.waitShare)}, rest of machine ${m.otherCores.toFixed(2)} cores, generator ${pct(m.genCore)} (lag max ${(m.gen.senderLagMaxUs / 1000).toFixed(0)} ms), ${int(m.drops)} UDP buffer drops; ${int(m.gen.rtcp)} RTCP, ${int(m.gen.misrouted)} misrouted, ${int(m.gen.foreign)} foreign, ${int(m.gen.reordered)} reordered packets at the phones, ${m.gen.silentLegs} silent legs, ${int(m.gen.sendErrors)} send errors`;
}

export default async function relayLoad(): Promise<LoadResult[]> {
  const started = Date.now();
  const prio = prioritiseSelf(PEER_CPU);
  const bin = compileBinaries();
  const users = makeUsers(Math.max(...STEPS));
  const ua = new BulkCalls();
  await ua.open();
  const loadBefore = loadAverage();
  const pbx = await startBundlePbx({
    conf: callSystemSection() + phonesSection(users),
    files: { 'sip.conf': calleeSipConf(CALLEE, ua.uasPort, false), 'extensions.conf': calleeExtensionsConf(CALLEE) },
    cpu: SERVER_CPU,
    startMs: 60_000,
  });
  ua.pbxPort = pbx.port;
  const steps: Step[] = [];
  let crashed = '';
  try {
    for (const n of STEPS) {
      const step: Step = { calls: n, setupS: 0, failures: [], hungUp: 0, left: 0 };
      steps.push(step);
      await pbxStep(bin, pbx, ua, users, n, step);
      if (step.failures.length > 0) {
        console.log(`relay ${n}: ${step.failures.length} calls failed to set up, first: ${step.failures[0]}`);
        break;
      }
      await cStep(bin, n, step);
      const p = step.pbx as Measured;
      const c = step.c as Measured;
      console.log(`relay ${n} calls: PBX ${describe(p)}; C ${describe(c)}; set up in ${step.setupS.toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      // Under SCHED_RR the kernel's RT throttling caps a core at 95%: 93% is a saturated PBX.
      if (p.core > 0.93 && p.loss > 0.05) break;
    }
  } catch (e) {
    crashed = e instanceof Error ? e.message : String(e);
    console.log(`relay: ${crashed}\n${pbx.tail()}`);
  } finally {
    ua.close();
    await pbx.stop();
    bin.remove();
    prio.restore();
  }

  const done = steps.filter((s) => s.pbx && s.c);
  const within = (m: Measured | undefined): boolean => m !== undefined && m.core <= MAX_CORE && m.loss < MAX_LOSS;
  const bestPbx = [...done].reverse().find((s) => within(s.pbx));
  const bestC = [...done].reverse().find((s) => within(s.c));
  // The ratio where both relays carried the traffic cleanly: CPU per packet, same N, same run.
  const both = done.filter((s) => (s.pbx as Measured).loss < MAX_LOSS && (s.c as Measured).loss < MAX_LOSS);
  const ratios = both.map((s) => (s.pbx as Measured).cpuUsPerPacket / (s.c as Measured).cpuUsPerPacket);
  const perPacket = bestPbx?.pbx?.cpuUsPerPacket ?? done[0]?.pbx?.cpuUsPerPacket ?? NaN;
  const projected = (MAX_CORE * 1e6) / (perPacket * 100);
  const setup = `N calls, each 50 packets/s each way (PCMU, 172-byte datagrams) through the relay; steps ${STEPS.join(', ')}; ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured; late = one-way delay over ${LATE_US / 1000} ms; ${
    canPin() ? `relay (PBX or C) on CPU ${SERVER_CPU}, generator and driver on CPU ${PEER_CPU}` : 'not pinned'
  }; ${prio.what}`;
  const rows: LoadResult[] = [
    { name: 'setup', figure: setup, note: `load average ${loadBefore} before, ${loadAverage()} after; ${((Date.now() - started) / 1000).toFixed(0)} s${crashed ? `; STOPPED: ${crashed}` : ''}` },
  ];
  for (const s of steps) {
    if (!s.pbx || !s.c) {
      rows.push({ name: `${s.calls} calls`, figure: 'not measured', note: s.failures.length ? `${s.failures.length} calls failed to set up; first: ${s.failures[0]}` : crashed });
      continue;
    }
    rows.push({
      name: `${s.calls} relayed calls, our PBX`,
      figure: `${pct(s.pbx.core)} of a core, loss ${(s.pbx.loss * 100).toFixed(2)}%`,
      note: `${describe(s.pbx)}; ${context(s.pbx)}; ${int(s.pbx.gen.sent)} packets sent in the window; ${s.calls} calls set up in ${s.setupS.toFixed(1)} s, ${s.hungUp} BYEs answered 200, ${s.left} channels left after hang-up`,
    });
    rows.push({
      name: `${s.calls} relayed calls, C relay`,
      figure: `${pct(s.c.core)} of a core, loss ${(s.c.loss * 100).toFixed(2)}%`,
      note: `${describe(s.c)}; ${context(s.c)}; our PBX / C: ${(s.pbx.cpuUsPerPacket / s.c.cpuUsPerPacket).toFixed(1)}× CPU per packet`,
    });
  }
  rows.push(
    {
      name: 'max relayed calls per core, our PBX',
      figure: bestPbx ? `${bestPbx.calls} calls (of the steps)` : `none of the steps`,
      note: `highest step under ${pct(MAX_CORE)} of the core with < ${MAX_LOSS * 100}% loss; at ${perPacket.toFixed(1)} µs per relayed packet, ${pct(MAX_CORE)} of a core is ${int(projected)} calls`,
    },
    {
      name: 'max relayed calls per core, C relay',
      figure: bestC ? `${bestC.calls} calls (of the steps)` : 'none of the steps',
      note: 'same criterion; above the steps the generator (one core) is the limit, not the relay',
    },
    {
      name: 'our PBX / C relay, CPU per relayed packet',
      figure: ratios.length ? `${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×` : 'n/a',
      note: `steps where both lost < ${MAX_LOSS * 100}%: ${both.map((s) => s.calls).join(', ') || 'none'}; the physical floor on this machine is the C relay's µs per packet`,
    },
  );
  return rows;
}

/**
 * CPU per SIP <-> analog call, and how many JS calls into the native addon one 20 ms frame of
 * such a call costs. The built bundle (pinned to CPU 0) has N_MAX sim phones on FXS ports
 * (extensions 2101...) and N_MAX raw UDP SIP phones (2001..., test/integration/calls-phone.ts)
 * registered; sim phone k goes off hook and dials 200k, SIP phone k answers. Then every SIP
 * phone sends 50 RTP packets/s of a 1004 Hz tone (µ-law) to the PBX, which sends the sim phone's
 * audio back at 50 packets/s: the analog <-> RTP path is the frame bridge on the media clock
 * (src/core/frame-bridge.ts) between the RTP session and the port's media
 * (src/channels/dahdi-channel.ts PortMedia), with the line engine's audio rings underneath.
 *
 * Steps of 1, 4 and 8 concurrent calls (calls are added, never torn down between steps): RTP
 * warms up WARMUP_MS, then MEASURE_MS is measured. PBX CPU = utime+stime from /proc/PID/stat
 * (every thread: JS, libuv, the line engine, the media clock); the line engine thread's own share
 * comes from `dahdi show status`. Per call = (step CPU - idle CPU) / N, idle = the same PBX with
 * the same ports and phones and no call, the mean of IDLE_MS before the calls and IDLE_MS after
 * them; and the CPU per additional call, the slope of a least-squares line through idle and the
 * steps.
 *
 * Addon crossings: the PBX runs with addon-call-counter.mjs preloaded, which counts every call
 * into the line engine and media clock objects and every callback out of them (sampled with a
 * timestamp every 250 ms); per frame per call = counts over the window / (N * window / 20 ms).
 *
 * The driver runs on CPU 1 at SCHED_RR (bench/calls/common.ts prioritiseSelf). Bounded: fixed
 * steps and durations, every wait has a deadline; traffic only on 127.0.0.1; the PBX is stopped
 * by its pid.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadResult } from '../run.ts';
import { startBundlePbx, type BundlePbx } from '../lib/pbx.ts';
import { cpuMicros } from '../lib/proc.ts';
import { PEER_CPU, SERVER_CPU, callSystemSection, loadAverage, prioritiseSelf, waitNoChannels } from '../calls/common.ts';
import { BUNDLE, sleep } from '../../test/integration/harness.ts';
import { hdr, mediaPort, Phone, rtpPacket, type Msg } from '../../test/integration/calls-phone.ts';
import { answerInvite, calleeBye } from '../../test/integration/analog-phone.ts';
import { ULAW_ENCODE } from '../../src/media/g711.ts';

/** ANALOG_CALL_STEPS=1,2 and ANALOG_CALL_MS=3000 override them (a quick look while working). */
const STEPS = process.env.ANALOG_CALL_STEPS ? process.env.ANALOG_CALL_STEPS.split(',').map(Number) : [1, 4, 8];
const N_MAX = Math.max(...STEPS);
const MEASURE_MS = Number(process.env.ANALOG_CALL_MS) || 15_000;
const IDLE_MS = Math.min(10_000, MEASURE_MS);
const WARMUP_MS = 3_000;
/** After registration and after the last hang-up, before an idle window. */
const SETTLE_MS = 5_000;
const FRAME_MS = 20;
const COUNTER = join(import.meta.dirname, 'addon-call-counter.mjs');

/** 50 frames (1 s) of a 1004 Hz tone at about -10 dBm0, µ-law, played in a loop. */
const TONE: Buffer[] = Array.from({ length: 50 }, (_, f) => {
  const out = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) out[i] = ULAW_ENCODE[Math.round(8000 * Math.sin((2 * Math.PI * 1004 * (f * 160 + i)) / 8000)) & 0xffff] as number;
  return out;
});

interface Call {
  phone: Phone;
  invite: Msg;
  pbxMedia: number;
  seq: number;
  received: number;
}

interface Counts {
  at: number;
  counts: Record<string, number>;
}

function readCounts(pbx: BundlePbx): Counts {
  return JSON.parse(readFileSync(join(pbx.dir, 'addon-calls.json'), 'utf8')) as Counts;
}

/** `pbx -rx` without blocking the driver (its RTP keeps flowing while the console answers). */
function rxAsync(pbx: BundlePbx, cmd: string): Promise<string> {
  return new Promise((res, rej) => {
    execFile(process.execPath, [BUNDLE, '-rx', cmd, '--config', pbx.dir], { encoding: 'utf8', timeout: 30_000 }, (e, out) => (e ? rej(e) : res(out)));
  });
}

async function engineCpuMs(pbx: BundlePbx): Promise<number> {
  const m = /cpu ([\d.]+) ms/.exec(await rxAsync(pbx, 'dahdi show status'));
  if (!m) throw new Error('dahdi show status shows no engine CPU');
  return Number(m[1]);
}

function conf(): string {
  const phones = Array.from({ length: N_MAX }, (_, i) => `${2001 + i} = Bench-${2001 + i}, Bench ${2001 + i}`);
  const ports = Array.from({ length: N_MAX }, (_, i) => `${i + 1} = ${2101 + i}`);
  return [callSystemSection(), 'country = us', '', '[phones]', ...phones, '', '[analog]', 'backend = sim', `fxs = 1-${N_MAX}`, ...ports, ''].join('\n');
}

/** Sends every call's RTP frames due so far (wall-clock paced, as a phone's RTP stack does). */
function startRtp(calls: readonly Call[]): () => void {
  const t0 = Date.now();
  let sent = 0;
  const t = setInterval(() => {
    const due = Math.floor((Date.now() - t0) / FRAME_MS);
    for (; sent < due; sent++) {
      for (const c of calls) {
        const pkt = rtpPacket(c.seq & 0xffff, 0, TONE[c.seq % TONE.length] as Buffer);
        pkt.writeUInt32BE((c.seq * 160) >>> 0, 4);
        c.phone.media.send(pkt, c.pbxMedia);
        c.seq++;
      }
    }
  }, 5);
  return () => clearInterval(t);
}

async function placeCall(pbx: BundlePbx, phone: Phone, port: number): Promise<Call> {
  await rxAsync(pbx, `sim phone ${port} offhook`);
  await rxAsync(pbx, `sim phone ${port} dial ${phone.user}`);
  const invite = await phone.request('INVITE', 20_000);
  answerInvite(phone, invite, `bench${port}`);
  await phone.request('ACK', 5_000);
  const call: Call = { phone, invite, pbxMedia: mediaPort(invite.body), seq: 1, received: 0 };
  phone.media.intercept = () => {
    call.received++;
    return true;
  };
  return call;
}

interface Window {
  cpuUs: number;
  engineMs: number;
  wallMs: number;
  counts: Record<string, number>;
  countMs: number;
  received: number;
}

async function measure(pbx: BundlePbx, calls: readonly Call[], ms: number): Promise<Window> {
  const e0 = await engineCpuMs(pbx);
  const k0 = readCounts(pbx);
  const r0 = calls.reduce((a, c) => a + c.received, 0);
  const c0 = cpuMicros(pbx.pid);
  const t0 = performance.now();
  await sleep(ms);
  const c1 = cpuMicros(pbx.pid);
  const wallMs = performance.now() - t0;
  const r1 = calls.reduce((a, c) => a + c.received, 0);
  const k1 = readCounts(pbx);
  const e1 = await engineCpuMs(pbx);
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(k1.counts)) counts[k] = v - (k0.counts[k] ?? 0);
  return { cpuUs: c1 - c0, engineMs: e1 - e0, wallMs, counts, countMs: k1.at - k0.at, received: r1 - r0 };
}

export default async function (): Promise<LoadResult[]> {
  const prio = prioritiseSelf(PEER_CPU);
  const results: LoadResult[] = [];
  const phones: Phone[] = [];
  let pbx: BundlePbx | undefined;
  const calls: Call[] = [];
  let stopRtp = (): void => undefined;
  try {
    pbx = await startBundlePbx({ conf: conf(), cpu: SERVER_CPU, nodeArgs: ['--import', pathToFileURL(COUNTER).href] });
    const status = pbx.rx('dahdi show status');
    if (!/Line engine: running/.test(status)) throw new Error(`the analog ports are not running:\n${status}\n${pbx.tail()}`);
    for (let i = 0; i < N_MAX; i++) {
      const p = new Phone(String(2001 + i), `Bench-${2001 + i}`, pbx.port);
      await p.open();
      await p.register();
      phones.push(p);
    }
    await sleep(SETTLE_MS);
    const idleBefore = await measure(pbx, [], IDLE_MS);
    const steps: { n: number; w: Window }[] = [];
    for (const n of STEPS) {
      stopRtp();
      for (let k = calls.length; k < n; k++) calls.push(await placeCall(pbx, phones[k] as Phone, k + 1));
      stopRtp = startRtp(calls);
      await sleep(WARMUP_MS);
      const up = (await rxAsync(pbx, 'core show channels')).match(/\s+Up\s+/g)?.length ?? 0;
      if (up !== 2 * n) throw new Error(`${up} channels up, expected ${2 * n}:\n${await rxAsync(pbx, 'core show channels')}`);
      steps.push({ n, w: await measure(pbx, calls, MEASURE_MS) });
    }
    stopRtp();
    for (const [k, c] of calls.entries()) {
      calleeBye(c.phone, c.invite, `bench${k + 1}`);
      await rxAsync(pbx, `sim phone ${k + 1} onhook`);
    }
    const left = await waitNoChannels(pbx, 10_000);
    if (left !== 0) results.push({ name: 'teardown', figure: `${left} channels left`, note: 'the calls did not all end in 10 s' });
    await sleep(SETTLE_MS);
    const idleAfter = await measure(pbx, [], IDLE_MS);

    // The baseline: the mean of the idle windows before and after the calls (the one right after
    // start-up can still hold JIT compilation and qualify bursts; both are shown).
    const coreOf = (w: Window): number => w.cpuUs / 1000 / w.wallMs;
    const engineOf = (w: Window): number => w.engineMs / w.wallMs;
    const idleCore = (coreOf(idleBefore) + coreOf(idleAfter)) / 2;
    const idleEngine = (engineOf(idleBefore) + engineOf(idleAfter)) / 2;
    const pc = (x: number): string => `${(x * 100).toFixed(2)}%`;
    results.push({
      name: 'idle PBX with the analog ports (baseline)',
      figure: `${pc(idleCore)} of a core`,
      note: `mean of ${IDLE_MS / 1000} s before the calls (${pc(coreOf(idleBefore))}) and after them (${pc(coreOf(idleAfter))}); ${N_MAX} sim FXS ports on hook, ${N_MAX} registered SIP phones; line engine thread ${pc(idleEngine)}; ${prio.what}; load average ${loadAverage()}`,
    });
    for (const { n, w } of steps) {
      const core = coreOf(w);
      const perCall = (core - idleCore) / n;
      const frames = n * (w.countMs / FRAME_MS);
      const per = (key: string): number => (w.counts[key] ?? 0) / frames;
      // line.stats is the bench's own `dahdi show status`, not the call's.
      const intoAddon = Object.entries(w.counts)
        .filter(([k]) => !k.endsWith('.callback') && k !== 'line.stats')
        .reduce((a, [, v]) => a + v, 0);
      const breakdown = Object.entries(w.counts)
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${(v / frames).toFixed(2)}`)
        .join(', ');
      const rxPps = w.received / n / (w.wallMs / 1000);
      const label = `${n} SIP <-> analog call${n === 1 ? '' : 's'}`;
      results.push({
        name: `${label}: PBX CPU per call`,
        figure: `${pc(perCall)} of a core per call (${(perCall * FRAME_MS * 1000).toFixed(0)} µs per 20 ms of a call, both directions)`,
        note: `PBX ${pc(core)} of a core, idle ${pc(idleCore)}; line engine thread ${pc(engineOf(w))} (idle ${pc(idleEngine)}; sim phones' DSP included); RTP 50 pps per call to the PBX, ${rxPps.toFixed(1)} pps per call back; ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up`,
      });
      results.push({
        name: `${label}: JS calls into the addon per 20 ms frame per call`,
        figure: `${(intoAddon / frames).toFixed(2)} (readAudio ${per('line.readAudio').toFixed(2)}, writeAudio ${per('line.writeAudio').toFixed(2)})`,
        note: `every counted crossing per frame per call: ${breakdown} (line.stats: the bench's own dahdi show status); addon -> JS: clock ticks ${per('clock.callback').toFixed(2)} (one per tick for all calls), line events ${per('line.callback').toFixed(2)}`,
      });
    }
    // CPU per additional call: least squares through (0, idle) and the steps; the intercept
    // above idle is what having any call costs (e.g. the media clock's ticks reaching JS).
    const pts = [{ x: 0, y: idleCore }, ...steps.map(({ n, w }) => ({ x: n, y: coreOf(w) }))];
    const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
    const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
    const slope = pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
    results.push({
      name: 'PBX CPU per additional SIP <-> analog call (slope)',
      figure: `${pc(slope)} of a core per call (${(slope * FRAME_MS * 1000).toFixed(0)} µs per 20 ms of a call)`,
      note: `least squares over ${pts.map((p) => `${p.x} → ${pc(p.y)}`).join(', ')}; intercept ${pc(my - slope * mx)} vs idle ${pc(idleCore)}`,
    });
  } finally {
    stopRtp();
    for (const p of phones) p.close();
    await pbx?.stop();
    prio.restore();
  }
  return results;
}

/**
 * Music on hold under load: the PBX's CPU with 0, 50, 100 and 200 callers listening to one class,
 * per listener; for reference the same 200 callers in Echo() (600) and in Playback() of one of the
 * class's files (a file reader per caller, what a shared class stream avoids).
 *
 * Callers: SIPp (bench/voicemail/vm-deposit-uac.xml: digest auth, A-law, a tone from a pcap, so
 * the PBX receives 50 packets/s per caller in every case, as from a real phone on hold) to
 * extension 7000 (`Answer()`, `MusicOnHold(default)`); the class `default` is Debian's
 * asterisk-moh-opsound-wav in /usr/share/asterisk/moh (no musiconhold.conf), so the stream reads
 * real 16-bit WAV music and encodes it to A-law. Each step: SIPp places N calls at 100/s, the
 * bench waits until `moh show classes` shows `Use Count: N` (or N channels for the references),
 * SETTLE_S, then reads the PBX's utime+stime over WINDOW_S, and checks that N calls are still up
 * at the end of the window; the callers hang up after HOLD_MS. Per listener = (CPU rate with N -
 * CPU rate with 0) / N; the slope is a least-squares fit over 0/50/100/200. The PBX runs on CPU 0,
 * SIPp and this driver on CPU 1 (prioritiseSelf, as the call benches).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from '../run.ts';
import { sleep } from '../../test/integration/harness.ts';
import { makeUsers, phonesSection, startBundlePbx, type BundlePbx, type LoadUser } from '../lib/pbx.ts';
import { canPin, cpuMicros } from '../lib/proc.ts';
import { runSippLoad, type SippLoadResult } from '../lib/sipp.ts';
import { PEER_CPU, SERVER_CPU, activeChannels, callSystemSection, loadAverage, prioritiseSelf, waitNoChannels } from '../calls/common.ts';
import { CALLER_SCENARIO, callerArgs, writeTonePcap } from '../voicemail/caller.ts';

const MOH_DIR = '/usr/share/asterisk/moh';
const LISTENERS = [50, 100, 200];
const REFERENCE = 200;
const RATE = 100;
const SETTLE_S = 2;
const WINDOW_S = 10;
/** Long enough for the ramp (2 s at 200), the wait for all listeners, SETTLE_S and WINDOW_S. */
const HOLD_MS = 30_000;
const WARM = 20;

interface Step {
  label: string;
  n: number;
  /** PBX CPU over the window, µs per second. */
  usPerS: number;
  /** UDP datagrams the machine sent per second over the window (see udpOut). */
  udpPerS: number;
  /** Calls up at the end of the window (expected n). */
  upAfter: number;
  sipp: SippLoadResult;
}

function extensions(playFile: string): string {
  return [
    '[phones]',
    'include => pbx-phones',
    'exten => 7000,1,Answer()',
    ' same => n,MusicOnHold(default)',
    'exten => 7001,1,Answer()',
    ` same => n,Playback(${playFile})`,
    '',
  ].join('\n');
}

function mohListeners(pbx: BundlePbx): number {
  const text = pbx.rx('moh show classes');
  const m = /^Class: default\n(?:\t.*\n?)*?\tUse Count: (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(200);
  }
}

/**
 * UDP datagrams sent by every socket of the machine (/proc/net/snmp Udp OutDatagrams). SIPp plays
 * its pcap through a raw socket, which this does not count, so on a quiet machine the rise over a
 * window is the PBX's RTP (and a little SIP): a check that every listener really gets 50 packets/s.
 */
function udpOut(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const i = (lines[0] ?? '').split(/\s+/).indexOf('OutDatagrams');
  return Number((lines[1] ?? '').split(/\s+/)[i] ?? NaN);
}

/** The PBX's CPU over WINDOW_S (µs per second) and the machine's UDP datagrams sent per second. */
async function window(pbx: BundlePbx): Promise<{ usPerS: number; udpPerS: number }> {
  const c0 = cpuMicros(pbx.pid);
  const u0 = udpOut();
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const s = (performance.now() - t0) / 1000;
  return { usPerS: (cpuMicros(pbx.pid) - c0) / s, udpPerS: (udpOut() - u0) / s };
}

async function step(pbx: BundlePbx, users: readonly LoadUser[], label: string, service: string, n: number, inUse: () => number): Promise<Step> {
  const sippRun = runSippLoad({
    scenario: CALLER_SCENARIO,
    port: pbx.port,
    users: users.slice(0, n),
    calls: n,
    rate: RATE,
    limit: n,
    timeoutS: HOLD_MS / 1000 + 40,
    cpu: PEER_CPU,
    args: await callerArgs(service, pbx.port, HOLD_MS),
  });
  let ended: SippLoadResult | undefined;
  void sippRun.then((r) => (ended = r));
  await until(`${n} callers in ${label}`, 20_000, () => {
    if (ended) throw new Error(`SIPp ended before ${n} callers were in ${label}: ${ended.successful} ok, ${ended.failed} failed\n${ended.stderr}\n${pbx.tail()}`);
    return inUse() >= n;
  });
  await sleep(SETTLE_S * 1000);
  const { usPerS, udpPerS } = await window(pbx);
  const upAfter = inUse();
  const sipp = await sippRun;
  await waitNoChannels(pbx, 15_000);
  const s = { label, n, usPerS, udpPerS, upAfter, sipp };
  console.log(`moh: ${label} x${n}: ${((usPerS / 1e6) * 100).toFixed(2)}% of a core, ${(udpPerS / n).toFixed(1)} UDP packets/s sent per caller, ${upAfter} up after the window, SIPp ${sipp.successful} ok / ${sipp.failed} failed`);
  return s;
}

const pct = (usPerS: number): string => `${((usPerS / 1e6) * 100).toFixed(2)}%`;

export default async function holdLoad(): Promise<LoadResult[]> {
  const tracks = existsSync(MOH_DIR) ? readdirSync(MOH_DIR).filter((f) => f.endsWith('.wav')).sort() : [];
  if (tracks.length === 0) throw new Error(`no music in ${MOH_DIR}: node scripts/ensure-system.mjs sounds installs asterisk-moh-opsound-wav`);
  const started = Date.now();
  const prio = prioritiseSelf(PEER_CPU);
  let pbx: BundlePbx | undefined;
  try {
    writeTonePcap();
    const users = makeUsers(Math.max(REFERENCE, ...LISTENERS));
    const playFile = join(MOH_DIR, (tracks[0] as string).replace(/\.wav$/, ''));
    pbx = await startBundlePbx({ conf: callSystemSection() + phonesSection(users), files: { 'extensions.conf': extensions(playFile) }, cpu: SERVER_CPU });
    const p = pbx;
    const loadBefore = loadAverage();
    const moh = (): number => mohListeners(p);
    const chans = (): number => activeChannels(p);

    await step(p, users, 'MusicOnHold (warm-up)', '7000', WARM, moh);
    const idle = (await window(p)).usPerS;
    console.log(`moh: idle ${pct(idle)} of a core`);
    const steps: Step[] = [];
    for (const n of LISTENERS) steps.push(await step(p, users, 'MusicOnHold(default)', '7000', n, moh));
    const echo = await step(p, users, 'Echo()', '600', REFERENCE, chans);
    const play = await step(p, users, 'Playback()', '7001', REFERENCE, chans);

    // Least squares over (0, idle), (n, rate n).
    const xs = [0, ...steps.map((s) => s.n)];
    const ys = [idle, ...steps.map((s) => s.usPerS)];
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const slope = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    const intercept = my - slope * mx;
    const perListener = (s: Step): number => (s.usPerS - idle) / s.n;
    const last = steps.at(-1) as Step;
    const intact = [...steps, echo, play].every((s) => s.upAfter === s.n && s.sipp.failed === 0);
    const setup = `SIPp callers (digest auth, A-law, sending a tone at 50 packets/s) to Answer()+MusicOnHold(default), class default = Debian's asterisk-moh-opsound-wav (${tracks.length} WAV files, no musiconhold.conf); ${SETTLE_S} s after the last listener joined, PBX CPU over ${WINDOW_S} s; ${
      canPin() ? `PBX on CPU ${SERVER_CPU}, SIPp and driver on CPU ${PEER_CPU}` : 'not pinned'
    }; ${prio.what}; warm-up with ${WARM} listeners`;
    return [
      { name: 'setup', figure: setup, note: `load average ${loadBefore} before, ${loadAverage()} after; ${((Date.now() - started) / 1000).toFixed(0)} s${intact ? '' : '; NOT every call stayed up through its window or SIPp reported failed calls: see the rows'}` },
      ...steps.map((s) => ({
        name: `${s.n} callers on hold in one class: PBX CPU per listener`,
        figure: `${pct(perListener(s))} of a core per listener (${(perListener(s) / 50).toFixed(1)} µs per 20 ms frame)`,
        note: `PBX ${pct(s.usPerS)} of a core with ${s.n} listeners, idle ${pct(idle)}; ${s.upAfter} listeners at the end of the window; ${(s.udpPerS / s.n).toFixed(1)} UDP packets/s sent per listener (machine-wide count); SIPp ${s.sipp.successful} ok / ${s.sipp.failed} failed, SIPp ${pct(s.sipp.sippCpuUs / s.sipp.elapsedS)} of a core`,
      })),
      {
        name: 'music on hold: PBX CPU per additional listener (slope)',
        figure: `${pct(slope)} of a core per listener (${(slope / 50).toFixed(1)} µs per 20 ms frame)`,
        note: `least squares over ${xs.map((x, i) => `${x} → ${pct(ys[i] as number)}`).join(', ')}; intercept ${pct(intercept)} vs idle ${pct(idle)}; one stream per class: the music is read and encoded once per tick for all listeners, each listener costs its RTP (send 50 packets/s, receive and drop the caller's 50)`,
      },
      ...[echo, play].map((s) => ({
        name: `reference: ${s.n} callers in ${s.label}: PBX CPU per caller`,
        figure: `${pct(perListener(s))} of a core per caller (${(perListener(s) / 50).toFixed(1)} µs per 20 ms frame)`,
        note: `PBX ${pct(s.usPerS)} of a core vs ${pct(last.usPerS)} for ${last.n} on hold (${(s.usPerS / last.usPerS).toFixed(2)}x)${s.label.startsWith('Playback') ? `; each caller plays ${tracks[0]} from its own file reader` : '; every packet received is sent back'}; ${s.upAfter} calls at the end of the window; ${(s.udpPerS / s.n).toFixed(1)} UDP packets/s sent per caller (machine-wide); SIPp ${s.sipp.successful} ok / ${s.sipp.failed} failed`,
      })),
    ];
  } finally {
    await pbx?.stop();
    prio.restore();
  }
}

/**
 * Digest-authenticated REGISTER throughput and CPU per registration, our PBX (the built bundle)
 * against Kamailio as a plain registrar, in the same run, same users, same SIPp load.
 *
 * Both servers run at once, each with the same USERS users (distinct secrets), pinned to CPU 0;
 * SIPp runs on CPU 1 (taskset, when there are two cores). An idle server costs nothing, and
 * alternating the measured rounds between them exposes both to the same background load.
 *   1. warm-up: every user registers once with each server (new bindings; V8 compiles the hot
 *      paths);
 *   2. ROUNDS measured rounds per server of CALLS registrations each, from the same SIPp port as
 *      the warm-up, so every one refreshes an existing binding: 401 challenge, authenticated
 *      REGISTER, 200 OK.
 * Rate = successful registrations / SIPp's elapsed time. CPU per registration = the server's
 * utime+stime (/proc; for Kamailio, all of its processes) over the round / successful ones. The
 * figures are medians over the rounds. SIPp offers RATE calls/s but keeps at most LIMIT in
 * flight, so an overloaded server is measured at its own pace instead of collapsing into
 * retransmissions; the note shows each side's core use, so a reader can tell whether the server
 * or SIPp (or the machine) was the limit. CPU per registration is the steadier comparison.
 *
 * SIPp answers the PBX's qualify OPTIONS (-aa): phones from pbx.conf are always qualified, one
 * OPTIONS per new binding. Kamailio, as configured, sends none.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LoadResult } from '../run.ts';
import { freePort } from '../../test/integration/harness.ts';
import { startKamailio, type RunningKamailio } from '../lib/kamailio.ts';
import { benchSystemSection, makeUsers, phonesSection, startBundlePbx, type LoadUser } from '../lib/pbx.ts';
import { canPin, cpuMicros, treeCpuMicros, udpReceiveBufferDrops } from '../lib/proc.ts';
import { runSippLoad, type SippLoadResult } from '../lib/sipp.ts';

const USERS = 2000;
/** Registrations per measured round. */
const CALLS = 10_000;
/** Measured rounds per server, alternating servers so both see the same background load. */
const ROUNDS = 3;
const RATE = 10_000;
const LIMIT = 100;
const TIMEOUT_S = 120;
const SERVER_CPU = 0;
const SIPP_CPU = 1;

interface Round {
  run: SippLoadResult;
  rate: number;
  cpuUsPerRegistration: number;
  serverCoreUse: number;
  sippCoreUse: number;
  drops: number;
}

/** A registrar under test: where it listens, how to read its CPU time, and SIPp's fixed port for it. */
interface Target {
  port: number;
  localPort: number;
  cpuUs: () => number;
  warm?: SippLoadResult;
  rounds: Round[];
}

function sippOptions(t: Target, users: readonly LoadUser[], calls: number) {
  return { scenario: 'register-load.xml', port: t.port, users, calls, rate: RATE, limit: LIMIT, timeoutS: TIMEOUT_S, cpu: SIPP_CPU, localPort: t.localPort, args: ['-aa'] };
}

/** Every user registers once: new bindings, and V8 compiles the hot paths. */
async function warmUp(t: Target, users: readonly LoadUser[]): Promise<void> {
  t.warm = await runSippLoad(sippOptions(t, users, users.length));
  if (t.warm.successful === 0) throw new Error(`warm-up: no registration succeeded\n${t.warm.stderr}`);
}

async function measureRound(t: Target, users: readonly LoadUser[]): Promise<void> {
  const drops0 = udpReceiveBufferDrops();
  const cpu0 = t.cpuUs();
  const run = await runSippLoad(sippOptions(t, users, CALLS));
  const cpu1 = t.cpuUs();
  if (run.successful === 0) throw new Error(`no registration succeeded\n${run.stderr}`);
  t.rounds.push({
    run,
    rate: run.successful / run.elapsedS,
    cpuUsPerRegistration: (cpu1 - cpu0) / run.successful,
    serverCoreUse: (cpu1 - cpu0) / 1e6 / run.elapsedS,
    sippCoreUse: run.sippCpuUs / 1e6 / run.elapsedS,
    drops: udpReceiveBufferDrops() - drops0,
  });
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (n: number): string => `${Math.round(n * 100)}%`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

interface Summary {
  rate: number;
  cpu: number;
  rateNote: string;
  cpuNote: string;
}

function summarise(t: Target): Summary {
  const rs = t.rounds;
  const sum = (f: (r: Round) => number): number => rs.reduce((a, r) => a + f(r), 0);
  const warm = t.warm as SippLoadResult;
  return {
    rate: median(rs.map((r) => r.rate)),
    cpu: median(rs.map((r) => r.cpuUsPerRegistration)),
    rateNote: [
      `median of ${rs.length} rounds: ${rs.map((r) => int(r.rate)).join(', ')}`,
      `server core ${rs.map((r) => pct(r.serverCoreUse)).join(', ')}; SIPp core ${rs.map((r) => pct(r.sippCoreUse)).join(', ')}`,
      `${int(sum((r) => r.run.failed))} failed, ${int(sum((r) => r.run.retransmissions))} retransmissions, ${int(sum((r) => r.drops))} UDP buffer drops`,
      `first registrations (warm-up): ${int(warm.successful / warm.elapsedS)}/s`,
      ...(median(rs.map((r) => r.serverCoreUse)) < 0.9 ? ['the server used less than 90% of its core, so this rate is a lower bound set by SIPp or the machine'] : []),
    ].join('; '),
    cpuNote: `median of ${rs.length} rounds: ${rs.map((r) => int(r.cpuUsPerRegistration)).join(', ')} µs`,
  };
}

export default async function registerLoad(): Promise<LoadResult[]> {
  const version = /kamailio (\S+)/.exec(spawnSync('kamailio', ['-v'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? '?';
  const users = makeUsers(USERS);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const setup = `${int(USERS)} users; ${ROUNDS} rounds of ${int(CALLS)} refreshing REGISTERs with MD5 digest (401 + 200) per server; SIPp -r ${RATE} -l ${LIMIT}; ${
    canPin() ? `server on CPU ${SERVER_CPU}, SIPp on CPU ${SIPP_CPU}` : 'not pinned (no taskset or one core)'
  }`;
  console.log(`register: ${setup}; load average before: ${load}`);
  const started = Date.now();
  const pbx = await startBundlePbx({ conf: benchSystemSection() + phonesSection(users), cpu: SERVER_CPU });
  let kam: RunningKamailio | undefined;
  try {
    kam = await startKamailio(users, SERVER_CPU);
    const kamPid = kam.pid;
    const ours: Target = { port: pbx.port, localPort: await freePort(), cpuUs: () => cpuMicros(pbx.pid), rounds: [] };
    const theirs: Target = { port: kam.port, localPort: await freePort(), cpuUs: () => treeCpuMicros(kamPid), rounds: [] };
    await warmUp(ours, users);
    await warmUp(theirs, users);
    for (let i = 0; i < ROUNDS; i++) {
      await measureRound(ours, users);
      await measureRound(theirs, users);
      console.log(`register: round ${i + 1}/${ROUNDS} done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    const contacts = /(\d+) registered contacts?/.exec(pbx.rx('sip show registrations'))?.[1] ?? '?';
    const a = summarise(ours);
    const b = summarise(theirs);
    const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    return [
      { name: 'setup', figure: setup, note: `our PBX kept ${contacts} contacts (expected ${USERS}); load average ${load} before, ${loadAfter} after` },
      { name: 'REGISTER/s, our PBX', figure: `${int(a.rate)} reg/s`, note: a.rateNote },
      { name: 'CPU per REGISTER, our PBX', figure: `${int(a.cpu)} µs`, note: a.cpuNote },
      { name: `REGISTER/s, Kamailio ${version}`, figure: `${int(b.rate)} reg/s`, note: b.rateNote },
      { name: `CPU per REGISTER, Kamailio ${version}`, figure: `${int(b.cpu)} µs`, note: `${b.cpuNote}; one UDP worker (-n 1) plus its timer processes, all counted` },
      {
        name: 'our PBX / Kamailio',
        figure: `rate ${(a.rate / b.rate).toFixed(2)}×, CPU per REGISTER ${(a.cpu / b.cpu).toFixed(2)}×`,
        note: 'goal: rate ≥ 1×, CPU ≤ 1×',
      },
    ];
  } finally {
    await kam?.stop();
    await pbx.stop();
  }
}

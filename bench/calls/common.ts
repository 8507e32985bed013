/**
 * What the call benches (bench/calls/, bench/relay/, bench/manager/) share: the PBX
 * configuration for calls (a wide RTP range, caller phones, a static callee peer in sip.conf), a
 * long-running SIPp as the called phone, a batch of SIPp callers, keeping the bench driver itself
 * off the PBX's core, waiting until the PBX has no channel left, and number formatting.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, freePort, sleep } from '../../test/integration/harness.ts';
import type { BundlePbx, LoadUser } from '../lib/pbx.ts';
import { canPin, clockTicksPerSecond, cpuMicros, onCore } from '../lib/proc.ts';
import { runSippLoad, type SippLoadOptions, type SippLoadResult } from '../lib/sipp.ts';

/** Core the PBX (or the C reference relay) runs on; peers and the driver use the other one. */
export const SERVER_CPU = 0;
export const PEER_CPU = 1;

/**
 * [system] for call benches: like benchSystemSection() but with 5,000 RTP port pairs (every leg
 * takes one; 1,000 relayed calls need 2,000), below Linux's ephemeral range (32768-60999) so no
 * peer's kernel-chosen port falls inside it.
 */
export function callSystemSection(): string {
  return ['[system]', 'sip = 127.0.0.1:@PORT@', 'rtp = 10000-19999', 'control = @DIR@/control.sock', 'data = @DIR@/data', ''].join('\n');
}

/**
 * sip.conf with one static peer, the called phone: the demo dialplan dials any peer's name, and
 * a static host needs no registration (no REGISTER or qualify traffic in the measurement).
 */
export function calleeSipConf(name: string, port: number, nat: boolean): string {
  return [`[${name}]`, 'type=peer', 'host=127.0.0.1', `port=${port}`, 'qualify=no', 'context=phones', `nat=${nat ? 'yes' : 'no'}`, 'disallow=all', 'allow=ulaw', ''].join('\n');
}

/**
 * extensions.conf for the call benches: the phones' context keeps what pbx.conf implies (each
 * phone's number, 600 the echo test) and adds the static callee, which pbx.conf does not know.
 */
export function calleeExtensionsConf(name: string): string {
  return ['[phones]', 'include => pbx-phones', `exten => ${name},1,Dial(SIP/${name},20)`, ''].join('\n');
}

/** The injection file line format of runSippLoad is fixed; the users are the caller phones. */
export type { LoadUser };

/**
 * One SIPp load run of callers (test/scenarios/bench-call-uac.xml on PEER_CPU, digest auth as
 * `users`, one per call in turn) to `service` on the PBX, each call hung up `holdMs` after the
 * answer; no media (-mp a free port nobody sends to).
 */
export async function runCallers(
  pbx: BundlePbx,
  users: readonly LoadUser[],
  service: string,
  o: Pick<SippLoadOptions, 'calls' | 'rate' | 'limit' | 'timeoutS'> & { holdMs: number },
): Promise<SippLoadResult> {
  return runSippLoad({
    scenario: 'bench-call-uac.xml',
    port: pbx.port,
    users,
    calls: o.calls,
    rate: o.rate,
    limit: o.limit,
    timeoutS: o.timeoutS,
    cpu: PEER_CPU,
    args: ['-s', service, '-auth_uri', `${service}@127.0.0.1:${pbx.port}`, '-d', String(o.holdMs), '-mp', String(await freePort()), '-recv_timeout', '10000', '-aa'],
  });
}

/**
 * Real-time round-robin priority (SCHED_RR) of the bench driver while a call bench runs; its
 * children (PBX, SIPp, C programs) inherit it. Why: on a shared 2-core VM other work (builds,
 * test suites) kept the PBX waiting for its core most of the time even at nice -10 (schedstat
 * showed 78% of the measured window waiting, with a C relay on the same core waiting 49%), which
 * measures the neighbours, not the PBX. A real-time task runs as soon as it is woken, as a
 * dedicated core on a board would let it. The kernel's RT throttling
 * (sched_rt_runtime_us, 95% by default) still leaves every core a slice for everyone else, and
 * every bench step is bounded in time.
 */
export const BENCH_RT_PRIORITY = 1;

/**
 * Moves this process (every thread) to `cpu` so the driver's own work (reading PBX output, SIP
 * scripting) does not land on the PBX's core, and gives it SCHED_RR priority BENCH_RT_PRIORITY
 * (nice -10 when that is refused), which everything it starts from now on inherits (taskset
 * re-pins the children). Returns the function that restores the old mask and scheduling, and a
 * sentence saying what it did, for the results.
 */
export function prioritiseSelf(cpu: number): { restore(): void; what: string } {
  const pid = String(process.pid);
  const tids = (): string[] => {
    try {
      return readdirSync(`/proc/${pid}/task`);
    } catch {
      return [pid];
    }
  };
  const done: string[] = [];
  let mask: string | undefined;
  if (canPin()) {
    mask = /:\s*(\S+)\s*$/.exec(spawnSync('taskset', ['-p', pid], { encoding: 'utf8' }).stdout ?? '')?.[1];
    spawnSync('taskset', ['-a', '-p', '-c', String(cpu), pid], { stdio: 'ignore' });
    done.push(`driver on CPU ${cpu}`);
  }
  let undo = (): void => undefined;
  if (spawnSync('chrt', ['-a', '-r', '-p', String(BENCH_RT_PRIORITY), pid], { stdio: 'ignore' }).status === 0) {
    done.push(`SCHED_RR priority ${BENCH_RT_PRIORITY} for the driver and everything it starts (shields the measured processes from other work on a shared machine)`);
    undo = () => void spawnSync('chrt', ['-a', '-o', '-p', '0', pid], { stdio: 'ignore' });
  } else {
    const niceBefore = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16] ?? 0);
    if (tids().every((t) => spawnSync('renice', ['-n', '-10', '-p', t], { stdio: 'ignore' }).status === 0)) {
      done.push('nice -10 for the driver and everything it starts (no real-time priority allowed)');
      undo = () => {
        for (const t of tids()) spawnSync('renice', ['-n', String(niceBefore), '-p', t], { stdio: 'ignore' });
      };
    }
  }
  return {
    what: done.join(', ') || 'no pinning, no priority change',
    restore: () => {
      if (mask) spawnSync('taskset', ['-a', '-p', mask, pid], { stdio: 'ignore' });
      undo();
    },
  };
}

/** Channels the PBX reports (`core show channels`), NaN when the answer is unreadable. */
export function activeChannels(pbx: BundlePbx): number {
  return Number(/^(\d+) active channels?/m.exec(pbx.rx('core show channels'))?.[1] ?? NaN);
}

/** Waits (at most `ms`) until the PBX has no channel; returns how many are left. */
export async function waitNoChannels(pbx: BundlePbx, ms: number): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const n = activeChannels(pbx);
    if (n === 0 || Date.now() > end) return n;
    await sleep(250);
  }
}

export interface SippPhone {
  pid: number;
  /** Its SIP port on 127.0.0.1. */
  port: number;
  cpuUs(): number;
  /** The last output of SIPp (stderr), for error reports. */
  tail(): string;
  stop(): Promise<void>;
}

/**
 * SIPp as the called phone (`scenario` in test/scenarios), running until stop(): it answers as
 * many calls as come (-m is not set). -aa answers stray OPTIONS/INFO/NOTIFY/UPDATE with 200.
 */
export async function startSippPhone(scenario: string, cpu: number): Promise<SippPhone> {
  const work = mkdtempSync(join(tmpdir(), 'sipp-phone-'));
  const port = await freePort();
  const media = await freePort();
  const args = [
    '-sf', join(SCENARIOS, scenario),
    '-i', '127.0.0.1',
    '-p', String(port),
    '-mp', String(media),
    '-t', 'u1',
    '-nostdin',
    '-aa',
    '-buff_size', String(4 * 1024 * 1024),
    '-trace_err', '-error_file', join(work, 'errors.log'),
    // SIPp needs a remote host even as a server; nothing is sent to it unprompted.
    '127.0.0.1:9',
  ];
  const [cmd, full] = onCore(cpu, 'sipp', args);
  const child: ChildProcess = spawn(cmd, full, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  await sleep(300);
  if (!alive()) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`SIPp phone exited at start:\n${err}`);
  }
  let lastCpu = 0;
  return {
    pid: child.pid as number,
    port,
    cpuUs: () => {
      if (alive()) lastCpu = cpuMicros(child.pid as number);
      return lastCpu;
    },
    tail: () => {
      let log = '';
      try {
        log = readFileSync(join(work, 'errors.log'), 'utf8').slice(-2000);
      } catch {
        // no error log: no errors
      }
      return err + log;
    },
    stop: async () => {
      if (alive()) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const pct = (n: number): string => `${Math.round(n * 100)}%`;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Time the process's main thread waited for a CPU while runnable (/proc/PID/schedstat, field 2),
 * in microseconds: how much a neighbour on its core delayed it.
 */
export function runDelayUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/);
  return Number(f[1] ?? 0) / 1000;
}

/** CPU time all cores spent busy (user, nice, system, irq, softirq, steal), microseconds. */
export function machineBusyUs(): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e6) / clockTicksPerSecond();
}

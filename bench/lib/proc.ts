/**
 * What the load benches read about a running process from Linux /proc: CPU time (utime+stime of
 * a process and of every process it forked, for Kamailio's workers), resident memory (VmRSS), and
 * whether `taskset` can pin a command to one core.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let ticksPerSecond: number | undefined;

/** USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on every Linux we run on). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    ticksPerSecond = r.status === 0 && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

/** /proc/PID/stat; undefined when the process is gone. The command name may hold spaces and ')'. */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return { pid, ppid, ticks: utime + stime };
}

/** CPU time the process has used so far (user + system), in microseconds. */
export function cpuMicros(pid: number): number {
  const s = readStat(pid);
  if (!s) throw new Error(`process ${pid} is gone`);
  return (s.ticks * 1e6) / clockTicksPerSecond();
}

/** The process and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(s.pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 10_000) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * CPU time of a process tree, in microseconds. Only live processes count, so read it before and
 * after the measured work while the tree is still running (children that exit in between would be
 * missed; Kamailio's workers live as long as the main process).
 */
export function treeCpuMicros(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.ticks ?? 0;
  return (ticks * 1e6) / clockTicksPerSecond();
}

/** Resident set size (VmRSS) in bytes. */
export function rssBytes(pid: number): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** Whether commands can be pinned: taskset is installed and there are at least two cores. */
export function canPin(): boolean {
  return cpus().length >= 2 && ['/usr/bin/taskset', '/bin/taskset'].some((p) => existsSync(p));
}

/**
 * The command line that runs `cmd args` on one core when pinning is possible. taskset execs the
 * command, so the spawned pid is the command's own pid.
 */
export function onCore(cpu: number | undefined, cmd: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !canPin()) return [cmd, args];
  return ['taskset', ['-c', String(cpu), cmd, ...args]];
}

/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full (RcvbufErrors in
 * /proc/net/snmp). System-wide: read it before and after a run on an otherwise quiet machine.
 */
export function udpReceiveBufferDrops(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('RcvbufErrors');
  return i < 0 ? 0 : Number(values[i] ?? 0);
}

/** VmRSS split into anonymous memory (heap, stacks) and file-backed pages (the node binary, ICU data). */
export function rssParts(pid: number): { anon: number; file: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
}

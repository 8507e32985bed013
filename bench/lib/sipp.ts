/**
 * SIPp as a load generator: one bounded run (-m calls, -timeout) of a scenario against a
 * registrar on 127.0.0.1, users from an injection file, statistics read from SIPp's own CSV
 * (-trace_stat). SIPp's CPU time is measured too, so a reader can tell when SIPp, not the
 * server, was the limit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, freePort } from '../../test/integration/harness.ts';
import type { LoadUser } from './pbx.ts';
import { cpuMicros, onCore } from './proc.ts';

export interface SippLoadOptions {
  /** File in test/scenarios. */
  scenario: string;
  port: number;
  users: readonly LoadUser[];
  /** Calls to place in all (-m). */
  calls: number;
  /** New calls per second offered (-r with -rp 1000). */
  rate: number;
  /** At most this many calls in progress (-l): keeps an overloaded server from collapsing into retransmissions. */
  limit: number;
  /** Hard bound on the run (-timeout), seconds. */
  timeoutS: number;
  cpu?: number;
  /** SIPp's UDP port; the same port on two runs keeps the Contacts, so the second run refreshes bindings. */
  localPort?: number;
  /** Extra SIPp arguments. */
  args?: string[];
}

export interface SippLoadResult {
  status: number | null;
  successful: number;
  failed: number;
  /** From SIPp's start to its last statistics dump (after the last call), seconds. */
  elapsedS: number;
  retransmissions: number;
  /** CPU time SIPp used, microseconds. */
  sippCpuUs: number;
  stderr: string;
}

export async function runSippLoad(o: SippLoadOptions): Promise<SippLoadResult> {
  const work = mkdtempSync(join(tmpdir(), 'sipp-load-'));
  try {
    const inf = join(work, 'users.csv');
    // SEQUENTIAL: call n takes line n (mod the count), so consecutive calls register different
    // users. Field 1 is a whole [authentication] keyword (see the scenario's comment); the
    // generated secrets are hex, so they need no quoting.
    writeFileSync(
      inf,
      ['SEQUENTIAL', ...o.users.map((u) => `${u.user};[authentication username=${u.user} password=${u.password}]`), ''].join('\n'),
    );
    const stat = join(work, 'stat.csv');
    const localPort = o.localPort ?? (await freePort());
    const sippArgs = [
      '-sf', join(SCENARIOS, o.scenario),
      '-inf', inf,
      '-i', '127.0.0.1',
      '-p', String(localPort),
      '-t', 'u1',
      '-m', String(o.calls),
      '-r', String(o.rate),
      '-rp', '1000',
      '-l', String(o.limit),
      '-timeout', `${o.timeoutS}s`,
      '-nostdin',
      // SIPp's own socket buffers default to 64 kB, which drops replies in bursts on loopback.
      '-buff_size', String(4 * 1024 * 1024),
      '-trace_stat', '-stf', stat, '-fd', '1',
      ...(o.args ?? []),
      `127.0.0.1:${o.port}`,
    ];
    const [cmd, args] = onCore(o.cpu, 'sipp', sippArgs);
    const child = spawn(cmd, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    let lastCpu = 0;
    // SIPp's CPU is sampled while it runs: once it has exited /proc no longer has it.
    const sampler = setInterval(() => {
      try {
        lastCpu = cpuMicros(child.pid as number);
      } catch {
        // exited between samples
      }
    }, 50);
    // -timeout bounds SIPp itself; this bounds a SIPp that ignores it.
    const guard = setTimeout(() => child.kill('SIGKILL'), (o.timeoutS + 15) * 1000);
    const status = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearInterval(sampler);
    clearTimeout(guard);
    const stats = lastStatRow(readFileSync(stat, 'utf8'));
    return {
      status,
      successful: Number(stats['SuccessfulCall(C)'] ?? 0),
      failed: Number(stats['FailedCall(C)'] ?? 0),
      elapsedS: epochOf(stats['CurrentTime']) - epochOf(stats['StartTime']),
      retransmissions: Number(stats['Retransmissions(C)'] ?? 0),
      sippCpuUs: lastCpu,
      stderr: stderr + listErrors(work),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** SIPp's -trace_stat file: ';'-separated, a header line, one row per dump; the last row is the total. */
function lastStatRow(text: string): Record<string, string> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.at(-1)?.split(';') ?? [];
  if (lines.length < 2) throw new Error(`SIPp wrote no statistics:\n${text}`);
  const row: Record<string, string> = {};
  header.forEach((name, i) => (row[name] = last[i] ?? ''));
  return row;
}

/**
 * SIPp's time stamps: "date<TAB>time<TAB>epoch.micros"; the epoch part, in seconds. (ElapsedTime
 * has only whole seconds, too coarse for runs of a few seconds.)
 */
function epochOf(v: string | undefined): number {
  const epoch = Number(v?.split('\t').at(-1));
  if (!Number.isFinite(epoch)) throw new Error(`unreadable SIPp time stamp '${v}'`);
  return epoch;
}

/** Any *_errors.log SIPp left (it writes one when -trace_err is given or on fatal errors). */
function listErrors(work: string): string {
  return readdirSync(work)
    .filter((f) => f.endsWith('_errors.log'))
    .map((f) => readFileSync(join(work, f), 'utf8').slice(-2000))
    .join('\n');
}

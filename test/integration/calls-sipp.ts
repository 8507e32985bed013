/**
 * SIPp as caller and as callee for the call tests: a UAC scenario aimed at the PBX, or a UAS
 * scenario listening on a fixed port (a sip.conf peer with host=127.0.0.1 and that port). Each run
 * is bounded (-m, -timeout) and keeps the message trace so tests can read which final response
 * arrived. Processes are waited for, never killed by name.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SCENARIOS } from './harness.ts';

export interface SippRun {
  status: number | null;
  stdout: string;
  stderr: string;
  errors: string;
  /** Every SIP message SIPp sent and received (-trace_msg). */
  messages: string;
}

export interface SippOptions {
  /** UAC: the PBX's port (the remote host argument); UAS: omit. */
  remotePort?: number;
  /** Local SIP port (UAS: the one sip.conf names); default a free one. */
  port?: number;
  calls?: number;
  timeoutS?: number;
  args?: string[];
}

/** Starts SIPp; the promise settles when it exits. */
export async function sipp(scenario: string, o: SippOptions = {}): Promise<SippRun> {
  const work = mkdtempSync(join(tmpdir(), 'sipp-calls-'));
  const port = o.port ?? (await freePort());
  const args = [
    '-sf', join(SCENARIOS, scenario),
    '-i', '127.0.0.1',
    '-p', String(port),
    '-t', 'u1',
    '-m', String(o.calls ?? 1),
    '-timeout', `${o.timeoutS ?? 20}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err', '-error_file', join(work, 'errors.log'),
    '-trace_msg', '-message_file', join(work, 'messages.log'),
    ...(o.args ?? []),
    ...(o.remotePort !== undefined ? [`127.0.0.1:${o.remotePort}`] : []),
  ];
  const child = spawn('sipp', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const status = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const read = (f: string): string => {
    try {
      return readFileSync(join(work, f), 'utf8');
    } catch {
      return '';
    }
  };
  const run = { status, stdout, stderr, errors: read('errors.log'), messages: read('messages.log') };
  rmSync(work, { recursive: true, force: true });
  return run;
}

/** Status lines of the responses SIPp received, in order (e.g. ['100', '401', '100', '486']). */
export function receivedStatuses(messages: string): number[] {
  const out: number[] = [];
  for (const block of messages.split(/-{5,}/)) {
    if (!/message received/i.test(block)) continue;
    const m = /^SIP\/2\.0 (\d{3})/m.exec(block);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/** Requests SIPp received, by method, retransmissions folded (e.g. ['INVITE', 'CANCEL', 'ACK']). */
export function receivedRequests(messages: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const block of messages.split(/-{5,}/)) {
    if (!/message received/i.test(block)) continue;
    const m = /^([A-Z]+) sip:/m.exec(block);
    const key = `${m?.[1]} ${/^CSeq:\s*(.*)$/im.exec(block)?.[1]} ${/branch=([^;\s]+)/.exec(block)?.[1]}`;
    if (m && !seen.has(key)) {
      seen.add(key);
      out.push(m[1]!);
    }
  }
  return out;
}

export function describe(run: SippRun): string {
  return `sipp exited ${run.status}\n${run.stderr}\n${run.errors}\n${run.messages.slice(-3000)}`;
}

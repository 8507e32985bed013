/**
 * Debian's Kamailio as the comparison registrar: bench/sip/kamailio/kamailio.cfg copied into a
 * temporary directory next to a generated users.cfg (one htable entry per user), run in the
 * foreground (-DD -E) with one UDP worker (-n 1) on 127.0.0.1, runtime dir in the temporary
 * directory (-Y), optionally pinned to one core (its forked processes inherit the pinning).
 * stop() ends it by its pid (SIGTERM, then SIGKILL after 5 s) and removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, sleep, udpExchange } from '../../test/integration/harness.ts';
import type { LoadUser } from './pbx.ts';
import { onCore } from './proc.ts';

export const KAMAILIO_CFG = resolve(import.meta.dirname, '../sip/kamailio/kamailio.cfg');

export interface RunningKamailio {
  pid: number;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** The route the cfg's event_route[htable:mod-init] calls: one htable entry per user. */
export function usersCfg(users: readonly LoadUser[]): string {
  const q = (s: string): string => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  return ['route[LOAD_USERS] {', ...users.map((u) => `\t$sht(users=>${u.user}) = "${q(u.password)}";`), '}', ''].join('\n');
}

export async function startKamailio(users: readonly LoadUser[], cpu?: number): Promise<RunningKamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-bench-'));
  const cfg = join(dir, 'kamailio.cfg');
  copyFileSync(KAMAILIO_CFG, cfg);
  writeFileSync(join(dir, 'users.cfg'), usersCfg(users));
  const port = await freePort();
  const [cmd, args] = onCore(cpu, 'kamailio', ['-DD', '-E', '-f', cfg, '-Y', dir, '-w', dir, '-n', '1', '-l', `udp:127.0.0.1:${port}`]);
  const proc: ChildProcess = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-8192);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  const stop = async (): Promise<void> => {
    if (alive()) {
      // Kamailio's main process stops its own children on SIGTERM.
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready when it answers OPTIONS (the cfg replies 200 to OPTIONS).
  const options = (): string =>
    [
      `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
      'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-bench-ready;rport',
      'Max-Forwards: 70',
      'From: <sip:bench@127.0.0.1>;tag=ready',
      'To: <sip:127.0.0.1>',
      `Call-ID: ready-${Date.now()}@127.0.0.1`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!alive()) {
      await stop();
      throw new Error(`kamailio exited during start-up:\n${out}`);
    }
    const reply = await udpExchange(port, options(), 500);
    if (reply?.startsWith('SIP/2.0 200')) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kamailio did not answer OPTIONS in 20 s:\n${out}`);
    }
    await sleep(100);
  }
  return { pid: proc.pid as number, port, output: () => out, stop };
}

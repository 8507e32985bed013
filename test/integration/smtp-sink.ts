/**
 * A real SMTP server on 127.0.0.1 for the voicemail mail tests: Debian's python3-aiosmtpd with
 * the handler in smtp_sink.py (each accepted mail a file; recipients `reject...` get a 550),
 * and the mail parsed back by Python's email package (decoded subject, body, attachments).
 * The server is stopped by pid in stop(); its directory is removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, sleep } from './harness.ts';

const PYTHON = '/usr/bin/python3';
const HERE = resolve(import.meta.dirname);

export function aiosmtpdAvailable(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
}

export const SKIP_NO_AIOSMTPD = aiosmtpdAvailable() ? false : 'python3-aiosmtpd is not installed (node scripts/ensure-system.mjs test)';

export interface ParsedMail {
  from: string;
  to: string;
  subject: string;
  date: string;
  text: string;
  attachments: { filename: string; content_type: string; base64: string }[];
}

export interface SmtpSink {
  port: number;
  dir: string;
  /** Received mails, in arrival order. */
  mails(): ParsedMail[];
  /** Resolves once `n` mails arrived (rejects after `ms`, so a missing mail fails the test instead of hanging it). */
  waitForMails(n: number, ms?: number): Promise<ParsedMail[]>;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export function parseMail(file: string): ParsedMail {
  const r = spawnSync(PYTHON, [join(HERE, 'smtp_sink.py'), file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parse ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ParsedMail;
}

/** Starts the server on `port` (default: a free one). */
export async function startSmtpSink(port?: number): Promise<SmtpSink> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'pbx-smtp-'));
  const proc: ChildProcess = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${p}`, '-c', 'smtp_sink.Sink', dir], {
    env: { ...process.env, PYTHONPATH: HERE },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; !(await portOpen(p)); i++) {
    if (proc.exitCode !== null || i > 100) {
      proc.kill('SIGKILL');
      throw new Error(`aiosmtpd did not start on ${p}: ${stderr}`);
    }
    await sleep(100);
  }
  const files = (): string[] => readdirSync(dir).filter((n) => n.endsWith('.eml')).sort();
  return {
    port: p,
    dir,
    mails: () => files().map((f) => parseMail(join(dir, f))),
    async waitForMails(n, ms = 20_000) {
      for (let waited = 0; files().length < n; waited += 100) {
        if (waited > ms) throw new Error(`${files().length} of ${n} mails arrived within ${ms} ms`);
        await sleep(100);
      }
      return files().map((f) => parseMail(join(dir, f)));
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the built bundle (dist/pbx.mjs) as a real process on 127.0.0.1 with a temporary config
 * directory, and drives real peers (SIPp, baresip) against it. Every process started here is
 * stopped by pid in `stop()`; temporary directories are removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeWav } from '../../src/media/wav.ts';
import { tone } from './rtp-pcap.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BUNDLE = join(ROOT, 'dist/pbx.mjs');
export const SCENARIOS = join(ROOT, 'test/scenarios');

/** A UDP+TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const udpFree = await new Promise<boolean>((res) => {
      const u = createSocket('udp4');
      u.once('error', () => res(false));
      u.bind(port, '127.0.0.1', () => u.close(() => res(true)));
    });
    if (udpFree) return port;
  }
}

export interface PbxProcess {
  dir: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  /** Runs `pbx -rx` and returns stdout. */
  rx(cmd: string): string;
  waitFor(re: RegExp, ms?: number): Promise<string>;
  restart(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface PbxOptions {
  phones?: Record<string, string>;
  system?: Record<string, string>;
  files?: Record<string, string>;
  dir?: string;
  /** Sections appended to pbx.conf as written (`[voicemail]\nsmtp = ...`). */
  extraConf?: string;
}

export const DEFAULT_PHONES: Record<string, string> = {
  '2000': 'Secr3t-2000, Alice',
  '2001': 'Secr3t-2001, Bob',
};

export async function startPbx(opts: PbxOptions = {}): Promise<PbxProcess> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'pbx-it-'));
  const port = await freePort();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const system: Record<string, string> = {
    sip: `127.0.0.1:${port}`,
    rtp: '31000-31100',
    control: join(dir, 'control.sock'),
    data: join(dir, 'data'),
    ...opts.system,
  };
  const phones = opts.phones ?? DEFAULT_PHONES;
  const conf = [
    '[system]',
    ...Object.entries(system).map(([k, v]) => `${k} = ${v}`),
    '',
    '[phones]',
    ...Object.entries(phones).map(([k, v]) => `${k} = ${v}`),
    '',
    ...(opts.extraConf ? [opts.extraConf, ''] : []),
  ].join('\n');
  writeFileSync(join(dir, 'pbx.conf'), conf);
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);

  let out = '';
  let proc!: ChildProcess;
  const waiters = new Set<() => void>();
  const launch = async (): Promise<void> => {
    proc = spawn(process.execPath, [BUNDLE, 'run', '--config', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (b: Buffer): void => {
      out += b.toString();
      for (const w of [...waiters]) w();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    await waitControl();
  };
  const waitControl = async (): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`PBX exited with ${proc.exitCode}:\n${out}`);
      if (existsSync(system.control)) {
        const r = spawnSync(process.execPath, [BUNDLE, '-rx', 'core show version', '--config', dir], { encoding: 'utf8' });
        if (r.status === 0) return;
      }
      await sleep(100);
    }
    throw new Error(`PBX did not come up:\n${out}`);
  };
  const waitExit = (): Promise<void> =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', () => r()));

  await launch();
  const self: PbxProcess = {
    dir,
    port,
    get proc() {
      return proc;
    },
    output: () => out,
    rx(cmd) {
      const r = spawnSync(process.execPath, [BUNDLE, '-rx', cmd, '--config', dir], { encoding: 'utf8' });
      return r.stdout + r.stderr;
    },
    waitFor(re, ms = 10_000) {
      return new Promise((res, rej) => {
        const check = (): void => {
          const m = out.match(re);
          if (m) {
            waiters.delete(check);
            clearTimeout(t);
            res(m[0]);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`timed out waiting for ${re} in PBX output:\n${out.slice(-3000)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async restart() {
      await launch();
    },
    async kill9() {
      proc.kill('SIGKILL');
      await waitExit();
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await waitExit();
        clearTimeout(t);
      }
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/** `pbx check --config DIR` of the bundle on a temporary directory holding `files`; exit status and all output. */
export function pbxCheck(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-check-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync(process.execPath, [BUNDLE, 'check', '--config', dir], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A music-on-hold class the tests can recognise: a temporary `dir` holding 3 s of a `hz` sine
 * (8 kHz WAV) and the musiconhold.conf `conf` that plays it as [default]. The caller removes dir.
 */
export function mohTone(hz: number): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-moh-'));
  writeFileSync(join(dir, `tone${hz}.wav`), writeWav({ format: 'slin', data: tone(3, hz) }));
  return { dir, conf: `[default]\nmode=files\ndirectory=${dir}\n` };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface SippResult {
  status: number | null;
  stdout: string;
  stderr: string;
  errors: string;
}

/**
 * Runs one SIPp scenario against the PBX (bounded: -m calls, -timeout), in a directory of its own
 * that holds `files` (e.g. the pcap a scenario plays by a relative name), so concurrent runs never
 * share one.
 */
export async function runSipp(
  scenario: string,
  pbxPort: number,
  args: string[] = [],
  opts: { timeoutS?: number; transport?: 'u1' | 't1'; files?: Record<string, string | Uint8Array> } = {},
): Promise<SippResult> {
  const work = mkdtempSync(join(tmpdir(), 'sipp-'));
  for (const [name, data] of Object.entries(opts.files ?? {})) writeFileSync(join(work, name), data);
  const localPort = await freePort();
  const full = [
    '-sf', join(SCENARIOS, scenario),
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-t', opts.transport ?? 'u1',
    '-m', '1',
    '-timeout', `${opts.timeoutS ?? 20}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-error_file', join(work, 'errors.log'),
    ...args,
    `127.0.0.1:${pbxPort}`,
  ];
  const child = spawn('sipp', full, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const status = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  let errors = '';
  try {
    errors = (await import('node:fs')).readFileSync(join(work, 'errors.log'), 'utf8');
  } catch {
    // no errors file: no errors
  }
  rmSync(work, { recursive: true, force: true });
  return { status, stdout, stderr, errors };
}

/** Sends one raw datagram and waits for one reply (or undefined after ms). */
export function udpExchange(port: number, data: string | Buffer, ms = 2000): Promise<string | undefined> {
  return new Promise((resolveP) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolveP(undefined);
    }, ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolveP(m.toString('latin1'));
    });
    s.bind(0, '127.0.0.1', () => s.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, port, '127.0.0.1'));
  });
}

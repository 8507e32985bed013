/**
 * Drives a QEMU guest through its serial console the way a person at a terminal would: wait for
 * text, type a line. Used by the firmware tests; all host forwards listen on 127.0.0.1 only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { qemuArgs } from '../../firmware/lib/qemu.mjs';

export interface Forward {
  proto: 'udp' | 'tcp';
  host: number;
  guest: number;
}

export class QemuGuest {
  readonly startedAt = Date.now();
  private output = '';
  /** Position in `output` up to which waitFor() has consumed text. */
  private cursor = 0;
  private readonly child: ChildProcess;
  private exited: number | null | undefined = undefined;
  private readonly waiters = new Set<() => void>();

  constructor(board: Record<string, any>, opts: { image: string; kernel?: string; initrd?: string; forwards: Forward[]; snapshot: boolean; rescue?: boolean }) {
    const { binary, args } = qemuArgs(board, { ...opts, serial: 'stdio', noReboot: true });
    this.child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const onData = (b: Buffer) => {
      this.output += b.toString('latin1');
      for (const w of this.waiters) w();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.child.on('exit', (code) => {
      this.exited = code;
      for (const w of this.waiters) w();
    });
  }

  get transcript(): string {
    return this.output;
  }

  get secondsSinceStart(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  /** Waits until `pattern` appears after the last match; returns the match. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const rest = this.output.slice(this.cursor);
        const m = rest.match(pattern);
        if (m && m.index !== undefined) {
          this.cursor += m.index + m[0].length;
          done();
          resolve(m);
        } else if (this.exited !== undefined) {
          done();
          reject(new Error(`QEMU exited (${this.exited}) before ${pattern}; last output:\n${this.output.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${pattern}; last output:\n${this.output.slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types text as a person would (slowly enough for the 16-byte UART FIFO under TCG). */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      this.child.stdin!.write(ch);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /**
   * Runs one command in the guest's shell and returns what it printed. The begin and end markers
   * are computed by the shell ($((6*7)), $?), so the echo of the typed line (which busybox ash
   * may wrap or redraw) never matches them.
   */
  async sh(command: string, timeoutMs = 30_000): Promise<string> {
    const tag = `M${Math.random().toString(36).slice(2, 8)}`;
    await this.type(`echo ${tag}B$((6*7)); ${command}; echo ${tag}E$?\r`);
    const m = await this.waitFor(new RegExp(`${tag}B42\\r?\\n([\\s\\S]*?)${tag}E(\\d+)`), timeoutMs);
    return m[1].replace(/\r/g, '').trimEnd();
  }

  /** Resolves when QEMU exits by itself (the guest rebooted or powered off; QEMU runs -no-reboot). */
  waitExit(timeoutMs: number): Promise<void> {
    if (this.exited !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`QEMU still running after ${timeoutMs} ms; last output:\n${this.output.slice(-1500)}`)), timeoutMs);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Pulls the plug: SIGKILL to QEMU, as a power cut would (nothing in the guest runs after it). */
  async powerCut(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

/** A free port on 127.0.0.1 for `proto` (bound then released). */
export async function freePort(proto: 'udp' | 'tcp'): Promise<number> {
  if (proto === 'tcp') {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Sends SIP OPTIONS over UDP to 127.0.0.1:port every second until a final response arrives or
 * `timeoutMs` passes. Returns the status line, or undefined on timeout.
 */
export async function sipOptions(port: number, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const local = sock.address().port;
  const callId = `fw-${Date.now()}`;
  let cseq = 0;
  const request = () => {
    cseq += 1;
    return [
      'OPTIONS sip:pbx@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${callId}-${cseq};rport`,
      'Max-Forwards: 70',
      'From: <sip:probe@127.0.0.1>;tag=fwtest',
      'To: <sip:pbx@127.0.0.1>',
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  };
  try {
    return await new Promise<string | undefined>((resolve) => {
      const giveUp = () => {
        clearTimeout(timer);
        clearInterval(tick);
        resolve(undefined);
      };
      const timer = setTimeout(giveUp, timeoutMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      const tick = setInterval(() => sock.send(request(), port, '127.0.0.1'), 1000);
      sock.send(request(), port, '127.0.0.1');
      sock.on('message', (msg) => {
        const line = msg.toString('utf8').split('\r\n')[0];
        if (/^SIP\/2\.0 [2-6]\d\d/.test(line)) {
          clearTimeout(timer);
          clearInterval(tick);
          resolve(line);
        }
      });
    });
  } finally {
    sock.close();
  }
}

/**
 * The image for `boardName`, built first when missing or older than the bundle (or when
 * PBX_FIRMWARE_REBUILD=1; PBX_FIRMWARE_REUSE=1 uses an existing image as it is). Returns the build
 * time in seconds when it built.
 */
export function ensureImage(boardName: string, image: string, repo: string): number | undefined {
  const bundle = `${repo}/dist/pbx.mjs`;
  const stale =
    !existsSync(image) ||
    (process.env.PBX_FIRMWARE_REUSE !== '1' && existsSync(bundle) && statSync(bundle).mtimeMs > statSync(image).mtimeMs);
  if (!stale && process.env.PBX_FIRMWARE_REBUILD !== '1') return undefined;
  const t = Date.now();
  const r = spawnSync(process.execPath, ['scripts/image.mjs', '--board', boardName], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`image build for ${boardName} failed (exit ${r.status})`);
  return Math.round((Date.now() - t) / 1000);
}

/**
 * Boots to the rescue shell: the boot loader's prompt gets the `rescue` label (direct-kernel boards
 * are started with pbx.rescue already), which puts a root shell on the console instead of the menu.
 */
export async function waitRescueShell(guest: QemuGuest, board: Record<string, any>, timeoutMs = 180_000): Promise<void> {
  if (!board.qemu.directKernel) {
    await guest.waitFor(/boot: /, 60_000);
    await guest.type('rescue\r');
  }
  await guest.waitFor(/PBX rescue shell/, timeoutMs);
}

/** Runs one SIPp scenario from test/scenarios against 127.0.0.1:port; returns its exit status and errors. */
export async function sipp(repo: string, scenario: string, port: number, args: string[], timeoutS = 20): Promise<{ status: number | null; output: string }> {
  const work = mkdtempSync(join(tmpdir(), 'pbx-fw-sipp-'));
  try {
    const local = await freePort('udp');
    const child = spawn(
      'sipp',
      ['-sf', join(repo, 'test/scenarios', scenario), '-i', '127.0.0.1', '-p', String(local), '-t', 'u1', '-m', '1',
        '-timeout', `${timeoutS}s`, '-timeout_error', '-nostdin', '-trace_err', '-error_file', join(work, 'errors.log'), ...args, `127.0.0.1:${port}`],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const status = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    if (existsSync(join(work, 'errors.log'))) output += readFileSync(join(work, 'errors.log'), 'utf8');
    return { status, output: output.slice(-3000) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

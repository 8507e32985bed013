/**
 * Debian's baresip (v1.0) as a real SIP phone for the integration tests (baresip-call.test.ts,
 * analog-baresip.test.ts): a config dir per phone, a WAV tone as its microphone (aufile), what it
 * hears recorded by sndfile, and optionally the ctrl_tcp module so a test can send it commands
 * (dial, hangup) and wait on its call events instead of parsing its block-buffered stdout.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type Socket } from 'node:net';
import { readWav, writeWav } from '../../src/media/wav.ts';
import { dominantFrequency, rms } from '../../src/media/goertzel.ts';
import { freePort, sleep } from './harness.ts';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((r) => {
    const srv = createServer();
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => r(true)));
  });
}

/** A WAV of `seconds` of a sine at `hz` (8 kHz, 16 bit), after `leadSilence` seconds of silence. */
export function toneWav(path: string, hz: number, seconds: number, leadSilence = 0): void {
  const lead = 8000 * leadSilence;
  const data = new Int16Array(lead + 8000 * seconds);
  for (let i = lead; i < data.length; i++) data[i] = Math.round(12000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  writeFileSync(path, writeWav({ format: 'slin', data }));
}

/** One ctrl_tcp event (baresip's JSON: type CALL_INCOMING/CALL_ESTABLISHED/CALL_CLOSED, peeruri...). */
export interface BaresipEvent {
  type?: string;
  direction?: string;
  peeruri?: string;
  peerdisplayname?: string;
  param?: string;
  [key: string]: unknown;
}

export interface Phone {
  dir: string;
  proc: ChildProcess;
  out: () => string;
  exited: Promise<void>;
  /** The ctrl_tcp port, when the phone was started with `ctrl: true`. */
  ctrlPort?: number;
}

/** A port that is free and whose neighbour is free too (baresip also binds port+1 for TLS). */
async function portPair(): Promise<number> {
  let port = await freePort();
  for (let i = 0; i < 20 && !(await tcpFree(port + 1)); i++) port = await freePort();
  return port;
}

export async function baresip(
  work: string,
  name: string,
  account: string,
  source: string,
  args: string[],
  opts: { ctrl?: boolean } = {},
): Promise<Phone> {
  const dir = join(work, name);
  mkdirSync(join(dir, 'rec'), { recursive: true });
  const port = await portPair();
  const ctrlPort = opts.ctrl ? await freePort() : undefined;
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${port}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module aufile.so',
      'module sndfile.so',
      'module_app account.so',
      'module_app menu.so',
      ...(ctrlPort ? ['module_app ctrl_tcp.so', `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`] : []),
      'audio_player aubridge,nil',
      `audio_source aufile,${source}`,
      `snd_path ${join(dir, 'rec')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `${account}\n`);
  // stdin stays an open pipe: at EOF baresip's menu spins on its input. Output is kept bounded
  // (baresip prints a status line many times a second).
  const proc = spawn('baresip', ['-4', '-f', dir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { dir, proc, out: () => out, exited, ...(ctrlPort ? { ctrlPort } : {}) };
}

/** Stops a phone this test started (by its own process handle) and waits for it to exit. */
export async function stopPhone(p: Phone | undefined): Promise<void> {
  if (!p) return;
  if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGTERM');
  p.proc.stdin?.end();
  const timer = setTimeout(() => p.proc.exitCode === null && p.proc.kill('SIGKILL'), 3000);
  await p.exited;
  clearTimeout(timer);
}

/** A ctrl_tcp connection: netstring-framed JSON commands out, events and responses in. */
export class BaresipCtrl {
  readonly events: BaresipEvent[] = [];
  private buf = '';
  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (s: string) => {
      this.buf += s;
      for (;;) {
        const colon = this.buf.indexOf(':');
        if (colon < 0) return;
        const len = Number(this.buf.slice(0, colon));
        if (this.buf.length < colon + 1 + len + 1) return;
        const body = this.buf.slice(colon + 1, colon + 1 + len);
        this.buf = this.buf.slice(colon + 1 + len + 1);
        try {
          this.events.push(JSON.parse(body) as BaresipEvent);
        } catch {
          // not JSON: ignore
        }
      }
    });
    sock.on('error', () => undefined);
  }

  /** Connects to the phone's ctrl_tcp port, retrying while baresip starts (bounded). */
  static async open(phone: Phone, ms = 5000): Promise<BaresipCtrl> {
    assert.ok(phone.ctrlPort, 'the phone was started with ctrl_tcp');
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((res, rej) => {
          const s = connect(phone.ctrlPort!, '127.0.0.1', () => res(s));
          s.once('error', rej);
        });
        return new BaresipCtrl(sock);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(100);
      }
    }
  }

  /** Sends a long command (as typed after '/' in baresip's menu), e.g. ('dial', '2100'). */
  command(command: string, params = ''): void {
    const body = JSON.stringify({ command, params, token: `t${Date.now()}` });
    this.sock.write(`${Buffer.byteLength(body)}:${body},`);
  }

  /**
   * Waits (bounded) for an event of `type` (and `direction`, when given) after the first `from`
   * events; returns it with its index. (baresip 1.0 sends no CALL_INCOMING for a call it
   * auto-answers: wait for CALL_ESTABLISHED with direction 'incoming'.)
   */
  async event(type: string, from = 0, ms = 10_000, direction?: 'incoming' | 'outgoing'): Promise<{ ev: BaresipEvent; at: number }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.events.findIndex((e, i) => i >= from && e.type === type && (!direction || e.direction === direction));
      if (at >= 0) return { ev: this.events[at]!, at };
      if (Date.now() > deadline) throw new Error(`timed out waiting for baresip ${type}; events: ${JSON.stringify(this.events.filter((e) => e.type !== "CALL_RTCP"))}`);
      await sleep(50);
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

/** The samples of a phone's recording of what it heard (sndfile's *-dec.wav; the newest when several). */
export function recording(phone: Phone): Int16Array {
  const recs = readdirSync(join(phone.dir, 'rec')).filter((f) => f.endsWith('-dec.wav')).sort();
  const rec = recs.at(-1);
  assert.ok(rec, `${phone.dir}: baresip recorded what it heard`);
  const wav = readWav(new Uint8Array(readFileSync(join(phone.dir, 'rec', rec))));
  assert.equal(wav.format, 'slin');
  return wav.data as Int16Array;
}

/** The dominant frequency of the last seconds of what a phone heard (decoded audio). */
export function heard(phone: Phone): { hz: number; level: number } {
  const samples = recording(phone).subarray(-8000 * 2 - 4000, -4000);
  return { hz: dominantFrequency(samples).hz, level: rms(samples) };
}

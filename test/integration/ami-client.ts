/**
 * Manager clients for the AMI tests and bench: `Panoramisk` drives the real python3-panoramisk (Debian's /usr/bin/python3, where the package lives)
 * client through ami_client.py (one JSON request per line, one JSON answer per line), and
 * `RawAmi` is a plain TCP client for what a library hides (the greeting, malformed requests,
 * huge lines, a client that stops reading); the manager's unit tests use it too. It parses what
 * it receives itself, not with src/manager/wire.ts, so it checks the wire rather than agreeing
 * with the code under test. Every process started here is ended by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';

export type AmiDict = Record<string, string | string[]>;

export class Panoramisk {
  private buf = '';
  private pending: ((line: string) => void)[] = [];
  private readonly child: ChildProcess;
  private stderr = '';

  constructor() {
    this.child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'ami_client.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.pending.shift()?.(line);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  private request(req: Record<string, unknown>, ms = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`panoramisk did not answer ${JSON.stringify(req)}; stderr:\n${this.stderr}`)), ms);
      this.pending.push((line) => {
        clearTimeout(t);
        const r = JSON.parse(line) as Record<string, unknown>;
        if (r.error !== undefined) reject(new Error(`panoramisk: ${String(r.error)}; stderr:\n${this.stderr}`));
        else resolve(r);
      });
      this.child.stdin!.write(`${JSON.stringify(req)}\n`);
    });
  }

  async connect(port: number, user: string, secret: string, auth: 'md5' | 'plain'): Promise<{ response: AmiDict; challenge?: AmiDict }> {
    return (await this.request({ op: 'connect', host: '127.0.0.1', port, user, secret, auth })) as { response: AmiDict; challenge?: AmiDict };
  }

  /** `asList`: whether panoramisk collects a list of messages; null lets panoramisk decide from the response. */
  async action(action: Record<string, string>, asList: boolean | null = false): Promise<AmiDict | AmiDict[]> {
    return (await this.request({ op: 'action', action, as_list: asList })).response as AmiDict | AmiDict[];
  }

  async command(command: string): Promise<AmiDict> {
    return (await this.request({ op: 'command', command })).response as AmiDict;
  }

  async events(): Promise<AmiDict[]> {
    return (await this.request({ op: 'events' })).events as AmiDict[];
  }

  /** Polls the events received until `pred` holds for them (bounded by the test's own timeout). */
  async until(pred: (events: AmiDict[]) => boolean, what: string, ms = 20_000): Promise<AmiDict[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const ev = await this.events();
      if (pred(ev)) return ev;
      if (Date.now() > deadline) throw new Error(`no ${what} among ${ev.length} events: ${JSON.stringify(ev.map((e) => `${String(e.Event)} ${String(e.Channel ?? '')}`))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      await this.request({ op: 'close' }).catch(() => undefined);
      const exited = new Promise<void>((r) => (this.child.exitCode !== null ? r() : this.child.once('exit', () => r())));
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
  }
}

/** A parsed message of the raw client. */
export interface RawMessage {
  get(name: string): string | undefined;
  all(name: string): string[];
}

function parse(text: string): RawMessage[] {
  const body = text.startsWith('Asterisk Call Manager/') ? text.slice(text.indexOf('\r\n') + 2) : text;
  return body
    .split('\r\n\r\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const headers = block.split('\r\n').map((l) => {
        const i = l.indexOf(': ');
        return i < 0 ? ['', l] : [l.slice(0, i), l.slice(i + 2)];
      });
      return {
        get: (n: string) => headers.find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1],
        all: (n: string) => headers.filter(([k]) => k.toLowerCase() === n.toLowerCase()).map(([, v]) => v),
      };
    });
}

export class RawAmi {
  text = '';
  closed = false;
  private wake: (() => void)[] = [];

  private constructor(readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.text += d;
      for (const w of this.wake.splice(0)) w();
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.wake.splice(0)) w();
    });
    sock.on('error', () => undefined);
  }

  static open(port: number): Promise<RawAmi> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => resolve(new RawAmi(s)));
      s.once('error', reject);
    });
  }

  send(headers: Record<string, string>): void {
    this.sock.write(`${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  }

  messages(): RawMessage[] {
    return parse(this.text);
  }

  async until(pred: (c: RawAmi) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (Date.now() > deadline) throw new Error(`timed out; the client received:\n${this.text.slice(-2000)}`);
      await new Promise<void>((r) => {
        this.wake.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async response(actionId: string, ms = 5000): Promise<RawMessage> {
    let found: RawMessage | undefined;
    await this.until(() => (found = this.messages().find((m) => m.get('ActionID') === actionId && m.get('Response') !== undefined)) !== undefined, ms);
    return found!;
  }

  /** A plain Login (ActionID `login`) and its response. */
  async login(user: string, secret: string): Promise<RawMessage> {
    this.send({ Action: 'Login', Username: user, Secret: secret, ActionID: 'login' });
    return this.response('login');
  }

  close(): void {
    this.sock.destroy();
  }
}

/**
 * The two C programs of the relay bench, compiled with gcc into a temporary directory at bench
 * time, and their line protocols driven from TypeScript: rtp-load (the RTP generator and meter,
 * both phones of every call) and c-relay (the minimal relay the PBX is compared with). Each is
 * started pinned to a core, talks on stdin/stdout, and is stopped by its pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuMicros, onCore } from '../lib/proc.ts';

const HERE = resolve(import.meta.dirname);

export interface Binaries {
  generator: string;
  relay: string;
  remove(): void;
}

/** gcc -O2 both programs into a fresh temporary directory. */
export function compileBinaries(): Binaries {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
  const build = (src: string, out: string): string => {
    const path = join(dir, out);
    const r = spawnSync('gcc', ['-O2', '-Wall', '-o', path, join(HERE, src)], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`gcc ${src} failed:\n${r.stderr}`);
    return path;
  };
  return { generator: build('rtp-load.c', 'rtp-load'), relay: build('c-relay.c', 'c-relay'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A child speaking a line protocol: waits for lines with a given first word, bounded in time. */
class LineChild {
  readonly proc: ChildProcess;
  private buf = '';
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  private err = '';
  readonly exited: Promise<number | null>;

  constructor(cmd: string, args: string[], cpu: number | undefined) {
    const [c, a] = onCore(cpu, cmd, args);
    this.proc = spawn(c, a, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (b: Buffer) => {
      this.buf += b.toString();
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      for (const w of [...this.waiters]) w();
    });
    this.proc.stderr!.on('data', (b: Buffer) => (this.err = (this.err + b.toString()).slice(-2000)));
    this.exited = new Promise((r) =>
      this.proc.once('exit', (code) => {
        for (const w of [...this.waiters]) w();
        r(code);
      }),
    );
    // A broken stdin (the child died) must not crash the bench; the exit is reported instead.
    this.proc.stdin!.on('error', () => undefined);
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  stderr(): string {
    return this.err;
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  /** The next line starting with `word`, or an error after `ms` or when the child exits. */
  next(word: string, ms: number): Promise<string> {
    return new Promise((res, rej) => {
      const check = (): void => {
        const i = this.lines.findIndex((l) => l === word || l.startsWith(`${word} `));
        if (i >= 0) {
          const [line] = this.lines.splice(i, 1);
          done();
          res(line as string);
        } else if (!this.alive) {
          done();
          rej(new Error(`${this.proc.spawnfile} exited before '${word}': ${this.err}`));
        }
      };
      const t = setTimeout(() => {
        done();
        rej(new Error(`no '${word}' from ${this.proc.spawnfile} in ${ms} ms: ${this.err}`));
      }, ms);
      const done = (): void => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.alive) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
  }
}

function numbers(line: string): number[] {
  return line.split(' ').slice(1).map(Number);
}

function keyValues(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of line.split(' ').slice(1)) {
    const [k, v] = kv.split('=');
    if (k) out[k] = Number(v);
  }
  return out;
}

export interface GeneratorOptions {
  calls: number;
  basePort: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  lateUs: number;
  cpu?: number;
}

export interface GeneratorResult {
  sent: number;
  received: number;
  late: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  sendErrors: number;
  misrouted: number;
  foreign: number;
  rtcp: number;
  reordered: number;
  silentLegs: number;
  senderLagMaxUs: number;
  senderLate: number;
  /** The generator's own CPU over the measured window. */
  cpuUs: number;
  measureUs: number;
}

export interface Generator {
  pid: number;
  /** Ports bound: [2i] caller leg of call i, [2i+1] its callee leg. */
  ports: number[];
  /** Start sending: socket j to 127.0.0.1:targets[j]. Calls the hooks at the measured window's edges. */
  run(targets: number[], hooks: { onStart(): void; onEnd(): void }): Promise<GeneratorResult>;
  stop(): Promise<void>;
}

export async function startGenerator(bin: string, o: GeneratorOptions): Promise<Generator> {
  const child = new LineChild(bin, [o.calls, o.basePort, o.warmupMs, o.measureMs, o.drainMs, o.lateUs].map(String), o.cpu);
  try {
    const ports = numbers(await child.next('PORTS', 30_000));
    if (ports.length !== 2 * o.calls) throw new Error(`rtp-load bound ${ports.length} ports, expected ${2 * o.calls}`);
    return {
      pid: child.pid,
      ports,
      run: async (targets, hooks) => {
        child.send(`TARGETS ${targets.join(' ')}`);
        const budget = o.warmupMs + o.measureMs + o.drainMs + 30_000;
        await child.next('MEASURE_START', budget);
        hooks.onStart();
        await child.next('MEASURE_END', budget);
        hooks.onEnd();
        const r = keyValues(await child.next('RESULT', budget));
        return {
          sent: r.sent ?? 0,
          received: r.received ?? 0,
          late: r.late ?? 0,
          p50Us: r.p50_us ?? 0,
          p99Us: r.p99_us ?? 0,
          p999Us: r.p999_us ?? 0,
          maxUs: r.max_us ?? 0,
          sendErrors: r.send_errors ?? 0,
          misrouted: r.misrouted ?? 0,
          foreign: r.foreign ?? 0,
          rtcp: r.rtcp ?? 0,
          reordered: r.reordered ?? 0,
          silentLegs: r.silent_legs ?? 0,
          senderLagMaxUs: r.sender_lag_max_us ?? 0,
          senderLate: r.sender_late ?? 0,
          cpuUs: r.cpu_us ?? 0,
          measureUs: r.measure_us ?? 1,
        };
      },
      stop: () => child.stop(),
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

export interface CRelay {
  pid: number;
  ports: number[];
  cpuUs(): number;
  /** Stops it; returns its counters. */
  stop(): Promise<Record<string, number>>;
}

/** The C relay for `calls` pairs; `peers` are the generator's ports (socket j sends to peers[j]). */
export async function startCRelay(bin: string, calls: number, basePort: number, maxS: number, cpu?: number): Promise<CRelay & { connect(peers: number[]): void }> {
  const child = new LineChild(bin, [String(calls), String(basePort), String(maxS)], cpu);
  try {
    const ports = numbers(await child.next('PORTS', 30_000));
    return {
      pid: child.pid,
      ports,
      connect: (peers) => child.send(`PEERS ${peers.join(' ')}`),
      cpuUs: () => cpuMicros(child.pid),
      stop: async () => {
        child.proc.kill('SIGTERM');
        const line = await child.next('RESULT', 5000).catch(() => 'RESULT');
        await child.stop();
        return keyValues(line);
      },
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

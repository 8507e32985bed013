/**
 * Runs the built bundle (dist/pbx.mjs) for a load bench: a temporary config directory under /tmp,
 * SIP on 127.0.0.1, optionally pinned to one core. Output goes to a bounded in-memory tail (the
 * PBX logs every registration; keeping all of it would skew the bench process, not the PBX).
 * stop() ends the process by its pid (SIGTERM, SIGKILL after 5 s) and removes the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE, freePort, sleep } from '../../test/integration/harness.ts';
import { onCore } from './proc.ts';

export interface LoadUser {
  user: string;
  password: string;
}

/** `count` users with distinct extensions from `first` and random 16-hex-digit secrets. */
export function makeUsers(count: number, first = 100_000): LoadUser[] {
  const users: LoadUser[] = [];
  for (let i = 0; i < count; i++) users.push({ user: String(first + i), password: randomBytes(8).toString('hex') });
  return users;
}

/** The `[phones]` section for these users. */
export function phonesSection(users: readonly LoadUser[]): string {
  return ['[phones]', ...users.map((u) => `${u.user} = ${u.password}, Load ${u.user}`), ''].join('\n');
}

export interface BundlePbx {
  pid: number;
  port: number;
  dir: string;
  /** Runs one console command through `pbx -rx`. */
  rx(cmd: string): string;
  /** The last few kB the PBX printed. */
  tail(): string;
  /** The DevTools WebSocket URL, when started with nodeArgs ['--inspect=127.0.0.1:0']. */
  inspectorUrl(): string | undefined;
  stop(): Promise<void>;
}

export interface BundlePbxOptions {
  /** pbx.conf text; `@PORT@` and `@DIR@` are replaced by the SIP port and the config directory. */
  conf: string;
  /** Core to pin the PBX to (taskset), when possible. */
  cpu?: number;
  /** How long start-up may take (a 10,000-phone config takes longer). */
  startMs?: number;
  /** Extra node options, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] to profile a run. */
  nodeArgs?: string[];
  /** Other files of the config directory (e.g. sip.conf), same @PORT@/@DIR@ substitution. */
  files?: Record<string, string>;
}

const TAIL_CHARS = 8192;

export async function startBundlePbx(opts: BundlePbxOptions): Promise<BundlePbx> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run node scripts/build.mjs`);
  const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const fill = (text: string): string => text.replaceAll('@PORT@', String(port)).replaceAll('@DIR@', dir);
  writeFileSync(join(dir, 'pbx.conf'), fill(opts.conf));
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), fill(text));
  // PBX_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles any bench's PBX without
  // editing the bench; PBX_BENCH_BUNDLE runs another build (e.g. a saved baseline) for A/B runs.
  const envFlags = (process.env.PBX_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const bundle = process.env.PBX_BENCH_BUNDLE || BUNDLE;
  const [cmd, args] = onCore(opts.cpu, process.execPath, [...envFlags, ...(opts.nodeArgs ?? []), bundle, 'run', '--config', dir]);
  const proc: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let inspector: string | undefined;
  const keep = (b: Buffer): void => {
    const text = b.toString();
    inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1];
    out = (out + text).slice(-TAIL_CHARS);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
  // Output goes to a file, not a pipe: `pbx -rx` ends with process.exit(), which cuts a long
  // reply short when stdout is a pipe (seen with `sip show registrations` and 3,000 contacts).
  const rx = (command: string): string => {
    const file = join(dir, 'rx.out');
    const fd = openSync(file, 'w');
    try {
      spawnSync(process.execPath, [BUNDLE, '-rx', command, '--config', dir], { stdio: ['ignore', fd, fd], timeout: 30_000 });
    } finally {
      closeSync(fd);
    }
    return readFileSync(file, 'utf8');
  };
  const stop = async (): Promise<void> => {
    if (alive()) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startMs ?? 20_000);
  for (;;) {
    if (!alive()) {
      await stop();
      throw new Error(`PBX exited during start-up:\n${out}`);
    }
    if (existsSync(join(dir, 'control.sock'))) {
      const r = spawnSync(process.execPath, [BUNDLE, '-rx', 'core show version', '--config', dir], { encoding: 'utf8', timeout: 10_000 });
      if (r.status === 0) break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`PBX did not come up in ${opts.startMs ?? 20_000} ms:\n${out}`);
    }
    await sleep(100);
  }
  return { pid: proc.pid as number, port, dir, rx, tail: () => out, inspectorUrl: () => inspector, stop };
}

/** The [system] section every bench config uses: SIP on 127.0.0.1, state in the temp directory. */
export function benchSystemSection(): string {
  return ['[system]', 'sip = 127.0.0.1:@PORT@', 'rtp = 31000-31100', 'control = @DIR@/control.sock', 'data = @DIR@/data', ''].join('\n');
}

/**
 * A child program talking over pipes (an AGI script): stdin and stdout as text streams, stderr
 * handed to the caller line by line (the log), signals, and the exit status. Asterisk's res_agi
 * runs its scripts the same way: fork, exec, pipes on fds 0 and 1, SIGHUP on hangup.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';

export interface PipedChild {
  readonly pid: number | undefined;
  /** Writes text to the child's stdin; false once stdin is closed. */
  write(text: string): boolean;
  /** stdout as it arrives (latin1, so bytes are never mangled). */
  onStdout(cb: (chunk: string) => void): void;
  /** Stops reading stdout until resume() (backpressure on a flooding child). */
  pause(): void;
  resume(): void;
  /** Called once with the exit code (or 128+signal) when the child has exited and its pipes closed. */
  onExit(cb: (status: number) => void): void;
  /** Sends a signal; false when the child is gone already. */
  signal(name: 'SIGHUP' | 'SIGTERM' | 'SIGKILL'): boolean;
  readonly exited: boolean;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };

/** The file exists, is a regular file and this process may execute it. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The file exists (executable or not). */
export function fileExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Starts `path` with `args`, stdin/stdout piped, stderr lines to `onStderr`. Throws when the
 * program cannot be started at all (the caller checks isExecutableFile first).
 */
export function spawnPiped(path: string, args: string[], opts: { cwd?: string; onStderr?: (line: string) => void } = {}): PipedChild {
  const child: ChildProcessWithoutNullStreams = spawn(path, args, { stdio: 'pipe', ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  let exited = false;
  let status = 0;
  const exitCbs: ((status: number) => void)[] = [];
  // A script that exits before reading what we wrote must not crash the PBX with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdout.on('error', () => undefined);
  child.stderr.on('error', () => undefined);
  let errText = '';
  child.stderr.setEncoding('latin1');
  child.stderr.on('data', (s: string) => {
    errText += s;
    // Bounded: a script spewing to stderr without newlines is cut into 1 KiB lines.
    for (;;) {
      const nl = errText.indexOf('\n');
      if (nl < 0 && errText.length < 1024) break;
      const end = nl < 0 ? 1024 : nl;
      const line = errText.slice(0, end).replace(/\r$/, '');
      errText = errText.slice(nl < 0 ? end : end + 1);
      if (line !== '') opts.onStderr?.(line);
    }
  });
  child.on('error', () => {
    if (exited) return;
    exited = true;
    status = 127;
    for (const cb of exitCbs.splice(0)) cb(status);
  });
  child.on('close', (code, sig) => {
    if (exited) return;
    exited = true;
    if (errText.trim() !== '') opts.onStderr?.(errText.trim());
    status = code ?? 128 + (sig ? (SIGNAL_NUMBERS[sig] ?? 0) : 0);
    for (const cb of exitCbs.splice(0)) cb(status);
  });
  return {
    pid: child.pid,
    write(text) {
      if (exited || child.stdin.destroyed || !child.stdin.writable) return false;
      child.stdin.write(text, 'latin1');
      return true;
    },
    onStdout(cb) {
      child.stdout.on('data', (b: Buffer) => cb(b.toString('latin1')));
    },
    pause: () => child.stdout.pause(),
    resume: () => child.stdout.resume(),
    onExit(cb) {
      if (exited) cb(status);
      else exitCbs.push(cb);
    },
    signal(name) {
      if (exited || child.exitCode !== null) return false;
      try {
        return child.kill(name);
      } catch {
        return false;
      }
    },
    get exited() {
      return exited;
    },
  };
}

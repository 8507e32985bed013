/**
 * Running a shell command line for the dialplan's System() and TrySystem(): Asterisk hands the
 * text to /bin/sh, so redirections and pipes written in extensions.conf work the same here. Only
 * the exit status matters; output is discarded like Asterisk's ast_safe_system.
 */
import { spawn } from 'node:child_process';

/** Exit status of `sh -c command` (127 when the shell could not be started), killed after timeoutMs. */
export function runShellCommand(command: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore' });
    } catch {
      resolve(127);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

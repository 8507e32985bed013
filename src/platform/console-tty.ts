/**
 * Line input on the console for the setup menu. The tty stays in cooked mode, so the kernel
 * echoes and handles backspace even on a dumb serial terminal; Ctrl-C, Ctrl-\ and Ctrl-Z do not
 * stop the menu (the line is dropped and the prompt shown again). Secrets switch echo off.
 */
import * as readline from 'node:readline';

export interface ConsoleLines {
  write(text: string): void;
  readLine(prompt: string): Promise<string | null>;
  readSecret(prompt: string): Promise<string | null>;
  /** Stops reading so an interactive child (a shell) owns the terminal until `resume`. */
  suspend(): void;
  resume(): void;
  close(): void;
}

export function openConsoleLines(): ConsoleLines {
  const input = process.stdin;
  const output = process.stdout;
  const rl = readline.createInterface({ input, terminal: false });
  const queued: string[] = [];
  let waiter: ((line: string | null) => void) | undefined;
  let closed = false;
  let prompt = '';
  let suspended = false;

  rl.on('line', (line) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(line);
    } else queued.push(line);
  });
  rl.on('close', () => {
    closed = true;
    waiter?.(null);
    waiter = undefined;
  });

  const onInterrupt = (): void => {
    // The tty driver has already dropped the half-typed line; show the question again.
    if (!suspended) output.write(`\n${prompt}`);
  };
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const) process.on(sig, onInterrupt);

  const next = (p: string): Promise<string | null> => {
    prompt = p;
    output.write(p);
    if (queued.length > 0) return Promise.resolve(queued.shift()!);
    if (closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      waiter = resolve;
    });
  };

  return {
    write: (text) => void output.write(text),
    readLine: next,
    async readSecret(p) {
      const tty = input.isTTY === true;
      if (tty) input.setRawMode(true);
      try {
        const raw = await next(p);
        if (raw === null) return null;
        if (raw.includes('\x03')) return '';
        // Raw mode: apply backspaces (DEL or BS) ourselves.
        let s = '';
        for (const ch of raw) {
          if (ch === '\x7f' || ch === '\b') s = s.slice(0, -1);
          else s += ch;
        }
        return s;
      } finally {
        if (tty) {
          input.setRawMode(false);
          output.write('\n');
        }
      }
    },
    suspend() {
      suspended = true;
      rl.pause();
    },
    resume() {
      suspended = false;
      rl.resume();
    },
    close() {
      for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const) process.off(sig, onInterrupt);
      rl.close();
    },
  };
}

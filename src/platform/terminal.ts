/** Terminal I/O for the interactive console and the setup menu. */
import * as readline from 'node:readline';

export const stdio = {
  out(s: string): void {
    process.stdout.write(s);
  },
  err(s: string): void {
    process.stderr.write(s);
  },
};

export interface LineInterface {
  prompt(): void;
  printAbove(text: string): void;
  onLine(cb: (line: string) => void): void;
  onClose(cb: () => void): void;
  close(): void;
}

export function createInterface(opts: {
  prompt: string;
  historySize: number;
  completer?: (line: string, cb: (hits: string[], word: string) => void) => void;
}): LineInterface {
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY === true,
    historySize: opts.historySize,
    completer: opts.completer
      ? (line: string, cb: (err: null, result: [string[], string]) => void) => opts.completer!(line, (hits, word) => cb(null, [hits, word]))
      : undefined,
  });
  rl.setPrompt(opts.prompt);
  return {
    prompt: () => rl.prompt(),
    printAbove(text) {
      // Clear the prompt line, print, then redraw prompt and what was typed.
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      rl.prompt(true);
    },
    onLine: (cb) => void rl.on('line', cb),
    onClose: (cb) => void rl.on('close', cb),
    close: () => rl.close(),
  };
}

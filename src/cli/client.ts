import { connectUnix, type StreamConnection } from '../platform/net.ts';
import { createInterface, stdio } from '../platform/terminal.ts';
import { FrameReader, frame, type ServerFrame } from './protocol.ts';

async function connect(path: string): Promise<StreamConnection> {
  try {
    return await connectUnix(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such socket (is the PBX running?)' : code === 'ECONNREFUSED' ? 'connection refused (is the PBX running?)' : (e as Error).message;
    throw new Error(`Unable to connect to the PBX control socket ${path}: ${why}`);
  }
}

/** `pbx -rx "command"`: runs one command, prints its output, exit status 0 when it succeeded. */
export async function runOnce(path: string, line: string): Promise<number> {
  const conn = await connect(path);
  const reader = new FrameReader<ServerFrame>();
  return new Promise((resolve) => {
    conn.onData((chunk) => {
      for (const f of reader.push(chunk)) {
        if (f.t === 'out') {
          if (f.text) stdio.out(f.text.endsWith('\n') ? f.text : `${f.text}\n`);
          conn.close();
          resolve(f.ok ? 0 : 1);
        }
      }
    });
    conn.onClose(() => resolve(1));
    conn.write(frame({ t: 'cmd', id: 1, line }));
  });
}

/** `pbx -r`: interactive console with history, tab completion and the live log. */
export async function runInteractive(path: string, verbose: number): Promise<number> {
  const conn = await connect(path);
  const reader = new FrameReader<ServerFrame>();
  let nextId = 1;
  const pending = new Map<number, (f: ServerFrame) => void>();
  const rl = createInterface({
    prompt: 'pbx*CLI> ',
    historySize: 500,
    completer: (line, cb) => {
      const id = nextId++;
      pending.set(id, (f) => {
        const list = f.t === 'completions' ? f.list : [];
        const lastWord = /\s$/.test(line) ? '' : (line.split(/\s+/).pop() ?? '');
        cb(list.map((w) => w), lastWord);
      });
      conn.write(frame({ t: 'complete', id, line }));
    },
  });
  const printAbove = (text: string): void => {
    rl.printAbove(text);
  };
  conn.onData((chunk) => {
    for (const f of reader.push(chunk)) {
      if (f.t === 'log') printAbove(f.text);
      else {
        const cb = pending.get(f.id);
        pending.delete(f.id);
        cb?.(f);
      }
    }
  });
  conn.write(frame({ t: 'log', verbose }));
  stdio.out(`Connected to PBX control socket ${path}. Type 'help' for commands, 'exit' to leave.\n`);
  return new Promise((resolve) => {
    conn.onClose(() => {
      rl.close();
      stdio.out('\nDisconnected from the PBX.\n');
      resolve(0);
    });
    rl.onLine((line) => {
      const cmd = line.trim();
      if (cmd === 'exit' || cmd === 'quit') {
        conn.close();
        return;
      }
      if (!cmd) {
        rl.prompt();
        return;
      }
      const id = nextId++;
      pending.set(id, (f) => {
        if (f.t === 'out' && f.text) stdio.out(f.text.endsWith('\n') ? f.text : `${f.text}\n`);
        rl.prompt();
      });
      conn.write(frame({ t: 'cmd', id, line: cmd }));
    });
    rl.onClose(() => conn.close());
    rl.prompt();
  });
}

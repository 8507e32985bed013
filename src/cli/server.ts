import { listenUnix, type StreamConnection, type StreamServer } from '../platform/net.ts';
import { FrameReader, frame, type ClientFrame } from './protocol.ts';
import type { CommandRegistry } from './registry.ts';

export interface ControlServerDeps {
  registry: CommandRegistry;
  /** Live log for a console at a verbosity; returns an unsubscribe function. */
  subscribeLog(verbose: number, listener: (line: string) => void): () => void;
  /** Where per-console output that is not a log line goes (sip set debug...). */
  subscribeDebug?(listener: (line: string) => void): () => void;
}

/**
 * The control socket behind `pbx -r` and `pbx -rx`. Each connection is one console; commands run
 * one at a time in arrival order. The socket file is mode 0600: only root (or the PBX user) can
 * drive the PBX.
 */
export class ControlServer {
  private consoles = new Set<StreamConnection>();
  private constructor(
    private server: StreamServer,
    readonly path: string,
  ) {}

  static async listen(path: string, deps: ControlServerDeps): Promise<ControlServer> {
    let self: ControlServer | undefined;
    const server = await listenUnix(path, (conn) => self?.attach(conn, deps));
    self = new ControlServer(server, path);
    return self;
  }

  private attach(conn: StreamConnection, deps: ControlServerDeps): void {
    this.consoles.add(conn);
    const reader = new FrameReader<ClientFrame>();
    let unsubscribe: (() => void) | undefined;
    let queue = Promise.resolve();
    const send = (f: Parameters<typeof frame>[0]): void => {
      conn.write(frame(f));
    };
    const print = (text: string): void => send({ t: 'log', text });
    conn.onData((chunk) => {
      let frames: ClientFrame[];
      try {
        frames = reader.push(chunk);
      } catch {
        conn.close();
        return;
      }
      for (const f of frames) {
        if (f.t === 'log') {
          unsubscribe?.();
          const offLog = deps.subscribeLog(Number(f.verbose) || 0, print);
          const offDebug = deps.subscribeDebug?.(print);
          unsubscribe = () => {
            offLog();
            offDebug?.();
          };
        } else if (f.t === 'complete') {
          send({ t: 'completions', id: f.id, list: deps.registry.complete(String(f.line ?? '')) });
        } else if (f.t === 'cmd') {
          queue = queue.then(async () => {
            const r = await deps.registry.execute(String(f.line ?? ''), { print });
            send({ t: 'out', id: f.id, ok: r.ok, text: r.output });
          });
        }
      }
    });
    conn.onClose(() => {
      unsubscribe?.();
      this.consoles.delete(conn);
    });
  }

  async close(): Promise<void> {
    for (const c of this.consoles) c.close();
    await this.server.close();
  }
}

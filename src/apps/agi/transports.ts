/**
 * The two ways a script is reached: a local program started with pipes (AGI), and a TCP
 * connection to a FastAGI server (`agi://host[:port][/script]`). Both become an AgiTransport for
 * session.ts. The script file is looked up the way Asterisk looks in its agi-bin: a relative
 * name in the AGI directories in order (user's first, then the image's), an absolute path as is.
 */
import { fileExists, isExecutableFile, spawnPiped } from '../../platform/child-process.ts';
import { connectTcp, type StreamConnection } from '../../platform/net.ts';
import type { Clock } from '../../platform/clock.ts';
import type { AgiTransport } from './session.ts';

/** Scripts shipped in the firmware image (read-only root). */
export const IMAGE_AGI_DIR = '/usr/share/pbx/agi-bin';

/** Grace between SIGHUP and SIGKILL when a script is stopped. */
const KILL_GRACE_MS = 2000;

export type ScriptLookup = { kind: 'found'; path: string } | { kind: 'notfound'; tried: string[] } | { kind: 'notexecutable'; path: string };

/** Where `script` is: absolute as given, relative in each directory in turn. */
export function findScript(script: string, dirs: readonly string[]): ScriptLookup {
  const candidates = script.startsWith('/') ? [script] : dirs.map((d) => `${d.replace(/\/+$/, '')}/${script}`);
  for (const path of candidates) {
    if (isExecutableFile(path)) return { kind: 'found', path };
    if (fileExists(path)) return { kind: 'notexecutable', path };
  }
  return { kind: 'notfound', tried: candidates };
}

/** Starts the script with its arguments (argv[1..] as Asterisk passes them). */
export function localScriptTransport(path: string, args: string[], clock: Pick<Clock, 'setTimeout'>, onStderr: (line: string) => void): AgiTransport {
  const child = spawnPiped(path, args, { onStderr });
  let hupSent = false;
  return {
    write: (text) => {
      child.write(text);
    },
    onData: (cb) => child.onStdout(cb),
    onEnd: (cb) => child.onExit(() => cb()),
    notifyHangup(sighup) {
      child.write('HANGUP\n');
      if (sighup && !hupSent) {
        hupSent = true;
        child.signal('SIGHUP');
      }
    },
    stop() {
      if (child.exited) return;
      child.signal('SIGHUP');
      clock.setTimeout(() => {
        if (!child.exited) child.signal('SIGKILL');
      }, KILL_GRACE_MS);
    },
    pause: () => child.pause(),
    resume: () => child.resume(),
  };
}

/** A connected FastAGI socket as a transport (no signals: HANGUP is a line, stop closes). */
export function socketTransport(conn: StreamConnection): AgiTransport {
  return {
    write: (text) => {
      conn.write(text);
    },
    onData: (cb) => conn.onData(cb),
    onEnd: (cb) => conn.onClose(cb),
    notifyHangup: () => {
      conn.write('HANGUP\n');
    },
    stop: () => conn.close(),
  };
}

/** Connects to a FastAGI server; undefined (after `onError`) when it cannot be reached. */
export async function connectFastAgi(host: string, port: number, timeoutMs: number, onError: (message: string) => void): Promise<StreamConnection | undefined> {
  try {
    return await connectTcp(host, port, timeoutMs);
  } catch (e) {
    onError(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

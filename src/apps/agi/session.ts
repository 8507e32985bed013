/**
 * One AGI conversation, whatever carries it (a local script's pipes or a FastAGI socket): the
 * environment block goes out, then each command line the script writes is run in turn and
 * answered, until the script goes away. Like res_agi's run_agi loop:
 *   - a hangup of the channel while the script runs is told to it once (`HANGUP` line, and
 *     SIGHUP to a local script); the conversation goes on with the dead-channel rules (511);
 *   - commands are strictly one at a time, in order.
 * What Asterisk does not bound, we do: a script silent for the silence timeout (while the PBX
 * waits for its next command) is stopped and the dialplan goes on; a line over 8 KiB gets 510
 * and is dropped; lines queued beyond MAX_QUEUED_LINES pause the reading (or, on a transport
 * that cannot pause, stop the script), so memory never grows with what a script writes.
 */
import type { Clock, TimerHandle } from '../../platform/clock.ts';
import { environmentBlock, LineSplitter, parseCommandLine, REPLY_INVALID, type AgiEnvironment } from './protocol.ts';

/** How the session talks to the script. */
export interface AgiTransport {
  write(text: string): void;
  onData(cb: (chunk: string) => void): void;
  /** Once, when the script is gone (process exited, socket closed). */
  onEnd(cb: () => void): void;
  /** The channel hung up: `HANGUP` line (and SIGHUP to a local script unless `sighup` is false). */
  notifyHangup(sighup: boolean): void;
  /** Stop the script now (SIGHUP, SIGKILL after a grace; FastAGI: close the socket). */
  stop(): void;
  pause?(): void;
  resume?(): void;
}

/** Runs one command (already split into words) and returns the reply text (with its newline). */
export type AgiDispatch = (words: string[], dead: boolean) => Promise<string>;

/** AGISTATUS as Asterisk sets it (NOTFOUND is decided before a session exists). */
export type AgiOutcome = 'SUCCESS' | 'FAILURE' | 'HANGUP';

export interface AgiSessionOptions {
  transport: AgiTransport;
  dispatch: AgiDispatch;
  env: AgiEnvironment;
  /** Aborted when the channel hangs up. */
  hangupSignal: AbortSignal;
  /** DeadAGI, or AGI in the `h` extension: the channel is gone before the script starts. */
  dead: boolean;
  clock: Pick<Clock, 'setTimeout'>;
  /** The script is stopped after this long without a command line (while none is running). */
  silenceTimeoutMs: number;
  /** Send SIGHUP on hangup (channel variable AGISIGHUP, default yes). */
  sighup: boolean;
  log(level: 'warning' | 'notice' | 'verbose' | 'debug', message: string): void;
  /** Called synchronously when the channel hangs up mid-script (AGISTATUS=HANGUP before `h` runs). */
  onHangup?(): void;
}

/** Lines read ahead of the one being run; beyond this the transport is paused. */
export const MAX_QUEUED_LINES = 256;
const RESUME_BELOW = 32;

export function runAgiSession(o: AgiSessionOptions): Promise<{ outcome: AgiOutcome; reason?: string }> {
  return new Promise((resolve) => {
    const splitter = new LineSplitter();
    const queue: ({ kind: 'line'; text: string } | { kind: 'overlong' })[] = [];
    let dead = o.dead;
    let hungUpDuring = false;
    let busy = false;
    let ended = false;
    let finished = false;
    let paused = false;
    let failure: string | undefined;
    let silence: TimerHandle | undefined;

    const finish = (): void => {
      if (finished) return;
      finished = true;
      silence?.cancel();
      o.hangupSignal.removeEventListener('abort', onAbort);
      const outcome: AgiOutcome = failure !== undefined ? 'FAILURE' : hungUpDuring ? 'HANGUP' : 'SUCCESS';
      resolve(failure !== undefined ? { outcome, reason: failure } : { outcome });
    };
    const fail = (reason: string): void => {
      if (finished) return;
      if (failure === undefined) failure = reason;
      o.log('warning', reason);
      o.transport.stop();
      // A script that ignores every signal still ends the session: the transport is abandoned.
      finish();
    };
    const armSilence = (): void => {
      silence?.cancel();
      silence = o.clock.setTimeout(() => {
        if (!busy && !finished) fail(`AGI script ${o.env.request} sent nothing for ${Math.round(o.silenceTimeoutMs / 1000)} s: stopped`);
      }, o.silenceTimeoutMs);
    };
    // res_agi notices the hangup between commands: a running command's reply goes out first.
    let notifyPending = false;
    const notify = (): void => {
      notifyPending = false;
      o.transport.notifyHangup(o.sighup);
    };
    const onAbort = (): void => {
      if (dead || finished) return;
      dead = true;
      hungUpDuring = true;
      o.onHangup?.();
      if (busy) notifyPending = true;
      else notify();
    };
    o.hangupSignal.addEventListener('abort', onAbort, { once: true });

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        while (!finished && queue.length > 0) {
          const item = queue.shift()!;
          if (paused && queue.length < RESUME_BELOW) {
            paused = false;
            o.transport.resume?.();
          }
          if (item.kind === 'overlong') {
            o.log('warning', `AGI script ${o.env.request} sent a line over 8 KiB: refused`);
            o.transport.write(REPLY_INVALID);
            continue;
          }
          const words = parseCommandLine(item.text);
          if (words.length === 0) continue;
          silence?.cancel();
          o.log('debug', `AGI Rx << ${item.text}`);
          let reply: string;
          try {
            reply = await o.dispatch(words, dead);
          } catch (e) {
            o.log('warning', `AGI command '${item.text}' failed: ${e instanceof Error ? e.message : String(e)}`);
            reply = '200 result=-1\n';
          }
          if (finished) return;
          o.log('debug', `AGI Tx >> ${reply.trimEnd()}`);
          o.transport.write(reply);
          if (notifyPending) notify();
          armSilence();
        }
      } finally {
        busy = false;
      }
      if (notifyPending && !finished) notify();
      if (ended) finish();
    };

    o.transport.onData((chunk) => {
      if (finished) return;
      for (const item of splitter.push(chunk)) queue.push(item);
      if (queue.length > MAX_QUEUED_LINES) {
        if (o.transport.pause) {
          if (!paused) {
            paused = true;
            o.transport.pause();
          }
        } else {
          fail(`AGI script ${o.env.request} floods commands without waiting for replies: stopped`);
          return;
        }
      }
      void pump();
    });
    o.transport.onEnd(() => {
      ended = true;
      if (!busy) finish();
    });
    o.transport.write(environmentBlock(o.env));
    // A live channel that hung up while the script was being reached (a FastAGI connect).
    if (o.hangupSignal.aborted) onAbort();
    armSilence();
  });
}

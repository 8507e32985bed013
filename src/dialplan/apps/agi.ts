/**
 * AGI(script[,args...]), DeadAGI and EAGI: run an AGI script for the channel and go on in the
 * dialplan when it is done, as Asterisk's res_agi does. `script` is a program in the AGI
 * directories (the data partition's `agi-bin`, then the image's) or an absolute path, or
 * `agi://host[:port][/script]` for a FastAGI server over TCP. The legacy `AGI(script|a|b)`
 * form arrives split already (the dialplan's splitter knows `|`).
 *
 * AGISTATUS: SUCCESS (the script ended), FAILURE (could not run, could not connect, stopped for
 * silence or flooding), NOTFOUND (no such script), HANGUP (the channel hung up meanwhile). The
 * dialplan goes on in every case except a hangup. The silence bound is ours (Asterisk has none):
 * the channel variable AGITIMEOUT in seconds, default 600; AGISIGHUP=no keeps SIGHUP from a
 * local script on hangup, as in Asterisk. EAGI runs as AGI (agi_enhanced 1.0) without the
 * audio on fd 3.
 */
import type { Clock } from '../../platform/clock.ts';
import { parseAgiUrl, type AgiEnvironment } from '../../apps/agi/protocol.ts';
import { runAgiSession, type AgiOutcome, type AgiTransport } from '../../apps/agi/session.ts';
import { connectFastAgi, findScript, IMAGE_AGI_DIR, localScriptTransport, socketTransport } from '../../apps/agi/transports.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { dispatchAgiCommand, type AgiCommandState } from './agi-commands.ts';
import type { MediaAppDeps } from './media-session.ts';

/** Default silence bound (AGITIMEOUT unset): ten minutes without a command line. */
export const DEFAULT_AGI_TIMEOUT_S = 600;
/** A FastAGI server that does not accept within this is a FAILURE (Asterisk waits 5 s too). */
const FASTAGI_CONNECT_MS = 5000;

export interface AgiAppDeps {
  media: MediaAppDeps;
  clock: Pick<Clock, 'setTimeout'>;
  /** Directories a relative script name is looked up in, in order. */
  agiDirs?(): string[];
  /** agi_version. */
  version?: string;
}

declare const PBX_VERSION: string;
/** agi_version: the build's version (esbuild defines PBX_VERSION), `dev` from the sources. */
const BUILD_VERSION = typeof PBX_VERSION === 'string' ? PBX_VERSION : 'dev';

let threadSeq = 0;

function timeoutMs(ctx: AppContext): number {
  const v = Number.parseFloat(ctx.channel.variables.get('AGITIMEOUT') ?? '');
  return (Number.isFinite(v) && v > 0 ? v : DEFAULT_AGI_TIMEOUT_S) * 1000;
}

function environment(ctx: AppContext, request: string, args: string[], enhanced: boolean, version: string): AgiEnvironment {
  const ch = ctx.channel;
  const dnid = ch.variables.get('DNID') ?? ch.exten;
  return {
    request,
    channel: ch.name,
    language: ch.language || 'en',
    type: ch.tech,
    uniqueId: ch.uniqueId,
    version,
    ...(ch.callerId.number !== undefined ? { callerIdNumber: ch.callerId.number } : {}),
    ...(ch.callerId.name !== undefined ? { callerIdName: ch.callerId.name } : {}),
    callingPres: 0,
    ...(dnid ? { dnid } : {}),
    ...(ch.variables.get('RDNIS') ? { rdnis: ch.variables.get('RDNIS')! } : {}),
    context: ch.context,
    extension: ch.exten,
    priority: ch.priority,
    enhanced,
    // Channels carry no account code field; the dialplan's ACCOUNTCODE variable stands in.
    accountCode: ch.variables.get('ACCOUNTCODE') ?? '',
    threadId: String(++threadSeq),
    args,
  };
}

async function runAgi(ctx: AppContext, deps: AgiAppDeps, kind: 'AGI' | 'DeadAGI' | 'EAGI'): Promise<AppResult> {
  const ch = ctx.channel;
  const [scriptArg, ...args] = ctx.args;
  const script = (scriptArg ?? '').trim();
  const setStatus = (s: AgiOutcome | 'NOTFOUND'): void => {
    ch.variables.set('AGISTATUS', s);
  };
  if (script === '') {
    ctx.log('warning', `${kind} requires an argument (script)`);
    setStatus('FAILURE');
    return { kind: 'next' };
  }
  const dead = kind === 'DeadAGI' || ch.hangupSignal.aborted;
  const state: AgiCommandState = {
    ctx,
    media: deps.media,
    log: (level, m) => ctx.log(level, m),
  };
  let transport: AgiTransport;
  let env: AgiEnvironment;
  let closeAfter: (() => void) | undefined;
  const url = /^agi:\/\//i.test(script) ? parseAgiUrl(script) : undefined;
  if (/^agi:\/\//i.test(script)) {
    if (!url) {
      ctx.log('warning', `${kind}: bad FastAGI URL '${script}'`);
      setStatus('FAILURE');
      return { kind: 'next' };
    }
    const conn = await connectFastAgi(url.host, url.port, FASTAGI_CONNECT_MS, (m) => ctx.log('warning', `FastAGI connection to ${url.host}:${url.port} failed: ${m}`));
    if (!conn) {
      setStatus('FAILURE');
      return ch.hangupSignal.aborted && !dead ? { kind: 'hangup' } : { kind: 'next' };
    }
    transport = socketTransport(conn);
    closeAfter = () => conn.close();
    env = { ...environment(ctx, script, args, kind === 'EAGI', deps.version ?? BUILD_VERSION), network: { script: url.script } };
  } else {
    const dirs = deps.agiDirs?.() ?? [IMAGE_AGI_DIR];
    const found = findScript(script, dirs);
    if (found.kind === 'notfound') {
      ctx.log('warning', `Failed to execute '${script}': File does not exist (looked in ${found.tried.join(', ')})`);
      setStatus('NOTFOUND');
      return { kind: 'next' };
    }
    if (found.kind === 'notexecutable') {
      ctx.log('warning', `Failed to execute '${found.path}': not executable`);
      setStatus('FAILURE');
      return { kind: 'next' };
    }
    try {
      transport = localScriptTransport(found.path, args, deps.clock, (line) => ctx.log('verbose', `${script}: ${line}`));
    } catch (e) {
      ctx.log('warning', `Failed to execute '${found.path}': ${e instanceof Error ? e.message : String(e)}`);
      setStatus('FAILURE');
      return { kind: 'next' };
    }
    env = environment(ctx, script, args, kind === 'EAGI', deps.version ?? BUILD_VERSION);
  }
  ctx.log('verbose', `Launched AGI Script ${script}`);
  const sighup = !/^(no|false|0|off)$/i.test(ch.variables.get('AGISIGHUP') ?? '');
  const { outcome } = await runAgiSession({
    transport,
    dispatch: (words, isDead) => dispatchAgiCommand(state, words, isDead),
    env,
    hangupSignal: ch.hangupSignal,
    dead,
    clock: deps.clock,
    silenceTimeoutMs: timeoutMs(ctx),
    sighup,
    log: (level, m) => ctx.log(level, m),
    onHangup: () => setStatus('HANGUP'),
  });
  closeAfter?.();
  setStatus(outcome);
  ctx.log('verbose', `AGI Script ${script} completed, returning ${outcome === 'HANGUP' ? -1 : 0}`);
  if (outcome === 'HANGUP' || (ch.hangupSignal.aborted && !dead)) return { kind: 'hangup' };
  const pos = state.position;
  if (pos) {
    // SET PRIORITY/EXEC Goto name the next priority itself; SET CONTEXT/EXTENSION alone keep
    // the usual step to the following priority (Asterisk's autoloop increments it).
    return { kind: 'goto', context: pos.context, exten: pos.exten, priority: pos.priority };
  }
  return { kind: 'next' };
}

const SYNTAX = '(command[,arg1[,arg2[,...]]])';
const DESCRIPTION =
  'Executes an Asterisk Gateway Interface compliant program on a channel: a program in the AGI directory (agi-bin on the data partition, then the image\'s /usr/share/pbx/agi-bin) or an absolute path, or agi://host[:port][/script] for FastAGI (port 4573 by default). The program talks on stdin/stdout; on hangup it receives a HANGUP line (and SIGHUP unless AGISIGHUP=no). A script silent for AGITIMEOUT seconds (default 600) is stopped and the dialplan goes on. Sets AGISTATUS to SUCCESS, FAILURE, NOTFOUND or HANGUP.';

export function agiApplications(deps: AgiAppDeps): DialplanApplication[] {
  return [
    { name: 'AGI', synopsis: 'Executes an AGI compliant application', syntax: `AGI${SYNTAX}`, description: DESCRIPTION, run: (ctx) => runAgi(ctx, deps, 'AGI') },
    { name: 'DeadAGI', synopsis: 'Executes AGI on a hungup channel', syntax: `DeadAGI${SYNTAX}`, description: `${DESCRIPTION} DeadAGI runs with the dead-channel rules (commands that need the channel answer 511).`, run: (ctx) => runAgi(ctx, deps, 'DeadAGI') },
    { name: 'EAGI', synopsis: 'Executes an EAGI compliant application', syntax: `EAGI${SYNTAX}`, description: `${DESCRIPTION} EAGI runs as AGI with agi_enhanced 1.0; the audio on file descriptor 3 is not provided.`, run: (ctx) => runAgi(ctx, deps, 'EAGI') },
  ];
}

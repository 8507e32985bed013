/**
 * The AGI command set (res_agi's commands, Asterisk 1.8 syntax and replies) run against the
 * channel of the AGI application, built from the dialplan's own pieces: prompts and digits
 * through media-session's AppAudio, GET DATA through Read's getData, Say lists from media/say,
 * SET VARIABLE through the dialplan's assign (functions allowed), EXEC through runApp, GOSUB
 * through runSubroutine, RECORD FILE through Record. A command's handler gets argv as res_agi
 * does (the command words included) and returns the reply, or USAGE for a 520 with its usage.
 * Commands not marked `dead` answer 511 once the channel is gone (DeadAGI, `h`, a hangup).
 */
import { sayAlpha, sayDigits, sayNumber } from '../../media/say.ts';
import type { AudioFrame } from '../../media/frame.ts';
import { HANGUP_CAUSES } from '../../core/hangup-causes.ts';
import { parseCallerId } from './variables.ts';
import { assign, valueOf } from '../expr/substitute.ts';
import { getData } from './media-read.ts';
import { AppAudio, loadPrompt, type MediaAppDeps } from './media-session.ts';
import type { AppContext, AppResult } from '../types.ts';
import { REPLY_DEAD, REPLY_INVALID, resultReply, usageReply } from '../../apps/agi/protocol.ts';

export const USAGE = Symbol('usage');

/** What a command may touch besides the AppContext. */
export interface AgiCommandState {
  ctx: AppContext;
  media: MediaAppDeps;
  /** Where the dialplan goes when the AGI ends (SET CONTEXT/EXTENSION/PRIORITY, EXEC Goto). */
  position?: { context: string; exten: string; priority: number | string; explicitPriority: boolean };
  log(level: 'warning' | 'notice' | 'verbose', message: string): void;
}

export interface AgiCommand {
  /** The command words, upper case: ['STREAM', 'FILE']. */
  words: string[];
  usage: string;
  /** Allowed on a dead channel. */
  dead: boolean;
  run(s: AgiCommandState, argv: string[]): Promise<string | typeof USAGE>;
}

const code = (digit: string): number => digit.charCodeAt(0);
const isInt = (t: string | undefined): boolean => t !== undefined && /^-?\d+$/.test(t);

/** Frames from `offset` samples on, counting what was played (endpos = samples sent). */
function counted(frames: AudioFrame[], offsetSamples: number): { iter: Iterable<AudioFrame>; played: () => number } {
  let sent = 0;
  const start = Math.min(frames.length, Math.max(0, Math.floor(offsetSamples / 160)));
  return {
    iter: (function* () {
      for (let i = start; i < frames.length; i++) {
        sent++;
        yield frames[i]!;
      }
    })(),
    played: () => (start + sent) * 160,
  };
}

type PlayEnd = { kind: 'done' | 'hangup' | 'missing'; endpos: number } | { kind: 'digit'; digit: string; endpos: number };

/** Plays one prompt, interruptible by the escape digits. */
async function playEscapable(s: AgiCommandState, audio: AppAudio, name: string, escape: string, offset = 0): Promise<PlayEnd> {
  if (audio.hungUp) return { kind: 'hangup', endpos: 0 };
  if (!audio.media) return { kind: 'missing', endpos: 0 };
  const frames = loadPrompt(s.ctx, audio.media, name, s.ctx.channel.language);
  if (!frames) return { kind: 'missing', endpos: 0 };
  const c = counted(frames, offset);
  const breakOn = (d: string): boolean => escape.includes(d);
  if (escape === '') audio.digits?.clear();
  const r = await audio.listen({ frames: c.iter, breakOn });
  if (r.kind === 'hangup') return { kind: 'hangup', endpos: c.played() };
  if (r.kind === 'digit') return { kind: 'digit', digit: r.digit, endpos: c.played() };
  return { kind: 'done', endpos: c.played() };
}

/** Says a list of prompts (SAY *): `200 result=0`, the escape digit's code, or -1 on hangup. */
async function sayList(s: AgiCommandState, prompts: string[], escape: string): Promise<string> {
  const audio = new AppAudio(s.ctx.channel, s.media.clock);
  for (const p of prompts) {
    const r = await playEscapable(s, audio, p, escape);
    if (r.kind === 'hangup') return resultReply(-1);
    if (r.kind === 'digit') return resultReply(code(r.digit));
  }
  return resultReply(0);
}

const WEEKDAYS = 7;

/** Asterisk's English date: weekday, month, day of month, year. */
function datePrompts(at: Date): string[] {
  return [`digits/day-${at.getDay() % WEEKDAYS}`, `digits/mon-${at.getMonth()}`, ...(sayNumber(at.getDate()) ?? []), ...(sayNumber(at.getFullYear()) ?? [])];
}

/** Asterisk's English time: hour (12 h), minutes (`oh` before 1-9), a-m/p-m. */
function timePrompts(at: Date): string[] {
  const h = at.getHours() % 12 === 0 ? 12 : at.getHours() % 12;
  const m = at.getMinutes();
  const out = [...(sayNumber(h) ?? [])];
  if (m > 9) out.push(...(sayNumber(m) ?? []));
  else if (m > 0) out.push('digits/oh', ...(sayNumber(m) ?? []));
  out.push(at.getHours() < 12 ? 'digits/a-m' : 'digits/p-m');
  return out;
}

/** ast_state of the channel for CHANNEL STATUS (0 down ... 6 up, 7 busy). */
function stateCode(state: string): number {
  return ({ Down: 0, Ring: 4, Ringing: 5, Up: 6, Busy: 7 } as Record<string, number>)[state] ?? 0;
}

function cmd(words: string, dead: boolean, usage: string, run: AgiCommand['run']): AgiCommand {
  return { words: words.split(' '), usage, dead, run };
}

export const AGI_COMMANDS: AgiCommand[] = [
  cmd('ANSWER', false, ' Usage: ANSWER\n\tAnswers channel if not already in answer state. Returns -1 on channel failure, or 0 if successful.', async (s) => {
    const ch = s.ctx.channel;
    if (ch.state !== 'Up') ch.answer();
    return resultReply(ch.hangupSignal.aborted ? -1 : 0);
  }),
  cmd('HANGUP', false, ' Usage: HANGUP [<channelname>]\n\tHangs up the specified channel. If no channel name is given, hangs up the current channel', async (s, argv) => {
    const ch = s.ctx.channel;
    if (argv.length > 2) return USAGE;
    if (argv.length === 2 && argv[1] !== ch.name) return resultReply(-1);
    ch.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
    return resultReply(1);
  }),
  cmd('STREAM FILE', false, ' Usage: STREAM FILE <filename> <escape digits> [sample offset]\n\tSend the given file, allowing playback to be interrupted by the given digits, if any.\n Returns 0 if playback completes without a digit being pressed, or the ASCII numerical value of the digit if one was pressed, or -1 on error or if the channel was disconnected.', async (s, argv) => {
    if (argv.length < 4 || argv.length > 5) return USAGE;
    if (argv.length === 5 && !isInt(argv[4])) return USAGE;
    const audio = new AppAudio(s.ctx.channel, s.media.clock);
    const r = await playEscapable(s, audio, argv[2]!, argv[3]!, argv.length === 5 ? Number(argv[4]) : 0);
    if (r.kind === 'missing') return resultReply(-1, undefined, 0);
    if (r.kind === 'hangup') return resultReply(-1, undefined, r.endpos);
    return resultReply(r.kind === 'digit' ? code(r.digit) : 0, undefined, r.endpos);
  }),
  cmd('CONTROL STREAM FILE', false, ' Usage: CONTROL STREAM FILE <filename> <escape digits> [skipms] [ffchar] [rewchr] [pausechr]\n\tSend the given file, allowing playback to be controlled by the given digits, if any.', async (s, argv) => {
    if (argv.length < 5 || argv.length > 9) return USAGE;
    const ch = s.ctx.channel;
    const audio = new AppAudio(ch, s.media.clock);
    const r = await playEscapable(s, audio, argv[3]!, argv[4]!);
    ch.variables.set('CPLAYBACKOFFSET', String(Math.round(r.endpos / 8)));
    ch.variables.set('CPLAYBACKSTATUS', r.kind === 'missing' ? 'ERROR' : r.kind === 'digit' ? 'USERSTOPPED' : 'SUCCESS');
    if (r.kind === 'digit') ch.variables.set('CPLAYBACKSTOPKEY', r.digit);
    if (r.kind === 'hangup' || r.kind === 'missing') return resultReply(-1);
    return resultReply(r.kind === 'digit' ? code(r.digit) : 0);
  }),
  cmd('GET DATA', false, ' Usage: GET DATA <file to be streamed> [timeout] [max digits]\n\tStream the given file, and receive DTMF data. Returns the digits received from the channel at the other end.', async (s, argv) => {
    if (argv.length < 3 || argv.length > 5) return USAGE;
    if ((argv.length >= 4 && !isInt(argv[3])) || (argv.length === 5 && !isInt(argv[4]))) return USAGE;
    const timeout = argv.length >= 4 ? Math.max(0, Number(argv[3])) : 0;
    const max = argv.length === 5 && Number(argv[4]) > 0 ? Number(argv[4]) : 1024;
    const audio = new AppAudio(s.ctx.channel, s.media.clock);
    const got = await getData(s.ctx, audio, argv[2], max, timeout);
    // A prompt that cannot be played fails the command as ast_app_getdata does (-1).
    if (got.end === 'hangup' || got.end === 'failed' || audio.hungUp) return resultReply(-1);
    if (got.end === 'timeout') return resultReply(got.digits, 'timeout');
    return resultReply(got.digits);
  }),
  cmd('GET OPTION', false, ' Usage: GET OPTION <filename> <escape_digits> [timeout]\n\tBehaves similar to STREAM FILE but used with a timeout option.', async (s, argv) => {
    if (argv.length < 4 || argv.length > 5) return USAGE;
    if (argv.length === 5 && !isInt(argv[4])) return USAGE;
    const audio = new AppAudio(s.ctx.channel, s.media.clock);
    const escape = argv[3]!;
    const r = await playEscapable(s, audio, argv[2]!, escape);
    if (r.kind === 'missing') return resultReply(-1, undefined, 0);
    if (r.kind === 'hangup') return resultReply(-1, undefined, r.endpos);
    if (r.kind === 'digit') return resultReply(code(r.digit), undefined, r.endpos);
    const ms = argv.length === 5 && Number(argv[4]) > 0 ? Number(argv[4]) : 5000;
    const w = await audio.listen({ breakOn: (d) => escape.includes(d), timeoutMs: ms });
    if (w.kind === 'hangup') return resultReply(-1, undefined, r.endpos);
    return resultReply(w.kind === 'digit' ? code(w.digit) : 0, undefined, r.endpos);
  }),
  cmd('SAY DIGITS', false, ' Usage: SAY DIGITS <number> <escape digits>\n\tSay a given digit string, returning early if any of the given DTMF digits are received on the channel.', async (s, argv) => {
    if (argv.length !== 4) return USAGE;
    return sayList(s, (s.media.say?.digits ?? sayDigits)(argv[2]!), argv[3]!);
  }),
  cmd('SAY NUMBER', false, ' Usage: SAY NUMBER <number> <escape digits> [gender]\n\tSay a given number, returning early if any of the given DTMF digits are received on the channel.', async (s, argv) => {
    if (argv.length < 4 || argv.length > 5 || !isInt(argv[2])) return USAGE;
    const list = (s.media.say?.number ?? ((n: number, l: string) => sayNumber(n, l)))(Number(argv[2]), s.ctx.channel.language, argv[4]);
    return list ? sayList(s, list, argv[3]!) : resultReply(-1);
  }),
  cmd('SAY ALPHA', false, ' Usage: SAY ALPHA <number> <escape digits>\n\tSay a given character string, returning early if any of the given DTMF digits are received on the channel.', async (s, argv) => {
    if (argv.length !== 4) return USAGE;
    return sayList(s, (s.media.say?.alpha ?? sayAlpha)(argv[2]!), argv[3]!);
  }),
  cmd('SAY DATE', false, ' Usage: SAY DATE <date> <escape digits>\n\tSay a given date, returning early if any of the given DTMF digits are received on the channel. <date> is number of seconds elapsed since 00:00:00 on January 1, 1970, Coordinated Universal Time (UTC).', async (s, argv) => {
    if (argv.length !== 4 || !isInt(argv[2])) return USAGE;
    return sayList(s, datePrompts(new Date(Number(argv[2]) * 1000)), argv[3]!);
  }),
  cmd('SAY TIME', false, ' Usage: SAY TIME <time> <escape digits>\n\tSay a given time, returning early if any of the given DTMF digits are received on the channel. <time> is number of seconds elapsed since 00:00:00 on January 1, 1970, Coordinated Universal Time (UTC).', async (s, argv) => {
    if (argv.length !== 4 || !isInt(argv[2])) return USAGE;
    return sayList(s, timePrompts(new Date(Number(argv[2]) * 1000)), argv[3]!);
  }),
  cmd('WAIT FOR DIGIT', false, ' Usage: WAIT FOR DIGIT <timeout>\n\tWaits up to \'timeout\' milliseconds for channel to receive a DTMF digit. Returns -1 on channel failure, 0 if no digit is received in the timeout, or the numerical value of the ascii of the digit if one is received. Use -1 for the timeout value if you desire the call to block indefinitely.', async (s, argv) => {
    if (argv.length !== 4 || !isInt(argv[3])) return USAGE;
    const ms = Number(argv[3]);
    const audio = new AppAudio(s.ctx.channel, s.media.clock);
    const r = await audio.waitDigit(ms < 0 ? Number.POSITIVE_INFINITY : ms);
    if (r.kind === 'hangup') return resultReply(-1);
    return resultReply(r.kind === 'digit' ? code(r.digit) : 0);
  }),
  cmd('RECORD FILE', false, ' Usage: RECORD FILE <filename> <format> <escape digits> <timeout> [offset samples] [BEEP] [s=silence]\n\tRecord to a file until a given dtmf digit in the sequence is received. Returns -1 on hangup or error. The format will specify what kind of file will be recorded. The timeout is the maximum record time in milliseconds, or -1 for no timeout.', async (s, argv) => {
    if (argv.length < 6 || !isInt(argv[5])) return USAGE;
    const rest = argv.slice(6);
    const beep = rest.some((w) => w.toUpperCase() === 'BEEP');
    const silence = rest.find((w) => /^s=\d+$/i.test(w))?.slice(2) ?? '';
    const timeoutMs = Number(argv[5]);
    const escape = argv[4]!;
    const options = `${beep ? '' : 'q'}${escape === '' ? 'x' : escape.includes('#') ? '' : escape.includes('*') ? 't' : 'y'}`;
    const maxS = timeoutMs > 0 ? String(Math.max(1, Math.ceil(timeoutMs / 1000))) : '0';
    const ch = s.ctx.channel;
    const r = await s.ctx.runApp('Record', `${argv[2]}.${argv[3]},${silence},${maxS},${options}`);
    const status = ch.variables.get('RECORD_STATUS') ?? 'ERROR';
    if (r.kind === 'hangup' || status === 'HANGUP' || ch.hangupSignal.aborted) return resultReply(-1, 'hangup', 0);
    if (status === 'DTMF') return resultReply(code(escape.includes('#') ? '#' : escape[0] ?? '#'), 'dtmf', 0);
    if (status === 'ERROR') return resultReply(-1, undefined, 0);
    return resultReply(0, 'timeout', 0);
  }),
  cmd('SET VARIABLE', true, ' Usage: SET VARIABLE <variablename> <value>\n\tSets a variable to the current channel.', async (s, argv) => {
    if (argv.length !== 4) return USAGE;
    const ch = s.ctx.channel;
    assign(argv[2]!, argv[3]!, s.ctx.functions);
    ch.eventBus?.emit({ type: 'VarSet', channel: ch, variable: argv[2]!, value: argv[3]! });
    return resultReply(1);
  }),
  cmd('GET VARIABLE', true, ' Usage: GET VARIABLE <variablename>\n\tReturns 0 if <variablename> is not set. Returns 1 if <variablename> is set and returns the variable in parentheses.\n example return code: 200 result=1 (testvariable)', async (s, argv) => {
    if (argv.length !== 3) return USAGE;
    const name = argv[2]!;
    const ch = s.ctx.channel;
    if (!name.endsWith(')')) {
      const v = ch.variables.get(name) ?? s.ctx.functions.globals.get(name);
      if (v !== undefined) return resultReply(1, v);
    }
    const v = valueOf(name, s.ctx.functions);
    return name.endsWith(')') || v !== '' ? resultReply(1, v) : resultReply(0);
  }),
  cmd('GET FULL VARIABLE', true, ' Usage: GET FULL VARIABLE <variablename> [<channel name>]\n\tReturns 0 if <variablename> is not set or channel does not exist. Returns 1 if <variablename> is set and returns the variable in parenthesis. Understands complex variable names and builtin variables, unlike GET VARIABLE.\n example return code: 200 result=1 (testvariable)', async (s, argv) => {
    if (argv.length !== 4 && argv.length !== 5) return USAGE;
    if (argv.length === 5 && argv[4] !== s.ctx.channel.name) return resultReply(0);
    return resultReply(1, s.ctx.substitute(argv[3]!));
  }),
  cmd('DATABASE GET', true, ' Usage: DATABASE GET <family> <key>\n\tRetrieves an entry in the Asterisk database for a given family and key.\n Returns 0 if <key> is not set. Returns 1 if <key> is set and returns the variable in parenthesis.', async (s, argv) => {
    if (argv.length !== 4) return USAGE;
    const v = s.ctx.functions.db.get(argv[2]!, argv[3]!);
    return v === undefined ? resultReply(0) : resultReply(1, v);
  }),
  cmd('DATABASE PUT', true, ' Usage: DATABASE PUT <family> <key> <value>\n\tAdds or updates an entry in the Asterisk database for a given family, key, and value.\n Returns 1 if successful, 0 otherwise.', async (s, argv) => {
    if (argv.length !== 5) return USAGE;
    try {
      s.ctx.functions.db.put(argv[2]!, argv[3]!, argv[4]!);
      return resultReply(1);
    } catch (e) {
      s.log('warning', `DATABASE PUT failed: ${e instanceof Error ? e.message : String(e)}`);
      return resultReply(0);
    }
  }),
  cmd('DATABASE DEL', true, ' Usage: DATABASE DEL <family> <key>\n\tDeletes an entry in the Asterisk database for a given family and key.\n Returns 1 if successful, 0 otherwise.', async (s, argv) => {
    if (argv.length !== 4) return USAGE;
    return resultReply(s.ctx.functions.db.del(argv[2]!, argv[3]!) ? 1 : 0);
  }),
  cmd('DATABASE DELTREE', true, ' Usage: DATABASE DELTREE <family> [keytree]\n\tDeletes a family or specific keytree within a family in the Asterisk database.\n Returns 1 if successful, 0 otherwise.', async (s, argv) => {
    if (argv.length < 3 || argv.length > 4) return USAGE;
    return resultReply(s.ctx.functions.db.delTree(argv[2]!, argv[3]) > 0 ? 1 : 0);
  }),
  cmd('EXEC', true, ' Usage: EXEC <application> <options>\n\tExecutes <application> with given <options>.\n Returns whatever the application returns, or -2 on failure to find application', async (s, argv) => {
    if (argv.length < 2) return USAGE;
    const ch = s.ctx.channel;
    const data = argv.slice(2).join(' ');
    s.log('verbose', `AGI Script Executing Application: (${argv[1]}) Options: (${data})`);
    let r: AppResult;
    try {
      r = await s.ctx.runApp(argv[1]!, data);
    } catch (e) {
      s.log('warning', `Could not find application (${argv[1]}): ${e instanceof Error ? e.message : String(e)}`);
      return resultReply(-2);
    }
    if (r.kind === 'goto') {
      s.position = { context: r.context ?? ch.context, exten: r.exten ?? ch.exten, priority: r.priority, explicitPriority: true };
    }
    return resultReply(r.kind === 'hangup' ? -1 : 0);
  }),
  cmd('SET CALLERID', false, ' Usage: SET CALLERID <number>\n\tChanges the callerid of the current channel.', async (s, argv) => {
    if (argv.length !== 3) return USAGE;
    const ch = s.ctx.channel;
    const cid = parseCallerId(argv[2]!);
    ch.callerId = { ...ch.callerId, ...(cid.name !== undefined ? { name: cid.name } : {}), ...(cid.number !== undefined ? { number: cid.number } : {}) };
    ch.eventBus?.emit({ type: 'NewCallerid', channel: ch });
    return resultReply(1);
  }),
  cmd('SET CONTEXT', true, ' Usage: SET CONTEXT <desired context>\n\tSets the context for continuation upon exiting the application.', async (s, argv) => {
    if (argv.length !== 3) return USAGE;
    const ch = s.ctx.channel;
    s.position = { ...(s.position ?? { exten: ch.exten, priority: ch.priority + 1, explicitPriority: false }), context: argv[2]! };
    return resultReply(0);
  }),
  cmd('SET EXTENSION', true, ' Usage: SET EXTENSION <new extension>\n\tChanges the extension for continuation upon exiting the application.', async (s, argv) => {
    if (argv.length !== 3) return USAGE;
    const ch = s.ctx.channel;
    s.position = { ...(s.position ?? { context: ch.context, priority: ch.priority + 1, explicitPriority: false }), exten: argv[2]! };
    return resultReply(0);
  }),
  cmd('SET PRIORITY', true, ' Usage: SET PRIORITY <priority>\n\tChanges the priority for continuation upon exiting the application. The priority must be a valid priority or label.', async (s, argv) => {
    if (argv.length !== 3) return USAGE;
    const ch = s.ctx.channel;
    const p = argv[2]!;
    s.position = { ...(s.position ?? { context: ch.context, exten: ch.exten }), priority: isInt(p) ? Number(p) : p, explicitPriority: true };
    return resultReply(0);
  }),
  cmd('CHANNEL STATUS', false, ' Usage: CHANNEL STATUS [<channelname>]\n\tReturns the status of the specified channel.\n If no channel name is given then returns the status of the current channel.', async (s, argv) => {
    if (argv.length > 3) return USAGE;
    const ch = s.ctx.channel;
    if (argv.length === 3 && argv[2] !== ch.name) return resultReply(-1);
    return resultReply(stateCode(ch.state));
  }),
  cmd('VERBOSE', true, ' Usage: VERBOSE <message> <level>\n\tSends <message> to the console via verbose message system. <level> is the verbose level (1-4)', async (s, argv) => {
    if (argv.length < 2 || argv.length > 3) return USAGE;
    s.log('verbose', `${s.ctx.channel.name}: ${argv[1]}`);
    return resultReply(1);
  }),
  cmd('NOOP', true, ' Usage: NoOp\n\tDoes nothing.', async () => resultReply(0)),
  cmd('SET MUSIC', false, ' Usage: SET MUSIC <on|off> <class>\n\tEnables/Disables the music on hold generator. If <class> is not specified, then the default music on hold class will be used.', async (s, argv) => {
    if (argv.length < 3 || argv.length > 4) return USAGE;
    const onOff = argv[2]!.toLowerCase();
    if (onOff === 'on') await s.ctx.runApp('StartMusicOnHold', argv[3] ?? '');
    else if (onOff === 'off') await s.ctx.runApp('StopMusicOnHold', '');
    else return USAGE;
    return resultReply(0);
  }),
  cmd('GOSUB', false, ' Usage: GOSUB <context> <extension> <priority> [<optional-argument>]\n\tCause the channel to execute the specified dialplan subroutine, returning to the dialplan with execution of a Return()', async (s, argv) => {
    if (argv.length < 4 || argv.length > 5) return USAGE;
    const ch = s.ctx.channel;
    const saved = { context: ch.context, exten: ch.exten, priority: ch.priority };
    const p = argv[3]!;
    const args = argv.length === 5 ? argv[4]!.split(/[,|]/) : [];
    const r = await s.ctx.runSubroutine('gosub', argv[1]!, argv[2]!, isInt(p) ? Number(p) : p, args);
    ch.context = saved.context;
    ch.exten = saved.exten;
    ch.priority = saved.priority;
    if (r.kind === 'hangup' && ch.hangupSignal.aborted) return resultReply(-1);
    return '200 result=0 Gosub complete\n';
  }),
];

/** The command for argv: the longest matching command words, case-insensitive (res_agi's find_command). */
export function findCommand(argv: string[]): AgiCommand | undefined {
  const up = argv.map((w) => w.toUpperCase());
  let best: AgiCommand | undefined;
  for (const c of AGI_COMMANDS) {
    if (c.words.length > up.length) continue;
    if (c.words.every((w, i) => up[i] === w) && (!best || c.words.length > best.words.length)) best = c;
  }
  return best;
}

/** Runs one command line's words and returns the reply (510/511/520 included). */
export async function dispatchAgiCommand(s: AgiCommandState, argv: string[], dead: boolean): Promise<string> {
  const c = findCommand(argv);
  if (!c) return REPLY_INVALID;
  if (dead && !c.dead) return REPLY_DEAD;
  const r = await c.run(s, argv);
  return r === USAGE ? usageReply(c.usage) : r;
}

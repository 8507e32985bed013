/**
 * The dialplan's contracts: the parsed extensions.conf model, the lookup the executor and the
 * digit-collecting applications ask ("does 123 exist here? could more digits still match?"),
 * variable substitution, functions, applications, and what the dialplan needs from a channel.
 * Each part is built in its own module (parse/, match/, expr/, functions/, exec/, apps/); this
 * file is the only thing they share, so it stays small and changes deliberately.
 */
import type { EventBus } from '../core/events.ts';
import type { ChannelGroups } from './functions/group.ts';
import type { HangupCause } from '../core/hangup-causes.ts';
import type { AudioFrame, MediaFormat } from '../media/frame.ts';
import type { VoicemailRuntime } from '../apps/voicemail/runtime.ts';

// ---------------------------------------------------------------------------------------------
// The model (parse/ produces it, match/ answers questions about it)

export interface SourceRef {
  file: string;
  line: number;
}

/** One priority line: `exten => 100,n(start),Playback(hello)`. Arguments stay raw (unsubstituted). */
export interface Priority {
  priority: number;
  label?: string;
  /** Application name as written (case kept; lookup is case-insensitive). */
  app: string;
  /** Everything between the application's parentheses, unsubstituted; '' when none. */
  appData: string;
  source: SourceRef;
}

export interface Extension {
  /** As written: `s`, `1234`, `_9NXXXXXX`, `_X.`, `_[1-4,6]!`. */
  name: string;
  /** `exten => 100/5551234,1,...` caller-ID match (as written, may itself be a pattern). */
  callerId?: string;
  /** Priorities sorted ascending. */
  priorities: Priority[];
  /** `exten => 100,hint,SIP/100`: the device(s) whose state the extension shows; never executed. */
  hint?: { value: string; source: SourceRef };
  source: SourceRef;
}

/** `include => ctx` or `include => ctx,09:00-17:00,mon-fri,*,*`. */
export interface Include {
  context: string;
  time?: TimeSpec;
  source: SourceRef;
}

export interface Context {
  name: string;
  extensions: Extension[];
  includes: Include[];
  /** `ignorepat =>` patterns (dial tone keeps playing after these). */
  ignorePatterns: string[];
  source: SourceRef;
}

export interface DialplanGeneral {
  static: boolean;
  writeProtect: boolean;
  /** Asterisk >= 1.6 default: true (hang up when the priorities run out). */
  autoFallthrough: boolean;
  clearGlobalVars: boolean;
  /** Ours: priorities a channel may run without waiting before it is stopped (default 10,000). */
  maxSteps?: number;
}

export interface Dialplan {
  general: DialplanGeneral;
  /** [globals] in file order, values raw (substituted when the dialplan is loaded). */
  globals: { name: string; value: string; source: SourceRef }[];
  contexts: Map<string, Context>;
}

/** A time condition as in include =>, GotoIfTime and IFTIME: `times,weekdays,mdays,months[,tz]`. */
export interface TimeSpec {
  /** The text it came from (shown by `dialplan show`). */
  text: string;
  matches(at: Date): boolean;
}

// ---------------------------------------------------------------------------------------------
// Lookup (match/)

export interface FoundPriority {
  /** Context where the extension was found (may be an included one). */
  context: string;
  extension: Extension;
  priority: Priority;
}

export interface DialplanLookup {
  /** The priority `priority` of the best match for `exten` (Asterisk's order), following includes. */
  find(context: string, exten: string, priority: number, callerId?: string, at?: Date): FoundPriority | undefined;
  /** The priority number a label stands for in the best match of `exten`. */
  findLabel(context: string, exten: string, label: string, callerId?: string, at?: Date): number | undefined;
  /** Some extension matches `exten` exactly (ast_exists_extension, priority 1). */
  exists(context: string, exten: string, callerId?: string, at?: Date): boolean;
  /** `exten` matches or could match after more digits (ast_canmatch_extension). */
  canMatch(context: string, exten: string, callerId?: string, at?: Date): boolean;
  /** More digits could still match something (ast_matchmore_extension: `_X.` after `1`, `12` when `123` exists). */
  matchMore(context: string, exten: string, callerId?: string, at?: Date): boolean;
  hasContext(context: string): boolean;
}

// ---------------------------------------------------------------------------------------------
// What the dialplan needs from a channel (a SipChannel, later a DAHDI channel, implements it)

export interface DialplanCallerId {
  name?: string;
  number?: string;
  /** Asterisk presentation name: allowed_not_screened, prohib, ... (SetCallerPres). */
  presentation?: string;
}

export interface DialplanChannel {
  readonly name: string;
  /** Asterisk's UNIQUEID: `<epoch>.<sequence>`. */
  readonly uniqueId: string;
  readonly tech: string;
  readonly state: 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';
  callerId: DialplanCallerId;
  /** Channel variables (names case-sensitive like Asterisk's; `_`/`__` inheritance kept in the name). */
  readonly variables: Map<string, string>;
  context: string;
  exten: string;
  priority: number;
  /** Shown by `core show channels`. */
  application: string;
  appData: string;
  language: string;
  /** Negotiated audio format once media exists. */
  readonly format: MediaFormat | undefined;
  /** Set once the channel is gone. */
  readonly cause: HangupCause | undefined;
  /** Aborted when the channel hangs up: every application must stop waiting on it. */
  readonly hangupSignal: AbortSignal;
  answer(): void;
  /** 180 Ringing to an inbound caller. */
  ringing(): void;
  /** 183 Session Progress with SDP (early media) to an inbound caller. */
  progress(): void;
  hangup(cause: HangupCause): void;
  /** Media for applications (play, record, digits); undefined for a channel without audio. */
  readonly media: ChannelMedia | undefined;
  /**
   * The caller hears call progress in band before any answer (an analog phone off hook: chan_dahdi
   * plays the tones), so Busy()/Congestion() play the tone and wait, as on an answered channel,
   * instead of ending the call with a status the way chan_sip does.
   */
  readonly inbandProgress?: boolean;
  /**
   * The PBX's event bus (core/events.ts), where the dialplan reports what it does to the channel
   * (Newexten, VarSet, NewCallerid); absent on channels made without one (some unit tests).
   */
  readonly eventBus?: EventBus;
}

/** Audio and DTMF of one channel while the dialplan owns it (a bridge takes them over). */
export interface ChannelMedia {
  readonly format: MediaFormat;
  /** Send one 20 ms frame now (the caller paces with the media clock). */
  send(frame: AudioFrame): void;
  /** Hear received frames; returns the unsubscribe function. */
  onFrame(cb: (frame: AudioFrame) => void): () => void;
  /** Hear DTMF digits (RFC 4733 ends, in order); returns the unsubscribe function. */
  onDigit(cb: (digit: string) => void): () => void;
  /** Send a DTMF digit to the far end. */
  sendDigit(digit: string, durationMs?: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Substitution and functions (expr/, functions/)

/** What a dialplan function may use besides the channel. */
export interface FunctionEnv {
  channel: DialplanChannel | undefined;
  globals: Map<string, string>;
  db: AstDb;
  lookup: DialplanLookup;
  /** Wall clock ms since epoch (EPOCH, STRFTIME, IFTIME). */
  now(): number;
  /** Environment variables (ENV()). */
  env(name: string): string | undefined;
  setEnv(name: string, value: string): void;
  /** Reads a file's text (STAT/READFILE); undefined when missing. */
  stat?(path: string): { size: number; mtimeMs: number; isDirectory: boolean } | undefined;
  log(level: 'warning' | 'notice' | 'verbose', message: string): void;
  /** Voicemail for VMCOUNT, VM_INFO, MAILBOX_EXISTS (absent: no box exists). */
  voicemail?(): VoicemailRuntime | undefined;
  /** The channel's live call record (CDR(), ForkCDR, NoCDR ...); absent or undefined: no records kept. */
  cdr?(channel: DialplanChannel): DialplanCdr | undefined;
  /** Channel groups for GROUP(), GROUP_COUNT() ... (absent: those functions fail). */
  groups?: ChannelGroups;
}

/** A channel's live call record as the dialplan sees it (src/cdr/engine.ts implements it). */
export interface DialplanCdr {
  /** CDR(field[,u]): a standard field or a custom variable ('' when unset). */
  get(field: string, unformatted: boolean): string;
  /** Set(CDR(field)=value): undefined when done, else why not (a read-only field, a bad amaflags). */
  set(field: string, value: string): string | undefined;
  /** ForkCDR([options]): `e` ends the current record now; `v` keeps the variables in the new one. */
  fork(options: string): void;
  /** ResetCDR([options]): `w` writes the record before restarting it, `v` keeps variables, `e` re-enables. */
  reset(options: string): void;
  /** NoCDR(): the channel's record is not written. */
  disable(): void;
}

export interface DialplanFunction {
  /** Upper case name: CALLERID, DB, CUT ... */
  name: string;
  synopsis: string;
  /** `CUT(varname,delimiter,fieldspec)` as shown by `core show function`. */
  syntax: string;
  description: string;
  /** `args` is the raw text inside the parentheses, already substituted. */
  read?(args: string, env: FunctionEnv): string;
  /** Set(FUNC(args)=value). */
  write?(args: string, value: string, env: FunctionEnv): void;
}

/** The AstDB as the dialplan sees it (store/astdb.ts implements it, persistent and bounded). */
export interface AstDb {
  get(family: string, key: string): string | undefined;
  /** Throws PbxError('DB_FULL') when the configured bound would be exceeded. */
  put(family: string, key: string, value: string): void;
  del(family: string, key: string): boolean;
  /** Deletes a family (and its sub-families `family/...`), or under `family/keytree`; returns how many keys. */
  delTree(family: string, keyTree?: string): number;
  /** Entries whose `/family/key` path starts with `/prefix` (all when undefined), sorted. */
  entries(prefix?: string): { family: string; key: string; value: string }[];
}

// ---------------------------------------------------------------------------------------------
// Applications (apps/, run by exec/)

/** How the executor continues after an application. */
export type AppResult =
  | { kind: 'next' }
  /** Jump: fields left undefined keep the current context/extension; priority may be a label. */
  | { kind: 'goto'; context?: string; exten?: string; priority: number | string }
  /** Stop the dialplan and hang up (Hangup(), a bridged Dial that ended, the channel gone). */
  | { kind: 'hangup'; cause?: HangupCause };

export interface AppContext {
  channel: DialplanChannel;
  /** Already substituted, split on `,` (or the legacy `|`) honouring quotes, parentheses and `\`. */
  args: string[];
  /** The substituted text before splitting (System, Verbose, Exec keep commas). */
  rawArgs: string;
  lookup: DialplanLookup;
  functions: FunctionEnv;
  /** Substitute `${...}`/`$[...]` in text for this channel (Exec, ExecIf, While's re-evaluation). */
  substitute(text: string): string;
  /** Run another application by name (Exec, TryExec, ExecIf, MacroIf). */
  runApp(name: string, rawArgs: string): Promise<AppResult>;
  /** Run the dialplan from a position as a subroutine until Return/MacroExit (Gosub, Macro). */
  runSubroutine(kind: 'gosub' | 'macro', context: string, exten: string, priority: number | string, args: string[]): Promise<AppResult>;
  /** Sounds, tones and timing for media applications. */
  sounds: SoundLookup;
  /** Wall-clock ms (Wait, Record durations use the monotonic one). */
  now(): number;
  /** Resolves after ms, or rejects with the hangup when the channel goes (AbortSignal). */
  sleep(ms: number): Promise<void>;
  log(level: 'error' | 'warning' | 'notice' | 'verbose' | 'debug', message: string): void;
}

export interface DialplanApplication {
  /** As Asterisk spells it: Playback, GotoIf, SayDigits. */
  name: string;
  synopsis: string;
  syntax: string;
  description: string;
  /** Set for applications that need a later feature: `pbx check` reports this text as an error. */
  unavailable?: string;
  run(ctx: AppContext): Promise<AppResult>;
}

/** Finds prompts: `sounds/<lang>/<name>.<ext>` with fallback to `en`, best format for the channel. */
export interface SoundLookup {
  /** Path of the file to play for `name` (no extension; absolute paths allowed) or undefined. */
  find(name: string, language: string, format: MediaFormat): string | undefined;
  /** Decoded 20 ms frames in `format`; throws PbxError('SOUND_NOT_FOUND') naming what was tried. */
  frames(name: string, language: string, format: MediaFormat): AudioFrame[];
}

/**
 * What the executor needs from the running PBX. Everything is injected so the executor can be
 * tested with a hand-built dialplan, a fake channel and a FakeClock, and so a reload can swap the
 * dialplan under running channels (they continue with the new one at their next priority, as
 * Asterisk's channels do after `dialplan reload`).
 */
import type { Clock } from '../../platform/clock.ts';
import type { DialplanApplication, DialplanChannel, DialplanLookup, FunctionEnv, SoundLookup } from '../types.ts';

/** The logging the dialplan does (a subset of log/Logger, so the runtime passes its logger). */
export interface DialplanLog {
  error(msg: string): void;
  warning(msg: string): void;
  notice(msg: string): void;
  /** Asterisk's ast_verb(level, ...): `-- Executing [...]` lines are level 3. */
  verbose(level: number, msg: string): void;
  debug(level: number, msg: string): void;
  /** Whether verbose(level) would show anywhere (skips building `-- Executing` lines nobody sees). */
  isVerbose?(level: number): boolean;
}

/** Finds applications by name, case-insensitively (apps/registry.ts implements it). */
export interface ApplicationLookup {
  get(name: string): DialplanApplication | undefined;
}

/** The dialplan in force right now. */
export interface ActiveDialplan {
  lookup: DialplanLookup;
  /** extensions.conf [general] autofallthrough (Asterisk >= 1.6 default: true). */
  autoFallthrough: boolean;
}

export interface ExecutorDeps {
  /** Asked at every priority, so a reload takes effect at the channel's next step. */
  dialplan(): ActiveDialplan;
  applications: ApplicationLookup;
  /** `${...}` and `$[...]` substitution; default expr/ substitute (give functionEnv a SubstEnv). */
  substitute?(text: string, env: FunctionEnv): string;
  /** Splits substituted application data on `,` (or the legacy `|`); default parse/ splitAppArgs. */
  splitArgs?(text: string): string[];
  /**
   * The function environment for this channel (globals, AstDB, clock, ENV ...). For dialplan
   * functions to work it must be a SubstEnv: expr/ withFunctions(env, createFunctionRegistry()).
   */
  functionEnv(channel: DialplanChannel): FunctionEnv;
  sounds: SoundLookup;
  clock: Clock;
  log: DialplanLog;
  /**
   * Priorities a channel may run without spending any time waiting (an application that blocked
   * for WAITED_MS or more resets the count). Stops `exten => s,1,Goto(s,1)` and runaway While
   * loops; a loop with a Wait() or a Playback in it is a legitimate long call. Default 10,000.
   */
  maxSteps?: number;
}

export const DEFAULT_MAX_STEPS = 10_000;
/** An application that took at least this long spent real time: the runaway-loop count restarts. */
export const WAITED_MS = 50;
/** Steps between two turns given to the event loop. */
export const YIELD_EVERY = 64;

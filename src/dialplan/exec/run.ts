/**
 * The dialplan executor: runs a channel through extensions.conf the way Asterisk's
 * __ast_pbx_run does. Each step finds the priority (following includes, matching the caller
 * ID), substitutes its data, runs the application and follows its AppResult. When the
 * priorities run out the channel hangs up with the cause its DIALSTATUS implies
 * (autofallthrough); an extension that does not exist goes to `i` (INVALID_EXTEN set) or hangs
 * up; once the channel is gone the context's `h` extension runs with applications that need
 * media returning at once. Gosub and Macro run nested loops (runSubroutine) with their ARGn
 * saved and restored.
 *
 * Safety: a channel that runs `maxSteps` priorities without ever waiting is a runaway loop
 * (`exten => s,1,Goto(s,1)`): it is stopped with a logged DIALPLAN_STEP_LIMIT error and hung up.
 * The event loop gets a turn every YIELD_EVERY priorities, so other calls keep being served
 * even while a loop spins towards the limit. A hangup aborts whatever application runs.
 */
import { yieldToEventLoop } from '../../platform/event-loop.ts';
import { PbxError } from '../../core/errors.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../core/hangup-causes.ts';
import type { AppContext, AppResult, DialplanApplication, DialplanChannel, FunctionEnv, Priority } from '../types.ts';
import { DEFAULT_MAX_STEPS, WAITED_MS, YIELD_EVERY, type ActiveDialplan, type ExecutorDeps } from './deps.ts';
import { beginExecution, endExecution, macroDepth, type ExecutionState, type Frame } from './frames.ts';
import { causeForDialStatus } from './cause.ts';
import { sleepOn } from './sleep.ts';
import { channelVariable } from './variables.ts';
import { substitute as substituteText } from '../expr/substitute.ts';
import { splitAppArgs } from '../parse/args.ts';
import { readTimeouts, TIMEOUT_VARIABLES } from '../functions/timeout.ts';
import { channelDigits, releaseChannelDigits, startChannelDigits } from '../apps/media-digits.ts';

/** Asterisk's app_macro refuses to nest deeper than this ("possible infinite loop detected"). */
export const MAX_MACRO_DEPTH = 7;

/** runApp() of a name no application has (Exec, TryExec tell it apart: TRYSTATUS=NOAPP). */
export class UnknownApplicationError extends PbxError {
  constructor(readonly appName: string) {
    super('DIALPLAN_APP', `Could not find application (${appName})`);
  }
}

interface Position {
  context: string;
  exten: string;
  priority: number;
}

/** Why a loop over priorities stopped. */
type LoopEnd =
  /** Stop and hang up; `byApp` when an application returned it (Asterisk logs "Spawn extension ... exited non-zero"). */
  | { end: 'hangup'; cause?: HangupCause; byApp?: boolean }
  /** Return / MacroExit ended this loop's call. */
  | { end: 'frame-ended' }
  /** A macro's priorities ran out (or its extension does not exist): back to the caller. */
  | { end: 'macro-done' }
  /** A macro jumped out of its context: the caller continues there. */
  | { end: 'left'; at: Position };

type Mode = 'main' | 'h';

/**
 * Runs `channel` from channel.context/exten/priority until it hangs up, then its `h` extension.
 * Never rejects: failures are logged and end in a hangup.
 */
export async function runDialplan(channel: DialplanChannel, deps: ExecutorDeps): Promise<void> {
  const ex = new ChannelExecution(channel, deps);
  // Digits typed before the first media application (during Answer, Set ...) are kept for it.
  startChannelDigits(channel);
  try {
    await ex.run();
  } catch (e) {
    deps.log.error(`Dialplan on ${channel.name} failed: ${e instanceof Error ? e.message : String(e)}`);
    if (!channel.hangupSignal.aborted) channel.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  } finally {
    releaseChannelDigits(channel);
    endExecution(channel);
  }
}

class ChannelExecution {
  private readonly state: ExecutionState;
  private readonly maxSteps: number;
  /** Running the `h` extension: the channel is gone and that is expected (Gosub/Macro there too). */
  private inHangupExtension = false;

  constructor(
    private readonly channel: DialplanChannel,
    private readonly deps: ExecutorDeps,
  ) {
    this.state = beginExecution(channel);
    this.maxSteps = deps.maxSteps ?? DEFAULT_MAX_STEPS;
  }

  private get gone(): boolean {
    return this.channel.hangupSignal.aborted;
  }

  private at(): Date {
    return new Date(this.deps.clock.wallNow());
  }

  private get cid(): string | undefined {
    return this.channel.callerId.number;
  }

  async run(): Promise<void> {
    const ch = this.channel;
    const end = await this.runFrom(this.startPosition(), undefined, 'main');
    if (end.end === 'hangup' && end.byApp) this.deps.log.verbose(2, `Spawn extension (${ch.context}, ${ch.exten}, ${ch.priority}) exited non-zero on '${ch.name}'`);
    if (!this.gone) ch.hangup(end.end === 'hangup' ? (end.cause ?? HANGUP_CAUSES.NORMAL_CLEARING) : HANGUP_CAUSES.NORMAL_CLEARING);
    const context = ch.context;
    if (this.deps.dialplan().lookup.exists(context, 'h', this.cid, this.at())) {
      ch.exten = 'h';
      ch.priority = 1;
      this.state.steps = 0;
      this.inHangupExtension = true;
      await this.runFrom({ context, exten: 'h', priority: 1 }, undefined, 'h');
    }
  }

  /** Asterisk falls back to `s`, then to context `default`, when the start position does not exist. */
  private startPosition(): Position {
    const ch = this.channel;
    const pos: Position = { context: ch.context, exten: ch.exten, priority: ch.priority > 0 ? ch.priority : 1 };
    const { lookup } = this.deps.dialplan();
    if (lookup.find(pos.context, pos.exten, pos.priority, this.cid, this.at())) return pos;
    this.deps.log.verbose(2, `Starting ${ch.name} at ${pos.context},${pos.exten},${pos.priority} failed so falling back to exten 's'`);
    pos.exten = 's';
    pos.priority = 1;
    if (!lookup.find(pos.context, 's', 1, this.cid, this.at()) && pos.context !== 'default') {
      this.deps.log.verbose(2, `Starting ${ch.name} at ${pos.context},s,1 still failed so falling back to context 'default'`);
      pos.context = 'default';
    }
    return pos;
  }

  private async runFrom(start: Position, frame: Frame | undefined, mode: Mode): Promise<LoopEnd> {
    let pos = { ...start };
    for (;;) {
      if (frame?.ended) return { end: 'frame-ended' };
      if (mode === 'main' && this.gone) return { end: 'hangup' };
      if (mode === 'main' && this.absoluteTimeoutPassed()) {
        const t = this.absoluteTimeout(pos);
        if ('end' in t) return t;
        pos = t;
      }
      if (frame?.kind === 'macro' && pos.context !== frame.context) {
        this.deps.log.verbose(2, `Channel '${this.channel.name}' jumping out of macro '${frame.context.replace(/^macro-/, '')}'`);
        return { end: 'left', at: pos };
      }
      const dp = this.deps.dialplan();
      const found = dp.lookup.find(pos.context, pos.exten, pos.priority, this.cid, this.at());
      if (!found) {
        const next = await this.noSuchPriority(pos, dp, frame, mode);
        if ('end' in next) return next;
        pos = next;
        continue;
      }
      const limit = await this.countStep(pos);
      if (limit) return limit;
      const result = await this.execute(found.priority, pos, dp, mode);
      const redirect = mode === 'main' && !this.gone ? this.state.redirect : undefined;
      if (redirect) {
        // An async goto (requestRedirect): out of every Gosub/Macro, then on at the new place.
        if (frame) {
          for (const f of this.state.frames) f.ended = true;
          return { end: 'frame-ended' };
        }
        delete this.state.redirect;
        this.deps.log.verbose(3, `Channel '${this.channel.name}' redirected to (${redirect.context},${redirect.exten},${redirect.priority})`);
        pos = { ...redirect };
        continue;
      }
      if (result.kind === 'next') {
        pos = { ...pos, priority: pos.priority + 1 };
      } else if (result.kind === 'goto') {
        const to = this.resolveGoto(pos, result, dp);
        if (!to) return { end: 'hangup', byApp: true };
        pos = to;
      } else {
        return { end: 'hangup', byApp: true, ...(result.cause !== undefined ? { cause: result.cause } : {}) };
      }
    }
  }

  private absoluteTimeoutPassed(): boolean {
    const at = readTimeouts(this.channel).hangupAtMs;
    return at !== undefined && at > 0 && this.deps.clock.wallNow() >= at;
  }

  /** TIMEOUT(absolute) passed: the `T` extension if there is one (the timeout is cleared), else hang up. */
  private absoluteTimeout(pos: Position): Position | LoopEnd {
    const ch = this.channel;
    ch.variables.delete(TIMEOUT_VARIABLES.absolute);
    this.deps.log.verbose(3, `Channel '${ch.name}' timed out (absolute timeout)`);
    if (this.deps.dialplan().lookup.exists(pos.context, 'T', this.cid, this.at())) return { context: pos.context, exten: 'T', priority: 1 };
    return { end: 'hangup' };
  }

  /** Counts a step; the runaway-loop limit, and a turn for the event loop now and then. */
  private async countStep(pos: Position): Promise<LoopEnd | undefined> {
    this.state.steps++;
    this.state.total++;
    if (this.state.steps > this.maxSteps) {
      const err = new PbxError(
        'DIALPLAN_STEP_LIMIT',
        `Channel '${this.channel.name}' ran ${this.maxSteps} dialplan priorities without waiting (at ${pos.exten}@${pos.context}:${pos.priority}): runaway loop stopped, hanging up`,
      );
      this.deps.log.error(`${err.message} [${err.code}]`);
      return { end: 'hangup' };
    }
    if (this.state.total % YIELD_EVERY === 0) await yieldToEventLoop();
    return undefined;
  }

  /** The position does not exist: `i`, autofallthrough, the end of a macro or of `h`. */
  private async noSuchPriority(pos: Position, dp: ActiveDialplan, frame: Frame | undefined, mode: Mode): Promise<Position | LoopEnd> {
    const ch = this.channel;
    if (frame?.kind === 'macro') return { end: 'macro-done' };
    if (mode === 'h') return { end: 'hangup' };
    if (!dp.lookup.exists(pos.context, pos.exten, this.cid, this.at())) {
      if (pos.exten !== 'i' && dp.lookup.exists(pos.context, 'i', this.cid, this.at())) {
        this.deps.log.verbose(3, `Sent into invalid extension '${pos.exten}' in context '${pos.context}' on ${ch.name}`);
        ch.variables.set('INVALID_EXTEN', pos.exten);
        return { context: pos.context, exten: 'i', priority: 1 };
      }
      this.deps.log.warning(`Channel '${ch.name}' sent into invalid extension '${pos.exten}' in context '${pos.context}', but no invalid handler`);
      return { end: 'hangup' };
    }
    if (dp.autoFallthrough) {
      const status = channelVariable(ch, 'DIALSTATUS');
      this.deps.log.verbose(2, `Auto fallthrough, channel '${ch.name}' status is '${status || 'UNKNOWN'}'`);
      return { end: 'hangup', cause: causeForDialStatus(status, channelVariable(ch, 'HANGUPCAUSE')) };
    }
    return this.waitForExtension(pos, dp);
  }

  /**
   * autofallthrough=no: like Asterisk before 1.6, the caller may dial an extension now; no digit
   * within the response timeout goes to `t` (or hangs up when there is none).
   */
  private async waitForExtension(pos: Position, dp: ActiveDialplan): Promise<Position | LoopEnd> {
    const ch = this.channel;
    const digits = await this.collectDigits(pos.context, dp);
    if (this.gone) return { end: 'hangup' };
    if (digits !== '') return { context: pos.context, exten: digits, priority: 1 };
    if (dp.lookup.exists(pos.context, 't', this.cid, this.at())) {
      this.deps.log.verbose(3, `Timeout on ${ch.name}`);
      return { context: pos.context, exten: 't', priority: 1 };
    }
    this.deps.log.warning(`Timeout, but no rule 't' in context '${pos.context}'`);
    return { end: 'hangup' };
  }

  private collectDigits(context: string, dp: ActiveDialplan): Promise<string> {
    const queue = channelDigits(this.channel);
    const signal = this.channel.hangupSignal;
    if (!queue || signal.aborted) return Promise.resolve('');
    const clock = this.deps.clock;
    const { responseMs, digitMs } = readTimeouts(this.channel);
    return new Promise((resolve) => {
      let digits = '';
      let finished = false;
      let timer = clock.setTimeout(() => done(), responseMs);
      const hear = (d: string): void => {
        if (finished) return;
        digits += d;
        timer.cancel();
        if (dp.lookup.matchMore(context, digits, this.cid, this.at())) timer = clock.setTimeout(() => done(), digitMs);
        else done();
      };
      // Digits already queued (typed before this wait) count first, then live ones.
      const off = queue.listen(hear);
      const done = (): void => {
        if (finished) return;
        finished = true;
        timer.cancel();
        off();
        signal.removeEventListener('abort', done);
        resolve(digits);
      };
      signal.addEventListener('abort', done, { once: true });
      for (let d = queue.take(); d !== undefined && !finished; d = queue.take()) hear(d);
    });
  }

  private resolveGoto(pos: Position, r: Extract<AppResult, { kind: 'goto' }>, dp: ActiveDialplan): Position | undefined {
    const context = r.context ?? pos.context;
    const exten = r.exten ?? pos.exten;
    let priority: number | undefined;
    if (typeof r.priority === 'number') priority = r.priority;
    else if (/^\d+$/.test(r.priority.trim())) priority = Number(r.priority.trim());
    else priority = dp.lookup.findLabel(context, exten, r.priority, this.cid, this.at());
    if (priority === undefined || priority < 1) {
      this.deps.log.warning(`Priority '${String(r.priority)}' must be a number > 0, or valid label`);
      return undefined;
    }
    this.deps.log.verbose(3, `Goto (${context},${exten},${priority})`);
    return { context, exten, priority };
  }

  private async execute(priority: Priority, pos: Position, dp: ActiveDialplan, mode: Mode): Promise<AppResult> {
    const ch = this.channel;
    ch.context = pos.context;
    ch.exten = pos.exten;
    ch.priority = pos.priority;
    const app = this.deps.applications.get(priority.app);
    if (!app) {
      this.deps.log.warning(`No application '${priority.app}' for extension (${pos.context}, ${pos.exten}, ${pos.priority})`);
      return { kind: 'hangup' };
    }
    const env = this.deps.functionEnv(ch);
    let raw: string;
    try {
      raw = (this.deps.substitute ?? substituteText)(priority.appData, env);
    } catch (e) {
      this.deps.log.error(`${priority.source.file}:${priority.source.line}: ${e instanceof Error ? e.message : String(e)}`);
      return { kind: 'hangup' };
    }
    if (this.deps.log.isVerbose?.(3) !== false) this.deps.log.verbose(3, `Executing [${pos.exten}@${pos.context}:${pos.priority}] ${app.name}("${ch.name}", "${raw}") in new stack`);
    ch.application = app.name;
    ch.appData = raw;
    ch.eventBus?.emit({ type: 'Newexten', channel: ch, context: pos.context, exten: pos.exten, priority: pos.priority, application: app.name, appData: raw });
    const started = this.deps.clock.now();
    const result = await this.runGuarded(app, this.appContext(raw, env, dp, mode), mode);
    if (this.deps.clock.now() - started >= WAITED_MS) this.state.steps = 0;
    return result;
  }

  /**
   * Runs one application. In the main loop a hangup settles it at once (the application's own
   * promise is left to wind down; sleeps reject). A running Gosub/Macro is not cut short that
   * way: its inner loop stops at its own next step and restores what it saved first.
   */
  private async runGuarded(app: DialplanApplication, ctx: AppContext, mode: Mode): Promise<AppResult> {
    try {
      if (app.unavailable) throw new PbxError('DIALPLAN_APP', `${app.name}: not available: ${app.unavailable}`);
      const depth = this.state.frames.length;
      const p = app.run(ctx);
      const result = mode === 'main' ? await this.raceHangup(p, depth) : await p;
      if (mode === 'main' && this.gone) return { kind: 'hangup' };
      return result;
    } catch (e) {
      // Rejections after the hangup are the hangup itself (a sleep, media on a gone channel).
      if (this.gone) return { kind: 'hangup' };
      this.deps.log.error(e instanceof PbxError ? e.message : `${app.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      return { kind: 'hangup' };
    }
  }

  private raceHangup(p: Promise<AppResult>, depth: number): Promise<AppResult> {
    const signal = this.channel.hangupSignal;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        // A subroutine started by this application unwinds by itself (see runGuarded).
        if (this.state.frames.length > depth) return;
        resolve({ kind: 'hangup' });
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private appContext(raw: string, env: FunctionEnv, dp: ActiveDialplan, mode: Mode): AppContext {
    const ch = this.channel;
    const deps = this.deps;
    return {
      channel: ch,
      args: raw === '' ? [] : (deps.splitArgs ?? splitAppArgs)(raw),
      rawArgs: raw,
      lookup: dp.lookup,
      functions: env,
      substitute: (text) => (deps.substitute ?? substituteText)(text, env),
      runApp: (name, rawArgs) => this.runNamed(name, rawArgs, env, dp, mode),
      runSubroutine: (kind, context, exten, priority, args) => this.subroutine(kind, context, exten, priority, args),
      sounds: deps.sounds,
      now: () => deps.clock.wallNow(),
      sleep: (ms) => sleepOn(deps.clock, ch.hangupSignal, ch.name, ms),
      log: (level, message) => {
        if (level === 'verbose') deps.log.verbose(3, message);
        else if (level === 'debug') deps.log.debug(1, message);
        else deps.log[level](message);
      },
    };
  }

  /** Exec, TryExec, ExecIf: another application with already substituted data. */
  private async runNamed(name: string, rawArgs: string, env: FunctionEnv, dp: ActiveDialplan, mode: Mode): Promise<AppResult> {
    const app = this.deps.applications.get(name.trim());
    if (!app) throw new UnknownApplicationError(name.trim());
    if (app.unavailable) throw new PbxError('DIALPLAN_APP', `${app.name}: not available: ${app.unavailable}`);
    return app.run(this.appContext(rawArgs, env, dp, mode));
  }

  private async subroutine(kind: Frame['kind'], context: string, exten: string, priority: number | string, args: string[]): Promise<AppResult> {
    const ch = this.channel;
    const { lookup } = this.deps.dialplan();
    let prio: number | undefined;
    if (typeof priority === 'number') prio = priority;
    else if (/^\d+$/.test(priority.trim())) prio = Number(priority.trim());
    else prio = lookup.findLabel(context, exten, priority, this.cid, this.at());
    if (prio === undefined || prio < 1) {
      this.deps.log.warning(`Priority '${String(priority)}' must be a number > 0, or valid label`);
      return { kind: 'hangup' };
    }
    if (kind === 'macro') {
      if (macroDepth(ch) >= MAX_MACRO_DEPTH) {
        this.deps.log.error('Macro():  possible infinite loop detected.  Returning early.');
        return { kind: 'next' };
      }
      if (!lookup.find(context, exten, prio, this.cid, this.at())) {
        if (!lookup.hasContext(context)) this.deps.log.warning(`No such context '${context}' for macro '${context.replace(/^macro-/, '')}'`);
        else this.deps.log.warning(`Context '${context}' for macro '${context.replace(/^macro-/, '')}' lacks '${exten}' extension, priority ${prio}`);
        return { kind: 'next' };
      }
    } else if (!lookup.find(context, exten, prio, this.cid, this.at())) {
      this.deps.log.error(`Gosub attempted to reach non-existent destination '${context},${exten},${prio}' from '${ch.context},${ch.exten},${ch.priority}'.`);
      return { kind: 'hangup' };
    }

    const caller: Position = { context: ch.context, exten: ch.exten, priority: ch.priority };
    const saved = this.saveVariables(kind, args.length);
    args.forEach((a, i) => ch.variables.set(`ARG${i + 1}`, a));
    for (const name of saved.keys()) if (/^ARG\d+$/.test(name) && Number(name.slice(3)) > args.length) ch.variables.delete(name);
    if (kind === 'macro') {
      ch.variables.set('MACRO_EXTEN', caller.exten);
      ch.variables.set('MACRO_CONTEXT', caller.context);
      ch.variables.set('MACRO_PRIORITY', String(caller.priority));
      ch.variables.set('MACRO_DEPTH', String(macroDepth(ch) + 1));
    }
    const frame: Frame = { kind, context, ended: false };
    this.state.frames.push(frame);
    let end: LoopEnd;
    try {
      end = await this.runFrom({ context, exten, priority: prio }, frame, this.inHangupExtension ? 'h' : 'main');
    } finally {
      this.state.frames.splice(this.state.frames.lastIndexOf(frame), 1);
      for (const [name, value] of saved) {
        if (value === undefined) ch.variables.delete(name);
        else ch.variables.set(name, value);
      }
    }
    if (!this.gone) {
      ch.context = caller.context;
      ch.exten = caller.exten;
      ch.priority = caller.priority;
    }
    switch (end.end) {
      case 'hangup':
        return { kind: 'hangup', ...(end.cause !== undefined ? { cause: end.cause } : {}) };
      case 'frame-ended':
        return { kind: 'next' };
      case 'left':
        return { kind: 'goto', context: end.at.context, exten: end.at.exten, priority: end.at.priority };
      case 'macro-done':
        return this.macroResult();
    }
  }

  /** ARG1..n (and the MACRO_* variables) as they were, to restore when the call returns. */
  private saveVariables(kind: Frame['kind'], argc: number): Map<string, string | undefined> {
    const v = this.channel.variables;
    const saved = new Map<string, string | undefined>();
    for (let i = 1; i <= argc || v.has(`ARG${i}`); i++) saved.set(`ARG${i}`, v.get(`ARG${i}`));
    if (kind === 'macro') for (const n of ['MACRO_EXTEN', 'MACRO_CONTEXT', 'MACRO_PRIORITY', 'MACRO_DEPTH']) saved.set(n, v.get(n));
    return saved;
  }

  /** `Set(MACRO_RESULT=GOTO:ctx^exten^prio)` in a macro sends the caller there when it ends. */
  private macroResult(): AppResult {
    const v = this.channel.variables;
    const r = v.get('MACRO_RESULT');
    if (r === undefined || !/^GOTO:/i.test(r)) return { kind: 'next' };
    v.delete('MACRO_RESULT');
    const parts = r.slice(5).split('^');
    const priority = parts.pop() ?? '';
    const exten = parts.pop();
    const context = parts.pop();
    this.deps.log.verbose(3, `Setting macro result to GOTO:${r.slice(5)}`);
    return { kind: 'goto', ...(context ? { context } : {}), ...(exten ? { exten } : {}), priority: /^\d+$/.test(priority) ? Number(priority) : priority };
  }
}

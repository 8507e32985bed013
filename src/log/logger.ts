/**
 * The PBX logger: Asterisk's severities and verbosity on top of pino.
 *
 *   const log = createLogger({ hostname: 'pbx1', stdout: { verbose: 3 }, syslog: { host: '10.0.0.5' } });
 *   const sip = log.child('sip');
 *   sip.verbose(3, 'Registered SIP 2000 at 127.0.0.1:5062');   // shown where verbose >= 3
 *   sip.notice('Peer is now reachable', { peer: '2000' });    // shown everywhere
 *
 * How a call flows: the Logger checks the cheap gate (the highest verbose/debug threshold of any
 * destination) so unwanted verbose lines cost one comparison; pino builds the record and its JSON
 * line and hands both to the fan-out stream (pino's metadata stream protocol: `lastLevel`,
 * `lastObj`, `lastMsg`, `lastTime`, `lastLogger`); the fan-out gives the record to each destination
 * whose own thresholds accept it. Everything is synchronous up to the sockets, and nothing a
 * destination does can throw back into the code that logged.
 *
 * No pino transports or worker threads: the bundle is one ESM file for Node 18 and the boards
 * are small; destinations are plain objects in this process.
 */
import pino, { type Logger as PinoLogger } from 'pino';
import type { Clock } from '../platform/clock.ts';
import { backgroundClock, localHostname, processId } from '../platform/log-output.ts';
import { DEFAULT_RING_SIZE, LogRing } from './ring.ts';
import { StdoutDestination, DEFAULT_CONSOLE_VERBOSE, type StdoutOptions } from './stdout.ts';
import {
  DEFAULT_SYSLOG_VERBOSE,
  SyslogDestination,
  syslogIdentity,
  syslogOptionsProblem,
  type SyslogDestinationDeps,
  type SyslogOptions,
  type SyslogStats,
} from './syslog-destination.ts';
import type { LogDestination, LogFields, LogRecord, Severity, Verbosity } from './types.ts';
import { accepts, normalizeLevel, normalizeThreshold } from './types.ts';

/** What every layer receives: log calls and child loggers, no control over destinations. */
export interface Logger {
  /** The module name records carry (`sip`, `sip.transport`; the root's name for the root). */
  readonly module: string;
  error(msg: string, fields?: LogFields): void;
  warning(msg: string, fields?: LogFields): void;
  notice(msg: string, fields?: LogFields): void;
  /** Shown by destinations whose verbose threshold is >= level (Asterisk's ast_verb). */
  verbose(level: number, msg: string, fields?: LogFields): void;
  /** Shown by destinations whose debug threshold is >= level (Asterisk's ast_debug). */
  debug(level: number, msg: string, fields?: LogFields): void;
  /** Whether some destination would show verbose(level): guard for costly messages. */
  isVerbose(level: number): boolean;
  isDebug(level: number): boolean;
  /** A logger for a sub-module (`sip` -> `sip.transport`), with fields added to every record. */
  child(module: string, fields?: LogFields): Logger;
}

/** Which verbosity setVerbose/getVerbose address: the console (stdout and ring) or syslog. */
export type VerbosityTarget = 'console' | 'syslog';

export interface LoggerStats {
  console: Verbosity;
  stdout: boolean;
  ring: { size: number; length: number; subscribers: number; verbosity: Verbosity };
  syslog: SyslogStats | undefined;
}

/** The root logger main.ts holds: a Logger plus control of the destinations. */
export interface PbxLogger extends Logger {
  /** The console ring: `logger show` (tail) and remote consoles (subscribe). */
  readonly ring: LogRing;
  /** `core set verbose N`: console verbosity by default, or the syslog destination's. */
  setVerbose(n: number, target?: VerbosityTarget): void;
  getVerbose(target?: VerbosityTarget): number;
  /** `core set debug N`. */
  setDebug(n: number, target?: VerbosityTarget): void;
  getDebug(target?: VerbosityTarget): number;
  /**
   * Apply new options (reload). `options` is the whole desired configuration: a destination not
   * in it is closed. A changed syslog target gets a new destination that takes over the old one's
   * queued records, so nothing logged across the switch is lost. Resolves when replaced
   * destinations have flushed and closed.
   */
  reconfigure(options: LoggerOptions): Promise<void>;
  stats(): LoggerStats;
  /** Flush and close every destination; later log calls are ignored. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** Syslog HOSTNAME; default the platform hostname. */
  hostname?: string;
  /** Module name of the root logger's own records (default `core`); fixed at creation. */
  name?: string;
  /** stdout destination (development, `npm start`); false or absent: none. */
  stdout?: StdoutOptions | false;
  /** Remote syslog destination; absent or false: none. */
  syslog?: SyslogOptions | false;
  /** Console lines kept for `logger show` (default 1000). */
  ringSize?: number;
  /**
   * Console verbosity when there is no stdout destination (the ring still captures at it).
   * With stdout, `stdout.verbose`/`stdout.debug` set it. Default verbose 3, debug 0.
   */
  console?: Partial<Verbosity>;
  /** Timestamps of console lines: local time (default) or UTC. Syslog is always UTC. */
  timeZone?: 'local' | 'utc';
  /**
   * Time source for record timestamps and syslog reconnect timers. Leave unset in production:
   * the default's timers do not keep the process alive. Tests pass a FakeClock.
   */
  clock?: Clock;
  /** Test seam: where stdout text goes instead of the process's stdout. */
  stdoutWrite?: (text: string) => void;
  /** Test seam: syslog transport options and overrides. */
  syslogDeps?: SyslogDestinationDeps;
}

/** pino's numeric levels for our severities; verbose and debug carry their own sub-level. */
const PINO_LEVELS: Readonly<Record<Severity, number>> = { error: 50, warning: 40, notice: 30, verbose: 20, debug: 10 };
const SEVERITY_OF: Readonly<Record<number, Severity>> = { 50: 'error', 40: 'warning', 30: 'notice', 20: 'verbose', 10: 'debug' };

type PbxPino = PinoLogger<Severity, boolean>;

/** The object pino receives as its merge object and hands back as `lastObj`. */
interface MergeObject {
  verbose?: number;
  debug?: number;
  fields?: LogFields;
}

const METADATA: unique symbol = Symbol.for('pino.metadata');

/** The stream pino writes to: turns pino's metadata back into a LogRecord for each destination. */
class FanOut {
  readonly [METADATA] = true;
  lastLevel = 0;
  lastObj: MergeObject = {};
  lastMsg: string | undefined;
  lastTime = '';
  lastLogger: object | undefined;

  constructor(private readonly core: LogCore) {}

  write(json: string): void {
    const severity = SEVERITY_OF[this.lastLevel];
    if (!severity) return;
    const obj = this.lastObj;
    const record: LogRecord = {
      time: Number(this.lastTime),
      severity,
      level: obj.verbose ?? obj.debug ?? 0,
      module: (this.lastLogger && this.core.modules.get(this.lastLogger)) ?? '',
      msg: this.lastMsg ?? '',
      fields: obj.fields,
      pid: this.core.pid,
    };
    for (const d of this.core.destinations()) {
      if (!accepts(d.verbosity(), severity, record.level)) continue;
      try {
        d.write(record, json);
      } catch {
        // A destination bug must not reach the code that logged.
      }
    }
  }
}

/** State shared by the root logger and every child. */
class LogCore {
  readonly pid = processId();
  readonly modules = new WeakMap<object, string>();
  readonly pino: PbxPino;
  readonly ring: LogRing;
  stdout: StdoutDestination | undefined;
  syslog: SyslogDestination | undefined;
  syslogKey = '';
  /** Highest verbose/debug level any destination accepts; -1 once closed. */
  maxVerbose = 0;
  maxDebug = 0;
  closed = false;
  console: Verbosity;
  hostname: string;
  readonly rootName: string;
  readonly clock: Clock;
  readonly timeZone: 'local' | 'utc';

  constructor(options: LoggerOptions) {
    this.clock = options.clock ?? backgroundClock;
    this.timeZone = options.timeZone ?? 'local';
    this.hostname = options.hostname || localHostname();
    this.rootName = options.name ?? 'core';
    this.console = consoleVerbosity(options);
    this.ring = new LogRing(options.ringSize ?? DEFAULT_RING_SIZE, this.console, { timeZone: this.timeZone });
    this.ring.onChange = () => this.recomputeGate();
    const clock = this.clock;
    this.pino = pino<Severity>(
      {
        level: 'debug',
        customLevels: PINO_LEVELS,
        useOnlyCustomLevels: true,
        base: { pid: this.pid, hostname: this.hostname },
        timestamp: () => `,"time":${clock.wallNow()}`,
      },
      new FanOut(this),
    ) as PbxPino;
  }

  destinations(): LogDestination[] {
    const out: LogDestination[] = [this.ring];
    if (this.stdout) out.push(this.stdout);
    if (this.syslog) out.push(this.syslog);
    return out;
  }

  pinoFor(module: string): PbxPino {
    const p = this.pino.child({ module }) as PbxPino;
    this.modules.set(p, module);
    return p;
  }

  recomputeGate(): void {
    if (this.closed) {
      this.maxVerbose = -1;
      this.maxDebug = -1;
      return;
    }
    let verbose = 0;
    let debug = 0;
    for (const d of this.destinations()) {
      const v = d.verbosity();
      verbose = Math.max(verbose, v.verbose);
      debug = Math.max(debug, v.debug);
    }
    this.maxVerbose = verbose;
    this.maxDebug = debug;
  }

  setConsole(v: Partial<Verbosity>): void {
    this.console = {
      verbose: normalizeThreshold(v.verbose ?? this.console.verbose),
      debug: normalizeThreshold(v.debug ?? this.console.debug),
    };
    this.stdout?.setVerbosity(this.console);
    this.ring.setCapture(this.console);
    this.recomputeGate();
  }

  /** Bring stdout and syslog in line with options; returns the closings of replaced destinations. */
  apply(options: LoggerOptions): Promise<void>[] {
    // Refuse bad options before changing anything, so a failed reload leaves logging as it was.
    const problem = options.syslog ? syslogOptionsProblem(options.syslog) : undefined;
    if (problem) throw new RangeError(problem);
    if (options.ringSize !== undefined && !(options.ringSize >= 1)) throw new RangeError(`ring size ${options.ringSize} must be at least 1`);
    const closing: Promise<void>[] = [];
    // The root's module name is fixed at creation (its pino child is bound to it).
    this.hostname = options.hostname || localHostname();
    if (options.ringSize !== undefined && options.ringSize !== this.ring.size) this.ring.resize(options.ringSize);

    const wantStdout = options.stdout || undefined;
    if (!wantStdout) {
      this.stdout = undefined;
    } else if (!this.stdout || (wantStdout.format ?? 'text') !== this.stdout.format) {
      this.stdout = new StdoutDestination(wantStdout, this.timeZone, options.stdoutWrite);
    }
    if (wantStdout && (wantStdout.verbose !== undefined || wantStdout.debug !== undefined)) {
      this.console = consoleVerbosity(options);
    } else if (!wantStdout && options.console) {
      this.console = consoleVerbosity(options);
    }
    this.stdout?.setVerbosity(this.console);
    this.ring.setCapture(this.console);

    const wantSyslog = options.syslog || undefined;
    const old = this.syslog;
    if (!wantSyslog) {
      this.syslog = undefined;
      this.syslogKey = '';
      if (old) closing.push(old.close());
    } else {
      const key = syslogIdentity(wantSyslog, this.hostname);
      if (old && key === this.syslogKey) {
        old.setVerbosity({ verbose: wantSyslog.verbose ?? DEFAULT_SYSLOG_VERBOSE, debug: wantSyslog.debug ?? 0 });
      } else {
        const next = new SyslogDestination({ ...wantSyslog, hostname: wantSyslog.hostname || this.hostname }, {
          clock: this.clock,
          ...options.syslogDeps,
        });
        // Swap synchronously: every record from here on goes to the new destination, and the old
        // one's queue moves over ahead of them.
        if (old) next.adopt(old.takeBacklog());
        this.syslog = next;
        this.syslogKey = key;
        if (old) closing.push(old.close());
      }
    }
    this.recomputeGate();
    return closing;
  }
}

function consoleVerbosity(options: LoggerOptions): Verbosity {
  const src = options.stdout ? options.stdout : options.console ?? {};
  return {
    verbose: normalizeThreshold(src.verbose ?? DEFAULT_CONSOLE_VERBOSE),
    debug: normalizeThreshold(src.debug ?? 0),
  };
}

class ModuleLogger implements Logger {
  private readonly p: PbxPino;

  constructor(
    protected readonly core: LogCore,
    /** Dotted path below the root; '' for the root itself. */
    private readonly path: string,
    private readonly bound: LogFields | undefined,
  ) {
    this.p = core.pinoFor(path || core.rootName);
  }

  get module(): string {
    return this.path || this.core.rootName;
  }

  error(msg: string, fields?: LogFields): void {
    this.emit('error', 0, msg, fields);
  }

  warning(msg: string, fields?: LogFields): void {
    this.emit('warning', 0, msg, fields);
  }

  notice(msg: string, fields?: LogFields): void {
    this.emit('notice', 0, msg, fields);
  }

  verbose(level: number, msg: string, fields?: LogFields): void {
    const n = normalizeLevel(level);
    if (n > this.core.maxVerbose) return;
    this.emit('verbose', n, msg, fields);
  }

  debug(level: number, msg: string, fields?: LogFields): void {
    const n = normalizeLevel(level);
    if (n > this.core.maxDebug) return;
    this.emit('debug', n, msg, fields);
  }

  isVerbose(level: number): boolean {
    return normalizeLevel(level) <= this.core.maxVerbose;
  }

  isDebug(level: number): boolean {
    return normalizeLevel(level) <= this.core.maxDebug;
  }

  child(module: string, fields?: LogFields): Logger {
    const path = module === '' ? this.path : this.path ? `${this.path}.${module}` : module;
    const bound = fields ? { ...this.bound, ...fields } : this.bound;
    return new ModuleLogger(this.core, path, bound);
  }

  private emit(severity: Severity, level: number, msg: string, fields: LogFields | undefined): void {
    if (this.core.closed) return;
    const all = this.bound ? (fields ? { ...this.bound, ...fields } : this.bound) : fields;
    const obj: MergeObject = {};
    if (severity === 'verbose') obj.verbose = level;
    else if (severity === 'debug') obj.debug = level;
    if (all) obj.fields = all;
    try {
      this.p[severity](obj, typeof msg === 'string' ? msg : String(msg));
    } catch {
      // Logging never fails the caller (e.g. a field whose getter throws during serialisation).
    }
  }
}

class RootLogger extends ModuleLogger implements PbxLogger {
  constructor(core: LogCore) {
    super(core, '', undefined);
  }

  get ring(): LogRing {
    return this.core.ring;
  }

  setVerbose(n: number, target: VerbosityTarget = 'console'): void {
    if (target === 'syslog') {
      this.core.syslog?.setVerbosity({ verbose: n });
      this.core.recomputeGate();
    } else {
      this.core.setConsole({ verbose: n });
    }
  }

  getVerbose(target: VerbosityTarget = 'console'): number {
    if (target === 'syslog') return this.core.syslog?.verbosity().verbose ?? 0;
    return this.core.console.verbose;
  }

  setDebug(n: number, target: VerbosityTarget = 'console'): void {
    if (target === 'syslog') {
      this.core.syslog?.setVerbosity({ debug: n });
      this.core.recomputeGate();
    } else {
      this.core.setConsole({ debug: n });
    }
  }

  getDebug(target: VerbosityTarget = 'console'): number {
    if (target === 'syslog') return this.core.syslog?.verbosity().debug ?? 0;
    return this.core.console.debug;
  }

  async reconfigure(options: LoggerOptions): Promise<void> {
    if (this.core.closed) return;
    await Promise.all(this.core.apply(options));
  }

  stats(): LoggerStats {
    const ring = this.core.ring;
    return {
      console: this.core.console,
      stdout: this.core.stdout !== undefined,
      ring: { size: ring.size, length: ring.length, subscribers: ring.subscriberCount, verbosity: ring.verbosity() },
      syslog: this.core.syslog?.stats(),
    };
  }

  async close(): Promise<void> {
    if (this.core.closed) return;
    this.core.closed = true;
    this.core.recomputeGate();
    const all = this.core.destinations();
    this.core.stdout = undefined;
    this.core.syslog = undefined;
    await Promise.all(all.map((d) => d.close()));
  }
}

export function createLogger(options: LoggerOptions = {}): PbxLogger {
  const core = new LogCore(options);
  core.apply(options);
  return new RootLogger(core);
}

/** A Logger that drops everything: for layers' unit tests that do not look at logs. */
export function silentLogger(module = 'test'): Logger {
  const self: Logger = {
    module,
    error: () => {},
    warning: () => {},
    notice: () => {},
    verbose: () => {},
    debug: () => {},
    isVerbose: () => false,
    isDebug: () => false,
    child: () => self,
  };
  return self;
}

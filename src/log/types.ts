/**
 * The shapes every part of the logger shares: severities, verbosity thresholds, the record a
 * log call becomes, and the destination interface.
 *
 * Severities follow Asterisk: ERROR, WARNING and NOTICE always reach every destination;
 * VERBOSE and DEBUG messages carry a level (1 = important, higher = chattier) and reach a
 * destination only when its verbose (or debug) threshold is at least that level, as
 * `core set verbose 3` shows `ast_verb(3, ...)` lines and hides `ast_verb(4, ...)` ones.
 */

export type Severity = 'error' | 'warning' | 'notice' | 'verbose' | 'debug';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'notice', 'verbose', 'debug'];

/** Extra key/value facts about a message; they become syslog structured data. */
export type LogFields = Readonly<Record<string, unknown>>;

/** One log call, after the gate let it through. Plain data. */
export interface LogRecord {
  /** Wall-clock milliseconds since the Unix epoch. */
  readonly time: number;
  readonly severity: Severity;
  /** Verbose or debug level (>= 1); 0 for error, warning and notice. */
  readonly level: number;
  /** Module that logged (`sip`, `registrar`, `sip.transport`); '' when none. */
  readonly module: string;
  readonly msg: string;
  readonly fields: LogFields | undefined;
  readonly pid: number;
}

/** A destination's thresholds: show verbose levels <= verbose and debug levels <= debug. */
export interface Verbosity {
  readonly verbose: number;
  readonly debug: number;
}

/** Whether a destination with verbosity `v` shows a record of this severity and level. */
export function accepts(v: Verbosity, severity: Severity, level: number): boolean {
  if (severity === 'verbose') return level <= v.verbose;
  if (severity === 'debug') return level <= v.debug;
  return true;
}

/** Clamp a user-given threshold (CLI argument, config value) to a non-negative integer. */
export function normalizeThreshold(n: number): number {
  if (!Number.isFinite(n) || n < 0) return 0;
  return Math.floor(n);
}

/** Clamp a message's verbose/debug level: level 0 or below behaves as 1 (always important). */
export function normalizeLevel(n: number): number {
  if (!(n >= 1)) return 1;
  return Math.floor(n);
}

/**
 * Where records go. The logger asks each destination for its verbosity, filters, and calls
 * write() only with records the destination accepts. write() must not throw and must not block.
 */
export interface LogDestination {
  readonly name: string;
  verbosity(): Verbosity;
  /** `json` is pino's serialised line for the record (with trailing newline). */
  write(record: LogRecord, json: string): void;
  /** Flush what can be flushed and release every handle. */
  close(): Promise<void>;
}

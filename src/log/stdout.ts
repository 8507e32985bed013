/**
 * The stdout destination, for development (`npm start`) and for running under a supervisor
 * that collects stdout. Text lines look like Asterisk's console; `json` writes pino's line.
 * Its verbosity is the console verbosity (`core set verbose N`).
 */
import { writeStdout } from '../platform/log-output.ts';
import { formatConsoleLine } from './console-format.ts';
import type { LogDestination, LogRecord, Verbosity } from './types.ts';
import { normalizeThreshold } from './types.ts';

export interface StdoutOptions {
  /** Console verbose threshold (default 3). */
  verbose?: number;
  /** Console debug threshold (default 0). */
  debug?: number;
  /** 'text' (default): Asterisk-like lines; 'json': one pino JSON object per line. */
  format?: 'text' | 'json';
}

export const DEFAULT_CONSOLE_VERBOSE = 3;

export class StdoutDestination implements LogDestination {
  readonly name = 'stdout';
  readonly format: 'text' | 'json';
  private thresholds: Verbosity;

  constructor(
    options: StdoutOptions,
    private readonly timeZone: 'local' | 'utc' = 'local',
    private readonly out: (text: string) => void = writeStdout,
  ) {
    this.format = options.format ?? 'text';
    this.thresholds = {
      verbose: normalizeThreshold(options.verbose ?? DEFAULT_CONSOLE_VERBOSE),
      debug: normalizeThreshold(options.debug ?? 0),
    };
  }

  verbosity(): Verbosity {
    return this.thresholds;
  }

  setVerbosity(v: Partial<Verbosity>): void {
    this.thresholds = {
      verbose: normalizeThreshold(v.verbose ?? this.thresholds.verbose),
      debug: normalizeThreshold(v.debug ?? this.thresholds.debug),
    };
  }

  write(record: LogRecord, json: string): void {
    this.out(this.format === 'json' ? json : `${formatConsoleLine(record, { timeZone: this.timeZone })}\n`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The log layer's public face. main.ts creates the one PbxLogger; every other layer receives a
 * Logger (usually `log.child('<layer>')`) and never sees destinations.
 */
export { createLogger, silentLogger } from './logger.ts';
export type { Logger, LoggerOptions, LoggerStats, PbxLogger, VerbosityTarget } from './logger.ts';
export type { LogDestination, LogFields, LogRecord, Severity, Verbosity } from './types.ts';
export { SEVERITIES } from './types.ts';
export { LogRing, DEFAULT_RING_SIZE } from './ring.ts';
export type { RingEntry, RingListener } from './ring.ts';
export type { StdoutOptions } from './stdout.ts';
export { SyslogDestination, DEFAULT_SYSLOG_PORT, syslogOptionsProblem } from './syslog-destination.ts';
export type { SyslogOptions, SyslogStats } from './syslog-destination.ts';
export type { SyslogProtocol } from './syslog-transport.ts';
export { createSyslogFormatter, facilityCode, FACILITIES } from './syslog.ts';
export { formatConsoleLine } from './console-format.ts';

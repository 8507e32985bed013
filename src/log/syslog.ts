/**
 * RFC 5424 syslog message formatter.
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 *   PRI        = "<" PRIVAL ">"        PRIVAL = Facility * 8 + Severity       (RFC 5424 6.2.1)
 *
 * Choices made here (each allowed by the RFC):
 * - Facility defaults to local0 (16): the PBX's records are application logs that a syslog
 *   server should be able to route apart from the box's own daemons (busybox syslogd, kernel),
 *   which use daemon/kern. Configurable by name or number.
 * - Severities: error -> 3 (err), warning -> 4, notice -> 5, verbose -> 6 (info), debug -> 7.
 * - TIMESTAMP is RFC 3339 in UTC with milliseconds (`2026-11-23T12:00:01.123Z`, 6.2.3).
 * - HOSTNAME, APP-NAME, PROCID and MSGID are PRINTUSASCII (%d33-126); any other character is
 *   replaced by `_`, and each is cut to its limit: 255, 48, 128, 32 octets (6.2.4-6.2.7).
 *   An empty field is the NILVALUE `-`. MSGID is the module that logged (`sip`, `registrar`).
 * - STRUCTURED-DATA is `-` when the record has no fields, else one SD-ELEMENT
 *   `[pbx@32473 key="value" ...]`. 32473 is the example Private Enterprise Number reserved for
 *   documentation (RFC 5612); a site with its own PEN configures `sdId`. SD-NAMEs are 1-32
 *   PRINTUSASCII except `=`, SP, `]` and `"` (6.3.3): other characters become `_`. In PARAM-VALUE,
 *   `"`, `\` and `]` are escaped with a backslash (6.3.3).
 * - MSG is UTF-8. It starts with the BOM (EF BB BF) only when it contains a non-ASCII character:
 *   RFC 5424 6.4 requires the BOM for MSG-UTF8; pure ASCII is sent as MSG-ANY without one, which
 *   keeps the common case readable by older receivers that print the BOM as garbage.
 * - Size: encodeSyslog() cuts a message to maxBytes (at least 480, RFC 5426 3.2). If the header
 *   and structured data alone do not fit, the structured data is replaced by `-`; MSG is then cut
 *   at a UTF-8 character boundary, never inside a multi-byte sequence.
 */
import { fieldText } from './field-text.ts';
import type { LogFields, LogRecord, Severity } from './types.ts';

export const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export const DEFAULT_FACILITY = FACILITIES.local0;

/** RFC 5424 6.2.1 severity codes for our severities. */
export const SYSLOG_SEVERITY: Readonly<Record<Severity, number>> = {
  error: 3,
  warning: 4,
  notice: 5,
  verbose: 6,
  debug: 7,
};

/** Facility code for a name (`local0`, `daemon`) or number 0-23; undefined if neither. */
export function facilityCode(facility: string | number): number | undefined {
  if (typeof facility === 'number') {
    return Number.isInteger(facility) && facility >= 0 && facility <= 23 ? facility : undefined;
  }
  const name = facility.trim().toLowerCase();
  if (/^\d+$/.test(name)) return facilityCode(Number(name));
  return Object.prototype.hasOwnProperty.call(FACILITIES, name) ? FACILITIES[name] : undefined;
}

export const NILVALUE = '-';
export const DEFAULT_APP_NAME = 'pbx';
export const DEFAULT_SD_ID = 'pbx@32473';
/** RFC 5426 3.2: every IPv4 receiver must accept 480 octets; all should accept 2048. */
export const MIN_MESSAGE_BYTES = 480;

export const FIELD_LIMITS = { hostname: 255, appName: 48, procId: 128, msgId: 32, sdName: 32 } as const;

/** A header field: PRINTUSASCII only, cut to `max`, NILVALUE when empty. */
export function headerField(value: string, max: number): string {
  if (value === '') return NILVALUE;
  const clean = value.replace(/[^\x21-\x7e]/g, '_');
  return clean.length > max ? clean.slice(0, max) : clean;
}

/** SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"'. */
export function sdName(name: string): string {
  const clean = name.replace(/[^\x21-\x7e]|[=\]"]/g, '_');
  if (clean === '') return '_';
  return clean.length > FIELD_LIMITS.sdName ? clean.slice(0, FIELD_LIMITS.sdName) : clean;
}

/** SD-ID `name@pen`: an SD-NAME whose '@' is kept. */
function sdId(id: string): string {
  return sdName(id);
}

/** PARAM-VALUE escaping (RFC 5424 6.3.3): '"', '\' and ']' get a backslash. */
const PARAM_SPECIAL = /["\\\]]/;
const PARAM_SPECIAL_ALL = /["\\\]]/g;

export function escapeParamValue(value: string): string {
  return PARAM_SPECIAL.test(value) ? value.replace(PARAM_SPECIAL_ALL, '\\$&') : value;
}

/** Field names repeat endlessly (peer, callId...): clean each once. Bounded against abuse. */
const sdNames = new Map<string, string>();

function paramName(key: string): string {
  let v = sdNames.get(key);
  if (v === undefined) {
    v = sdName(key);
    if (sdNames.size < 1000) sdNames.set(key, v);
  }
  return v;
}

/** `[id k="v" ...]`, or NILVALUE when no field has a value. */
export function structuredData(id: string, fields: LogFields | undefined): string {
  if (!fields) return NILVALUE;
  let params = '';
  for (const key of Object.keys(fields)) {
    const text = fieldText(fields[key]);
    if (text === undefined) continue;
    params += ` ${paramName(key)}="${escapeParamValue(text)}"`;
  }
  return params === '' ? NILVALUE : `[${id}${params}]`;
}

let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * RFC 3339 with milliseconds, UTC: `2026-11-23T12:00:01.123Z`. The part up to the second is
 * cached: records come in bursts within one second and Date#toISOString dominated the cost.
 */
export function syslogTimestamp(time: number): string {
  if (!Number.isFinite(time)) return NILVALUE;
  const ms = Math.floor(time);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    // Years beyond 9999 do not fit RFC 3339's 4-digit full-year.
    if (iso.length !== 24) return NILVALUE;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const frac = ms - second * 1000;
  return `${cachedPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

const BOM = '\uFEFF';
const NON_ASCII = /[^\x00-\x7f]/;

export interface SyslogFormatOptions {
  /** Facility code 0-23 (default local0 = 16). */
  facility?: number;
  /** HOSTNAME; the caller falls back to the platform hostname. Empty gives NILVALUE. */
  hostname: string;
  /** APP-NAME, default `pbx`. */
  appName?: string;
  /** SD-ID of the element carrying the record's fields, default `pbx@32473`. */
  sdId?: string;
}

export interface SyslogFormatter {
  /** The whole message as a string (no size limit, field limits applied). */
  format(record: LogRecord): string;
  /** The message as UTF-8 octets, cut to maxBytes as described above. */
  encode(record: LogRecord, maxBytes: number): Uint8Array;
}

export function createSyslogFormatter(options: SyslogFormatOptions): SyslogFormatter {
  const facility = options.facility ?? DEFAULT_FACILITY;
  if (facilityCode(facility) === undefined) throw new RangeError(`syslog facility must be 0-23, got ${facility}`);
  const host = headerField(options.hostname, FIELD_LIMITS.hostname);
  const app = headerField(options.appName ?? DEFAULT_APP_NAME, FIELD_LIMITS.appName);
  const id = sdId(options.sdId ?? DEFAULT_SD_ID);
  const msgIds = new Map<string, string>();
  const encoder = new TextEncoder();
  let lastPid = NaN;
  let lastProcId = NILVALUE;

  function msgId(module: string): string {
    let v = msgIds.get(module);
    if (v === undefined) {
      v = headerField(module, FIELD_LIMITS.msgId);
      if (msgIds.size < 1000) msgIds.set(module, v);
    }
    return v;
  }

  function header(record: LogRecord): string {
    const pri = facility * 8 + SYSLOG_SEVERITY[record.severity];
    if (record.pid !== lastPid) {
      lastPid = record.pid;
      lastProcId = headerField(String(record.pid), FIELD_LIMITS.procId);
    }
    const procId = lastProcId;
    return `<${pri}>1 ${syslogTimestamp(record.time)} ${host} ${app} ${procId} ${msgId(record.module)}`;
  }

  function msgPart(msg: string): string {
    if (msg === '') return '';
    return NON_ASCII.test(msg) ? ` ${BOM}${msg}` : ` ${msg}`;
  }

  return {
    format(record) {
      return `${header(record)} ${structuredData(id, record.fields)}${msgPart(record.msg)}`;
    },
    encode(record, maxBytes) {
      const limit = Math.max(MIN_MESSAGE_BYTES, Math.floor(maxBytes));
      const head = header(record);
      let sd = structuredData(id, record.fields);
      const tail = msgPart(record.msg);
      // Cheap upper bound first: a UTF-16 unit is at most 3 UTF-8 octets.
      if ((head.length + 1 + sd.length + tail.length) * 3 <= limit) {
        return encoder.encode(`${head} ${sd}${tail}`);
      }
      const bytes = encoder.encode(`${head} ${sd}${tail}`);
      if (bytes.length <= limit) return bytes;
      if (encoder.encode(`${head} ${sd}`).length > limit) sd = NILVALUE;
      return truncateUtf8(encoder.encode(`${head} ${sd}${tail}`), limit);
    },
  };
}

/** Cut UTF-8 octets to at most max, backing off so no multi-byte character is split. */
export function truncateUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  // 10xxxxxx is a continuation byte: step back to the lead byte of the cut character.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

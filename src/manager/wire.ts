/**
 * The manager's wire format, as Asterisk speaks it on TCP 5038: a greeting line, then requests
 * of `Key: Value` lines ended by an empty line, answered by responses and interleaved events of
 * the same shape. Lines end in CRLF (a bare LF is accepted on input, as manager.c does).
 *
 * Input is bounded: a line longer than `maxLineBytes` or a request with more than `maxHeaders`
 * lines is a protocol violation the session answers with an error and a disconnect, so a client
 * cannot make the PBX buffer without limit.
 */
import type { AmiFields, AmiRequest, AmiResponse } from './action.ts';

/** Asterisk 16's AMI version (manager.c AMI_VERSION); clients check the `Asterisk Call Manager/` prefix. */
export const AMI_VERSION = '5.0.1';
export const GREETING = `Asterisk Call Manager/${AMI_VERSION}\r\n`;

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_MAX_HEADERS = 128;

export type ParseProblem = 'line-too-long' | 'too-many-headers';

class Request implements AmiRequest, AmiMessage {
  readonly action: string;
  readonly actionId: string | undefined;
  constructor(readonly headers: readonly (readonly [string, string])[]) {
    this.action = this.get('action') ?? '';
    this.actionId = this.get('actionid');
  }
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const [k, v] of this.headers) if (k.toLowerCase() === n) return v;
    return undefined;
  }
  all(name: string): string[] {
    const n = name.toLowerCase();
    return this.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }
}

export function makeRequest(headers: readonly (readonly [string, string])[]): AmiRequest {
  return new Request(headers);
}

/**
 * Splits the incoming byte stream into requests. `push` returns the complete requests in the
 * chunk, or a problem after which the caller drops the connection (the rest is not read).
 */
export class RequestParser {
  private partial = '';
  private headers: [string, string][] = [];

  constructor(
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly maxHeaders = DEFAULT_MAX_HEADERS,
  ) {}

  push(chunk: string): { requests: (AmiRequest & AmiMessage)[]; problem?: ParseProblem } {
    const requests: Request[] = [];
    let data = this.partial + chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      let line = data.slice(start, nl);
      start = nl + 1;
      if (line.length > this.maxLineBytes) return { requests, problem: 'line-too-long' };
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        // Empty lines between requests (keep-alives some clients send) are not requests.
        if (this.headers.length > 0) requests.push(new Request(this.headers));
        this.headers = [];
        continue;
      }
      const colon = line.indexOf(':');
      // A line without a colon carries no header; it is kept as a nameless one so the
      // request still ends up answered (with "Missing action" when nothing else is there).
      const key = colon < 0 ? '' : line.slice(0, colon).trim();
      const value = colon < 0 ? line : line.slice(colon + 1).replace(/^ +/, '');
      this.headers.push([key, value]);
      if (this.headers.length > this.maxHeaders) return { requests, problem: 'too-many-headers' };
    }
    data = data.slice(start);
    if (data.length > this.maxLineBytes) return { requests, problem: 'line-too-long' };
    this.partial = data;
    return { requests };
  }
}

/** CR and LF inside a value would start a new header: they become spaces. */
function clean(v: string): string {
  return /[\r\n]/.test(v) ? v.replace(/\r?\n|\r/g, ' ') : v;
}

function fieldLines(fields: AmiFields | undefined): string {
  let out = '';
  if (fields) for (const [k, v] of fields) out += `${k}: ${clean(v)}\r\n`;
  return out;
}

/**
 * A response. Command output comes as one `Output:` line per console line (Asterisk 14 and
 * later); a `Follows` response uses the old form ending in `--END COMMAND--`.
 */
export function formatResponse(actionId: string | undefined, r: AmiResponse): string {
  let out = `Response: ${r.response}\r\n`;
  if (actionId !== undefined) out += `ActionID: ${clean(actionId)}\r\n`;
  if (r.response === 'Follows') {
    out += 'Privilege: Command\r\n';
    out += fieldLines(r.fields);
    const body = (r.output ?? '').replace(/\r\n/g, '\n');
    return `${out}${body}${body === '' || body.endsWith('\n') ? '' : '\n'}--END COMMAND--\r\n\r\n`;
  }
  if (r.message !== undefined) out += `Message: ${clean(r.message)}\r\n`;
  out += fieldLines(r.fields);
  if (r.output !== undefined) {
    const lines = r.output.replace(/\r\n/g, '\n').split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    for (const l of lines) out += `Output: ${l}\r\n`;
  }
  return `${out}\r\n`;
}

/** An event as a session receives it; `actionId` for the events of a list action. */
export function formatEvent(event: string, fields: AmiFields, extra?: { privilege?: string; actionId?: string; timestamp?: string }): string {
  let out = `Event: ${event}\r\n`;
  if (extra?.privilege !== undefined) out += `Privilege: ${extra.privilege}\r\n`;
  if (extra?.timestamp !== undefined) out += `Timestamp: ${extra.timestamp}\r\n`;
  if (extra?.actionId !== undefined) out += `ActionID: ${clean(extra.actionId)}\r\n`;
  return `${out}${fieldLines(fields)}\r\n`;
}

/** A parsed message (tests and the bench read what the server sends with this). */
export interface AmiMessage {
  get(name: string): string | undefined;
  all(name: string): string[];
  readonly headers: readonly (readonly [string, string])[];
}

/** Splits server output into messages (the greeting line is skipped). */
export function parseMessages(text: string): AmiMessage[] {
  const parser = new RequestParser(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const body = text.startsWith('Asterisk Call Manager/') ? text.slice(text.indexOf('\n') + 1) : text;
  return parser.push(body).requests;
}

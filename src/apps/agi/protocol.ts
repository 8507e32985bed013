/**
 * The AGI wire protocol as Asterisk's res_agi speaks it (1.8 and later): the environment block
 * sent first (`agi_name: value` lines, then an empty line), the script's command lines split into
 * words (double quotes group, backslash escapes the next character), and the reply lines:
 * `200 result=N [(extra)] [endpos=N]`, `510 Invalid or unknown command`, `511 Command Not
 * Permitted on a dead channel`, and the three-part `520` usage reply.
 */

/** What the environment block tells the script about the call. */
export interface AgiEnvironment {
  /** The script as written in the dialplan (`ncid.agi`, `agi://host/script`). */
  request: string;
  channel: string;
  language: string;
  /** The channel technology: `SIP`, `DAHDI`. */
  type: string;
  uniqueId: string;
  version: string;
  callerIdNumber?: string;
  callerIdName?: string;
  /** Q.931 presentation number (0 = allowed, not screened). */
  callingPres: number;
  dnid?: string;
  rdnis?: string;
  context: string;
  extension: string;
  priority: number;
  /** EAGI: audio on fd 3 (`1.0`), otherwise `0.0`. */
  enhanced: boolean;
  accountCode?: string;
  /** A number naming the thread (Asterisk prints its pthread id; ours: a per-run sequence). */
  threadId: string;
  args: string[];
  /** FastAGI: `agi_network: yes` and the script part of the URL first. */
  network?: { script: string };
}

/** The block as bytes on the wire, ending with the empty line. */
export function environmentBlock(env: AgiEnvironment): string {
  const lines: string[] = [];
  if (env.network) {
    lines.push('agi_network: yes');
    if (env.network.script !== '') lines.push(`agi_network_script: ${env.network.script}`);
  }
  const v = (s: string | undefined): string => (s === undefined || s === '' ? 'unknown' : s);
  lines.push(
    `agi_request: ${env.request}`,
    `agi_channel: ${env.channel}`,
    `agi_language: ${env.language}`,
    `agi_type: ${env.type}`,
    `agi_uniqueid: ${env.uniqueId}`,
    `agi_version: ${env.version}`,
    `agi_callerid: ${v(env.callerIdNumber)}`,
    `agi_calleridname: ${v(env.callerIdName)}`,
    `agi_callingpres: ${env.callingPres}`,
    'agi_callingani2: 0',
    'agi_callington: 0',
    'agi_callingtns: 0',
    `agi_dnid: ${v(env.dnid)}`,
    `agi_rdnis: ${v(env.rdnis)}`,
    `agi_context: ${env.context}`,
    `agi_extension: ${env.extension}`,
    `agi_priority: ${env.priority}`,
    `agi_enhanced: ${env.enhanced ? '1.0' : '0.0'}`,
    `agi_accountcode: ${env.accountCode ?? ''}`,
    `agi_threadid: ${env.threadId}`,
  );
  env.args.forEach((a, i) => lines.push(`agi_arg_${i + 1}: ${a.replace(/[\r\n]/g, ' ')}`));
  return `${lines.join('\n')}\n\n`;
}

/** Asterisk's MAX_ARGS: words beyond this are ignored. */
export const MAX_COMMAND_WORDS = 128;

/**
 * A command line split as res_agi's parse_args does: blanks separate words, `"` starts and ends
 * a quoted part (blanks inside kept), `\` takes the next character literally. An empty quoted
 * word (`""`) is a word.
 */
export function parseCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if ((c === ' ' || c === '\t') && !quoted) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
    if (words.length >= MAX_COMMAND_WORDS) return words;
  }
  if (inWord) words.push(cur);
  return words;
}

export const REPLY_INVALID = '510 Invalid or unknown command\n';
export const REPLY_DEAD = '511 Command Not Permitted on a dead channel\n';

/** `520-...` with the command's usage between, as res_agi answers a syntax error. */
export function usageReply(usage: string): string {
  const body = usage.endsWith('\n') ? usage : `${usage}\n`;
  return `520-Invalid command syntax.  Proper usage follows:\n${body}520 End of proper usage.\n`;
}

/** `200 result=N` with an optional `(extra)` and `endpos=N`. */
export function resultReply(result: number | string, extra?: string, endpos?: number): string {
  return `200 result=${result}${extra !== undefined ? ` (${extra})` : ''}${endpos !== undefined ? ` endpos=${endpos}` : ''}\n`;
}

/** Lines longer than this are refused with 510 and dropped (Asterisk's AGI_BUF_LEN is 2 KiB; we allow more). */
export const MAX_LINE_BYTES = 8192;

export type SplitLine = { kind: 'line'; text: string } | { kind: 'overlong' };

/**
 * Cuts a byte stream into lines (`\n`, an `\r` before it dropped). A line over MAX_LINE_BYTES
 * is reported once as `overlong` and its bytes are skipped up to its newline, so memory held
 * never exceeds the limit whatever the script writes.
 */
export class LineSplitter {
  private buf = '';
  private skipping = false;

  push(chunk: string): SplitLine[] {
    const out: SplitLine[] = [];
    let data = chunk;
    while (data.length > 0) {
      const nl = data.indexOf('\n');
      if (this.skipping) {
        if (nl < 0) return out;
        this.skipping = false;
        data = data.slice(nl + 1);
        continue;
      }
      if (nl < 0) {
        this.buf += data;
        if (this.buf.length > MAX_LINE_BYTES) {
          this.buf = '';
          this.skipping = true;
          out.push({ kind: 'overlong' });
        }
        return out;
      }
      const line = this.buf + data.slice(0, nl);
      this.buf = '';
      data = data.slice(nl + 1);
      if (line.length > MAX_LINE_BYTES) out.push({ kind: 'overlong' });
      else out.push({ kind: 'line', text: line.replace(/\r$/, '') });
    }
    return out;
  }
}

/** `agi://host[:port][/script]` (FastAGI, default port 4573); undefined when not such a URL. */
export function parseAgiUrl(text: string): { host: string; port: number; script: string } | undefined {
  const m = /^agi:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?(?:\/(.*))?$/i.exec(text.trim());
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : 4573;
  if (!(port > 0 && port < 65536)) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port, script: m[3] ?? '' };
}

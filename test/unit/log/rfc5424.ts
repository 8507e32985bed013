/**
 * A strict RFC 5424 parser and RFC 6587 octet-counting splitter, written for the tests from the
 * ABNF in RFC 5424 section 6 (independently of src/log/syslog.ts, so a shared mistake cannot hide).
 * Anything the ABNF does not allow throws.
 */

export interface SdElement {
  id: string;
  params: [string, string][];
}

export interface Rfc5424Message {
  pri: number;
  facility: number;
  severity: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  sd: SdElement[] | null;
  msg: string | null;
  bom: boolean;
}

const HEADER =
  /^<(0|[1-9]\d{0,2})>([1-9]\d{0,2}) (-|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) /;

const SD_NAME = /^[\x21-\x7e]{1,32}$/;

function checkSdName(name: string, what: string): void {
  if (!SD_NAME.test(name) || /[= \]"]/.test(name)) throw new Error(`bad ${what} '${name}'`);
}

export function parseRfc5424(bytes: Uint8Array): Rfc5424Message {
  // Header and SD are ASCII/UTF-8; decode strictly so invalid UTF-8 fails the test.
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  const m = HEADER.exec(text);
  if (!m) throw new Error(`bad RFC 5424 header: ${JSON.stringify(text.slice(0, 120))}`);
  const pri = Number(m[1]);
  if (pri > 191) throw new Error(`PRI out of range: ${pri}`);
  let i = m[0].length;
  let sd: SdElement[] | null;
  if (text[i] === '-') {
    sd = null;
    i++;
  } else {
    sd = [];
    while (text[i] === '[') {
      i++;
      const idEnd = text.slice(i).search(/[ \]]/);
      if (idEnd < 0) throw new Error('unterminated SD-ID');
      const id = text.slice(i, i + idEnd);
      checkSdName(id, 'SD-ID');
      i += idEnd;
      const params: [string, string][] = [];
      while (text[i] === ' ') {
        i++;
        const eq = text.indexOf('=', i);
        if (eq < 0) throw new Error('SD-PARAM without =');
        const name = text.slice(i, eq);
        checkSdName(name, 'PARAM-NAME');
        i = eq + 1;
        if (text[i] !== '"') throw new Error('PARAM-VALUE must be quoted');
        i++;
        let value = '';
        for (;;) {
          const c = text[i];
          if (c === undefined) throw new Error('unterminated PARAM-VALUE');
          if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === ']')) {
            value += text[i + 1];
            i += 2;
            continue;
          }
          if (c === '"') break;
          if (c === ']') throw new Error('unescaped ] in PARAM-VALUE');
          value += c;
          i++;
        }
        i++;
        params.push([name, value]);
      }
      if (text[i] !== ']') throw new Error(`SD-ELEMENT not closed at ${i}`);
      i++;
      sd.push({ id, params });
    }
    if (sd.length === 0) throw new Error('STRUCTURED-DATA is neither - nor an SD-ELEMENT');
  }
  let msg: string | null = null;
  let bom = false;
  if (i < text.length) {
    if (text[i] !== ' ') throw new Error(`expected SP before MSG at ${i}`);
    msg = text.slice(i + 1);
    if (msg.startsWith('\uFEFF')) {
      bom = true;
      msg = msg.slice(1);
    }
  }
  return {
    pri,
    facility: pri >> 3,
    severity: pri & 7,
    version: Number(m[2]),
    timestamp: m[3],
    hostname: m[4],
    appName: m[5],
    procId: m[6],
    msgId: m[7],
    sd,
    msg,
    bom,
  };
}

/**
 * RFC 6587 3.4.1 octet counting: feed TCP chunks in any split, get whole messages out.
 * Throws on a malformed frame header (non-digit, leading zero, missing SP).
 */
export class OctetCountingSplitter {
  private buf = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const out: Uint8Array[] = [];
    for (;;) {
      const sp = this.buf.indexOf(0x20);
      if (sp < 0) {
        if (this.buf.length > 10 || this.buf.some((b) => b < 0x30 || b > 0x39)) throw new Error('bad MSG-LEN');
        break;
      }
      const lenText = new TextDecoder().decode(this.buf.subarray(0, sp));
      if (!/^[1-9]\d*$/.test(lenText)) throw new Error(`bad MSG-LEN '${lenText}'`);
      const len = Number(lenText);
      if (this.buf.length < sp + 1 + len) break;
      out.push(this.buf.slice(sp + 1, sp + 1 + len));
      this.buf = this.buf.slice(sp + 1 + len);
    }
    return out;
  }

  get pending(): number {
    return this.buf.length;
  }
}

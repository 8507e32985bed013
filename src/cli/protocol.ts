/**
 * Control socket protocol: newline-delimited JSON in both directions.
 *   client -> server: {t:'cmd', id, line} | {t:'complete', id, line} | {t:'log', verbose}
 *   server -> client: {t:'out', id, ok, text} | {t:'completions', id, list} | {t:'log', text}
 */
export type ClientFrame =
  | { t: 'cmd'; id: number; line: string }
  | { t: 'complete'; id: number; line: string }
  | { t: 'log'; verbose: number };

export type ServerFrame =
  | { t: 'out'; id: number; ok: boolean; text: string }
  | { t: 'completions'; id: number; list: string[] }
  | { t: 'log'; text: string };

/** Accumulates stream chunks and yields complete JSON frames; bounded so a bad client cannot exhaust memory. */
export class FrameReader<T> {
  private buf = '';
  constructor(private maxBytes = 1 << 20) {}

  push(chunk: string): T[] {
    this.buf += chunk;
    if (this.buf.length > this.maxBytes) {
      this.buf = '';
      throw new Error('control frame too large');
    }
    const out: T[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim()) out.push(JSON.parse(line) as T);
    }
    return out;
  }
}

export function frame(f: ClientFrame | ServerFrame): string {
  return `${JSON.stringify(f)}\n`;
}

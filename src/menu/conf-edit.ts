/**
 * Edits `[system]` keys of pbx.conf as text, so everything the user wrote by hand (comments,
 * other sections, order, blank lines, CRLF line ends from a Windows editor) survives a save from
 * the menu. Only the lines of the keys being changed are touched.
 */

interface Line {
  text: string;
  /** Section the line belongs to (lower case), '' before the first header. */
  section: string;
  /** For an active `key = value` line: the key (lower case) and where its value starts/ends. */
  key?: string;
  valueStart?: number;
  valueEnd?: number;
  /** For a commented-out entry like `;gateway = 192.168.1.1`: its key. */
  commentedKey?: string;
  header?: boolean;
}

const HEADER = /^\s*\[([^\]]*)\]/;
const ENTRY = /^(\s*)([A-Za-z0-9_.-]+)(\s*=>?\s*)/;

function analyse(text: string): { lines: Line[]; eol: string; finalEol: boolean } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const finalEol = text.endsWith('\n');
  const raw = text === '' ? [] : text.split(/\r?\n/);
  if (finalEol) raw.pop();
  const lines: Line[] = [];
  let section = '';
  let inBlock = false;
  for (const t of raw) {
    const line: Line = { text: t, section };
    // Asterisk block comments: ;-- ... --;
    if (inBlock) {
      if (t.includes('--;')) inBlock = false;
      lines.push(line);
      continue;
    }
    if (/^\s*;--/.test(t) && !t.includes('--;', t.indexOf(';--') + 3)) {
      inBlock = true;
      lines.push(line);
      continue;
    }
    const h = HEADER.exec(t);
    if (h) {
      section = h[1].trim().toLowerCase();
      lines.push({ text: t, section, header: true });
      continue;
    }
    const commented = /^\s*;\s*([A-Za-z0-9_.-]+)\s*=/.exec(t);
    if (commented) line.commentedKey = commented[1].toLowerCase();
    const e = ENTRY.exec(t);
    if (e) {
      line.key = e[2].toLowerCase();
      line.valueStart = e[0].length;
      const semi = findComment(t, line.valueStart);
      // The value ends before the comment and the spaces in front of it.
      let end = semi < 0 ? t.length : semi;
      while (end > line.valueStart && /\s/.test(t[end - 1])) end--;
      line.valueEnd = end;
    }
    lines.push(line);
  }
  return { lines, eol, finalEol };
}

/** Index of the `;` that starts a comment (an escaped `\;` does not), or -1. */
function findComment(t: string, from: number): number {
  for (let i = from; i < t.length; i++) {
    if (t[i] === '\\') i++;
    else if (t[i] === ';') return i;
  }
  return -1;
}

/** The value of `key` in [system] as the runtime would read it (the last one wins), or undefined. */
export function getSystemValue(text: string, key: string): string | undefined {
  const k = key.toLowerCase();
  let value: string | undefined;
  for (const l of analyse(text).lines) {
    if (l.section === 'system' && l.key === k) value = l.text.slice(l.valueStart, l.valueEnd).replace(/\\;/g, ';');
  }
  return value;
}

/**
 * Sets (string) or removes (null) `[system]` keys. An existing line keeps its spacing and trailing
 * comment; duplicates of a changed key are dropped so the new value is the one that counts; a new
 * key goes after its commented-out example if the file has one, else at the end of [system]. A
 * file without [system] gets one in front of its first section.
 */
export function setSystemValues(text: string, changes: Record<string, string | null>): string {
  const { lines, eol, finalEol } = analyse(text);
  const out: (Line | null)[] = [...lines];
  for (const [rawKey, value] of Object.entries(changes)) {
    const key = rawKey.toLowerCase();
    if (value !== null && /[\r\n;]/.test(value)) throw new Error(`value for ${key} may not contain ';' or a line break`);
    let done = false;
    for (let i = 0; i < out.length; i++) {
      const l = out[i];
      if (!l || l.section !== 'system' || l.key !== key) continue;
      if (value === null || done) {
        out[i] = null;
        continue;
      }
      const t = l.text.slice(0, l.valueStart) + value + l.text.slice(l.valueEnd);
      out[i] = { ...l, text: t, valueEnd: l.valueStart! + value.length };
      done = true;
    }
    if (done || value === null) continue;
    const newLine: Line = { text: `${key} = ${value}`, section: 'system', key, valueStart: key.length + 3, valueEnd: key.length + 3 + value.length };
    out.splice(insertionPoint(out, key), 0, newLine);
  }
  const kept = out.filter((l): l is Line => l !== null);
  return kept.map((l) => l.text).join(eol) + (finalEol || kept.length > 0 ? eol : '');
}

function insertionPoint(lines: (Line | null)[], key: string): number {
  const inSystem = (l: Line | null) => l !== null && l.section === 'system';
  const example = lines.findIndex((l) => inSystem(l) && l!.commentedKey === key);
  if (example >= 0) return example + 1;
  const header = lines.findIndex((l) => l?.header && l.section === 'system');
  if (header < 0) {
    // No [system]: add one in front of the first section (after the file's opening comments).
    const first = lines.findIndex((l) => l?.header);
    const at = first < 0 ? lines.length : first;
    lines.splice(at, 0, { text: '[system]', section: 'system', header: true }, ...(first < 0 ? [] : [{ text: '', section: 'system' }]));
    return at + 1;
  }
  // After the last non-blank line of [system] (the blank lines before the next section stay there).
  let last = header;
  for (let i = header + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l === null) continue;
    if (l.header) break;
    if (l.text.trim() !== '') last = i;
  }
  return last + 1;
}

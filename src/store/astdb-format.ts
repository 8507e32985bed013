/**
 * The AstDB's on-disk records and its key-tree rules, kept apart from the store so both the
 * loader and the writer use one definition.
 *
 * Journal: one JSON object per line, appended per change:
 *   {"p":"/cidname/123","v":"My cellphone"}   put
 *   {"d":"/cidname/123"}                      delete one key
 *   {"t":"/cidname"}                          delete a tree ("" deletes everything)
 * Snapshot: {"format":"pbx-astdb","version":1,"entries":[["/cidname/123","My cellphone"],...]}.
 *
 * Replaying a journal over a snapshot that already contains its effects gives the same state
 * (each key ends as its last record says), which is what makes "snapshot, then empty the
 * journal" safe to interrupt.
 *
 * Tree matching follows Asterisk's SQL (`key || '/' LIKE prefix || '/' || '%'`): a tree is a
 * whole path component, so `/cid` does not contain `/cidname/1`; SQLite's LIKE ignores ASCII
 * case, so neither do we. (LIKE's `_` and `%` wildcards inside a family name are taken
 * literally here: a deliberate, stricter deviation.)
 */

export type JournalRecord = { op: 'put'; path: string; value: string } | { op: 'del'; path: string } | { op: 'tree'; prefix: string };

export const SNAPSHOT_FORMAT = 'pbx-astdb';
export const SNAPSHOT_VERSION = 1;

export function encodeRecord(r: JournalRecord): string {
  switch (r.op) {
    case 'put':
      return `${JSON.stringify({ p: r.path, v: r.value })}\n`;
    case 'del':
      return `${JSON.stringify({ d: r.path })}\n`;
    case 'tree':
      return `${JSON.stringify({ t: r.prefix })}\n`;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** One journal line, or undefined when it is not a record of ours (torn or damaged). */
export function decodeRecord(line: string): JournalRecord | undefined {
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(x)) return undefined;
  if (typeof x.p === 'string' && typeof x.v === 'string') return { op: 'put', path: x.p, value: x.v };
  if (typeof x.d === 'string') return { op: 'del', path: x.d };
  if (typeof x.t === 'string') return { op: 'tree', prefix: x.t };
  return undefined;
}

export interface JournalScan {
  records: JournalRecord[];
  /** A last line without its newline that did not parse: a write cut short by a crash. */
  tornTail: boolean;
  /** Complete lines that did not parse (damage, not a crash mid-write). */
  badLines: number[];
}

export function scanJournal(text: string): JournalScan {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const records: JournalRecord[] = [];
  const badLines: number[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    const r = decodeRecord(line);
    if (r) records.push(r);
    else badLines.push(i + 1);
  });
  let tornTail = false;
  if (last !== '') {
    // A complete record whose newline did not make it is still a record: put() had not
    // returned yet, so keeping or dropping it are both correct; keeping loses less.
    const r = decodeRecord(last);
    if (r) records.push(r);
    else tornTail = true;
  }
  return { records, tornTail, badLines };
}

export function encodeSnapshot(entries: Iterable<[string, string]>): string {
  return `${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, entries: [...entries] })}\n`;
}

/** The entries, or a sentence saying why the text is not a snapshot of ours. */
export function decodeSnapshot(text: string): [string, string][] | string {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (!isObject(x) || x.format !== SNAPSHOT_FORMAT) return 'not an AstDB snapshot';
  if (x.version !== SNAPSHOT_VERSION) return `unknown version ${String(x.version)}`;
  if (!Array.isArray(x.entries)) return 'no entries array';
  const out: [string, string][] = [];
  for (const [i, e] of x.entries.entries()) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') return `entry ${i} is malformed`;
    out.push([e[0], e[1]]);
  }
  return out;
}

/** Lower-cases A-Z only, as SQLite's LIKE folds case. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** `path` is `prefix` or below it (whole components, ASCII case ignored); '' contains all. */
export function inTree(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  return asciiLower(`${path}/`).startsWith(asciiLower(`${prefix}/`));
}

/** `path` ends with the component(s) `/keyTree` (database showkey), ASCII case ignored. */
export function endsWithKey(path: string, keyTree: string): boolean {
  return asciiLower(path).endsWith(asciiLower(`/${keyTree}`));
}

/** `/family/key` as Asterisk builds it. */
export function dbPath(family: string, key: string): string {
  return `/${family}/${key}`;
}

/** Splits a stored path at its last `/`: `/dundi/cache/x` is family `dundi/cache`, key `x`. */
export function splitPath(path: string): { family: string; key: string } {
  const slash = path.lastIndexOf('/');
  return { family: path.slice(1, Math.max(1, slash)), key: path.slice(slash + 1) };
}

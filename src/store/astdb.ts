/**
 * The AstDB: Asterisk's small persistent key/value database (`database put cidname 123 Bob`,
 * `${DB(cidname/${CALLERID(num)})}`, blacklists, call-forward settings). Keys are paths
 * `/family/key`; a family may itself contain `/` (`dundi/cache`), and tree operations (show,
 * deltree) work on whole path components. Implements the dialplan's `AstDb` contract
 * (dialplan/types.ts) structurally: store/ may not import the dialplan.
 *
 * Reads come from a Map. Writes are durable when `put`/`del`/`delTree` return:
 *   - each change is appended to `<dir>/astdb.journal` as one JSON line and fsynced before the
 *     Map changes. Asterisk keeps the astdb in SQLite and commits at most once a second, so a
 *     power cut can lose its last second; we fsync every change instead, because changes are
 *     rare (a user dials *72, an admin types `database put`) while power cuts are the usual
 *     crash of a small box, and a lost call-forward setting is a support call. A SIGKILL alone
 *     could not lose a write even without the fsync (the data is in the page cache). Where a
 *     slow card makes the blocking fsync hurt media, `fsync: 'background'` syncs on the
 *     thread pool instead (measured here: about 4 ms per fsynced put on an SSD).
 *   - when the journal outgrows max(journalMinBytes, size of the last snapshot) the whole
 *     database is written to `<dir>/astdb.json` atomically (temp, fsync, rename, fsync dir) and
 *     the journal is emptied. Each compaction follows at least as many journal bytes as it
 *     writes, so the write amplification stays below 2, and the disk holds at most about two
 *     snapshots' worth plus `journalMinBytes`.
 *   - loading reads the snapshot, replays the journal, drops a torn last line (a crash in the
 *     middle of an append), then compacts so the journal starts empty. A crash at any point of a
 *     compaction leaves snapshot + journal replaying to the same state (astdb-format.ts).
 *   - a snapshot that is not ours, or a journal with damaged lines in the middle, is moved aside
 *     (`<file>.corrupt-<wallms>`) and logged, never deleted.
 *
 * Bounded: `maxBytes` of path+value data (UTF-8) and `maxEntries`; a put that would exceed either
 * throws PbxError('DB_FULL') and changes nothing. Like Asterisk, `/family/key` is at most 255
 * bytes (MAX_DB_FIELD 256 with its NUL); values at most `maxValueBytes` (default 4096, the
 * dialplan's variable buffer, which is what DB() can return in Asterisk). Families and keys must
 * be non-empty and free of control characters (a newline would break the console listing).
 * Without a directory the database lives in memory only.
 */
import { PbxError } from '../core/errors.ts';
import { openAppendFile, utf8Length } from '../platform/append-file.ts';
import type { AppendFile, AppendSync } from '../platform/append-file.ts';
import { ensureDir, fileExists, listDir, paths, readTextIfExists, removeFile, renameFile, writeFileAtomic } from '../platform/fs.ts';
import {
  dbPath,
  decodeSnapshot,
  encodeRecord,
  encodeSnapshot,
  endsWithKey,
  inTree,
  scanJournal,
  splitPath,
} from './astdb-format.ts';
import type { JournalRecord } from './astdb-format.ts';

export interface AstDbEntry {
  family: string;
  key: string;
  value: string;
}

export type AstDbLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

export interface AstDbOptions {
  /** Data directory (holds astdb.json and astdb.journal); omitted: memory only. */
  dir?: string;
  /** Bound on the sum of UTF-8 bytes of every `/family/key` and value (default 1 MiB). */
  maxBytes?: number;
  /** Bound on the number of keys (default 20 000). */
  maxEntries?: number;
  /** Bound on one value in UTF-8 bytes (default 4096). */
  maxValueBytes?: number;
  /** The journal is compacted once above max(this, last snapshot size) (default 64 KiB). */
  journalMinBytes?: number;
  /**
   * When a change reaches the disk itself: 'always' (default) fsyncs before put/del returns;
   * 'background' fsyncs on the thread pool so the event loop (and the RTP it relays) never
   * waits for a slow flash card, at the price of the last milliseconds on a power cut; 'never'
   * for throwaway directories. All three survive a SIGKILL.
   */
  fsync?: 'always' | 'background' | 'never';
  /** Wall-clock ms for naming files moved aside (default Date.now). */
  wallNow?: () => number;
  log?: AstDbLog;
}

/** Asterisk's MAX_DB_FIELD is 256 including the NUL: `/family/key` fits in 255 bytes. */
export const MAX_PATH_BYTES = 255;

export const SNAPSHOT_FILE = 'astdb.json';
export const JOURNAL_FILE = 'astdb.journal';

export interface AstDbStats {
  entries: number;
  /** UTF-8 bytes of paths and values (what maxBytes bounds). */
  dataBytes: number;
  maxBytes: number;
  maxEntries: number;
  /** Bytes in the journal now (0 in memory mode). */
  journalBytes: number;
  /** Bytes of the last snapshot written or loaded (0 in memory mode). */
  snapshotBytes: number;
  compactions: number;
}

const SYNC_MODE: Readonly<Record<NonNullable<AstDbOptions['fsync']>, AppendSync>> = { always: 'now', background: 'soon', never: 'none' };

/** writeFileAtomic's temp name for the snapshot: `.astdb.json.<pid>.tmp`. */
const STALE_SNAPSHOT_TEMP = /^\.astdb\.json\.\d+\.tmp$/;

const CONTROL = /[\u0000-\u001f\u007f]/;

export class AstDb {
  private readonly data = new Map<string, string>();
  private dataBytes = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly maxValueBytes: number;
  private readonly journalMinBytes: number;
  private readonly sync: AppendSync;
  private readonly snapshotPath: string | undefined;
  private readonly journalPath: string | undefined;
  private journal: AppendFile | undefined;
  private snapshotBytes = 0;
  private compactions = 0;

  constructor(private readonly opts: AstDbOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 1024 * 1024;
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.maxValueBytes = opts.maxValueBytes ?? 4096;
    this.journalMinBytes = opts.journalMinBytes ?? 64 * 1024;
    this.sync = SYNC_MODE[opts.fsync ?? 'always'];
    if (opts.dir !== undefined) {
      ensureDir(opts.dir);
      this.snapshotPath = paths.join(opts.dir, SNAPSHOT_FILE);
      this.journalPath = paths.join(opts.dir, JOURNAL_FILE);
      this.load();
    }
  }

  get persistent(): boolean {
    return this.journalPath !== undefined;
  }

  get(family: string, key: string): string | undefined {
    return this.data.get(dbPath(family, key));
  }

  /** Adds or replaces. Throws PbxError('DB_FULL') over a bound, PbxError('DB_INVALID') for a bad name or value. */
  put(family: string, key: string, value: string): void {
    const path = this.checkedPath(family, key);
    const valueBytes = utf8Length(value);
    if (valueBytes > this.maxValueBytes) {
      throw new PbxError('DB_INVALID', `AstDB value for ${path} is ${valueBytes} bytes; at most ${this.maxValueBytes} are allowed`);
    }
    const old = this.data.get(path);
    if (old === value) return;
    const pathBytes = utf8Length(path);
    const next = this.dataBytes - (old === undefined ? 0 : pathBytes + utf8Length(old)) + pathBytes + valueBytes;
    if (next > this.maxBytes) {
      throw new PbxError('DB_FULL', `AstDB is full: ${path} would bring it to ${next} bytes (maxBytes ${this.maxBytes})`);
    }
    if (old === undefined && this.data.size + 1 > this.maxEntries) {
      throw new PbxError('DB_FULL', `AstDB is full: ${this.data.size} keys (maxEntries ${this.maxEntries})`);
    }
    this.record({ op: 'put', path, value });
    this.data.set(path, value);
    this.dataBytes = next;
    this.maybeCompact();
  }

  /** True when the key existed (Asterisk: "Database entry removed." vs "does not exist."). */
  del(family: string, key: string): boolean {
    const path = dbPath(family, key);
    const old = this.data.get(path);
    if (old === undefined) return false;
    this.record({ op: 'del', path });
    this.removePath(path, old);
    this.maybeCompact();
    return true;
  }

  /**
   * Deletes `/family` and everything below it, or `/family/keyTree` and below; an empty family
   * deletes everything (ast_db_deltree). Returns how many keys went.
   */
  delTree(family: string, keyTree?: string): number {
    const prefix = treePrefix(family, keyTree);
    const doomed = [...this.data.keys()].filter((p) => inTree(p, prefix));
    if (doomed.length === 0) return 0;
    this.record({ op: 'tree', prefix });
    for (const p of doomed) this.removePath(p, this.data.get(p)!);
    this.maybeCompact();
    return doomed.length;
  }

  /** Entries under `/prefix` (whole components; all when undefined or ''), sorted by path. */
  entries(prefix?: string): AstDbEntry[] {
    // `/cidname/` and `cidname` name the same tree (Asterisk would find nothing for the former).
    const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
    const tree = trimmed === '' ? '' : `/${trimmed}`;
    return this.select((p) => inTree(p, tree));
  }

  /** Entries whose key (last components) is `keyTree`, in any family (database showkey). */
  entriesWithKey(keyTree: string): AstDbEntry[] {
    return this.select((p) => endsWithKey(p, keyTree));
  }

  /** Families in use (for tab completion), sorted. */
  families(): string[] {
    return [...new Set([...this.data.keys()].map((p) => splitPath(p).family))].sort();
  }

  stats(): AstDbStats {
    return {
      entries: this.data.size,
      dataBytes: this.dataBytes,
      maxBytes: this.maxBytes,
      maxEntries: this.maxEntries,
      journalBytes: this.journal?.size ?? 0,
      snapshotBytes: this.snapshotBytes,
      compactions: this.compactions,
    };
  }

  /** Writes a snapshot and empties the journal now (also done automatically). */
  compact(): void {
    if (!this.snapshotPath || !this.journal) return;
    const text = encodeSnapshot([...this.data.entries()].sort(byPath));
    writeFileAtomic(this.snapshotPath, text);
    this.snapshotBytes = utf8Length(text);
    // A crash here leaves the old journal beside the new snapshot: replaying it gives the same state.
    this.journal.truncate();
    this.compactions++;
  }

  /** Closes the journal; later writes throw. Nothing is pending: every change was already synced. */
  close(): void {
    this.journal?.close();
    this.journal = undefined;
  }

  private select(match: (path: string) => boolean): AstDbEntry[] {
    const out: [string, string][] = [];
    for (const e of this.data) if (match(e[0])) out.push(e);
    return out.sort(byPath).map(([p, value]) => ({ ...splitPath(p), value }));
  }

  private checkedPath(family: string, key: string): string {
    if (family === '' || key === '') throw new PbxError('DB_INVALID', 'AstDB family and key must not be empty');
    if (CONTROL.test(family) || CONTROL.test(key)) {
      throw new PbxError('DB_INVALID', `AstDB family and key must be printable (got ${JSON.stringify(`${family}/${key}`)})`);
    }
    const path = dbPath(family, key);
    if (utf8Length(path) > MAX_PATH_BYTES) {
      throw new PbxError('DB_INVALID', `AstDB family and key together must be less than ${MAX_PATH_BYTES - 1} bytes`);
    }
    return path;
  }

  private removePath(path: string, old: string): void {
    this.data.delete(path);
    this.dataBytes -= utf8Length(path) + utf8Length(old);
  }

  /** Durable before the Map changes: a failed write changes nothing. */
  private record(r: JournalRecord): void {
    if (!this.journalPath) return;
    if (!this.journal) throw new PbxError('STORE_WRITE', 'AstDB is closed');
    try {
      this.journal.append(encodeRecord(r), this.sync);
    } catch (e) {
      throw new PbxError('STORE_WRITE', `AstDB journal ${this.journalPath}: ${(e as Error).message}`);
    }
  }

  private maybeCompact(): void {
    if (!this.journal || this.journal.size <= Math.max(this.journalMinBytes, this.snapshotBytes)) return;
    try {
      this.compact();
    } catch (e) {
      // The change itself is safe in the journal; compaction is retried after the next change.
      this.log('error', `AstDB: STORE_WRITE compaction of ${this.snapshotPath} failed: ${(e as Error).message}`);
    }
  }

  private apply(r: JournalRecord): void {
    switch (r.op) {
      case 'put': {
        const old = this.data.get(r.path);
        if (old !== undefined) this.removePath(r.path, old);
        this.data.set(r.path, r.value);
        this.dataBytes += utf8Length(r.path) + utf8Length(r.value);
        return;
      }
      case 'del': {
        const old = this.data.get(r.path);
        if (old !== undefined) this.removePath(r.path, old);
        return;
      }
      case 'tree':
        for (const [p, v] of [...this.data]) if (inTree(p, r.prefix)) this.removePath(p, v);
    }
  }

  private load(): void {
    const snapshotPath = this.snapshotPath!;
    const journalPath = this.journalPath!;
    // A crash during a compaction leaves writeFileAtomic's temp file (named after that pid).
    for (const n of listDir(this.opts.dir!)) if (STALE_SNAPSHOT_TEMP.test(n)) removeFile(paths.join(this.opts.dir!, n));
    const snap = readTextIfExists(snapshotPath);
    if (snap !== undefined) {
      const entries = decodeSnapshot(snap);
      if (typeof entries === 'string') {
        this.moveAside(snapshotPath, entries);
      } else {
        for (const [path, value] of entries) this.apply({ op: 'put', path, value });
        this.snapshotBytes = utf8Length(snap);
      }
    }
    const text = readTextIfExists(journalPath);
    let damaged = false;
    if (text !== undefined && text !== '') {
      const scan = scanJournal(text);
      for (const r of scan.records) this.apply(r);
      if (scan.tornTail) this.log('warn', `AstDB: ignored a torn last line in ${journalPath} (a write cut short by a crash)`);
      if (scan.badLines.length > 0) {
        damaged = true;
        this.log('error', `AstDB: ${journalPath} has unreadable lines ${scan.badLines.join(', ')}; they were skipped`);
      }
    }
    // Over a bound after loading (bounds lowered in the configuration): keep everything, refuse new keys.
    if (this.dataBytes > this.maxBytes || this.data.size > this.maxEntries) {
      this.log('warn', `AstDB holds ${this.data.size} keys / ${this.dataBytes} bytes, above its bounds; new writes will be refused`);
    }
    const needsCompaction = text !== undefined && text !== '';
    if (damaged) {
      // Keep the evidence: the snapshot below holds everything readable.
      const aside = this.asideName(journalPath);
      const text2 = encodeSnapshot([...this.data.entries()].sort(byPath));
      writeFileAtomic(snapshotPath, text2);
      this.snapshotBytes = utf8Length(text2);
      renameFile(journalPath, aside);
      this.log('error', `AstDB: damaged journal moved to ${aside}`);
    }
    this.journal = openAppendFile(journalPath);
    if (needsCompaction && !damaged) this.compact();
  }

  private asideName(path: string): string {
    const now = (this.opts.wallNow ?? Date.now)();
    let aside = `${path}.corrupt-${now}`;
    for (let i = 1; fileExists(aside); i++) aside = `${path}.corrupt-${now}-${i}`;
    return aside;
  }

  private moveAside(path: string, why: string): void {
    const aside = this.asideName(path);
    try {
      renameFile(path, aside);
      this.log('error', `AstDB: ${path} is unreadable (${why}); moved to ${aside}, starting from the journal alone`);
    } catch (e) {
      this.log('error', `AstDB: ${path} is unreadable (${why}) and could not be moved aside: ${(e as Error).message}`);
    }
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
    this.opts.log?.(level, msg);
  }
}

function treePrefix(family: string, keyTree?: string): string {
  if (family === '') return '';
  return keyTree === undefined || keyTree === '' ? `/${family}` : `/${family}/${keyTree}`;
}

function byPath(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Persistence of SIP registrations, so a restarted PBX (inittab respawns it after a crash) still
 * knows where its phones are instead of waiting up to an hour for every phone to re-register.
 *
 * The file is JSON, replaced atomically (temp + fsync + rename via platform/fs writeFileAtomic),
 * so a power cut or SIGKILL leaves either the previous or the new content. Writes are debounced:
 * a change that matters (a binding added, removed or moved) is written within `debounceMs`; a
 * plain refresh (only expiresAt moved) within `lazyMs`, because phones refresh all day long and
 * the data partition may be a CF card (DESIGN: bytes written per hour should be near zero).
 * flush() and close() write whatever is pending.
 *
 * A file that cannot be read as our format is moved aside (`<file>.corrupt-<wallms>`) and
 * logged, never silently deleted: it may hold the only clue to what went wrong.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { fileExists, readTextIfExists, renameFile, writeFileAtomic } from '../platform/fs.ts';

/** An address a binding is reached at (structurally a sip/transport Endpoint). */
export interface StoredEndpoint {
  protocol: string;
  address: string;
  port: number;
  /** TCP/TLS connection the REGISTER came on; meaningless after a restart, never persisted. */
  connectionId?: number;
}

/** One Contact bound to an address-of-record (RFC 3261 section 10): plain data that serialises. */
export interface RegistrationRecord {
  /** Address-of-record: the peer name (To user part). */
  aor: string;
  /** The Contact URI as the phone sent it, formatted. */
  contact: string;
  /** Where to send requests for this binding (source address for nat peers, else the Contact). */
  reach: StoredEndpoint;
  /** Where the REGISTER came from. */
  source: StoredEndpoint;
  /** Wall-clock ms. */
  expiresAt: number;
  /** Wall-clock ms of the first REGISTER that created the binding. */
  registeredAt: number;
  callId: string;
  cseq: number;
  userAgent?: string;
}

/** The records to save, or a function returning them at write time. */
export type RecordSource = readonly RegistrationRecord[] | (() => readonly RegistrationRecord[]);

function resolveRecords(source: RecordSource): readonly RegistrationRecord[] {
  return typeof source === 'function' ? source() : source;
}

export type StoreLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

export interface RegistrationStore {
  /** Records saved before, expired ones (by the wall clock) dropped. */
  load(): RegistrationRecord[];
  /**
   * The complete current set. `material` is false when only expiry times moved (a refresh), which
   * lets a persistent store write later.
   */
  /**
   * Schedule a write of the current records. `records` may be a function: the snapshot is then
   * taken only when the write happens, so a burst of registrations costs one copy, not one each.
   */
  save(records: RecordSource, material?: boolean): void;
  /** Write anything pending now. */
  flush(): void;
  /** flush() and stop timers. */
  close(): void;
}

const FORMAT_VERSION = 1;

interface FileShape {
  version: number;
  savedAt: number;
  registrations: RegistrationRecord[];
}

function copyRecord(r: RegistrationRecord): RegistrationRecord {
  const out: RegistrationRecord = {
    aor: r.aor,
    contact: r.contact,
    reach: { protocol: r.reach.protocol, address: r.reach.address, port: r.reach.port },
    source: { protocol: r.source.protocol, address: r.source.address, port: r.source.port },
    expiresAt: r.expiresAt,
    registeredAt: r.registeredAt,
    callId: r.callId,
    cseq: r.cseq,
  };
  if (r.userAgent !== undefined) out.userAgent = r.userAgent;
  return out;
}

/** For tests and for running without a data directory. */
export class MemoryRegistrationStore implements RegistrationStore {
  records: RegistrationRecord[] = [];
  saves = 0;

  constructor(
    private readonly clock?: Clock,
    initial: RegistrationRecord[] = [],
  ) {
    this.records = initial.map(copyRecord);
  }

  load(): RegistrationRecord[] {
    const now = this.clock?.wallNow() ?? -Infinity;
    return this.records.filter((r) => r.expiresAt > now).map(copyRecord);
  }

  save(source: RecordSource): void {
    const records = resolveRecords(source);
    this.records = records.map(copyRecord);
    this.saves++;
  }

  flush(): void {}

  close(): void {}
}

export interface FileRegistrationStoreOptions {
  /** e.g. <data>/registrations.json */
  path: string;
  clock: Clock;
  /** Delay for material changes (default 1000 ms). */
  debounceMs?: number;
  /** Delay for refresh-only changes (default 300 000 ms). */
  lazyMs?: number;
  log?: StoreLog;
}

export class FileRegistrationStore implements RegistrationStore {
  private pending: RecordSource | undefined;
  private timer: TimerHandle | undefined;
  private dueAt = Infinity;
  private readonly debounceMs: number;
  private readonly lazyMs: number;
  /** Writes done (for tests and `sip show registry` statistics). */
  writes = 0;

  constructor(private readonly opts: FileRegistrationStoreOptions) {
    this.debounceMs = opts.debounceMs ?? 1000;
    this.lazyMs = opts.lazyMs ?? 300_000;
  }

  load(): RegistrationRecord[] {
    const { path } = this.opts;
    let text: string | undefined;
    try {
      text = readTextIfExists(path);
    } catch (e) {
      this.log('error', `registrations: cannot read ${path}: ${(e as Error).message}`);
      return [];
    }
    if (text === undefined) return [];
    const parsed = parseFile(text);
    if (typeof parsed === 'string') {
      this.moveAside(parsed);
      return [];
    }
    const now = this.opts.clock.wallNow();
    const live = parsed.filter((r) => r.expiresAt > now);
    if (live.length !== parsed.length) this.log('debug', `registrations: dropped ${parsed.length - live.length} expired on load`);
    return live;
  }

  save(records: RecordSource, material = true): void {
    // An array is copied now (the caller may change it); a function is called at write time.
    this.pending = typeof records === 'function' ? records : records.map(copyRecord);
    const due = this.opts.clock.now() + (material ? this.debounceMs : this.lazyMs);
    if (this.timer && due >= this.dueAt) return;
    this.timer?.cancel();
    this.dueAt = due;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Infinity;
      this.write();
    }, due - this.opts.clock.now());
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.dueAt = Infinity;
    this.write();
  }

  close(): void {
    this.flush();
  }

  private write(): void {
    if (!this.pending) return;
    const records = resolveRecords(this.pending).map(copyRecord);
    const file: FileShape = { version: FORMAT_VERSION, savedAt: this.opts.clock.wallNow(), registrations: records };
    try {
      writeFileAtomic(this.opts.path, `${JSON.stringify(file, null, 1)}\n`);
      this.pending = undefined;
      this.writes++;
    } catch (e) {
      // Keep `pending`: the next save or flush tries again. STORE_WRITE in the error registry.
      this.log('error', `registrations: STORE_WRITE ${this.opts.path}: ${(e as Error).message}`);
    }
  }

  private moveAside(why: string): void {
    const { path } = this.opts;
    let aside = `${path}.corrupt-${this.opts.clock.wallNow()}`;
    for (let i = 1; fileExists(aside); i++) aside = `${path}.corrupt-${this.opts.clock.wallNow()}-${i}`;
    try {
      renameFile(path, aside);
      this.log('error', `registrations: ${path} is unreadable (${why}); moved to ${aside}, starting empty`);
    } catch (e) {
      this.log('error', `registrations: ${path} is unreadable (${why}) and could not be moved aside: ${(e as Error).message}`);
    }
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
    this.opts.log?.(level, msg);
  }
}

/** The records, or a sentence saying why the text is not our format. */
function parseFile(text: string): RegistrationRecord[] | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (!isObject(data)) return 'not a JSON object';
  if (data.version !== FORMAT_VERSION) return `unknown version ${String(data.version)}`;
  if (!Array.isArray(data.registrations)) return 'no registrations array';
  const out: RegistrationRecord[] = [];
  for (const [i, r] of data.registrations.entries()) {
    const rec = toRecord(r);
    if (!rec) return `registration ${i} is malformed`;
    out.push(rec);
  }
  return out;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function toEndpoint(x: unknown): StoredEndpoint | undefined {
  if (!isObject(x)) return undefined;
  const { protocol, address, port } = x;
  if (typeof protocol !== 'string' || typeof address !== 'string' || typeof port !== 'number') return undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { protocol, address, port };
}

function toRecord(x: unknown): RegistrationRecord | undefined {
  if (!isObject(x)) return undefined;
  const reach = toEndpoint(x.reach);
  const source = toEndpoint(x.source);
  const { aor, contact, expiresAt, registeredAt, callId, cseq, userAgent } = x;
  if (!reach || !source) return undefined;
  if (typeof aor !== 'string' || typeof contact !== 'string' || typeof callId !== 'string') return undefined;
  if (typeof expiresAt !== 'number' || typeof registeredAt !== 'number' || typeof cseq !== 'number') return undefined;
  if (userAgent !== undefined && typeof userAgent !== 'string') return undefined;
  const rec: RegistrationRecord = { aor, contact, reach, source, expiresAt, registeredAt, callId, cseq };
  if (typeof userAgent === 'string') rec.userAgent = userAgent;
  return rec;
}

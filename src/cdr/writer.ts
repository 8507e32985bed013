/**
 * The batch writer behind Master.csv. A flash card wears with every write, so records are
 * always held in RAM and appended in batches, even when cdr.conf says `batch = no`: a batch goes
 * out when `size` records are waiting, when the oldest has waited `time` seconds, and at stop.
 * Each batch is one append (one write(2)) per file plus an fsync off the event loop, so a crash
 * loses at most the records still waiting. Asterisk's `accountlogs` is kept: a record with an
 * account code also goes to `<accountcode>.csv` next to Master.csv.
 *
 * When the data directory is in RAM (no data partition) the files are capped: past `ramCapBytes`
 * the oldest lines are dropped, with a warning, so call records cannot fill the box's memory.
 */
import type { Clock, TimerHandle } from '../platform/clock.ts';
import { openAppendFile, utf8Length, type AppendSync } from '../platform/append-file.ts';
import { paths, readTextIfExists, writeFileAtomic } from '../platform/fs.ts';

export const MASTER_CSV = 'Master.csv';
/** Default cap of each CSV file when the data directory is in RAM. */
export const RAM_CAP_BYTES = 1024 * 1024;

export interface CsvWriterOptions {
  /** `<data>/cdr-csv`. */
  dir: string;
  clock: Clock;
  /** Read at each record, so a reload applies. */
  batch(): { size: number; timeMs: number; accountlogs: boolean };
  /** The directory is in RAM: cap each file. */
  volatile: boolean;
  ramCapBytes?: number;
  warn(message: string): void;
}

interface Pending {
  file: string;
  text: string;
}

export class CsvBatchWriter {
  private pending: Pending[] = [];
  private timer: TimerHandle | undefined;
  private closed = false;
  private dueAt = 0;
  /** Records appended to Master.csv since start. */
  written = 0;
  /** Lines dropped by the RAM cap since start. */
  dropped = 0;
  /** Wall-clock ms of the last batch written, 0 before the first. */
  lastFlush = 0;

  constructor(private readonly o: CsvWriterOptions) {}

  get pendingCount(): number {
    return this.pending.filter((p) => p.file === MASTER_CSV).length;
  }

  /** Ms until the waiting records are written; undefined when none wait. */
  nextFlushInMs(): number | undefined {
    return this.timer ? Math.max(0, this.dueAt - this.o.clock.now()) : undefined;
  }

  /** Queues one line (newline included) for Master.csv, and for `<accountcode>.csv` with accountlogs. */
  add(line: string, accountcode: string): void {
    if (this.closed) return;
    const b = this.o.batch();
    this.pending.push({ file: MASTER_CSV, text: line });
    const own = accountcode.replace(/[^A-Za-z0-9_.@-]/g, '_');
    if (b.accountlogs && own !== '' && own !== '.' && own !== '..') this.pending.push({ file: `${own}.csv`, text: line });
    if (this.pendingCount >= b.size) this.flush('soon');
    else if (!this.timer) {
      this.dueAt = this.o.clock.now() + b.timeMs;
      this.timer = this.o.clock.setTimeout(() => {
        this.timer = undefined;
        this.flush('soon');
      }, b.timeMs);
    }
  }

  /** Writes everything waiting: `now` fsyncs before returning (stop), `soon` in the background. */
  flush(sync: AppendSync = 'soon'): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const byFile = new Map<string, string>();
    for (const p of batch) byFile.set(p.file, (byFile.get(p.file) ?? '') + p.text);
    for (const [file, text] of byFile) {
      const path = paths.join(this.o.dir, file);
      try {
        if (this.o.volatile) this.appendCapped(path, text);
        else {
          const f = openAppendFile(path);
          f.append(text, sync);
          f.close();
        }
      } catch (e) {
        this.o.warn(`cdr: cannot write ${path}: ${e instanceof Error ? e.message : String(e)}; ${text.split('\n').length - 1} records lost`);
      }
    }
    this.written += batch.filter((p) => p.file === MASTER_CSV).length;
    this.lastFlush = this.o.clock.wallNow();
  }

  /** RAM: append, then drop whole lines from the front while the file is over the cap. */
  private appendCapped(path: string, text: string): void {
    const cap = this.o.ramCapBytes ?? RAM_CAP_BYTES;
    const f = openAppendFile(path);
    const size = f.size;
    if (size + utf8Length(text) <= cap) {
      f.append(text, 'none');
      f.close();
      return;
    }
    f.close();
    let all = (readTextIfExists(path) ?? '') + text;
    let cut = 0;
    while (utf8Length(all) > cap) {
      const nl = all.indexOf('\n');
      if (nl < 0) {
        all = '';
        cut++;
        break;
      }
      all = all.slice(nl + 1);
      cut++;
    }
    writeFileAtomic(path, all);
    this.dropped += cut;
    this.o.warn(`cdr: ${path} is in RAM (no data partition) and over ${cap} bytes: the ${cut} oldest records were dropped`);
  }

  /** Writes what waits (fsynced) and stops taking records. */
  close(): void {
    if (this.closed) return;
    this.flush('now');
    this.closed = true;
  }

  /** Stops without writing (safeshutdown = no: what waits is lost, as Asterisk's batch mode). */
  abandon(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.pending = [];
    this.closed = true;
  }
}

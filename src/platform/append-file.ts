/**
 * An append-only file for journals (the AstDB's): each append is one write(2) of the whole
 * record, so once `append` returns the record survives a SIGKILL (it is in the page cache).
 * For power cuts it is fsynced as well: `now` before returning (blocks the event loop for the
 * disk's flush time), `soon` on libuv's thread pool, coalesced (the event loop never waits; a
 * power cut can lose the last few milliseconds of records). A new file's directory entry is
 * fsynced too, or the file itself could vanish after a power cut. `truncate` empties the file
 * after a compaction has made its records redundant.
 */
import { closeSync, fsync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDirectory } from './fs.ts';

export type AppendSync = 'now' | 'soon' | 'none';

export interface AppendFile {
  /** Appends `text` (UTF-8) and fsyncs it as `sync` says. */
  append(text: string, sync: AppendSync): void;
  /** Bytes in the file now. */
  readonly size: number;
  /** Empties the file (and fsyncs), e.g. once a snapshot holds everything it recorded. */
  truncate(): void;
  close(): void;
}

function fsyncDirOf(path: string): void {
  fsyncDirectory(dirname(path));
}

export function openAppendFile(path: string): AppendFile {
  mkdirSync(dirname(path), { recursive: true });
  const existed = fileSize(path) !== undefined;
  const fd = openSync(path, 'a', 0o600);
  if (!existed) fsyncDirOf(path);
  let size = fstatSync(fd).size;
  let closed = false;
  // Background fsync state: one in flight at a time; appends meanwhile ask for one more.
  let syncing = false;
  let again = false;
  let closeWhenSynced = false;
  const backgroundSync = (): void => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    fsync(fd, () => {
      syncing = false;
      // The fd must stay open while the pool thread uses it, or a reused number could be synced.
      if (closeWhenSynced) closeSync(fd);
      else if (again) {
        again = false;
        backgroundSync();
      }
    });
  };
  return {
    append(text: string, sync: AppendSync): void {
      if (closed) throw new Error('append to a closed file');
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      size += buf.length;
      if (sync === 'now') fsyncSync(fd);
      else if (sync === 'soon') backgroundSync();
    },
    get size() {
      return size;
    },
    truncate(): void {
      ftruncateSync(fd, 0);
      fsyncSync(fd);
      size = 0;
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (syncing) closeWhenSynced = true;
      else closeSync(fd);
    },
  };
}

/** Size in bytes, or undefined when the file does not exist. */
export function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Bytes of `text` in UTF-8 (what the AstDB's size bound counts). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

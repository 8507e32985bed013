/**
 * A file being recorded (Record()): audio streams into a temp file next to the target, and
 * only commit() makes it appear under its name (fsync, rename, fsync of the directory), so a
 * crash or a power cut mid-recording never leaves a torn file where a user expects a message.
 * discard() removes the temp file (a hangup during Record without the `k` option).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory } from './fs.ts';

export interface RecordingFile {
  /** Final path (what commit() creates). */
  readonly path: string;
  /** Bytes written so far. */
  readonly size: number;
  /** Append bytes at the end. */
  append(bytes: Uint8Array): void;
  /** Overwrite bytes at an offset (header patches); does not move the end. */
  writeAt(offset: number, bytes: Uint8Array): void;
  /** Cut the file to `size` bytes (Record drops trailing silence or a DTMF tail). */
  truncate(size: number): void;
  /**
   * fsync, rename to the final path, fsync the directory. `finalPath` replaces `path` when the
   * name is only known at the end (the voicemail spool's next free message number).
   */
  commit(finalPath?: string): void;
  /** Close and delete the temp file; the final path is left as it was. */
  discard(): void;
}

let sequence = 0;

function writeAll(fd: number, bytes: Uint8Array, position: number | null): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, position === null ? null : position + off);
}

/**
 * Create the directory if needed and open a temp file for `path`. Throws the OS error when it
 * cannot. `tempPath` (same filesystem) lets a caller that recovers temp files after a crash name
 * them itself (the voicemail spool's `BOX/tmp/`).
 */
export function createRecordingFile(path: string, options: { tempPath?: string } = {}): RecordingFile {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  if (options.tempPath !== undefined) mkdirSync(dirname(options.tempPath), { recursive: true });
  const tmp = options.tempPath ?? join(dir, `.${basename(path)}.${process.pid}.${++sequence}.rec`);
  const fd = openSync(tmp, 'w', 0o644);
  let size = 0;
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  return {
    path,
    get size() {
      return size;
    },
    append(bytes: Uint8Array): void {
      writeAll(fd, bytes, size);
      size += bytes.length;
    },
    writeAt(offset: number, bytes: Uint8Array): void {
      writeAll(fd, bytes, offset);
      size = Math.max(size, offset + bytes.length);
    },
    truncate(newSize: number): void {
      if (newSize >= size) return;
      ftruncateSync(fd, newSize);
      size = newSize;
    },
    commit(finalPath?: string): void {
      const target = finalPath ?? path;
      fsyncSync(fd);
      close();
      renameSync(tmp, target);
      fsyncDirectory(dirname(target));
    },
    discard(): void {
      close();
      try {
        unlinkSync(tmp);
      } catch {
        // Already gone: nothing to clean.
      }
    },
  };
}

/** Whether a file exists (Record's `%d` numbering probes names until one is free). */
export function recordingExists(path: string): boolean {
  return existsSync(path);
}

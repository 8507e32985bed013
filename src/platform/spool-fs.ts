/**
 * Directory and file operations the voicemail spool needs beyond fs.ts: listing a folder that
 * may not exist yet, hard link or durable copy (move/forward a message without a window where it
 * is in neither place), reading and patching a few bytes (repairing the WAV header of a recording
 * cut by a crash), and the filesystem type (is the data directory in RAM?).
 */
import { closeSync, copyFileSync, fsyncSync, linkSync, openSync, readSync, readdirSync, statfsSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Linux statfs f_type magic numbers (linux/magic.h) of the filesystems that live in RAM. */
const RAM_FS_MAGIC = new Map<number, string>([
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
]);

/**
 * 'tmpfs' or 'ramfs' when `path` (or its nearest existing ancestor) is on a RAM filesystem,
 * 'disk' for anything else, undefined when it cannot be told (statfs missing or failing).
 */
export function filesystemKind(path: string): 'tmpfs' | 'ramfs' | 'disk' | undefined {
  let p = path;
  for (;;) {
    try {
      const type = Number(statfsSync(p).type);
      return (RAM_FS_MAGIC.get(type) as 'tmpfs' | 'ramfs' | undefined) ?? 'disk';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = dirname(p);
      if (code !== 'ENOENT' || parent === p) return undefined;
      p = parent;
    }
  }
}

/** Sorted names in a directory; [] when it does not exist (folders are created lazily). */
export function listDirIfExists(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw e;
  }
}

/**
 * Make `to` a second name of `from` (hard link) or, where links are not possible, a copy
 * that is fsynced before this returns. `to` must not exist.
 */
export function linkOrCopyFile(from: string, to: string): void {
  try {
    linkSync(from, to);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EEXIST') throw e;
  }
  copyFileSync(from, to);
  syncFile(to);
}

/** Copy a file and fsync the copy (forwarding a message to another box keeps the original). */
export function copyFileSynced(from: string, to: string): void {
  copyFileSync(from, to);
  syncFile(to);
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Up to `length` bytes from the start of a file (a header). */
export function readFileHead(path: string, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Overwrite bytes at an offset and fsync (header repair). */
export function patchFile(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, offset + off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

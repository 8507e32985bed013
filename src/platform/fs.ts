/**
 * File access for the runtime. Writes go only to the data directory and are crash-safe:
 * temp file, fsync, rename over the old one, fsync the directory, so a power cut leaves either
 * the old or the new content, never a torn file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function fileExists(path: string): boolean {
  return existsSync(path);
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function listDir(path: string): string[] {
  return readdirSync(path).sort();
}

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Atomic replace: temp + fsync + rename + fsync(dir). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDirectory(dir);
}

/** Makes a rename in `dir` durable (the directory entry itself reaches the disk). */
export function fsyncDirectory(dir: string): void {
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Rename (same filesystem), e.g. to move a corrupt state file aside instead of deleting it. */
export function renameFile(from: string, to: string): void {
  renameSync(from, to);
}

export const paths = {
  join,
  dirname,
  basename,
  resolve,
  isAbsolute,
  tmpdir,
};

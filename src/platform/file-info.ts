/**
 * One stat(2) per question for callers that probe many candidate files (sound prompts in
 * several languages and formats) and cache what they read: whether a regular file exists, and
 * its size and modification time so a cache can tell when it was replaced.
 */
import { statSync } from 'node:fs';

export interface FileInfo {
  size: number;
  mtimeMs: number;
}

/** Size and mtime of a regular file (symlinks followed), or undefined when there is none. */
export function regularFileInfo(path: string): FileInfo | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

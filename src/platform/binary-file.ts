/**
 * Binary file reads for media (sound prompts, recordings): the bytes as a Uint8Array, or
 * undefined when the file does not exist, so callers can probe several extensions cheaply.
 * Writes go through fs.ts writeFileAtomic (crash-safe).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export function readBinaryFile(path: string): Uint8Array | undefined {
  try {
    return bytesOf(readFileSync(path));
  } catch (e) {
    return missing(e);
  }
}

/**
 * readBinaryFile without blocking the event loop: for big files read while calls are live
 * (music on hold loads its next multi-megabyte track this way, off the media clock tick).
 */
export async function readBinaryFileAsync(path: string): Promise<Uint8Array | undefined> {
  try {
    return bytesOf(await readFile(path));
  } catch (e) {
    return missing(e);
  }
}

function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A missing file is an answer (undefined); any other error is the caller's to see. */
function missing(e: unknown): undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
  throw e;
}

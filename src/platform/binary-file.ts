/**
 * Binary file reads for media (sound prompts, recordings): the bytes as a Uint8Array, or
 * undefined when the file does not exist, so callers can probe several extensions cheaply.
 * Writes go through fs.ts writeFileAtomic (crash-safe).
 */
import { readFileSync } from 'node:fs';

export function readBinaryFile(path: string): Uint8Array | undefined {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw e;
  }
}

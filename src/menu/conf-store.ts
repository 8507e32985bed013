/**
 * pbx.conf on the config partition. The partition stays mounted read-only so a power cut can never
 * find it mid-write; a save remounts it read-write only for the atomic write (temp file, fsync,
 * rename, fsync directory) and always back read-only, also when the write fails.
 */
import { readTextIfExists, writeFileAtomic } from '../platform/fs.ts';
import type { ConfStore } from './types.ts';

export interface ConfStoreOptions {
  path: string;
  defaultsPath: string;
  /** Remounts the partition holding `path`; omitted when the file is on an ordinary disk. */
  remount?: (writable: boolean) => Promise<void>;
}

export function createConfStore(o: ConfStoreOptions): ConfStore {
  const defaults = (): string => readTextIfExists(o.defaultsPath) ?? '[system]\nlan = dhcp\n';
  return {
    path: o.path,
    read: () => readTextIfExists(o.path) ?? defaults(),
    defaults,
    async save(text: string): Promise<void> {
      // Back to read-only whatever happens (also when making it writable failed half-way); an
      // error from that last remount is reported only if nothing failed before it.
      let failure: unknown;
      try {
        await o.remount?.(true);
        writeFileAtomic(o.path, text);
      } catch (e) {
        failure = e;
      }
      try {
        await o.remount?.(false);
      } catch (e) {
        failure ??= e;
      }
      if (failure !== undefined) throw failure;
    },
  };
}

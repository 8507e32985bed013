/**
 * DAHDI's own view of its channels: the span files under /proc/dahdi (one per span, named by
 * number), read as text for `pbx check` to compare with the configured analog ports. Parsing
 * is the caller's (src/runtime/analog-check.ts); this only reads, and says when DAHDI is not
 * loaded (no /proc/dahdi).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DAHDI_PROC_DIR = '/proc/dahdi';

export interface DahdiProcFile {
  /** The span file's path, e.g. /proc/dahdi/1. */
  path: string;
  text: string;
}

/** The span files in `dir`, in span order; undefined when the directory does not exist. */
export function readDahdiProc(dir: string = DAHDI_PROC_DIR): DahdiProcFile[] | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const spans = readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(a) - Number(b));
  const out: DahdiProcFile[] = [];
  for (const name of spans) {
    const path = join(dir, name);
    try {
      out.push({ path, text: readFileSync(path, 'utf8') });
    } catch {
      // a span removed while we read: DAHDI's view changes under us; what is left still counts
    }
  }
  return out;
}

/**
 * Collects configuration errors and warnings while a file set is validated. Validation never stops
 * at the first problem: the user fixes a whole file in one pass, and a reload reports everything.
 */
import { ConfigError } from '../core/errors.ts';

/** Where a value came from: the file (relative to the config directory) and the 1-based line. */
export interface Origin {
  file: string;
  line: number;
}

export function where(file: string, line: number): Origin {
  return { file, line };
}

export class Diagnostics {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];

  error(at: Origin, reason: string, code?: string): void {
    this.errors.push(new ConfigError(at.file, at.line, reason, code));
  }

  warn(at: Origin, reason: string): void {
    this.warnings.push(new ConfigError(at.file, at.line, reason));
  }

  absorb(other: { errors: readonly ConfigError[]; warnings?: readonly ConfigError[] }): void {
    this.errors.push(...other.errors);
    if (other.warnings) this.warnings.push(...other.warnings);
  }
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys and names. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The closest candidate to `word`, if it is close enough to be a plausible typo: one edit for
 * words of up to three letters, else two edits or a third of the length, whichever is more. So
 * 'sipp' suggests 'sip' and 'alow' suggests 'allow' (a swap counts two), but 'zzz' suggests nothing.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = w.length <= 3 ? 1 : Math.max(2, Math.floor(w.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** " (did you mean 'x'?)" or "" — appended to an "unknown ..." reason. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean '${c}'?)`;
}

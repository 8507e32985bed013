/**
 * Extension names and patterns, with Asterisk's semantics (main/pbx.c: _extension_match_core,
 * ext_cmp, ext_cmp_pattern_pos):
 *
 *   - A name not starting with `_` is literal: compared character by character, case-sensitive,
 *     `-` ignored on both sides (`555-1234` is `5551234`).
 *   - `_` starts a pattern: `X` 0-9, `Z` 1-9, `N` 2-9 (either case), `[1-4,6]` / `[a-z]` sets
 *     (ranges and single characters, compared case-sensitively), `.` one or more of anything,
 *     `!` zero or more of anything (an "early match": dialling may stop here), `-` ignored, any
 *     other character literal.
 *   - Three modes, as ast_extension_match / ast_extension_close: `match` (the whole number
 *     matches), `canmatch` (matches now or could after more digits), `matchmore` (more digits
 *     could still match). The core returns 0 (no), 1 (yes) or 2 (early match through `!`).
 *   - Ordering (`compareExtensions`): literals before patterns; literals by character code;
 *     patterns position by position, the smaller character class first (a literal digit, then N
 *     with 8 choices, Z with 9, X with 10, a set by its size), then `.`, then `!`, then the end of
 *     the pattern; equal-sized classes by their lowest characters.
 */

export type MatchMode = 'match' | 'canmatch' | 'matchmore';

/** 0: no match, 1: match, 2: early match through `!`. */
export type MatchResult = 0 | 1 | 2;

export type PatternToken =
  | { kind: 'set'; ranges: number[] } // pairs lo,hi (inclusive char codes)
  | { kind: 'dot' }
  | { kind: 'bang' }
  | { kind: 'broken' }; // `[` without `]`: fails whenever it is reached with digits left

/** A name prepared for repeated matching. */
export interface CompiledName {
  readonly name: string;
  readonly isPattern: boolean;
  /** Literal: the name without `-`. */
  readonly literal: string;
  readonly tokens: readonly PatternToken[];
}

const DIGITS: PatternToken = { kind: 'set', ranges: [48, 57] };
const DIGITS_1: PatternToken = { kind: 'set', ranges: [49, 57] };
const DIGITS_2: PatternToken = { kind: 'set', ranges: [50, 57] };

export function compileName(name: string): CompiledName {
  if (!name.startsWith('_')) return { name, isPattern: false, literal: stripDashes(name), tokens: [] };
  const tokens: PatternToken[] = [];
  const p = name;
  for (let i = 1; i < p.length; i++) {
    const c = p[i];
    if (c === '-') continue;
    if (c === 'X' || c === 'x') tokens.push(DIGITS);
    else if (c === 'Z' || c === 'z') tokens.push(DIGITS_1);
    else if (c === 'N' || c === 'n') tokens.push(DIGITS_2);
    else if (c === '.') tokens.push({ kind: 'dot' });
    else if (c === '!') tokens.push({ kind: 'bang' });
    else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) {
        tokens.push({ kind: 'broken' });
        break;
      }
      const ranges: number[] = [];
      for (let j = i + 1; j < end; j++) {
        if (j + 2 < end && p[j + 1] === '-') {
          ranges.push(p.charCodeAt(j), p.charCodeAt(j + 2));
          j += 2;
        } else {
          ranges.push(p.charCodeAt(j), p.charCodeAt(j));
        }
      }
      // An empty set `[]` is skipped by Asterisk without consuming a digit.
      if (ranges.length > 0) tokens.push({ kind: 'set', ranges });
      i = end;
    } else {
      const code = p.charCodeAt(i);
      tokens.push({ kind: 'set', ranges: [code, code] });
    }
  }
  return { name, isPattern: true, literal: '', tokens };
}

export function stripDashes(s: string): string {
  return s.includes('-') ? s.replace(/-/g, '') : s;
}

function inSet(ranges: number[], code: number): boolean {
  for (let k = 0; k < ranges.length; k += 2) if (code >= ranges[k] && code <= ranges[k + 1]) return true;
  return false;
}

/**
 * Asterisk's _extension_match_core. `data` is the dialled string as is (`-` is ignored here).
 * Callers matching many names against one number may pass `dataStripped` (data without `-`).
 */
export function matchCompiled(c: CompiledName, data: string, mode: MatchMode, dataStripped = stripDashes(data)): MatchResult {
  const d = dataStripped;
  if (!c.isPattern) {
    const lp = c.literal.length;
    const ld = d.length;
    if (lp < ld) return 0;
    if (mode === 'match') return c.literal === d ? 1 : 0;
    if (ld === 0 || c.literal.startsWith(d)) return mode === 'matchmore' ? (lp > ld ? 1 : 0) : 1;
    return 0;
  }
  // `Goto(_X.,1)`-style lookups: a pattern given as the "number" matches an equal pattern.
  if (mode === 'match' && data.startsWith('_') && compareExtensions(c.name, data) === 0) return 1;
  const tokens = c.tokens;
  let i = 0;
  let t = 0;
  while (i < d.length && t < tokens.length) {
    const tok = tokens[t];
    if (tok.kind === 'dot') return 1;
    if (tok.kind === 'bang') return 2;
    if (tok.kind === 'broken') return 0;
    if (!inSet(tok.ranges, d.charCodeAt(i))) return 0;
    i++;
    t++;
  }
  if (i < d.length) return 0;
  if (t === tokens.length) return mode === 'matchmore' ? 0 : 1;
  if (tokens[t].kind === 'bang') return 2;
  return mode === 'match' ? 0 : 1;
}

/** ast_extension_match: does `pattern` (a literal or `_` pattern) match the whole of `exten`? */
export function patternMatches(pattern: string, exten: string): boolean {
  return matchCompiled(compileName(pattern), exten, 'match') !== 0;
}

/** ast_extension_close with E_CANMATCH: matches now or could after more characters. */
export function patternCanMatch(pattern: string, exten: string): boolean {
  return matchCompiled(compileName(pattern), exten, 'canmatch') !== 0;
}

/**
 * ast_extension_close with E_MATCHMORE: more characters could still match. The core answers 2
 * for a `!` pattern, which the dialplan search treats as "no, stop here" (early match).
 */
export function patternMatchesMore(pattern: string, exten: string): boolean {
  return matchCompiled(compileName(pattern), exten, 'matchmore') === 1;
}

// ---------------------------------------------------------------------------------------------
// Ordering (ext_cmp)

const SCORE_DOT = 0x18000;
const SCORE_BANG = 0x28000;
const SCORE_END = 0x30000;
const SCORE_BROKEN = 0x40000;

interface PatternPosition {
  score: number;
  /** 256 flags as 32 bytes, the lowest character in the most significant bit of byte 0. */
  bits: Uint8Array;
  next: number; // index after this position; -1 at the end
}

function setBit(bits: Uint8Array, code: number): boolean {
  const c = Math.min(code, 255);
  const mask = 1 << (7 - (c % 8));
  if (bits[c >> 3] & mask) return false;
  bits[c >> 3] |= mask;
  return true;
}

/** One position of a pattern (without its `_`) from index `i`, scored as ext_cmp_pattern_pos does. */
function patternPosition(p: string, start: number): PatternPosition {
  const bits = new Uint8Array(32);
  let i = start;
  for (;;) {
    while (i < p.length && p[i] === '-') i++;
    if (i >= p.length) return { score: SCORE_END, bits, next: -1 };
    const c = p[i++];
    switch (c) {
      case 'n':
      case 'N':
        for (let k = 50; k <= 57; k++) setBit(bits, k);
        return { score: 0x0800 | 50, bits, next: i };
      case 'x':
      case 'X':
        for (let k = 48; k <= 57; k++) setBit(bits, k);
        return { score: 0x0a00 | 48, bits, next: i };
      case 'z':
      case 'Z':
        for (let k = 49; k <= 57; k++) setBit(bits, k);
        return { score: 0x0900 | 49, bits, next: i };
      case '.':
        return { score: SCORE_DOT, bits, next: i };
      case '!':
        return { score: SCORE_BANG, bits, next: i };
      case '[': {
        const end = p.indexOf(']', i);
        if (end < 0) return { score: SCORE_BROKEN, bits, next: -1 };
        let count = 0;
        let cmin = 0xff;
        for (let j = i; j < end; j++) {
          let c1 = Math.min(p.charCodeAt(j), 255);
          let c2 = c1;
          if (j + 2 < end && p[j + 1] === '-') {
            c2 = Math.min(p.charCodeAt(j + 2), 255);
            j += 2;
          }
          if (c1 < cmin) cmin = c1;
          for (; c1 <= c2; c1++) if (setBit(bits, c1)) count += 0x100;
        }
        i = end + 1;
        if (count === 0) continue; // the empty set is ignored
        return { score: count | cmin, bits, next: i };
      }
      default: {
        const code = Math.min(c.charCodeAt(0), 255);
        setBit(bits, code);
        return { score: 0x0100 | code, bits, next: i };
      }
    }
  }
}

function comparePatterns(left: string, right: string): number {
  let li = 0;
  let ri = 0;
  for (;;) {
    const l = patternPosition(left, li);
    const r = patternPosition(right, ri);
    let cmp = l.score - r.score;
    if (cmp === 0) {
      // Same score, different sets: the set with the lower characters first (memcmp right, left).
      for (let k = 0; k < 32 && cmp === 0; k++) cmp = r.bits[k] - l.bits[k];
    }
    if (cmp !== 0 || l.next < 0) return cmp;
    li = l.next;
    ri = r.next;
  }
}

function compareLiterals(a: string, b: string): number {
  const x = stripDashes(a);
  const y = stripDashes(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Asterisk's ext_cmp: negative when `a` is tried before `b`. Zero means Asterisk treats them as
 * the same extension (`_X.` and `_x.`, `555-1234` and `5551234`).
 */
export function compareExtensions(a: string, b: string): number {
  const ap = a.startsWith('_');
  const bp = b.startsWith('_');
  if (!ap) return bp ? -1 : compareLiterals(a, b);
  if (!bp) return 1;
  return comparePatterns(a.slice(1), b.slice(1));
}

/** A key equal for exactly the names compareExtensions calls equal (for merging duplicates). */
export function extensionKey(name: string): string {
  if (!name.startsWith('_')) return `L${stripDashes(name)}`;
  let key = 'P';
  let i = 0;
  const p = name.slice(1);
  for (;;) {
    const pos = patternPosition(p, i);
    key += `${pos.score.toString(16)}:${Array.from(pos.bits, (b) => b.toString(16)).join('')};`;
    if (pos.next < 0) return key;
    i = pos.next;
  }
}

/**
 * Order of two extensions that may carry a caller-ID match (ast_add_extension2): by name; for
 * the same name, the one with a caller-ID match first, then by the caller-ID patterns.
 */
export function compareWithCallerId(aName: string, aCid: string | undefined, bName: string, bCid: string | undefined): number {
  const cmp = compareExtensions(aName, bName);
  if (cmp !== 0) return cmp;
  if (aCid === undefined && bCid === undefined) return 0;
  if (aCid === undefined) return 1;
  if (bCid === undefined) return -1;
  return compareExtensions(aCid, bCid);
}

/**
 * Asterisk's matchcid: an empty caller-ID match matches only calls without a caller number; a
 * call without a caller number matches only that.
 */
export function callerIdMatches(cidPattern: string, callerId: string | undefined): boolean {
  return callerIdMatchesCompiled(compileName(cidPattern), callerId);
}

export function callerIdMatchesCompiled(cid: CompiledName, callerId: string | undefined): boolean {
  if (callerId === undefined || callerId === '') return cid.name === '';
  return matchCompiled(cid, callerId, 'match') !== 0;
}

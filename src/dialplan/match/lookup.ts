/**
 * The dialplan lookup (DialplanLookup of types.ts) with Asterisk's search (pbx_find_extension,
 * the default extenpatternmatchnew=no engine):
 *
 *   1. The context's extensions in Asterisk's order (match/pattern.ts compareWithCallerId):
 *      literals, then patterns most specific first; for one name the caller-ID-matched variant
 *      first. The first extension that matches the number, whose caller-ID match (if any) fits,
 *      AND that has the wanted priority (or label) wins. One that matches but lacks the priority
 *      does not stop the search: `_X.` with priorities 1-3 answers `100`'s priority 2 when `100`
 *      only has priority 1, exactly as Asterisk.
 *   2. In matchmore mode, reaching a `!` pattern that matches ends the search of this context
 *      with "no" (the early match says: stop collecting digits).
 *   3. Then the includes, in order, depth first, each only while its time condition holds.
 *      A context is searched at most once per lookup (include loops are harmless).
 *
 * Per context the ordered entries, a literal index and the pattern list are built on first use
 * and cached: the dialplan is immutable once loaded (a reload builds a new lookup).
 */
import type { Context, DialplanLookup, Extension, FoundPriority, Priority, Dialplan } from '../types.ts';
import { callerIdMatchesCompiled, compareWithCallerId, compileName, matchCompiled, stripDashes, type CompiledName, type MatchMode } from './pattern.ts';

/** Asterisk's AST_PBX_MAX_STACK: how deep includes are followed. */
export const MAX_INCLUDE_DEPTH = 512;

interface Entry {
  extension: Extension;
  compiled: CompiledName;
  /** The caller-ID match, compiled (undefined: any caller). */
  cid: CompiledName | undefined;
  byPriority: Map<number, Priority>;
  byLabel: Map<string, Priority>;
}

interface PreparedContext {
  context: Context;
  /** Literal extensions by name without `-`, each list in Asterisk order (caller-ID ones first). */
  literals: Map<string, Entry[]>;
  /** All literal entries in order, i.e. ascending by dash-less name (partial matching while digits are collected). */
  literalList: Entry[];
  /** Pattern entries in Asterisk order. */
  patterns: Entry[];
}

type Want = { priority: number } | { label: string };

interface Query {
  exten: string;
  stripped: string;
  callerId: string | undefined;
  mode: MatchMode;
  want: Want;
  at: Date;
  visited: Set<string>;
}

interface Hit {
  context: string;
  entry: Entry;
  priority: Priority;
}

function prepareEntry(extension: Extension): Entry {
  const byPriority = new Map<number, Priority>();
  const byLabel = new Map<string, Priority>();
  for (const p of extension.priorities) {
    byPriority.set(p.priority, p);
    if (p.label !== undefined && !byLabel.has(p.label)) byLabel.set(p.label, p);
  }
  const cid = extension.callerId === undefined ? undefined : compileName(extension.callerId);
  return { extension, compiled: compileName(extension.name), cid, byPriority, byLabel };
}

/** The extensions of a context in the order Asterisk tries them. */
export function sortExtensions(extensions: readonly Extension[]): Extension[] {
  return [...extensions].sort((a, b) => compareWithCallerId(a.name, a.callerId, b.name, b.callerId));
}

function prepareContext(context: Context): PreparedContext {
  const literals = new Map<string, Entry[]>();
  const literalList: Entry[] = [];
  const patterns: Entry[] = [];
  for (const ext of sortExtensions(context.extensions)) {
    const entry = prepareEntry(ext);
    if (entry.compiled.isPattern) {
      patterns.push(entry);
      continue;
    }
    literalList.push(entry);
    const list = literals.get(entry.compiled.literal);
    if (list) list.push(entry);
    else literals.set(entry.compiled.literal, [entry]);
  }
  return { context, literals, literalList, patterns };
}

/** First index whose literal is >= `text` (the list is in ascending literal order). */
function lowerBound(list: readonly Entry[], text: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].compiled.literal < text) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The lookup over one (immutable) dialplan. `at` defaults to now for timed includes; exists,
 * canMatch and matchMore ask for priority 1, as Asterisk's callers do.
 */
export function createLookup(dialplan: Dialplan): DialplanLookup {
  const prepared = new Map<string, PreparedContext>();
  const prepare = (name: string): PreparedContext | undefined => {
    let p = prepared.get(name);
    if (!p) {
      const ctx = dialplan.contexts.get(name);
      if (!ctx) return undefined;
      p = prepareContext(ctx);
      prepared.set(name, p);
    }
    return p;
  };

  /** Try one entry: undefined to go on, a hit, or 'stop' (matchmore reached a `!`). */
  const tryEntry = (ctxName: string, entry: Entry, q: Query): Hit | 'stop' | undefined => {
    const m = matchCompiled(entry.compiled, q.exten, q.mode, q.stripped);
    if (m === 0) return undefined;
    if (entry.cid && !callerIdMatchesCompiled(entry.cid, q.callerId)) return undefined;
    if (m === 2 && q.mode === 'matchmore') return 'stop';
    const priority = 'label' in q.want ? entry.byLabel.get(q.want.label) : entry.byPriority.get(q.want.priority);
    return priority ? { context: ctxName, entry, priority } : undefined;
  };

  const search = (ctxName: string, q: Query, depth: number): Hit | undefined => {
    if (depth >= MAX_INCLUDE_DEPTH || q.visited.has(ctxName)) return undefined;
    const p = prepare(ctxName);
    if (!p) return undefined;

    if (q.mode === 'match' && !q.exten.startsWith('_')) {
      for (const entry of p.literals.get(q.stripped) ?? []) {
        const hit = tryEntry(ctxName, entry, q);
        if (hit && hit !== 'stop') return hit;
      }
    } else {
      // Literals are sorted by their dash-less text, so the ones that start with what was
      // dialled form one run: binary-search its start instead of scanning them all.
      const list = p.literalList;
      for (let i = q.stripped === '' ? 0 : lowerBound(list, q.stripped); i < list.length; i++) {
        const entry = list[i];
        if (!entry.compiled.literal.startsWith(q.stripped)) break;
        const hit = tryEntry(ctxName, entry, q);
        if (hit && hit !== 'stop') return hit;
      }
    }
    for (const entry of p.patterns) {
      const hit = tryEntry(ctxName, entry, q);
      if (hit === 'stop') return undefined;
      if (hit) return hit;
    }

    q.visited.add(ctxName);
    for (const inc of p.context.includes) {
      if (inc.time && !inc.time.matches(q.at)) continue;
      const hit = search(inc.context, q, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  };

  const run = (context: string, exten: string, mode: MatchMode, want: Want, callerId: string | undefined, at: Date | undefined): Hit | undefined =>
    search(context, { exten, stripped: stripDashes(exten), callerId, mode, want, at: at ?? new Date(), visited: new Set() }, 0);

  return {
    find(context, exten, priority, callerId, at): FoundPriority | undefined {
      const hit = run(context, exten, 'match', { priority }, callerId, at);
      return hit && { context: hit.context, extension: hit.entry.extension, priority: hit.priority };
    },
    findLabel(context, exten, label, callerId, at) {
      return run(context, exten, 'match', { label }, callerId, at)?.priority.priority;
    },
    exists(context, exten, callerId, at) {
      return run(context, exten, 'match', { priority: 1 }, callerId, at) !== undefined;
    },
    canMatch(context, exten, callerId, at) {
      return run(context, exten, 'canmatch', { priority: 1 }, callerId, at) !== undefined;
    },
    matchMore(context, exten, callerId, at) {
      return run(context, exten, 'matchmore', { priority: 1 }, callerId, at) !== undefined;
    },
    hasContext(context) {
      return dialplan.contexts.has(context);
    },
  };
}

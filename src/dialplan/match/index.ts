/** Extension matching: patterns, Asterisk's ordering, the lookup with includes, `dialplan show`. */
export { createLookup, sortExtensions, MAX_INCLUDE_DEPTH } from './lookup.ts';
export {
  patternMatches,
  patternCanMatch,
  patternMatchesMore,
  compareExtensions,
  compareWithCallerId,
  callerIdMatches,
  callerIdMatchesCompiled,
  compileName,
  matchCompiled,
  extensionKey,
  type MatchMode,
  type MatchResult,
  type CompiledName,
  type PatternToken,
} from './pattern.ts';
export { formatDialplanShow } from './dialplan-show.ts';

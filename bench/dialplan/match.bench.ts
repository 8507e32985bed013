/**
 * Dialplan matching (issue #4): lookups against the 1,000-extension dialplan of generate.ts
 * (`[bench-main]`: 700 literals 2000-2699 and 300 patterns of mixed specificity, including
 * three contexts reached only by `*`/`#` codes). Each row is one kind of lookup; one timed op is
 * a pass over that kind's inputs (listed in the row), and the figures are per lookup
 * (measure.ts says why: single lookups are too close to the timer's own cost).
 *
 * Every lookup passes a caller ID and a fixed `at` Date, as the executor does (it builds the Date
 * from its clock per lookup; that allocation, tens of ns, is not measured here). The lookup is
 * created and each context prepared before timing; the cost of that first use is the
 * `createLookup + first find` row here and the cold figures of load.bench.ts.
 *
 * Returns rows (LoadResult) rather than a Bench; bench/run.ts prints and records either.
 * Before anything is timed, every input is checked against the extension it must reach: a
 * benchmark whose inputs silently missed would measure the wrong path.
 */
import { createLookup } from '../../src/dialplan/match/index.ts';
import { parseDialplanText } from '../../src/dialplan/parse/index.ts';
import type { Dialplan, DialplanLookup } from '../../src/dialplan/types.ts';
import type { LoadResult } from '../run.ts';
import { benchParseOptions, LITERAL_BASE, mainPatterns, matchDialplanText } from './generate.ts';
import { loadAverage, measure } from './measure.ts';

const CONTEXT = 'bench-main';
const CALLER = '2001';
const AT = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));

/** Numbers that hit a pattern of the main context, with the pattern each must reach. */
const PATTERN_HITS: [string, string][] = [
  ['95551234', '_9NXXXXXX'],
  ['918005551234', '_91NXXNXXXXXX'],
  ['18005551234', '_1NXXNXXXXXX'],
  ['8005551234', '_NXXNXXXXXX'],
  ['9011441234567', '_9011.'],
  ['011441234567', '_011.'],
  ['00441234567', '_00.'],
  ['250', '_[2-4]XX'],
  ['2999', '_ZXXX!'],
  ['7123', '_7[0-4]XX'],
  ['50012', '_500XX'],
  ['5001234', '_500[1-5]X.'],
  ['5201234', '_520[1-5]X.'],
  ['55602345678', '_556XXXXXXXX'],
];
/** Numbers only the least specific pattern, `_X.` (the last of the 300), matches. */
const CATCH_ALL_HITS: [string, string][] = [
  ['777', '_X.'],
  ['0123', '_X.'],
  ['60', '_X.'],
];
/** Codes found in the included contexts (first, second and third include). */
const INCLUDE_HITS: [string, string][] = [
  ['*98', 'bench-features'],
  ['*515', 'bench-voicemail'],
  ['#715', 'bench-parking'],
];
/** Codes nothing matches: the main context and all three includes are searched in vain. */
const MISSES = ['*999', '#123', '*715', '#7'];
/** Partial numbers while digits are being collected. */
const PREFIXES = ['2', '20', '201', '9', '95', '955', '1', '180', '5', '50', '500', '*', '*9', '#7'];
/** Numbers dialled digit by digit: each prefix of each is one dial-as-you-go step. */
const DIALLED = ['2015', '95551234', '18005551234', '*98', '#715'];

function load(): { dialplan: Dialplan; lookup: DialplanLookup } {
  const result = parseDialplanText('extensions.conf', matchDialplanText(), undefined, benchParseOptions);
  if (!result.dialplan) throw new Error(`bench dialplan does not load: ${result.errors.map(String).join('; ')}`);
  const main = result.dialplan.contexts.get(CONTEXT);
  const literals = main?.extensions.filter((e) => !e.name.startsWith('_')).length;
  if (main?.extensions.length !== 1000 || literals !== 700) throw new Error(`bench context has ${main?.extensions.length} extensions, ${literals} literal`);
  return { dialplan: result.dialplan, lookup: createLookup(result.dialplan) };
}

function check(lookup: DialplanLookup, literals: string[]): void {
  const expect = (exten: string, name: string | undefined, context: string | undefined): void => {
    const found = lookup.find(CONTEXT, exten, 1, CALLER, AT);
    if (found?.extension.name !== name || (context !== undefined && found?.context !== context)) {
      throw new Error(`bench input ${exten}: expected ${name ?? 'no match'} in ${context ?? 'any context'}, got ${found?.extension.name} in ${found?.context}`);
    }
  };
  for (const l of literals) expect(l, l, CONTEXT);
  for (const [n, p] of [...PATTERN_HITS, ...CATCH_ALL_HITS]) expect(n, p, CONTEXT);
  for (const [n, ctx] of INCLUDE_HITS) expect(n, n, ctx);
  for (const m of MISSES) expect(m, undefined, undefined);
  for (const p of PREFIXES) if (!lookup.canMatch(CONTEXT, p, CALLER, AT)) throw new Error(`bench prefix ${p} cannot match`);
}

export default async function (): Promise<LoadResult[]> {
  const before = loadAverage();
  const { dialplan, lookup } = load();
  const literals = Array.from({ length: 700 }, (_, i) => String(LITERAL_BASE + i));
  check(lookup, literals);
  const patterns = PATTERN_HITS.map(([n]) => n);
  const catchAll = CATCH_ALL_HITS.map(([n]) => n);
  const includes = INCLUDE_HITS.map(([n]) => n);
  const steps = DIALLED.flatMap((n) => Array.from({ length: n.length }, (_, i) => n.slice(0, i + 1)));

  let sink = 0;
  const find = (list: readonly string[], priority = 1) => (): void => {
    for (const exten of list) if (lookup.find(CONTEXT, exten, priority, CALLER, AT)) sink++;
  };
  const rows = await measure('dialplan/match', [
    { name: 'find, literal hit (the 700 literals 2000-2699 in turn)', unit: 'lookup', perOp: 700, fn: find(literals) },
    { name: 'find, literal hit at priority 3 (same => n; the 700 literals)', unit: 'lookup', perOp: 700, fn: find(literals, 3) },
    {
      name: `find, pattern hit (${patterns.length} numbers reaching ${patterns.length} different patterns: ${PATTERN_HITS.map(([, p]) => p).join(' ')})`,
      unit: 'lookup',
      perOp: patterns.length,
      fn: find(patterns),
    },
    { name: `find, pattern hit on _X. (the least specific, tried after the other 299 patterns: ${catchAll.join(', ')})`, unit: 'lookup', perOp: catchAll.length, fn: find(catchAll) },
    {
      name: `find, hit in an included context (${includes.join(', ')}: 1st, 2nd, 3rd include, after all 1,000 main extensions)`,
      unit: 'lookup',
      perOp: includes.length,
      fn: find(includes),
    },
    { name: `find, miss (${MISSES.join(', ')}: the main context and all 3 includes searched)`, unit: 'lookup', perOp: MISSES.length, fn: find(MISSES) },
    {
      name: `canMatch, partial numbers (${PREFIXES.join(' ')})`,
      unit: 'lookup',
      perOp: PREFIXES.length,
      fn: () => {
        for (const p of PREFIXES) if (lookup.canMatch(CONTEXT, p, CALLER, AT)) sink++;
      },
    },
    {
      name: `matchMore, partial numbers (${PREFIXES.join(' ')})`,
      unit: 'lookup',
      perOp: PREFIXES.length,
      fn: () => {
        for (const p of PREFIXES) if (lookup.matchMore(CONTEXT, p, CALLER, AT)) sink++;
      },
    },
    {
      name: `dial-as-you-go: per collected digit, canMatch + matchMore + exists (every prefix of ${DIALLED.join(', ')}: ${steps.length} digits)`,
      unit: 'digit',
      perOp: steps.length,
      fn: () => {
        for (const d of steps) {
          if (!lookup.canMatch(CONTEXT, d, CALLER, AT)) continue;
          if (!lookup.matchMore(CONTEXT, d, CALLER, AT) && lookup.exists(CONTEXT, d, CALLER, AT)) sink++;
        }
      },
      note: 'up to 3 lookups per digit',
    },
    {
      name: 'createLookup + first find (sorts and indexes the 1,000-extension context: the first call after a load or reload)',
      unit: 'run',
      perOp: 1,
      fn: () => {
        if (createLookup(dialplan).find(CONTEXT, '2000', 1, CALLER, AT)) sink++;
      },
    },
  ]);
  if (sink < 0) throw new Error('unreachable'); // keeps the results observable
  const setup: LoadResult = {
    name: 'setup',
    figure: `[${CONTEXT}]: 700 literal extensions (3 priorities each) + ${mainPatterns().length} patterns; includes bench-features (24), bench-voicemail (21), bench-parking (21)`,
    note: `parsed from generated extensions.conf text; lookup prepared before timing; caller ID ${CALLER}; load average ${before} before, ${loadAverage()} after`,
  };
  return [setup, ...rows];
}

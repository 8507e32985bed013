/**
 * Substitution and `$[ ]` expressions (issue #4): what every priority pays before its
 * application runs. Typical arguments are substituted for a fake channel (test/unit/dialplan's
 * expr-fixtures: exten 92015, caller 2001, variables X=41, A=abc, Y=7, an in-memory AstDB with
 * cidname/2001) through the function registry, as the runtime's functionEnv does.
 *
 * Templates and parsed expressions are cached by text in expr/, so the usual case (a dialplan
 * line seen before) is the warm one; the `first sight` row makes every text new to measure the
 * parse as well. One timed op is BATCH substitutions of the same text; figures are per
 * substitution (measure.ts says why). Every text's result is checked before timing.
 *
 * Returns rows (LoadResult) rather than a Bench; bench/run.ts prints and records either.
 */
import { evaluateExpression, substitute } from '../../src/dialplan/expr/index.ts';
import { fakeChannel, MemoryAstDb, testEnv } from '../../test/unit/dialplan/expr-fixtures.ts';
import type { LoadResult } from '../run.ts';
import { loadAverage, measure, type Case } from './measure.ts';

const BATCH = 100;

/** Application arguments as they appear in extensions.conf, and what each must give. */
const ARGUMENTS: [string, string][] = [
  ['hello-world', 'hello-world'],
  ['SIP/${EXTEN:1}', 'SIP/2015'],
  ['${DB(cidname/${CALLERID(num)})}', 'Alice'],
  ['$[${X} + 1]', '42'],
  ['$["${A}" = "abc"]', '1'],
  ['${IF($[${Y}>5]?a:b)}', 'a'],
  ['SIP/${EXTEN:1},20,tT', 'SIP/2015,20,tT'],
];

/** `$[ ]` bodies as evaluateExpression gets them (already substituted), and their values. */
const EXPRESSIONS: [string, string][] = [
  ['41 + 1', '42'],
  ['"abc" = "abc"', '1'],
  ['7 > 5 & 2 < 3', '1'],
  ['2015 : "20(..)"', '15'],
];

export default async function (): Promise<LoadResult[]> {
  const before = loadAverage();
  const db = new MemoryAstDb();
  db.put('cidname', '2001', 'Alice');
  const channel = fakeChannel({ exten: '92015', callerNumber: '2001', callerName: 'Desk 2001', variables: { X: '41', A: 'abc', Y: '7' } });
  const env = testEnv({ channel, db, globals: { TRUNK: 'SIP/provider' } });
  for (const [text, want] of ARGUMENTS) {
    const got = substitute(text, env);
    if (got !== want) throw new Error(`bench argument ${text}: expected ${want}, got ${got}`);
  }
  for (const [text, want] of EXPRESSIONS) {
    const got = evaluateExpression(text);
    if (got !== want) throw new Error(`bench expression ${text}: expected ${want}, got ${got}`);
  }
  if (env.logged.length) throw new Error(`bench substitution logged: ${env.logged.map((l) => l.message).join('; ')}`);

  let sink = 0;
  const cases: Case[] = ARGUMENTS.map(([text, want]) => ({
    name: `substitute \`${text}\` -> \`${want}\`${text === want ? ' (nothing to substitute)' : ''}`,
    unit: 'substitution',
    perOp: BATCH,
    fn: () => {
      for (let i = 0; i < BATCH; i++) sink += substitute(text, env).length;
    },
  }));
  // A new text every time: template parse + expression parse + evaluation (both caches miss,
  // and fill up to their bound, 4,096, then clear, as a dialplan with that many lines would).
  let serial = 0;
  cases.push({
    name: 'substitute `$[${X} + N]`, N new every time (first sight: template and expression parsed, then evaluated)',
    unit: 'substitution',
    perOp: BATCH,
    fn: () => {
      for (let i = 0; i < BATCH; i++) sink += substitute(`$[\${X} + ${serial++}]`, env).length;
    },
  });
  for (const [text, want] of EXPRESSIONS) {
    cases.push({
      name: `evaluateExpression \`${text}\` -> \`${want}\``,
      unit: 'evaluation',
      perOp: BATCH,
      fn: () => {
        for (let i = 0; i < BATCH; i++) sink += evaluateExpression(text).length;
      },
    });
  }
  const rows = await measure('dialplan/subst', cases);
  if (sink < 0) throw new Error('unreachable'); // keeps the results observable
  if (env.logged.length) throw new Error(`bench substitution logged: ${env.logged[0].message}`);
  const setup: LoadResult = {
    name: 'setup',
    figure: 'fake channel SIP/2000-00000001, exten 92015, caller "Desk 2001" <2001>; variables X=41, A=abc, Y=7; AstDB cidname/2001=Alice; the full function registry',
    note: `test/unit/dialplan/expr-fixtures.ts; load average ${before} before, ${loadAverage()} after`,
  };
  return [setup, ...rows];
}

/**
 * splitAppArgs: how the executor splits an application's substituted data, like Asterisk's
 * AST_STANDARD_APP_ARGS, plus the 1.4 `|` separator when the data has no top-level comma.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { splitAppArgs } from '../../../src/dialplan/parse/args.ts';
import { legacyFunctionPipes } from '../../../src/dialplan/parse/app-call.ts';

const cases: [string, string[], string][] = [
  ['SIP/100,20', ['SIP/100', '20'], 'plain commas'],
  ['', [], 'no data, no arguments'],
  ['SIP/100', ['SIP/100'], 'one argument'],
  ['a,,c', ['a', '', 'c'], 'empty middle argument'],
  ['a,b,', ['a', 'b', ''], 'a trailing comma adds an empty argument'],
  [',', ['', ''], 'a lone comma is two empty arguments'],
  ['SIP/100|20', ['SIP/100', '20'], 'legacy | when there is no comma'],
  ['SIP/100|20|tT', ['SIP/100', '20', 'tT'], 'legacy | with three arguments'],
  ['x=a|b,c', ['x=a|b', 'c'], 'a top-level comma wins: | stays text'],
  ['"a,b",c', ['a,b', 'c'], 'quotes protect commas and are removed'],
  ['"a|b"', ['a|b'], 'a quoted | is not a legacy separator'],
  ['a\\,b,c', ['a,b', 'c'], 'backslash escapes the comma and is removed'],
  ['a\\"b', ['a"b'], 'backslash escapes a quote'],
  ['CUT(x,-,2),y', ['CUT(x,-,2)', 'y'], 'parentheses nest'],
  ['FUNC(a|b)|c', ['FUNC(a|b)', 'c'], 'nesting protects | too'],
  ['[a,b],c', ['[a,b]', 'c'], 'square brackets nest'],
  ['${X,Y},z', ['${X,Y}', 'z'], 'an unsubstituted ${...} keeps its commas'],
  ['$[1,2],3', ['$[1,2]', '3'], 'an unsubstituted $[...] keeps its commas'],
  ['a),b', ['a)', 'b'], 'a stray ) does not unbalance the rest'],
  ['"(",x', ['(,x'], 'a parenthesis inside quotes still counts, as in Asterisk, so the comma after it does not split'],
];

for (const [input, expected, why] of cases) {
  test(`${why}: ${JSON.stringify(input)}`, () => {
    assert.deepEqual(splitAppArgs(input), expected);
  });
}

describe('1.4 lines: | between function arguments', () => {
  const cases: [string, string][] = [
    ['X=${CUT(LIST|-|2)}', 'X=${CUT(LIST,-,2)}'],
    ['${FIELDQTY(LIST|-)}|20', '${FIELDQTY(LIST,-)}|20'],
    ['A=1|B=2', 'A=1|B=2'],
    ['$[${A} | ${B}]', '$[${A} | ${B}]'],
    ['${IF($[${A} | ${B}]?x|y)}', '${IF($[${A} | ${B}]?x,y)}'],
    ['"a|b"', '"a|b"'],
  ];
  for (const [data, expected] of cases) {
    test(`${data} -> ${expected}`, () => assert.equal(legacyFunctionPipes(data), expected));
  }
});

/**
 * $[ ] expressions: the conformance table (data/expressions.json, behaviours of Asterisk's
 * expression parser) plus the parts a table cannot show: syntax errors, warnings, dialplan
 * functions called from inside an expression.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PbxError } from '../../../src/core/errors.ts';
import { evaluateExpression, formatNumber } from '../../../src/dialplan/expr/index.ts';

interface Row {
  expr: string;
  result?: string;
  error?: boolean;
  note?: string;
}

const table = JSON.parse(readFileSync(new URL('./data/expressions.json', import.meta.url), 'utf8')) as { rows: Row[] };

test('expression conformance table', () => {
  const failures: string[] = [];
  for (const row of table.rows) {
    let got: string;
    try {
      got = evaluateExpression(row.expr, { warn: () => {} });
    } catch (e) {
      got = e instanceof PbxError && e.code === 'DIALPLAN_EXPRESSION' ? '<syntax error>' : `<threw ${String(e)}>`;
    }
    const want = row.error ? '<syntax error>' : row.result;
    if (got !== want) failures.push(`$[${row.expr}] gave ${JSON.stringify(got)}, expected ${JSON.stringify(want)}${row.note ? ` (${row.note})` : ''}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(table.rows.length > 100);
});

test('a syntax error names the unexpected token and points at it', () => {
  assert.throws(
    () => evaluateExpression('1 + = 2'),
    (e: unknown) => e instanceof PbxError && e.code === 'DIALPLAN_EXPRESSION' && e.message.includes("unexpected '='") && e.message.endsWith('1 + = 2\n    ^'),
  );
  // Cached: the same text fails the same way the second time.
  assert.throws(() => evaluateExpression('1 + = 2'), PbxError);
});

test('arithmetic on text warns "non-numeric argument", division by zero warns', () => {
  const warnings: string[] = [];
  assert.equal(evaluateExpression('abc + 1', { warn: (m) => warnings.push(m) }), '1');
  assert.equal(evaluateExpression('5 / 0', { warn: (m) => warnings.push(m) }), '2147483647');
  assert.deepEqual(warnings, ['non-numeric argument', 'division by zero']);
});

test('an invalid regular expression warns and gives the empty string', () => {
  const warnings: string[] = [];
  assert.equal(evaluateExpression('abc : "[a"', { warn: (m) => warnings.push(m) }), '');
  assert.match(warnings[0], /^regcomp\(\) error/);
});

test('dialplan functions can be called inside an expression; numeric results become numbers', () => {
  const calls: string[] = [];
  const host = {
    callFunction(name: string, args: string): string | undefined {
      calls.push(`${name}(${args})`);
      if (name === 'LEN') return String(args.length);
      if (name === 'ECHO') return args;
      return undefined;
    },
    warn: () => {},
  };
  assert.equal(evaluateExpression('LEN(abcd) * 2', host), '8');
  assert.equal(evaluateExpression('ECHO(a,b,) ~~ x', host), 'a,b,x');
  assert.equal(evaluateExpression('ECHO(1 + 1)', host), '2');
  assert.equal(evaluateExpression('NOSUCH(1) + 5', host), '5', 'an unknown function is 0');
  assert.deepEqual(calls, ['LEN(abcd)', 'ECHO(a,b,)', 'ECHO(2)', 'NOSUCH(1)']);
});

test('numbers print like printf %g: integers exactly, exponents for huge and tiny values', () => {
  assert.equal(formatNumber(12345678901234567), '12345678901234568');
  assert.equal(formatNumber(1e20), '1e+20');
  assert.equal(formatNumber(0.00001), '1e-05');
  assert.equal(formatNumber(2.5), '2.5');
  assert.equal(formatNumber(-0), '-0');
  assert.equal(formatNumber(Infinity), 'inf');
});

/**
 * ${ } and $[ ] substitution: the conformance table (data/substitutions.json) on a fake channel,
 * and the variable rules around it (lookup order, `_`/`__` inheritance, Set semantics).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assign, inheritVariables, readVariable, setVariable, substitute, withFunctions } from '../../../src/dialplan/expr/index.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';
import { fakeChannel, MemoryAstDb, testEnv } from './expr-fixtures.ts';
import type { TestEnv } from './expr-fixtures.ts';

interface Row {
  text: string;
  result: string;
  warning?: boolean;
  note?: string;
}

const table = JSON.parse(readFileSync(new URL('./data/substitutions.json', import.meta.url), 'utf8')) as { rows: Row[] };

function fixture(): TestEnv {
  const db = new MemoryAstDb();
  db.put('cidname', '2000', 'Alice Smith');
  const channel = fakeChannel({
    priority: 3,
    callerName: 'Alice',
    callerNumber: '2000',
    variables: { foo: '123', bar: 'foo', baz: 'fo', X: 'abcdef', N: '2', EMPTY: '', ARG1: 'first', __INH: 'inherited', _ONE: 'one' },
  });
  return testEnv({ channel, db, globals: { G: 'global', foo: 'globalfoo' } });
}

test('substitution conformance table', () => {
  const failures: string[] = [];
  for (const row of table.rows) {
    const env = fixture();
    const got = substitute(row.text, env);
    const warned = env.logged.some((l) => l.level === 'warning');
    if (got !== row.result) failures.push(`${row.text} gave ${JSON.stringify(got)}, expected ${JSON.stringify(row.result)}${row.note ? ` (${row.note})` : ''}`);
    if (warned !== (row.warning ?? false)) failures.push(`${row.text}: ${warned ? 'unexpected warning ' + JSON.stringify(env.logged) : 'expected a warning'}`);
  }
  assert.deepEqual(failures, []);
});

test('the same template gives fresh results when the variables change (cached parse, live values)', () => {
  const env = fixture();
  const ch = env.channel!;
  assert.equal(substitute('n=${N} $[${N} + 1]', env), 'n=2 3');
  setVariable(ch, 'N', '41');
  assert.equal(substitute('n=${N} $[${N} + 1]', env), 'n=41 42');
});

test('an expression syntax error logs a warning with the input and gives 0', () => {
  const env = fixture();
  assert.equal(substitute('$[${EMPTY} = 1]', env), '0');
  assert.equal(env.logged.length, 1);
  assert.match(env.logged[0].message, /syntax error.*Input:\n = 1\n/s);
});

test('a missing closing brace logs "Error in extension logic"', () => {
  const env = fixture();
  substitute('x${foo', env);
  assert.deepEqual(env.logged, [{ level: 'warning', message: "Error in extension logic (missing '}')" }]);
});

test('built-in channel values come before channel variables (Set(EXTEN=...) cannot hide the extension)', () => {
  const env = fixture();
  setVariable(env.channel!, 'EXTEN', 'fake');
  assert.equal(substitute('${EXTEN}', env), '100');
  // HANGUPCAUSE is what Dial sets: the variable wins over the channel's own cause.
  setVariable(env.channel!, 'HANGUPCAUSE', '17');
  assert.equal(substitute('${HANGUPCAUSE}', env), '17');
});

test('without a channel, globals and EPOCH still substitute; channel values are empty', () => {
  const env = testEnv({ globals: { G: 'g' } });
  assert.equal(substitute('${G}|${EXTEN}|${EPOCH}|$[1+2]', env), 'g||1700000000|3');
});

test('setVariable keeps the inheritance prefix in the stored name and replaces other spellings', () => {
  const ch = fakeChannel();
  setVariable(ch, '__FWD', '1');
  assert.deepEqual([...ch.variables], [['__FWD', '1']]);
  setVariable(ch, '_FWD', '2');
  assert.deepEqual([...ch.variables], [['_FWD', '2']]);
  setVariable(ch, 'FWD', '3');
  assert.deepEqual([...ch.variables], [['FWD', '3']], 'a plain Set drops inheritance, as in Asterisk');
  setVariable(ch, 'FWD', undefined);
  assert.equal(ch.variables.size, 0);
});

test('readVariable finds X under _X and __X, then in the globals', () => {
  const ch = fakeChannel({ variables: { _A: 'a', __B: 'b' } });
  const scope = { channel: ch, globals: new Map([['C', 'c'], ['A', 'global-a']]) };
  assert.equal(readVariable('A', scope), 'a');
  assert.equal(readVariable('B', scope), 'b');
  assert.equal(readVariable('C', scope), 'c');
  assert.equal(readVariable('D', scope), undefined);
});

test('inheritVariables: _X arrives as X (one level), __X stays __X (every level), plain ones stay behind', () => {
  const parent = new Map([
    ['_ONE', '1'],
    ['__ALL', 'a'],
    ['LOCAL', 'l'],
  ]);
  const child = new Map<string, string>();
  inheritVariables(parent, child);
  assert.deepEqual(Object.fromEntries(child), { ONE: '1', __ALL: 'a' });
  const grandchild = new Map<string, string>();
  inheritVariables(child, grandchild);
  assert.deepEqual(Object.fromEntries(grandchild), { __ALL: 'a' });
});

test('assign: Set(name=value) writes variables, functions, and globals when there is no channel', () => {
  const env = fixture();
  assign('_DEST', '2001', env);
  assert.equal(env.channel!.variables.get('_DEST'), '2001');
  assign('CALLERID(name)', 'Bob', env);
  assert.equal(env.channel!.callerId.name, 'Bob');
  assign('NOSUCH(x)', 'v', env);
  assign('LEN(x)', 'v', env);
  assert.deepEqual(
    env.logged.map((l) => l.message),
    ['Function NOSUCH not registered', 'Function LEN cannot be written to'],
  );
  const global = testEnv();
  assign('G', 'v', global);
  assert.equal(global.globals.get('G'), 'v');
});

test('a FunctionEnv without a registry substitutes variables; withFunctions adds the functions', () => {
  const env = fixture();
  const plain = { ...env, functions: undefined } as unknown as Parameters<typeof substitute>[1];
  assert.equal(substitute('${foo}:${LEN(abc)}', plain), '123:');
  assert.equal(substitute('${foo}:${LEN(abc)}', withFunctions(plain, createFunctionRegistry())), '123:3');
});

test('a value that EVALs itself stops at a nesting limit instead of overflowing the stack', () => {
  const env = fixture();
  setVariable(env.channel!, 'LOOP', '${EVAL(${LOOP})}');
  assert.equal(substitute('[${EVAL(${LOOP})}]', env), '[]');
  assert.ok(env.logged.some((l) => /nested more than 64 deep/.test(l.message)));
  assert.equal(substitute('${LEN(abc)}', env), '3', 'the counter is back to zero afterwards');
});

/**
 * Pattern conformance with Asterisk, as data (data/patterns.json): what a pattern matches, the
 * order Asterisk tries extensions in, which one wins a call, and what dial-as-you-go sees.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compareExtensions, createLookup, patternCanMatch, patternMatches, patternMatchesMore, sortExtensions } from '../../../src/dialplan/match/index.ts';
import type { Context, Dialplan, Extension } from '../../../src/dialplan/types.ts';

interface Table {
  match: { pattern: string; exten: string; matches: boolean; canMatch: boolean; matchMore: boolean; note?: string }[];
  sort: { extensions: string[]; sorted: string[]; note?: string }[];
  equal: { a: string; b: string }[];
  order: { extensions: { name: string; callerId?: string }[]; dialed: string; callerId?: string; winner: string | null; note?: string }[];
  collect: { extensions: string[]; dialed: string; exists: boolean; canMatch: boolean; matchMore: boolean; note?: string }[];
  context: { extensions: string[]; cases: { dialed: string; winner: string | null }[] };
}

const table = JSON.parse(readFileSync(new URL('./data/patterns.json', import.meta.url), 'utf8')) as Table;

const at = { file: 'extensions.conf', line: 1 };

function extension(name: string, callerId?: string): Extension {
  const e: Extension = { name, priorities: [{ priority: 1, app: 'NoOp', appData: name, source: at }], source: at };
  if (callerId !== undefined) e.callerId = callerId;
  return e;
}

function dialplanOf(extensions: Extension[]): Dialplan {
  const ctx: Context = { name: 'test', extensions, includes: [], ignorePatterns: [], source: at };
  return {
    general: { static: false, writeProtect: false, autoFallthrough: true, clearGlobalVars: false },
    globals: [],
    contexts: new Map([['test', ctx]]),
  };
}

const label = (e: Extension): string => (e.callerId === undefined ? e.name : `${e.name}/${e.callerId}`);

describe('pattern matching (ast_extension_match / ast_extension_close)', () => {
  for (const c of table.match) {
    test(`'${c.pattern}' against '${c.exten}'${c.note ? ` (${c.note})` : ''}`, () => {
      assert.equal(patternMatches(c.pattern, c.exten), c.matches, 'match');
      assert.equal(patternCanMatch(c.pattern, c.exten), c.canMatch, 'canmatch');
      assert.equal(patternMatchesMore(c.pattern, c.exten), c.matchMore, 'matchmore');
    });
  }
});

describe('extension order (ext_cmp)', () => {
  for (const c of table.sort) {
    test(c.note ?? c.sorted.join(' '), () => {
      const sorted = sortExtensions(c.extensions.map((n) => extension(n))).map((e) => e.name);
      assert.deepEqual(sorted, c.sorted);
      // The order does not depend on the order written.
      const reversed = sortExtensions([...c.extensions].reverse().map((n) => extension(n))).map((e) => e.name);
      assert.deepEqual(reversed, c.sorted);
    });
  }
  for (const c of table.equal) {
    test(`'${c.a}' and '${c.b}' are the same extension`, () => {
      assert.equal(compareExtensions(c.a, c.b), 0);
      assert.equal(compareExtensions(c.b, c.a), 0);
    });
  }
});

describe('which extension answers a call', () => {
  for (const c of table.order) {
    const names = c.extensions.map((e) => label(extension(e.name, e.callerId))).join(', ');
    test(`${c.dialed}${c.callerId ? ` from ${c.callerId}` : ''} among ${names} -> ${c.winner}`, () => {
      const lookup = createLookup(dialplanOf(c.extensions.map((e) => extension(e.name, e.callerId))));
      const found = lookup.find('test', c.dialed, 1, c.callerId);
      assert.equal(found ? label(found.extension) : null, c.winner);
      assert.equal(lookup.exists('test', c.dialed, c.callerId), c.winner !== null);
    });
  }
});

describe('dial-as-you-go (exists / canMatch / matchMore)', () => {
  for (const c of table.collect) {
    test(`'${c.dialed}' with [${c.extensions.join(', ')}]${c.note ? ` (${c.note})` : ''}`, () => {
      const lookup = createLookup(dialplanOf(c.extensions.map((n) => extension(n))));
      assert.equal(lookup.exists('test', c.dialed), c.exists, 'exists');
      assert.equal(lookup.canMatch('test', c.dialed), c.canMatch, 'canMatch');
      assert.equal(lookup.matchMore('test', c.dialed), c.matchMore, 'matchMore');
    });
  }
});

describe('one context of overlapping patterns', () => {
  const lookup = createLookup(dialplanOf(table.context.extensions.map((n) => extension(n))));
  for (const c of table.context.cases) {
    test(`${c.dialed} -> ${c.winner}`, () => {
      assert.equal(lookup.find('test', c.dialed, 1)?.extension.name ?? null, c.winner);
    });
  }
});

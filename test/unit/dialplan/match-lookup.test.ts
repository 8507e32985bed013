/**
 * The dialplan lookup across a context, its includes and time conditions, as Asterisk's
 * pbx_find_extension behaves (cases from tests/test_pbx.c and the extensions.conf docs).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseDialplanText } from '../../../src/dialplan/parse/index.ts';
import { compileName, createLookup, matchCompiled, sortExtensions, patternMatches, type MatchMode } from '../../../src/dialplan/match/index.ts';
import type { Context, Dialplan, DialplanLookup, Extension } from '../../../src/dialplan/types.ts';

function dialplan(text: string): Dialplan {
  const r = parseDialplanText('extensions.conf', text);
  assert.deepEqual(r.errors.map(String), []);
  assert.ok(r.dialplan);
  return r.dialplan;
}

const lookupOf = (text: string): DialplanLookup => createLookup(dialplan(text));

describe('lookup within one context', () => {
  test('a priority the best match lacks is taken from the next matching extension (test_pbx.c)', () => {
    const l = lookupOf(`
[test_pattern]
exten => _2.,1,NoOp(pattern)
exten => 2000,1,NoOp(literal)
include => test_pattern_include
[test_pattern_include]
exten => 2000,2,NoOp(included)
`);
    assert.equal(l.find('test_pattern', '200', 1)?.extension.name, '_2.');
    const lit = l.find('test_pattern', '2000', 1);
    assert.equal(lit?.priority.appData, 'literal');
    assert.equal(lit?.context, 'test_pattern');
    const inc = l.find('test_pattern', '2000', 2);
    assert.equal(inc?.priority.appData, 'included');
    assert.equal(inc?.context, 'test_pattern_include');
    assert.equal(l.find('test_pattern_include', '2000', 2)?.context, 'test_pattern_include');
  });

  test('priority 2 of 100 falls through to _1XX when 100 has only priority 1', () => {
    const l = lookupOf(`
[c]
exten => 100,1,NoOp(literal)
exten => _1XX,1,NoOp(pattern 1)
same => n,NoOp(pattern 2)
`);
    assert.equal(l.find('c', '100', 1)?.priority.appData, 'literal');
    assert.equal(l.find('c', '100', 2)?.priority.appData, 'pattern 2');
    assert.equal(l.find('c', '100', 3), undefined);
  });

  test('special extensions s, i, t, h are ordinary names', () => {
    const l = lookupOf('[c]\nexten => s,1,Answer()\nexten => i,1,Playback(invalid)\nexten => t,1,Hangup()\nexten => h,1,NoOp(bye)\n');
    for (const x of ['s', 'i', 't', 'h']) assert.equal(l.find('c', x, 1)?.extension.name, x);
    assert.equal(l.exists('c', 'e'), false);
  });

  test('a hint is never a priority: a hint-only extension does not answer calls', () => {
    const l = lookupOf('[c]\nexten => 100,hint,SIP/100\nexten => _1XX,1,NoOp(pattern)\n[d]\nexten => 100,hint,SIP/100\n');
    assert.equal(l.find('c', '100', 1)?.extension.name, '_1XX');
    assert.equal(l.exists('d', '100'), false);
    assert.equal(l.canMatch('d', '1'), false);
  });

  test('labels resolve to their priority in the best match that has them', () => {
    const l = lookupOf(`
[c]
exten => 100,1,NoOp()
same => n(again),NoOp()
same => n,Goto(again)
exten => _1XX,1,NoOp()
same => n,NoOp()
same => n(other),NoOp()
`);
    assert.equal(l.findLabel('c', '100', 'again'), 2);
    assert.equal(l.findLabel('c', '100', 'other'), 3, 'not in 100: found in _1XX');
    assert.equal(l.findLabel('c', '100', 'nowhere'), undefined);
    assert.equal(l.findLabel('c', '100', 'AGAIN'), undefined, 'labels are case-sensitive');
  });

  test('unknown contexts find nothing', () => {
    const l = lookupOf('[c]\nexten => 1,1,NoOp()\n');
    assert.equal(l.hasContext('c'), true);
    assert.equal(l.hasContext('C'), false);
    assert.equal(l.find('nope', '1', 1), undefined);
    assert.equal(l.exists('nope', '1'), false);
    assert.equal(l.canMatch('nope', ''), false);
  });

  test('caller ID matching through the lookup', () => {
    const l = lookupOf('[c]\nexten => 100,1,NoOp(everyone)\nexten => 100/_555XXXX,1,NoOp(local)\nexten => 100/5551234,1,NoOp(boss)\n');
    assert.equal(l.find('c', '100', 1, '5551234')?.priority.appData, 'boss');
    assert.equal(l.find('c', '100', 1, '5559999')?.priority.appData, 'local');
    assert.equal(l.find('c', '100', 1, '0123')?.priority.appData, 'everyone');
    assert.equal(l.find('c', '100', 1)?.priority.appData, 'everyone');
  });
});

describe('caller-ID matches (the scenarios of Asterisk testsuite tests/pbx/callerid_match)', () => {
  const l = lookupOf(`
[test]
exten => a/2565550101,1,NoOp(specific)
exten => a,1,NoOp(default)
exten => b/,1,NoOp(no caller id)
exten => b,1,NoOp(default)
exten => c,1,NoOp(default)
exten => c/,1,NoOp(no caller id)
exten => d/,1,NoOp(no caller id)
exten => d/2565550606,1,NoOp(specific)
exten => d,1,NoOp(default)
exten => e,1,NoOp(default)
exten => e/1,1,NoOp(1)
exten => e/12,1,NoOp(12)
exten => e/123,1,NoOp(123)
`);
  const who = (exten: string, cid?: string): string | undefined => l.find('test', exten, 1, cid)?.priority.appData;
  test('a matching caller ID takes the specific extension, another one the default', () => {
    assert.equal(who('a', '2565550101'), 'specific');
    assert.equal(who('a', '2565550299'), 'default');
  });
  test('an empty match is for calls without caller ID, in whichever order it is written', () => {
    assert.equal(who('b'), 'no caller id');
    assert.equal(who('b', '2565550404'), 'default');
    assert.equal(who('c'), 'no caller id');
    assert.equal(who('c', ''), 'no caller id', 'an empty caller number is no caller ID');
  });
  test('an empty match does not catch a call that has a caller ID', () => {
    assert.equal(who('d', '2565550606'), 'specific');
    assert.equal(who('d', '2565550607'), 'default');
  });
  test('caller-ID literals match the whole number, not a prefix', () => {
    assert.equal(who('e', '12'), '12');
    assert.equal(who('e', '1'), '1');
    assert.equal(who('e', '1234'), 'default');
  });
});

describe('includes', () => {
  test('the own extensions come first, even a pattern before an included literal', () => {
    const l = lookupOf('[a]\nexten => _X.,1,NoOp(a)\ninclude => b\n[b]\nexten => 100,1,NoOp(b)\n');
    assert.equal(l.find('a', '100', 1)?.context, 'a');
    assert.equal(l.find('b', '100', 1)?.context, 'b');
  });

  test('depth first, in the order written', () => {
    const l = lookupOf(`
[a]
include => b
include => c
[b]
include => d
[c]
exten => 100,1,NoOp(c)
[d]
exten => 100,1,NoOp(d)
`);
    assert.equal(l.find('a', '100', 1)?.context, 'd');
  });

  test('include loops and self-includes end the search instead of recursing forever', () => {
    const l = lookupOf('[a]\ninclude => b\ninclude => a\n[b]\ninclude => a\nexten => 5,1,NoOp()\n');
    assert.equal(l.find('a', '999', 1), undefined);
    assert.equal(l.find('a', '5', 1)?.context, 'b');
    assert.equal(l.canMatch('b', '9'), false);
  });

  test('a timed include counts only while its time spec matches `at`', () => {
    const l = lookupOf(`
[incoming]
include => office,09:00-17:59,mon-fri,*,*,UTC
exten => _X.,1,NoOp(closed)
[office]
exten => 100,1,NoOp(open)
`);
    // 2026-12-01 is a Tuesday.
    const at = (iso: string): Date => new Date(iso);
    assert.equal(l.find('incoming', '100', 1, undefined, at('2026-12-01T10:00:00Z'))?.context, 'incoming', 'own _X. still comes first');
    assert.equal(l.exists('incoming', '100', undefined, at('2026-12-01T10:00:00Z')), true);
    const l2 = lookupOf('[incoming]\ninclude => office,09:00-17:59,mon-fri,*,*,UTC\n[office]\nexten => 100,1,NoOp(open)\n');
    assert.equal(l2.exists('incoming', '100', undefined, at('2026-12-01T09:00:00Z')), true);
    assert.equal(l2.exists('incoming', '100', undefined, at('2026-12-01T17:59:59Z')), true, '17:59 is inside');
    assert.equal(l2.exists('incoming', '100', undefined, at('2026-12-01T18:00:00Z')), false);
    assert.equal(l2.exists('incoming', '100', undefined, at('2026-12-01T08:59:00Z')), false);
    assert.equal(l2.exists('incoming', '100', undefined, at('2026-12-05T10:00:00Z')), false, 'Saturday');
    assert.equal(l2.canMatch('incoming', '1', undefined, at('2026-12-05T10:00:00Z')), false);
  });

  test('an early match (!) stops matchMore in its own context only', () => {
    const l = lookupOf('[a]\ninclude => b\ninclude => c\n[b]\nexten => _1!,1,NoOp()\n[c]\nexten => _1XXX,1,NoOp()\n');
    assert.equal(l.matchMore('b', '1'), false);
    assert.equal(l.matchMore('a', '1'), true);
  });

  test('dial-as-you-go sees included extensions', () => {
    const l = lookupOf('[a]\ninclude => b\n[b]\nexten => 1234,1,NoOp()\n');
    assert.equal(l.canMatch('a', '12'), true);
    assert.equal(l.matchMore('a', '12'), true);
    assert.equal(l.exists('a', '12'), false);
    assert.equal(l.exists('a', '1234'), true);
    assert.equal(l.matchMore('a', '1234'), false);
  });
});

describe('a large context', () => {
  // Reference: Asterisk's plain algorithm, every extension in order, no indexes.
  function naive(extensions: Extension[], exten: string): string | undefined {
    return sortExtensions(extensions).find((e) => patternMatches(e.name, exten) && e.priorities.some((p) => p.priority === 1))?.name;
  }

  function naiveCollect(extensions: Extension[], exten: string, mode: MatchMode): boolean {
    for (const e of sortExtensions(extensions)) {
      const m = matchCompiled(compileName(e.name), exten, mode);
      if (m === 0) continue;
      if (m === 2 && mode === 'matchmore') return false;
      return true;
    }
    return false;
  }

  test('1,000 literals plus patterns answer like the plain in-order scan', () => {
    const at = { file: 'x', line: 1 };
    const extensions: Extension[] = [];
    for (let i = 0; i < 1000; i++) extensions.push({ name: String(2000 + i * 7), priorities: [{ priority: 1, app: 'NoOp', appData: '', source: at }], source: at });
    for (const name of ['_2XXX', '_2[0-4]XX', '_9NXXXXXX', '_X.', '_1!', '_3.', '_4[5-9]X', '7-77', '7-7-8', '77']) {
      extensions.push({ name, priorities: [{ priority: 1, app: 'NoOp', appData: '', source: at }], source: at });
    }
    const ctx: Context = { name: 'big', extensions, includes: [], ignorePatterns: [], source: at };
    const l = createLookup({ general: { static: false, writeProtect: false, autoFallthrough: true, clearGlobalVars: false }, globals: [], contexts: new Map([['big', ctx]]) });
    for (const n of ['2000', '2007', '2001', '2499', '2500', '8999', '95551234', '1', '123', '3', '31', '455', '4559', '']) {
      assert.equal(l.find('big', n, 1)?.extension.name, naive(extensions, n), n);
    }
    for (const n of ['', '2', '20', '200', '2000', '20000', '9', '95', '1', '4', '45', '7', '7-7', '77', '778', '779', '6']) {
      assert.equal(l.canMatch('big', n), naiveCollect(extensions, n, 'canmatch'), `canMatch ${n}`);
      assert.equal(l.matchMore('big', n), naiveCollect(extensions, n, 'matchmore'), `matchMore ${n}`);
    }
    assert.equal(l.matchMore('big', 'ab'), false);
  });
});

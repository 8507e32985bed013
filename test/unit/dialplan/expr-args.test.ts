/**
 * The helpers functions build on: Asterisk's argument splitting, quote stripping, encoded
 * characters, the condition truth rule and POSIX regex translation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCondition, compileEre, decodeEncodedChar, decodeEncodedString, splitArgs, stripQuoted } from '../../../src/dialplan/expr/index.ts';

test('splitArgs honours parentheses, brackets, quotes and backslashes like ast_app_separate_args', () => {
  assert.deepEqual(splitArgs(''), [], 'no text, no arguments');
  assert.deepEqual(splitArgs('a,b,c'), ['a', 'b', 'c']);
  assert.deepEqual(splitArgs('a,'), ['a', ''], 'a trailing separator adds an empty argument');
  assert.deepEqual(splitArgs('f(1,2),[x,y],"q,r",s\\,t'), ['f(1,2)', '[x,y]', 'q,r', 's,t']);
  assert.deepEqual(splitArgs('"q,r",s\\,t', { removeChars: false }), ['"q,r"', 's\\,t']);
  assert.deepEqual(splitArgs('a,"b,c",d,e', { max: 2 }), ['a', '"b,c",d,e'], 'the last argument takes the rest, unprocessed');
  assert.deepEqual(splitArgs('fam/key/sub', { delim: '/', max: 2 }), ['fam', 'key/sub']);
  assert.deepEqual(splitArgs('"^a+" aaa', { delim: '"', max: 3 }), ['', '^a+', ' aaa']);
});

test('stripQuoted trims and removes one pair of surrounding quotes', () => {
  assert.equal(stripQuoted('  "a b"  '), 'a b');
  assert.equal(stripQuoted('"a'), '"a');
  assert.equal(stripQuoted(' plain '), 'plain');
});

test('encoded characters: \\n \\t \\xHH \\0ooo and literal escapes', () => {
  assert.deepEqual(decodeEncodedChar('\\x2c rest'), { char: ',', consumed: 4 });
  assert.deepEqual(decodeEncodedChar('\\054'), { char: ',', consumed: 4 });
  assert.deepEqual(decodeEncodedChar('\\-'), { char: '-', consumed: 2 });
  assert.equal(decodeEncodedChar(''), undefined);
  assert.equal(decodeEncodedString('a\\tb\\nc'), 'a\tb\nc');
});

test('checkCondition: empty and zero numbers are false, other text is true', () => {
  assert.deepEqual(['', '0', '00', ' 0', '0.9', '1', '-1', 'abc', '0abc'].map(checkCondition), [false, false, false, false, false, true, true, true, false]);
});

test('POSIX extended regexes: bracket classes, literal backslash in brackets, group count', () => {
  assert.ok(compileEre('^[[:digit:]]{3}$').re.test('123'));
  assert.ok(compileEre('[[:alpha:]_]+').re.test('_x'));
  assert.ok(compileEre('[\\]').re.test('\\'), 'a backslash inside brackets is literal');
  assert.ok(compileEre('[]a]').re.test(']'), '] first in a bracket is a member');
  assert.equal(compileEre('(a)(b)?c').groups, 2);
  assert.ok(compileEre('a.b').re.test('a\nb'), '. matches a newline');
  assert.ok(compileEre('\\d').re.test('d'), '\\d is a plain d for glibc');
  assert.throws(() => compileEre('[a'), SyntaxError);
});

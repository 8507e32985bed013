/**
 * Dialplan functions, read and write, on a fake channel with an in-memory AstDB, through
 * substitute() as the dialplan uses them (so argument splitting and nesting are covered too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assign, substitute } from '../../../src/dialplan/expr/index.ts';
import { createFunctionRegistry, formatFunctionHelp, formatFunctionList, readTimeouts, sprintf } from '../../../src/dialplan/functions/index.ts';
import { fakeChannel, fakeLookup, MemoryAstDb, testEnv } from './expr-fixtures.ts';
import type { TestEnv } from './expr-fixtures.ts';

function env(vars: Record<string, string> = {}, extra: Parameters<typeof testEnv>[0] = {}): TestEnv {
  return testEnv({ channel: fakeChannel({ callerName: 'Alice', callerNumber: '2000', variables: vars }), ...extra });
}

const s = substitute;

test('the registry has every function the dialplan documents, in name order', () => {
  const names = [...createFunctionRegistry().keys()];
  for (const n of ['BLACKLIST', 'CALLERID', 'CUT', 'DB', 'DB_DELETE', 'DB_EXISTS', 'ENV', 'EVAL', 'EXISTS', 'FIELDQTY', 'FILTER', 'GLOBAL', 'IF', 'IFTIME', 'ISNULL', 'LANGUAGE', 'LEN', 'MATH', 'MD5', 'QUOTE', 'RAND', 'REGEX', 'SET', 'SHA1', 'SORT', 'SPRINTF', 'STAT', 'STRFTIME', 'STRPTIME', 'TIMEOUT']) {
    assert.ok(names.includes(n), n);
  }
  assert.deepEqual(names, [...names].sort());
  for (const f of createFunctionRegistry().values()) {
    assert.ok(f.synopsis && f.syntax.startsWith(f.name + '(') && f.description, `${f.name} documented`);
    assert.ok(f.read || f.write);
  }
});

test('core show functions / core show function text', () => {
  const reg = createFunctionRegistry();
  const list = formatFunctionList(reg);
  assert.match(list, /^Installed Custom Functions:\n-{80}\n/);
  assert.match(list, /\nCUT                   CUT\(varname,char-delim,range-spec\)   Returns fields/);
  assert.match(list, new RegExp(`\\n${reg.size} custom functions installed\\.\\n$`));
  const like = formatFunctionList(reg, 'DB');
  assert.match(like, /^Matching Custom Functions:/);
  assert.match(like, /\n4 matching custom functions installed\.\n$/);
  const help = formatFunctionHelp(reg, 'LEN') as string;
  assert.ok(help.startsWith("\n  -= Info about function 'LEN' =- \n\n[Synopsis]\nReturns the length of a string.\n\n[Description]\n"));
  assert.match(help, /\[Syntax\]\nLEN\(string\)\n/);
  assert.equal(formatFunctionHelp(reg, 'len'), undefined, 'names are case-sensitive');
});

test('CALLERID reads and writes name, number, all and pres', () => {
  const e = env();
  assert.equal(s('${CALLERID(num)}|${CALLERID(number)}|${CALLERID(name)}|${CALLERID(all)}|${CALLERID(pres)}', e), '2000|2000|Alice|"Alice" <2000>|allowed_not_screened');
  assign('CALLERID(all)', '"Bob Jones" <555-1234>', e);
  assert.equal(e.channel!.callerId.name, 'Bob Jones');
  assert.equal(e.channel!.callerId.number, '555-1234');
  assign('CALLERID(num)', '2001', e);
  assign('CALLERID(name)', 'Carol', e);
  assign('CALLERID(pres)', 'prohib', e);
  assert.equal(s('${CALLERID(all)} ${CALLERID(pres)}', e), '"Carol" <2001> prohib');
  assert.equal(s('${CALLERID(num,"Dan" <3000>)}', testEnv()), '3000', 'parses the second argument, no channel needed');
  assign('CALLERID(pres)', 'sometimes', e);
  assert.equal(s('${CALLERID(bogus)}', e), '');
  assert.deepEqual(e.logged.map((l) => l.message), ["Unknown calling number presentation 'sometimes', value unchanged", "Unknown callerid data type 'bogus'."]);
  assert.equal(s('${CALLERID(num)}', testEnv()), '', 'no channel');
});

test('DB reads, writes and sets DB_RESULT; DB_EXISTS; DB_DELETE; DB_KEYS', () => {
  const db = new MemoryAstDb();
  const e = env({}, { db });
  assign('DB(cidname/2000)', 'Alice Smith', e);
  assign('DB(cf/sub/2000)', '5551234', e);
  assert.equal(db.get('cidname', '2000'), 'Alice Smith');
  assert.equal(db.get('cf', 'sub/2000'), '5551234', 'the key is everything after the first /');
  assert.equal(s('${DB(cidname/${CALLERID(num)})}', e), 'Alice Smith');
  assert.equal(e.channel!.variables.get('DB_RESULT'), 'Alice Smith');
  assert.equal(s('[${DB(cidname/9999)}]', e), '[]');
  assert.equal(s('${DB_EXISTS(cidname/2000)}${DB_EXISTS(cidname/9999)}', e), '10');
  assert.equal(s('${DB_KEYS(cidname)}|${DB_KEYS()}|${DB_KEYS(cf)}', e), '2000|cf,cidname|sub');
  assert.equal(s('${DB_DELETE(cidname/2000)}', e), 'Alice Smith');
  assert.equal(db.get('cidname', '2000'), undefined);
  assert.equal(e.channel!.variables.get('DB_RESULT'), 'Alice Smith');
  assign('DB_DELETE(cf/sub/2000)', 'ignored', e);
  assert.equal(db.data.size, 0);
  assert.equal(s('${DB(nokey)}', e), '');
  assert.match(e.logged[0].message, /DB requires an argument/);
});

test('BLACKLIST is 1 when the caller number or name is in the blacklist family', () => {
  const db = new MemoryAstDb();
  const e = env({}, { db });
  assert.equal(s('${BLACKLIST()}', e), '0');
  db.put('blacklist', '2000', '1');
  assert.equal(s('${BLACKLIST()}', e), '1');
  db.del('blacklist', '2000');
  db.put('blacklist', 'Alice', '1');
  assert.equal(s('${BLACKLIST()}', e), '1');
});

test('CUT: fields, ranges, groups, encoded delimiters, functions as the variable', () => {
  const e = env({ LIST: 'a,b,c,d,e', DASHED: 'one-two-three', ROUTE: 'x:y:z' });
  assert.equal(s('${CUT(LIST,\\,,2)}', e), 'b', 'a comma delimiter is escaped');
  // Argument splitting removes one backslash (as Asterisk's does), so an encoded one needs two.
  assert.equal(s('${CUT(LIST,\\\\x2c,2-3)}', e), 'b,c');
  assert.equal(s('${CUT(LIST,\\,,-2)}|${CUT(LIST,\\,,4-)}|${CUT(LIST,\\,,1&3-4)}', e), 'a,b|d,e|a,c,d');
  assert.equal(s('${CUT(DASHED,,2)}', e), 'two', 'the delimiter defaults to -');
  assert.equal(s('${CUT(ROUTE,:,3)}|${CUT(ROUTE,:,9)}', e), 'z|');
  assert.equal(s('${CUT(CALLERID(all),<,2)}', e), '2000>');
  assert.equal(s('${CUT(LIST,\\,)}', e), '');
  assert.match(e.logged[0].message, /missing argument/);
});

test('SORT orders keys by value; FIELDQTY counts fields', () => {
  const e = env({ EX: 'ex-amp-le', NONE: '' });
  assert.equal(s('${SORT(a:3,b:1,c:2.5,d:1)}', e), 'b,d,c,a');
  assert.equal(s('${FIELDQTY(EX,-)}|${FIELDQTY(NONE,-)}|${FIELDQTY(EX,x)}|${FIELDQTY(EX)}', e), '3|0|2|1');
});

test('IF, ISNULL, EXISTS, SET', () => {
  const e = env({ N: '5' });
  assert.equal(s('${IF($[${N} > 3]?yes:no)}|${IF($[${N} > 9]?yes:no)}|${IF(0?yes)}|${IF(1?"quoted":no)}', e), 'yes|no||quoted');
  assert.equal(s('${IF(text?a:b)}|${IF(?a:b)}', e), 'a|');
  assert.equal(s('${ISNULL()}${ISNULL(x)}${EXISTS()}${EXISTS(x)}', e), '1001');
  assert.equal(s('${SET(A= spaced )}[${A}]', e), 'spaced[spaced]');
  assert.equal(s('${SET(CALLERID(name)=Zed)} ${CALLERID(name)}', e), 'Zed Zed');
});

test('IFTIME picks by the time spec and the clock', () => {
  // 2023-11-14 22:13:20 UTC is a Tuesday.
  const e = env({}, { nowMs: Date.UTC(2023, 10, 14, 22, 13, 20) });
  assert.equal(s('${IFTIME(*,tue,*,*,UTC?open:closed)}', e), 'open');
  assert.equal(s('${IFTIME(*,mon,*,*,UTC?open:closed)}', e), 'closed');
  assert.equal(s('${IFTIME(22:00-23:00,*,*,*,UTC?night)}', e), 'night');
});

test('LEN, QUOTE, TOUPPER, TOLOWER, EVAL', () => {
  const e = env({ MYVAR: '${OTHER}', OTHER: 'deep' });
  assert.equal(s('${LEN(example)}|${LEN()}', e), '7|0');
  assert.equal(s('${QUOTE(ab"c\\d)}|${QUOTE()}', e), '"ab\\"c\\\\d"|""');
  assert.equal(s('${TOUPPER(Example)}${TOLOWER(Example)}', e), 'EXAMPLEexample');
  assert.equal(s('${MYVAR}|${EVAL(${MYVAR})}', e), '${OTHER}|deep');
});

test('FILTER keeps allowed characters, with ranges and escapes', () => {
  const e = env();
  const input = '0042133333&DAHDI/g1/2212';
  assert.equal(s(`\${FILTER(A-R,${input})}`, e), 'DAHDI');
  assert.equal(s(`\${FILTER(A\\-R,${input})}`, e), 'A');
  assert.equal(s(`\${FILTER(\\x41-R,${input})}`, e), 'DAHDI');
  assert.equal(s(`\${FILTER(0-9A-Ca-c,${input})}`, e), '0042133333A12212');
  assert.equal(s('${FILTER(0-9,555-1234, ext 2)}', e), '55512342', 'commas in the string stay part of it');
});

test('REGEX matches a POSIX extended regex', () => {
  const e = env();
  assert.equal(s('${REGEX("^[0-9]+$" 12345)}|${REGEX("^[0-9]+$" 12a45)}|${REGEX("[[:alpha:]]" 1a)}', e), '1|0|1');
  assert.equal(s('${REGEX("^ x" x)}|${REGEX("^ x"  x)}', e), '0|1', 'one space after the quote is skipped');
  assert.equal(s('${REGEX(nope)}', e), '');
  assert.match(e.logged[0].message, /Unexpected arguments/);
});

test('MATH: operators, result types, Asterisk quirks', () => {
  const e = env();
  assert.equal(s('${MATH(3*2)}|${MATH(123%16,int)}|${MATH(170 AND 63,i)}|${MATH(170AND63,i)}', e), '6.000000|11|42|42');
  assert.equal(s('${MATH(10/4)}|${MATH(10/0)}|${MATH(10/-2)}|${MATH(-3+1,i)}|${MATH(2^10,i)}', e), '2.500000|0.000000|0.000000|-2|1024');
  assert.equal(s('${MATH(255+0,h)}|${MATH(65+0,c)}|${MATH(1<<4,i)}|${MATH(5 XOR 3,i)}|${MATH(4 OR 1,i)}', e), 'ff|A|16|6|5');
  assert.equal(s('${MATH(3>2)}|${MATH(3<=2)}|${MATH(2==2)}', e), 'TRUE|FALSE|TRUE');
  assert.equal(s('${MATH(5-3,int)}', e), '2');
  assert.equal(s('${MATH(5)}|${MATH(1+1,z)}', e), '|');
  assert.equal(e.logged.length, 2);
});

test('MD5 and SHA1 give lowercase hex digests', () => {
  const e = env();
  assert.equal(s('${MD5(hello)}', e), '5d41402abc4b2a76b9719d911017c592');
  assert.equal(s('${SHA1(hello)}', e), 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
  assert.equal(s('${MD5()}', e), '');
});

test('RAND stays within its bounds and swaps reversed bounds', () => {
  const e = env();
  for (let i = 0; i < 200; i++) {
    const v = Number(s('${RAND(3,5)}', e));
    assert.ok(v >= 3 && v <= 5 && Number.isInteger(v), String(v));
    const w = Number(s('${RAND(10,8)}', e));
    assert.ok(w >= 8 && w <= 10);
  }
  assert.equal(s('${RAND(7,7)}', e), '7');
});

test('SPRINTF formats like C printf', () => {
  const e = env({ N: '42' });
  assert.equal(s('${SPRINTF(%05d|%-4s|%.2f|%x|%c,${N},ab,3.14159,255,Zed)}', e), '00042|ab  |3.14|ff|Z');
  assert.equal(sprintf('%+d %e %g %g %%', ['5', '1234.5', '0.0001', '1e20']), '+5 1.234500e+03 0.0001 1e+20 %');
  assert.equal(s('${SPRINTF(%d %d,1)}', e), '');
  assert.match(e.logged[0].message, /more format specifiers than arguments/);
});

test('STRFTIME and STRPTIME with time zones; fractions with %q', () => {
  const e = env({}, { nowMs: 1141219835_250 });
  assert.equal(s('${STRFTIME(1141219835,America/Chicago,%Y-%m-%d %H:%M:%S %Z %z)}', e), '2006-03-01 07:30:35 CST -0600');
  assert.equal(s('${STRFTIME(,UTC,%a %A %b %B %j %e %I %p %s)}', e), 'Wed Wednesday Mar March 060  1 01 PM 1141219835');
  assert.equal(s('${STRFTIME(,UTC,%S.%3q %1q %6q)}', e), '35.250 2 250000');
  assert.equal(s('${STRFTIME(1141219835,UTC)}', e), 'Wed Mar  1 13:30:35 2006');
  assert.equal(s('${STRPTIME(2006-03-01 07:30:35,America/Chicago,%Y-%m-%d %H:%M:%S)}', e), '1141219835');
  assert.equal(s('${STRPTIME(01/03/06 1:30:35 PM,UTC,%d/%m/%y %I:%M:%S %p)}', e), '1141219835');
  assert.equal(s('${STRPTIME(2006-07-01 12:00:00,Europe/Berlin,%F %T)}', e), String(Date.UTC(2006, 6, 1, 10) / 1000), 'summer time');
  assert.equal(s('${STRPTIME(garbage,UTC,%Y-%m-%d)}', e), '');
  assert.match(e.logged[0].message, /found no time/);
});

test('ENV reads and writes the environment through the FunctionEnv', () => {
  const e = env();
  assign('ENV(PBX_TEST)', 'yes', e);
  assert.equal(s('${ENV(PBX_TEST)}|${ENV(PBX_NOPE)}', e), 'yes|');
  assign('ENV(PBX_TEST)', '', e);
  assert.equal(e.environment.has('PBX_TEST'), false);
});

test('STAT answers from env.stat; a missing file is 0', () => {
  const e = env({}, { files: { '/tmp/a.wav': { size: 1234, mtimeMs: 1_700_000_000_500, isDirectory: false }, '/tmp': { size: 4096, mtimeMs: 0, isDirectory: true } } });
  assert.equal(s('${STAT(e,/tmp/a.wav)}${STAT(f,/tmp/a.wav)}${STAT(d,/tmp/a.wav)}${STAT(d,/tmp)}${STAT(e,/nope)}', e), '11010');
  assert.equal(s('${STAT(s,/tmp/a.wav)}|${STAT(M,/tmp/a.wav)}|${STAT(s,/nope)}', e), '1234|1700000000|0');
});

test('GLOBAL reads and writes globals even when a channel variable has the same name', () => {
  const e = env({ X: 'channel' });
  e.globals.set('X', 'global');
  assert.equal(s('${X}|${GLOBAL(X)}', e), 'channel|global');
  assign('GLOBAL(Y)', 'new', e);
  assert.equal(e.globals.get('Y'), 'new');
  assert.equal(e.channel!.variables.has('Y'), false);
});

test('LANGUAGE reads and sets the channel language', () => {
  const e = env();
  assert.equal(s('${LANGUAGE()}', e), 'en');
  assign('LANGUAGE()', 'fr', e);
  assert.equal(e.channel!.language, 'fr');
  assert.equal(s('${LANGUAGE}', e), 'fr');
});

test('TIMEOUT: defaults, writes in seconds, absolute counted from the clock', () => {
  const e = env({}, { nowMs: 1_000_000 });
  assert.equal(s('${TIMEOUT(digit)}|${TIMEOUT(response)}|${TIMEOUT(absolute)}', e), '5.000|10.000|0');
  assign('TIMEOUT(digit)', '3', e);
  assign('TIMEOUT(response)', '7.5', e);
  assign('TIMEOUT(absolute)', '60', e);
  assert.equal(s('${TIMEOUT(digit)}|${TIMEOUT(response)}|${TIMEOUT(absolute)}', e), '3.000|7.500|60.000');
  assert.deepEqual(readTimeouts(e.channel!), { digitMs: 3000, responseMs: 7500, hangupAtMs: 1_060_000 });
  assert.deepEqual(e.logged.map((l) => l.message).slice(0, 2), ['Digit timeout set to 3.000', 'Response timeout set to 7.500']);
  assign('TIMEOUT(absolute)', '0', e);
  assert.equal(readTimeouts(e.channel!).hangupAtMs, undefined);
  assert.equal(s('${TIMEOUT}', e), '', 'TIMEOUT without parentheses is an unknown variable');
});

test('DIALPLAN_EXISTS and VALID_EXTEN ask the dialplan lookup', () => {
  const lookup = fakeLookup({ default: { '100': [1, [2, 'next']], s: [1] }, other: {} });
  const e = env({}, { lookup });
  assert.equal(s('${DIALPLAN_EXISTS(default)}${DIALPLAN_EXISTS(nowhere)}${DIALPLAN_EXISTS(other)}', e), '101');
  assert.equal(s('${DIALPLAN_EXISTS(default,100)}${DIALPLAN_EXISTS(default,200)}', e), '10');
  assert.equal(s('${DIALPLAN_EXISTS(default,100,2)}${DIALPLAN_EXISTS(default,100,next)}${DIALPLAN_EXISTS(default,100,3)}', e), '110');
  assert.equal(s('${VALID_EXTEN(,100)}${VALID_EXTEN(default,s)}${VALID_EXTEN(,200)}${VALID_EXTEN(,100,next)}', e), '1101');
});

/**
 * extensions.conf parsing: the model a file becomes, and every problem reported at its file:line.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { memoryReader } from '../../../src/config/conf-parser.ts';
import { parseDialplan, parseDialplanText, splitAppArgs, type DialplanParseOptions, type DialplanParseResult } from '../../../src/dialplan/parse/index.ts';
import type { Context, Dialplan } from '../../../src/dialplan/types.ts';

const SEED = `[general]
static=yes
writeprotect=no
autofallthrough=yes
[globals]
TRUNK=SIP/mytrunk
[default]
exten => s,1,Answer()
 same => n,Background(welcome)
 same => n,WaitExten(5)
exten => 1,1,Goto(sales,s,1)
exten => 2,1,Goto(support,s,1)
exten => i,1,Playback(invalid)
exten => t,1,Hangup()
exten => _9NXXXXXX,1,Dial(\${TRUNK}/\${EXTEN:1})
exten => 100,1,GotoIfTime(09:00-17:59,mon-fri,*,*?open,s,1)
[macro-voicemail]
exten => s,1,Dial(\${ARG1},20)
exten => s,2,Goto(s-\${DIALSTATUS},1)
exten => s-NOANSWER,1,Voicemail(u\${MACRO_EXTEN})
exten => _s-.,1,Voicemail(b\${MACRO_EXTEN})
`;

function parse(text: string, options?: DialplanParseOptions): DialplanParseResult {
  return parseDialplanText('extensions.conf', text, undefined, options);
}

function ok(text: string, options?: DialplanParseOptions): Dialplan {
  const r = parse(text, options);
  assert.deepEqual(r.errors.map((e) => e.message), []);
  assert.ok(r.dialplan);
  return r.dialplan;
}

function ctx(d: Dialplan, name: string): Context {
  const c = d.contexts.get(name);
  assert.ok(c, `context ${name}`);
  return c;
}

/** [extension, priority, label?, app, data, line] rows of a context, in file order. */
function rows(c: Context): (string | number | undefined)[][] {
  return c.extensions.flatMap((e) => e.priorities.map((p) => [e.name, p.priority, p.label, p.app, p.appData, p.source.line]));
}

const errorsOf = (text: string, options?: DialplanParseOptions): string[] => parse(text, options).errors.map((e) => e.message);
const warningsOf = (text: string): string[] => parse(text).warnings.map((e) => e.message);

describe('the seed dialplan of issue #4', () => {
  test('parses into the expected model', () => {
    const r = parse(SEED);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings.map((w) => w.message), []);
    const d = r.dialplan;
    assert.ok(d);
    assert.deepEqual(d.general, { static: true, writeProtect: false, autoFallthrough: true, clearGlobalVars: false });
    assert.deepEqual(d.globals, [{ name: 'TRUNK', value: 'SIP/mytrunk', source: { file: 'extensions.conf', line: 6 } }]);
    assert.deepEqual([...d.contexts.keys()], ['default', 'macro-voicemail']);
    assert.deepEqual(rows(ctx(d, 'default')), [
      ['s', 1, undefined, 'Answer', '', 8],
      ['s', 2, undefined, 'Background', 'welcome', 9],
      ['s', 3, undefined, 'WaitExten', '5', 10],
      ['1', 1, undefined, 'Goto', 'sales,s,1', 11],
      ['2', 1, undefined, 'Goto', 'support,s,1', 12],
      ['i', 1, undefined, 'Playback', 'invalid', 13],
      ['t', 1, undefined, 'Hangup', '', 14],
      ['_9NXXXXXX', 1, undefined, 'Dial', '${TRUNK}/${EXTEN:1}', 15],
      ['100', 1, undefined, 'GotoIfTime', '09:00-17:59,mon-fri,*,*?open,s,1', 16],
    ]);
    assert.deepEqual(rows(ctx(d, 'macro-voicemail')), [
      ['s', 1, undefined, 'Dial', '${ARG1},20', 18],
      ['s', 2, undefined, 'Goto', 's-${DIALSTATUS},1', 19],
      ['s-NOANSWER', 1, undefined, 'Voicemail', 'u${MACRO_EXTEN}', 20],
      ['_s-.', 1, undefined, 'Voicemail', 'b${MACRO_EXTEN}', 21],
    ]);
    assert.deepEqual(ctx(d, 'default').source, { file: 'extensions.conf', line: 7 });
  });

  test('defaults when [general] is absent: autofallthrough on, the rest off', () => {
    const d = ok('[c]\nexten => 1,1,NoOp()\n');
    assert.deepEqual(d.general, { static: false, writeProtect: false, autoFallthrough: true, clearGlobalVars: false });
    assert.equal(ok('[general]\nautofallthrough=no\nclearglobalvars=yes\n').general.autoFallthrough, false);
  });

  test('maxsteps sets the runaway-loop bound', () => {
    assert.equal(ok('[general]\nmaxsteps = 500\n[c]\nexten => 1,1,NoOp()\n').general.maxSteps, 500);
  });
});

describe('priority lines', () => {
  test('same =>, n, n(label), 1(label), s and label+offset', () => {
    const d = ok(`[c]
exten => 100,1(start),Answer()
 same => n(loop),Playback(hello)
 same => n,Goto(loop)
exten => 100,start+5,NoOp(five)
exten => 200,1,NoOp()
exten => 201,s,NoOp(same number)
exten => 200,n,NoOp(two)
`);
    assert.deepEqual(rows(ctx(d, 'c')), [
      ['100', 1, 'start', 'Answer', '', 2],
      ['100', 2, 'loop', 'Playback', 'hello', 3],
      ['100', 3, undefined, 'Goto', 'loop', 4],
      ['100', 6, undefined, 'NoOp', 'five', 5],
      ['200', 1, undefined, 'NoOp', '', 6],
      ['200', 2, undefined, 'NoOp', 'two', 8],
      ['201', 1, undefined, 'NoOp', 'same number', 7],
    ]);
  });

  test('n counts from the previous line of the context, even of another extension (as pbx_config)', () => {
    const d = ok('[c]\nexten => 100,1,NoOp()\nexten => 100,n,NoOp()\nexten => 200,n,NoOp()\n');
    assert.deepEqual(rows(ctx(d, 'c')).map((r) => [r[0], r[1]]), [['100', 1], ['100', 2], ['200', 3]]);
  });

  test('priorities are kept sorted even when written out of order', () => {
    const d = ok('[c]\nexten => 1,3,NoOp(c)\nexten => 1,1,NoOp(a)\nexten => 1,2,NoOp(b)\n');
    assert.deepEqual(ctx(d, 'c').extensions[0].priorities.map((p) => p.appData), ['a', 'b', 'c']);
  });

  test('application forms: App(args), App, legacy App,arg1|arg2', () => {
    const d = ok(`[c]
exten => 100,1,Dial,SIP/100|20
exten => 100,2,Answer
exten => 100,3,Set(x=\${CUT(a,|,1)})
exten => 100,4,Dial(SIP/100|20)
exten => 100,5, NoOp ( spaced )
`);
    const p = ctx(d, 'c').extensions[0].priorities;
    assert.deepEqual(p.map((x) => [x.app, x.appData]), [
      ['Dial', 'SIP/100|20'],
      ['Answer', ''],
      ['Set', 'x=${CUT(a,|,1)}'],
      ['Dial', 'SIP/100|20'],
      ['NoOp', ' spaced '],
    ]);
    assert.deepEqual(splitAppArgs(p[0].appData), ['SIP/100', '20']);
    assert.deepEqual(splitAppArgs(p[3].appData), ['SIP/100', '20']);
  });

  test('comments, \\; escapes, and commas inside [] of a pattern', () => {
    const d = ok('[c] ; the context\nexten => _[1-4,6]XX,1,NoOp(a\\;b) ; a comment\n');
    const e = ctx(d, 'c').extensions[0];
    assert.equal(e.name, '_[1-4,6]XX');
    assert.equal(e.priorities[0].appData, 'a;b');
  });

  test('caller ID matches and hints', () => {
    const d = ok(`[c]
exten => 100,hint,SIP/100&SIP/101
exten => 100,1,Dial(SIP/100)
exten => 100/5551234,1,Playback(hi-boss)
`);
    const [plain, boss] = ctx(d, 'c').extensions;
    assert.deepEqual(plain.hint, { value: 'SIP/100&SIP/101', source: { file: 'extensions.conf', line: 2 } });
    assert.equal(plain.priorities.length, 1);
    assert.equal(plain.callerId, undefined);
    assert.equal(boss.name, '100');
    assert.equal(boss.callerId, '5551234');
    assert.equal(boss.priorities[0].app, 'Playback');
  });

  test('same => continues a caller-ID extension', () => {
    const d = ok('[c]\nexten => 100/5551234,1,Answer()\n same => n,Hangup()\n');
    const e = ctx(d, 'c').extensions;
    assert.equal(e.length, 1);
    assert.deepEqual(e[0].priorities.map((p) => p.priority), [1, 2]);
  });
});

describe('contexts, includes and the rest', () => {
  test('include with and without time, legacy |, ignorepat; macro contexts are ordinary', () => {
    const d = ok(`[c]
include => other
include => office,09:00-17:00,mon-fri,*,*
include => legacy|09:00-17:00|mon-fri|*|*
ignorepat => 9
[other]
[office]
[legacy]
[macro-dial]
exten => s,1,Dial(\${ARG1})
`);
    const c = ctx(d, 'c');
    assert.deepEqual(c.includes.map((i) => [i.context, i.time?.text, i.source.line]), [
      ['other', undefined, 2],
      ['office', '09:00-17:00,mon-fri,*,*', 3],
      ['legacy', '09:00-17:00|mon-fri|*|*', 4],
    ]);
    assert.equal(c.includes[1].time?.matches(new Date(2026, 11, 1, 10, 0)), true);
    assert.equal(c.includes[1].time?.matches(new Date(2026, 11, 5, 10, 0)), false);
    assert.deepEqual(c.ignorePatterns, ['9']);
    assert.equal(ctx(d, 'macro-dial').extensions[0].name, 's');
  });

  test('sections of the same name are one context; templates are copied, not contexts', () => {
    const d = ok(`[common](!)
exten => 0,1,Dial(SIP/operator)
[a](common)
exten => 1,1,NoOp(a1)
[b]
exten => 5,1,NoOp()
[a]
exten => 2,1,NoOp(a2)
`);
    assert.deepEqual([...d.contexts.keys()], ['a', 'b']);
    assert.deepEqual(ctx(d, 'a').extensions.map((e) => e.name), ['0', '1', '2']);
  });

  test('#include reads another file; its lines keep their own file and line', () => {
    const reader = memoryReader({
      'extensions.conf': '[general]\n#include "ext-local.conf"\n[default]\nexten => 1,1,NoOp()\n',
      'ext-local.conf': '[local]\nexten => 100,1,Dial(SIP/100)\nexten => 100,1,Dial(SIP/101)\n',
    });
    const r = parseDialplan('extensions.conf', reader);
    assert.deepEqual(r.errors.map((e) => e.message), [
      "ext-local.conf:3: priority 1 of extension '100' in context 'local' is already defined at ext-local.conf:2",
    ]);
    assert.equal(r.errors[0].code, 'DIALPLAN_INVALID');
    assert.equal(r.dialplan, undefined, 'no dialplan while there are errors');
    const good = parseDialplan('extensions.conf', memoryReader({ 'extensions.conf': '#include ext-local.conf\n', 'ext-local.conf': '[local]\nexten => 1,1,NoOp()\n' }));
    assert.deepEqual(good.errors, []);
    assert.equal(good.dialplan?.contexts.get('local')?.extensions[0].source.file, 'ext-local.conf');
  });

  test('a missing extensions.conf is CONFIG_MISSING; an include loop is reported at its line', () => {
    const missing = parseDialplan('extensions.conf', memoryReader({}));
    assert.equal(missing.errors[0].code, 'CONFIG_MISSING');
    const loop = parseDialplan('extensions.conf', memoryReader({ 'extensions.conf': '[c]\n#include a.conf\n', 'a.conf': '#include extensions.conf\n' }));
    assert.deepEqual(loop.errors.map((e) => [e.message, e.code]), [['a.conf:1: include loop: extensions.conf -> a.conf -> extensions.conf', 'DIALPLAN_INVALID']]);
  });
});

describe('errors at file:line', () => {
  const cases: [string, string, string[]][] = [
    ['missing closing parenthesis', '[c]\nexten => 1,1,Dial(SIP/100\n', ["extensions.conf:2: missing ')' after the arguments of Dial: 'Dial(SIP/100'"]],
    ['unbalanced parentheses inside', '[c]\nexten => 1,1,NoOp(a)b)\n', ["extensions.conf:2: unbalanced ')' in the arguments of NoOp: 'a)b'"]],
    ['${ never closed', '[c]\nexten => 1,1,Set(x=${FOO)\n', ["extensions.conf:2: '${' is never closed in the arguments of Set: 'x=${FOO'"]],
    ['${ never closed, substring form', '[c]\nexten => 1,1,Set(x=${FOO:1)\n', ["extensions.conf:2: '${' is never closed in the arguments of Set: 'x=${FOO:1'"]],
    ['function not closed inside ${}', '[c]\nexten => 1,1,Set(x=${CUT(a,b,1})\n', ["extensions.conf:2: '}' closes before '(' is closed in the arguments of Set: 'x=${CUT(a,b,1}'"]],
    ['$[ never closed', '[c]\nexten => 1,1,Set(x=$[1+2)\n', ["extensions.conf:2: '$[' is never closed in the arguments of Set: 'x=$[1+2'"]],
    [
      'priority collision',
      '[c]\nexten => 100,1,NoOp()\nexten => 100,1,Hangup()\n',
      ["extensions.conf:3: priority 1 of extension '100' in context 'c' is already defined at extensions.conf:2"],
    ],
    [
      'collision through n',
      '[c]\nexten => 100,1,NoOp()\nexten => 100,2,NoOp()\nexten => 100,1,NoOp()\nexten => 100,n,NoOp()\n',
      [
        "extensions.conf:4: priority 1 of extension '100' in context 'c' is already defined at extensions.conf:2",
        "extensions.conf:5: priority 2 of extension '100' in context 'c' is already defined at extensions.conf:3",
      ],
    ],
    ['n on the first line', '[c]\nexten => 100,n,NoOp()\n', ["extensions.conf:2: 'n' priority needs a previous priority line in this context (it is the first one)"]],
    ['n reset by a new section', '[c]\nexten => 1,1,NoOp()\n[d]\nexten => 1,n,NoOp()\n', ["extensions.conf:4: 'n' priority needs a previous priority line in this context (it is the first one)"]],
    ['same => first', '[c]\nsame => n,NoOp()\n', ["extensions.conf:2: 'same =>' has no previous 'exten =>' in context 'c' to continue"]],
    ['n after a hint', '[c]\nexten => 1,hint,SIP/1\nsame => n,NoOp()\n', ["extensions.conf:3: 'n' priority follows a hint, which has no number to count from; write the number"]],
    [
      'duplicate label',
      '[c]\nexten => 1,1(top),NoOp()\nsame => n(top),NoOp()\n',
      ["extensions.conf:3: label 'top' is already used by priority 1 of extension '1' (extensions.conf:2)"],
    ],
    ['empty application', '[c]\nexten => 1,1,\n', ["extensions.conf:2: empty application name in ''"]],
    ['empty application before (', '[c]\nexten => 1,1,(foo)\n', ["extensions.conf:2: empty application name in '(foo)'"]],
    ['not an application name', '[c]\nexten => 1,1,Dial SIP/100\n', ["extensions.conf:2: 'Dial SIP/100' is not an application name (expected Application(arguments))"]],
    ['bad time spec in include', '[c]\ninclude => other,25:00-26:00,*,*,*\n[other]\n', ["extensions.conf:2: bad time in include of 'other': '25:00' is not a valid start time (hours 0-23, minutes 0-59)"]],
    ['invalid priority', '[c]\nexten => 1,first,NoOp()\n', ["extensions.conf:2: invalid priority 'first' (not a number, n, s, hint or a label defined above for this extension)"]],
    ['priority 0', '[c]\nexten => 1,0,NoOp()\n', ['extensions.conf:2: invalid priority 0 (priorities start at 1)']],
    ['label without )', '[c]\nexten => 1,1(x,NoOp()\n', ["extensions.conf:2: label missing trailing ')' in priority '1(x'"]],
    ['missing fields', '[c]\nexten => 100\nexten => 100,1\n', [
      "extensions.conf:2: expected 'exten => extension,priority,Application(arguments)', got '100'",
      "extensions.conf:3: expected 'exten => extension,priority,Application(arguments)', got '100,1'",
    ]],
    ['unclosed [ in a pattern', '[c]\nexten => _9[12,1,NoOp()\n', ["extensions.conf:2: '[' without ']' in the extension of '_9[12,1,NoOp()'"]],
    ['unclosed [ with a later comma', '[c]\nexten => _9[12X,1,NoOp()\n', ["extensions.conf:2: '[' without ']' in the extension of '_9[12X,1,NoOp()'"]],
    ['two hints', '[c]\nexten => 1,hint,SIP/1\nexten => 1,hint,SIP/2\n', ["extensions.conf:3: extension '1' in context 'c' already has a hint (extensions.conf:2)"]],
    ['bad [general] boolean', '[general]\nautofallthrough=maybe\n', ["extensions.conf:2: autofallthrough = 'maybe': expected yes or no"]],
    ['maxsteps not a number', '[general]\nmaxsteps=lots\n', ["extensions.conf:2: maxsteps = 'lots': a whole number from 10 to 10000000"]],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      const r = parse(text);
      assert.deepEqual(r.errors.map((e) => e.message), expected);
      assert.ok(r.errors.every((e) => e.code === 'DIALPLAN_INVALID'));
      assert.equal(r.dialplan, undefined);
    });
  }

  test('unknown and unavailable applications (with the caller\'s app table)', () => {
    const known = new Map(['playback', 'dial', 'voicemail', 'noop'].map((n) => [n, n]));
    const options: DialplanParseOptions = {
      knownApps: (n) => known.has(n.toLowerCase()),
      suggestApp: (n) => (n.toLowerCase() === 'playbak' ? 'Playback' : undefined),
      unavailableApp: (n) => (n.toLowerCase() === 'voicemail' ? 'VoiceMail needs the voicemail feature, which is not built yet' : undefined),
    };
    assert.deepEqual(errorsOf('[c]\nexten => 1,1,Playbak(hello)\nexten => 1,2,Frobnicate()\nexten => 1,3,VoiceMail(100)\nexten => 1,4,NoOp()\nexten => 1,hint,SIP/1\n', options), [
      "extensions.conf:2: unknown application 'Playbak' (did you mean 'Playback'?)",
      "extensions.conf:3: unknown application 'Frobnicate'",
      'extensions.conf:4: VoiceMail needs the voicemail feature, which is not built yet',
    ]);
  });

  test('errors come sorted by file (reading order) then line', () => {
    const reader = memoryReader({
      'extensions.conf': '[c]\nexten => 1,n,NoOp()\n#include b.conf\nexten => 2,1,Dial(\n',
      'b.conf': 'exten => 3,1,Dial(\n',
    });
    assert.deepEqual(parseDialplan('extensions.conf', reader).errors.map((e) => `${e.file}:${e.line}`), ['extensions.conf:2', 'extensions.conf:4', 'b.conf:1']);
  });
});

describe('warnings', () => {
  test('a priority > 1 with no priority 1 (unreachable by a call)', () => {
    assert.deepEqual(warningsOf('[c]\nexten => 100,2,NoOp()\nexten => 100,3,NoOp()\n'), [
      "extensions.conf:2: extension '100' in context 'c' has no priority 1 (its first is 2): calls to it never start, only a Goto to a later priority reaches it",
    ]);
  });

  test('include of an unknown context, with a suggestion', () => {
    assert.deepEqual(warningsOf('[c]\ninclude => outgoin\n[outgoing]\n'), ["extensions.conf:2: context 'c' includes unknown context 'outgoin' (did you mean 'outgoing'?)"]);
  });

  test('switch =>, unknown directives and [general] keys, _., a wildcard before the end, text after )', () => {
    assert.deepEqual(
      warningsOf('[general]\nautofalthrough=yes\n[c]\nswitch => IAX2/user@host/ctx\nfoo => bar\nexten => _.,1,NoOp()\nexten => _X.1,1,NoOp()\nexten => 5,1,NoOp(x) trailing\ninclude => c2\ninclude => c2\n[c2]\n'),
      [
        "extensions.conf:2: unknown [general] setting 'autofalthrough' (did you mean 'autofallthrough'?); ignored",
        "extensions.conf:4: switch => is not supported (no alternative switches); 'IAX2/user@host/ctx' is ignored",
        "extensions.conf:5: unknown directive 'foo' in context 'c'; ignored",
        "extensions.conf:6: the use of '_.' for an extension is strongly discouraged (it also matches h, i, t...); use '_X.' instead",
        "extensions.conf:7: in extension pattern '_X.1', '.' matches everything after it; the rest is ignored",
        "extensions.conf:8: text after ')' is ignored: 'trailing'",
        "extensions.conf:10: context 'c2' is already included in 'c'; ignored",
      ],
    );
  });
});

describe('[globals] in extension names', () => {
  test('names, caller-ID matches, includes and ignorepat use [globals] wherever [globals] is written', () => {
    const r = parse('[c]\nexten => ${OPERATOR},1,Dial(${OPERATOR_DEVICE})\nexten => 100/${BOSS},1,NoOp()\ninclude => ${OUT}\nignorepat => ${PREFIX}\nexten => ${NOPE}9,1,NoOp()\n[outgoing]\n[globals]\nOPERATOR=0\nBOSS=5551234\nOUT=outgoing\nPREFIX=9\n');
    assert.deepEqual(r.errors, []);
    const c = ctx(r.dialplan as Dialplan, 'c');
    assert.deepEqual(c.extensions.map((e) => [e.name, e.callerId, e.priorities[0].appData]), [
      ['0', undefined, '${OPERATOR_DEVICE}'],
      ['100', '5551234', ''],
      ['9', undefined, ''],
    ]);
    assert.deepEqual(c.includes.map((i) => i.context), ['outgoing']);
    assert.deepEqual(c.ignorePatterns, ['9']);
    assert.deepEqual(r.warnings.map((w) => w.message), ["extensions.conf:6: '${NOPE}' is not set in [globals]; it reads as empty here"]);
    assert.deepEqual(r.dialplan?.globals.map((g) => g.name), ['OPERATOR', 'BOSS', 'OUT', 'PREFIX']);
  });
});

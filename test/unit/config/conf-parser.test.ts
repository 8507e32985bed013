import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { memoryReader, parseConfFile, parseConfText, sectionsNamed, stripComment, type ConfParseResult } from '../../../src/config/conf-parser.ts';
import { formatErrors } from '../../../src/config/load.ts';

function parse(files: Record<string, string>, top = 'main.conf'): ConfParseResult {
  return parseConfFile(top, memoryReader(files));
}

/** [key, op, value] of every entry of the first real section named `name`. */
function triples(r: ConfParseResult, name: string): [string, string, string][] {
  const s = sectionsNamed(r.conf, name)[0];
  assert.ok(s, `section [${name}] exists`);
  return s.entries.map((e) => [e.key, e.op, e.value]);
}

describe('conf dialect: lines', () => {
  test('keeps = and => apart, in order, with repeated keys', () => {
    const r = parseConfText('x.conf', '[internal]\nexten => 2000,1,Dial(SIP/2000,20)\nexten => 2000,n,Hangup()\nallow=ulaw\nallow = alaw\n');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(triples(r, 'internal'), [
      ['exten', '=>', '2000,1,Dial(SIP/2000,20)'],
      ['exten', '=>', '2000,n,Hangup()'],
      ['allow', '=', 'ulaw'],
      ['allow', '=', 'alaw'],
    ]);
  });

  test('files saved on Windows (BOM, CRLF) read the same', () => {
    const r = parseConfText('x.conf', '\uFEFF[system]\r\nsip = 0.0.0.0:5060\r\n\r\n[phones]\r\n2000 = s, Joe\r\n');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(triples(r, 'system'), [['sip', '=', '0.0.0.0:5060']]);
    assert.deepEqual(sectionsNamed(r.conf, 'phones')[0].entries.map((e) => [e.value, e.line]), [['s, Joe', 5]]);
  });

  test('a value may contain = and =>; only the first operator splits', () => {
    const r = parseConfText('x.conf', '[s]\nsetvar=FOO=bar\nexten => s,1,Set(A=>b)\n');
    assert.deepEqual(triples(r, 's'), [
      ['setvar', '=', 'FOO=bar'],
      ['exten', '=>', 's,1,Set(A=>b)'],
    ]);
  });

  test('comments, \\; escapes and blank lines; line numbers are exact', () => {
    const text = ['; header comment', '', '[s]  ; trailing', 'secret = a\\;b ; the real comment', '   ', 'note = x;y', ''].join('\n');
    const r = parseConfText('x.conf', text);
    const s = sectionsNamed(r.conf, 's')[0];
    assert.equal(s.line, 3);
    assert.deepEqual(
      s.entries.map((e) => [e.key, e.value, e.line]),
      [
        ['secret', 'a;b', 4],
        ['note', 'x', 6],
      ],
    );
  });

  test('block comments ;-- --; may span lines and sit inside a line', () => {
    const text = '[s]\na = 1 ;-- gone --; \n;-- start\nb = hidden\nend --;\nc = 3\n';
    const r = parseConfText('x.conf', text);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(triples(r, 's'), [
      ['a', '=', '1'],
      ['c', '=', '3'],
    ]);
  });

  test(';---- ruler lines (everywhere in Asterisk samples) are line comments, not blocks', () => {
    const r = parseConfText('x.conf', ';----------\n; Phones\n;----------\n[s]\na = 1\n;--\nhidden = 1\n--;\n');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(triples(r, 's'), [['a', '=', '1']]);
  });

  test('an unclosed block comment is reported where it opened', () => {
    const r = parseConfText('x.conf', '[s]\na = 1\n;-- never closed\nb = 2\n');
    assert.equal(formatErrors(r.errors), `x.conf:3: block comment ';--' is never closed with '--;'`);
  });

  test('stripComment is the single place that knows comment syntax', () => {
    assert.deepEqual(stripComment('a = b \\; c ; d', false), { text: 'a = b ; c ', inBlock: false });
    assert.deepEqual(stripComment('x --; y', true), { text: ' y', inBlock: false });
  });

  test('every bad line is reported, parsing goes on', () => {
    const r = parseConfText('x.conf', 'orphan = 1\n[ok]\nno operator here\n= value\n[bad\n[]\n[good]\nk = v\n');
    assert.equal(
      formatErrors(r.errors),
      [
        `x.conf:1: 'orphan' is outside any [section]`,
        `x.conf:3: expected 'key = value', got 'no operator here'`,
        `x.conf:4: missing key before '='`,
        `x.conf:5: malformed section header '[bad' (expected [name] or [name](options))`,
        `x.conf:6: empty section name`,
      ].join('\n'),
    );
    assert.deepEqual(triples(r, 'good'), [['k', '=', 'v']]);
  });
});

describe('conf dialect: #include and #exec', () => {
  test('includes are inlined where written, relative to the including file, with their own line numbers', () => {
    const r = parse({
      'main.conf': '[a]\nx = 1\n#include "sub/more.conf"\ny = 2\n',
      'sub/more.conf': '; comment\nz = 3\n#include deeper.conf\n[b]\nw = 4\n',
      'sub/deeper.conf': '\n\nq = 5\n',
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.conf.files, ['main.conf', 'sub/more.conf', 'sub/deeper.conf']);
    const a = sectionsNamed(r.conf, 'a')[0];
    assert.deepEqual(
      a.entries.map((e) => `${e.key}@${e.file}:${e.line}`),
      ['x@main.conf:2', 'z@sub/more.conf:2', 'q@sub/deeper.conf:3'],
    );
    // [b] opened inside the include stays the current section after it: y belongs to [b].
    const b = sectionsNamed(r.conf, 'b')[0];
    assert.deepEqual(
      b.entries.map((e) => `${e.key}@${e.file}:${e.line}`),
      ['w@sub/more.conf:5', 'y@main.conf:4'],
    );
  });

  test('a missing include is an error at the #include line; #tryinclude is silent', () => {
    const r = parse({ 'main.conf': '[a]\n#include nothere.conf\n#tryinclude alsonot.conf\nk = v\n' });
    assert.equal(formatErrors(r.errors), `main.conf:2: included file 'nothere.conf' not found`);
    assert.deepEqual(triples(r, 'a'), [['k', '=', 'v']]);
  });

  test('include loops are detected with the whole chain', () => {
    const r = parse({
      'main.conf': '[a]\n#include one.conf\n',
      'one.conf': 'x = 1\n#include two.conf\n',
      'two.conf': 'y = 2\n#include main.conf\n',
    });
    assert.equal(formatErrors(r.errors), `two.conf:2: include loop: main.conf -> one.conf -> two.conf -> main.conf`);
    assert.deepEqual(triples(r, 'a'), [
      ['x', '=', '1'],
      ['y', '=', '2'],
    ]);
  });

  test('a file may include itself only by mistake', () => {
    const r = parse({ 'main.conf': '[a]\n#include ./main.conf\n' });
    assert.equal(formatErrors(r.errors), `main.conf:2: include loop: main.conf -> main.conf`);
  });

  test('the same file included twice (not a loop) is read twice', () => {
    const r = parse({ 'main.conf': '[a]\n#include c.conf\n[b]\n#include c.conf\n', 'c.conf': 'k = v\n' });
    assert.deepEqual(r.errors, []);
    assert.equal(sectionsNamed(r.conf, 'a')[0].entries.length, 1);
    assert.equal(sectionsNamed(r.conf, 'b')[0].entries.length, 1);
  });

  test('globs include every matching file in name order', () => {
    const r = parse({
      'main.conf': '[a]\n#include sip-*.conf\n#include none-*.conf\n',
      'sip-b.conf': 'k = b\n',
      'sip-a.conf': 'k = a\n',
      'other.conf': 'k = no\n',
    });
    assert.deepEqual(r.errors, []);
    assert.equal(formatErrors(r.warnings), `main.conf:3: no file matches 'none-*.conf'`);
    assert.deepEqual(triples(r, 'a'), [
      ['k', '=', 'a'],
      ['k', '=', 'b'],
    ]);
  });

  test('#exec is refused (an embedded box must not run programs from config)', () => {
    const r = parse({ 'main.conf': '[a]\n#exec /bin/echo k=v\n#tryexec /bin/true\n#inclde x.conf\n' });
    assert.equal(
      formatErrors(r.errors),
      [
        `main.conf:2: #exec is not allowed: configuration files may not run programs`,
        `main.conf:3: #tryexec is not allowed: configuration files may not run programs`,
        `main.conf:4: unknown directive '#inclde' (did you mean '#include'?)`,
      ].join('\n'),
    );
  });

  test('a reader failure becomes an error at the include line', () => {
    const r = parseConfFile('main.conf', {
      read: (p) => {
        if (p === 'main.conf') return '[a]\n#include locked.conf\n';
        throw new Error('permission denied');
      },
    });
    assert.equal(formatErrors(r.errors), `main.conf:2: cannot read included file 'locked.conf': permission denied`);
  });
});

describe('conf dialect: templates', () => {
  const text = [
    '[office](!)', // 1
    'type = friend', // 2
    'host = dynamic', // 3
    'allow = ulaw', // 4
    '[nat-phone](!)', // 5
    'nat = yes', // 6
    'host = 10.0.0.1', // 7
    '[2000](office,nat-phone)', // 8
    'secret = s2000', // 9
    'host = dynamic', // 10
    '[2001](office)', // 11
    'secret = s2001', // 12
    '[2000](+)', // 13
    'allow = alaw', // 14
  ].join('\n');

  test('(!) marks a template that is not a real section', () => {
    const r = parseConfText('sip.conf', text);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.conf.sections.filter((s) => !s.templateOnly).map((s) => s.name),
      ['2000', '2001'],
    );
    assert.deepEqual(sectionsNamed(r.conf, 'office'), []);
  });

  test('templates copy in first template first, then own entries; origins keep the template lines', () => {
    const r = parseConfText('sip.conf', text);
    const s = sectionsNamed(r.conf, '2000')[0];
    assert.deepEqual(s.templates, ['office', 'nat-phone']);
    assert.deepEqual(
      s.entries.map((e) => `${e.key}=${e.value}@${e.line}${e.inheritedFrom ? ` from ${e.inheritedFrom}` : ''}`),
      [
        'type=friend@2 from office',
        'host=dynamic@3 from office',
        'allow=ulaw@4 from office',
        'nat=yes@6 from nat-phone',
        'host=10.0.0.1@7 from nat-phone',
        'secret=s2000@9',
        'host=dynamic@10',
        'allow=alaw@14',
      ],
    );
  });

  test('(+) appends to the existing section; a later template change does not reach copies', () => {
    const r = parseConfText('sip.conf', text + '\n[office](+)\ncontext = late\n');
    assert.equal(r.conf.sections.filter((s) => s.name === '2000').length, 1);
    assert.ok(!sectionsNamed(r.conf, '2001')[0].entries.some((e) => e.key === 'context'));
  });

  test('unknown template and (+) without a section are errors', () => {
    const r = parseConfText('sip.conf', '[ofice-phone](!)\ntype=friend\n[2000](office-phone)\n[9999](+)\n');
    assert.equal(
      formatErrors(r.errors),
      [
        `sip.conf:3: template 'office-phone' is not defined above [2000] (did you mean 'ofice-phone'?)`,
        `sip.conf:4: cannot add to [9999] with (+): no section [9999] before this line`,
      ].join('\n'),
    );
  });

  test('a template may itself inherit, and a template from an included file is usable', () => {
    const r = parse({
      'main.conf': '#include tpl.conf\n[2000](phone)\nsecret = x\n',
      'tpl.conf': '[base](!)\ntype = friend\n[phone](!,base)\nhost = dynamic\n',
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      sectionsNamed(r.conf, '2000')[0].entries.map((e) => `${e.key}@${e.file}:${e.line}`),
      ['type@tpl.conf:2', 'host@tpl.conf:4', 'secret@main.conf:3'],
    );
  });
});

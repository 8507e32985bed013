import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSyslogFormatter,
  facilityCode,
  structuredData,
  truncateUtf8,
} from '../../../src/log/syslog.ts';
import { frameOctetCounted } from '../../../src/log/syslog-transport.ts';
import type { LogRecord, Severity } from '../../../src/log/types.ts';
import { OctetCountingSplitter, parseRfc5424 } from './rfc5424.ts';

const T = Date.UTC(2026, 10, 23, 12, 0, 1, 123);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function rec(over: Partial<LogRecord> = {}): LogRecord {
  return {
    time: T,
    severity: 'notice',
    level: 0,
    module: 'registrar',
    msg: 'Registered SIP 2000 at 127.0.0.1:5062',
    fields: undefined,
    pid: 1234,
    ...over,
  };
}

const fmt = createSyslogFormatter({ hostname: 'pbx1.example.net' });

describe('RFC 5424 formatting', () => {
  test('exact message for a notice with no fields (default facility local0)', () => {
    assert.equal(
      fmt.format(rec()),
      '<133>1 2026-11-23T12:00:01.123Z pbx1.example.net pbx 1234 registrar - Registered SIP 2000 at 127.0.0.1:5062',
    );
  });

  test('exact message with structured data', () => {
    assert.equal(
      fmt.format(rec({ severity: 'warning', module: 'sip', msg: 'Bad password', fields: { peer: '2000', tries: 3 } })),
      '<132>1 2026-11-23T12:00:01.123Z pbx1.example.net pbx 1234 sip [pbx@32473 peer="2000" tries="3"] Bad password',
    );
  });

  test('PRI = facility * 8 + severity for every severity', () => {
    const expected: Record<Severity, number> = { error: 3, warning: 4, notice: 5, verbose: 6, debug: 7 };
    for (const facility of [0, 3, 16, 23]) {
      const f = createSyslogFormatter({ hostname: 'h', facility });
      for (const [severity, code] of Object.entries(expected) as [Severity, number][]) {
        const line = f.format(rec({ severity, level: severity === 'verbose' || severity === 'debug' ? 2 : 0 }));
        assert.ok(line.startsWith(`<${facility * 8 + code}>1 `), `${severity}@${facility}: ${line}`);
        const parsed = parseRfc5424(enc(line));
        assert.equal(parsed.facility, facility);
        assert.equal(parsed.severity, code);
      }
    }
  });

  test('facility names and numbers; unknown ones are refused', () => {
    assert.equal(facilityCode('local0'), 16);
    assert.equal(facilityCode('LOCAL7'), 23);
    assert.equal(facilityCode('daemon'), 3);
    assert.equal(facilityCode('19'), 19);
    assert.equal(facilityCode(24), undefined);
    assert.equal(facilityCode('local8'), undefined);
    assert.throws(() => createSyslogFormatter({ hostname: 'h', facility: 30 }), RangeError);
  });

  test('NILVALUE for empty hostname and module, and no MSG part for an empty message', () => {
    const f = createSyslogFormatter({ hostname: '' });
    assert.equal(f.format(rec({ module: '', msg: '' })), '<133>1 2026-11-23T12:00:01.123Z - pbx 1234 - -');
    const p = parseRfc5424(enc(f.format(rec({ module: '', msg: '' }))));
    assert.equal(p.hostname, '-');
    assert.equal(p.msgId, '-');
    assert.equal(p.sd, null);
    assert.equal(p.msg, null);
  });

  test('SD escaping of ", \\ and ] in values; names cleaned to SD-NAME rules', () => {
    const fields = { 'a"b': 'say "hi"', 'c d': 'back\\slash', 'e=f]': 'x]y', ok: 'plain' };
    const sd = structuredData('pbx@32473', fields);
    assert.equal(sd, '[pbx@32473 a_b="say \\"hi\\"" c_d="back\\\\slash" e_f_="x\\]y" ok="plain"]');
    const p = parseRfc5424(enc(fmt.format(rec({ fields }))));
    assert.deepEqual(p.sd, [
      {
        id: 'pbx@32473',
        params: [
          ['a_b', 'say "hi"'],
          ['c_d', 'back\\slash'],
          ['e_f_', 'x]y'],
          ['ok', 'plain'],
        ],
      },
    ]);
  });

  test('SD-NAME is cut to 32 characters; undefined fields are left out; no field gives -', () => {
    const long = 'k'.repeat(40);
    const p = parseRfc5424(enc(fmt.format(rec({ fields: { [long]: 1, gone: undefined } }))));
    assert.deepEqual(p.sd, [{ id: 'pbx@32473', params: [['k'.repeat(32), '1']] }]);
    assert.equal(fmt.format(rec({ fields: { gone: undefined } })).split(' ')[6], '-');
  });

  test('field values: errors by message, objects as JSON, dates in RFC 3339', () => {
    const p = parseRfc5424(
      enc(fmt.format(rec({ fields: { err: new Error('ECONNREFUSED'), obj: { a: [1] }, at: new Date(T), ok: true } }))),
    );
    assert.deepEqual(p.sd?.[0].params, [
      ['err', 'ECONNREFUSED'],
      ['obj', '{"a":[1]}'],
      ['at', '2026-11-23T12:00:01.123Z'],
      ['ok', 'true'],
    ]);
  });

  test('header fields are cut to their limits and cleaned to PRINTUSASCII', () => {
    const f = createSyslogFormatter({ hostname: 'h'.repeat(300), appName: 'a'.repeat(60) });
    const p = parseRfc5424(enc(f.format(rec({ module: 'm'.repeat(40) }))));
    assert.equal(p.hostname.length, 255);
    assert.equal(p.appName.length, 48);
    assert.equal(p.msgId, 'm'.repeat(32));
    const g = createSyslogFormatter({ hostname: 'my host' });
    assert.equal(parseRfc5424(enc(g.format(rec({ module: 'sip transport' })))).hostname, 'my_host');
    assert.equal(parseRfc5424(enc(g.format(rec({ module: 'sip transport' })))).msgId, 'sip_transport');
  });

  test('BOM only before non-ASCII MSG (RFC 5424 6.4)', () => {
    const ascii = fmt.encode(rec({ msg: 'hello' }), 2048);
    assert.equal(parseRfc5424(ascii).bom, false);
    const utf8 = fmt.encode(rec({ msg: 'Appel de Frédéric' }), 2048);
    const i = utf8.indexOf(0xef);
    assert.deepEqual([...utf8.subarray(i, i + 3)], [0xef, 0xbb, 0xbf]);
    const p = parseRfc5424(utf8);
    assert.equal(p.bom, true);
    assert.equal(p.msg, 'Appel de Frédéric');
  });

  test('encode() cuts long messages to maxBytes at a UTF-8 boundary', () => {
    const msg = 'é'.repeat(3000);
    const bytes = fmt.encode(rec({ msg }), 2048);
    assert.ok(bytes.length <= 2048 && bytes.length >= 2046, `length ${bytes.length}`);
    const p = parseRfc5424(bytes); // strict decoding: throws on a split character
    assert.ok(p.msg && /^é+$/.test(p.msg));
  });

  test('encode() drops structured data that alone would not fit, keeping the message', () => {
    const bytes = fmt.encode(rec({ msg: 'short', fields: { big: 'x'.repeat(5000) } }), 1024);
    assert.ok(bytes.length <= 1024);
    const p = parseRfc5424(bytes);
    assert.equal(p.sd, null);
    assert.equal(p.msg, 'short');
  });

  test('encode() never goes below the 480-octet floor of RFC 5426', () => {
    const bytes = fmt.encode(rec({ msg: 'x'.repeat(1000) }), 100);
    assert.equal(bytes.length, 480);
  });

  test('truncateUtf8 backs off to a character boundary', () => {
    const b = enc('a€'); // 61 e2 82 ac
    assert.deepEqual([...truncateUtf8(b, 3)], [0x61]);
    assert.deepEqual([...truncateUtf8(b, 4)], [...b]);
  });
});

describe('RFC 6587 octet counting', () => {
  test('frame is "LEN SP MSG" with LEN in octets, not characters', () => {
    const msg = enc('<133>1 - - - - - - é');
    const frame = frameOctetCounted(msg);
    assert.equal(dec(frame), `${msg.length} <133>1 - - - - - - é`);
    assert.equal(dec(frame).split(' ')[0], '21');
    assert.equal('<133>1 - - - - - - é'.length, 20);
  });

  test('the test splitter handles several frames per chunk and frames split across chunks', () => {
    const a = frameOctetCounted(enc('<1>1 - - - - - - one'));
    const b = frameOctetCounted(enc('<1>1 - - - - - - two\nlines'));
    const all = new Uint8Array([...a, ...b]);
    const s = new OctetCountingSplitter();
    assert.deepEqual(s.push(all).map(dec), ['<1>1 - - - - - - one', '<1>1 - - - - - - two\nlines']);
    const s2 = new OctetCountingSplitter();
    const got: string[] = [];
    for (const byte of all) got.push(...s2.push(new Uint8Array([byte])).map(dec));
    assert.deepEqual(got, ['<1>1 - - - - - - one', '<1>1 - - - - - - two\nlines']);
    assert.throws(() => new OctetCountingSplitter().push(enc('012 x')), /MSG-LEN/);
  });
});

describe('the strict test parser itself', () => {
  test('accepts the RFC 5424 6.5 examples', () => {
    const ex1 = parseRfc5424(
      enc("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8"),
    );
    assert.equal(ex1.facility, 4);
    assert.equal(ex1.severity, 2);
    assert.equal(ex1.bom, true);
    const ex3 = parseRfc5424(
      enc(
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
      ),
    );
    assert.deepEqual(ex3.sd?.[0].params[1], ['eventSource', 'Application']);
  });

  test('rejects malformed messages', () => {
    for (const bad of [
      '<192>1 - - - - - -',
      '<13> 2003-10-11T22:14:15Z h a p m -',
      '<13>1 2003-10-11 22:14:15Z h a p m -',
      '<13>1 - h a p m [id a="x]"]',
      '<13>1 - h a p m [id a=x]',
      '<13>1 - h a p m [i=d a="x"]',
      '<13>1 - h a p m',
      '<013>1 - h a p m -',
    ]) {
      assert.throws(() => parseRfc5424(enc(bad)), Error, bad);
    }
  });
});

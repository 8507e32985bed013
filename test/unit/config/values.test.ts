import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4, isIPv6, parseCallerId, parseHostPort, parseBool } from '../../../src/config/values.ts';
import { closest } from '../../../src/config/diagnostics.ts';

test('IPv4 and IPv6 address recognition', () => {
  for (const a of ['0.0.0.0', '192.168.1.10', '255.255.255.255']) assert.equal(isIPv4(a), true, a);
  for (const a of ['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d']) assert.equal(isIPv4(a), false, a);
  for (const a of ['::', '::1', 'fd00::5', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1']) assert.equal(isIPv6(a), true, a);
  for (const a of ['1:2:3:4:5:6:7:8:9', '1::2::3', 'fd00:::1', '12345::', ':', 'g::1']) assert.equal(isIPv6(a), false, a);
});

test('host[:port] forms', () => {
  const table: [string, unknown][] = [
    ['pbx.lan', { host: 'pbx.lan' }],
    ['10.0.0.1:5080', { host: '10.0.0.1', port: 5080 }],
    ['[fd00::1]:5060', { host: 'fd00::1', port: 5060 }],
    ['fd00::1', { host: 'fd00::1' }],
  ];
  for (const [input, want] of table) assert.deepEqual(parseHostPort(input), { ok: true, value: want }, input);
  assert.deepEqual(parseHostPort('bad_host:5060'), { ok: false, why: `'bad_host' is not a valid host name or address` });
  assert.deepEqual(parseHostPort('[::1]:0'), { ok: false, why: 'port 0 is out of range 1-65535' });
  assert.deepEqual(parseHostPort('[zz]:5060'), { ok: false, why: `'[zz]:5060' is not a valid [IPv6]:PORT` });
});

test('caller ID forms Asterisk accepts', () => {
  const table: [string, unknown][] = [
    ['"Joe Bloggs" <2000>', { name: 'Joe Bloggs', number: '2000' }],
    ['Joe Bloggs <2000>', { name: 'Joe Bloggs', number: '2000' }],
    ['<2000>', { number: '2000' }],
    ['+441632960123', { number: '+441632960123' }],
    ['Reception', { name: 'Reception' }],
    ['"Say \\"hi\\"" <1>', { name: 'Say "hi"', number: '1' }],
  ];
  for (const [input, want] of table) assert.deepEqual(parseCallerId(input), { ok: true, value: want }, input);
  assert.equal(parseCallerId('Joe <20a0>').ok, false);
});

test('Asterisk yes/no words', () => {
  for (const w of ['yes', 'YES', 'true', 'on', '1', 'y']) assert.deepEqual(parseBool(w), { ok: true, value: true }, w);
  for (const w of ['no', 'false', 'off', '0', 'n']) assert.deepEqual(parseBool(w), { ok: true, value: false }, w);
  assert.equal(parseBool('maybe').ok, false);
});

test('did-you-mean picks plausible typos only', () => {
  const keys = ['sip', 'rtp', 'syslog', 'country', 'allowguest', 'context'];
  assert.equal(closest('sipp', keys), 'sip');
  assert.equal(closest('contry', keys), 'country');
  assert.equal(closest('alowguest', keys), 'allowguest');
  assert.equal(closest('Context', keys), 'context');
  assert.equal(closest('zzz', keys), undefined);
  assert.equal(closest('hostname', keys), undefined);
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRegisterLine } from '../../../src/config/register-line.ts';

const AT = { file: 'sip.conf', line: 7 };

describe('register => lines (chan_sip syntax)', () => {
  const good: [string, Record<string, unknown>][] = [
    ['4420:pass@sip.example.net', { transport: 'udp', user: '4420', secret: 'pass', host: 'sip.example.net', extension: 's', expiry: 120 }],
    ['4420:pass@sip.example.net:5080/4420', { user: '4420', secret: 'pass', host: 'sip.example.net', port: 5080, extension: '4420', expiry: 120 }],
    ['4420:pass@10.0.0.1/100~300', { host: '10.0.0.1', extension: '100', expiry: 300 }],
    ['4420:pass@10.0.0.1~60', { host: '10.0.0.1', extension: 's', expiry: 60 }],
    ['tcp://4420:pass@sip.example.net', { transport: 'tcp', user: '4420' }],
    ['UDP://4420:pass@sip.example.net', { transport: 'udp' }],
    ['4420@voip.example.com:pass:auth-4420@proxy.example.net', { user: '4420', domain: 'voip.example.com', secret: 'pass', authuser: 'auth-4420', host: 'proxy.example.net' }],
    ['4420:pass:authname@sip.example.net', { user: '4420', secret: 'pass', authuser: 'authname' }],
    ['4420@sip.example.net', { user: '4420', secret: '', host: 'sip.example.net' }],
    ['4420::auth@sip.example.net', { secret: '', authuser: 'auth' }],
    ['4420:p@ss@sip.example.net', { secret: 'p@ss', host: 'sip.example.net' }],
    ['trunk?4420:pass@sip.example.net', { peer: 'trunk', user: '4420' }],
    ['4420:pass@[2001:db8::1]:5062', { host: '2001:db8::1', port: 5062 }],
  ];
  for (const [line, want] of good) {
    test(`parses ${line}`, () => {
      const r = parseRegisterLine(line, 120, AT);
      assert.ok(r.ok, r.ok ? '' : r.why);
      for (const [k, v] of Object.entries(want)) assert.deepEqual((r.value as unknown as Record<string, unknown>)[k], v, k);
      assert.equal(r.value.text, line);
      assert.deepEqual(r.value.origin, AT);
      if (!('domain' in want)) assert.equal(r.value.domain, undefined);
      if (!('authuser' in want)) assert.equal(r.value.authuser, undefined);
    });
  }

  test('the default expiry is the one given (defaultexpiry)', () => {
    const r = parseRegisterLine('4420:pass@sip.example.net', 600, AT);
    assert.ok(r.ok);
    assert.equal(r.value.expiry, 600);
  });

  const bad: [string, RegExp][] = [
    ['4420:pass', /no registrar host/],
    ['4420:pass@', /no registrar host after the last @/],
    ['@sip.example.net', /no user name/],
    [':pass@sip.example.net', /no user name/],
    ['4420:pass@sip.example.net:0', /port 0 is out of range/],
    ['4420:pass@sip.example.net:50x', /port '50x' is not a number/],
    ['4420:pass@sip..example.net', /not a valid host/],
    ['4420:pass@sip.example.net~0', /expiry '0'/],
    ['4420:pass@sip.example.net~abc', /expiry 'abc'/],
    ['4420:pass@sip.example.net/', /extension ''/],
    ['tls://4420:pass@sip.example.net', /tls:\/\/ is not supported/],
    ['sctp://4420:pass@sip.example.net', /unknown transport 'sctp:\/\/'/],
    ['4420:a:b:c@sip.example.net', /too many ':'/],
    ['4420@bad_domain!:pass@sip.example.net', /domain 'bad_domain!'/],
    ['4420:pa ss@sip.example.net', /secret must not hold spaces/],
    ['bad peer?4420:pass@sip.example.net', /peer name/],
  ];
  for (const [line, why] of bad) {
    test(`refuses ${line}`, () => {
      const r = parseRegisterLine(line, 120, AT);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.why, why);
    });
  }
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { advertisedFor, inNetwork, isLocalDestination } from '../../../src/sip/transport/localnet.ts';

describe('localnet matching', () => {
  const table: [string, string, boolean][] = [
    ['192.168.1.20', '192.168.0.0/16', true],
    ['192.169.1.20', '192.168.0.0/16', false],
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['127.0.0.1', '127.0.0.0/24', true],
    ['127.0.1.1', '127.0.0.0/24', false],
    ['127.0.0.2', '127.0.0.2/32', true],
    ['127.0.0.1', '127.0.0.2/32', false],
    ['198.51.100.7', '0.0.0.0/0', true],
    ['172.16.5.4', '172.16.0.0/12', true],
    ['172.32.0.1', '172.16.0.0/12', false],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['fe80::1%eth0', 'fe80::/10', true],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.0/104', true],
    ['::1', '::1/128', true],
    ['10.0.0.1', '::/0', false],
    ['2001:db8::1', '10.0.0.0/8', false],
    ['not-an-address', '10.0.0.0/8', false],
    ['10.0.0.1', '10.0.0.0/33', false],
  ];
  for (const [addr, net, want] of table) {
    test(`${addr} in ${net}: ${want}`, () => assert.equal(inNetwork(addr, net), want));
  }
  test('several localnets: any one matches', () => {
    assert.equal(isLocalDestination('192.168.1.5', ['10.0.0.0/8', '192.168.0.0/16']), true);
    assert.equal(isLocalDestination('8.8.8.8', ['10.0.0.0/8', '192.168.0.0/16']), false);
  });
});

describe('advertised address', () => {
  const local = { host: '127.0.0.1', port: 5060 };
  const ext = { host: '198.51.100.7' };
  test('inside a localnet: the local address', () => {
    assert.deepEqual(advertisedFor('127.0.0.1', local, ext, ['127.0.0.0/24']), local);
  });
  test('outside every localnet: the external address, our port unless one is given', () => {
    assert.deepEqual(advertisedFor('127.0.0.1', local, ext, ['10.0.0.0/8']), { host: '198.51.100.7', port: 5060 });
    assert.deepEqual(advertisedFor('203.0.113.9', local, { host: '198.51.100.7', port: 5080 }, ['10.0.0.0/8']), { host: '198.51.100.7', port: 5080 });
  });
  test('no localnet or no external address: nothing is rewritten', () => {
    assert.deepEqual(advertisedFor('203.0.113.9', local, ext, []), local);
    assert.deepEqual(advertisedFor('203.0.113.9', local, undefined, ['10.0.0.0/8']), local);
  });
});

/**
 * manager.conf deny/permit as Asterisk applies them (last matching rule wins, no match permits),
 * and the values they accept (netmask and CIDR, IPv4 and IPv6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclPermits } from '../../../src/manager/acl.ts';
import { parseAclEntry, type AclRule } from '../../../src/config/manager-conf.ts';

function rules(...lines: [AclRule['sense'], string][]): AclRule[] {
  return lines.map(([sense, v]) => {
    const r = parseAclEntry(v);
    assert.ok(typeof r !== 'string', `${v}: ${String(r)}`);
    return { sense, ...r };
  });
}

test('no rule permits everybody', () => {
  assert.equal(aclPermits([], '192.0.2.1'), true);
});

test('deny all then permit loopback admits only the loopback', () => {
  const acl = rules(['deny', '0.0.0.0/0.0.0.0'], ['permit', '127.0.0.1/255.255.255.255']);
  assert.equal(aclPermits(acl, '127.0.0.1'), true);
  assert.equal(aclPermits(acl, '::ffff:127.0.0.1'), true);
  assert.equal(aclPermits(acl, '127.0.0.2'), false);
  assert.equal(aclPermits(acl, '192.168.1.20'), false);
});

test('CIDR and netmask forms are the same network', () => {
  for (const net of ['192.168.1.0/24', '192.168.1.0/255.255.255.0']) {
    const acl = rules(['deny', '0.0.0.0/0'], ['permit', net]);
    assert.equal(aclPermits(acl, '192.168.1.77'), true, net);
    assert.equal(aclPermits(acl, '192.168.2.77'), false, net);
  }
});

test('the last matching rule decides', () => {
  const acl = rules(['permit', '10.0.0.0/8'], ['deny', '10.1.0.0/16']);
  assert.equal(aclPermits(acl, '10.2.3.4'), true);
  assert.equal(aclPermits(acl, '10.1.3.4'), false);
});

test('IPv6 rules match IPv6 sources only', () => {
  const acl = rules(['deny', '::/0'], ['permit', '2001:db8::/32']);
  assert.equal(aclPermits(acl, '2001:db8:1::5'), true);
  assert.equal(aclPermits(acl, '2001:db9::5'), false);
  assert.equal(aclPermits(acl, '127.0.0.1'), true, 'no IPv4 rule: permitted');
});

test('bad values say why', () => {
  assert.match(String(parseAclEntry('300.1.1.1')), /not an IP address/);
  assert.match(String(parseAclEntry('10.0.0.0/255.0.255.0')), /not contiguous/);
  assert.match(String(parseAclEntry('10.0.0.0/40')), /prefix length|netmask/);
});

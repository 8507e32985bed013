import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/platform/fake-clock.ts';
import { AuthBanList, banKey } from '../../../src/sip/auth/ban.ts';

function setup(maxEntries?: number) {
  const clock = new FakeClock();
  const bans = new AuthBanList({ clock, threshold: 3, windowMs: 60_000, banMs: 600_000, maxEntries });
  return { clock, bans };
}

describe('AuthBanList', () => {
  test('bans after threshold failures within the window, for banMs', () => {
    const { clock, bans } = setup();
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    assert.equal(bans.isBanned('192.0.2.1'), false);
    assert.equal(bans.recordFailure('192.0.2.1'), true);
    assert.equal(bans.isBanned('192.0.2.1'), true);
    assert.equal(bans.isBanned('192.0.2.2'), false, 'other sources unaffected');
    assert.deepEqual(bans.list(), [{ address: '192.0.2.1', until: clock.wallNow() + 600_000, failures: 3 }]);
    clock.advance(599_999);
    assert.equal(bans.isBanned('192.0.2.1'), true);
    clock.advance(1);
    assert.equal(bans.isBanned('192.0.2.1'), false);
    assert.deepEqual(bans.list(), []);
    assert.equal(bans.recordFailure('192.0.2.1'), false, 'a served ban starts a fresh count');
    assert.equal(clock.pending(), 0, 'no timers');
  });

  test('failures spread wider than the window do not ban', () => {
    const { clock, bans } = setup();
    bans.recordFailure('192.0.2.1');
    bans.recordFailure('192.0.2.1');
    clock.advance(60_000);
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    assert.equal(bans.recordFailure('192.0.2.1'), true);
  });

  test('success clears the count but not a ban; unban lifts a ban', () => {
    const { bans } = setup();
    bans.recordFailure('192.0.2.1');
    bans.recordFailure('192.0.2.1');
    bans.recordSuccess('192.0.2.1');
    assert.equal(bans.recordFailure('192.0.2.1'), false);
    bans.recordFailure('192.0.2.1');
    assert.equal(bans.recordFailure('192.0.2.1'), true);
    bans.recordSuccess('192.0.2.1');
    assert.equal(bans.isBanned('192.0.2.1'), true);
    assert.equal(bans.unban('192.0.2.1'), true);
    assert.equal(bans.isBanned('192.0.2.1'), false);
    assert.equal(bans.unban('192.0.2.1'), false);
  });

  test('IPv6 sources count per /64', () => {
    const { bans } = setup();
    bans.recordFailure('2001:db8:1:2::1');
    bans.recordFailure('2001:db8:1:2:aaaa::5');
    assert.equal(bans.recordFailure('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), true);
    assert.equal(bans.isBanned('2001:db8:1:2::99'), true);
    assert.equal(bans.isBanned('2001:db8:1:3::1'), false);
    assert.equal(bans.list()[0]?.address, '2001:db8:1:2::/64');
    assert.equal(bans.unban('2001:db8:1:2::/64'), true);
    assert.equal(banKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(banKey('[2001:db8::1]'), '2001:db8:0:0::/64');
  });

  test('memory is bounded under a flood of sources', () => {
    const { bans } = setup(100);
    bans.recordFailure('198.51.100.1');
    bans.recordFailure('198.51.100.1');
    for (let i = 0; i < 10_000; i++) bans.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.ok(bans.list().length <= 100);
  });
});

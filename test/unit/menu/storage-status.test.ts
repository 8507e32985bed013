/** The status screen's storage lines: where config and data (voicemail) live, from /proc/mounts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storageFacts } from '../../../src/menu/firmware-system.ts';

const cf = { device: '/dev/sda3', mountPoint: '/cf', type: 'vfat', readOnly: true };

test('without a data partition the status says voicemail is in RAM and lost at reboot', () => {
  for (const type of ['tmpfs', 'ramfs']) {
    const lines = storageFacts([cf, { device: 'tmpfs', mountPoint: '/data', type, readOnly: false }]);
    assert.ok(lines.includes('Voicemail: in RAM, lost at reboot (no data partition)'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('data in RAM')), lines.join('\n'));
  }
  const unmounted = storageFacts([cf]);
  assert.ok(unmounted.includes('Voicemail: in RAM, lost at reboot (no data partition)'), unmounted.join('\n'));
});

test('on the data partition there is no RAM warning', () => {
  const lines = storageFacts([cf, { device: '/dev/sda4', mountPoint: '/data', type: 'ext4', readOnly: false }]);
  assert.deepEqual(lines, ['config on /dev/sda3 (vfat), read-only', 'data on /dev/sda4 (ext4)']);
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { inspectTarget, describeTarget, writeAndVerify } from '../../../firmware/lib/flash.mjs';

/** A fake /sys with: sda (system disk, sda1 on /), sdb (USB card reader, 8 GiB, sdb1), mmcblk0 (SD). */
function fakeSys(root: string): void {
  const disk = (name: string, dev: string, sectors: number, o: { vendor?: string; model?: string; removable?: boolean; ro?: boolean; parts?: [string, string][]; holders?: string[] } = {}) => {
    const d = join(root, 'block', name);
    mkdirSync(join(d, 'device'), { recursive: true });
    mkdirSync(join(d, 'holders'), { recursive: true });
    writeFileSync(join(d, 'dev'), `${dev}\n`);
    writeFileSync(join(d, 'size'), `${sectors}\n`);
    writeFileSync(join(d, 'removable'), o.removable ? '1\n' : '0\n');
    writeFileSync(join(d, 'ro'), o.ro ? '1\n' : '0\n');
    if (o.vendor) writeFileSync(join(d, 'device', 'vendor'), `${o.vendor}   \n`);
    if (o.model) writeFileSync(join(d, 'device', 'model'), `${o.model}\n`);
    for (const h of o.holders ?? []) mkdirSync(join(d, 'holders', h));
    for (const [p, pdev] of o.parts ?? []) {
      mkdirSync(join(d, p, 'holders'), { recursive: true });
      writeFileSync(join(d, p, 'partition'), '1\n');
      writeFileSync(join(d, p, 'dev'), `${pdev}\n`);
      mkdirSync(join(root, 'class', 'block', p), { recursive: true });
      writeFileSync(join(root, 'class', 'block', p, 'partition'), '1\n');
    }
  };
  disk('sda', '8:0', 500118192, { vendor: 'ATA', model: 'Samsung SSD', parts: [['sda1', '8:1'], ['sda2', '8:2']] });
  disk('sdb', '8:16', 15523840, { vendor: 'Generic', model: 'STORAGE DEVICE', removable: true, parts: [['sdb1', '8:17']] });
  disk('mmcblk0', '179:0', 62333952, { parts: [['mmcblk0p1', '179:1']] });
  disk('sdc', '8:32', 0, { removable: true });
  disk('sdd', '8:48', 15523840, { ro: true });
  disk('sde', '8:64', 15523840, { holders: ['dm-0'] });
  writeFileSync(join(root, 'block', 'mmcblk0', 'device', 'name'), 'SC16G\n');
}

const MOUNTS = `/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
/dev/sda2 /home ext4 rw 0 0
tmpfs /run tmpfs rw 0 0
`;

describe('flash target checks (fake /sys)', () => {
  let sys = '';
  before(() => {
    sys = mkdtempSync(join(tmpdir(), 'pbx-fakesys-'));
    fakeSys(sys);
  });
  after(() => rmSync(sys, { recursive: true, force: true }));

  test('an unmounted removable card passes and is described with model, size and partitions', () => {
    const t = inspectTarget('sdb', { sys, mounts: MOUNTS, rootDev: '8:1', imageBytes: 48 << 20 });
    assert.deepEqual(t.problems, []);
    assert.equal(describeTarget(t), '/dev/sdb: Generic STORAGE DEVICE, 7.4 GiB, removable, partitions sdb1');
    const sd = inspectTarget('mmcblk0', { sys, mounts: MOUNTS, rootDev: '8:1' });
    assert.deepEqual(sd.problems, []);
    assert.match(describeTarget(sd), /^\/dev\/mmcblk0: SC16G, 29\.7 GiB, partitions mmcblk0p1$/);
  });

  test('the disk holding / is refused, by device number and by the mount table', () => {
    const byNumber = inspectTarget('sda', { sys, mounts: '', rootDev: '8:1' });
    assert.match(byNumber.problems.join('\n'), /the running system\) is on sda1: this is the system disk/);
    const byMount = inspectTarget('sda', { sys, mounts: MOUNTS, rootDev: '0:35' });
    assert.match(byMount.problems.join('\n'), /mounted from \/dev\/sda1: this is the system disk/);
    assert.match(byMount.problems.join('\n'), /\/dev\/sda2 is mounted on \/home; unmount it first/);
  });

  test('a card with a mounted partition is refused until it is unmounted', () => {
    const t = inspectTarget('sdb', { sys, mounts: `${MOUNTS}/dev/sdb1 /media/my\\040card vfat rw 0 0\n`, rootDev: '8:1' });
    assert.deepEqual(t.problems, ['/dev/sdb1 is mounted on /media/my card; unmount it first']);
  });

  test('a partition, an unknown name, swap, LVM holders, write protection, no medium and a too small card are refused', () => {
    assert.deepEqual(inspectTarget('sdb1', { sys, mounts: '' }).problems, ['sdb1 is a partition; give the whole disk (/dev/sdb)']);
    assert.deepEqual(inspectTarget('sdz', { sys, mounts: '' }).problems, ['sdz is not a block device known to the kernel']);
    const swaps = 'Filename Type Size Used Priority\n/dev/sdb1 partition 1000 0 -2\n';
    assert.deepEqual(inspectTarget('sdb', { sys, mounts: '', swaps }).problems, ['/dev/sdb1 is in use as swap']);
    assert.deepEqual(inspectTarget('sde', { sys, mounts: '' }).problems, ['sde is in use by dm-0 (LVM, RAID or encryption)']);
    assert.deepEqual(inspectTarget('sdd', { sys, mounts: '' }).problems, ['sdd is write-protected']);
    assert.deepEqual(inspectTarget('sdc', { sys, mounts: '' }).problems, ['sdc has no medium (size 0)']);
    assert.deepEqual(inspectTarget('sdb', { sys, mounts: '', imageBytes: 16 * 2 ** 30 }).problems, ['sdb holds 7.4 GiB, the image needs 16.0 GiB']);
  });
});

describe('flash write and read-back verification (plain file as the card)', () => {
  test('writes every byte, reports the SHA-256 and verifies it by reading back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-flash-'));
    try {
      const card = join(dir, 'card.bin');
      writeFileSync(card, Buffer.alloc(8 << 20, 0xee));
      const image = randomBytes(3 << 20);
      const chunks = [image.subarray(0, 1000), image.subarray(1000, 2 << 20), image.subarray(2 << 20)];
      let flushed = false;
      const r = await writeAndVerify(chunks, card, { exclusive: false, flush: async () => void (flushed = true) });
      assert.equal(r.bytes, image.length);
      assert.equal(r.sha256, createHash('sha256').update(image).digest('hex'));
      assert.equal(r.verified, true);
      assert.ok(flushed, 'the cache is flushed between write and read-back');
      const onCard = readFileSync(card);
      assert.deepEqual(onCard.subarray(0, image.length), image);
      assert.equal(onCard[image.length], 0xee, 'bytes after the image are left alone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a medium that does not keep what was written fails the verification', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-flash-'));
    try {
      const card = join(dir, 'card.bin');
      writeFileSync(card, Buffer.alloc(1 << 20));
      // The "flush" simulates a card that silently drops a write: it corrupts one byte.
      const r = await writeAndVerify([Buffer.alloc(4096, 1)], card, {
        exclusive: false,
        flush: async () => writeFileSync(card, Buffer.alloc(1, 9), { flag: 'r+' }),
      });
      assert.equal(r.verified, false);
      assert.notEqual(r.readBack, r.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModulesDep, resolveModules, moduleName } from '../../../firmware/lib/kmod.mjs';
import { MiB, partitionMiB, planLayout, sfdiskScript } from '../../../firmware/lib/layout.mjs';
import { parseSources, mirrorsFor } from '../../../firmware/lib/sources.mjs';
import { listBoards, loadBoard, loadRecipe } from '../../../firmware/lib/board.mjs';
import { qemuArgs } from '../../../firmware/lib/qemu.mjs';

const DEP = `kernel/fs/squashfs/squashfs.ko:
kernel/fs/fat/vfat.ko: kernel/fs/fat/fat.ko
kernel/fs/fat/fat.ko:
kernel/drivers/scsi/sd_mod.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko kernel/lib/crc-t10dif.ko
kernel/drivers/ata/ata_piix.ko: kernel/drivers/ata/libata.ko kernel/drivers/scsi/scsi_mod.ko
kernel/drivers/ata/libata.ko: kernel/drivers/scsi/scsi_mod.ko
kernel/drivers/scsi/scsi_mod.ko: kernel/drivers/scsi/scsi_common.ko
kernel/drivers/scsi/scsi_common.ko:
kernel/lib/crc-t10dif.ko:
`;

describe('kernel module selection', () => {
  test('names are file stems with - folded to _', () => {
    assert.equal(moduleName('kernel/lib/crc-t10dif.ko'), 'crc_t10dif');
    assert.equal(moduleName('kernel/fs/fat/vfat.ko.xz'), 'vfat');
  });

  test('wanted modules come with their dependencies, dependencies first, each once', () => {
    const r = resolveModules(parseModulesDep(DEP), ['ata_piix', 'sd_mod', 'vfat']);
    const names = r.order.map((m) => m.name);
    assert.deepEqual(names, ['scsi_common', 'scsi_mod', 'libata', 'ata_piix', 'crc_t10dif', 'sd_mod', 'fat', 'vfat']);
    assert.deepEqual(r.missing, []);
    for (const [i, m] of r.order.entries()) {
      const deps = parseModulesDep(DEP).get(m.name)!.deps;
      for (const d of deps) assert.ok(names.indexOf(d) < i, `${d} loads before ${m.name}`);
    }
  });

  test('names that are built in or absent are reported, not fatal', () => {
    const r = resolveModules(parseModulesDep(DEP), ['af_packet', 'squashfs', 'af-packet']);
    assert.deepEqual(r.order.map((m) => m.name), ['squashfs']);
    assert.deepEqual(r.missing, ['af_packet']);
  });
});

describe('disk layout', () => {
  test('"fit" sizes round content plus headroom up to whole MiB; fixed sizes must hold the content', () => {
    assert.equal(partitionMiB('fit', 10.2 * MiB, { headroomMiB: 1 }), 12);
    assert.equal(partitionMiB('fit', 30 * MiB, { headroomPercent: 2 }), 31);
    assert.equal(partitionMiB(64, 30 * MiB), 64);
    assert.throws(() => partitionMiB(16, 30 * MiB, { name: 'root' }), /root: content is 30\.0 MiB but the board gives it 16 MiB/);
    assert.throws(() => partitionMiB(1.5, 1), /whole number of MiB/);
  });

  test('partitions follow each other from 1 MiB, empty ones are left out, and sfdisk gets sectors', () => {
    const plan = planLayout([
      { name: 'boot', sizeMiB: 12, type: 'e', bootable: true },
      { name: 'root', sizeMiB: 31, type: '83' },
      { name: 'cf', sizeMiB: 4, type: 'e' },
      { name: 'data', sizeMiB: 0, type: '83' },
    ]);
    assert.deepEqual(plan.parts.map((p) => [p.number, p.name, p.startMiB, p.sizeMiB]), [[1, 'boot', 1, 12], [2, 'root', 13, 31], [3, 'cf', 44, 4]]);
    assert.equal(plan.totalMiB, 48);
    assert.equal(
      sfdiskScript(plan, 0x1234abcd),
      'label: dos\nlabel-id: 0x1234abcd\nunit: sectors\n\n' +
        'start=2048, size=24576, type=e, bootable\nstart=26624, size=63488, type=83\nstart=90112, size=8192, type=e\n',
    );
  });
});

describe('Debian mirrors from the host apt configuration', () => {
  test('deb822 and one-line sources; only the recipe suite and its -updates/-security; deb-src and others ignored', () => {
    const deb822 = `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
`;
    const oneLine = '# comment\ndeb [arch=amd64] https://example.org/apt nodistro main\ndeb http://mirror.local/debian bookworm main contrib\n';
    const entries = [...parseSources(deb822, true), ...parseSources(oneLine, false)];
    assert.deepEqual(mirrorsFor(entries, 'bookworm'), [
      'deb http://deb.debian.org/debian bookworm main',
      'deb http://deb.debian.org/debian bookworm-updates main',
      'deb http://deb.debian.org/debian-security bookworm-security main',
      'deb http://mirror.local/debian bookworm main contrib',
    ]);
  });
});

describe('boards', () => {
  test('apu, i686 and arm64 exist with architecture, kernel flavour and console', () => {
    assert.deepEqual(listBoards(), ['apu', 'arm64', 'i686']);
    const expect: Record<string, [string, string, string]> = {
      apu: ['amd64', 'linux-image-amd64', 'ttyS0'],
      i686: ['i386', 'linux-image-686', 'ttyS0'],
      arm64: ['arm64', 'linux-image-arm64', 'ttyAMA0'],
    };
    for (const [name, [arch, kernel, console]] of Object.entries(expect)) {
      const b = loadBoard(name);
      assert.equal(b.arch, arch);
      assert.equal(b.kernel, kernel);
      assert.equal(b.console.device, console);
      assert.equal(b.console.speed, 115200);
      assert.ok(b.ttys.includes(console), `${name} runs the menu on its serial console`);
    }
    assert.throws(() => loadBoard('alix'), /unknown board 'alix'; boards: apu, arm64, i686/);
    assert.throws(() => loadBoard('../package'), /unknown board/);
  });

  test('the recipe installs node, busybox and spandsp and keeps squashfs and vfat drivers', () => {
    const r = loadRecipe();
    for (const p of ['nodejs', 'busybox', 'libspandsp2']) assert.ok(r.packages.includes(p), p);
    assert.ok(r.modules.boot.includes('squashfs'));
    assert.ok(r.modules.system.includes('vfat'));
  });

  test('QEMU host forwards listen on 127.0.0.1 only, and the disk is the image', () => {
    const { binary, args } = qemuArgs(loadBoard('apu'), {
      image: '/x/pbx.img',
      snapshot: true,
      forwards: [{ proto: 'udp', host: 15060, guest: 5060 }, { proto: 'tcp', host: 15061, guest: 5060 }],
    });
    assert.equal(binary, 'qemu-system-x86_64');
    const netdev = args[args.indexOf('-netdev') + 1];
    assert.equal(netdev, 'user,id=lan,ipv6=off,hostfwd=udp:127.0.0.1:15060-:5060,hostfwd=tcp:127.0.0.1:15061-:5060');
    assert.ok(args.includes('-accel') && args[args.indexOf('-accel') + 1] === 'tcg');
    assert.match(args[args.indexOf('-drive') + 1], /^file=\/x\/pbx\.img,format=raw,.*snapshot=on/);
    assert.throws(() => qemuArgs(loadBoard('apu'), { image: 'x', forwards: [{ proto: 'sctp', host: 1, guest: 1 }] }), /forward protocol/);
  });
});

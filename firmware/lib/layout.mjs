// Disk layout of the image (MBR, so every BIOS and U-Boot reads it):
//   1 boot  FAT, label PBXBOOT, active: syslinux or extlinux.conf, kernel, initramfs
//   2 root  squashfs, read-only, found by the initramfs as "partition 2 of the PBXBOOT disk"
//   3 cf    FAT, label PBXCF: pbx.conf, editable from any PC, mounted read-only at /cf
//   4 data  ext4, label PBXDATA, optional: registrations, AstDB, voicemail
// Sizes are whole MiB; partitions start on MiB boundaries (flash erase blocks).

export const MiB = 1024 * 1024;
const SECTOR = 512;

/** Partition size in MiB: a number from board.json, or "fit" = content plus headroom. */
export function partitionMiB(spec, contentBytes, { headroomMiB = 0, headroomPercent = 0, name = 'partition' } = {}) {
  const contentMiB = contentBytes / MiB;
  if (spec === 'fit' || spec === undefined) {
    return Math.max(1, Math.ceil(contentMiB * (1 + headroomPercent / 100) + headroomMiB));
  }
  if (typeof spec !== 'number' || !Number.isInteger(spec) || spec < 1) {
    throw new Error(`${name}: size must be a whole number of MiB or "fit", got ${JSON.stringify(spec)}`);
  }
  if (contentBytes > spec * MiB) {
    throw new Error(`${name}: content is ${contentMiB.toFixed(1)} MiB but the board gives it ${spec} MiB`);
  }
  return spec;
}

/**
 * Places partitions one after the other from `alignMiB`.
 * @param {{name: string, sizeMiB: number, type: string, bootable?: boolean}[]} parts
 */
export function planLayout(parts, alignMiB = 1) {
  let startMiB = alignMiB;
  const placed = parts
    .filter((p) => p.sizeMiB > 0)
    .map((p, i) => {
      const out = { ...p, number: i + 1, startMiB, offset: startMiB * MiB, bytes: p.sizeMiB * MiB };
      startMiB += p.sizeMiB;
      return out;
    });
  return { parts: placed, totalMiB: startMiB, totalBytes: startMiB * MiB };
}

/** sfdisk input for the plan; `diskId` is the 32-bit MBR disk signature (PARTUUID prefix). */
export function sfdiskScript(plan, diskId) {
  const lines = ['label: dos', `label-id: 0x${(diskId >>> 0).toString(16).padStart(8, '0')}`, 'unit: sectors', ''];
  for (const p of plan.parts) {
    const start = p.offset / SECTOR;
    const size = p.bytes / SECTOR;
    lines.push(`start=${start}, size=${size}, type=${p.type}${p.bootable ? ', bootable' : ''}`);
  }
  return lines.join('\n') + '\n';
}

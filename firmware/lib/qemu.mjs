// QEMU command line for booting a built image the way the board would: the disk image as the
// board's disk, the serial console on stdio, user-mode networking whose host forwards listen on
// 127.0.0.1 only. Shared by scripts/qemu.mjs (interactive) and test/firmware (driven).

/** Default forwards: host 127.0.0.1:<port> -> guest <port>. */
export const DEFAULT_FORWARDS = [
  { proto: 'udp', host: 15060, guest: 5060 },
  { proto: 'tcp', host: 15060, guest: 5060 },
];

/**
 * @param {object} board board.json
 * @param {{image: string, kernel?: string, initrd?: string, append?: string, forwards?: {proto: string, host: number, guest: number}[],
 *          serial?: 'stdio' | 'mon', snapshot?: boolean, memoryMiB?: number, noReboot?: boolean, rescue?: boolean}} o
 *   rescue: with direct kernel boot, boot the rescue entry (root shell on the console)
 */
export function qemuArgs(board, o) {
  const q = board.qemu;
  const args = [...q.args, '-m', String(o.memoryMiB ?? q.memoryMiB), '-smp', '1', '-accel', 'tcg', '-no-user-config', '-nodefaults'];
  const fwds = (o.forwards ?? DEFAULT_FORWARDS).map((f) => {
    if (!['udp', 'tcp'].includes(f.proto)) throw new Error(`forward protocol ${f.proto}`);
    return `hostfwd=${f.proto}:127.0.0.1:${f.host}-:${f.guest}`;
  });
  args.push('-netdev', ['user', 'id=lan', 'ipv6=off', ...fwds].join(','), '-device', `${q.nic},netdev=lan`);
  const drive = `file=${o.image},format=raw,cache=unsafe${o.snapshot ? ',snapshot=on' : ''}`;
  if (q.disk === 'virtio') args.push('-drive', `${drive},if=none,id=card`, '-device', 'virtio-blk-pci,drive=card');
  else args.push('-drive', `${drive},if=ide,index=0,media=disk`);
  if (q.directKernel) {
    // No BIOS loader on this machine model: hand QEMU the kernel and initramfs from the build.
    if (!o.kernel || !o.initrd) throw new Error(`board ${board.name} boots QEMU with -kernel; give kernel and initrd`);
    args.push('-kernel', o.kernel, '-initrd', o.initrd, '-append', o.append ?? `console=${board.console.device},${board.console.speed} quiet panic=10${o.rescue ? ' pbx.rescue' : ''}`);
  }
  if (o.serial === 'mon') {
    // Interactive: Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor.
    args.push('-nographic', '-serial', 'mon:stdio');
  } else {
    args.push('-display', 'none', '-chardev', 'stdio,id=console,signal=off', '-serial', 'chardev:console', '-monitor', 'none');
  }
  // Tests want a guest reboot to end QEMU (they restart it) rather than loop unseen.
  if (o.noReboot) args.push('-no-reboot');
  args.push('-name', `pbx-${board.name}`);
  return { binary: q.binary, args };
}

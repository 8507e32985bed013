#!/usr/bin/env node
// npm run qemu -- --board apu [--image FILE] [--fwd udp:15060:5060 ...] [--rtp 10000-10019] [--persist]
// Boots the built image in QEMU (TCG) with the serial console on this terminal (Ctrl-A X quits).
// By default the image is used in snapshot mode (writes are discarded); --persist keeps them.
// --rtp START-END forwards that UDP range port for port (set the same `rtp = START-END` in the
// guest's pbx.conf to make calls with audio from this host; phones keep nat = yes).
import { $, fs, minimist } from 'zx';
import { spawn } from 'node:child_process';
import { loadBoard, packageVersion, buildPaths } from '../firmware/lib/board.mjs';
import { qemuArgs, DEFAULT_FORWARDS } from '../firmware/lib/qemu.mjs';

const argv = minimist(process.argv.slice(2), { string: ['board', 'image', 'fwd', 'rtp'], boolean: ['persist', 'help'] });
if (argv.help || !argv.board) {
  console.log('usage: npm run qemu -- --board NAME [--image FILE] [--fwd PROTO:HOSTPORT:GUESTPORT]... [--rtp START-END] [--persist]');
  process.exit(argv.help ? 0 : 2);
}
const board = loadBoard(argv.board);
const paths = buildPaths(board.name, packageVersion());
const image = argv.image ?? paths.image;
if (!fs.existsSync(image)) {
  console.error(`qemu: no image at ${image}; build it with: npm run image -- --board ${board.name}`);
  process.exit(1);
}
const fwdArgs = [argv.fwd ?? []].flat();
const forwards = fwdArgs.length
  ? fwdArgs.map((f) => {
      const [proto, host, guest] = String(f).split(':');
      return { proto, host: Number(host), guest: Number(guest) };
    })
  : DEFAULT_FORWARDS;
const rtpForwards = [];
if (argv.rtp) {
  const m = /^(\d+)-(\d+)$/.exec(argv.rtp);
  if (!m || Number(m[2]) < Number(m[1]) || Number(m[2]) - Number(m[1]) > 200) {
    console.error('qemu: --rtp START-END, at most 200 ports (each is one QEMU forward)');
    process.exit(2);
  }
  for (let p = Number(m[1]); p <= Number(m[2]); p++) rtpForwards.push({ proto: 'udp', host: p, guest: p });
}
const { binary, args } = qemuArgs(board, {
  image, kernel: paths.kernel, initrd: paths.initrd, forwards: [...forwards, ...rtpForwards], serial: 'mon', snapshot: !argv.persist,
});
if ((await $`command -v ${binary}`.nothrow().quiet()).exitCode !== 0) {
  const pkg = binary === 'qemu-system-aarch64' ? 'qemu-system-arm' : 'qemu-system-x86';
  console.error(`qemu: ${binary} not found. Install it:\n  apt-get install -y --no-install-recommends ${pkg}`);
  process.exit(1);
}
console.error(`Booting ${image} (${argv.persist ? 'writes kept' : 'snapshot: writes discarded'}); forwards ${forwards
  .map((f) => `${f.proto} 127.0.0.1:${f.host}->${f.guest}`).join(', ')}${argv.rtp ? `, udp 127.0.0.1:${argv.rtp} (RTP, port for port)` : ''}. Ctrl-A X quits.`);
const child = spawn(binary, args, { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));

#!/usr/bin/env node
// node scripts/flash.mjs IMAGE DEVICE [--yes]
// Writes a firmware image (.img or .img.xz) to a CF/SD card or USB stick. Refuses mounted devices,
// partitions, the disk the running system is on, and disks in use by LVM/RAID/swap; shows model
// and size and asks for the device name as confirmation (unless --yes); verifies by reading back.
import { $, fs, minimist } from 'zx';
import { spawn } from 'node:child_process';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { inspectTarget, describeTarget, writeAndVerify, gib } from '../firmware/lib/flash.mjs';

$.quiet = true;
const argv = minimist(process.argv.slice(2), { boolean: ['yes', 'help'] });
const [image, device] = argv._.map(String);
if (argv.help || !image || !device) {
  console.log('usage: node scripts/flash.mjs IMAGE(.img|.img.xz) /dev/DEVICE [--yes]');
  process.exit(argv.help ? 0 : 2);
}
const fail = (msg) => {
  console.error(`flash: ${msg}`);
  process.exit(1);
};
if (!fs.existsSync(image)) fail(`no image ${image}`);
const xz = image.endsWith('.xz');
let imageBytes = statSync(image).size;
if (xz) {
  const list = (await $`xz --robot --list ${image}`).stdout;
  imageBytes = Number(list.split('\n').find((l) => l.startsWith('totals'))?.split('\t')[4]);
  if (!imageBytes) fail(`cannot read the uncompressed size of ${image}`);
}

let real;
try {
  real = realpathSync(device);
} catch {
  fail(`no device ${device}`);
}
if (!statSync(real).isBlockDevice()) fail(`${device} is not a block device`);
const rootStat = statSync('/');
const major = (dev) => Math.floor(dev / 256) & 0xfff;
const minor = (dev) => (dev & 0xff) | ((dev >> 12) & 0xfff00);
const target = inspectTarget(real.replace(/^\/dev\//, ''), {
  sys: '/sys',
  mounts: fs.readFileSync('/proc/mounts', 'utf8'),
  swaps: fs.existsSync('/proc/swaps') ? fs.readFileSync('/proc/swaps', 'utf8') : '',
  rootDev: `${major(rootStat.dev)}:${minor(rootStat.dev)}`,
  imageBytes,
});
if (target.problems.length) fail(`refusing to write ${device}:\n  ${target.problems.join('\n  ')}`);

console.log(`Image:  ${image} (${gib(imageBytes)}${xz ? ' uncompressed' : ''})`);
console.log(`Target: ${describeTarget(target)}`);
console.log(`Everything on /dev/${target.name} will be erased.`);
if (!argv.yes) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(`Type ${target.name} to write, anything else to stop: `)).trim();
  rl.close();
  if (answer !== target.name) fail('stopped, nothing written');
}

function imageChunks() {
  if (!xz) return createReadStream(image, { highWaterMark: 4 << 20 });
  const child = spawn('xz', ['-dc', image], { stdio: ['ignore', 'pipe', 'inherit'] });
  return child.stdout;
}
const t0 = Date.now();
let last = 0;
const result = await writeAndVerify(imageChunks(), real, {
  flush: async () => {
    await $`blockdev --flushbufs ${real}`.nothrow();
  },
  onProgress: (bytes) => {
    if (Date.now() - last < 1000) return;
    last = Date.now();
    const s = (Date.now() - t0) / 1000;
    process.stdout.write(`\r  ${gib(bytes)} of ${gib(imageBytes)} written, ${(bytes / (1 << 20) / s).toFixed(1)} MiB/s   `);
  },
});
process.stdout.write('\n');
if (result.bytes !== imageBytes) fail(`wrote ${result.bytes} bytes, expected ${imageBytes}`);
if (!result.verified) fail(`verification FAILED: wrote sha256 ${result.sha256}, read back ${result.readBack}`);
console.log(`Written and verified (sha256 ${result.sha256}) in ${((Date.now() - t0) / 1000).toFixed(0)} s. You can remove the card.`);

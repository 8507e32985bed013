// Safety checks and the write itself for scripts/flash.mjs. Everything reads a sysfs tree and
// mount tables given as arguments, so tests run it against a fake /sys and never a real disk.
import { readFileSync, readdirSync, existsSync, openSync, writeSync, fsyncSync, closeSync, readSync, constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const readTrim = (p) => {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/**
 * What we know about a target disk and every reason not to write to it.
 * @param {string} name kernel name of the device (sdb, mmcblk0), from /dev/<name>
 * @param {{sys: string, mounts: string, swaps?: string, rootDev?: string, imageBytes?: number}} env
 *   sys: the sysfs root; mounts: /proc/mounts text; swaps: /proc/swaps text;
 *   rootDev: "MAJOR:MINOR" of the filesystem holding / (from stat('/').dev)
 */
export function inspectTarget(name, env) {
  const problems = [];
  const block = join(env.sys, 'block', name);
  if (!existsSync(block)) {
    const cls = join(env.sys, 'class', 'block', name);
    if (existsSync(join(cls, 'partition'))) {
      const parent = parentOf(env.sys, name);
      problems.push(`${name} is a partition; give the whole disk${parent ? ` (/dev/${parent})` : ''}`);
    } else problems.push(`${name} is not a block device known to the kernel`);
    return { name, problems };
  }
  const partitions = readdirSync(block).filter((e) => existsSync(join(block, e, 'partition'))).sort();
  const sizeBytes = Number(readTrim(join(block, 'size')) ?? 0) * 512;
  const vendor = readTrim(join(block, 'device', 'vendor')) ?? '';
  const model = readTrim(join(block, 'device', 'model')) ?? readTrim(join(block, 'device', 'name')) ?? '';
  const removable = readTrim(join(block, 'removable')) === '1';
  const devNumbers = new Map([[readTrim(join(block, 'dev')), name], ...partitions.map((p) => [readTrim(join(block, p, 'dev')), p])]);
  const names = new Set([name, ...partitions]);

  if (env.rootDev && devNumbers.has(env.rootDev)) {
    problems.push(`/ (the running system) is on ${devNumbers.get(env.rootDev)}: this is the system disk`);
  }
  for (const line of env.mounts.split('\n')) {
    const [dev, mountPoint] = line.split(' ');
    if (!dev || !dev.startsWith('/dev/')) continue;
    const base = dev.slice(5);
    if (names.has(base)) {
      if (mountPoint === '/') problems.push(`/ (the running system) is mounted from /dev/${base}: this is the system disk`);
      else problems.push(`/dev/${base} is mounted on ${mountPoint.replace(/\\040/g, ' ')}; unmount it first`);
    }
  }
  for (const line of (env.swaps ?? '').split('\n').slice(1)) {
    const dev = line.split(/\s+/)[0];
    if (dev?.startsWith('/dev/') && names.has(dev.slice(5))) problems.push(`${dev} is in use as swap`);
  }
  for (const n of names) {
    const dir = n === name ? join(block, 'holders') : join(block, n, 'holders');
    const holders = existsSync(dir) ? readdirSync(dir) : [];
    if (holders.length) problems.push(`${n} is in use by ${holders.join(', ')} (LVM, RAID or encryption)`);
  }
  if (readTrim(join(block, 'ro')) === '1') problems.push(`${name} is write-protected`);
  if (sizeBytes === 0) problems.push(`${name} has no medium (size 0)`);
  else if (env.imageBytes !== undefined && sizeBytes < env.imageBytes) {
    problems.push(`${name} holds ${gib(sizeBytes)}, the image needs ${gib(env.imageBytes)}`);
  }
  return { name, sizeBytes, vendor, model, removable, partitions, problems };
}

function parentOf(sys, part) {
  const blockDir = join(sys, 'block');
  if (!existsSync(blockDir)) return undefined;
  return readdirSync(blockDir).find((d) => existsSync(join(blockDir, d, part)));
}

export function gib(bytes) {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : `${(bytes / (1 << 20)).toFixed(0)} MiB`;
}

export function describeTarget(t) {
  const what = [t.vendor, t.model].filter(Boolean).join(' ') || 'unknown model';
  return `/dev/${t.name}: ${what}, ${gib(t.sizeBytes)}${t.removable ? ', removable' : ''}${t.partitions.length ? `, partitions ${t.partitions.join(' ')}` : ''}`;
}

/**
 * Writes `chunks` (an async iterable of Buffers: the image) to `target`, fsyncs, then reads the
 * same number of bytes back and compares SHA-256. `flush` (BLKFLSBUF on a real disk) runs between
 * the write and the read-back so the check reads the medium, not the page cache.
 * @returns {Promise<{bytes: number, sha256: string, verified: boolean, readBack: string}>}
 */
export async function writeAndVerify(chunks, target, { exclusive = true, flush, onProgress } = {}) {
  const fd = openSync(target, constants.O_WRONLY | (exclusive ? constants.O_EXCL : 0));
  const h = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off, bytes + off);
      h.update(chunk);
      bytes += chunk.length;
      onProgress?.(bytes);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const sha256 = h.digest('hex');
  await flush?.();
  const rfd = openSync(target, constants.O_RDONLY);
  const r = createHash('sha256');
  try {
    const buf = Buffer.alloc(4 << 20);
    let done = 0;
    while (done < bytes) {
      const n = readSync(rfd, buf, 0, Math.min(buf.length, bytes - done), done);
      if (n === 0) break;
      r.update(buf.subarray(0, n));
      done += n;
    }
    if (done < bytes) return { bytes, sha256, verified: false, readBack: `short read: ${done} of ${bytes} bytes` };
  } finally {
    closeSync(rfd);
  }
  const readBack = r.digest('hex');
  return { bytes, sha256, verified: readBack === sha256, readBack };
}

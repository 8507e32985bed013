#!/usr/bin/env node
// npm run image -- --board apu [--data-mib N] [--keep-work]
// Builds firmware/out/pbx-<board>-<version>.img (+ .img.xz and .manifest.json) from Debian
// packages (mmdebstrap), our bundle and overlay/. Needs root (loop-free: partitions are built as
// files and placed with dd). Re-runs reuse the packages in firmware/cache/<arch>/.
import { $, fs, path, minimist } from 'zx';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { REPO, loadBoard, loadRecipe, packageVersion, buildPaths, cachePaths } from '../firmware/lib/board.mjs';
import { hostMirrors } from '../firmware/lib/sources.mjs';
import { parseModulesDep, resolveModules } from '../firmware/lib/kmod.mjs';
import { MiB, partitionMiB, planLayout, sfdiskScript } from '../firmware/lib/layout.mjs';
import { convertTree } from '../firmware/lib/sounds.mjs';

$.verbose = false;
$.quiet = true;
const argv = minimist(process.argv.slice(2), { string: ['board', 'bundle'], boolean: ['keep-work', 'help', 'without-security'] });
if (argv.help || !argv.board) {
  console.log('usage: npm run image -- --board NAME [--data-mib N] [--bundle FILE] [--keep-work]\n  --bundle FILE  put FILE in the image instead of building dist/pbx.mjs (development)\n  --without-security  leave out the -security suite (when its mirror is broken; the manifest says so)');
  process.exit(argv.help ? 0 : 2);
}

const board = loadBoard(argv.board);
const recipe = loadRecipe();
const version = packageVersion();
const paths = buildPaths(board.name, version);
const cache = cachePaths(board.arch);
const work = paths.work;
const t0 = Date.now();
const steps = [];
const hostArch = (await $`dpkg --print-architecture`).stdout.trim();
// DAHDI's modules are compiled against the image kernel's headers with the host's compiler and
// the headers' own kbuild tools (host binaries): only when the image is the host's architecture.
const buildDahdi = Boolean(recipe.dahdi) && hostArch === board.arch;

const mb = (bytes) => `${(bytes / MiB).toFixed(1)} MB`;
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s`;
async function step(name, fn) {
  const start = Date.now();
  process.stdout.write(`[${elapsed()}] ${name} ...\n`);
  const note = await fn();
  const seconds = (Date.now() - start) / 1000;
  steps.push({ name, seconds: Number(seconds.toFixed(1)) });
  console.log(`[${elapsed()}] ${name}: done in ${seconds.toFixed(1)}s${note ? `, ${note}` : ''}`);
}
async function duBytes(dir) {
  return Number((await $`du -sb ${dir}`).stdout.split(/\s/)[0]);
}
async function sha256(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return h.digest('hex');
}
const fileSize = (f) => fs.statSync(f).size;

// --- host tools ------------------------------------------------------------------------------
const TOOLS = [
  ['mmdebstrap', 'mmdebstrap'], ['mksquashfs', 'squashfs-tools'], ['mkfs.vfat', 'dosfstools'],
  ['mcopy', 'mtools'], ['sfdisk', 'fdisk'], ['cpio', 'cpio'], ['xz', 'xz-utils'], ['depmod', 'kmod'],
  ['dpkg-deb', 'dpkg'], ['mkfs.ext4', 'e2fsprogs'], ['busybox', 'busybox'],
  ...(board.boot === 'syslinux' ? [['syslinux', 'syslinux'], ['/usr/lib/syslinux/mbr/mbr.bin', 'syslinux-common']] : []),
];
async function ensureTools() {
  const have = async (t) => (t.startsWith('/') ? fs.existsSync(t) : (await $`command -v ${t}`.nothrow()).exitCode === 0);
  const missing = [];
  for (const [tool, pkg] of TOOLS) if (!(await have(tool))) missing.push(pkg);
  const pkgs = [...new Set(missing)];
  if (pkgs.length === 0) return 'all tools present';
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid() !== 0) {
    console.error(`image: missing host packages ${pkgs.join(', ')}. Run as root:\n  ${cmd}`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await $({ env })`apt-get update -q`;
  await $({ env })`apt-get install -y -q --no-install-recommends ${pkgs}`;
  return `installed ${pkgs.join(' ')}`;
}

if (process.getuid() !== 0) {
  console.error('image: building the image needs root (mmdebstrap --mode=root, device nodes in the initramfs).\n  sudo npm run image -- --board ' + board.name);
  process.exit(1);
}

console.log(`PBX firmware ${version} for board ${board.name} (${board.arch}, ${board.kernel})`);
await step('host tools', ensureTools);

const bundleFile = argv.bundle ? path.resolve(argv.bundle) : path.join(REPO, 'dist/pbx.mjs');
await step('bundle', async () => {
  if (!argv.bundle) await $({ cwd: REPO })`node scripts/build.mjs`;
  return `${path.relative(REPO, bundleFile)} ${mb(fileSize(bundleFile))}`;
});

// --- root filesystem from Debian packages ----------------------------------------------------
const rootfs = path.join(work, 'rootfs');
const asideDebs = [
  ...(recipe.sounds ?? []).map((s) => s.package),
  ...(buildDahdi ? [recipe.dahdi.source, ...recipe.dahdi.tools, '@kernel-headers'] : []),
];
const pkgList = path.join(work, 'packages.txt');
const bootList = path.join(work, 'boot-packages.txt');
await step('debian packages (mmdebstrap)', async () => {
  const mirrors = hostMirrors(recipe.suite).filter((m) => !(argv['without-security'] && m.includes(`${recipe.suite}-security`)));
  if (argv['without-security']) console.log(`  WARNING: building without ${recipe.suite}-security: this image lacks security updates`);
  if (mirrors.length === 0) throw new Error(`no apt source for ${recipe.suite} in /etc/apt; add the Debian mirror there`);
  await fs.remove(work);
  await fs.mkdirp(work);
  await fs.mkdirp(cache.debs);
  await fs.mkdirp(cache.boot);
  const pkgs = recipe.packages;
  const fetch = path.join(REPO, 'firmware/lib/fetch-debs.sh');
  const args = [
    '--mode=root', '--variant=extract', `--architectures=${board.arch}`, `--include=${pkgs.join(',')}`,
    '--setup-hook=mkdir -p "$1"/var/cache/apt/archives/',
    `--setup-hook=sync-in ${cache.debs} /var/cache/apt/archives/`,
    `--extract-hook=sync-out /var/cache/apt/archives ${cache.debs}`,
    // The exact package set and versions, for the manifest (extract mode keeps no dpkg status).
    `--extract-hook=APT_CONFIG="$MMDEBSTRAP_APT_CONFIG" apt-get install --simulate -q ${pkgs.join(' ')} > ${pkgList}`,
    // Packages that are unpacked aside, never installed (their dependencies would drag in perl,
    // dkms, compilers): the kernel, busybox-static, the sounds, DAHDI's source, tools and headers.
    `--extract-hook=sh ${fetch} ${cache.boot} ${bootList} ${[board.kernel, ...recipe.bootPackages, ...asideDebs].join(' ')}`,
    '--skip=download/empty',
    recipe.suite, rootfs, ...mirrors,
  ];
  // A mirror in the middle of a sync serves index files that do not match their Release file
  // for a minute or so: try again before giving up.
  for (let attempt = 1; ; attempt++) {
    const r = await $`mmdebstrap ${args}`.nothrow();
    if (r.exitCode === 0) break;
    const transient = /Mirror sync in progress|Failed to fetch|Hash Sum mismatch|unexpected size/.test(r.stderr);
    if (!transient || attempt === 3) {
      const hint = /-security/.test(r.stderr) ? `\nThe ${recipe.suite}-security index is broken on this mirror; --without-security builds without it.` : '';
      throw new Error(`mmdebstrap failed:\n${r.stderr.split('\n').filter((l) => /^E:|^W:/.test(l)).join('\n')}${hint}`);
    }
    console.log(`  mirror not consistent right now (attempt ${attempt}); retrying in 20 s`);
    await fs.remove(rootfs);
    await new Promise((res) => setTimeout(res, 20_000));
  }
  const n = (await fs.readFile(pkgList, 'utf8')).split('\n').filter((l) => l.startsWith('Inst ')).length;
  return `${n} packages, ${mb(await duBytes(rootfs))} unpacked`;
});

const packages = (await fs.readFile(pkgList, 'utf8'))
  .split('\n')
  .map((l) => l.match(/^Inst (\S+) \((\S+)/))
  .filter(Boolean)
  .map((m) => ({ name: m[1], version: m[2] }));
const bootDebs = (await fs.readFile(bootList, 'utf8'))
  .trim()
  .split('\n')
  .map((l) => {
    const [name, ver, file] = l.split(' ');
    return { name, version: ver, file: path.join(cache.boot, file) };
  });
const kernelDeb = bootDebs.find((d) => d.name.startsWith('linux-image-'));
const debNamed = (name) => {
  const d = bootDebs.find((x) => x.name === name);
  if (!d) throw new Error(`package ${name} was not fetched (see firmware/lib/fetch-debs.sh)`);
  return d;
};
const busyboxStaticDeb = bootDebs.find((d) => d.name === 'busybox-static');

// --- kernel and modules ----------------------------------------------------------------------
const kdir = path.join(work, 'kernel');
let kver = '';
let bootMods;
let sysMods;
await step('kernel modules', async () => {
  await $`dpkg-deb -x ${kernelDeb.file} ${kdir}`;
  kver = (await fs.readdir(path.join(kdir, 'lib/modules')))[0];
  await $`depmod -b ${kdir} ${kver}`;
  const dep = parseModulesDep(await fs.readFile(path.join(kdir, 'lib/modules', kver, 'modules.dep'), 'utf8'));
  bootMods = resolveModules(dep, [...recipe.modules.boot, ...(board.modules?.boot ?? [])]);
  sysMods = resolveModules(dep, [...recipe.modules.system, ...(board.modules?.system ?? [])]);
  const kmodDir = path.join(rootfs, 'lib/modules', kver);
  await fs.mkdirp(kmodDir);
  // Boot modules live in the initramfs and are loaded before the root is mounted: the root
  // only needs the rest.
  const inBoot = new Set(bootMods.order.map((m) => m.name));
  sysMods.order = sysMods.order.filter((m) => !inBoot.has(m.name));
  for (const m of sysMods.order) {
    await fs.copy(path.join(kdir, 'lib/modules', kver, m.path), path.join(kmodDir, m.path));
  }
  for (const f of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) {
    const src = path.join(kdir, 'lib/modules', kver, f);
    if (fs.existsSync(src)) await fs.copy(src, path.join(kmodDir, f));
  }
  await $`depmod -b ${rootfs} ${kver}`;
  await fs.mkdirp(path.join(rootfs, 'etc/pbx'));
  await fs.writeFile(path.join(rootfs, 'etc/pbx/modules.order'), sysMods.order.map((m) => m.path).join('\n') + '\n');
  const missing = [...bootMods.missing, ...sysMods.missing];
  return `${kver}: ${bootMods.order.length} boot + ${sysMods.order.length} system modules (${mb(await duBytes(kmodDir))})` +
    (missing.length ? `; not modules in this kernel (built in or absent): ${missing.join(' ')}` : '');
});

// --- DAHDI -----------------------------------------------------------------------------------
// The modules come from Debian's dahdi-dkms source, compiled here against the headers of exactly
// the image's kernel (what dkms would do on the box, which has no compiler) and cached by kernel
// and DAHDI version: a re-run copies them. They go to updates/dahdi, outside modules.order, so
// rcS loads them only when pbx.conf configures analog ports.
const dahdi = { modules: [], tools: [], note: '' };
await step('DAHDI modules and tools', async () => {
  if (!recipe.dahdi) return 'not in the recipe';
  if (!buildDahdi) {
    dahdi.note = `no DAHDI (${board.arch} image on an ${hostArch} host: the modules are built with the host's compiler)`;
    return dahdi.note;
  }
  const src = debNamed(recipe.dahdi.source);
  const headers = bootDebs.filter((d) => d.name.startsWith('linux-headers-') || d.name.startsWith('linux-kbuild-'));
  const key = `${kver}_${kernelDeb.version}_${src.version}`.replace(/[^\w.+-]/g, '_');
  const cached = path.join(cache.cache, 'dahdi', key);
  let built = 'cached';
  if (!fs.existsSync(path.join(cached, 'dahdi.ko'))) {
    const b = path.join(work, 'dahdi-build');
    await fs.remove(b);
    await fs.mkdirp(path.join(b, 'src'));
    await fs.mkdirp(path.join(b, 'headers'));
    await $`dpkg-deb -x ${src.file} ${path.join(b, 'src')}`;
    for (const h of headers) await $`dpkg-deb -x ${h.file} ${path.join(b, 'headers')}`;
    const ksrc = path.join(b, 'headers/usr/src', `linux-headers-${kver}`);
    // The flavour's Makefile includes the common part by its installed absolute path.
    const mk = path.join(ksrc, 'Makefile');
    await fs.writeFile(mk, (await fs.readFile(mk, 'utf8')).replaceAll('/usr/src/', `${path.join(b, 'headers/usr/src')}/`));
    const tree = path.join(b, 'src/usr/src', (await fs.readdir(path.join(b, 'src/usr/src')))[0]);
    const jobs = (await $`nproc`).stdout.trim();
    const r = await $({ cwd: tree })`make modules KVERS=${kver} KSRC=${ksrc} ${recipe.dahdi.makeArgs} -j${jobs}`.nothrow();
    if (r.exitCode !== 0) throw new Error(`DAHDI build against ${kver} failed:\n${(r.stdout + r.stderr).split('\n').slice(-25).join('\n')}`);
    const kos = (await $`find ${tree} -name *.ko`).stdout.trim().split('\n').filter(Boolean);
    await fs.mkdirp(cached + '.tmp');
    for (const ko of kos) await fs.copy(ko, path.join(cached + '.tmp', path.basename(ko)));
    // Debian's kernel config builds modules with debug info: 30 MB of it for these modules.
    await $`strip --strip-debug ${kos.map((ko) => path.join(cached + '.tmp', path.basename(ko)))}`;
    await fs.remove(cached);
    await fs.move(cached + '.tmp', cached);
    await fs.remove(b);
    built = `built from ${src.name} ${src.version}`;
  }
  const leaveOut = new Set(recipe.dahdi.leaveOut);
  const dest = path.join(rootfs, 'lib/modules', kver, 'updates/dahdi');
  await fs.mkdirp(dest);
  for (const f of (await fs.readdir(cached)).filter((f) => f.endsWith('.ko')).sort()) {
    if (leaveOut.has(f.replace(/\.ko$/, ''))) continue;
    await fs.copy(path.join(cached, f), path.join(dest, f));
    dahdi.modules.push(f.replace(/\.ko$/, ''));
  }
  await $`depmod -b ${rootfs} ${kver}`;
  // Runtime tools: dahdi_cfg and its tone zone library only (the rest of the package is perl
  // scripts and Astribank tools).
  const aside = path.join(work, 'dahdi-tools');
  await fs.mkdirp(aside);
  for (const t of recipe.dahdi.tools) await $`dpkg-deb -x ${debNamed(t).file} ${aside}`;
  for (const pattern of recipe.dahdi.toolFiles) {
    for (const p of (await $({ cwd: aside })`sh -c ${`ls -d ${pattern} 2>/dev/null || true`}`).stdout.split('\n').filter(Boolean)) {
      await fs.mkdirp(path.dirname(path.join(rootfs, p)));
      await fs.copy(path.join(aside, p), path.join(rootfs, p), { dereference: false });
      dahdi.tools.push(p);
    }
  }
  await fs.remove(aside);
  if (!dahdi.tools.includes('usr/sbin/dahdi_cfg')) throw new Error('dahdi_cfg not found in the dahdi package');
  return `${built}: ${dahdi.modules.length} modules (${mb(await duBytes(dest))}), ${dahdi.tools.length} tool files`;
});

// --- sounds ----------------------------------------------------------------------------------
const sounds = [];
await step('sounds (wav -> ulaw)', async () => {
  const notes = [];
  for (const s of recipe.sounds ?? []) {
    const deb = debNamed(s.package);
    const aside = path.join(work, 'sounds-deb');
    await fs.remove(aside);
    await fs.mkdirp(aside);
    await $`dpkg-deb -x ${deb.file} ${aside}`;
    const only = s.only ? new Set(s.only) : undefined;
    const r = convertTree(path.join(aside, s.from), path.join(rootfs, s.to), (rel) => !only || only.has(rel));
    if (r.files === 0) throw new Error(`no .wav files from ${s.package} under ${s.from}${only ? ` named ${[...only].join(', ')}` : ''}`);
    // The licence of the recordings travels with them.
    const copyright = path.join(aside, 'usr/share/doc', s.package, 'copyright');
    if (fs.existsSync(copyright)) await fs.copy(copyright, path.join(rootfs, 'usr/share/doc', s.package, 'copyright'));
    await fs.remove(aside);
    sounds.push({ package: s.package, version: deb.version, to: s.to, files: r.files, wavBytes: r.bytesIn, ulawBytes: r.bytesOut });
    notes.push(`${s.package}: ${r.files} files, ${mb(r.bytesIn)} wav -> ${mb(r.bytesOut)} ulaw`);
  }
  return notes.join('; ') || 'none in the recipe';
});

// --- initramfs --------------------------------------------------------------------------------
const initrd = path.join(work, 'initrd.img');
await step('initramfs', async () => {
  const dir = path.join(work, 'initramfs');
  const bb = path.join(work, 'busybox-static');
  await $`dpkg-deb -x ${busyboxStaticDeb.file} ${bb}`;
  for (const d of ['bin', 'dev', 'proc', 'sys', 'newroot', 'etc', 'lib/modules']) await fs.mkdirp(path.join(dir, d));
  await fs.copy(path.join(bb, 'bin/busybox'), path.join(dir, 'bin/busybox'));
  await fs.copy(path.join(REPO, 'firmware/initramfs/init'), path.join(dir, 'init'));
  await fs.chmod(path.join(dir, 'init'), 0o755);
  for (const m of bootMods.order) await fs.copy(path.join(kdir, 'lib/modules', kver, m.path), path.join(dir, 'lib/modules', m.path));
  await fs.writeFile(path.join(dir, 'etc/modules.order'), bootMods.order.map((m) => m.path).join('\n') + '\n');
  await $`mknod -m 600 ${path.join(dir, 'dev/console')} c 5 1`;
  await $`mknod -m 666 ${path.join(dir, 'dev/null')} c 1 3`;
  await $({ cwd: dir })`find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet | gzip -9 -n > ${initrd}`;
  return mb(fileSize(initrd));
});

// --- our files ---------------------------------------------------------------------------------
const nativeFile = path.join(REPO, 'native/build/Release/pbx_native.node');
let nativeNote = '';
await step('bundle and overlay', async () => {
  await fs.copy(bundleFile, path.join(rootfs, 'usr/lib/pbx/pbx.mjs'));
  // The native addon (timerfd media clock, spandsp) goes next to the bundle, where the runtime
  // looks first, only when `npm ci` built it for this image's architecture; otherwise the PBX
  // runs on the timer clock and logs why. The host must be the same Debian suite (glibc).
  if (hostArch === board.arch && fs.existsSync(nativeFile)) {
    await fs.copy(nativeFile, path.join(rootfs, 'usr/lib/pbx/pbx_native.node'));
    nativeNote = `native addon ${mb(fileSize(nativeFile))}`;
  } else {
    nativeNote = hostArch === board.arch ? `no native addon (${path.relative(REPO, nativeFile)} not built)` : `no native addon (${board.arch} image on an ${hostArch} host: timer clock)`;
  }
  await fs.copy(path.join(REPO, 'overlay'), rootfs, { filter: (src) => !src.endsWith('.in') && !src.endsWith('README.md') });
  const inittab = (await fs.readFile(path.join(REPO, 'overlay/etc/inittab.in'), 'utf8'))
    .split('\n')
    .flatMap((l) => (l.includes('@TTY@') ? board.ttys.map((t) => l.replace('@TTY@', t)) : [l]))
    .join('\n');
  await fs.writeFile(path.join(rootfs, 'etc/inittab'), inittab);
  // busybox applets: Debian's package ships the binary only. The host's busybox is the same
  // Debian package, so its applet list is the target's (and works for foreign architectures).
  const applets = (await $`busybox --list-full`).stdout.trim().split('\n');
  let linked = 0;
  for (const a of applets) {
    const p = path.join(rootfs, a);
    if (fs.existsSync(p) || (await fs.lstat(p).catch(() => null))) continue;
    await fs.mkdirp(path.dirname(p));
    await fs.symlink('/bin/busybox', p);
    linked++;
  }
  for (const [link, target] of [
    ['etc/resolv.conf', '/run/resolv.conf'], ['etc/hosts', '/run/hosts'],
    ['etc/localtime', '/run/localtime'], ['etc/mtab', '/proc/mounts'],
  ]) {
    await fs.remove(path.join(rootfs, link));
    await fs.symlink(target, path.join(rootfs, link));
  }
  for (const d of ['cf', 'data', 'run', 'var', 'tmp', 'proc', 'sys', 'dev', 'mnt', 'root']) await fs.mkdirp(path.join(rootfs, d));
  await fs.chmod(path.join(rootfs, 'root'), 0o700);
  await fs.writeFile(path.join(rootfs, 'etc/pbx-release'),
    `PBX_VERSION=${version}\nPBX_BOARD=${board.name}\nPBX_ARCH=${board.arch}\nPBX_KERNEL=${kver}\nPBX_BUILT=${new Date().toISOString()}\n`);
  await $`ldconfig -r ${rootfs}`.nothrow();
  return `${linked} busybox applet links, ${nativeNote}`;
});

await step('trim', async () => {
  const before = await duBytes(rootfs);
  for (const pattern of recipe.trim) {
    for (const p of (await $({ cwd: rootfs })`sh -c ${`ls -d ${pattern} 2>/dev/null || true`}`).stdout.split('\n').filter(Boolean)) {
      await fs.remove(path.join(rootfs, p));
    }
  }
  // Keep each package's copyright file (the licences ask for it), drop the rest of the docs.
  const doc = path.join(rootfs, 'usr/share/doc');
  if (fs.existsSync(doc)) {
    const keep = recipe.keepDocFiles.flatMap((k) => ['!', '-name', k]);
    await $`find ${doc} -mindepth 1 ${['(', '-type', 'f', '-o', '-type', 'l', ')']} ${keep} -delete`;
    await $`find ${doc} -mindepth 1 -type d -empty -delete`;
  }
  return `${mb(before)} -> ${mb(await duBytes(rootfs))}`;
});

await step('check node in the root', async () => {
  if (hostArch !== board.arch && !(hostArch === 'amd64' && board.arch === 'i386')) return `skipped (${board.arch} on ${hostArch})`;
  const r = await $`chroot ${rootfs} /usr/bin/node /usr/lib/pbx/pbx.mjs --version`.nothrow();
  if (r.exitCode !== 0 && hostArch !== board.arch) return `skipped (this kernel cannot run ${board.arch} binaries: ${(r.stderr || r.stdout).trim()})`;
  if (r.exitCode !== 0) throw new Error(`node in the image root failed: ${r.stderr || r.stdout}`);
  const node = (await $`chroot ${rootfs} /usr/bin/node --version`).stdout.trim();
  return `node ${node}, bundle says: ${r.stdout.trim().split('\n')[0]}`;
});

// --- partitions and the disk image ---------------------------------------------------------------
const sqfs = path.join(work, 'root.sqfs');
await step('squashfs root', async () => {
  const bcj = ['amd64', 'i386'].includes(board.arch) ? ['-Xbcj', 'x86'] : [];
  const comp = recipe.squashfs.comp;
  await $`mksquashfs ${rootfs} ${sqfs} -noappend -all-root -no-xattrs -no-progress -comp ${comp} ${comp === 'xz' ? bcj : []} -b ${recipe.squashfs.blockSize}`;
  return `${mb(fileSize(sqfs))} (${comp})`;
});

const vmlinuz = path.join(kdir, 'boot', `vmlinuz-${kver}`);
const parts = {};
await step('partitions', async () => {
  const P = board.partitions;
  const append = [`console=${board.console.device},${board.console.speed}n8`, 'quiet', 'panic=10', 'rootwait'];
  if (board.ttys.includes('tty1')) append.unshift('console=tty0');
  // boot
  const bootContent = fileSize(vmlinuz) + fileSize(initrd) + 256 * 1024;
  const bootMiB = partitionMiB(P.bootMiB, bootContent, { headroomMiB: recipe.partitions.bootHeadroomMiB, name: 'boot' });
  const boot = path.join(work, 'boot.vfat');
  await fs.remove(boot);
  await $`mkfs.vfat -C -n PBXBOOT ${boot} ${bootMiB * 1024}`;
  const subst = (t) => t.replaceAll('@APPEND@', append.join(' ')).replaceAll('@VERSION@', version).replaceAll('@BOARD@', board.name)
    .replaceAll('@SERIAL_PORT@', String(Number(board.console.device.replace(/\D+/g, '')) || 0)).replaceAll('@SPEED@', String(board.console.speed));
  await $`mcopy -i ${boot} ${vmlinuz} ::/vmlinuz`;
  await $`mcopy -i ${boot} ${initrd} ::/initrd.img`;
  if (board.boot === 'syslinux') {
    await $`syslinux --install ${boot}`;
    const cfg = path.join(work, 'syslinux.cfg');
    await fs.writeFile(cfg, subst(await fs.readFile(path.join(REPO, 'firmware/boot/syslinux.cfg.in'), 'utf8')));
    await $`mcopy -i ${boot} ${cfg} ::/syslinux.cfg`;
  } else {
    const cfg = path.join(work, 'extlinux.conf');
    await fs.writeFile(cfg, subst(await fs.readFile(path.join(REPO, 'firmware/boot/extlinux.conf.in'), 'utf8')));
    await $`mmd -i ${boot} ::/extlinux`;
    await $`mcopy -i ${boot} ${cfg} ::/extlinux/extlinux.conf`;
  }
  parts.boot = { file: boot, sizeMiB: bootMiB, content: bootContent, type: 'e', bootable: true };
  // root
  const rootMiB = partitionMiB(P.rootMiB, fileSize(sqfs), { headroomPercent: recipe.partitions.rootHeadroomPercent, name: 'root' });
  parts.root = { file: sqfs, sizeMiB: rootMiB, content: fileSize(sqfs), type: '83' };
  // cf: empty but for a README; rcS writes the default pbx.conf on first boot.
  const cf = path.join(work, 'cf.vfat');
  await fs.remove(cf);
  await $`mkfs.vfat -C -n PBXCF ${cf} ${P.cfMiB * 1024}`;
  await $`mcopy -i ${cf} ${path.join(REPO, 'overlay/usr/share/pbx/cf-README.txt')} ::/README.txt`;
  parts.cf = { file: cf, sizeMiB: P.cfMiB, content: 0, type: 'e' };
  // data (optional)
  const dataMiB = Number(argv['data-mib'] ?? P.dataMiB ?? 0);
  if (dataMiB > 0) {
    const data = path.join(work, 'data.ext4');
    await fs.remove(data);
    await $`mkfs.ext4 -q -F -L PBXDATA -E root_owner=0:0 ${data} ${dataMiB}M`;
    parts.data = { file: data, sizeMiB: dataMiB, content: 0, type: '83' };
  }
  return Object.entries(parts).map(([n, p]) => `${n} ${p.sizeMiB} MiB`).join(', ');
});

let plan;
await step('disk image', async () => {
  plan = planLayout(Object.entries(parts).map(([name, p]) => ({ name, ...p })), recipe.partitions.alignMiB);
  await fs.remove(paths.image);
  await $`truncate -s ${plan.totalBytes} ${paths.image}`;
  const diskId = parseInt((await sha256(sqfs)).slice(0, 8), 16);
  await $({ input: sfdiskScript(plan, diskId) })`sfdisk --no-reread --no-tell-kernel -q ${paths.image}`;
  if (board.boot === 'syslinux') await $`dd if=/usr/lib/syslinux/mbr/mbr.bin of=${paths.image} bs=440 count=1 conv=notrunc status=none`;
  for (const p of plan.parts) {
    await $`dd if=${p.file} of=${paths.image} bs=1M seek=${p.startMiB} conv=notrunc,sparse status=none`;
  }
  await fs.copy(vmlinuz, paths.kernel);
  await fs.copy(initrd, paths.initrd);
  return `${paths.image} ${mb(plan.totalBytes)}`;
});

await step('compress', async () => {
  await $`xz -T0 -6 -k -f ${paths.image}`;
  return `${paths.imageXz} ${mb(fileSize(paths.imageXz))}`;
});

const manifest = {
  board: board.name,
  arch: board.arch,
  version,
  built: new Date().toISOString(),
  securityUpdates: !argv['without-security'],
  kernel: { package: kernelDeb.name, version: kernelDeb.version, release: kver },
  packages,
  bootPackages: bootDebs.map(({ name, version: v }) => ({ name, version: v })),
  modules: { boot: bootMods.order.map((m) => m.name), system: sysMods.order.map((m) => m.name), notModules: [...bootMods.missing, ...sysMods.missing] },
  dahdi: dahdi.note ? { note: dahdi.note } : { modules: dahdi.modules, tools: dahdi.tools },
  sounds,
  partitions: plan.parts.map((p) => ({ number: p.number, name: p.name, startMiB: p.startMiB, sizeMiB: p.sizeMiB, contentBytes: p.content })),
  sizes: {
    bundle: fileSize(bundleFile),
    nativeAddon: fs.existsSync(path.join(rootfs, 'usr/lib/pbx/pbx_native.node')) ? fileSize(nativeFile) : 0,
    vmlinuz: fileSize(vmlinuz),
    initrd: fileSize(initrd),
    rootUnpacked: await duBytes(rootfs),
    squashfs: fileSize(sqfs),
    image: fileSize(paths.image),
    imageXz: fileSize(paths.imageXz),
  },
  sha256: { image: await sha256(paths.image), imageXz: await sha256(paths.imageXz) },
  steps,
  buildSeconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
};
await fs.writeFile(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
if (!argv['keep-work']) await fs.remove(path.join(work, 'kernel'));
console.log(`[${elapsed()}] done: ${path.relative(REPO, paths.image)} (${mb(manifest.sizes.image)}), .img.xz ${mb(manifest.sizes.imageXz)}, manifest ${path.relative(REPO, paths.manifest)}`);

#!/usr/bin/env node
// Builds the native addon native/build/Release/pbx_native.node. npm runs it as the root package's
// `install` script, so `npm ci` builds the addon.
//   - checks the toolchain (g++, make, python3, pkg-config) and libspandsp-dev (pkg-config spandsp);
//     as root it installs what is missing with apt-get, otherwise it stops and prints the command;
//   - runs npm's own bundled node-gyp against the local Node headers (<node prefix>/include/node),
//     never downloading headers: Node-API is ABI-stable, so these headers serve every Node version.
//   - finds DAHDI's userspace header dahdi/user.h for the dahdi backend (PBX_DAHDI_INCLUDE, else
//     /usr/src/dahdi-*/include from dahdi-dkms, else extracted from a dahdi-dkms .deb: one already
//     downloaded, or `apt-get download dahdi-dkms` into native/build); the header is never copied
//     into the repository. Without it the addon is built anyway and the dahdi backend's start()
//     says how to get it; the sim backend works either way.
// PBX_SKIP_NATIVE=1 skips the build (the runtime then falls back to the JS media clock with a
// warning, and the native tests fail saying the addon is missing).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const NATIVE = join(ROOT, 'native');
const OUTPUT = join(NATIVE, 'build', 'Release', 'pbx_native.node');

if (process.env.PBX_SKIP_NATIVE === '1') {
  console.warn('build-native: PBX_SKIP_NATIVE=1, not building the native addon');
  process.exit(0);
}
if (process.platform !== 'linux') {
  console.warn(`build-native: the native addon needs Linux (timerfd, DAHDI); skipped on ${process.platform}`);
  process.exit(0);
}

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', ...opts });
const onPath = (cmd) => run('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Where the Node headers are: PBX_NODEDIR, else the prefix of the running node (/usr/bin/node -> /usr). */
function nodeDir() {
  const dir = process.env.PBX_NODEDIR ?? dirname(dirname(process.execPath));
  return existsSync(join(dir, 'include', 'node', 'node_api.h')) ? dir : undefined;
}

const missing = new Set();
for (const [cmd, pkg] of [
  ['g++', 'g++'],
  ['make', 'make'],
  ['python3', 'python3'],
  ['pkg-config', 'pkg-config'],
]) {
  if (!onPath(cmd)) missing.add(pkg);
}
if (missing.has('pkg-config') || run('pkg-config', ['--exists', 'spandsp']).status !== 0) missing.add('libspandsp-dev');
// Debian's own nodejs package ships its headers in libnode-dev; NodeSource's ship them in nodejs.
if (!nodeDir() && run('dpkg', ['-S', process.execPath]).stdout?.startsWith('nodejs:')) missing.add('libnode-dev');

if (missing.size > 0) {
  const pkgs = [...missing];
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(`build-native: missing system packages for the native addon: ${pkgs.join(', ')}.\nRun as root:\n  ${cmd}\n(or set PBX_SKIP_NATIVE=1 to install without the addon)`);
    process.exit(1);
  }
  console.error(`build-native: installing ${pkgs.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`build-native: apt-get ${args[0]} failed; run by hand:\n  ${cmd}`);
      process.exit(1);
    }
  }
}

const nodedir = nodeDir();
if (!nodedir) {
  console.error(
    `build-native: no Node headers at ${dirname(dirname(process.execPath))}/include/node (node_api.h).\n` +
      'Install the headers of this Node (Debian: libnode-dev; NodeSource: they come with nodejs) or set PBX_NODEDIR to a prefix holding include/node.',
  );
  process.exit(1);
}

/** npm's bundled node-gyp: always present with npm, works offline. */
function findNodeGyp() {
  const npmDirs = [];
  if (process.env.npm_execpath) npmDirs.push(resolve(dirname(process.env.npm_execpath), '..'));
  const prefix = dirname(dirname(process.execPath));
  npmDirs.push(join(prefix, 'lib', 'node_modules', 'npm'));
  const g = run('npm', ['prefix', '-g']);
  if (g.status === 0 && g.stdout.trim()) npmDirs.push(join(g.stdout.trim(), 'lib', 'node_modules', 'npm'));
  const require = createRequire(import.meta.url);
  for (const paths of [[ROOT], ...npmDirs.map((d) => [d])]) {
    try {
      return require.resolve('node-gyp/bin/node-gyp.js', { paths });
    } catch {
      // try the next place
    }
  }
  return undefined;
}

const gyp = findNodeGyp();
if (!gyp) {
  console.error('build-native: node-gyp not found (it comes with npm: <prefix>/lib/node_modules/npm/node_modules/node-gyp)');
  process.exit(1);
}

/** A folder holding dahdi/user.h (+ dahdi_config.h, which it includes), or undefined. */
function dahdiInclude() {
  const has = (dir) => existsSync(join(dir, 'dahdi', 'user.h'));
  if (process.env.PBX_DAHDI_INCLUDE !== undefined) return has(process.env.PBX_DAHDI_INCLUDE) ? process.env.PBX_DAHDI_INCLUDE : undefined;
  const inDir = (dir, re) => {
    try {
      return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  // dahdi-dkms installed: its source tree is under /usr/src.
  for (const src of inDir('/usr/src', /^dahdi-/).reverse()) if (has(join(src, 'include'))) return join(src, 'include');
  const cached = join(NATIVE, 'build', 'dahdi-include');
  if (has(cached)) return cached;
  const debRe = /^dahdi-dkms_.*_all\.deb$/;
  const debs = [
    ...inDir(join(NATIVE, 'build'), debRe),
    ...inDir('/var/cache/apt/archives', debRe),
    // the firmware builder's download cache (scripts/image.mjs)
    ...inDir(join(ROOT, 'firmware', 'cache'), /./).flatMap((arch) => inDir(join(arch, 'boot-debs'), debRe)),
  ];
  if (debs.length === 0 && onPath('apt-get')) {
    mkdirSync(join(NATIVE, 'build'), { recursive: true });
    let dl = run('apt-get', ['download', 'dahdi-dkms'], { cwd: join(NATIVE, 'build') });
    if (dl.status !== 0 && process.getuid?.() === 0 && run('apt-get', ['update']).status === 0) {
      dl = run('apt-get', ['download', 'dahdi-dkms'], { cwd: join(NATIVE, 'build') });
    }
    debs.push(...inDir(join(NATIVE, 'build'), debRe));
  }
  const deb = debs.at(-1);
  if (!deb) return undefined;
  mkdirSync(join(NATIVE, 'build'), { recursive: true });
  const tmp = mkdtempSync(join(NATIVE, 'build', 'dahdi-deb-'));
  try {
    if (run('dpkg-deb', ['-x', deb, tmp]).status !== 0) return undefined;
    const src = inDir(join(tmp, 'usr', 'src'), /^dahdi-/).find((d) => has(join(d, 'include')));
    if (!src) return undefined;
    mkdirSync(join(cached, 'dahdi'), { recursive: true });
    for (const f of ['user.h', 'dahdi_config.h']) {
      const from = join(src, 'include', 'dahdi', f);
      if (existsSync(from)) copyFileSync(from, join(cached, 'dahdi', f));
    }
    return has(cached) ? cached : undefined;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const dahdi = dahdiInclude();
if (dahdi) console.log(`build-native: DAHDI headers from ${dahdi}`);
else {
  console.warn(
    'build-native: DAHDI headers (dahdi/user.h) not found: building without the dahdi backend (the sim backend works).\n' +
      'To build it: apt-get install dahdi-dkms (or: cd native/build && apt-get download dahdi-dkms), then npm ci',
  );
}

// --nodedir (and npm_config_nodedir, which node-gyp also reads) make node-gyp use the local
// headers; without them it would try to download a tarball.
// configure + build rather than rebuild: incremental (only changed sources recompile) and the
// previous addon stays in place until the new one is linked, so running processes and tests
// never find it missing mid-build. configure re-reads binding.gyp, so new sources are picked up.
const env = { ...process.env, npm_config_nodedir: nodedir, PBX_DAHDI_INCLUDE: dahdi ?? '' };
let r = { status: 0 };
for (const step of ['configure', 'build']) {
  r = spawnSync(process.execPath, [gyp, step, `--nodedir=${nodedir}`, '--jobs=max', `--directory=${NATIVE}`], {
    stdio: 'inherit',
    env,
  });
  if (r.status !== 0) break;
}
if (r.status !== 0 || !existsSync(OUTPUT)) {
  console.error(`build-native: node-gyp failed (exit ${r.status}); the addon was not built`);
  process.exit(1);
}
console.log(`build-native: built ${OUTPUT}`);

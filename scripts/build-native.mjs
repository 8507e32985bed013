#!/usr/bin/env node
// Builds the native addon native/build/Release/pbx_native.node. npm runs it as the root package's
// `install` script, so `npm ci` builds the addon.
//   - checks the toolchain (g++, make, python3, pkg-config) and libspandsp-dev (pkg-config spandsp);
//     as root it installs what is missing with apt-get, otherwise it stops and prints the command;
//   - runs npm's own bundled node-gyp against the local Node headers (<node prefix>/include/node),
//     never downloading headers: Node-API is ABI-stable, so these headers serve every Node version.
// PBX_SKIP_NATIVE=1 skips the build (the runtime then falls back to the JS media clock with a
// warning, and the native tests fail saying the addon is missing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

// --nodedir (and npm_config_nodedir, which node-gyp also reads) make node-gyp use the local
// headers; without them it would try to download a tarball.
const env = { ...process.env, npm_config_nodedir: nodedir };
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=max', `--directory=${NATIVE}`], {
  stdio: 'inherit',
  env,
});
if (r.status !== 0 || !existsSync(OUTPUT)) {
  console.error(`build-native: node-gyp failed (exit ${r.status}); the addon was not built`);
  process.exit(1);
}
console.log(`build-native: built ${OUTPUT}`);

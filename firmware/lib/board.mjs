// Reads board/<name>/board.json and firmware/recipe.json, the two inputs every firmware script
// shares, and names the files a build produces.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function listBoards() {
  return readdirSync(join(REPO, 'board'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(REPO, 'board', d.name, 'board.json')))
    .map((d) => d.name)
    .sort();
}

export function loadRecipe() {
  return JSON.parse(readFileSync(join(REPO, 'firmware', 'recipe.json'), 'utf8'));
}

export function loadBoard(name) {
  const file = join(REPO, 'board', name, 'board.json');
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name) || !existsSync(file)) {
    throw new Error(`unknown board '${name}'; boards: ${listBoards().join(', ')}`);
  }
  const board = JSON.parse(readFileSync(file, 'utf8'));
  for (const key of ['arch', 'kernel', 'boot', 'console', 'ttys', 'partitions']) {
    if (board[key] === undefined) throw new Error(`${file}: missing "${key}"`);
  }
  return board;
}

export function packageVersion() {
  return JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
}

/** Where a build of `board` at `version` puts its work files and its results. */
export function buildPaths(boardName, version) {
  const out = join(REPO, 'firmware', 'out');
  const stem = `pbx-${boardName}-${version}`;
  return {
    out,
    work: join(out, 'work', boardName),
    image: join(out, `${stem}.img`),
    imageXz: join(out, `${stem}.img.xz`),
    manifest: join(out, `${stem}.manifest.json`),
    /** Kernel and initramfs copied out for QEMU direct-kernel boots (boards without a BIOS loader). */
    kernel: join(out, `${stem}.vmlinuz`),
    initrd: join(out, `${stem}.initrd.img`),
  };
}

export function cachePaths(arch) {
  const cache = join(REPO, 'firmware', 'cache', arch);
  return { cache, debs: join(cache, 'debs'), boot: join(cache, 'boot-debs') };
}

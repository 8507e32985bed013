// Kernel module selection for the image: the kernel package ships ~4000 modules (~400 MB); the
// image keeps only the ones a board names plus what they depend on, in load order, because the
// firmware has no udev and loads its short list with insmod at boot.

/** Module name as the kernel reports it: file stem, '-' folded to '_'. */
export function moduleName(path) {
  const base = path.split('/').pop() ?? path;
  return base.replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');
}

/**
 * Parses depmod's text `modules.dep` ("kernel/fs/fat/vfat.ko: kernel/fs/fat/fat.ko").
 * @returns {Map<string, {path: string, deps: string[]}>} by module name; deps are names too.
 */
export function parseModulesDep(text) {
  const byName = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon).trim();
    if (!path) continue;
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean).map(moduleName);
    byName.set(moduleName(path), { path, deps });
  }
  return byName;
}

/**
 * The wanted modules plus everything they depend on, dependencies first (insmod order).
 * Names the kernel does not have as modules (built in, or absent on this flavour) are reported
 * in `missing` rather than failing: flavours differ, and a built-in driver needs no file.
 */
export function resolveModules(dep, wanted) {
  const order = [];
  const seen = new Set();
  const missing = [];
  const visit = (name, stack) => {
    if (seen.has(name)) return;
    const entry = dep.get(name);
    if (!entry) {
      missing.push(name);
      return;
    }
    if (stack.includes(name)) throw new Error(`module dependency cycle: ${[...stack, name].join(' -> ')}`);
    for (const d of entry.deps) visit(d, [...stack, name]);
    seen.add(name);
    order.push({ name, path: entry.path });
  };
  for (const w of wanted) visit(w.replace(/-/g, '_'), []);
  return { order, missing: [...new Set(missing)] };
}

// The Debian mirrors an image is built from are the ones the build host's apt already uses
// (/etc/apt/sources.list and sources.list.d/*.list|*.sources), restricted to the recipe's suite
// and its -updates/-security companions, so a build never names a host apt was not told about.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** Parses one-line ("deb URI SUITE COMPONENT...") and deb822 (Types:/URIs:/Suites:) texts. */
export function parseSources(text, deb822) {
  const out = [];
  if (deb822) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name) => {
        const m = stanza.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi'));
        return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
      };
      if (/^Enabled:\s*no/im.test(stanza)) continue;
      if (!field('Types').includes('deb')) continue;
      for (const uri of field('URIs')) {
        for (const suite of field('Suites')) out.push({ uri, suite, components: field('Components') });
      }
    }
    return out;
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = line.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/);
    if (m) out.push({ uri: m[1], suite: m[2], components: m[3].split(/\s+/).filter(Boolean) });
  }
  return out;
}

/** mmdebstrap mirror lines for `suite` (e.g. bookworm, bookworm-updates, bookworm-security). */
export function mirrorsFor(entries, suite) {
  const wanted = new Set([suite, `${suite}-updates`, `${suite}-security`]);
  const lines = entries
    .filter((e) => wanted.has(e.suite))
    .map((e) => `deb ${e.uri} ${e.suite} ${(e.components.length ? e.components : ['main']).join(' ')}`);
  return [...new Set(lines)];
}

export function hostMirrors(suite, etc = '/etc/apt') {
  const entries = [];
  const main = join(etc, 'sources.list');
  if (existsSync(main)) entries.push(...parseSources(readFileSync(main, 'utf8'), false));
  const dir = join(etc, 'sources.list.d');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.list')) entries.push(...parseSources(readFileSync(join(dir, name), 'utf8'), false));
      if (name.endsWith('.sources')) entries.push(...parseSources(readFileSync(join(dir, name), 'utf8'), true));
    }
  }
  return mirrorsFor(entries, suite);
}

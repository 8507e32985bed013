/**
 * `moh show classes` and `moh show files` with res_musiconhold's layout: a `Class:` line, then
 * tab-indented details (files are shown without their extension, as Asterisk keeps them).
 * `moh reload` is `reload` (musiconhold.conf is read with the rest of the configuration).
 */
import type { MusicOnHold } from '../../apps/moh/moh-service.ts';
import type { CommandRegistry } from '../registry.ts';

export function registerMohCommands(r: CommandRegistry, moh: () => MusicOnHold | undefined): void {
  r.add({
    words: ['moh', 'show', 'classes'],
    usage: 'moh show classes',
    summary: 'List MusicOnHold classes',
    run: () => {
      const m = moh();
      if (!m) return '';
      const out: string[] = [];
      for (const c of m.classes()) {
        out.push(`Class: ${c.name}`, `\tMode: ${c.mode || '<none>'}`, `\tDirectory: ${c.directory || '<none>'}`);
        const listeners = m.listeners(c.name);
        if (listeners > 0) out.push(`\tUse Count: ${listeners}`);
      }
      return out.join('\n');
    },
  });
  r.add({
    words: ['moh', 'show', 'files'],
    usage: 'moh show files',
    summary: 'List MusicOnHold file-based classes',
    run: () => {
      const m = moh();
      if (!m) return '';
      const out: string[] = [];
      for (const c of m.classes()) {
        const tracks = m.tracks(c.name);
        if (tracks.length === 0) continue;
        out.push(`Class: ${c.name}`);
        for (const t of tracks) out.push(`\tFile: ${t.path.slice(0, t.path.length - t.ext.length - 1)}`);
      }
      return out.join('\n');
    },
  });
}

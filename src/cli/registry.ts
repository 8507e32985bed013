/**
 * Console command registry. Commands are sequences of fixed words followed by arguments, as in
 * Asterisk (`sip show peer 2000`). The longest registered word sequence that prefixes the line
 * wins; `help` lists what matches a prefix; `complete` serves tab completion in `pbx -r`.
 */
export interface CommandContext {
  /** Lines for the live log of this console (sip set debug output goes there too). */
  print(line: string): void;
}

export interface ConsoleCommand {
  words: string[];
  usage: string;
  summary: string;
  /** Completions for the first argument (e.g. peer names), optional. */
  complete?: () => string[];
  run(args: string[], ctx: CommandContext): string | Promise<string>;
}

export class CommandError extends Error {}

export class CommandRegistry {
  private commands: ConsoleCommand[] = [];

  add(cmd: ConsoleCommand): void {
    if (this.commands.some((c) => c.words.join(' ') === cmd.words.join(' '))) {
      throw new Error(`console command '${cmd.words.join(' ')}' registered twice`);
    }
    this.commands.push(cmd);
  }

  list(): ConsoleCommand[] {
    return [...this.commands].sort((a, b) => a.words.join(' ').localeCompare(b.words.join(' ')));
  }

  find(words: string[]): { cmd: ConsoleCommand; args: string[] } | undefined {
    let best: ConsoleCommand | undefined;
    for (const c of this.commands) {
      if (c.words.length > words.length) continue;
      if (!c.words.every((w, i) => w === words[i].toLowerCase())) continue;
      if (!best || c.words.length > best.words.length) best = c;
    }
    return best ? { cmd: best, args: words.slice(best.words.length) } : undefined;
  }

  async execute(line: string, ctx: CommandContext): Promise<{ ok: boolean; output: string }> {
    const words = splitWords(line);
    if (words.length === 0) return { ok: true, output: '' };
    const found = this.find(words);
    if (!found) {
      return { ok: false, output: `No such command '${line.trim()}' (type 'help' for help)` };
    }
    try {
      return { ok: true, output: await found.cmd.run(found.args, ctx) };
    } catch (e) {
      if (e instanceof CommandError) return { ok: false, output: `${e.message}\nUsage: ${found.cmd.usage}` };
      return { ok: false, output: `Command '${line.trim()}' failed: ${(e as Error).message}` };
    }
  }

  help(prefix: string[]): string {
    const rows = this.list().filter((c) => prefix.every((w, i) => c.words[i]?.startsWith(w.toLowerCase())));
    if (rows.length === 0) return `No such command '${prefix.join(' ')}'.`;
    const width = Math.max(...rows.map((c) => c.usage.length));
    return rows.map((c) => `${c.usage.padEnd(width)}  ${c.summary}`).join('\n');
  }

  /** Candidate next words for a partial line. */
  complete(line: string): string[] {
    const words = splitWords(line);
    const endsWithSpace = /\s$/.test(line) || line === '';
    const done = endsWithSpace ? words : words.slice(0, -1);
    const partial = endsWithSpace ? '' : (words[words.length - 1] ?? '');
    const out = new Set<string>();
    for (const c of this.commands) {
      if (done.length < c.words.length) {
        if (!done.every((w, i) => w === c.words[i])) continue;
        const next = c.words[done.length];
        if (next.startsWith(partial)) out.add(next);
      } else if (done.length === c.words.length && c.complete && done.every((w, i) => w === c.words[i])) {
        for (const v of c.complete()) if (v.startsWith(partial)) out.add(v);
      }
    }
    return [...out].sort();
  }
}

/** Splits a console line into words; double quotes group words (`database put a b "My cell"`). */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && quoted && i + 1 < line.length) {
      cur += line[++i];
    } else if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

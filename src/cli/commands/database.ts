/**
 * `database put|get|del|deltree|show|showkey`: the AstDB from the console, with Asterisk's
 * wording (main/db.c) so scripts written against `asterisk -rx 'database get ...'` keep
 * working. Values with spaces are quoted on the line (`database put cidname 123 "My cell"`);
 * the registry's word splitter removes the quotes.
 *
 * The database is taken structurally (any object with these methods), so this file does not
 * depend on how the store is built.
 */
import { CommandError, type CommandRegistry } from '../registry.ts';

export interface ConsoleAstDb {
  get(family: string, key: string): string | undefined;
  put(family: string, key: string, value: string): void;
  del(family: string, key: string): boolean;
  delTree(family: string, keyTree?: string): number;
  entries(prefix?: string): { family: string; key: string; value: string }[];
  entriesWithKey(keyTree: string): { family: string; key: string; value: string }[];
  families(): string[];
}

/** One listing line as Asterisk prints it: `%-50s: %-25s`. */
function row(e: { family: string; key: string; value: string }): string {
  return `${`/${e.family}/${e.key}`.padEnd(50)}: ${e.value.padEnd(25)}`;
}

function listing(rows: { family: string; key: string; value: string }[]): string {
  return [...rows.map(row), `${rows.length} results found.`].join('\n');
}

export function registerDatabaseCommands(r: CommandRegistry, db: ConsoleAstDb): void {
  const families = (): string[] => db.families();
  r.add({
    words: ['database', 'put'],
    usage: 'database put <family> <key> <value>',
    summary: 'Adds/updates database value',
    complete: families,
    run: (args) => {
      if (args.length !== 3) throw new CommandError('database put needs a family, a key and a value (quote a value with spaces)');
      try {
        db.put(args[0]!, args[1]!, args[2]!);
      } catch (e) {
        // Asterisk prints only the first line; the second says why (full, too long, bad name).
        return `Failed to update entry\n${(e as Error).message}`;
      }
      return 'Updated database successfully';
    },
  });
  r.add({
    words: ['database', 'get'],
    usage: 'database get <family> <key>',
    summary: 'Gets database value',
    complete: families,
    run: (args) => {
      if (args.length !== 2) throw new CommandError('database get needs a family and a key');
      const v = db.get(args[0]!, args[1]!);
      return v === undefined ? 'Database entry not found.' : `Value: ${v}`;
    },
  });
  r.add({
    words: ['database', 'del'],
    usage: 'database del <family> <key>',
    summary: 'Removes database key/value',
    complete: families,
    run: (args) => {
      if (args.length !== 2) throw new CommandError('database del needs a family and a key');
      return db.del(args[0]!, args[1]!) ? 'Database entry removed.' : 'Database entry does not exist.';
    },
  });
  r.add({
    words: ['database', 'deltree'],
    usage: 'database deltree <family> [keytree]',
    summary: 'Removes database keytree/values',
    complete: families,
    run: (args) => {
      if (args.length < 1 || args.length > 2) throw new CommandError('database deltree needs a family (and optionally a keytree; family/keytree also works)');
      const n = db.delTree(args[0]!, args[1]);
      return n === 0 ? 'Database entries do not exist.' : `${n} database entries removed.`;
    },
  });
  r.add({
    words: ['database', 'show'],
    usage: 'database show [family [keytree]]',
    summary: 'Shows database contents',
    complete: families,
    run: (args) => {
      if (args.length > 2) throw new CommandError('database show takes at most a family and a keytree (family/keytree also works)');
      const prefix = args.length === 0 ? undefined : args.length === 1 ? args[0]! : `${args[0]!}/${args[1]!}`;
      return listing(db.entries(prefix));
    },
  });
  r.add({
    words: ['database', 'showkey'],
    usage: 'database showkey <keytree>',
    summary: 'Shows database contents',
    run: (args) => {
      if (args.length !== 1) throw new CommandError('database showkey needs a keytree');
      return listing(db.entriesWithKey(args[0]!));
    },
  });
}

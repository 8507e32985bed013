/**
 * Dialplan console commands, with Asterisk's output shapes: `dialplan show [CONTEXT|EXTEN@CONTEXT]`,
 * `dialplan reload`, `core show applications [like|describing TEXT]`, `core show application
 * NAME...`, `core show functions [like TEXT]` and `core show function NAME`.
 */
import type { Dialplan, DialplanApplication, DialplanFunction } from '../../dialplan/types.ts';
import { formatDialplanShow } from '../../dialplan/match/index.ts';
import { formatFunctionHelp, formatFunctionList } from '../../dialplan/functions/index.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';
import { formatGroupChannels, type ChannelGroups } from '../../dialplan/functions/group.ts';

export type DialplanReloadResult = { ok: true; notes?: string[] } | { ok: false; errors: string[] };

export interface DialplanConsoleDeps {
  /** The running dialplan (undefined before one was loaded). */
  dialplan(): Dialplan | undefined;
  /** Re-reads extensions.conf; a broken one is rejected and the running dialplan kept. */
  reload(): Promise<DialplanReloadResult>;
  applications: { list(): DialplanApplication[]; get(name: string): DialplanApplication | undefined };
  functions: Map<string, DialplanFunction>;
  /** Channel groups (GROUP()) for `group show channels`. */
  groups?: ChannelGroups;
}

/** `core show applications`: Asterisk's `  %20s: %s` rows between its -= =- lines. */
export function formatApplicationList(apps: DialplanApplication[], filter?: { like?: string; describing?: string }): string {
  const like = filter?.like?.toLowerCase();
  const describing = filter?.describing?.toLowerCase();
  const rows = apps.filter((a) => {
    if (like !== undefined && !a.name.toLowerCase().includes(like)) return false;
    if (describing !== undefined && !`${a.synopsis} ${a.description}`.toLowerCase().includes(describing)) return false;
    return true;
  });
  const matching = like !== undefined || describing !== undefined;
  const lines = [matching ? '    -= Matching Asterisk Applications =-' : '    -= Registered Asterisk Applications =-'];
  for (const a of rows) lines.push(`  ${a.name.padStart(20)}: ${a.synopsis}${a.unavailable ? ` [${a.unavailable}]` : ''}`);
  lines.push(matching ? `    -= ${rows.length} Applications Matching =-` : `    -= ${rows.length} Applications Registered =-`);
  return lines.join('\n');
}

/** `core show application NAME`: the -= Info about application =- block. */
export function formatApplicationHelp(a: DialplanApplication): string {
  const description = a.unavailable ? `${a.description}\n\nNot available yet: ${a.unavailable}.` : a.description;
  return [`\n  -= Info about application '${a.name}' =- \n`, '[Synopsis]', a.synopsis || 'Not available', '', '[Description]', description || 'Not available', '', '[Syntax]', a.syntax || 'Not available', ''].join('\n');
}

export function registerDialplanCommands(r: CommandRegistry, deps: DialplanConsoleDeps): void {
  const groups = deps.groups;
  if (groups) {
    r.add({
      words: ['group', 'show', 'channels'],
      usage: 'group show channels [PATTERN]',
      summary: 'Channels in groups (GROUP()), optionally only groups matching a regular expression',
      run: (args) => {
        try {
          return formatGroupChannels(groups, args[0]);
        } catch (e) {
          if (e instanceof SyntaxError) throw new CommandError(`bad regular expression: ${e.message}`);
          throw e;
        }
      },
    });
  }
  r.add({
    words: ['dialplan', 'show'],
    usage: 'dialplan show [CONTEXT | EXTEN@CONTEXT | EXTEN@]',
    summary: 'Show the dialplan (all contexts, or one)',
    complete: () => [...(deps.dialplan()?.contexts.keys() ?? [])],
    run: (args) => {
      const dp = deps.dialplan();
      if (!dp) return 'There is no dialplan loaded.';
      return formatDialplanShow(dp, args[0]).replace(/\n$/, '');
    },
  });
  r.add({
    words: ['dialplan', 'reload'],
    usage: 'dialplan reload',
    summary: 'Reload extensions.conf (a broken file keeps the running dialplan)',
    run: async () => {
      const res = await deps.reload();
      if (!res.ok) throw new Error(['The dialplan has errors; the running dialplan is kept:', ...res.errors].join('\n'));
      return ['Dialplan reloaded.', ...(res.notes ?? [])].join('\n');
    },
  });
  r.add({
    words: ['core', 'show', 'applications'],
    usage: 'core show applications [like|describing TEXT]',
    summary: 'Show the registered dialplan applications',
    complete: () => ['like', 'describing'],
    run: (args) => {
      if (args.length === 0) return formatApplicationList(deps.applications.list());
      const [kind, ...rest] = args;
      const text = rest.join(' ');
      if ((kind !== 'like' && kind !== 'describing') || text === '') throw new CommandError("say 'like TEXT' or 'describing TEXT'");
      return formatApplicationList(deps.applications.list(), kind === 'like' ? { like: text } : { describing: text });
    },
  });
  r.add({
    words: ['core', 'show', 'application'],
    usage: 'core show application NAME [NAME...]',
    summary: 'Describe a dialplan application',
    complete: () => deps.applications.list().map((a) => a.name),
    run: (args) => {
      if (args.length === 0) throw new CommandError('name an application');
      const found = args.map((n) => deps.applications.get(n)).filter((a): a is DialplanApplication => a !== undefined);
      if (found.length === 0) return 'Your application(s) is (are) not registered';
      return found.map(formatApplicationHelp).join('\n');
    },
  });
  r.add({
    words: ['core', 'show', 'functions'],
    usage: 'core show functions [like TEXT]',
    summary: 'Show the dialplan functions',
    run: (args) => {
      if (args.length === 0) return formatFunctionList(deps.functions).replace(/\n$/, '');
      if (args[0] !== 'like' || args[1] === undefined) throw new CommandError("say 'like TEXT'");
      return formatFunctionList(deps.functions, args[1]).replace(/\n$/, '');
    },
  });
  r.add({
    words: ['core', 'show', 'function'],
    usage: 'core show function NAME',
    summary: 'Describe a dialplan function',
    complete: () => [...deps.functions.keys()],
    run: (args) => {
      if (!args[0]) throw new CommandError('name a function');
      const help = formatFunctionHelp(deps.functions, args[0].toUpperCase());
      return help === undefined ? 'No function by that name registered.' : help.replace(/\n$/, '');
    },
  });
}

/**
 * Channel groups as Asterisk's func_groupcount has them: `Set(GROUP(trunks)=provider)` puts the
 * channel in group `provider` of category `trunks` (one group per category and channel; no
 * category is the default one), and GROUP_COUNT / GROUP_MATCH_COUNT count the live channels in a
 * group, which is how a dialplan limits calls per trunk or per customer:
 *
 *   exten => _9.,1,Set(GROUP(trunks)=provider)
 *    same => n,GotoIf($[${GROUP_COUNT(provider@trunks)} > 2]?busy)
 *
 * A channel leaves every group when it hangs up. Group and category names compare without
 * case, as Asterisk's do.
 */
import type { DialplanChannel, DialplanFunction, FunctionEnv } from '../types.ts';
import { compileEre } from '../expr/posix-regex.ts';
import { fail, requireChannel } from './util.ts';

/** One membership, for GROUP_LIST and `group show channels`. */
export interface GroupMembership {
  channel: string;
  group: string;
  category: string;
}

/** The groups of every live channel (the dialplan service owns one per PBX). */
export class ChannelGroups {
  private readonly byChannel = new Map<DialplanChannel, Map<string, { group: string; category: string }>>();

  /** Puts `channel` in `group` of `category` ('' = default), replacing its group there. */
  set(channel: DialplanChannel, category: string, group: string): void {
    if (channel.hangupSignal.aborted) return;
    let groups = this.byChannel.get(channel);
    if (!groups) {
      groups = new Map();
      this.byChannel.set(channel, groups);
      channel.hangupSignal.addEventListener('abort', () => this.byChannel.delete(channel), { once: true });
    }
    const key = category.toLowerCase();
    if (group === '') groups.delete(key);
    else groups.set(key, { group, category });
  }

  /** The channel's group in `category`, if any. */
  get(channel: DialplanChannel, category: string): string | undefined {
    return this.byChannel.get(channel)?.get(category.toLowerCase())?.group;
  }

  /** Live channels in `group` of `category` (without case). */
  count(group: string, category: string): number {
    return this.countWhere((g) => g.group.toLowerCase() === group.toLowerCase(), category);
  }

  /** Live channels whose group matches the POSIX ERE `pattern` in `category`. */
  countMatching(pattern: string, category: string): number {
    const re = compileEre(pattern).re;
    return this.countWhere((g) => re.test(g.group), category);
  }

  /** Every membership (of `channel` only, when given), in channel order. */
  list(channel?: DialplanChannel): GroupMembership[] {
    const out: GroupMembership[] = [];
    for (const [ch, groups] of this.byChannel) {
      if (channel !== undefined && ch !== channel) continue;
      for (const g of groups.values()) out.push({ channel: ch.name, group: g.group, category: g.category });
    }
    return out;
  }

  private countWhere(match: (g: { group: string }) => boolean, category: string): number {
    const key = category.toLowerCase();
    let n = 0;
    for (const groups of this.byChannel.values()) {
      const g = groups.get(key);
      if (g && match(g)) n++;
    }
    return n;
  }
}

/** `group@category` -> parts; a missing category is the default one (''). */
function splitGroup(text: string): { group: string; category: string } {
  const at = text.indexOf('@');
  return at < 0 ? { group: text.trim(), category: '' } : { group: text.slice(0, at).trim(), category: text.slice(at + 1).trim() };
}

function groupsOf(env: FunctionEnv, name: string): ChannelGroups {
  if (!env.groups) fail(`${name}: channel groups are not available here`);
  return env.groups;
}

export const GROUP: DialplanFunction = {
  name: 'GROUP',
  synopsis: 'Gets or sets the channel group.',
  syntax: 'GROUP([category])',
  description: "The channel's group in category (the default category when none is given); setting it replaces the channel's group in that category. GROUP_COUNT and GROUP_MATCH_COUNT count the live channels in a group.",
  read(args, env) {
    return groupsOf(env, 'GROUP').get(requireChannel(env, 'GROUP'), args.trim()) ?? '';
  },
  write(args, value, env) {
    groupsOf(env, 'GROUP').set(requireChannel(env, 'GROUP'), args.trim(), value.trim());
  },
};

export const GROUP_COUNT: DialplanFunction = {
  name: 'GROUP_COUNT',
  synopsis: 'Counts the number of channels in the specified group.',
  syntax: 'GROUP_COUNT([groupname][@category])',
  description: "The number of live channels in the group; without a group name, the channel's own group in that category (0 when it has none).",
  read(args, env) {
    const groups = groupsOf(env, 'GROUP_COUNT');
    let { group, category } = splitGroup(args);
    if (group === '') group = (env.channel && groups.get(env.channel, category)) ?? '';
    return group === '' ? '0' : String(groups.count(group, category));
  },
};

export const GROUP_MATCH_COUNT: DialplanFunction = {
  name: 'GROUP_MATCH_COUNT',
  synopsis: 'Counts the number of channels in the groups matching the specified pattern.',
  syntax: 'GROUP_MATCH_COUNT(groupmatch[@category])',
  description: 'The number of live channels whose group in category matches the POSIX extended regular expression groupmatch.',
  read(args, env) {
    const { group, category } = splitGroup(args);
    if (group === '') fail('GROUP_MATCH_COUNT requires an argument');
    try {
      return String(groupsOf(env, 'GROUP_MATCH_COUNT').countMatching(group, category));
    } catch (e) {
      if (e instanceof SyntaxError) fail(`GROUP_MATCH_COUNT: bad regular expression '${group}': ${e.message}`);
      throw e;
    }
  },
};

export const GROUP_LIST: DialplanFunction = {
  name: 'GROUP_LIST',
  synopsis: 'Gets a list of the groups set on a channel.',
  syntax: 'GROUP_LIST()',
  description: "The channel's groups separated by spaces, each as group@category (just group in the default category).",
  read(_args, env) {
    const mine = groupsOf(env, 'GROUP_LIST').list(requireChannel(env, 'GROUP_LIST'));
    return mine.map((m) => (m.category === '' ? m.group : `${m.group}@${m.category}`)).join(' ');
  },
};

export const GROUP_FUNCTIONS: readonly DialplanFunction[] = [GROUP, GROUP_COUNT, GROUP_MATCH_COUNT, GROUP_LIST];

/** `group show channels [pattern]` in Asterisk's columns (`%-25s  %-20s  %-20s`). */
export function formatGroupChannels(groups: ChannelGroups, pattern?: string): string {
  const re = pattern ? compileEre(pattern).re : undefined;
  const rows = groups.list().filter((m) => !re || re.test(m.group));
  const line = (a: string, b: string, c: string): string => `${a.padEnd(25)}  ${b.padEnd(20)}  ${c.padEnd(20)}`.trimEnd();
  return [line('Channel', 'Group', 'Category'), ...rows.map((m) => line(m.channel, m.group, m.category)), `${rows.length} active channel${rows.length === 1 ? '' : 's'}`].join('\n');
}

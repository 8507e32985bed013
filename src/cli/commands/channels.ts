/** Console commands on live channels: `core show channels`, `channel request hangup NAME|all`. */
import type { ChannelRegistry } from '../../core/channel-registry.ts';
import type { Channel } from '../../channels/channel.ts';
import { HANGUP_CAUSES } from '../../core/hangup-causes.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';
import { table } from './format.ts';

/** `now` is the clock the channels' createdAt comes from (for the duration column). */
export function registerChannelCommands(r: CommandRegistry, channels: ChannelRegistry, now: () => number): void {
  r.add({
    words: ['core', 'show', 'channels'],
    usage: 'core show channels [concise]',
    summary: 'Display information on the active channels',
    run: (args) => {
      const list = channels.list();
      if (args[0] === 'concise') return list.map((c) => concise(c, now())).join('\n');
      if (args[0] !== undefined) throw new CommandError('Usage: core show channels [concise]');
      const rows = list.map((c) => [c.name, `${c.exten}@${c.context}`, c.state, application(c)]);
      const count = `${list.length} active channel${list.length === 1 ? '' : 's'}`;
      return list.length ? `${table(['Channel', 'Location', 'State', 'Application(Data)'], rows)}\n${count}` : count;
    },
  });
  r.add({
    words: ['channel', 'request', 'hangup'],
    usage: 'channel request hangup NAME|all',
    summary: 'Request a hangup on a given channel (or all of them)',
    run: (args) => {
      const which = args[0];
      if (!which) throw new CommandError('Usage: channel request hangup NAME|all');
      if (which === 'all') {
        const list = channels.list();
        for (const c of list) c.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
        return `Requested Hangup on ${list.length} channel${list.length === 1 ? '' : 's'}`;
      }
      const c = channels.get(which);
      if (!c) throw new CommandError(`${which} is not a known channel`);
      c.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
      return `Requested Hangup on channel '${which}'`;
    },
  });
}

function application(c: Channel): string {
  return c.application ? `${c.application}(${c.appData})` : '(None)';
}

/**
 * Asterisk's concise line: channel!context!exten!priority!state!application!data!callerid!
 * accountcode!peeraccount!amaflags!duration!bridged channel!uniqueid.
 */
function concise(c: Channel, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - c.createdAt) / 1000));
  return [c.name, c.context, c.exten, '1', c.state, c.application, c.appData, c.callerId.number ?? '', '', '', '3', String(seconds), c.bridgedTo ?? '(None)', c.name].join('!');
}

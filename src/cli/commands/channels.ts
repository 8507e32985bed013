/**
 * Console commands on live channels, in Asterisk's shapes: `core show channels [concise|verbose]`,
 * `core show channel NAME` and `channel request hangup NAME|all`.
 */
import type { ChannelRegistry } from '../../core/channel-registry.ts';
import type { Channel } from '../../channels/channel.ts';
import { HANGUP_CAUSES } from '../../core/hangup-causes.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';
import { table } from './format.ts';

/** Fields a technology may add to the Channel interface; shown when present. */
interface ChannelDetails {
  uniqueId?: string;
  priority?: number;
  language?: string;
  peer?: string;
}

/** Asterisk's numeric channel states (AST_STATE_*), shown as `Up (6)`. */
const STATE_NUMBER: Record<string, number> = { Down: 0, Ring: 4, Ringing: 5, Up: 6, Busy: 7 };

/** `now` is the clock the channels' createdAt comes from (for the duration column). */
export function registerChannelCommands(r: CommandRegistry, channels: ChannelRegistry, now: () => number): void {
  r.add({
    words: ['core', 'show', 'channels'],
    usage: 'core show channels [concise|verbose]',
    summary: 'Display information on the active channels',
    complete: () => ['concise', 'verbose'],
    run: (args) => {
      const list = channels.list();
      if (args[0] === 'concise') return list.map((c) => concise(c, now())).join('\n');
      const count = `${list.length} active channel${list.length === 1 ? '' : 's'}`;
      if (args[0] === 'verbose') {
        const rows = list.map((c) => [
          c.name,
          c.context,
          c.exten,
          String(details(c).priority ?? 1),
          c.state,
          c.application || '(None)',
          c.appData,
          c.callerId.number ?? '',
          hms(seconds(c, now())),
          '',
          '',
          c.bridgedTo ?? '',
        ]);
        const header = ['Channel', 'Context', 'Extension', 'Prio', 'State', 'Application', 'Data', 'CallerID', 'Duration', 'Accountcode', 'PeerAccount', 'BridgedTo'];
        return list.length ? `${table(header, rows)}\n${count}` : count;
      }
      if (args[0] !== undefined) throw new CommandError('Usage: core show channels [concise|verbose]');
      const rows = list.map((c) => [c.name, `${c.exten}@${c.context}`, c.state, application(c)]);
      return list.length ? `${table(['Channel', 'Location', 'State', 'Application(Data)'], rows)}\n${count}` : count;
    },
  });
  r.add({
    words: ['core', 'show', 'channel'],
    usage: 'core show channel NAME',
    summary: 'Display information on a specific channel',
    complete: () => channels.list().map((c) => c.name),
    run: (args) => {
      const name = args[0];
      if (!name) throw new CommandError('Usage: core show channel NAME');
      const c = channels.get(name);
      if (!c) return `${name} is not a known channel`;
      return showChannel(c, now());
    },
  });
  r.add({
    words: ['channel', 'request', 'hangup'],
    usage: 'channel request hangup NAME|all',
    summary: 'Request a hangup on a given channel (or all of them)',
    complete: () => ['all', ...channels.list().map((c) => c.name)],
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

function details(c: Channel): ChannelDetails {
  return c as Channel & ChannelDetails;
}

function seconds(c: Channel, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - c.createdAt) / 1000));
}

/** Asterisk's duration column: HH:MM:SS. */
function hms(total: number): string {
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

function application(c: Channel): string {
  return c.application ? `${c.application}(${c.appData})` : '(None)';
}

/**
 * Asterisk's concise line: channel!context!exten!priority!state!application!data!callerid!
 * accountcode!peeraccount!amaflags!duration!bridged channel!uniqueid.
 */
function concise(c: Channel, nowMs: number): string {
  const d = details(c);
  return [
    c.name,
    c.context,
    c.exten,
    String(d.priority ?? 1),
    c.state,
    c.application,
    c.appData,
    c.callerId.number ?? '',
    '',
    '',
    '3',
    String(seconds(c, nowMs)),
    c.bridgedTo ?? '(None)',
    d.uniqueId ?? c.name,
  ].join('!');
}

/** `core show channel NAME`: Asterisk's labelled blocks, labels right-aligned. */
function showChannel(c: Channel, nowMs: number): string {
  const d = details(c);
  const total = seconds(c, nowMs);
  const format = c.format ?? '(nothing)';
  const line = (label: string, value: string): string => `${label.padStart(15)}: ${value}`;
  const rtp = c.rtp;
  const lines = [
    ' -- General --',
    line('Name', c.name),
    line('Type', c.tech),
    line('UniqueID', d.uniqueId ?? c.name),
    line('Caller ID', c.callerId.number ?? '(N/A)'),
    line('Caller ID Name', c.callerId.name ?? '(N/A)'),
    line('DNID Digits', c.direction === 'inbound' ? c.exten : '(N/A)'),
    line('Language', d.language ?? 'en'),
    line('State', `${c.state} (${STATE_NUMBER[c.state] ?? 0})`),
    line('NativeFormats', `(${format})`),
    line('WriteFormat', format),
    line('ReadFormat', format),
    line('Elapsed Time', `${Math.floor(total / 3600)}h${Math.floor((total % 3600) / 60)}m${total % 60}s`),
    line('Bridged To', c.bridgedTo ?? '(None)'),
    ...(rtp
      ? [
          line('RTP Port', String(rtp.localPort)),
          line('RTP Peer', rtp.remoteAddress ? `${rtp.remoteAddress.address}:${rtp.remoteAddress.port}` : '(none)'),
          line('RTP Packets', `received ${rtp.stats.packetsReceived}, sent ${rtp.stats.packetsSent}, ignored ${rtp.stats.ignoredSource}`),
        ]
      : []),
    ' --   PBX   --',
    line('Context', c.context),
    line('Extension', c.exten),
    line('Priority', String(d.priority ?? 1)),
    line('Application', c.application || '(None)'),
    line('Data', c.appData || '(Empty)'),
    '      Variables:',
    ...[...c.variables].map(([k, v]) => `${k}=${v}`),
  ];
  return lines.join('\n');
}

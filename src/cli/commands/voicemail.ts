/**
 * `voicemail show users [for CONTEXT]` and `voicemail show zones`, with app_voicemail's columns and
 * wording so scripts written against `asterisk -rx` keep working. The configuration and the spool
 * are read through a provider on every run, so a reload shows at once.
 */
import type { Mailbox, VoicemailConfig } from '../../config/voicemail-model.ts';
import type { VoicemailSpool } from '../../store/voicemail-types.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';

export interface ConsoleVoicemail {
  config: VoicemailConfig;
  /** Absent while voicemail storage is not running (NewMsg shows 0). */
  spool?: VoicemailSpool;
}

export const VOLATILE_SPOOL_LINE = 'Voicemail is stored in RAM (no data partition): messages are lost at reboot';

/** Asterisk's `%-10s %-5s %-25s %-10s %6s`. */
function userRow(context: string, box: string, user: string, zone: string, newMsg: string): string {
  return `${context.padEnd(10)} ${box.padEnd(5)} ${user.padEnd(25)} ${zone.padEnd(10)} ${newMsg.padStart(6)}`;
}

/** Asterisk's `%-15s %-20s %-45s`. */
function zoneRow(zone: string, timezone: string, format: string): string {
  return `${zone.padEnd(15)} ${timezone.padEnd(20)} ${format.padEnd(45)}`;
}

function newMessages(spool: VoicemailSpool | undefined, box: Mailbox): string {
  if (!spool) return '0';
  try {
    return String(spool.counts(box.context, box.box).newMessages);
  } catch {
    // An unreadable box directory must not hide the other boxes.
    return '?';
  }
}

export function formatVoicemailUsers(vm: ConsoleVoicemail, context?: string): string {
  const { config, spool } = vm;
  if (context !== undefined && !config.contexts.has(context)) return `No such voicemail context "${context}"`;
  const boxes = [...config.contexts.entries()]
    .filter(([name]) => context === undefined || name === context)
    .flatMap(([, m]) => [...m.values()]);
  const lines: string[] = [];
  if (boxes.length === 0) lines.push('There are no voicemail users currently defined');
  else {
    lines.push(userRow('Context', 'Mbox', 'User', 'Zone', 'NewMsg'));
    for (const b of boxes) lines.push(userRow(b.context, b.box, b.fullName, b.options.tz ?? config.general.tz ?? '', newMessages(spool, b)));
    lines.push(`${boxes.length} voicemail users configured.`);
  }
  if (spool?.volatile) lines.push(VOLATILE_SPOOL_LINE);
  return lines.map((l) => l.trimEnd()).join('\n');
}

export function formatVoicemailZones(config: VoicemailConfig): string {
  if (config.zones.size === 0) return 'There are no voicemail zones currently defined';
  return [zoneRow('Zone', 'Timezone', 'Message Format'), ...[...config.zones.values()].map((z) => zoneRow(z.name, z.timezone, z.format))]
    .map((l) => l.trimEnd())
    .join('\n');
}

export function registerVoicemailCommands(r: CommandRegistry, voicemail: () => ConsoleVoicemail): void {
  r.add({
    words: ['voicemail', 'show', 'users'],
    usage: 'voicemail show users [for <context>]',
    summary: 'List defined voicemail boxes',
    complete: () => ['for', ...voicemail().config.contexts.keys()],
    run: (args) => {
      if (args.length === 0) return formatVoicemailUsers(voicemail());
      if (args.length === 2 && args[0]!.toLowerCase() === 'for') return formatVoicemailUsers(voicemail(), args[1]!);
      throw new CommandError('expected nothing, or for <context>');
    },
  });
  r.add({
    words: ['voicemail', 'show', 'zones'],
    usage: 'voicemail show zones',
    summary: 'List zone message formats',
    run: (args) => {
      if (args.length > 0) throw new CommandError('voicemail show zones takes no arguments');
      return formatVoicemailZones(voicemail().config);
    },
  });
}

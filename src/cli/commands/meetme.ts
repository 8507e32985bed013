/**
 * app_meetme's console commands with its layouts: `meetme list` (one line per running
 * conference, then the total), `meetme list <confno>` (`User #:` lines, then the count),
 * `meetme kick <confno> <user|all>`, `meetme mute|unmute <confno> <user|all>`,
 * `meetme lock|unlock <confno>`. Like Asterisk, an action that succeeds prints nothing; an unknown
 * conference or user is said (Asterisk logs it).
 */
import type { MeetmeRegistry } from '../../apps/meetme/registry.ts';
import type { Conference } from '../../apps/meetme/conference.ts';
import { CommandError, type CommandRegistry } from '../registry.ts';

const two = (n: number): string => String(n).padStart(2, '0');
const hms = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
};
const four = (n: number): string => String(n).padStart(4, '0');

export function formatMeetmeList(reg: MeetmeRegistry | undefined, now: number): string {
  const confs = reg?.list() ?? [];
  if (confs.length === 0) return 'No active MeetMe conferences.';
  const out = [`${'Conf Num'.padEnd(14)} ${'Parties'.padEnd(14)} ${'Marked'.padEnd(10)} ${'Activity'.padEnd(8)}  ${'Creation'.padEnd(8)}  ${'Locked'.padEnd(6)}`];
  let total = 0;
  for (const c of confs) {
    const marked = c.markedCount === 0 ? 'N/A ' : four(c.markedCount);
    out.push(`${c.confno.slice(0, 12).padEnd(12)}   ${four(c.count)}\t      ${marked.padStart(4)}       ${hms(now - c.createdAt)}  ${(c.dynamic ? 'Dynamic' : 'Static').padEnd(8)}  ${(c.locked ? 'Yes' : 'No').padEnd(6)}`);
    total += c.count;
  }
  out.push(`* Total number of MeetMe users: ${total}`);
  return out.join('\n');
}

export function formatMeetmeUsers(reg: MeetmeRegistry | undefined, confno: string, now: number): string {
  if (!reg || reg.list().length === 0) return 'No active MeetMe conferences.';
  const conf = reg.find(confno);
  if (!conf) return `No such conference: ${confno}.`;
  const out: string[] = [];
  for (const u of conf.list()) {
    const num = u.channel.callerId.number || '<unknown>';
    const name = u.channel.callerId.name || '<no name>';
    const muted = u.adminMuted ? '(Admin Muted)' : u.selfMuted ? '(Muted)' : '';
    // Talker detection is not done: the talking column stays empty, as with talker detection off.
    out.push(
      `User #: ${two(u.userNo)} ${num.slice(0, 12).padStart(12)} ${name.slice(0, 20).padEnd(20)} Channel: ${u.channel.name} ${u.flags.admin ? '(Admin)' : ''} ${u.flags.listenOnly ? '(Listen only)' : ''} ${muted} ${''} ${''} ${hms(now - u.joinedAt)}`,
    );
  }
  out.push(`${conf.count} users in that conference.`);
  return out.join('\n');
}

function conference(reg: MeetmeRegistry | undefined, confno: string | undefined): Conference {
  if (!confno) throw new CommandError('Missing conference number');
  const conf = reg?.find(confno);
  if (!conf) throw new CommandError(`No such conference: ${confno}.`);
  return conf;
}

function userNo(conf: Conference, arg: string | undefined): number {
  if (!arg) throw new CommandError('Missing user number');
  const n = Number(arg);
  if (!Number.isInteger(n) || !conf.user(n)) throw new CommandError(`No such user: ${arg} in conference ${conf.confno}.`);
  return n;
}

export function registerMeetmeCommands(r: CommandRegistry, reg: () => MeetmeRegistry | undefined, now: () => number): void {
  const complete = (): string[] => reg()?.list().map((c) => c.confno) ?? [];
  r.add({
    words: ['meetme', 'list'],
    usage: 'meetme list [<confno>]',
    summary: 'List all or one conference',
    complete,
    run: (args) => (args[0] ? formatMeetmeUsers(reg(), args[0], now()) : formatMeetmeList(reg(), now())),
  });
  r.add({
    words: ['meetme', 'kick'],
    usage: 'meetme kick <confno> <usernumber|all>',
    summary: 'Kick a user (or everyone) out of a conference',
    complete,
    run: (args) => {
      const conf = conference(reg(), args[0]);
      if (args[1] === 'all') conf.kickAll();
      else conf.kick(userNo(conf, args[1]));
      return '';
    },
  });
  for (const [word, muted] of [['mute', true], ['unmute', false]] as const) {
    r.add({
      words: ['meetme', word],
      usage: `meetme ${word} <confno> <usernumber|all>`,
      summary: `${muted ? 'Mute' : 'Unmute'} a user (all: every non-admin user) of a conference`,
      complete,
      run: (args) => {
        const conf = conference(reg(), args[0]);
        // app_meetme's N/n leave admins alone.
        if (args[1] === 'all') {
          for (const u of conf.list()) if (!u.flags.admin) conf.mute(u.userNo, muted);
        } else conf.mute(userNo(conf, args[1]), muted);
        return '';
      },
    });
  }
  for (const [word, locked] of [['lock', true], ['unlock', false]] as const) {
    r.add({
      words: ['meetme', word],
      usage: `meetme ${word} <confno>`,
      summary: `${locked ? 'Lock' : 'Unlock'} a conference (${locked ? 'no new users but admins' : 'anyone with the PIN may join'})`,
      complete,
      run: (args) => {
        conference(reg(), args[0]).locked = locked;
        return '';
      },
    });
  }
}
